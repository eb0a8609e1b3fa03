/** `konduit import verify`: checks an import through the CRM's API, per customer. */
import { EXIT_INVALID, EXIT_OK, InvalidInputError, UsageError } from '../../core/errors.js';
import { localDate } from '../../core/time.js';
import { renderVerifyText, verifyImport, type VerifyReport } from '../../importfile/deliver/verify.js';
import { readHeader } from '../../importfile/read/table.js';
import { dateFlag, enumFlag, parseFlags } from '../args.js';
import { crmClientFor } from './connections-store.js';

export const help = `Usage: konduit import verify --connection NAME [--db PATH|URL] [--format text|json] [--today YYYY-MM-DD] FILES...

After the CRM team imported a file set (step 7 of the CRM's migration guide, "verify the sample"), reads the CRM through the
API and reports per customer:
  - found or missing: matched on emailAddress (the CRM assigns its own customer and order ids);
  - identity: first and last name, email, phone, address1, city, state, postal code, country;
  - every transaction by merchantTxnId: type, totalAmount, SUCCESS or not;
  - refunds and captures linked to their parent sale (parentTxnId points at the right merchantTxnId);
  - chargebacks flagged, with their amount and date;
  - each active subscription (the latest isActiveRecurring=1 row per campaign product) ACTIVE with the
    file's nextBillDate and price (subTotal), and no other active subscription (it would rebill).
FILES: the import files; the transactions file (the one with merchantTxnId) is what is verified.
Three API requests per customer: meant for the sample and spot checks.

Options:
  --connection NAME   a saved connection (konduit connect) to the CRM that received the import
  --db PATH|URL       the store holding the connection (default KONDUIT_DB, else ./konduit.duckdb)
  --format text|json  text (default) or the full JSON report
  --today YYYY-MM-DD  the account's today (default: now in the connection's time zone)
  -h, --help          this help

Exit codes: 0 pass, 1 any difference (each one named), 2 usage, unreadable file or CRM unreachable.

Example:
  konduit import verify --connection shop sample/transactions.csv sample/customer-notes.csv
`;

/** Picks the transactions file among import files by its header. */
export async function transactionsFileOf(files: string[]): Promise<string> {
  const found: string[] = [];
  for (const f of files) if ((await readHeader(f)).index.has('merchantTxnId')) found.push(f);
  if (found.length !== 1) {
    throw new InvalidInputError(found.length === 0 ? 'none of FILES is a transactions file (no merchantTxnId column)' : `more than one transactions file: ${found.join(', ')}`);
  }
  return found[0] as string;
}

/** Verifies files against a named connection; shared with konduit migrate. */
export async function verifyWithConnection(o: { connection: string; db?: string; files: string[]; today?: string }): Promise<VerifyReport> {
  const { client, timezone } = await crmClientFor(o.connection, o.db);
  const file = await transactionsFileOf(o.files);
  return verifyImport(client, file, { today: o.today ?? localDate(Date.now(), timezone) });
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { connection: { type: 'string' }, db: { type: 'string' }, format: { type: 'string' }, today: { type: 'string' } }, true);
  if (!values.connection) throw new UsageError('--connection NAME is required', 'Run konduit import verify --help.');
  if (positionals.length === 0) throw new UsageError('give the import files to verify');
  dateFlag('today', values.today);
  const format = enumFlag('format', values.format, ['text', 'json'] as const, 'text');
  const report = await verifyWithConnection({ connection: values.connection, ...(values.db ? { db: values.db } : {}), files: positionals, ...(values.today ? { today: values.today } : {}) });
  process.stdout.write(format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderVerifyText(report));
  return report.pass ? EXIT_OK : EXIT_INVALID;
}
