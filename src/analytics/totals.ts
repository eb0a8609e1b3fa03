/**
 * The additive figures behind the summary and the series, read in one pass over the ledger per basis:
 * sums in cents and counts per (bucket, group). Ratios are derived later from these, never summed.
 */
import type { Store } from '../store/store.js';
import type { Dimension, Filter } from './dimensions.js';
import { groupKey } from './dimensions.js';
import { eventCol, eventSourceSql, factCol, filterSql, firstSaleJoin, instantParam, Params, type Basis } from './sql.js';

/** Additive figures of one bucket and group. */
export interface Totals {
  grossCents: number;
  /** Refunds, voids and chargebacks, as a positive amount. */
  refundCents: number;
  /** Chargebacks alone, as a positive amount. */
  chargebackCents: number;
  saleCount: number;
  chargebackCount: number;
  orders: number;
  initialApproved: number;
  initialDeclined: number;
  rebillApproved: number;
  rebillDeclined: number;
  newCustomers: number;
}

/** All-zero totals. */
export function emptyTotals(): Totals {
  return { grossCents: 0, refundCents: 0, chargebackCents: 0, saleCount: 0, chargebackCount: 0, orders: 0, initialApproved: 0, initialDeclined: 0, rebillApproved: 0, rebillDeclined: 0, newCustomers: 0 };
}

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
export async function readTotals(store: Store, q: TotalsQuery): Promise<TotalsByBucket> {
  const out: TotalsByBucket = new Map();
  const e = eventCol('ev');
  {
    const p = new Params();
    const bucket = q.bucket('ev.at', p);
    const group = q.groupBy ? e(q.groupBy) : 'NULL';
    const sql = `SELECT ${bucket} AS bucket, ${group} AS grp,
        SUM(CASE WHEN ev.kind = 'sale' THEN ev.amount_cents ELSE 0 END) AS gross,
        SUM(CASE WHEN ev.kind IN ('refund', 'void', 'chargeback') THEN -ev.amount_cents ELSE 0 END) AS refunds,
        SUM(CASE WHEN ev.kind = 'chargeback' THEN -ev.amount_cents ELSE 0 END) AS chargebacks,
        COUNT(CASE WHEN ev.kind = 'sale' THEN 1 END) AS sales,
        COUNT(CASE WHEN ev.kind = 'chargeback' THEN 1 END) AS cbs,
        COUNT(CASE WHEN ev.kind = 'sale' AND ev.is_initial THEN 1 END) AS init_ok,
        COUNT(CASE WHEN ev.kind = 'decline' AND ev.is_initial THEN 1 END) AS init_no,
        COUNT(CASE WHEN ev.kind = 'sale' AND NOT ev.is_initial THEN 1 END) AS rebill_ok,
        COUNT(CASE WHEN ev.kind = 'decline' AND NOT ev.is_initial THEN 1 END) AS rebill_no
      FROM ${eventSourceSql(q.basis)} ev
      WHERE ev.at >= ${instantParam(store.engine, p, q.startMs)} AND ev.at < ${instantParam(store.engine, p, q.endMs)}${filterSql(q.filters, e, p)}
      GROUP BY 1, 2`;
    for (const r of await store.query(sql, p.values)) {
      const t = slot(out, String(r.bucket), groupKey(r.grp));
      t.grossCents += n(r.gross);
      t.refundCents += n(r.refunds);
      t.chargebackCents += n(r.chargebacks);
      t.saleCount += n(r.sales);
      t.chargebackCount += n(r.cbs);
      t.initialApproved += n(r.init_ok);
      t.initialDeclined += n(r.init_no);
      t.rebillApproved += n(r.rebill_ok);
      t.rebillDeclined += n(r.rebill_no);
    }
  }
  {
    // Orders placed: an order counts once, in the period of its first sale (of the group, when grouped),
    // so periods add up to the range and an order is never counted on both sides of a boundary. Read as
    // "first sale in the window, and no matching sale of the same order before it" (an anti-join), so
    // only the window's sales are grouped. Sales are on their own dates on both bases. A sale without an
    // order id is no order.
    const p = new Params();
    const group = q.groupBy ? e(q.groupBy) : 'NULL';
    const start = instantParam(store.engine, p, q.startMs);
    const inWindow = `SELECT ev.connection_id, ev.order_id, ${group} AS grp, MIN(ev.instant) AS first_at FROM money_events ev
      WHERE ev.kind = 'sale' AND ev.order_id IS NOT NULL AND ev.instant >= ${start} AND ev.instant < ${instantParam(store.engine, p, q.endMs)}${filterSql(q.filters, e, p)} GROUP BY 1, 2, 3`;
    const e2 = eventCol('e2');
    const sameGroup = q.groupBy ? ` AND ${e2(q.groupBy)} IS NOT DISTINCT FROM o.grp` : '';
    const earlier = `SELECT 1 FROM money_events e2 WHERE e2.connection_id = o.connection_id AND e2.order_id = o.order_id AND e2.kind = 'sale'
      AND e2.instant < ${start}${sameGroup}${filterSql(q.filters, e2, p)}`;
    const bucket = q.bucket('o.first_at', p);
    const sql = `SELECT ${bucket} AS bucket, o.grp AS grp, COUNT(*) AS orders FROM (${inWindow}) o WHERE NOT EXISTS (${earlier}) GROUP BY 1, 2`;
    for (const r of await store.query(sql, p.values)) slot(out, String(r.bucket), groupKey(r.grp)).orders += n(r.orders);
  }
  {
    // New customers: by the customer's first sale (facts), whatever the basis; breakdowns by first touch.
    const p = new Params();
    const needsFirst = q.groupBy === 'cycle' || q.filters.some((f) => f.dimension === 'cycle');
    const f = factCol('f', 'fs');
    const bucket = q.bucket('f.first_sale_at', p);
    const group = q.groupBy ? f(q.groupBy) : 'NULL';
    const sql = `SELECT ${bucket} AS bucket, ${group} AS grp, COUNT(*) AS customers
      FROM customer_facts f ${needsFirst ? firstSaleJoin('f', 'fs') : ''}
      WHERE f.first_sale_at >= ${instantParam(store.engine, p, q.startMs)} AND f.first_sale_at < ${instantParam(store.engine, p, q.endMs)}${filterSql(q.filters, f, p)}
      GROUP BY 1, 2`;
    for (const r of await store.query(sql, p.values)) slot(out, String(r.bucket), groupKey(r.grp)).newCustomers += n(r.customers);
  }
  return out;
}
