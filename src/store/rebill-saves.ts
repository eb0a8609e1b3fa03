/**
 * rebill_saves (docs/store.md, "Rebill saves and their first declines"): every save, a rebill's approved
 * retry (a sale of billing cycle 2 or later with a retry number of 1 or more), paired with each first
 * decline of the same rebill (a decline of the same purchase and cycle, retry 0 or none, before the
 * save): the pairs the declines report counts by retry and days after the first decline
 * (analytics/declines.ts), with the save's instant, currency, MID and cycle to scope them and the
 * decline's instant for the look-back. One row per pair, as the report's join of the ledger with itself.
 *
 * Kept as the other pre-aggregates are (aggregates.ts), in the transaction of the ledger write: the pairs
 * of every purchase a write touched with a save or a first decline (added or removed) are recomputed from
 * the ledger as it then stands (a pair needs both ends, and either may come in another write); rebuilt by
 * rebuildAggregates() and the end-of-backfill rebuild; read only while the connection's aggregates are
 * not behind (rebuild_pending).
 */
import type { StoreContext } from './driver.js';
import { REBILL_SAVES } from './tables.js';

/** What the upkeep reads of an event added or removed. */
export interface SaveFacts {
  kind: string;
  purchase_id: string | null;
  billing_cycle?: number | null;
  recycle_number?: number | null;
}

/** Whether an event is a save or a first decline of a rebill: one end of a pair. */
const endOfPair = (e: SaveFacts): boolean =>
  e.purchase_id !== null && (e.billing_cycle ?? 0) >= 2 && ((e.kind === 'sale' && (e.recycle_number ?? 0) >= 1) || (e.kind === 'decline' && (e.recycle_number ?? 0) === 0));

const COLS = REBILL_SAVES.columns.map((c) => c.name).join(', ');

/** The pairs of the ledger's events matching `where` (on the save, alias `e`), in the table's columns. */
function pairsSql(where: string): string {
  return `SELECT e.connection_id, e.event_id, d.event_id, e.purchase_id, e.billing_cycle, e.currency, e.merchant_id, e.recycle_number, e.instant, d.instant
     FROM money_events e JOIN money_events d ON d.connection_id = e.connection_id AND d.purchase_id = e.purchase_id AND d.billing_cycle = e.billing_cycle
       AND d.kind = 'decline' AND COALESCE(d.recycle_number, 0) = 0 AND d.instant < e.instant
     WHERE e.kind = 'sale' AND e.billing_cycle >= 2 AND e.recycle_number >= 1 AND ${where}`;
}

/** Recomputes the pairs of the purchases a write touched with a save or a first decline (connection `connectionId`). */
export async function keepRebillSaves(ctx: StoreContext, connectionId: string, removed: readonly SaveFacts[], added: readonly SaveFacts[]): Promise<void> {
  const purchases = [...new Set([...removed, ...added].filter(endOfPair).map((e) => e.purchase_id as string))];
  if (purchases.length === 0) return;
  const set = await ctx.db.textSet('key', purchases);
  await ctx.db.exec(`DELETE FROM rebill_saves WHERE connection_id = $1 AND purchase_id IN (${set})`, [connectionId]);
  await ctx.db.exec(`INSERT INTO rebill_saves (${COLS}) ${pairsSql(`e.connection_id = $1 AND e.purchase_id IN (${set}) AND d.purchase_id IN (${set})`)}`, [connectionId]);
}

/**
 * Statements that rebuild rebill_saves from money_events: of every connection, or (byConnection) of the
 * connection given as $1. Inserted in the saves' time order, so a range of saves is a contiguous run of rows.
 */
export function rebuildRebillSavesSql(byConnection: boolean): string[] {
  return [
    `DELETE FROM rebill_saves WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO rebill_saves (${COLS}) ${pairsSql(byConnection ? 'e.connection_id = $1' : 'TRUE')} ORDER BY e.instant`,
  ];
}
