/** `konduit import validate`: checks legacy import files against the CRM's legacy import spec before anything is sent. */
import { EXIT_INVALID, EXIT_OK, UsageError } from '../../core/errors.js';
import { maskDigitsInText } from '../../core/mask.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { DEFAULT_MAX_ISSUES, runValidation, type ImportInput } from '../../importfile/validate/validate.js';
import { dateFlag, enumFlag, intFlag, parseFlags } from '../args.js';

export const help = `Usage: konduit import validate --transactions FILE [--notes FILE] [--details FILE]
                               [--format text|json] [--max-issues N] [--today YYYY-MM-DD]
                               [--import-date YYYY-MM-DD] [--connection NAME [--db PATH|URL] | --crm-ids FILE]

Checks the legacy import files (Transactions, Customer Notes, Additional Customer Details) against the
import spec: header, every field rule, cross-field, cross-row and cross-file rules, and CSV damage.
Files of any size are streamed. Card and bank numbers are never printed in full (first 6 + last 4 at most).

Options:
  --transactions FILE  the Transactions file (required)
  --notes FILE         the Customer Notes file; its customerIds must be in the transactions file
  --details FILE       the Additional Customer Details file; same customerId check
  --format text|json   text (default): a summary, issues grouped by code with the first rows of each
                       and a one-line fix; json: {valid, files[], issues[]} for machines
  --max-issues N       list at most N issues (default ${DEFAULT_MAX_ISSUES}); every issue is still counted
  --today YYYY-MM-DD   today (default: today, local time)
  --import-date DATE   the planned import date (default: --today): an active subscription whose next
                       bill date is before it is an error (the rebill guard)
  --connection NAME    also check every campaignId, productId (a campaign product of that campaign,
                       recurring for an active subscription) and merchantId against the CRM's ids,
                       read through the API (konduit crm ids); --db PATH|URL the store holding it
  --crm-ids FILE       the same, from a file written by konduit crm ids --out
  -h, --help           this help

Exit codes: 0 no errors (warnings allowed), 1 at least one error, 2 usage or I/O error.

Examples:
  konduit import validate --transactions transactions.csv
  konduit import validate --transactions t.csv --notes notes.csv --details details.csv --format json --max-issues 100
  konduit import validate --transactions t.csv --import-date 2026-12-01 --connection shop

The rules and interpretations: docs/import-files.md.
`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    transactions: { type: 'string' },
    notes: { type: 'string' },
    details: { type: 'string' },
    format: { type: 'string' },
    'max-issues': { type: 'string' },
    today: { type: 'string' },
    'import-date': { type: 'string' },
    connection: { type: 'string' },
    db: { type: 'string' },
    'crm-ids': { type: 'string' },
  });
  if (!values.transactions) throw new UsageError('--transactions FILE is required', 'Run konduit import validate --help.');
  const format = enumFlag('format', values.format, ['text', 'json'] as const, 'text');
  const maxIssues = intFlag('max-issues', values['max-issues'], DEFAULT_MAX_ISSUES, 0);
  dateFlag('today', values.today);
  const importDate = dateFlag('import-date', values['import-date']);
  const input: ImportInput = { transactions: values.transactions };
  if (values.notes) input.notes = values.notes;
  if (values.details) input.details = values.details;
  if (values.connection && values['crm-ids']) throw new UsageError('give --connection or --crm-ids, not both');
  // Loaded only when asked for: reading a connection opens the store (and its database engine).
  const ids = values.connection || values['crm-ids'] ? await import('./crm-ids.js') : null;
  const crmIds = ids && values.connection ? await ids.crmIdsOf(values.connection, values.db) : ids && values['crm-ids'] ? await ids.readCrmIdsFile(values['crm-ids']) : undefined;
  const { report, codes } = await runValidation(input, {
    ...(crmIds ? { crmIds } : {}),
    maxIssues,
    ...(values.today !== undefined ? { today: values.today } : {}),
    ...(importDate ? { importDate } : {}),
  });
  // Values are masked where they are reported; the whole output once more (file names, any text the
  // report quotes), since a masked run stays valid JSON.
  process.stdout.write(maskDigitsInText(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderText(report, codes, maxIssues)));
  return report.valid ? EXIT_OK : EXIT_INVALID;
}
