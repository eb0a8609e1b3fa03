/**
 * The totals of a breakdown by one dimension (the summary's and the series' groups, event basis) read from
 * the breakdown_days pre-aggregate (store/breakdown-days.ts; docs/metrics.md, "Breakdowns from
 * breakdown_days"): the whole UTC days inside each range between the query's bounds from the table, the
 * partial UTC days at the edges from the ledger, by the same rules as totals.ts. Every bucket is a union
 * of those ranges and every zone's local midnight is an instant, so the split is exact whatever the zone.
 *
 * The table keeps each dimension on its own: it answers a breakdown whose filters are on the connection
 * or on the grouped dimension only. New customers by first touch come from it too (the edges from the
 * facts), but for the billing cycle, which the facts do not keep: from the facts as in totals.ts.
 */
import { EVENT_MEASURES, kindSql, measureSql, MEASURES, TOTAL_COLUMNS } from '../ledger/index.js';
import { breakdownValueSql, CUSTOMER_DIMENSIONS, DAY_DIMENSIONS } from '../store/breakdown-days.js';
import type { ReportReader } from '../store/store.js';
import { allConnectionIds, splitDays } from './attempt-source.js';
import { groupId, groupOf, type Dimension } from './dimensions.js';
import { eventCol, factCol, filterSql, groupSelect, inListSql, Params } from './sql.js';
import { readNewCustomers, slot, type TotalsByBucket, type TotalsQuery } from './totals.js';

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** True when breakdown_days answers a totals query: event basis, bounds, a kept dimension, filters on it or the connection only. */
export function daysAnswer(q: Pick<TotalsQuery, 'basis' | 'filters' | 'groupBy' | 'bounds'>): boolean {
  const g = q.groupBy;
  if (q.basis !== 'event' || !q.bounds || g === null || !DAY_DIMENSIONS.includes(g)) return false;
  return q.filters.every((f) => f.values.length === 0 || f.dimension === 'connection' || f.dimension === g);
}

/** readTotals from breakdown_days and the ledger's edges (daysAnswer must hold). */
export async function readTotalsFromDays(store: ReportReader, q: TotalsQuery): Promise<TotalsByBucket> {
  if (!daysAnswer(q) || !q.bounds) throw new RangeError('breakdown_days answers the event basis grouped by one dimension, filtered by it or the connection');
  const g = q.groupBy as Dimension;
  const b = q.bounds;
  const d = store.sql;
  const out: TotalsByBucket = new Map();
  const key = (r: Record<string, unknown>) => groupId(groupOf(g, r.grp_conn, r.grp));
  const { covered, ledgerRanges, ledgerDays } = splitDays(b, true);
  // New customers by first touch are kept for every dimension but the billing cycle (read from the facts).
  const byFacts = !CUSTOMER_DIMENSIONS.includes(g);
  // One statement after another (a DuckDB store has one connection).
  const reads: (() => Promise<void>)[] = [];
  if (covered.length > 0) {
    // The whole UTC days: each range's days lie in one bucket, that of the range's start.
    const p = new Params();
    const col = (dim: Dimension) => (dim === 'connection' ? 'k.connection_id' : breakdownValueSql(dim, 'k'));
    const bucket = `CASE ${[...covered]
      .reverse()
      .map((c) => `WHEN k.day >= ${c.from} THEN ${q.bucket(d.instantParam(p.add, b[c.i] as number), p)}`)
      .join(' ')} END`;
    const days = covered.map((c) => `(k.day >= ${c.from} AND k.day < ${c.to})`).join(' OR ');
    const cols = [...EVENT_MEASURES.map(([name]) => name), 'orders' as const, ...(byFacts ? [] : (['newCustomers', 'earlierCustomers'] as const))];
    const sql = `SELECT ${bucket} AS bucket, ${groupSelect(g, col)}, ${cols.map((name) => `SUM(k.${TOTAL_COLUMNS[name]}) AS "${name}"`).join(', ')}
      FROM breakdown_days k WHERE k.dimension = ${p.add(g)} AND k.currency = ${p.add(q.currency)} AND (${days})${filterSql(q.filters, col, p)}
      GROUP BY 1, 2, 3`;
    reads.push(() =>
      store.query(sql, p.values).then((rows) => {
        for (const r of rows) {
          const t = slot(out, String(r.bucket), key(r));
          for (const name of cols) t[name] += n(r[name]);
        }
      }),
    );
  }
  if (ledgerRanges.length > 0) {
    const e = eventCol('ev');
    const first = b[0] as number;
    const last = b[b.length - 1] as number;
    // The edges by (connection, instant): PostgreSQL reads them through its (connection_id, instant) and
    // (connection_id, first_sale_at) indexes only with the connection given.
    const connections = await allConnectionIds(store);
    const edges = (p: Params, expr: string, alias: string) =>
      `${inListSql(`${alias}.connection_id`, connections, p)} AND ${d.inDayParts(p.add, `${alias}.${expr}`, first, last, ledgerDays, ledgerRanges)}`;
    {
      // The edges' event measures.
      const p = new Params();
      const sql = `SELECT ${q.bucket('ev.instant', p)} AS bucket, ${groupSelect(g, e)}, ${EVENT_MEASURES.map(([name]) => `${measureSql(name, 'ev')} AS "${name}"`).join(', ')}
        FROM money_events ev WHERE ${edges(p, 'instant', 'ev')} AND ev.currency = ${p.add(q.currency)}${filterSql(q.filters, e, p)}
        GROUP BY 1, 2, 3`;
      reads.push(() =>
        store.query(sql, p.values).then((rows) => {
          for (const r of rows) {
            const t = slot(out, String(r.bucket), key(r));
            for (const [name] of EVENT_MEASURES) t[name] += n(r[name]);
          }
        }),
      );
    }
    {
      // The edges' orders (MEASURES.orders, as totals.ts counts them): an (order, group) counts at its
      // first matching sale in the edges when no matching sale of it comes before. An order whose first
      // sale of the whole ledger (order_first_sales) lies in the same edge range has none; the others are
      // checked against their earlier sales, found by the order id.
      const p = new Params();
      const sale = (alias: string) => kindSql(MEASURES.sales.kinds, alias);
      const currency = p.add(q.currency);
      const rangeOf = (expr: string) => `CASE ${ledgerRanges.map(([s], i) => [s, i] as const).reverse().map(([s, i]) => `WHEN ${expr} >= ${d.instantParam(p.add, s)} THEN ${i}`).join(' ')} ELSE -1 END`;
      const w = `SELECT ev.connection_id, ev.order_id, ${groupSelect(g, e)}, MIN(ev.instant) AS first_at FROM money_events ev
        WHERE ${sale('ev')} AND ev.order_id IS NOT NULL AND ${edges(p, 'instant', 'ev')} AND ev.currency = ${currency}${filterSql(q.filters, e, p)} GROUP BY 1, 2, 3, 4`;
      const began = `SELECT f.connection_id, f.order_id, f.first_sale_at FROM order_first_sales f WHERE ${edges(p, 'first_sale_at', 'f')}`;
      const o = `SELECT w.connection_id, w.order_id, w.grp_conn, w.grp, w.first_at, f.order_id IS NOT NULL AND ${rangeOf('f.first_sale_at')} = ${rangeOf('w.first_at')} AS began
        FROM (${w}) w LEFT JOIN (${began}) f ON f.connection_id = w.connection_id AND f.order_id = w.order_id`;
      const e2 = eventCol('e2');
      // h: the (order, group) pairs with a matching sale before their first in the edges.
      const h = `SELECT DISTINCT b.connection_id, b.order_id, b.grp FROM o b JOIN money_events e2
          ON e2.connection_id = b.connection_id AND e2.order_id = b.order_id AND e2.instant < b.first_at AND ${e2(g)} IS NOT DISTINCT FROM b.grp
        WHERE NOT b.began AND ${sale('e2')} AND e2.currency = ${currency}${filterSql(q.filters, e2, p)}`;
      const sql = `WITH o AS MATERIALIZED (${o}), h AS (${h})
        SELECT ${q.bucket('o.first_at', p)} AS bucket, o.grp_conn AS grp_conn, o.grp AS grp, COUNT(*) AS orders
        FROM o LEFT JOIN h ON h.connection_id = o.connection_id AND h.order_id = o.order_id AND h.grp IS NOT DISTINCT FROM o.grp
        WHERE o.began OR h.order_id IS NULL GROUP BY 1, 2, 3`;
      reads.push(() =>
        store.query(sql, p.values).then((rows) => {
          for (const r of rows) slot(out, String(r.bucket), key(r)).orders += n(r.orders);
        }),
      );
    }
    if (!byFacts) {
      // The edges' new customers (MEASURES.newCustomers, by first touch, as totals.ts counts them).
      const p = new Params();
      const f = factCol('f', 'fs');
      const sql = `SELECT ${q.bucket('f.first_sale_at', p)} AS bucket, ${groupSelect(g, f)}, f.acquired_before AS earlier, COUNT(*) AS customers
        FROM customer_facts f WHERE ${edges(p, 'first_sale_at', 'f')} AND f.currency = ${p.add(q.currency)}${filterSql(q.filters, f, p)}
        GROUP BY 1, 2, 3, 4`;
      reads.push(() =>
        store.query(sql, p.values).then((rows) => {
          for (const r of rows) {
            const t = slot(out, String(r.bucket), key(r));
            if (r.earlier === true) t.earlierCustomers += n(r.customers);
            else t.newCustomers += n(r.customers);
          }
        }),
      );
    }
  }
  for (const read of reads) await read();
  if (byFacts) await readNewCustomers(store, q, out);
  return out;
}
