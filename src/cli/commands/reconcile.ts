/**
 * `konduit reconcile`: the CRM's own transactions/summary beside Konduit's figures, per day and per
 * campaign, every difference explained where it can be (docs/metrics.md, "Reconciliation"). Exit 1 when
 * something is not explained, for cron.
 */
import { EXIT_INVALID, EXIT_OK } from '../../core/errors.js';
import { systemTimeZone } from '../../core/time.js';
import { CrmClient } from '../../crm/client.js';
import { readCrmSide } from '../../crm/summary.js';
import { parseReconcileQuery, reconcileText, runReconcile } from '../../report/reconcile.js';
import { enumFlag, parseFlags } from '../args.js';
import { openStore } from './connections-store.js';

export const help = `Usage: konduit reconcile [--from DATE] [--to DATE] [--tz ZONE] [--connection NAME] [--format table|json] [--db PATH|URL]

Asks the CRM for its own Transaction Summary (transactions/summary) over the account days --from to --to,
per day and per campaign, and sets it beside Konduit's figures on the CRM basis (refunds and
chargebacks on the original sale's day, in the account's zone), line by line: sales, refunds and
chargebacks, each as a count and an amount, in each currency. Beside them: what Konduit shows on that
day in the viewer's zone (--tz), each refund and chargeback on its own date.

Every difference is explained where it can be, transaction by transaction:
  - shown vs CRM basis: a refund or chargeback shown on its own date that the CRM books on the sale's
    date, or an event on another day in the viewer's zone than in the account's;
  - CRM basis vs CRM: a transaction the CRM changed after Konduit's last sync (read from the CRM by
    dateUpdated), a record the sync set aside as unreadable (quarantine), a chargeback the CRM cleared
    (Konduit books the reversal on the day it saw it), a day before Konduit's data begins.
What cannot be explained is listed, and the exit code is 1.

Options:
  --from YYYY-MM-DD   first account day (default: 29 days before --to)
  --to YYYY-MM-DD     last account day, inclusive (default: today in the account's zone); at most 366 days
  --tz ZONE           the viewer's zone for the "shown" column, IANA name (default: the system zone, ${systemTimeZone()})
  --connection NAME   the CRM account (needed when the store has several)
  --format FMT        table (default) or json (the body of GET /api/reconcile)
  --db PATH|URL       the store (default KONDUIT_DB, else ./konduit.duckdb)
  -h, --help          this help

Exit codes: 0 every difference explained, 1 something is not explained, 2 usage error or the CRM
unreachable.

Examples:
  konduit reconcile --from 2025-05-01 --to 2025-06-30 --tz Pacific/Noumea
  konduit reconcile --connection shop --from 2025-06-01 --to 2025-06-30 --format json
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { from: { type: 'string' }, to: { type: 'string' }, tz: { type: 'string' }, connection: { type: 'string' }, format: { type: 'string' }, db: { type: 'string' } });
  const format = enumFlag('format', values.format, ['table', 'json'] as const, 'table');
  // The range, zone and connection are checked against the store's connections, so the store opens first.
  const store = await openStore(values.db);
  try {
    const r = parseReconcileQuery({ from: values.from, to: values.to, tz: values.tz, connection: values.connection }, await store.listConnections(), { surface: 'cli', defaultTz: systemTimeZone() });
    const conn = await store.getConnection(r.connection.name);
    const client = new CrmClient({ baseUrl: conn!.baseUrl, loginId: conn!.loginId, password: conn!.password, maxAttempts: 4 });
    const j = await runReconcile(store, r, (a) => readCrmSide(client, a));
    process.stdout.write(format === 'json' ? `${JSON.stringify(j, null, 2)}\n` : reconcileText(j));
    return j.ok ? EXIT_OK : EXIT_INVALID;
  } finally {
    await store.close();
  }
}
