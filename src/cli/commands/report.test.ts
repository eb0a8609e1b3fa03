/**
 * `konduit report` end to end through the CLI entry point: flag checks (exit 2 before the store is
 * opened), and JSON/CSV/table output over a small DuckDB store built here.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmWallToInstant } from '../../core/time.js';
import type { EventKind } from '../../ledger/index.js';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../../store/secrets.js';
import { runCli } from '../../../test/cli.js';

let dir: string;
let db: string;
const env = { ...process.env };

const run = runCli;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-report-cli-'));
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = 'report-cli-test';
  db = join(dir, 'r.duckdb');
  const store = await openDuckDbStore(db, { secretKey: generateKey() });
  await store.migrate();
  const c = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
  const at = (w: string) => crmWallToInstant(w, 'America/New_York') ?? 0;
  const ev = (id: number, kind: EventKind, wall: string, cents: number, customer: number, extra: Record<string, string | number | boolean | null> = {}) => ({
    event_id: `${kind}:${id}`, kind, transaction_id: id, instant: at(wall), amount_cents: cents, customer_id: customer, order_id: `O${id}`, purchase_id: null,
    campaign_id: 7, product_id: 70, aff_id: 'AFF', source_value1: null, merchant_id: 3, billing_cycle: 1, is_initial: true, currency: 'USD', coupon_code: null, attribution: null, ...extra,
  });
  // Two customers in January 2025 (New York): 49.99 and 19.50, the first refunded 10.00 on Jan 20.
  await store.writePage({
    connectionId: c.connectionId, table: 'transactions', rows: [1, 2, 3].map((id) => ({ transaction_id: id, customer_id: id === 3 ? 1 : id })),
    ledger: { transactionIds: [1, 2, 3], events: [ev(1, 'sale', '2025-01-05 10:00:00', 4999, 1), ev(2, 'sale', '2025-01-06 10:00:00', 1950, 2, { aff_id: null }), ev(3, 'refund', '2025-01-20 10:00:00', -1000, 1)] },
  });
  await store.close();
});
afterAll(async () => {
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

describe('konduit report', () => {
  it('rejects an unknown zone, field or format with exit code 2', async () => {
    expect((await run(['report', 'summary', '--tz', 'Mars/Olympus_Mons', '--db', db])).code).toBe(2);
    expect((await run(['report', 'summary', '--group-by', 'colour', '--db', db])).code).toBe(2);
    expect((await run(['report', 'cohorts', '--format', 'xml', '--db', db])).code).toBe(2);
    expect((await run(['report', 'cohorts', '--horizons', '7,x', '--db', db])).code).toBe(2);
    expect((await run(['report', 'summary', '--from', '2025-02-01', '--to', '2025-01-01', '--db', db])).code).toBe(2);
    expect((await run(['report', 'summary', '--connection', 'nope', '--db', db])).code).toBe(2);
    expect((await run(['report', 'summary', '--horizons', '7', '--db', db])).code).toBe(2);
    // The API's message for the same input, with the flag's spelling.
    // A filter by a name no campaign has, and a currency that is no ISO code.
    const unnamed = await run(['report', 'summary', '--filter', 'campaign:Spring Sale', '--db', db]);
    expect([unnamed.code, unnamed.err.trim()]).toEqual([2, 'konduit: --filter "campaign:Spring Sale": no campaign has that id or name']);
    expect((await run(['report', 'summary', '--currency', 'dollars', '--db', db])).code).toBe(2);
    const bad = await run(['report', 'retention', '--group-by', 'cycle', '--db', db]);
    expect(bad.err).toContain('konduit: --group-by "cycle" is not valid: expected one of connection, campaign, product, affiliate, subaffiliate, mid, coupon (retention is already by billing cycle)');
  });

  it('summary as JSON: money as decimal strings, each figure against the previous range', async () => {
    const r = await run(['report', 'summary', '--from', '2025-01-01', '--to', '2025-01-31', '--tz', 'America/New_York', '--format', 'json', '--db', db, '--connection', 'shop']);
    expect(r.code).toBe(0);
    const total = JSON.parse(r.out).total as Record<string, { current: unknown }>;
    const current = Object.fromEntries(Object.entries(total).map(([k, v]) => [k, v.current]));
    expect(current).toMatchObject({ grossRevenue: '69.49', refunds: '10.00', chargebacks: '0.00', netRevenue: '59.49', orders: 2, newCustomers: 2, aov: '34.75' });
    expect(total.grossRevenue).toEqual({ current: '69.49', previous: '0.00', change: '69.49', changeRatio: null });
  });

  it('cohorts as JSON in the spec shape; table and CSV render', async () => {
    const r = await run(['report', 'cohorts', '--from', '2025-01-01', '--to', '2025-01-31', '--tz', 'UTC', '--horizons', '1,30', '--as-of', '2025-03-01', '--format', 'json', '--db', db]);
    // (49.99 + 19.50) / 2 = 34.745 -> 34.75 at 1 day; minus the 10.00 refund (15 days) -> 29.745 -> 29.75.
    expect(JSON.parse(r.out).cohorts).toEqual([{ cohort: '2025-01', start: '2025-01-01', group: null, connection: null, id: null, name: null, customers: 2, netToDate: '59.49', ltv: { '1': { value: '34.75', complete: true }, '30': { value: '29.75', complete: true } } }]);
    const t = await run(['report', 'summary', '--from', '2025-01-01', '--to', '2025-01-31', '--tz', 'UTC', '--group-by', 'affId', '--db', db]);
    expect(t.out).toMatch(/Connection\s+Affiliate\s+Gross revenue \(USD\)/);
    expect(t.out).toMatch(/shop\s+\(none\)\s+19\.50/);
    const byConn = await run(['report', 'summary', '--from', '2025-01-01', '--to', '2025-01-31', '--tz', 'UTC', '--group-by', 'connection', '--format', 'json', '--db', db]);
    expect(JSON.parse(byConn.out).groups.map((g: { group: string; figures: { grossRevenue: { current: string } } }) => [g.group, g.figures.grossRevenue.current])).toEqual([['shop', '69.49']]);
    const csv = await run(['report', 'mids', '--from', '2025-01-01', '--to', '2025-01-31', '--tz', 'UTC', '--format', 'csv', '--db', db]);
    // The sales have no card network here; VAMP began in April 2025: nothing is labelled.
    expect(csv.out.split('\r\n')[1]).toBe('shop,3,,2025-01,false,2,0,0.00,0,0,0,,not-in-force,0,0,,no-sales,');
  });
});
