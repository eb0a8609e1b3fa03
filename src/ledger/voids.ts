/**
 * The one rule of the ledger that needs more than the transaction itself: a VOID of an AUTHORIZE books
 * nothing. An authorization is not revenue (derive.ts books no sale for it), so voiding it cancels money
 * that was never booked; only the void of a SALE or CAPTURE subtracts. The parent may arrive on another
 * page, before or after the void, so the store looks up what it holds (ledger-writer.ts) and applies the
 * rule below in both directions. Pure.
 */
import type { MoneyEvent } from './events.js';

/** The CRM transaction types the rule reads. */
export const VOID_TYPE = 'VOID';
export const AUTHORIZE_TYPE = 'AUTHORIZE';

/** What the rule needs of a transaction of the page being written. */
export interface TxnLink {
  transaction_id: number | null;
  txn_type: string | null;
  parent_txn_id: number | null;
}

/** What a page's voids and authorizations ask of the stored transactions. */
export interface VoidLookups {
  /** Parents of this page's voids that are not on the page: is any of them a stored AUTHORIZE? */
  parentsToCheck: number[];
  /** AUTHORIZEs on this page: stored voids of them lose their event. */
  authorizations: number[];
}

/** The lookups a page of transactions needs (none for a page without voids or authorizations). */
export function voidLookups(page: readonly TxnLink[]): VoidLookups {
  const authorizations = page.filter((t) => t.txn_type === AUTHORIZE_TYPE && t.transaction_id !== null).map((t) => t.transaction_id as number);
  const onPage = new Set(authorizations);
  const parents = new Set<number>();
  for (const t of page) if (t.txn_type === VOID_TYPE && t.parent_txn_id !== null && !onPage.has(t.parent_txn_id)) parents.add(t.parent_txn_id);
  return { parentsToCheck: [...parents], authorizations };
}

/**
 * The page's events without those of voids whose parent is an AUTHORIZE, on the page or among
 * `storedAuthorizations` (the answer to parentsToCheck).
 */
export function bookedEvents<E extends Pick<MoneyEvent, 'kind' | 'transaction_id'>>(page: readonly TxnLink[], events: E[], storedAuthorizations: Iterable<number>): E[] {
  const auth = new Set(storedAuthorizations);
  for (const t of page) if (t.txn_type === AUTHORIZE_TYPE && t.transaction_id !== null) auth.add(t.transaction_id);
  const unbooked = new Set<number>();
  for (const t of page) if (t.txn_type === VOID_TYPE && t.parent_txn_id !== null && t.transaction_id !== null && auth.has(t.parent_txn_id)) unbooked.add(t.transaction_id);
  return unbooked.size === 0 ? events : events.filter((e) => !(e.kind === 'void' && unbooked.has(e.transaction_id)));
}
