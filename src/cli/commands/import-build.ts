/** `konduit import build`: a legacy export -> the import files, by a mapping.yaml (or --init a template). */
import { access, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic.js';
import { assertDistinctPaths, filesIn } from '../../core/paths.js';
import { EXIT_INVALID, EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { BUILD_ISSUE_TEXT, OUTPUT_NAMES, buildImportFiles, type BuildResult } from '../../importfile/transform/build.js';
import { mappingTemplate } from '../../importfile/transform/init-mapping.js';
import { parseMapping } from '../../importfile/transform/mapping.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { readTable } from '../../importfile/read/table.js';
import { dateFlag, parseFlags } from '../args.js';

export const help = `Usage: konduit import build --mapping mapping.yaml [--out DIR] [--today YYYY-MM-DD] SOURCE.csv...
       konduit import build --init SOURCE.csv [--out mapping.yaml] [--force]

Builds the import files (transactions.csv, and customer-notes.csv / customer-details.csv when the mapping
has them) from a legacy export, by a mapping: which source column feeds each import column, constants
(campaignId, merchantId...), lookups per legacy product, plan or MID (campaignId, productId, merchantId),
value maps for enums, and the export's date formats and time zone (date-times are converted to the CRM
account's zone; dates are reformatted, never shifted). Phones, expiry dates and enum case are normalised
as konduit import fix does. The built files are validated and the report printed.

--init writes a mapping template from SOURCE's header: every import column, the source column guessed
for it (exact names as they are, synonyms marked "# REVIEW"), and the CRM ids to fill in.

Options:
  --mapping FILE      the mapping (required unless --init)
  --out DIR|FILE      build: the output directory (default .); --init: the template (default mapping.yaml)
  --init              write a mapping template instead of building
  --force             --init: replace an existing template
  --today YYYY-MM-DD  the validator's "today"
  -h, --help          this help

Exit codes: 0 built and valid, 1 built with validation errors or unmapped values, 2 usage or I/O error.

Examples:
  konduit import build --init export.csv --out mapping.yaml
  konduit import build --mapping mapping.yaml --out build/ export.csv notes-export.csv

The mapping format: docs/migration.md ("2. Build").
`;

/** Writes a mapping template for a source; shared with konduit migrate. */
export async function initMapping(source: string, out: string, force = false): Promise<string> {
  if (!force) {
    const exists = await access(out).then(() => true, () => false);
    if (exists) throw new UsageError(`${out} exists; it may hold your reviewed mapping`, 'Pass --force to replace it, or --out another file.');
  }
  let header: string[] = [];
  const samples: string[][] = [];
  for await (const rec of readTable(source)) {
    header = rec.header.names;
    samples.push(rec.cells);
    if (samples.length >= 20) break;
  }
  if (header.length === 0) throw new EnvironmentError(`${source} has no header and rows to guess from`);
  await writeFileAtomic(out, mappingTemplate(header, source), 0o644);
  return `wrote ${out}: review every line marked "# REVIEW" and fill in the CRM ids, then run\n  konduit import build --mapping ${out} ${source}\n`;
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
  if (result.disputesFolded > 0) lines.push(`folded ${result.disputesFolded} dispute row(s) into the chargeback columns of their parent transactions`);
  if (result.issueCount > 0) {
    lines.push(`${result.issueCount} cells could not be mapped (kept as in the source; correct ${o.mapping}):`);
    for (const i of result.issues.slice(0, 20)) lines.push(`  ${i.kind} source row ${i.row} ${i.column}: "${i.value}" ${BUILD_ISSUE_TEXT[i.code]} [${i.code}]`);
  }
  lines.push('', renderText(result.report, result.codes, 20));
  return { result, text: `${lines.join('\n')}`, ok: result.report.valid && result.issueCount === 0 };
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { mapping: { type: 'string' }, out: { type: 'string' }, init: { type: 'boolean' }, force: { type: 'boolean' }, today: { type: 'string' } }, true);
  if (values.init) {
    if (positionals.length !== 1) throw new UsageError('--init takes exactly one SOURCE.csv');
    await assertDistinctPaths([{ role: 'SOURCE', path: positionals[0] as string }], [{ role: '--out', path: values.out ?? 'mapping.yaml' }]);
    process.stdout.write(await initMapping(positionals[0] as string, values.out ?? 'mapping.yaml', !!values.force));
    return EXIT_OK;
  }
  dateFlag('today', values.today);
  if (!values.mapping) throw new UsageError('--mapping FILE is required (or --init SOURCE to write one)', 'Run konduit import build --help.');
  if (positionals.length === 0) throw new UsageError('give at least one SOURCE.csv');
  await assertDistinctPaths(
    [{ role: '--mapping', path: values.mapping }, ...positionals.map((p, i) => ({ role: `SOURCE ${i + 1}`, path: p }))],
    filesIn('--out', values.out ?? '.', Object.values(OUTPUT_NAMES)),
  );
  const r = await buildWithMapping({ mapping: values.mapping, sources: positionals, outDir: values.out ?? '.', ...(values.today ? { today: values.today } : {}) });
  process.stdout.write(r.text);
  return r.ok ? EXIT_OK : EXIT_INVALID;
}
