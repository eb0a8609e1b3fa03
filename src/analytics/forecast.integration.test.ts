/**
 * The forecast report on a sandbox merchant, on both engines: the sBG fitted on the data before a
 * cutoff recovers the generator's survival by billing cycle on the cycles it held out (those no
 * subscription had reached at the cutoff), within sampling error; the subscriptions' fates agree with
 * the retention report; every projected number is marked; the backtest's errors are what they say.
 *
 * The generator's survival (src/sandbox/generator.ts: a cancellation chance before each rebill that falls
 * with the cycle, declines with recycle retries, refunds and chargebacks that cancel) has no closed form;
 * it is measured on a large merchant of the same generator with another seed, from its in-memory ground
 * truth: the share of subscriptions with cycle c approved, over subscriptions old enough for every
 * cycle compared to have been settled. Its sampling error is binomial.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { generateMerchant } from '../sandbox/generator.js';
import type { Store } from '../store/store.js';
import { sbgConditionalSurvival } from '../forecast/index.js';
import { formatReport } from '../report/grid.js';
import { forecastJson } from '../report/json.js';
import { forecastBacktest, forecastReport, horizonDays, lifeTable, type ForecastQuery } from './forecast.js';
import { lastCycleWithin } from './forecast-model.js';
import { retentionReport, subscriptionFates } from './retention.js';
import { syncSandbox } from '../../test/sandbox-sync.js';
import { openTestStore } from '../../test/stores.js';

const ZONE = 'America/New_York';
/** Both profiles: `rich` (every field, one currency) and `real` (several currencies, odd and unreadable records). */
const optsOf = (profile: 'rich' | 'real') => ({ start: '2025-01-01', now: '2026-12-01 12:00:00', profile }) as const;
const AS_OF = Date.parse('2026-12-01T17:00:00Z');
const Q: ForecastQuery = { from: '2025-01-01', to: '2025-12-31', tz: ZONE, currency: 'USD', groupBy: null, filters: [], basis: 'event', accountZone: ZONE, asOf: AS_OF };
/** The fit sees three months: cohorts of January to March 2025 and their events before April. */
const CUTOFF = Date.parse('2025-04-01T04:00:00Z');

/** The generator's survival S_true(c) by cycle, with its binomial standard error. */
function generatorSurvival(OPTS: ReturnType<typeof optsOf>): { s: (cycle: number) => number; se: (cycle: number) => number; n: number } {
  const m = generateMerchant({ ...OPTS, seed: 'forecast-truth', customers: 60000 });
  // Started by July 2025: 17 months later every cycle up to 12 of every plan (14, 30 or 60 days) is settled.
  const end = Date.parse('2025-07-01T04:00:00Z');
  const subs = m.purchases.filter((p) => p.cp.kind !== 'ONE_TIME' && p.t < end && p.order.campaign.currency.code === 'USD');
  const s = (c: number) => subs.filter((p) => p.cycle >= c).length / subs.length;
  return { s, se: (c) => Math.sqrt((s(c) * (1 - s(c))) / subs.length), n: subs.length };
}

const CASES = [['duckdb', 'rich'], ['duckdb', 'real'], ['postgres', 'rich'], ['postgres', 'real']] as const;
describe.each(CASES)('the forecast report on a sandbox merchant, on %s, profile %s', (engine, profile) => {
  const OPTS = optsOf(profile);
  let sb: Sandbox;
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    sb = await startSandbox({ ...OPTS, seed: 'forecast-it', customers: 4000 });
    ({ store, dispose } = await openTestStore(engine, `forecast-${profile}`));
    await syncSandbox(store, sb, { name: 'sb', from: OPTS.start, today: '2026-12-01' });
  });
  afterAll(async () => {
    await dispose();
    await sb.close();
  });

  it('recovers the generator\'s survival on the cycles held out at the cutoff, within sampling error', async () => {
    const truth = generatorSurvival(OPTS);
    const r = await forecastReport(store, { ...Q, to: '2025-03-31', until: CUTOFF });
    const g = r.groups[0]!;
    expect(g.fit).not.toBeNull();
    const heldOut = g.survival.filter((s) => s.projected && s.cycle <= 12);
    expect(heldOut.length).toBeGreaterThanOrEqual(3);
    for (const s of heldOut) {
      // The fit's 95% profile-likelihood interval is its sampling error; the truth's own is binomial.
      const t = truth.s(s.cycle);
      expect(t, `cycle ${s.cycle}: fitted ${s.fitted.toFixed(4)} in [${s.interval.map((x) => x.toFixed(4)).join(', ')}]`).toBeGreaterThanOrEqual(s.interval[0] - 2 * truth.se(s.cycle));
      expect(t).toBeLessThanOrEqual(s.interval[1] + 2 * truth.se(s.cycle));
    }
  }, 120_000);

  it('reads the same subscriptions as the retention report: approvals and due per cycle from the fates', async () => {
    const fates = (await subscriptionFates(store, Q)).groups[0]!.fates;
    const retention = (await retentionReport(store, Q)).rows[0]!;
    expect(fates.reduce((a, f) => a + f.count, 0)).toBe(retention.initialPurchases);
    for (const c of retention.cycles) {
      expect(fates.filter((f) => f.lastOk >= c.cycle).reduce((a, f) => a + f.count, 0), `cycle ${c.cycle} approvals`).toBe(c.approvals);
      expect(fates.filter((f) => f.dueThrough >= c.cycle).reduce((a, f) => a + f.count, 0), `cycle ${c.cycle} due`).toBe(c.due);
    }
  });

  it('marks every projected number, and projects each cohort\'s LTV as observed + its live subscriptions\' expected rebills', async () => {
    const r = await forecastReport(store, Q);
    const body = forecastJson(r);
    const g = body.groups[0]!;
    const fit = g.fit!;
    for (const s of g.survival) {
      expect(s.projected).toBe(s.cycle - 1 > fit.observedPeriods);
      expect(s.observed === null).toBe(s.projected);
      expect(s.interval[0]).toBeLessThanOrEqual(s.fitted);
      expect(s.interval[1]).toBeGreaterThanOrEqual(s.fitted);
    }
    expect(g.survival.some((s) => s.projected)).toBe(true);
    const cells = g.cohorts.flatMap((c) => c.ltv);
    expect(cells.some((l) => l.projected) && cells.some((l) => !l.projected)).toBe(true);
    for (const l of cells) {
      expect(l.projected).toBe(!l.complete);
      if (!l.projected) expect(l.value).toBe(l.observed);
      else {
        expect(Number(l.value)).toBeGreaterThanOrEqual(Number(l.observed));
        expect(Number(l.interval![0])).toBeLessThanOrEqual(Number(l.value));
        expect(Number(l.interval![1])).toBeGreaterThanOrEqual(Number(l.value));
      }
    }
    // One cohort's 24-month value from the definitions: its live subscriptions' cycles up to 24 months
    // by their plan, each with P(paid c | paid L) = S(c-1)/S(L-1), times the net of a paid rebill.
    const month = g.cohorts.find((c) => c.ltv.some((l) => l.months === 24 && l.projected && Number(l.value) > Number(l.observed)))!;
    const last = month.start.slice(0, 8) + String(new Date(Date.UTC(Number(month.start.slice(0, 4)), Number(month.start.slice(5, 7)), 0)).getUTCDate()).padStart(2, '0');
    const fates = (await subscriptionFates(store, { ...Q, from: month.start, to: last })).groups[0]!.fates;
    const whole = (await subscriptionFates(store, Q)).groups[0]!;
    const net = (whole.rebill.grossCents + whole.rebill.reversedCents) / whole.rebill.sales;
    let future = 0;
    for (const f of fates) {
      if (f.dueThrough > f.lastOk) continue;
      const end = lastCycleWithin(horizonDays(24), f.firstGapDays, f.gapDays);
      for (let c = f.lastOk + 1; c <= end; c++) future += f.count * sbgConditionalSurvival(fit, f.lastOk - 1, c - 1);
    }
    const cell = month.ltv.find((l) => l.months === 24)!;
    expect(Math.abs(Number(cell.value) * 100 - (Number(cell.observed) * 100 + (future * net) / month.customers))).toBeLessThanOrEqual(1);
    // Tables end projected values with "*"; CSV says so in a column.
    const table = formatReport({ name: 'forecast', body }, 'table');
    expect(table).toContain(`${cell.value}*`);
    const csv = formatReport({ name: 'forecast', body }, 'csv').trim().split('\n');
    const head = csv[0]!.split(',');
    const at = head.indexOf('Projected');
    expect(at).toBeGreaterThan(0);
    const model = head.indexOf('Model');
    expect(csv.slice(1).map((l) => l.split(',')).filter((c) => c[model] === 'sBG').map((c) => c[at])).toEqual(g.cohorts.flatMap((c) => c.ltv.map((l) => String(l.projected))));
  }, 120_000);

  it('backtests: the forecast at a cutoff beside what happened, errors per cohort and horizon', async () => {
    const b = await forecastBacktest(store, Q, Date.parse('2025-10-01T04:00:00Z'));
    expect(b.forecast.groups[0]!.cohorts.map((c) => c.cohort)).toEqual(['2025-01', '2025-02', '2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09']);
    const cells = b.groups[0]!.cohorts.flatMap((c) => c.cells);
    for (const x of cells) {
      if (x.actualComplete && x.projectedCents !== null) {
        expect(x.errorCents).toBe(x.projectedCents - x.actualCents);
        expect(x.inInterval).toBe(x.actualCents >= x.interval![0] && x.actualCents <= x.interval![1]);
      } else expect(x.errorCents).toBeNull();
    }
    for (const s of b.summary) {
      const compared = cells.filter((x) => x.months === s.months && x.projected && x.errorCents !== null);
      expect(s.cohorts).toBe(compared.length);
      if (compared.length > 0) expect(s.meanAbsErrorCents).toBeCloseTo(compared.reduce((a, x) => a + Math.abs(x.errorCents!), 0) / compared.length, 9);
    }
    expect(b.summary.find((s) => s.months === 6)!.cohorts).toBeGreaterThan(0);
    // The life table the cutoff's fit used has no subscription acquired after it.
    const atCutoff = await subscriptionFates(store, { ...Q, to: '2025-09-30', until: Date.parse('2025-10-01T04:00:00Z') });
    const table = lifeTable(atCutoff.groups[0]!.fates);
    expect(table.churned.reduce((a, v) => a + v, 0) + table.censored.reduce((a, v) => a + v, 0)).toBe(b.forecast.groups[0]!.subscriptions);
  }, 120_000);
});
