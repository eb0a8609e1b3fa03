/**
 * chargeback_sales (docs/store.md, "Chargebacks with their sale"): every chargeback event of the ledger
 * with what the chargebacks report scopes and cuts it by (instant, currency, MID, cycle, reason, amount)
 * and the instant of its transaction's first sale (null when the ledger holds no sale of it): the report
 * (analytics/chargebacks.ts) reads days from sale and the sale's month without joining the ledger;
 * and (refund_cents, migration 23) what the refund and void events of the transactions whose parent is
 * the chargeback's transaction returned (null: none), so it reads the money returned twice without
 * scanning the stored transactions.
 *
 * Kept as the other pre-aggregates are (aggregates.ts), in the transaction of the ledger write (after
 * the write's transactions are stored): the rows of every transaction a write touched with a
 * chargeback, with a sale of a transaction that has a chargeback, or with a refund or void of a child
 * of one (found by the child's stored parent) are recomputed from the ledger as it then stands; rebuilt
 * by rebuildAggregates() and the end-of-backfill rebuild; read only while the connection's aggregates
 * are not behind (rebuild_pending).
 */
import type { StoreContext } from './driver.js';
import { CHARGEBACK_SALES } from './tables.js';

/** What the upkeep reads of an event added or removed. */
export interface ChargebackFacts {
  kind: string;
  transaction_id?: number | null;
}

const COLS = CHARGEBACK_SALES.columns.map((c) => c.name).join(', ');

/**
 * The rows of the ledger's chargebacks matching `where` (alias `c`), in the table's columns. The refunds
 * are found by semi-joins narrowed to these chargebacks' transactions (their children in `transactions`,
 * then the children's refund and void events), never by a join of the whole ledger with the whole
 * transactions table (a correlated subquery there cost DuckDB seconds per write at 10M).
 */
function rowsSql(where: string): string {
  return `WITH c AS (SELECT c.connection_id, c.event_id, c.transaction_id, c.instant, c.currency, c.merchant_id, c.billing_cycle, c.reason, c.amount_cents
       FROM money_events c WHERE c.kind = 'chargeback' AND ${where}),
     child AS (SELECT t.connection_id, t.transaction_id, t.parent_txn_id FROM transactions t WHERE t.parent_txn_id IN (SELECT transaction_id FROM c)),
     ref AS (SELECT child.connection_id, child.parent_txn_id, SUM(-x.amount_cents) AS refund_cents
       FROM child JOIN money_events x ON x.connection_id = child.connection_id AND x.transaction_id = child.transaction_id AND x.kind IN ('refund', 'void')
       WHERE x.transaction_id IN (SELECT transaction_id FROM child)
       GROUP BY 1, 2)
     SELECT c.connection_id, c.event_id, c.transaction_id, c.instant, c.currency, c.merchant_id, c.billing_cycle, c.reason, c.amount_cents,
       (SELECT MIN(s.instant) FROM money_events s WHERE s.connection_id = c.connection_id AND s.transaction_id = c.transaction_id AND s.kind = 'sale') AS sale_instant,
       ref.refund_cents
     FROM c LEFT JOIN ref ON ref.connection_id = c.connection_id AND ref.parent_txn_id = c.transaction_id`;
}

/**
 * Recomputes the rows of the transactions a write touched (connection `connectionId`): those of its
 * chargebacks, those of its sales whose transaction has a chargeback kept, and those whose transaction
 * is the parent of one of its refunds or voids.
 */
export async function keepChargebackSales(ctx: StoreContext, connectionId: string, removed: readonly ChargebackFacts[], added: readonly ChargebackFacts[]): Promise<void> {
  const ids = (...kinds: string[]) => [...new Set([...removed, ...added].filter((e) => kinds.includes(e.kind) && e.transaction_id != null).map((e) => Number(e.transaction_id)))];
  const txns = new Set(ids('chargeback'));
  const sales = ids('sale').filter((t) => !txns.has(t));
  const returned = ids('refund', 'void');
  const lookups: string[] = [];
  if (sales.length > 0) lookups.push(`transaction_id IN (${await ctx.db.idSet('aux', sales)})`);
  if (returned.length > 0) lookups.push(`transaction_id IN (SELECT parent_txn_id FROM transactions WHERE connection_id = $1 AND transaction_id IN (${await ctx.db.idSet('txn', returned)}))`);
  if (lookups.length > 0) {
    const kept = await ctx.db.query(`SELECT DISTINCT transaction_id FROM chargeback_sales WHERE connection_id = $1 AND (${lookups.join(' OR ')})`, [connectionId]);
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
