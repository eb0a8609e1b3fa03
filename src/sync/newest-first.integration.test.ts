/**
 * Newest first (docs/sync.md, "Coverage"): while a backfill has fetched only its newest windows, the
 * coverage already holds the last 30 days and a report of them is exact for what is covered: gross,
 * refunds, chargebacks (those of older sales too: the chargeback walk is newest first as well), orders
 * and approvals equal what the finished backfill reports. The CRM holds every call for an older window
 * until the test has looked, so the test acts on an event, not after a delay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, startOfLocalDay } from '../core/time.js';
import { CrmClient } from '../crm/client.js';
import { runReport } from '../report/run.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import { summaryReport } from '../analytics/summary.js';
import { openTestStore } from '../../test/stores.js';
import { runSync } from './run.js';

const TODAY = '2026-03-31';
const SANDBOX = { seed: 'newest-first', customers: 1500, start: '2025-04-01', now: `${TODAY} 18:00:00` };
const LAST30 = { from: addDays(TODAY, -29), to: TODAY };

/** "MM/DD/YYYY" (the CRM's dates) as "YYYY-MM-DD". */
const isoOf = (crm: string) => `${crm.slice(6, 10)}-${crm.slice(0, 2)}-${crm.slice(3, 5)}`;

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox(SANDBOX);
});
afterAll(async () => sb.close());

/** Resolves once `cond` holds, checking after each turn of the event loop's timers (no fixed delay). */
async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setImmediate(r));
}

describe.each(['duckdb', 'postgres'] as const)('a backfill on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'newest-first'));
  });
  afterAll(async () => dispose());

  it('reports the last 30 days exactly before it fetches the older windows', async () => {
    const c = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
    // Every transaction window that ends before the last 31 days waits until the test has looked.
    const cutoff = addDays(TODAY, -31);
    const hold = sb.hold((call) => call.path === 'transactions/query' && !!call.params.endDate && isoOf(call.params.endDate) < cutoff);
    const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 4, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
    const sync = runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 4, today: TODAY, mode: { kind: 'backfill', from: SANDBOX.start, to: TODAY } });
    sync.catch(() => undefined);
    await hold.arrived;
    // The newest windows of both walks commit; the coverage then holds the last 30 days.
    await until(async () => {
      const cov = await store.coverage(c.connectionId);
      return cov !== null && cov.from <= LAST30.from;
    });
    const q = { ...LAST30, tz: sb.timezone, currency: 'USD' };
    const during = (await summaryReport(store, q)).rows[0]!.figures;
    const cov = await store.coverage(c.connectionId);
    expect(cov!.asOf).toBeNull();
    expect(cov!.from > SANDBOX.start).toBe(true);
    const body = await runReport(store, { name: 'summary', q: { ...q, filters: [], groupBy: null, basis: 'event', accountZone: sb.timezone }, by: 'day' });
    expect(body.body.warnings.map((w) => w.code)).toEqual(['backfill_running']);
    expect(hold.held()).toBeGreaterThan(0);
    hold.release();
    await sync;

    const after = (await summaryReport(store, q)).rows[0]!.figures;
    const pick = (f: typeof after) => ({
      gross: f.grossRevenue.current, refunds: f.refunds.current, chargebacks: f.chargebacks.current, orders: f.orders.current,
      initial: [f.initialApproved.current, f.initialAttempts.current], rebill: [f.rebillApproved.current, f.rebillAttempts.current],
    });
    expect(after.chargebacks.current).toBeGreaterThan(0);
    expect(pick(during)).toEqual(pick(after));
    // After the run the coverage is the whole range, up to the CRM's "now".
    const done = await store.coverage(c.connectionId);
    expect(done).toMatchObject({ from: SANDBOX.start, to: TODAY });
    expect(done!.asOf).toBeGreaterThanOrEqual(startOfLocalDay(TODAY, sb.timezone));
  });
});
