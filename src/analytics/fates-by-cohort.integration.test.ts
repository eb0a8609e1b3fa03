/**
 * subscriptionFatesByCohort (retention.ts) on a sandbox merchant, on both engines: the fates of each
 * monthly cohort read in one pass over the kept subscription tables are those of one subscriptionFates
 * call per cohort, from the kept tables and from the ledger, whatever the breakdown, the filters and the
 * report's zone (ranges cut at local midnights 24 hours apart); a backtest (`until`) reads only the
 * ledger (no statement reads the kept subscription tables) and gives the per-cohort ledger calls' answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import type { Dimension, Filter } from './dimensions.js';
import { fatesWithSchedules, monthlyCohorts, subscriptionFates, subscriptionFatesByCohort, type FateGroup, type FatesCohort, type FatesQuery, type RetentionSource } from './retention.js';
import { syncSandbox } from '../../test/sandbox-sync.js';
import { openTestStore } from '../../test/stores.js';

const OPTS = { start: '2025-01-01', now: '2026-03-01 12:00:00', profile: 'real' } as const;
const AS_OF = Date.parse('2026-03-01T17:00:00Z');
const NY = 'America/New_York';

/**
 * A group's fates as what they count (subscriptions alike may be split differently by each source: the
 * ledger's statement counts them per day of their last approval as well): counts per fate, sorted.
 */
const comparable = (groups: FateGroup[]) =>
  groups.map(({ fates, ...g }) => {
    const counts = new Map<string, number>();
    for (const { count, ...f } of fates) counts.set(JSON.stringify(f), (counts.get(JSON.stringify(f)) ?? 0) + count);
    return { ...g, rebill: null, fates: [...counts].sort(([a], [b]) => a.localeCompare(b)) };
  });

describe.each(['duckdb', 'postgres'] as const)('the fates of monthly cohorts in one pass, on %s', (engine) => {
  let sb: Sandbox;
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    sb = await startSandbox({ ...OPTS, seed: 'fates-by-cohort', customers: 1500 });
    ({ store, dispose } = await openTestStore(engine, 'fates-cohort'));
    await syncSandbox(store, sb, { name: 'sb', from: OPTS.start, today: '2026-03-01' });
  });
  afterAll(async () => {
    await dispose();
    await sb.close();
  });

  /** One subscriptionFates call per cohort, from `source`. */
  const perCohort = async (q: FatesQuery, cohorts: FatesCohort[], source: RetentionSource) => {
    const out = new Map<string, FateGroup[]>();
    for (const c of cohorts) out.set(c.key, (await subscriptionFates(store, { ...q, from: c.from, to: c.to }, { source })).groups);
    return out;
  };
  const asComparable = (m: Map<string, FateGroup[]>) => [...m].map(([k, groups]) => [k, comparable(groups)]);
  /** The store, recording the SQL of each statement it is asked (then asking the store itself). */
  const recording = () => {
    const statements: string[] = [];
    const reader = Object.create(store) as Store;
    reader.query = (...a: Parameters<Store['query']>) => {
      statements.push(a[0]);
      return store.query(...a);
    };
    return { reader, statements };
  };

  it('gives each cohort the fates of its own call, from the kept tables and from the ledger, whatever the breakdown, filters and zone', async () => {
    expect(await store.aggregatesBehind()).toBe(false);
    const base: FatesQuery = { from: '2025-01-10', to: '2025-09-20', tz: NY, currency: 'USD', groupBy: null, filters: [], basis: 'event', accountZone: NY, asOf: AS_OF };
    // A filter on an affiliate that has subscriptions: the first group of the breakdown by affiliate.
    const byAffiliate = await subscriptionFates(store, { ...base, groupBy: 'affiliate' });
    const some = byAffiliate.groups.find((g) => g.group?.value !== null && g.fates.length > 0)!.group!;
    const filter: Filter = { dimension: 'affiliate', values: [some.connectionId ? { connectionId: some.connectionId, value: some.value! } : some.value!] };
    const cases: [label: string, q: FatesQuery][] = [
      ['whole', base],
      ['by affiliate', { ...base, groupBy: 'affiliate' as Dimension }],
      ['by product, one affiliate', { ...base, groupBy: 'product' as Dimension, filters: [filter] }],
      ['Kiritimati (UTC+14)', { ...base, tz: 'Pacific/Kiritimati', groupBy: 'campaign' as Dimension }],
      ['Pago Pago (UTC-11)', { ...base, tz: 'Pacific/Pago_Pago' }],
    ];
    let nonEmpty = 0;
    for (const [label, q] of cases) {
      const cohorts = monthlyCohorts(q.from, q.to);
      expect(cohorts.length).toBe(9);
      const onePass = await subscriptionFatesByCohort(store, q, cohorts);
      expect([...onePass.keys()], label).toEqual(cohorts.map((c) => c.key));
      const kept = await perCohort(q, cohorts, 'aggregate');
      // The groups, their schedules and fates as the per-cohort calls give them (rebill money aside; the
      // fates of a group in no particular order).
      expect(asComparable(onePass), label).toEqual(asComparable(kept));
      expect(asComparable(onePass), label).toEqual(asComparable(await perCohort(q, cohorts, 'ledger')));
      nonEmpty += [...onePass.values()].filter((gs) => gs.some((g) => g.fates.length > 0)).length;
    }
    expect(nonEmpty).toBeGreaterThan(30);
    // The zones far apart cut the months at other instants: the cohorts' subscriptions differ.
    const count = async (tz: string) => [...(await subscriptionFatesByCohort(store, { ...base, tz }, monthlyCohorts(base.from, base.to))).values()].map((gs) => gs.reduce((a, g) => a + g.fates.reduce((b, f) => b + f.count, 0), 0));
    expect(await count('Pacific/Kiritimati')).not.toEqual(await count('Pacific/Pago_Pago'));
  }, 300_000);

  it('reads the kept tables once for all the cohorts (a few statements, not a read per cohort)', async () => {
    const q: FatesQuery = { from: '2025-01-01', to: '2025-12-31', tz: NY, currency: 'USD', groupBy: 'affiliate', filters: [], basis: 'event', accountZone: NY, asOf: AS_OF };
    const { reader, statements } = recording();
    await subscriptionFatesByCohort(reader, q, monthlyCohorts(q.from, q.to));
    const onePass = statements.length;
    statements.length = 0;
    for (const c of monthlyCohorts(q.from, q.to)) await subscriptionFates(reader, { ...q, from: c.from, to: c.to });
    expect(onePass).toBeLessThanOrEqual(6);
    expect(statements.length).toBeGreaterThanOrEqual(12 * onePass);
  }, 120_000);

  it('reads only the ledger for a backtest (the data as it was at `until`), with the per-cohort ledger answer', async () => {
    const q: FatesQuery = { from: '2025-02-01', to: '2025-05-31', tz: NY, currency: 'USD', groupBy: 'affiliate', filters: [], basis: 'event', accountZone: NY, asOf: AS_OF, until: Date.parse('2025-07-01T04:00:00Z') };
    const cohorts = monthlyCohorts(q.from, q.to);
    expect(await store.aggregatesBehind()).toBe(false);
    const { reader, statements } = recording();
    const got = await subscriptionFatesByCohort(reader, q, cohorts);
    // The kept tables hold today's subscriptions, not those as they were at `until`: no statement reads them.
    expect(statements.some((sql) => /\bmoney_events\b/.test(sql))).toBe(true);
    expect(statements.filter((sql) => /\bsubscription_(cycles|starts)\b/.test(sql))).toEqual([]);
    expect([...got.values()].some((gs) => gs.some((g) => g.fates.length > 0))).toBe(true);
    expect(asComparable(got)).toEqual(asComparable(await perCohort(q, cohorts, 'ledger')));
    // The cut matters: without `until` the same cohorts have lived longer.
    expect(asComparable(got)).not.toEqual(asComparable(await subscriptionFatesByCohort(store, { ...q, until: undefined }, cohorts)));
  }, 120_000);

  it('gives with the cohorts\' fates the range\'s schedules and rebill money (subscriptionFates of the range) in the same pass, and in the fallback', async () => {
    const base: FatesQuery = { from: '2025-01-10', to: '2025-09-20', tz: NY, currency: 'USD', groupBy: null, filters: [], basis: 'event', accountZone: NY, asOf: AS_OF };
    const cases: [label: string, q: FatesQuery][] = [
      ['whole', base],
      ['by affiliate', { ...base, groupBy: 'affiliate' as Dimension }],
      ['Kiritimati (UTC+14), by campaign', { ...base, tz: 'Pacific/Kiritimati', groupBy: 'campaign' as Dimension }],
      ['a backtest (the fallback)', { ...base, groupBy: 'affiliate' as Dimension, until: Date.parse('2025-07-01T04:00:00Z') }],
    ];
    for (const [label, q] of cases) {
      const cohorts = monthlyCohorts(q.from, q.to);
      const counted = Object.create(store) as Store;
      let statements = 0;
      counted.query = (...a: Parameters<Store['query']>) => {
        statements += 1;
        return store.query(...a);
      };
      const both = await fatesWithSchedules(counted, q, cohorts);
      if (q.until === undefined) expect(statements, label).toBeLessThanOrEqual(6);
      expect(asComparable(both.byCohort), label).toEqual(asComparable(await subscriptionFatesByCohort(store, q, cohorts)));
      expect(both.whole.length, label).toBeGreaterThan(0);
      expect(both.whole.some((g) => g.rebill.sales > 0), label).toBe(true);
      for (const source of ['aggregate', 'ledger'] as const) {
        const whole = (await subscriptionFates(store, q, { source })).groups.map(({ fates: _, ...g }) => g);
        expect(both.whole, `${label}, ${source}`).toEqual(whole);
      }
    }
  }, 300_000);

  it('refuses cohorts that do not cut the range in consecutive parts', async () => {
    const q: FatesQuery = { from: '2025-01-01', to: '2025-03-31', tz: NY, currency: 'USD', groupBy: null, filters: [], basis: 'event', accountZone: NY, asOf: AS_OF };
    const gap = monthlyCohorts(q.from, q.to).filter((c) => c.key !== '2025-02');
    await expect(subscriptionFatesByCohort(store, q, gap)).rejects.toThrow('2025-03-01..2025-03-31 does not start the day after 2025-01-31');
    await expect(subscriptionFatesByCohort(store, { ...q, to: '2025-04-30' }, monthlyCohorts(q.from, q.to))).rejects.toThrow('the last cohort ends on 2025-03-31, not on 2025-04-30');
    await expect(subscriptionFatesByCohort(store, { ...q, from: '2024-12-31' }, monthlyCohorts(q.from, q.to))).rejects.toThrow('the first cohort starts on 2025-01-01, not on 2024-12-31');
  });
});
