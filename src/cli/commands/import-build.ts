/** `konduit import build`: a legacy export -> the import files, by a mapping.yaml (or --init a template). */
import { access, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic.js';
import { assertDistinctPaths, filesIn } from '../../core/paths.js';
import { EXIT_INVALID, EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { maskDigitsInText } from '../../core/mask.js';
import { BUILD_ISSUE_TEXT, OUTPUT_NAMES, buildImportFiles, type BuildResult } from '../../importfile/transform/build.js';
import { planInitMapping, renderTemplate, type InitSource } from '../../importfile/transform/init-mapping.js';
import type { CrmIdLists } from '../../core/crm-ids.js';
import { parseMapping } from '../../importfile/transform/mapping.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { readTable } from '../../importfile/read/table.js';
import { dateFlag, parseFlags } from '../args.js';
import { plural } from '../../core/text.js';

export const help = `Usage: konduit import build --mapping mapping.yaml [--out DIR] [--today YYYY-MM-DD] [--import-date YYYY-MM-DD] SOURCE.csv...
       konduit import build --init SOURCE.csv [OTHER.csv...] [--out mapping.yaml] [--force]
                            [--connection NAME [--db PATH|URL] | --crm-ids FILE]

Builds the import files (transactions.csv, and customer-notes.csv / customer-details.csv when the mapping
has them) from a legacy export, by a mapping: which source column feeds each import column, constants
(campaignId, merchantId...), lookups per legacy product, plan or MID (campaignId, productId, merchantId),
value maps for enums, and the export's date formats and time zone (date-times are converted to the CRM
account's zone; dates are reformatted, never shifted). Phones, expiry dates and enum case are normalised
as konduit import fix does. The built files are validated and the report printed.

--init writes a first mapping from SOURCE's header and first 200 rows: each import column's source
column, scored by name (the column's own name, the common platforms' export headers: Shopify, Recharge,
Chargebee, Stripe, Sticky.io, NMI, Authorize.Net) and by content (Luhn-valid numbers are card numbers,
date-times a date, approved/declined words a response type, ...), with the reason and a confidence:
high filled in, medium filled in and marked "# REVIEW", low left commented out. Also read from the data:
the date format and time zone (asked, never guessed, when the data cannot tell), value maps for the
values seen, the derivations the export needs (a combined expiry, billShipSame, one subscription per
row, dispute rows), a lookup per product or plan for the CRM ids, and the other sources: a notes export
becomes the notes section, a processor's card export a join. The CRM's ids are never guessed: with
--connection (or --crm-ids) they are listed in the template.

Options:
  --mapping FILE      the mapping (required unless --init)
  --out DIR|FILE      build: the output directory (default .); --init: the template (default mapping.yaml)
  --init              write a mapping template instead of building
  --force             --init: replace an existing template
  --connection NAME   --init: list the CRM's campaigns, campaign products and MIDs in the template
  --crm-ids FILE      --init: the same from a konduit crm ids --out file
  --today YYYY-MM-DD  the validator's "today"
  --import-date DATE  the planned import date, for the validation of the result (the rebill guard)
  -h, --help          this help

Exit codes: 0 built and valid, 1 built with validation errors or unmapped values, 2 usage or I/O error.

Examples:
  konduit import build --init export.csv notes-export.csv --connection shop --out mapping.yaml
  konduit import build --mapping mapping.yaml --out build/ export.csv notes-export.csv

The mapping format: docs/migration.md ("2. Build").
`;

/** A source's header and first rows, as --init reads them. */
async function sampleOf(path: string, rows = 200): Promise<InitSource> {
  let header: string[] = [];
  const samples: string[][] = [];
  for await (const rec of readTable(path)) {
    header = rec.header.names;
    samples.push(rec.cells);
    if (samples.length >= rows) break;
  }
  if (header.length === 0) throw new EnvironmentError(`${path} has no header and rows to guess from`);
  return { name: path, header, samples };
}

/** Writes a mapping template for a source (and the other sources: notes, a card export); shared with konduit migrate. */
export async function initMapping(source: string, out: string, force = false, others: readonly string[] = [], crmIds: CrmIdLists | null = null): Promise<string> {
  if (!force) {
    const exists = await access(out).then(() => true, () => false);
    if (exists) throw new UsageError(`${out} exists; it may hold your reviewed mapping`, 'Pass --force to replace it, or --out another file.');
  }
  const main = await sampleOf(source);
  const rest = await Promise.all(others.map((o) => sampleOf(o)));
  const plan = planInitMapping(main, rest, crmIds);
  await writeFileAtomic(out, renderTemplate(plan), 0o644);
  const review = plan.transactions.filter((g) => g.source && g.confidence === 'medium').length;
  const asks = [plan.dates.zone === '?' ? 'the export\'s time zone' : null, plan.dates.dateTime?.format.includes('|') ? 'the date order (month/day or day/month)' : null].filter(Boolean);
  return `wrote ${out}: ${plan.transactions.filter((g) => g.source && g.confidence === 'high').length} columns mapped with high confidence, ${review} to review (# REVIEW)${asks.length ? `; it asks ${asks.join(' and ')}` : ''}.\nFill in the CRM ids (konduit crm ids --connection NAME lists them), then run\n  konduit import build --mapping ${out} ${[source, ...others].join(' ')}\n`;
}

/** Builds with a mapping file; shared with konduit migrate. */
export async function buildWithMapping(o: { mapping: string; sources: string[]; outDir: string; today?: string; importDate?: string }): Promise<{ result: BuildResult; text: string; ok: boolean }> {
  let text: string;
  try {
    text = await readFile(o.mapping, 'utf8');
  } catch (err) {
    throw new EnvironmentError(`cannot read --mapping ${o.mapping}: ${errorMessage(err)}`);
  }
  const result = await buildImportFiles(parseMapping(text), o.sources, o.outDir, { ...(o.today ? { today: o.today } : {}), ...(o.importDate ? { importDate: o.importDate } : {}) });
  const lines = Object.entries(result.rows).map(([k, n]) => `built ${result.files[k as 'transactions']}: ${n} rows`);
  if (result.disputesFolded > 0) lines.push(`folded ${plural(result.disputesFolded, 'dispute row')} into the chargeback columns of their parent transactions`);
  if (result.issueCount > 0) {
    lines.push(`${result.issueCount} cells could not be mapped (kept as in the source; correct ${o.mapping}):`);
    for (const i of result.issues.slice(0, 20)) lines.push(`  ${i.kind} source row ${i.row} ${i.column}: "${i.value}" ${BUILD_ISSUE_TEXT[i.code]} [${i.code}]`);
  }
  lines.push('', renderText(result.report, result.codes, 20));
  return { result, text: `${lines.join('\n')}`, ok: result.report.valid && result.issueCount === 0 };
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    mapping: { type: 'string' }, out: { type: 'string' }, init: { type: 'boolean' }, force: { type: 'boolean' }, today: { type: 'string' }, 'import-date': { type: 'string' },
    connection: { type: 'string' }, db: { type: 'string' }, 'crm-ids': { type: 'string' },
  }, true);
  if (values.init) {
    if (positionals.length === 0) throw new UsageError('--init takes the export, then any other sources (a notes export, the processor\'s card export)');
    await assertDistinctPaths(positionals.map((p, i) => ({ role: `SOURCE ${i + 1}`, path: p })), [{ role: '--out', path: values.out ?? 'mapping.yaml' }]);
    // Loaded only when asked for: reading a connection opens the store.
    const ids = values.connection || values['crm-ids'] ? await import('./crm-ids.js') : null;
    const crmIds = ids && values.connection ? await ids.crmIdsOf(values.connection, values.db) : ids && values['crm-ids'] ? await ids.readCrmIdsFile(values['crm-ids']) : null;
    process.stdout.write(await initMapping(positionals[0] as string, values.out ?? 'mapping.yaml', !!values.force, positionals.slice(1), crmIds));
    return EXIT_OK;
  }
  dateFlag('today', values.today);
  const importDate = dateFlag('import-date', values['import-date']);
  if (!values.mapping) throw new UsageError('--mapping FILE is required (or --init SOURCE to write one)', 'Run konduit import build --help.');
  if (positionals.length === 0) throw new UsageError('give at least one SOURCE.csv');
  await assertDistinctPaths(
    [{ role: '--mapping', path: values.mapping }, ...positionals.map((p, i) => ({ role: `SOURCE ${i + 1}`, path: p }))],
    filesIn('--out', values.out ?? '.', Object.values(OUTPUT_NAMES)),
  );
  const r = await buildWithMapping({ mapping: values.mapping, sources: positionals, outDir: values.out ?? '.', ...(values.today ? { today: values.today } : {}), ...(importDate ? { importDate } : {}) });
  // Issues are masked where they are built; the whole output once more, as import validate does.
  process.stdout.write(maskDigitsInText(r.text));
  return r.ok ? EXIT_OK : EXIT_INVALID;
}
