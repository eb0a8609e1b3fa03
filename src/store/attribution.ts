/**
 * Attribution resolved through the order and the purchase (ledger/attribution.ts says what comes from
 * where). Runs inside the refresh that ends a run, once the orders, purchases and transactions of the
 * run are stored, whatever order their streams arrived in: each statement fills what the event lacks
 * and returns the customers whose facts must follow, the purchases whose subscription tables must, and
 * the event's instant and order (breakdown_days' cells they move).
 */
import { utcDayOf } from './attempt-days.js';
import type { SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { keepRefundCampaigns } from './refund-sales.js';

/** Replaces the product or purchase half of an attribution ("<product>/<purchase>"). */
const withProduct = (source: string) => `'${source}/' || split_part(COALESCE(money_events.attribution, '-/-'), '/', 2)`;
const withPurchase = (source: string) => `split_part(COALESCE(money_events.attribution, '-/-'), '/', 1) || '/${source}'`;

/** Statements (connection $1) that fill events from their orders and purchases (each returns what it touched: returnedSql). */
const RESOLVE = [
  // Purchase from the purchase that lists the transaction.
  `UPDATE money_events SET purchase_id = pt.purchase_id, attribution = ${withPurchase('purchase')}
   FROM purchase_transactions pt WHERE money_events.connection_id = $1 AND pt.connection_id = $1 AND pt.transaction_id = money_events.transaction_id
     AND money_events.purchase_id IS NULL`,
  // Product from the purchase: a subscription bills one product, whichever item of its order it was.
  `UPDATE money_events SET product_id = p.product_id, attribution = ${withProduct('purchase')}
   FROM purchases p WHERE money_events.connection_id = $1 AND p.connection_id = $1 AND p.purchase_id = money_events.purchase_id
     AND money_events.product_id IS NULL AND p.product_id IS NOT NULL`,
  // Product (and subscription) from the one item of the order whose amount is the transaction's: an order
  // can hold several items billed by separate transactions (an upsell).
  // An initial sale's declined attempt bills no subscription yet (the purchase starts with its approval).
  `UPDATE money_events SET product_id = i.product_id,
     purchase_id = CASE WHEN money_events.kind = 'decline' THEN money_events.purchase_id ELSE COALESCE(money_events.purchase_id, i.purchase_id) END,
     attribution = 'line/' || CASE WHEN money_events.kind <> 'decline' AND money_events.purchase_id IS NULL AND i.purchase_id IS NOT NULL THEN 'line' ELSE split_part(COALESCE(money_events.attribution, '-/-'), '/', 2) END
   FROM transactions t, order_items i
   WHERE money_events.connection_id = $1 AND t.connection_id = $1 AND i.connection_id = $1 AND t.transaction_id = money_events.transaction_id
     AND money_events.product_id IS NULL AND money_events.kind IN ('sale', 'decline', 'chargeback')
     AND i.order_id = money_events.order_id AND i.amount_cents = ABS(t.total_cents)
     AND (SELECT COUNT(*) FROM order_items j WHERE j.connection_id = $1 AND j.order_id = i.order_id AND j.amount_cents = i.amount_cents) = 1`,
  // A refund or void: the product and purchase of the sale it reverses.
  `UPDATE money_events SET product_id = COALESCE(money_events.product_id, s.product_id), purchase_id = COALESCE(money_events.purchase_id, s.purchase_id),
     attribution = CASE WHEN money_events.product_id IS NULL AND s.product_id IS NOT NULL THEN 'parent' ELSE split_part(COALESCE(money_events.attribution, '-/-'), '/', 1) END
       || '/' || CASE WHEN money_events.purchase_id IS NULL AND s.purchase_id IS NOT NULL THEN 'parent' ELSE split_part(COALESCE(money_events.attribution, '-/-'), '/', 2) END
   FROM transactions t, money_events s
   WHERE money_events.connection_id = $1 AND t.connection_id = $1 AND s.connection_id = $1 AND t.transaction_id = money_events.transaction_id
     AND money_events.kind IN ('refund', 'void') AND s.kind = 'sale' AND s.transaction_id = t.parent_txn_id
     AND ((money_events.product_id IS NULL AND s.product_id IS NOT NULL) OR (money_events.purchase_id IS NULL AND s.purchase_id IS NOT NULL))`,
  // Product (and campaign product's product) from the order's first item: the last resort.
  `UPDATE money_events SET product_id = o.product_id, attribution = ${withProduct('order')}
   FROM orders o WHERE money_events.connection_id = $1 AND o.connection_id = $1 AND o.order_id = money_events.order_id
     AND money_events.product_id IS NULL AND o.product_id IS NOT NULL`,
  // Campaign and coupon from the order.
  `UPDATE money_events SET campaign_id = COALESCE(money_events.campaign_id, o.campaign_id), coupon_code = o.coupon_code
   FROM orders o WHERE money_events.connection_id = $1 AND o.connection_id = $1 AND o.order_id = money_events.order_id
     AND ((money_events.campaign_id IS NULL AND o.campaign_id IS NOT NULL) OR (money_events.coupon_code IS NULL AND o.coupon_code IS NOT NULL))`,
];

/** What each RESOLVE statement returns of an event it filled (Attributed). */
const returnedSql = (d: SqlDialect) =>
  ` RETURNING money_events.customer_id, money_events.purchase_id, money_events.order_id, ${d.epochMs('money_events.instant')} AS ms, money_events.event_id, money_events.kind, money_events.campaign_id`;

/**
 * What an attribution fill touched: the customers whose events changed, the purchases they name (after
 * the fill: a purchase an event gains is named, and one it had stays), and the UTC days and orders of the
 * events filled.
 */
export interface Attributed {
  customers: Set<number>;
  purchases: Set<string>;
  days: Set<number>;
  orders: Set<string>;
}

/** Fills what connection's events lack from their orders and purchases; returns what it touched. */
export async function resolveAttribution(ctx: StoreContext, connectionId: string): Promise<Attributed> {
  const out: Attributed = { customers: new Set(), purchases: new Set(), days: new Set(), orders: new Set() };
  // The campaigns of the refunds, voids and chargebacks filled: refund_sales carries them (refund-sales.ts).
  const campaigns = new Map<string, number>();
  for (const sql of RESOLVE) {
    for (const r of await ctx.db.query(sql + returnedSql(ctx.db.sql), [connectionId])) {
      if ((r.kind === 'refund' || r.kind === 'void' || r.kind === 'chargeback') && r.campaign_id !== null && r.campaign_id !== undefined) campaigns.set(String(r.event_id), Number(r.campaign_id));
      if (r.customer_id !== null && r.customer_id !== undefined) out.customers.add(Number(r.customer_id));
      if (r.purchase_id !== null && r.purchase_id !== undefined) out.purchases.add(String(r.purchase_id));
      if (r.order_id !== null && r.order_id !== undefined) out.orders.add(String(r.order_id));
      out.days.add(utcDayOf(Number(r.ms)));
    }
  }
  await keepRefundCampaigns(ctx, connectionId, campaigns);
  return out;
}

/** How much of a connection's ledger is attributed: sales, sales without a product, rebills without a purchase. */
export const ATTRIBUTION_COVERAGE_SQL = `SELECT COUNT(*) AS sales, COUNT(CASE WHEN product_id IS NULL THEN 1 END) AS without_product,
  COUNT(CASE WHEN NOT is_initial AND purchase_id IS NULL THEN 1 END) AS rebills_without_purchase
  FROM money_events WHERE connection_id = $1 AND kind = 'sale'`;
