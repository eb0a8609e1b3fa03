/**
 * Cohort LTV by month with a breakdown from cohort_group_sizes and cohort_group_ages (store/cohort-groups.ts;
 * docs/metrics.md, "Cohort LTV by breakdown from the cohort group tables"), on both engines: equal to the
 * ledger's report (cohortReportFromLedger) by every customer dimension and the connection, with filters the
 * tables keep, in zones 26 hours apart and at quarter hours, on ranges of whole months and ranges splitting
 * a month's core (read from the ledger at the edges). On a sandbox merchant of the `real` profile (nine
 * currencies, coupons, customers without attribution) synced into two connections (the same campaign ids
 * in both), after the backfill and after an incremental sync; on hand-written events whose first sales
 * move across month bands, change campaign and disappear; and the tables kept at write time equal a
 * rebuild, which equals migration 30's fill.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoneyEvent } from '../ledger/index.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { GROUP_DIMENSIONS } from '../store/cohort-groups.js';
import type { Connection, Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { connectAndBackfill, syncIncrementally } from '../../test/synced-sandbox.js';
import { cohortGroupsDimension, cohortReport, type CohortQuery } from './cohorts.js';
import type { Dimension, Filter } from './dimensions.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const ZONES = ['America/New_York', 'Pacific/Kiritimati', 'Etc/GMT+12', 'Asia/Kathmandu', 'Pacific/Chatham'];
const HORIZONS = [1, 7, 30, 61, 92, 183, 365];
const DIMS: Dimension[] = [...GROUP_DIMENSIONS, 'connection'];

type Row = Record<string, unknown>;
const plain = (rows: Row[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? Number(v) : v])));

/** Both tables, every row, in key order. */
async function tables(store: Store): Promise<{ sizes: Row[]; ages: Row[] }> {
  const ms = (c: string) => store.sql.epochMs(c);
  return {
    sizes: plain(await store.query(`SELECT connection_id, currency, dimension, num_value, text_value, cohort_key, customers, ${ms('last_first_sale_at')} AS last_first FROM cohort_group_sizes ORDER BY 1, 2, 3, 4, 5, 6`)),
    ages: plain(await store.query('SELECT * FROM cohort_group_ages ORDER BY 1, 2, 3, 4, 5, 6, 7')),
  };
}

/** The groups' report equals the ledger's for every dimension, zone and range given; returns how many cohort rows were compared. */
async function expectEqual(store: Store, label: string, q: Omit<CohortQuery, 'tz' | 'from' | 'to' | 'by'>, ranges: readonly (readonly [string, string])[], zones = ZONES, filters: (d: Dimension) => Filter[] = () => []): Promise<number> {
  let rows = 0;
  for (const tz of zones) {
    for (const [from, to] of ranges) {
      for (const groupBy of DIMS) {
        const cq: CohortQuery = { ...q, from, to, tz, by: 'month', groupBy, horizons: HORIZONS, filters: filters(groupBy) };
        expect(cohortGroupsDimension(cq), `${label} ${groupBy}`).not.toBeNull();
        const groups = await cohortReport(store, cq, { source: 'groups' });
        const ledger = await cohortReport(store, cq, { source: 'ledger' });
        expect(groups, `${label}: ${groupBy} in ${tz}, ${from}..${to}`).toEqual(ledger);
        rows += ledger.cohorts.length;
      }
    }
  }
  return rows;
}

describe.each(['duckdb', 'postgres'] as const)('cohort LTV by breakdown from cohort_group tables on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let sb: Sandbox;
  const conns: Connection[] = [];
  const asOf = () => sb.merchant.now;

  beforeAll(async () => {
    sb = await startSandbox({ seed: 'cohort-groups-it', customers: 260, start: '2025-01-01', now: '2025-05-15 18:00:00', profile: 'real' });
    ({ store, dispose } = await openTestStore(engine, 'cohort-groups'));
    conns.push(await connectAndBackfill(store, sb, { from: '2025-01-01', today: '2025-05-15', name: 'east' }));
    conns.push(await connectAndBackfill(store, sb, { from: '2025-01-01', today: '2025-05-15', name: 'west' }));
    expect(await store.aggregatesBehind()).toBe(false);
  }, 180_000);
  afterAll(async () => {
    await dispose?.();
    await sb?.close();
  });

  /** The currencies with most customers (the real profile sells in nine). */
  async function currencies(): Promise<string[]> {
    const rows = await store.query('SELECT currency, COUNT(*) AS n FROM customer_facts GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2');
    return rows.map((r) => String(r.currency));
  }

  it('has awkward data: several currencies, customers without attribution, the same campaign in both accounts', async () => {
    expect((await currencies()).length).toBe(2);
    const [none] = await store.query('SELECT COUNT(*) AS n FROM customer_facts WHERE first_aff_id IS NULL OR first_coupon_code IS NULL OR first_campaign_id IS NULL');
    expect(Number(none!.n)).toBeGreaterThan(0);
    const [shared] = await store.query('SELECT COUNT(*) AS n FROM (SELECT first_campaign_id FROM customer_facts GROUP BY 1 HAVING COUNT(DISTINCT connection_id) = 2) x');
    expect(Number(shared!.n)).toBeGreaterThan(0);
  });

  it('equals the ledger after the backfill, by every dimension, in zones 26 hours apart, on whole months and split cores', async () => {
    let rows = 0;
    for (const currency of await currencies()) {
      rows += await expectEqual(store, `backfill ${currency}`, { currency, asOf: asOf() }, [['2025-01-01', '2025-05-31'], ['2025-01-02', '2025-04-20'], ['2025-02-10', '2025-02-20']]);
    }
    expect(rows).toBeGreaterThan(200);
  });

  it('with filters the tables keep: on the grouped dimension (plain and scoped values) and on the connection', async () => {
    const east = conns[0]!.connectionId;
    const [currency] = await currencies();
    const values = new Map<Dimension, unknown>();
    for (const d of GROUP_DIMENSIONS) {
      const r = await cohortReport(store, { from: '2025-01-01', to: '2025-05-31', tz: 'UTC', by: 'month', currency: currency!, groupBy: d, asOf: asOf() }, { source: 'ledger' });
      values.set(d, r.cohorts.find((c) => c.group?.value !== null)?.group?.value);
    }
    const filters = (d: Dimension): Filter[] =>
      d === 'connection'
        ? [{ dimension: 'connection', values: [east] }]
        : [{ dimension: d, values: [values.get(d) as string, { connectionId: east, value: String(values.get(d)) }] }, { dimension: 'connection', values: [east, conns[1]!.connectionId] }];
    await expectEqual(store, 'filtered', { currency: currency!, asOf: asOf() }, [['2025-01-01', '2025-05-31'], ['2025-01-15', '2025-03-31']], ['America/New_York', 'Pacific/Kiritimati'], filters);
    // Without a breakdown, a filter on one dimension.
    for (const d of GROUP_DIMENSIONS) {
      const q: CohortQuery = { from: '2025-01-01', to: '2025-05-31', tz: 'Asia/Kathmandu', by: 'month', currency: currency!, horizons: HORIZONS, asOf: asOf(), filters: [{ dimension: d, values: [values.get(d) as string] }] };
      expect(cohortGroupsDimension(q)).toBe(d);
      expect(await cohortReport(store, q, { source: 'groups' })).toEqual(await cohortReport(store, q, { source: 'ledger' }));
    }
  });

  it('leaves to the ledger what the tables do not keep: weeks, the cycle, two dimensions, margin, a backtest', () => {
    const q = { from: '2025-01-01', to: '2025-05-31', tz: 'UTC', currency: 'USD' } as const;
    expect(cohortGroupsDimension({ ...q, by: 'week', groupBy: 'campaign' })).toBeNull();
    expect(cohortGroupsDimension({ ...q, by: 'month', groupBy: 'cycle' })).toBeNull();
    expect(cohortGroupsDimension({ ...q, by: 'month', groupBy: 'campaign', filters: [{ dimension: 'product', values: [1] }] })).toBeNull();
    expect(cohortGroupsDimension({ ...q, by: 'month', groupBy: 'campaign', margin: true })).toBeNull();
    expect(cohortGroupsDimension({ ...q, by: 'month', groupBy: 'campaign', until: Date.UTC(2025, 3, 1) })).toBeNull();
    expect(cohortGroupsDimension({ ...q, by: 'month' })).toBeNull();
  });

  it('after an incremental sync equals the ledger, and the tables kept at write time equal a rebuild, which equals migration 30', async () => {
    await sb.advanceDays(40);
    await syncIncrementally(store, sb, conns[0]!, '2025-06-24');
    expect(await store.aggregatesBehind()).toBe(false);
    for (const currency of await currencies()) {
      await expectEqual(store, `incremental ${currency}`, { currency, asOf: asOf() }, [['2025-01-01', '2025-06-30'], ['2025-03-02', '2025-06-20']], ['America/New_York', 'Pacific/Chatham']);
    }
    const kept = await tables(store);
    expect(kept.sizes.length).toBeGreaterThan(100);
    await store.rebuildAggregates();
    expect(await tables(store)).toEqual(kept);
    const m30 = MIGRATIONS.find((m) => m.version === 30)!;
    await store.query('DELETE FROM cohort_group_sizes');
    await store.query('DELETE FROM cohort_group_ages');
    for (const sql of m30[engine].filter((x) => x.startsWith('INSERT'))) await store.query(sql);
    expect(await tables(store)).toEqual(kept);
  }, 120_000);
});

describe.each(['duckdb', 'postgres'] as const)('cohort_group tables kept at write time on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let cid: string;
  let txn = 0;
  const write = (list: MoneyEvent[], txns = list.map((e) => e.transaction_id), opts?: { deferFacts?: boolean }) =>
    store.writePages([{ connectionId: cid, table: 'transactions', rows: [], ledger: { transactionIds: [...new Set(txns)], events: list } }], opts);
  const sale = (customer: number, at: number, campaign: number | null, o: Partial<MoneyEvent> = {}): MoneyEvent => {
    txn += 1;
    return {
      event_id: `sale:${txn}`, kind: 'sale', transaction_id: txn, instant: at, amount_cents: 1000 + customer * 7, customer_id: customer, order_id: `O${customer}-${txn}`, purchase_id: null,
      campaign_id: campaign, product_id: customer % 3 === 0 ? null : 10 + (customer % 2), aff_id: customer % 4 === 0 ? null : `A${customer % 3}`, source_value1: null, merchant_id: 501,
      billing_cycle: 1, is_initial: true, currency: customer % 5 === 0 ? 'EUR' : 'USD', coupon_code: customer % 2 === 0 ? 'SAVE' : null, attribution: null, ...o,
    };
  };
  /** Customers first sold on the edges of the bands around March, April and May 2025, with rebills, refunds (one before its sale) and declines. */
  const events: MoneyEvent[] = [];

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'cohort-groups-w'));
    cid = (await store.saveConnection({ name: 'hand', brand: 'konnektive', baseUrl: 'http://127.0.0.1:9', loginId: 'x', password: 'x', accountName: 'h', accountUsername: 'o', timezone: 'UTC', frequency: 'daily' })).connectionId;
    const offsets = [-14 * HOUR, -14 * HOUR - 1000, -12 * HOUR - 45 * 60_000, -1000, 0, 5 * HOUR + 45 * 60_000, 12 * HOUR - 1000, 12 * HOUR, 9 * DAY + 7 * HOUR, -9 * DAY];
    let c = 0;
    for (const start of [Date.UTC(2025, 2, 1), Date.UTC(2025, 3, 1), Date.UTC(2025, 4, 1)]) {
      for (const off of offsets) {
        c += 1;
        const first = sale(c, start + off, c % 3 === 0 ? null : 1 + (c % 2));
        const rebill = sale(c, start + off + (20 + c) * DAY + 3 * HOUR, 3, { billing_cycle: 2, is_initial: false });
        txn += 1;
        const refund: MoneyEvent = { ...first, event_id: `refund:${txn}`, kind: 'refund', transaction_id: txn, instant: first.instant + (c % 2 === 0 ? 2 * DAY : -3 * DAY), amount_cents: -300 };
        txn += 1;
        const decline: MoneyEvent = { ...rebill, event_id: `decline:${txn}`, kind: 'decline', transaction_id: txn, instant: rebill.instant - DAY };
        events.push(first, rebill, refund, decline);
      }
    }
    for (let i = 0; i < events.length; i += 17) await write(events.slice(i, i + 17));
  });
  afterAll(async () => dispose?.());

  const ranges = [['2025-02-01', '2025-06-30'], ['2025-03-02', '2025-05-10']] as const;
  const check = async (label: string) => {
    for (const currency of ['USD', 'EUR']) await expectEqual(store, `${label} ${currency}`, { currency, asOf: Date.UTC(2025, 7, 1) }, ranges);
    const kept = await tables(store);
    await store.rebuildAggregates(cid);
    expect(await tables(store), `${label}: kept = rebuilt`).toEqual(kept);
  };

  it('equals the ledger, and a rebuild, as written', async () => {
    await check('written');
  });

  it('follows first sales re-dated across a band and into another month, a first touch changed to none, customers gone and new ones, deferred or not', async () => {
    const firsts = events.filter((e) => e.kind === 'sale' && e.billing_cycle === 1);
    // Re-dated from a core into the band before it (a different key, the same month in UTC), and to the month before.
    const redated = [{ ...firsts[8]!, instant: Date.UTC(2025, 2, 1, 11, 40) }, { ...firsts[12]!, instant: Date.UTC(2025, 1, 20, 5) }];
    // An earlier sale in another campaign becomes the first (first touch moves); a first sale loses its campaign.
    const earlier = sale(firsts[14]!.customer_id!, firsts[14]!.instant - 2 * HOUR, 2);
    const untouched = { ...firsts[15]!, campaign_id: null, aff_id: null };
    await write([...redated, earlier, untouched]);
    // A customer's first sale deleted (their rebill becomes their first), another customer's every event.
    const gone = firsts[16]!;
    const all = events.filter((e) => e.customer_id === firsts[17]!.customer_id);
    await write([], [gone.transaction_id, ...all.map((e) => e.transaction_id)]);
    await check('changed');
    // The same kinds of change with the facts deferred to the refresh.
    await write([{ ...firsts[20]!, instant: firsts[20]!.instant + 40 * DAY }, sale(900, Date.UTC(2025, 3, 30, 12, 15), 2), { ...firsts[21]!, campaign_id: 7 }], undefined, { deferFacts: true });
    await store.refreshDirtyFacts(cid);
    await check('deferred');
  });
});
