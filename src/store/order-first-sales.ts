/**
 * order_first_sales (tables.ts, migration 18; docs/store.md "Each order's first sale"): the instant of
 * each order's first sale in the ledger, whatever its currency, group or filter. It lets the orders
 * figure (analytics/totals.ts, MEASURES.orders) count a range's order with no anti-join when the order's
 * first sale is inside the range: no sale of it exists before, so none of any group or filter does.
 *
 * Kept like the pre-aggregates (aggregates.ts): in the transaction of the ledger write that moves an
 * order's first sale (ledger-writer.ts's order lookup already knows its old and new first sale), rebuilt
 * with them (rebuildAggregatesSql), and, after a backfill's deferred writes, not trusted while the
 * connection is marked rebuild_pending (the report then checks every order against the ledger).
 */
import { kindSql, MEASURES } from '../ledger/index.js';
import type { StoreContext } from './driver.js';
import { ORDER_FIRST_SALES } from './tables.js';

/**
 * Statements that recompute the table from money_events: of every connection, or (byConnection) of connection $1.
 * Inserted in first-sale order, as a sync appends orders: a range of first sales (the breakdowns' edges,
 * analytics/totals-days.ts) is then a run of rows for DuckDB's min/max skipping.
 */
export function rebuildOrderFirstSalesSql(byConnection: boolean): string[] {
  const w = byConnection ? 'connection_id = $1' : 'TRUE';
  return [
    `DELETE FROM order_first_sales WHERE ${w}`,
    `INSERT INTO order_first_sales (connection_id, order_id, first_sale_at)
     SELECT connection_id, order_id, MIN(instant) FROM money_events WHERE ${w} AND ${kindSql(MEASURES.sales.kinds)} AND order_id IS NOT NULL GROUP BY connection_id, order_id
     ORDER BY 3`,
  ];
}

/**
 * Writes the orders whose first sale a ledger write moved: order id -> the new first sale (epoch ms), or
 * null when the order has no sale left. Inside the write's transaction. The moved rows are upserted by
 * key (an order new to the ledger, most of a sync's, needs no delete); only orders left without a sale
 * are deleted, which on DuckDB is a scan of the table.
 */
export async function keepOrderFirstSales(ctx: StoreContext, connectionId: string, moved: ReadonlyMap<string, number | null>): Promise<void> {
  const gone = [...moved].filter(([, at]) => at === null).map(([id]) => id);
  if (gone.length > 0) await ctx.db.exec(`DELETE FROM order_first_sales WHERE connection_id = $1 AND order_id IN (${await ctx.db.textSet('order', gone)})`, [connectionId]);
  const rows = [...moved].filter((e): e is [string, number] => e[1] !== null).map(([order_id, first_sale_at]) => ({ order_id, first_sale_at }));
  if (rows.length > 0) await ctx.db.upsert(ORDER_FIRST_SALES, rows, { connection_id: connectionId });
}
