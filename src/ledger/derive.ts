/**
 * Money events from one CRM transaction (docs/metrics.md), pure. The ledger follows the CRM's current state:
 * a transaction's events are re-derived from its latest copy and replace the old ones, so a cleared
 * chargeback flag makes its event disappear. Whether a VOID books anything depends on its parent, which
 * may arrive on another page: voids.ts says when it does not.
 */
import { currencyOf } from '../core/currency.js';
import { crmWallToInstant, dateOnlyToInstant } from '../core/time.js';
import { firstItemProductId, type TransactionRecord } from '../crm/schemas.js';
import { attributionOf } from './attribution.js';
import { binOf, cardBrandOf, reasonOf } from './cards.js';
import { eventId, type EventKind, type MoneyEvent } from './events.js';

/** What deriving needs of the account: its time zone (CRM wall times) and its base currency (a bare `$`). */
export interface AccountContext {
  zone: string;
  baseCurrency: string;
}

/** How a transaction carries its own product and purchase (attribution.ts reads and extends it). */
function ownAttribution(t: TransactionRecord, productFromItems: number | null): string {
  const product = t.productId !== null && t.productId !== undefined ? 'own' : productFromItems !== null ? 'items' : null;
  const purchase = t.purchaseId !== null && t.purchaseId !== undefined ? 'own' : null;
  return attributionOf(product, purchase);
}

/** The ledger events of one transaction (0, 1 or 2: e.g. a sale that was charged back). */
export function deriveEvents(t: TransactionRecord, account: AccountContext): MoneyEvent[] {
  const zone = account.zone;
  const created = t.dateCreated ? crmWallToInstant(t.dateCreated, zone) : null;
  if (created === null || t.transactionId === null) return [];
  const transactionId = t.transactionId;
  const cycle = t.billingCycleNumber ?? 1; // blank on some initial SALE rows (docs/crm-api.md)
  const amount = t.totalAmount ?? 0;
  const type = (t.txnType ?? '').toUpperCase();
  const ok = (t.responseType ?? '').toUpperCase() === 'SUCCESS';
  const itemProduct = firstItemProductId(t.items);
  const base = {
    transaction_id: transactionId,
    customer_id: t.customerId ?? null,
    order_id: t.orderId ?? null,
    purchase_id: t.purchaseId ?? null,
    campaign_id: t.campaignId ?? null,
    product_id: t.productId ?? itemProduct,
    aff_id: t.affId ?? null,
    source_value1: t.sourceValue1 ?? null,
    merchant_id: t.merchantId ?? null,
    billing_cycle: cycle,
    is_initial: cycle <= 1,
    currency: currencyOf(t.currencyCode, t.currencySymbol, account.baseCurrency),
    coupon_code: null,
    attribution: ownAttribution(t, itemProduct),
    card_brand: cardBrandOf(t.cardType, t.cardBin),
    card_bin: binOf(t.cardBin),
    reason: null,
    // Blank on first attempts in the CRM (docs/crm-api.md): 0.
    recycle_number: t.recycleNumber ?? 0,
  };
  const ev = (kind: EventKind, instant: number, cents: number, reason: string | null = null): MoneyEvent => ({ event_id: eventId(kind, transactionId), kind, instant, amount_cents: cents, ...base, reason });
  const out: MoneyEvent[] = [];
  if (ok && (type === 'SALE' || type === 'CAPTURE')) out.push(ev('sale', created, Math.abs(amount)));
  else if (ok && type === 'REFUND') out.push(ev('refund', created, -Math.abs(amount)));
  else if (ok && type === 'VOID') out.push(ev('void', created, -Math.abs(amount)));
  // A declined sale attempt: kept for approval rates, never summed as money.
  else if (!ok && (type === 'SALE' || type === 'AUTHORIZE')) out.push(ev('decline', created, Math.abs(amount), reasonOf(t.responseText)));
  if (t.isChargedback) {
    const date = (t.chargebackDate ?? '').slice(0, 10);
    // chargebackDate is a calendar date in the account zone: its event instant is 12:00 that day.
    const at = (date && dateOnlyToInstant(date, zone)) || created;
    out.push(ev('chargeback', at, -Math.abs(t.chargebackAmount ?? amount), reasonOf(t.chargebackReasonCode)));
  }
  return out;
}
