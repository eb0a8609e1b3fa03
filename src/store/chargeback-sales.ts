/**
 * chargeback_sales (docs/store.md, "Chargebacks with their sale"): every chargeback event of the ledger
 * with what the chargebacks report scopes and cuts it by (instant, currency, MID, cycle, reason, amount)
 * and the instant of its transaction's first sale (null when the ledger holds no sale of it): the report
 * (analytics/chargebacks.ts) reads days from sale and the sale's month without joining the ledger.
 *
 * Kept as the other pre-aggregates are (aggregates.ts), in the transaction of the ledger write: the rows
 * of every transaction a write touched with a chargeback, or with a sale of a transaction that has a
 * chargeback, are recomputed from the ledger as it then stands; rebuilt by rebuildAggregates() and the
 * end-of-backfill rebuild; read only while the connection's aggregates are not behind (rebuild_pending).
 */
import type { StoreContext } from './driver.js';
import { CHARGEBACK_SALES } from './tables.js';

/** What the upkeep reads of an event added or removed. */
export interface ChargebackFacts {
  kind: string;
  transaction_id?: number | null;
}

const COLS = CHARGEBACK_SALES.columns.map((c) => c.name).join(', ');

/** The rows of the ledger's chargebacks matching `where` (alias `c`), in the table's columns. */
function rowsSql(where: string): string {
  return `SELECT c.connection_id, c.event_id, c.transaction_id, c.instant, c.currency, c.merchant_id, c.billing_cycle, c.reason, c.amount_cents,
       (SELECT MIN(s.instant) FROM money_events s WHERE s.connection_id = c.connection_id AND s.transaction_id = c.transaction_id AND s.kind = 'sale') AS sale_instant
     FROM money_events c WHERE c.kind = 'chargeback' AND ${where}`;
}

/**
 * Recomputes the rows of the transactions a write touched (connection `connectionId`): those of its
 * chargebacks, and those of its sales whose transaction has a chargeback kept.
 */
export async function keepChargebackSales(ctx: StoreContext, connectionId: string, removed: readonly ChargebackFacts[], added: readonly ChargebackFacts[]): Promise<void> {
  const ids = (kind: string) => [...new Set([...removed, ...added].filter((e) => e.kind === kind && e.transaction_id != null).map((e) => Number(e.transaction_id)))];
  const txns = new Set(ids('chargeback'));
  const sales = ids('sale').filter((t) => !txns.has(t));
  if (sales.length > 0) {
    const kept = await ctx.db.query(`SELECT DISTINCT transaction_id FROM chargeback_sales WHERE connection_id = $1 AND transaction_id IN (${await ctx.db.idSet('aux', sales)})`, [connectionId]);
    for (const r of kept) txns.add(Number(r.transaction_id));
  }
  if (txns.size === 0) return;
  const set = await ctx.db.idSet('aux', [...txns]);
  await ctx.db.exec(`DELETE FROM chargeback_sales WHERE connection_id = $1 AND transaction_id IN (${set})`, [connectionId]);
  await ctx.db.exec(`INSERT INTO chargeback_sales (${COLS}) ${rowsSql(`c.connection_id = $1 AND c.transaction_id IN (${set})`)}`, [connectionId]);
}

/** Statements that rebuild chargeback_sales from money_events: of every connection, or (byConnection) of the connection given as $1. */
export function rebuildChargebackSalesSql(byConnection: boolean): string[] {
  return [
    `DELETE FROM chargeback_sales WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO chargeback_sales (${COLS}) ${rowsSql(byConnection ? 'c.connection_id = $1' : 'TRUE')} ORDER BY c.instant`,
  ];
}
