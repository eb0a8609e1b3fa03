/**
 * `konduit customer ID`: one customer of a connection (docs/metrics.md, "One customer"): identity with the
 * payment masked, orders, transactions, subscriptions, refunds and chargebacks each on its own date, the
 * notes count, the running LTV and the cohort. The same body as GET /api/customers/:connection/:id.
 */
import { EXIT_OK, UsageError } from '../../core/errors.js';
import { isValidTimeZone, systemTimeZone } from '../../core/time.js';
import { customerText, lookupCustomer } from '../../report/customer.js';
import { enumFlag, parseFlags } from '../args.js';
import { openStore } from './connections-store.js';

export const help = `Usage: konduit customer ID [--connection NAME] [--tz ZONE] [--format table|json] [--db PATH|URL]

One customer, by the CRM's customer id: name, e-mail and country; the payment methods masked (at most
the first 6 and last 4 digits of a card); every order, transaction and subscription; refunds, voids and
chargebacks, each on its own date (a chargeback on its chargeback date); how many notes the CRM has
(never their text); every money event with the running LTV (net revenue to date, in the currency of the
customer's first sale); and the cohort the customer belongs to (the day, ISO week and month of the first
sale, in the viewer's zone).

Every account numbers its customers from its own start: when several connections have a customer with
this id, --connection is required (the error names them).

Options:
  --connection NAME   the connection the customer belongs to (needed when several have the id)
  --tz ZONE           viewer time zone, IANA name (default: the system zone, ${systemTimeZone()})
  --format FMT        table (default) or json (the body of GET /api/customers/:connection/:id)
  --db PATH|URL       the store (default KONDUIT_DB, else ./konduit.duckdb)
  -h, --help          this help

Exit codes: 0 shown, 1 no such customer, 2 usage error (several connections have the id, an unknown
connection or zone).

Examples:
  konduit customer 1042
  konduit customer 1042 --connection shop --tz Europe/Berlin --format json
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { connection: { type: 'string' }, tz: { type: 'string' }, format: { type: 'string' }, db: { type: 'string' } }, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'konduit customer needs the customer id' : `konduit customer takes one customer id, got ${positionals.length}`, 'e.g. konduit customer 1042');
  const format = enumFlag('format', values.format, ['table', 'json'] as const, 'table');
  const tz = values.tz ?? systemTimeZone();
  if (!isValidTimeZone(tz)) throw new UsageError(`--tz "${tz}" is not valid: expected an IANA time zone name such as America/New_York or Europe/Berlin`);
  const store = await openStore(values.db);
  try {
    const j = await lookupCustomer(store, { customerId: positionals[0] as string, connection: values.connection, tz, flag: '--connection' });
    process.stdout.write(format === 'json' ? `${JSON.stringify(j, null, 2)}\n` : customerText(j));
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
