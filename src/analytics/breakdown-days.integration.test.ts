/**
 * Breakdowns from breakdown_days (totals-days.ts; docs/metrics.md, "Breakdowns from breakdown_days"), on
 * both engines: the summary and the series by every dimension, read from the table's whole UTC days and
 * the ledger's partial days, equal the ledger-only computation (source 'ledger') figure for figure, and
 * their gross revenue and orders equal the rules computed here from the ledger's rows. In zones 15 hours
 * apart (Kiritimati +14, the Azores -1) and two with quarter-hour offsets (Kathmandu, Chatham); orders
 * that began before the range, orders whose earlier sale is in another group, two accounts with the same
 * campaign ids, filters on the grouped dimension, on the connection and (read from the ledger) on another
 * dimension; after sales are re-dated, moved to another campaign and deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind, MoneyEvent } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { DIMENSIONS, DIMENSION_SPECS, type Dimension, type Filter } from './dimensions.js';
import { instantRange, previousRange } from './range.js';
import { seriesReport, summaryReport, type RangeQuery } from './summary.js';

const HOUR = 3_600_000;
const ZONES = ['Pacific/Kiritimati', 'Atlantic/Azores', 'Asia/Kathmandu', 'Pacific/Chatham'];
const T0 = Date.UTC(2025, 0, 1);

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let txn = 0;
/** Orders of one to three sales over January and February, some with a refund, a chargeback or a decline; the dimensions vary within an order. */
function ledger(seed: number, orders: number): MoneyEvent[] {
  const r = rng(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: MoneyEvent[] = [];
  for (let o = 0; o < orders; o++) {
    const order = `O${seed}-${o}`;
    let at = T0 + Math.floor(r() * 58 * 24 * 4) * 15 * 60_000 + Math.floor(r() * 900_000);
    const currency = r() < 0.1 ? 'EUR' : 'USD';
    const n = 1 + Math.floor(r() * 3);
    for (let k = 0; k < n; k++) {
      const kind: EventKind = r() < 0.15 ? 'decline' : 'sale';
      txn += 1;
      const cycle = k === 0 ? 1 : pick([1, 2, 3]);
      const base: MoneyEvent = {
        event_id: `${kind}:${txn}`, kind, transaction_id: txn, instant: at, amount_cents: 500 + Math.floor(r() * 5000), customer_id: 1 + Math.floor(r() * 40), order_id: r() < 0.05 ? null : order,
        purchase_id: null, campaign_id: pick([1, 2, 3, null]), product_id: pick([10, 11]), aff_id: pick(['A1', 'A2', null]), source_value1: pick(['S1', null]), merchant_id: pick([501, 502]),
        billing_cycle: cycle, is_initial: cycle === 1, currency, coupon_code: pick(['SAVE', null, null]), attribution: null,
      };
      out.push(base);
      if (kind === 'sale' && r() < 0.2) {
        txn += 1;
        const refund = r() < 0.5 ? 'refund' : 'chargeback';
        out.push({ ...base, event_id: `${refund}:${txn}`, kind: refund, transaction_id: txn, instant: at + Math.floor(r() * 20) * 6 * HOUR, amount_cents: -base.amount_cents });
      }
      // The order's next sale hours to days later (across UTC midnights and the range's edges).
      at += Math.floor(r() * 96) * HOUR + Math.floor(r() * 3_600_000);
    }
  }
  return out;
}

/**
 * Orders at the edges of the range in the Azores (-1 in January: the current range is [Jan 20 01:00Z,
 * Feb 4 01:00Z), the previous [Jan 5 01:00Z, Jan 20 01:00Z); the ledger reads Jan 5, Jan 20 and Feb 4).
 */
function edgeOrders(): MoneyEvent[] {
  const sale = (order: string, ms: number, campaign: number): MoneyEvent => {
    txn += 1;
    return {
      event_id: `sale:${txn}`, kind: 'sale', transaction_id: txn, instant: ms, amount_cents: 1000, customer_id: 99, order_id: order, purchase_id: null, campaign_id: campaign, product_id: 10,
      aff_id: null, source_value1: null, merchant_id: 501, billing_cycle: 1, is_initial: true, currency: 'USD', coupon_code: null, attribution: null,
    };
  };
  return [
    // First sale in the first edge day (campaign 1), campaign 2's first on a whole day, its next in the Jan 20 edge:
    // campaign 2 counts the order once, in the previous range.
    sale('X1', Date.UTC(2025, 0, 5, 5), 1), sale('X1', Date.UTC(2025, 0, 10, 12), 2), sale('X1', Date.UTC(2025, 0, 20, 12), 2),
    // Begun before both ranges in campaign 1; campaign 2's first sale in the Jan 20 edge before 01:00Z (the previous range).
    sale('X2', Date.UTC(2025, 0, 2, 5), 1), sale('X2', Date.UTC(2025, 0, 20, 0, 30), 2), sale('X2', Date.UTC(2025, 0, 25), 1),
    // Both sales in the Jan 20 edge, either side of the split.
    sale('X3', Date.UTC(2025, 0, 20, 0, 59), 3), sale('X3', Date.UTC(2025, 0, 20, 1), 3),
  ];
}

type Row = Record<string, unknown>;

/** The rules from the ledger's rows: gross revenue and orders per (bucket, group) of [start, end) split at `split`. */
function oracle(rows: readonly Row[], dim: Dimension, start: number, split: number, end: number, keep: (r: Row) => boolean): Map<string, { gross: number; orders: number }> {
  const col = DIMENSION_SPECS[dim].event;
  const group = (r: Row) => JSON.stringify([DIMENSION_SPECS[dim].scoped || dim === 'connection' ? r.connection_id : null, r[col] === null ? null : String(r[col])]);
  const out = new Map<string, { gross: number; orders: number }>();
  const cell = (ms: number, g: string) => {
    const k = `${ms >= split ? 'cur' : 'prev'}|${g}`;
    const c = out.get(k) ?? { gross: 0, orders: 0 };
    out.set(k, c);
    return c;
  };
  const first = new Map<string, { ms: number; g: string }>();
  for (const r of rows) {
    if (r.kind !== 'sale' || r.currency !== 'USD' || !keep(r)) continue;
    const ms = Number(r.instant);
    if (ms >= start && ms < end) cell(ms, group(r)).gross += Number(r.amount_cents);
    if (r.order_id === null) continue;
    const k = JSON.stringify([r.connection_id, r.order_id, group(r)]);
    if (ms < (first.get(k)?.ms ?? Infinity)) first.set(k, { ms, g: group(r) });
  }
  for (const { ms, g } of first.values()) if (ms >= start && ms < end) cell(ms, g).orders += 1;
  for (const [k, c] of out) if (c.gross === 0 && c.orders === 0) out.delete(k);
  return out;
}

describe.each(['duckdb', 'postgres'] as const)('breakdowns from breakdown_days on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const cids: string[] = [];
  const events = new Map<string, MoneyEvent[]>();
  const write = (cid: string, list: MoneyEvent[]) =>
    store.writePages([{ connectionId: cid, table: 'transactions', rows: [], ledger: { transactionIds: [...new Set(list.map((e) => e.transaction_id))], events: list } }]);

  /** Every dimension's summary in every zone, from the table and from the ledger alone, and against the oracle. */
  async function expectEqual(label: string, filters: (dim: Dimension) => Filter[], keep: (dim: Dimension) => (r: Row) => boolean): Promise<void> {
    const rows = [...(await store.readRows('money_events', cids[0] as string)), ...(await store.readRows('money_events', cids[1] as string))];
    for (const tz of ZONES) {
      for (const dim of DIMENSIONS) {
        const q: RangeQuery = { from: '2025-01-20', to: '2025-02-03', tz, currency: 'USD', groupBy: dim, filters: filters(dim) };
        const days = await summaryReport(store, q);
        expect(days, `${label}: ${dim} in ${tz}`).toEqual(await summaryReport(store, q, { source: 'ledger' }));
        const cur = instantRange(q.from, q.to, tz);
        const prev = instantRange(previousRange(q.from, q.to).from, q.to, tz);
        const got = new Map<string, { gross: number; orders: number }>();
        for (const r of days.rows) {
          const g = JSON.stringify([r.group?.connectionId ?? null, r.group?.value ?? null]);
          for (const side of ['prev', 'cur'] as const) {
            const f = r.figures;
            const gross = Math.round(Number(f.grossRevenue[side === 'cur' ? 'current' : 'previous'] ?? 0));
            const orders = Number(f.orders[side === 'cur' ? 'current' : 'previous'] ?? 0);
            if (gross !== 0 || orders !== 0) got.set(`${side}|${g}`, { gross, orders });
          }
        }
        expect(got, `${label}: ${dim} in ${tz} against the rule`).toEqual(oracle(rows, dim, prev.startMs, cur.startMs, cur.endMs, keep(dim)));
      }
    }
  }

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'breakdown-days'));
    for (const name of ['east', 'west']) {
      const c = await store.saveConnection({ name, brand: 'konnektive', baseUrl: 'http://127.0.0.1:9', loginId: 'x', password: 'x', accountName: name, accountUsername: 'o', timezone: 'UTC', frequency: 'daily' });
      cids.push(c.connectionId);
      const list = [...ledger(cids.length, 160), ...edgeOrders()];
      events.set(c.connectionId, list);
      // Written in batches, as a sync does.
      for (let i = 0; i < list.length; i += 50) await write(c.connectionId, list.slice(i, i + 50));
    }
    expect(await store.aggregatesBehind()).toBe(false);
  });
  afterAll(async () => dispose());

  it('equals the ledger and the rules, by every dimension, in zones 15 hours apart and at quarter hours', async () => {
    await expectEqual('written', () => [], () => () => true);
  });

  it('with a filter on the grouped dimension, on the connection, and on another dimension (the ledger answers)', async () => {
    const east = cids[0] as string;
    const same = (dim: Dimension): Filter[] => {
      if (dim === 'connection') return [{ dimension: 'connection', values: [east] }];
      const v = { campaign: 2, product: 10, affiliate: 'A1', subaffiliate: 'S1', mid: 502, coupon: 'SAVE', cycle: 1 }[dim];
      // One value in both accounts, and a value of one account only (a scoped value).
      return DIMENSION_SPECS[dim].scoped ? [{ dimension: dim, values: [v, { connectionId: east, value: dim === 'campaign' ? 3 : v }] }] : [{ dimension: dim, values: [v] }];
    };
    const keepSame = (dim: Dimension) => (r: Row) => {
      const f = same(dim)[0] as Filter;
      const col = DIMENSION_SPECS[dim].event;
      return f.values.some((v) => (typeof v === 'object' ? r.connection_id === v.connectionId && String(r[col]) === String(v.value) : String(r[col]) === String(v)));
    };
    await expectEqual('filtered by the grouped dimension', same, keepSame);
    await expectEqual('filtered by the connection', () => [{ dimension: 'connection', values: [east] }], () => (r) => r.connection_id === east);
    await expectEqual('filtered by MID 501', () => [{ dimension: 'mid', values: [501] }], () => (r) => Number(r.merchant_id) === 501);
  });

  it('follows sales re-dated across the range, moved to another campaign, and deleted', async () => {
    const cid = cids[0] as string;
    const list = events.get(cid) as MoneyEvent[];
    const sales = list.filter((e) => e.kind === 'sale' && e.order_id !== null);
    // An order's later sale re-dated before the range (it began before now), another moved to campaign 3, a third deleted.
    const redated = { ...(sales[1] as MoneyEvent), instant: Date.UTC(2025, 0, 2, 23, 50) };
    const moved = { ...(sales[2] as MoneyEvent), campaign_id: 3 };
    const gone = sales[3] as MoneyEvent;
    await write(cid, [redated, moved]);
    await store.writePages([{ connectionId: cid, table: 'transactions', rows: [], ledger: { transactionIds: [gone.transaction_id], events: [] } }]);
    await expectEqual('after the changes', () => [], () => () => true);
  });

  it('reads the series by week and by month from the table as the ledger does', async () => {
    for (const tz of ZONES) {
      for (const by of ['day', 'week', 'month'] as const) {
        const q = { from: '2025-01-03', to: '2025-02-26', tz, currency: 'USD', groupBy: 'campaign' as const, by };
        expect(await seriesReport(store, q), `${by} in ${tz}`).toEqual(await seriesReport(store, q, { source: 'ledger' }));
      }
    }
  });
});
