/**
 * The additive figures behind the summary and the series, read in one pass over the ledger per basis:
 * every measure of the ledger's table (ledger/measures.ts), per (bucket, group). Ratios are derived later
 * from these, never summed.
 */
import { EVENT_MEASURES, emptyTotals, measureSql, MEASURES, kindSql, type Totals } from '../ledger/index.js';
import type { ReportReader } from '../store/store.js';
import { groupId, groupOf, type Dimension, type Filter } from './dimensions.js';
import { eventCol, eventSourceSql, factCol, filterSql, firstSaleJoin, groupSelect, Params, type Basis } from './sql.js';

export { emptyTotals, type Totals } from '../ledger/index.js';

/** What to total: an instant window in one currency, how to bucket it, and the breakdown. */
export interface TotalsQuery {
  basis: Basis;
  /** ISO 4217: only events in it are summed, only customers whose first sale is in it counted. */
  currency: string;
  startMs: number;
  endMs: number;
  /** SQL text of the bucket of an instant expression (may add parameters). */
  bucket: (instantExpr: string, p: Params) => string;
  filters: readonly Filter[];
  groupBy: Dimension | null;
  /**
   * Where the bucket changes, ascending, from startMs to endMs: each bucket is a union of the ranges
   * between consecutive bounds. Given, a breakdown may read whole UTC days inside each range from
   * breakdown_days (totals-days.ts); absent, only the ledger answers.
   */
  bounds?: readonly number[];
}

/** bucket -> group (groupId) -> totals. */
export type TotalsByBucket = Map<string, Map<string, Totals>>;

/** The totals of a bucket and group, added to `out` when new. */
export function slot(out: TotalsByBucket, bucket: string, group: string): Totals {
  let g = out.get(bucket);
  if (!g) out.set(bucket, (g = new Map()));
  let t = g.get(group);
  if (!t) g.set(group, (t = emptyTotals()));
  return t;
}

/** The one group of a report that is not grouped. */
export const NOT_GROUPED = groupId({ connectionId: null, value: null });

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Reads the event totals and the new-customer counts of a window, per bucket and group. */
export async function readTotals(store: ReportReader, q: TotalsQuery): Promise<TotalsByBucket> {
  const out: TotalsByBucket = new Map();
  const e = eventCol('ev');
  const instant = (p: Params, ms: number) => store.sql.instantParam(p.add, ms);
  const key = (r: Record<string, unknown>) => (q.groupBy ? groupId(groupOf(q.groupBy, r.grp_conn, r.grp)) : NOT_GROUPED);
  {
    // Every event measure, as the ledger's table declares it.
    const p = new Params();
    const bucket = q.bucket('ev.at', p);
    const sql = `SELECT ${bucket} AS bucket, ${groupSelect(q.groupBy, e)}, ${EVENT_MEASURES.map(([name]) => `${measureSql(name, 'ev')} AS "${name}"`).join(', ')}
      FROM ${eventSourceSql(q.basis)} ev
      WHERE ev.at >= ${instant(p, q.startMs)} AND ev.at < ${instant(p, q.endMs)} AND ev.currency = ${p.add(q.currency)}${filterSql(q.filters, e, p)}
      GROUP BY 1, 2, 3`;
    for (const r of await store.query(sql, p.values)) {
      const t = slot(out, String(r.bucket), key(r));
      for (const [name] of EVENT_MEASURES) t[name] += n(r[name]);
    }
  }
  {
    // Orders placed (MEASURES.orders): an order counts once, in the period of its first sale (of the
    // group, when grouped), so periods add up to the range and an order is never counted on both sides of
    // a boundary. Read as "first sale in the window, and no matching sale of the same order before it",
    // so only the window's sales are grouped. Sales are on their own dates on both bases. A sale without
    // an order id is no order. Only the currency's sales count (an order is in one).
    // The store keeps each order's first sale of the whole ledger (order_first_sales): an order whose
    // first sale is in the window has no sale before it, of any group or filter, and counts as it is.
    // Only the others ("began": first sale before the window, or not known while the connection's kept
    // tables are behind, rebuild_pending) are checked against their earlier sales, found by joining
    // those few orders to the ledger (h) rather than every earlier sale to the window's orders.
    const p = new Params();
    const sale = (alias: string) => kindSql(MEASURES.sales.kinds, alias);
    const start = instant(p, q.startMs);
    const end = instant(p, q.endMs);
    const currency = p.add(q.currency);
    const inWindow = `SELECT ev.connection_id, ev.order_id, ${groupSelect(q.groupBy, e)}, MIN(ev.instant) AS first_at FROM money_events ev
      WHERE ${sale('ev')} AND ev.order_id IS NOT NULL AND ev.instant >= ${start} AND ev.instant < ${end} AND ev.currency = ${currency}${filterSql(q.filters, e, p)} GROUP BY 1, 2, 3, 4`;
    // The orders that began in the window, read by their first sale's instant (a range of the table, not
    // all of it); a connection left behind by a backfill has none there, so all of its orders are checked.
    const began = `SELECT connection_id, order_id FROM order_first_sales WHERE first_sale_at >= ${start} AND first_sale_at < ${end}
        AND connection_id NOT IN (SELECT connection_id FROM rebuild_pending)`;
    const o = `SELECT w.connection_id, w.order_id, w.grp_conn, w.grp, w.first_at, f.order_id IS NULL AS began
      FROM (${inWindow}) w LEFT JOIN (${began}) f ON f.connection_id = w.connection_id AND f.order_id = w.order_id`;
    // h: the earlier sales of the orders that began before, one row per order and group (a join, so no
    // row of o is repeated).
    const e2 = eventCol('e2');
    const h = `SELECT DISTINCT e2.connection_id, e2.order_id, ${q.groupBy ? e2(q.groupBy) : 'NULL'} AS grp
      FROM money_events e2 JOIN o b ON b.began AND e2.connection_id = b.connection_id AND e2.order_id = b.order_id
      WHERE ${sale('e2')} AND e2.instant < ${start} AND e2.currency = ${currency}${filterSql(q.filters, e2, p)}`;
    const sameGroup = q.groupBy ? ' AND h.grp IS NOT DISTINCT FROM o.grp' : '';
    const bucket = q.bucket('o.first_at', p);
    const sql = `WITH o AS MATERIALIZED (${o}), h AS (${h})
      SELECT ${bucket} AS bucket, o.grp_conn AS grp_conn, o.grp AS grp, COUNT(*) AS orders
      FROM o LEFT JOIN h ON h.connection_id = o.connection_id AND h.order_id = o.order_id${sameGroup}
      WHERE NOT o.began OR h.order_id IS NULL GROUP BY 1, 2, 3`;
    for (const r of await store.query(sql, p.values)) slot(out, String(r.bucket), key(r)).orders += n(r.orders);
  }
  await readNewCustomers(store, q, out);
  return out;
}

/** Adds the new-customer counts of a window, per bucket and group, to `out`. */
export async function readNewCustomers(store: ReportReader, q: TotalsQuery, out: TotalsByBucket): Promise<void> {
  const instant = (p: Params, ms: number) => store.sql.instantParam(p.add, ms);
  const key = (r: Record<string, unknown>) => (q.groupBy ? groupId(groupOf(q.groupBy, r.grp_conn, r.grp)) : NOT_GROUPED);
  {
    // New customers (MEASURES.newCustomers): by the customer's first sale (facts), whatever the basis;
    // breakdowns by first touch; a customer is of their first sale's currency.
    const p = new Params();
    const needsFirst = q.groupBy === 'cycle' || q.filters.some((f) => f.dimension === 'cycle');
    const f = factCol('f', 'fs');
    const bucket = q.bucket('f.first_sale_at', p);
    // A customer acquired before the data's coverage (MEASURES.earlierCustomers) is counted apart.
    const sql = `SELECT ${bucket} AS bucket, ${groupSelect(q.groupBy, f)}, f.acquired_before AS earlier, COUNT(*) AS customers
      FROM customer_facts f ${needsFirst ? firstSaleJoin('f', 'fs') : ''}
      WHERE f.first_sale_at >= ${instant(p, q.startMs)} AND f.first_sale_at < ${instant(p, q.endMs)} AND f.currency = ${p.add(q.currency)}${filterSql(q.filters, f, p)}
      GROUP BY 1, 2, 3, 4`;
    for (const r of await store.query(sql, p.values)) {
      const t = slot(out, String(r.bucket), key(r));
      if (r.earlier === true) t.earlierCustomers += n(r.customers);
      else t.newCustomers += n(r.customers);
    }
  }
}
