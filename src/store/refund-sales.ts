/**
 * refund_sales (docs/store.md, "Refunds and chargebacks with the day they are booked on"): every refund,
 * void and chargeback event of the ledger with what reconciliation reads of it (kind, instant, currency,
 * campaign, amount) and the instant the CRM basis books it at (analytics/sql.ts bookedSql): a refund or
 * void on its parent sale's date_created (the parent of its stored transaction), a chargeback on its own
 * transaction's date_created, and either on its own instant when that transaction (or parent) is not
 * stored. Reconciliation (analytics/reconcile.ts) reads the ones booked or shown in its range by range
 * (booked_at, instant) instead of finding every refund and chargeback of the ledger with their
 * transactions and parents.
 *
 * Chargebacks are here and not read from chargeback_sales: its sale_instant is the first SALE event of
 * the chargeback's transaction, which the CRM basis does not use when the transaction is stored without
 * a sale event (a flag on a declined attempt, a refund or an authorization): bookedSql books those on
 * the transaction's date_created, chargeback_sales has no sale for them.
 *
 * Kept as chargeback_sales is, in the transaction of the ledger write (after the write's transactions
 * are stored): the rows of every transaction the write stored or whose events it changed, and of every
 * refund or void whose kept parent is one of those (a parent arriving after its refund, or its
 * date_created changed), are recomputed from the ledger and the stored transactions as they then stand.
 * A refund's parent_txn_id is its transaction's stored parent as of the last write of that transaction
 * (a re-parented refund is a write of it), so the children of a written parent are found in this table.
 * The attribution fill at a refresh gives events a campaign in place: keepRefundCampaigns follows it.
 * Rebuilt by rebuildAggregates() and the end-of-backfill rebuild; read only while the connection's
 * aggregates are not behind (rebuild_pending).
 */
import type { StoreContext } from './driver.js';
import { REFUND_SALES } from './tables.js';

/** What the upkeep reads of an event added or removed. */
export interface RefundFacts {
  transaction_id?: number | null;
}

export const REFUND_SALES_KINDS = "'refund', 'void', 'chargeback'";

const COLS = REFUND_SALES.columns.map((c) => c.name).join(', ');

/**
 * The rows of the ledger's refunds, voids and chargebacks matching `where` (alias `e`), in the table's
 * columns: their transactions and the parents of those found by id (narrowed semi-joins, never a join of
 * the whole ledger with the whole transactions table).
 */
function rowsSql(where: string, byConnection: boolean): string {
  const conn = (a: string) => (byConnection ? ` AND ${a}.connection_id = $1` : '');
  return `WITH e AS (SELECT e.connection_id, e.event_id, e.transaction_id, e.kind, e.instant, e.currency, e.campaign_id, e.amount_cents
       FROM money_events e WHERE e.kind IN (${REFUND_SALES_KINDS}) AND ${where}),
     t AS (SELECT t.connection_id, t.transaction_id, t.parent_txn_id, t.date_created, t.is_chargedback FROM transactions t
       WHERE t.transaction_id IN (SELECT transaction_id FROM e)${conn('t')}),
     pt AS (SELECT pt.connection_id, pt.transaction_id, pt.date_created FROM transactions pt
       WHERE pt.transaction_id IN (SELECT parent_txn_id FROM t)${conn('pt')})
     SELECT e.connection_id, e.event_id, e.transaction_id, e.kind, e.instant, e.currency, e.campaign_id, e.amount_cents, t.parent_txn_id,
       CASE WHEN e.kind = 'chargeback' THEN COALESCE(t.date_created, e.instant) ELSE COALESCE(pt.date_created, e.instant) END AS booked_at,
       (e.kind = 'chargeback' AND t.transaction_id IS NOT NULL AND t.is_chargedback IS NOT TRUE) AS cleared
     FROM e LEFT JOIN t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
       LEFT JOIN pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id`;
}

/**
 * Recomputes the rows of connection `connectionId` a write touched: those of the transactions it stored
 * (`transactionIds`) or whose events it removed or added, and those of the refunds and voids whose kept
 * parent is one of them.
 */
export async function keepRefundSales(ctx: StoreContext, connectionId: string, transactionIds: readonly number[], removed: readonly RefundFacts[], added: readonly RefundFacts[]): Promise<void> {
  const txns = new Set<number>(transactionIds);
  for (const list of [removed, added]) for (const e of list) if (e.transaction_id !== null && e.transaction_id !== undefined) txns.add(Number(e.transaction_id));
  if (txns.size === 0) return;
  const written = await ctx.db.idSet('aux', [...txns]);
  const children = await ctx.db.query(`SELECT DISTINCT transaction_id FROM refund_sales WHERE connection_id = $1 AND parent_txn_id IN (${written})`, [connectionId]);
  for (const r of children) txns.add(Number(r.transaction_id));
  const set = await ctx.db.idSet('aux', [...txns]);
  await ctx.db.exec(`DELETE FROM refund_sales WHERE connection_id = $1 AND transaction_id IN (${set})`, [connectionId]);
  await ctx.db.exec(`INSERT INTO refund_sales (${COLS}) ${rowsSql(`e.connection_id = $1 AND e.transaction_id IN (${set})`, true)}`, [connectionId]);
}

/**
 * Follows the attribution fill (attribution.ts), which gives events their order's campaign in place: the
 * rows of the events it returned take their campaign (`campaigns`: event id -> campaign after the fill).
 */
export async function keepRefundCampaigns(ctx: StoreContext, connectionId: string, campaigns: ReadonlyMap<string, number>): Promise<void> {
  const byCampaign = new Map<number, string[]>();
  for (const [event, campaign] of campaigns) byCampaign.set(campaign, [...(byCampaign.get(campaign) ?? []), event]);
  for (const [campaign, events] of byCampaign) {
    const set = await ctx.db.textSet('key', events);
    await ctx.db.exec(`UPDATE refund_sales SET campaign_id = ${Math.trunc(campaign)} WHERE connection_id = $1 AND event_id IN (${set}) AND (campaign_id IS NULL OR campaign_id <> ${Math.trunc(campaign)})`, [connectionId]);
  }
}

/** Statements that rebuild refund_sales from money_events and transactions: of every connection, or (byConnection) of the connection given as $1. */
export function rebuildRefundSalesSql(byConnection: boolean): string[] {
  return [
    `DELETE FROM refund_sales WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO refund_sales (${COLS}) ${rowsSql(byConnection ? 'e.connection_id = $1' : 'TRUE', byConnection)} ORDER BY e.instant`,
  ];
}
