/** `konduit import fix`: the safe normalisations of an import file, each in a change log. */
import { writeFileAtomic } from '../../core/atomic.js';
import { EXIT_INVALID, EXIT_OK, UsageError } from '../../core/errors.js';
import { assertDistinctPaths } from '../../core/paths.js';
import type { FileKind } from '../../importfile/spec/columns.js';
import { fixFile, renderChangeLog, type Change, type DateOrder, type FixResult } from '../../importfile/transform/fix.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { runValidation, type ImportInput } from '../../importfile/validate/validate.js';
import { dateFlag, enumFlag, parseFlags } from '../args.js';

export const help = `Usage: konduit import fix IN.csv --out OUT.csv [--kind transactions|notes|details]
                          [--log CHANGES.csv|CHANGES.json] [--date-order mdy|dmy] [--today YYYY-MM-DD]

Applies only the normalisations that cannot change what a row means, and lists each one (row, column,
before, after, rule) in the change log:
  dates to YYYY-MM-DD and date-times to YYYY-MM-DD HH:MM:SS (ISO "T", missing seconds, slashes,
  12-hour clock), phones to digits, expiry months to 2 digits and 2-digit years to 20YY, enum and
  country/state case, true/false/yes/no to 1/0, header names to spec case, columns in spec order
  (missing optional columns added empty), quantity defaulted to 1, every cell quoted.
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
  -h, --help            this help

Exit codes: 0 the fixed file validates, 1 it still has errors (see the summary), 2 usage or I/O error.

Example:
  konduit import fix export-built.csv --out transactions.csv --log changes.csv --date-order mdy
`;

/** Fixes a file, writes its log and validates the result; shared with konduit migrate. */
export async function fixAndValidate(o: { input: string; out: string; kind: FileKind; log?: string; dateOrder?: DateOrder; today?: string }): Promise<{ result: FixResult; valid: boolean; text: string }> {
  const log = o.log;
  // The log is written before the fixed file appears: a fixed file never exists without its log.
  const beforeCommit = log ? (changes: readonly Change[]) => writeFileAtomic(log, renderChangeLog(changes, log.endsWith('.json') ? 'json' : 'csv'), 0o600) : undefined;
  const result = await fixFile(o.kind, o.input, o.out, { dateOrder: o.dateOrder ?? null, ...(beforeCommit ? { beforeCommit } : {}) });
  const rules = Object.entries(result.byRule).map(([r, n]) => `  ${r}: ${n}`).join('\n');
  let text = `fixed ${o.input} -> ${o.out}: ${result.rows} rows, ${result.changes.length} changes${rules ? `\n${rules}` : ''}\n`;
  if (result.shapeSkipped.length > 0) text += `  ${result.shapeSkipped.length} damaged rows copied unchanged (first: row ${result.shapeSkipped[0]})\n`;
  if (o.log) text += `change log: ${o.log}\n`;
  // Only the transactions file validates on its own; notes and details need their transactions file.
  if (o.kind !== 'transactions') return { result, valid: true, text };
  const input: ImportInput = { transactions: o.out };
  const { report, codes } = await runValidation(input, o.today ? { today: o.today } : {});
  text += `\nvalidation of ${o.out}:\n${renderText(report, codes, 20)}`;
  return { result, valid: report.valid, text };
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { out: { type: 'string' }, kind: { type: 'string' }, log: { type: 'string' }, 'date-order': { type: 'string' }, today: { type: 'string' } }, true);
  if (!values.out) throw new UsageError('--out FILE is required', 'Run konduit import fix --help.');
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  const input = positionals[0] as string;
  await assertDistinctPaths([{ role: 'the input file', path: input }], [{ role: '--out', path: values.out }, ...(values.log ? [{ role: '--log', path: values.log }] : [])]);
  dateFlag('today', values.today);
  const kind = enumFlag<FileKind>('kind', values.kind, ['transactions', 'notes', 'details'], 'transactions');
  const order = enumFlag('date-order', values['date-order'], ['mdy', 'dmy', 'none'] as const, 'none');
  const r = await fixAndValidate({ input, out: values.out, kind, ...(values.log ? { log: values.log } : {}), dateOrder: order === 'none' ? null : order, ...(values.today ? { today: values.today } : {}) });
  process.stdout.write(r.text);
  return r.valid ? EXIT_OK : EXIT_INVALID;
}
