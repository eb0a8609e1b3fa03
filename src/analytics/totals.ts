/**
 * The additive figures behind the summary and the series, read in one pass over the ledger per basis:
 * every measure of the ledger's table (ledger/measures.ts), per (bucket, group). Ratios are derived later
 * from these, never summed.
 */
import { EVENT_MEASURES, emptyTotals, measureSql, MEASURES, kindSql, type Totals } from '../ledger/index.js';
import type { ReportReader } from '../store/store.js';
import type { Dimension, Filter } from './dimensions.js';
import { groupKey } from './dimensions.js';
import { eventCol, eventSourceSql, factCol, filterSql, firstSaleJoin, Params, type Basis } from './sql.js';

export { emptyTotals, type Totals } from '../ledger/index.js';

/** What to total: an instant window, how to bucket it, and the breakdown. */
export interface TotalsQuery {
  basis: Basis;
  startMs: number;
  endMs: number;
  /** SQL text of the bucket of an instant expression (may add parameters). */
  bucket: (instantExpr: string, p: Params) => string;
  filters: readonly Filter[];
  groupBy: Dimension | null;
}

/** bucket -> group key -> totals. */
export type TotalsByBucket = Map<string, Map<string, Totals>>;

function slot(out: TotalsByBucket, bucket: string, group: string): Totals {
  let g = out.get(bucket);
  if (!g) out.set(bucket, (g = new Map()));
  let t = g.get(group);
  if (!t) g.set(group, (t = emptyTotals()));
  return t;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Reads the event totals and the new-customer counts of a window, per bucket and group. */
export async function readTotals(store: ReportReader, q: TotalsQuery): Promise<TotalsByBucket> {
  const out: TotalsByBucket = new Map();
  const e = eventCol('ev');
  const instant = (p: Params, ms: number) => store.sql.instantParam(p.add, ms);
  {
    // Every event measure, as the ledger's table declares it.
    const p = new Params();
    const bucket = q.bucket('ev.at', p);
    const group = q.groupBy ? e(q.groupBy) : 'NULL';
    const sql = `SELECT ${bucket} AS bucket, ${group} AS grp, ${EVENT_MEASURES.map(([name]) => `${measureSql(name, 'ev')} AS "${name}"`).join(', ')}
      FROM ${eventSourceSql(q.basis)} ev
      WHERE ev.at >= ${instant(p, q.startMs)} AND ev.at < ${instant(p, q.endMs)}${filterSql(q.filters, e, p)}
      GROUP BY 1, 2`;
    for (const r of await store.query(sql, p.values)) {
      const t = slot(out, String(r.bucket), groupKey(r.grp));
      for (const [name] of EVENT_MEASURES) t[name] += n(r[name]);
    }
  }
  {
    // Orders placed (MEASURES.orders): an order counts once, in the period of its first sale (of the
    // group, when grouped), so periods add up to the range and an order is never counted on both sides of
    // a boundary. Read as "first sale in the window, and no matching sale of the same order before it"
    // (an anti-join), so only the window's sales are grouped. Sales are on their own dates on both bases.
    // A sale without an order id is no order.
    const p = new Params();
    const sale = kindSql(MEASURES.sales.kinds, 'ev');
    const group = q.groupBy ? e(q.groupBy) : 'NULL';
    const start = instant(p, q.startMs);
    const inWindow = `SELECT ev.connection_id, ev.order_id, ${group} AS grp, MIN(ev.instant) AS first_at FROM money_events ev
      WHERE ${sale} AND ev.order_id IS NOT NULL AND ev.instant >= ${start} AND ev.instant < ${instant(p, q.endMs)}${filterSql(q.filters, e, p)} GROUP BY 1, 2, 3`;
    const e2 = eventCol('e2');
    const sameGroup = q.groupBy ? ` AND ${e2(q.groupBy)} IS NOT DISTINCT FROM o.grp` : '';
    const earlier = `SELECT 1 FROM money_events e2 WHERE e2.connection_id = o.connection_id AND e2.order_id = o.order_id AND ${kindSql(MEASURES.sales.kinds, 'e2')}
      AND e2.instant < ${start}${sameGroup}${filterSql(q.filters, e2, p)}`;
    const bucket = q.bucket('o.first_at', p);
    const sql = `SELECT ${bucket} AS bucket, o.grp AS grp, COUNT(*) AS orders FROM (${inWindow}) o WHERE NOT EXISTS (${earlier}) GROUP BY 1, 2`;
    for (const r of await store.query(sql, p.values)) slot(out, String(r.bucket), groupKey(r.grp)).orders += n(r.orders);
  }
  {
    // New customers (MEASURES.newCustomers): by the customer's first sale (facts), whatever the basis;
    // breakdowns by first touch.
    const p = new Params();
    const needsFirst = q.groupBy === 'cycle' || q.filters.some((f) => f.dimension === 'cycle');
    const f = factCol('f', 'fs');
    const bucket = q.bucket('f.first_sale_at', p);
    const group = q.groupBy ? f(q.groupBy) : 'NULL';
    const sql = `SELECT ${bucket} AS bucket, ${group} AS grp, COUNT(*) AS customers
      FROM customer_facts f ${needsFirst ? firstSaleJoin('f', 'fs') : ''}
      WHERE f.first_sale_at >= ${instant(p, q.startMs)} AND f.first_sale_at < ${instant(p, q.endMs)}${filterSql(q.filters, f, p)}
      GROUP BY 1, 2`;
    for (const r of await store.query(sql, p.values)) slot(out, String(r.bucket), groupKey(r.grp)).newCustomers += n(r.customers);
  }
  return out;
}
