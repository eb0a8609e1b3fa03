/** `konduit import fix`: the safe normalisations of an import file, each in a change log. */
import { writeFileAtomic } from '../../core/atomic.js';
import { EXIT_INVALID, EXIT_OK, UsageError, errorMessage, type KonduitError } from '../../core/errors.js';
import { localDate, systemTimeZone } from '../../core/time.js';
import { parseRebillRule, rebillRuleText, type RebillRule } from '../../importfile/transform/rebill-guard.js';
import { assertDistinctPaths } from '../../core/paths.js';
import type { FileKind } from '../../importfile/spec/columns.js';
import { fixFile, renderChangeLog, type Change, type DateOrder, type FixResult } from '../../importfile/transform/fix.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { runValidation, type ImportInput } from '../../importfile/validate/validate.js';
import { dateFlag, enumFlag, parseFlags } from '../args.js';
import { plural, verb } from '../../core/text.js';

/** Parses --past-next-bill-date, as a usage error (exit 2) when it is not a rule. */
export function rebillFlag(value: string): RebillRule {
  try {
    return parseRebillRule(value);
  } catch (err) {
    throw new UsageError(`--past-next-bill-date: ${errorMessage(err)}`, (err as KonduitError).hint);
  }
}

export const help = `Usage: konduit import fix IN.csv --out OUT.csv [--kind transactions|notes|details]
                          [--log CHANGES.csv|CHANGES.json] [--date-order mdy|dmy] [--today YYYY-MM-DD]
                          [--import-date YYYY-MM-DD] [--past-next-bill-date move:+N|keep-day|cancel]

Applies only the normalisations that cannot change what a row means, and lists each one (row, column,
before, after, rule) in the change log:
  dates to YYYY-MM-DD and date-times to YYYY-MM-DD HH:MM:SS (ISO "T", missing seconds, slashes,
  12-hour clock), phones to digits, expiry months to 2 digits and 2-digit years to 20YY, enum and
  country/state case, true/false/yes/no to 1/0, header names to spec case, columns in spec order
  (missing optional columns added empty), quantity defaulted to 1, US ZIP codes' lost leading zeros
  restored (2134 -> 02134) and Canadian postal codes spaced and upper-cased, every cell quoted.

The rebill guard: an active subscription whose next bill date is before the planned import date would
be billed the moment it is imported, so the validator refuses it. --past-next-bill-date resolves every
such row of the file by one rule, logged row by row (and the choice itself, first):
  move:+N    the import date plus N days
  keep-day   the same day of the month as before, on or after the import date (31 -> a month's last day)
  cancel     imported as not active: isActiveRecurring 0, next bill date emptied
It never changes amounts, card or bank numbers, or ids (customerId, orderId, merchantTxnId, parentTxnId,
campaignId, productId, merchantId); what it cannot fix safely is left to the validator, whose summary
is printed after the fix. Card numbers never appear in the change log.

Options:
  --out FILE            the fixed file (required; written atomically, mode 0600)
  --kind KIND           transactions (default), notes or details
  --log FILE            the change log, CSV or JSON by its extension (default: only counts are printed)
  --date-order mdy|dmy  how to read slash dates like 03/04/2025; without it only unambiguous ones
                        (a part above 12) are rewritten and the rest reported by the validator
  --today YYYY-MM-DD    the validator's "today"
  --import-date DATE    the planned import date (default: --today, else today)
  --past-next-bill-date RULE  move:+N, keep-day or cancel (above)
  -h, --help            this help

Exit codes: 0 the fixed file validates, 1 it still has errors (see the summary), 2 usage or I/O error.

Examples:
  konduit import fix export-built.csv --out transactions.csv --log changes.csv --date-order mdy
  konduit import fix built.csv --out transactions.csv --log changes.csv --import-date 2026-12-01 --past-next-bill-date move:+3
`;

/** What fixAndValidate needs. */
export interface FixRun {
  input: string;
  out: string;
  kind: FileKind;
  log?: string;
  dateOrder?: DateOrder;
  today?: string;
  /** The planned import date (default: today); with pastNextBill, the rebill guard's rule. */
  importDate?: string;
  pastNextBill?: RebillRule;
}

/** Fixes a file, writes its log and validates the result; shared with konduit migrate. */
export async function fixAndValidate(o: FixRun): Promise<{ result: FixResult; valid: boolean; text: string }> {
  const log = o.log;
  // The log is written before the fixed file appears: a fixed file never exists without its log.
  const beforeCommit = log ? (changes: readonly Change[]) => writeFileAtomic(log, renderChangeLog(changes, log.endsWith('.json') ? 'json' : 'csv'), 0o600) : undefined;
  const importDate = o.importDate ?? o.today ?? localDate(Date.now(), systemTimeZone());
  const result = await fixFile(o.kind, o.input, o.out, {
    dateOrder: o.dateOrder ?? null,
    rebill: { importDate, rule: o.pastNextBill ?? null },
    ...(beforeCommit ? { beforeCommit } : {}),
  });
  const rules = Object.entries(result.byRule).map(([r, n]) => `  ${r}: ${n}`).join('\n');
  let text = `fixed ${o.input} -> ${o.out}: ${plural(result.rows, 'row')}, ${plural(result.changes.length, 'change')}${rules ? `\n${rules}` : ''}\n`;
  if (result.shapeSkipped.length > 0) text += `  ${plural(result.shapeSkipped.length, 'damaged row')} copied unchanged (first: row ${result.shapeSkipped[0]})\n`;
  const past = result.pastNextBill;
  if (past.count > 0 && past.resolved && o.pastNextBill) {
    text += `rebill guard: ${plural(past.count, 'active subscription')} due before the import date ${importDate} resolved by ${rebillRuleText(o.pastNextBill)} (rows ${past.rows.join(', ')}${past.count > past.rows.length ? ', ...' : ''}; each in the change log)\n`;
  } else if (past.count > 0) {
    text += `rebill guard: ${plural(past.count, 'active subscription')} ${verb(past.count, 'has', 'have')} a next bill date before the import date ${importDate} (${verb(past.rows.length, 'row', 'rows')} ${past.rows.join(', ')}${past.count > past.rows.length ? ', ...' : ''}): imported, ${past.count === 1 ? 'it' : 'each'} would be billed at once.\n  choose: --past-next-bill-date move:+N | keep-day | cancel\n`;
  }
  const amb = result.ambiguousDates;
  if (amb.count > 0 && amb.first) {
    text += `${plural(amb.count, 'row')} ${verb(amb.count, 'has', 'have')} dates only --date-order can read (e.g. row ${amb.first.row} ${amb.first.column} "${amb.first.value}": month/day or day/month?): run again with --date-order mdy or dmy\n`;
  }
  if (o.log) text += `change log: ${o.log}\n`;
  // Only the transactions file validates on its own; notes and details need their transactions file.
  if (o.kind !== 'transactions') return { result, valid: true, text };
  const input: ImportInput = { transactions: o.out };
  const { report, codes } = await runValidation(input, { importDate, ...(o.today ? { today: o.today } : {}) });
  text += `\nvalidation of ${o.out}:\n${renderText(report, codes, 20)}`;
  return { result, valid: report.valid, text };
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    out: { type: 'string' }, kind: { type: 'string' }, log: { type: 'string' }, 'date-order': { type: 'string' }, today: { type: 'string' },
    'import-date': { type: 'string' }, 'past-next-bill-date': { type: 'string' },
  }, true);
  if (!values.out) throw new UsageError('--out FILE is required', 'Run konduit import fix --help.');
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  const input = positionals[0] as string;
  await assertDistinctPaths([{ role: 'the input file', path: input }], [{ role: '--out', path: values.out }, ...(values.log ? [{ role: '--log', path: values.log }] : [])]);
  dateFlag('today', values.today);
  const importDate = dateFlag('import-date', values['import-date']);
  const rule = values['past-next-bill-date'] === undefined ? undefined : rebillFlag(values['past-next-bill-date']);
  const kind = enumFlag<FileKind>('kind', values.kind, ['transactions', 'notes', 'details'], 'transactions');
  const order = enumFlag('date-order', values['date-order'], ['mdy', 'dmy', 'none'] as const, 'none');
  const r = await fixAndValidate({
    input, out: values.out, kind, dateOrder: order === 'none' ? null : order,
    ...(values.log ? { log: values.log } : {}), ...(values.today ? { today: values.today } : {}), ...(importDate ? { importDate } : {}), ...(rule ? { pastNextBill: rule } : {}),
  });
  process.stdout.write(r.text);
  return r.valid ? EXIT_OK : EXIT_INVALID;
}
