/**
 * Attribution: which product, campaign product, purchase and coupon a money event belongs to. Real
 * transaction rows carry no product or purchase id at their top level (docs/crm-api.md, "What real
 * merchant data shows"), so each is taken from the first source that has it, in this order:
 *
 * | what | sources, in order |
 * |---|---|
 * | purchase | the transaction's own `purchaseId`; the purchase whose `transactions` list it; its order line's; for a refund or void, its sale's |
 * | product | the transaction's own `productId`; its `items`; its purchase's product; the one line of its order whose amount is the transaction's; for a refund or void, its sale's; its order's first item |
 * | campaign | the transaction's own `campaignId`; its order's |
 * | coupon | its order's `couponCode` |
 *
 * The transaction's own sources are read when it is derived (derive.ts); the order and the purchase may
 * arrive on other pages, in other streams, before or after it, so the store resolves the rest once they
 * are in (store/attribution.ts), at the end of every run, and records how: `attribution` is
 * "<product source>/<purchase source>", each one of own, items, purchase, line (the order's item whose amount it charged), parent (the sale a
 * refund or void reverses), order or "-" while unresolved.
 *
 * The order's first item is the last resort because an order can hold several items billed by separate
 * transactions (an upsell added to the order): the purchase knows which product it bills, an item's amount
 * names the item a transaction charged when no other item of the order costs the same, and a refund
 * belongs to the sale it reverses; only a transaction none of these resolve is taken as the first item's.
 */

/** Where a product or purchase came from; null while unresolved. */
export type AttributionSource = 'own' | 'items' | 'line' | 'order' | 'purchase' | 'parent' | null;

/** The recorded form of an event's attribution: "<product source>/<purchase source>". */
export function attributionOf(product: AttributionSource, purchase: AttributionSource): string {
  return `${product ?? '-'}/${purchase ?? '-'}`;
}

/** Reads an attribution back; [null, null] for an event recorded before attribution was kept. */
export function sourcesOf(attribution: string | null): [AttributionSource, AttributionSource] {
  const [p, q] = (attribution ?? '-/-').split('/');
  const read = (s: string | undefined): AttributionSource => (s === 'own' || s === 'items' || s === 'line' || s === 'order' || s === 'purchase' || s === 'parent' ? s : null);
  return [read(p), read(q)];
}
