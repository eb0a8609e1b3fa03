/**
 * The forecast's fates of monthly cohorts (fatesWithSchedules, retention.ts) from retention's counts kept
 * per day (store/retention-days.ts) against the same from the subscription tables, on both engines: two
 * sandbox merchants (two connections, every currency) synced into one store; for two currencies and
 * ranges cut into several cohorts (or one) the cohorts' fates and the range's schedules and rebill money are the
 * same; the counts are not read when a connection's zone is not the viewer's, nor when the counts were
 * made in another zone than their connection's (its timezone changed since), until a rebuild.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import { fatesWithSchedules, monthlyCohorts, type FateGroup, type FatesQuery } from './retention.js';
import { syncSandbox } from '../../test/sandbox-sync.js';
import { openTestStore } from '../../test/stores.js';

const OPTS = { start: '2025-01-01', now: '2025-11-01 12:00:00', profile: 'real' } as const;
const AS_OF = Date.parse('2025-11-01T16:00:00Z');
const NY = 'America/New_York';

/**
 * A cohort's groups as compared: the cohorts' groups carry no rebill money (the range's do; a single
 * cohort read by the subscription tables' path has it all the same). Their fates as listed: subscriptions
 * alike once, in one order, whichever source (what the forecast's draws are taken over).
 */
const moneyless = (groups: FateGroup[]) => groups.map((g) => ({ ...g, rebill: null }));

describe.each(['duckdb', 'postgres'] as const)("the forecast's fates from retention's kept counts, on %s", (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const sandboxes: Sandbox[] = [];
  const names = ['one', 'two'];
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'fates-days'));
    for (const [i, name] of names.entries()) {
      const sb = await startSandbox({ ...OPTS, seed: `fates-days-${i}`, customers: 700 });
      sandboxes.push(sb);
      await syncSandbox(store, sb, { name, from: OPTS.start, today: '2025-11-01' });
    }
  }, 300_000);
  afterAll(async () => {
    await dispose?.();
    for (const sb of sandboxes) await sb.close();
  });

  /** The fates from the counts and from the subscription tables, and whether a statement read the counts' kinds. */
  async function bothWays(q: FatesQuery) {
    const statements: string[] = [];
    const reader = Object.create(store) as Store;
    reader.query = (...a: Parameters<Store['query']>) => {
      statements.push(a[0]);
      return store.query(...a);
    };
    const cohorts = monthlyCohorts(q.from, q.to);
    const days = await fatesWithSchedules(reader, q, cohorts);
    const fromDays = statements.some((s) => /^\s*WITH cx0[^]*FROM retention_(days|groups) r\s+WHERE r\.part = 'kind'/.test(s));
    const tables = await fatesWithSchedules(store, q, cohorts, { days: false });
    return { days, tables, fromDays, cohorts };
  }
  const expectSame = (r: Awaited<ReturnType<typeof bothWays>>, label: string) => {
    expect([...r.days.byCohort.keys()], label).toEqual(r.cohorts.map((c) => c.key));
    expect([...r.days.byCohort].map(([k, g]) => [k, moneyless(g)]), label).toEqual([...r.tables.byCohort].map(([k, g]) => [k, moneyless(g)]));
    expect(r.days.whole, label).toEqual(r.tables.whole);
  };
  const q = (o: Partial<FatesQuery>): FatesQuery => ({ from: '2025-01-10', to: '2025-09-20', tz: NY, currency: 'USD', groupBy: null, filters: [], basis: 'event', accountZone: NY, asOf: AS_OF, ...o });

  it('gives the subscription tables\' fates, schedules and rebill money for two currencies and several ranges, both connections together', async () => {
    expect(await store.aggregatesBehind()).toBe(false);
    let fates = 0;
    for (const currency of ['USD', 'MXN']) {
      for (const [from, to] of [['2025-01-10', '2025-09-20'], ['2025-03-01', '2025-05-31'], ['2025-06-15', '2025-10-31'], ['2025-03-03', '2025-03-28']] as const) {
        const label = `${currency} ${from}..${to}`;
        const r = await bothWays(q({ from, to, currency }));
        expect(r.fromDays, label).toBe(true);
        expectSame(r, label);
        fates += [...r.days.byCohort.values()].flat().reduce((a, g) => a + g.fates.length, 0);
        // Worth comparing: rebills paid, and every cohort with subscriptions (three or more but in the range within a month).
        expect(r.days.whole[0]!.rebill.sales, label).toBeGreaterThan(0);
        expect([...r.days.byCohort.values()].filter((g) => g.some((x) => x.fates.length > 0)).length, label).toBe(r.cohorts.length);
        expect(r.cohorts.length, label).toBeGreaterThanOrEqual(to.slice(0, 7) === from.slice(0, 7) ? 1 : 3);
      }
    }
    expect(fates).toBeGreaterThan(100);
  }, 300_000);

  it("gives the subscription tables' fates by every breakdown its counts keep, each account's values their own groups, for two currencies", async () => {
    for (const currency of ['USD', 'MXN']) {
      for (const groupBy of ['connection', 'product', 'campaign', 'affiliate', 'subaffiliate', 'mid', 'coupon'] as const) {
        const label = `${currency} by ${groupBy}`;
        const r = await bothWays(q({ currency, groupBy }));
        expect(r.fromDays, label).toBe(true);
        expectSame(r, label);
        expect(r.days.whole.length, label).toBeGreaterThan(groupBy === 'coupon' ? 0 : 1);
        // Campaign 1 of each account is its own group (the scoped dimensions' groups carry their connection).
        if (groupBy === 'campaign') expect(new Set(r.days.whole.map((g) => g.group?.connectionId)).size, label).toBe(2);
      }
    }
    // A filter the family keeps, with its breakdown: the affiliate's sub-affiliates.
    const filtered = await bothWays(q({ groupBy: 'affiliate', filters: [{ dimension: 'subaffiliate', values: ['mb-fb-01', 'cd-search', 'inf-jenna'] }] }));
    expect(filtered.fromDays).toBe(true);
    // Each connection's affiliates.
    expect(filtered.days.whole.map((g) => g.group?.value).sort()).toEqual(['AFF101', 'AFF101', 'AFF102', 'AFF102', 'AFF205', 'AFF205']);
    expectSame(filtered, 'affiliate, three sub-affiliates');
  }, 300_000);

  it('reads the subscription tables when a connection is in another zone than the viewer, or its counts were made in another zone, until a rebuild', async () => {
    const [first, second] = await store.listConnections();
    const other = 'Asia/Tokyo';
    try {
      // One connection in another zone: the viewer's (New York) is not every connection's.
      await store.updateConnection(second!.name, { timezone: other });
      const mixed = await bothWays(q({}));
      expect(mixed.fromDays).toBe(false);
      expectSame(mixed, 'one connection in Tokyo');
      // Both in Tokyo, the viewer too: the counts' days are still New York's (made before the change).
      await store.updateConnection(first!.name, { timezone: other });
      const stale = await bothWays(q({ tz: other, accountZone: other }));
      expect(stale.fromDays).toBe(false);
      expectSame(stale, 'counts made in New York');
      // The rebuild counts them in the new zone: read again, and the same.
      await store.rebuildAggregates();
      const again = await bothWays(q({ tz: other, accountZone: other }));
      expect(again.fromDays).toBe(true);
      expectSame(again, 'rebuilt in Tokyo');
    } finally {
      for (const c of [first!, second!]) await store.updateConnection(c.name, { timezone: NY });
      await store.rebuildAggregates();
    }
  }, 300_000);
});
