/**
 * purchases_dirty (tables.ts, migration 22; docs/store.md "Subscription cycles"): the purchases whose
 * subscription tables (subscription-cycles.ts) a deferred write left to recompute, as `facts_dirty`
 * lists customers. A ledger write names its purchases itself: the purchase of every event it removes or
 * stores (and the attribution at the refresh, those of the events it fills), so the refresh recomputes
 * the purchases whose events changed, not every purchase of every customer whose facts it recomputes.
 * Marked in the write's transaction, kept across deferred batches (a crashed run's marks wait for the
 * next refresh), emptied by the refresh that recomputes them or by the end-of-backfill rebuild.
 */
import type { StoreContext } from './driver.js';

/** The purchases these ledger events name (events without one feed no subscription table). */
export function purchasesOf(...lists: readonly (readonly { purchase_id?: string | null }[])[]): Set<string> {
  const out = new Set<string>();
  for (const list of lists) for (const e of list) if (e.purchase_id !== null && e.purchase_id !== undefined) out.add(e.purchase_id);
  return out;
}

/** Marks these purchases of connection $1 for the next refresh (inside the caller's transaction). */
export async function markPurchasesDirty(ctx: StoreContext, connectionId: string, purchases: ReadonlySet<string>): Promise<void> {
  if (purchases.size === 0) return;
  await ctx.db.exec(
    `INSERT INTO purchases_dirty (connection_id, purchase_id) SELECT $1, x.id FROM (${await ctx.db.textSet('key', [...purchases])}) AS x(id) ON CONFLICT DO NOTHING`,
    [connectionId],
  );
}

/** The subquery of connection $1's dirty purchase ids (what refreshSubscriptionCyclesSql stages). */
export const DIRTY_PURCHASES_SQL = 'SELECT purchase_id FROM purchases_dirty WHERE connection_id = $1';

/** How many purchases of connection $1 are marked. */
export const COUNT_DIRTY_PURCHASES_SQL = 'SELECT COUNT(*) FROM purchases_dirty WHERE connection_id = $1';

/** Empties connection $1's marks, once recomputed or rebuilt. */
export const CLEAR_DIRTY_PURCHASES_SQL = 'DELETE FROM purchases_dirty WHERE connection_id = $1';
