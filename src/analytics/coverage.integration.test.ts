/**
 * History that knows what it covers (docs/metrics.md, "Coverage"), on both engines, against the
 * sandbox: a backfill from the middle of two years of history reports what a full backfill reports for
 * the months it covers (chargebacks and refunds on older sales included, customers acquired earlier not
 * counted as new, cohorts the same), says so where a range starts before it, and refuses a range outside
 * it; a store synced to a CRM "now" long before the wall clock marks nothing complete past its as-of.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, startOfLocalDay } from '../core/time.js';
import { CrmClient } from '../crm/client.js';
import { ReportQueryError, type ParsedReport } from '../report/query.js';
import { runReport } from '../report/run.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import { runSync } from '../sync/run.js';
import { openTestStore } from '../../test/stores.js';
import { cohortReport } from './cohorts.js';
import { seriesReport, summaryReport } from './summary.js';

const NY = 'America/New_York';
// Two years of history; the partial backfill starts in its middle, as the README's example does.
const SANDBOX = { seed: 'coverage-it', customers: 900, start: '2024-06-01', now: '2026-06-30 12:00:00' };
const PARTIAL_FROM = '2025-01-01';
const TODAY = '2026-06-30';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox(SANDBOX);
});
afterAll(async () => sb.close());

async function backfill(store: Store, from: string): Promise<string> {
  const c = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
  await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: TODAY, mode: { kind: 'backfill', from, to: TODAY } });
  return c.connectionId;
}

/** A report as the CLI and the API run it (coverage, warnings, the data's as-of). */
function parsed(name: ParsedReport['name'], from: string, to: string, extra: Partial<ParsedReport> = {}): ParsedReport {
  return { name, q: { from, to, tz: NY, currency: 'USD', filters: [], groupBy: null, basis: 'event', accountZone: NY }, by: 'month', ...extra };
}

/** The months from `from` (a first of month) through June 2026. */
function monthsFrom(from: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= '2026-06-01'; d = `${addDays(`${d.slice(0, 8)}28`, 5).slice(0, 8)}01`) out.push(d);
  return out;
}
const endOfMonth = (first: string) => addDays(`${addDays(`${first.slice(0, 8)}28`, 5).slice(0, 8)}01`, -1);

/** |a - b| within 2% of b (and exact when b is 0). */
const within2 = (a: number, b: number) => Math.abs(a - b) <= Math.abs(b) * 0.02;

describe.each(['duckdb', 'postgres'] as const)('coverage on %s', (engine) => {
  let full: Store;
  let partial: Store;
  const disposers: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    for (const [tag, from] of [['full', SANDBOX.start], ['partial', PARTIAL_FROM]] as const) {
      const { store, dispose } = await openTestStore(engine, `coverage-${tag}`);
      disposers.push(dispose);
      await backfill(store, from);
      if (tag === 'full') full = store;
      else partial = store;
    }
  });
  afterAll(async () => {
    for (const d of disposers) await d();
  });

  it('a backfill from the middle reports what a full one does for every month 60 days past its first day', async () => {
    const firstMonth = monthsFrom('2025-01-01').find((m) => startOfLocalDay(m, NY) >= startOfLocalDay(addDays(PARTIAL_FROM, 60), NY))!;
    expect(firstMonth).toBe('2025-04-01');
    const q = { from: firstMonth, to: '2026-06-30', tz: NY, currency: 'USD', by: 'month' as const };
    const [a, b] = await Promise.all([seriesReport(full, q), seriesReport(partial, q)]);
    expect(b.points.length).toBe(a.points.length);
    let compared = 0;
    for (const [i, want] of a.points.entries()) {
      const got = b.points[i]!;
      expect(got.period).toBe(want.period);
      for (const k of ['chargebacks', 'refunds', 'newCustomers', 'grossRevenue'] as const) {
        expect(within2(got.figures[k], want.figures[k]), `${want.period} ${k}: partial ${got.figures[k]}, full ${want.figures[k]}`).toBe(true);
      }
      compared++;
    }
    expect(compared).toBe(15);
    // Cohorts of those months: the same customers and the same LTV at every horizon.
    const cq = { ...q, asOf: sb.merchant.now };
    const [ca, cb] = await Promise.all([cohortReport(full, cq), cohortReport(partial, cq)]);
    expect(cb.cohorts.map((c) => [c.cohort, c.customers, c.ltv])).toEqual(ca.cohorts.map((c) => [c.cohort, c.customers, c.ltv]));
  });

  it('January 2025, the first month covered: new customers and their cohort as the full history has them (the regression: 96 new, truth 44)', async () => {
    const jan = { from: '2025-01-01', to: '2025-01-31', tz: NY, currency: 'USD' };
    const [a, b] = await Promise.all([summaryReport(full, jan), summaryReport(partial, jan)]);
    const fa = a.rows[0]!.figures;
    const fb = b.rows[0]!.figures;
    // Customers whose first synced sale is a rebill of an earlier subscription were acquired before.
    expect(fb.earlierCustomers.current).toBeGreaterThan(0);
    expect(fb.newCustomers.current).toBe(fa.newCustomers.current);
    expect(fb.newCustomers.current + fb.earlierCustomers.current).toBeGreaterThan(fa.newCustomers.current);
    // The chargebacks of the month, on sales made before it, arrive (the regression: 0.00).
    expect(fa.chargebacks.current).toBeGreaterThan(0);
    expect(fb.chargebacks.current).toBe(fa.chargebacks.current);
    expect(fb.refunds.current).toBe(fa.refunds.current);
    const cq = { ...jan, by: 'month' as const, horizons: [30, 365], asOf: sb.merchant.now };
    const [ca, cb] = await Promise.all([cohortReport(full, cq), cohortReport(partial, cq)]);
    expect(cb.cohorts).toEqual(ca.cohorts);
  });

  it('March 2025: the chargebacks of older sales arrive (the regression: 4.95 against 73.47)', async () => {
    const mar = { from: '2025-03-01', to: '2025-03-31', tz: NY, currency: 'USD' };
    const [a, b] = await Promise.all([summaryReport(full, mar), summaryReport(partial, mar)]);
    const cbs = (r: typeof a) => r.rows[0]!.figures.chargebacks.current;
    expect(cbs(a)).toBeGreaterThan(0);
    expect(cbs(b)).toBe(cbs(a));
  });

  it('a range that starts before the coverage says so; one entirely before it, or after its as-of, is refused naming it', async () => {
    const r = await runReport(partial, parsed('summary', '2024-12-01', '2025-01-31'));
    expect(r.body.coverage).toMatchObject({ from: PARTIAL_FROM, connections: [{ connection: 'shop', from: PARTIAL_FROM, timeZone: NY }] });
    expect(localDate(Date.parse(r.body.coverage!.asOf!), NY)).toBe(TODAY);
    expect(r.body.warnings.map((w) => w.code)).toEqual(['before_coverage']);
    expect(r.body.warnings[0]!.message).toMatch(/shop: 2025-01-01 to 2026-06-30 \d\d:\d\d \(account time, America\/New_York\)/);
    const inside = await runReport(partial, parsed('summary', '2025-01-01', '2025-01-31'));
    expect(inside.body.warnings).toEqual([]);
    const before = runReport(partial, parsed('summary', '2024-11-01', '2024-12-31'));
    await expect(before).rejects.toThrow(ReportQueryError);
    await expect(before).rejects.toMatchObject({ code: 'outside_coverage', param: 'from', message: expect.stringMatching(/ends before the synced data begins \(shop: 2025-01-01 to /) });
    await expect(runReport(partial, parsed('summary', '2026-07-01', '2026-07-31'))).rejects.toMatchObject({ code: 'outside_coverage', message: expect.stringMatching(/starts after the synced data ends/) });
    // The full store covers 2024-12: no warning there.
    expect((await runReport(full, parsed('summary', '2024-12-01', '2025-01-31'))).body.warnings).toEqual([]);
  });

  it('judges completeness at the data\'s as-of, not the wall clock: nothing past it is complete', async () => {
    // The store was synced to the CRM's 2026-06-30; the wall clock is months later.
    expect(Date.now()).toBeGreaterThan(sb.merchant.now + 30 * 86_400_000);
    const r = await runReport(partial, parsed('cohorts', '2026-04-01', '2026-06-30', { horizons: [30, 60, 90] }));
    if (r.name !== 'cohorts') throw new Error('cohorts expected');
    expect(Date.parse(r.body.asOf)).toBe(Date.parse(r.body.coverage!.asOf!));
    const june = r.body.cohorts.find((c) => c.cohort === '2026-06')!;
    const april = r.body.cohorts.find((c) => c.cohort === '2026-04')!;
    // June's customers have not had 30 days by the as-of; April's last ones (Apr 30) have had 60 by June
    // 29, not 90.
    expect([june.ltv['30']!.complete, april.ltv['30']!.complete, april.ltv['60']!.complete, april.ltv['90']!.complete]).toEqual([false, true, true, false]);
    const tri = await runReport(partial, parsed('triangle', '2026-04-01', '2026-06-30'));
    if (tri.name !== 'triangle') throw new Error('triangle expected');
    // The triangle stops at the as-of's month, which has not ended.
    for (const row of tri.body.rows) expect(row.months.at(-1)!.complete, row.cohort).toBe(false);
    expect(tri.body.rows.find((x) => x.cohort === '2026-04')!.months).toHaveLength(3);
  });
});
