/**
 * The money event (docs/metrics.md): what the ledger holds, one row per event, derived from CRM transactions by
 * derive.ts. Everything downstream (the store's facts and pre-aggregates, every report) reads these, never
 * raw CRM rows.
 */

/** Every kind of event, in the order reports list them. */
export const EVENT_KINDS = ['sale', 'refund', 'void', 'chargeback', 'chargeback_reversal', 'decline'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * The kinds that move money. A decline is a sale attempt that failed: counted for approval rates, never
 * summed. A chargeback reversal gives back a chargeback's amount on the day the reversal was seen
 * (reversals.ts), so the month of the chargeback keeps its figures.
 */
export const MONEY_KINDS: readonly EventKind[] = ['sale', 'refund', 'void', 'chargeback', 'chargeback_reversal'];

/**
 * One money event, as the ledger stores it (column names are the store's: money_events). The amount is
 * signed as the money moved: sales positive, refunds, voids and chargebacks negative; a decline carries
 * the attempted amount, positive, and is never summed.
 */
export type MoneyEvent = {
  /** "<kind>:<transactionId>" (eventId): one event of a kind per transaction, so re-deriving replaces, never adds. */
  event_id: string;
  kind: EventKind;
  transaction_id: number;
  /** Epoch milliseconds (UTC). */
  instant: number;
  amount_cents: number;
  customer_id: number | null;
  order_id: string | null;
  purchase_id: string | null;
  campaign_id: number | null;
  product_id: number | null;
  aff_id: string | null;
  source_value1: string | null;
  merchant_id: number | null;
  billing_cycle: number;
  /** The initial sale of its subscription or order (billing cycle 1, or blank). */
  is_initial: boolean;
  /** ISO 4217 code of the amount (currency.ts); amounts are never added across currencies. */
  currency: string;
  /** The coupon of the transaction's order, when it had one. */
  coupon_code: string | null;
  /** Where the product and purchase came from (attribution.ts); null while unresolved. */
  attribution: string | null;
  /**
   * The card's network (cards.ts: VISA, MASTERCARD, AMEX, DISCOVER, or the CRM's own card type); null
   * when the CRM says nothing. Optional, as the columns migration 12 added: absent is null.
   */
  card_brand?: string | null;
  /** The card's first 6 digits, never more (cards.ts). */
  card_bin?: string | null;
  /** A decline's response text (`responseText`), a chargeback's reason code (`chargebackReasonCode`); else null. */
  reason?: string | null;
  /** A sale's or a decline's retry number within recycle billing (`recycleNumber`; 0 for a first attempt). */
  recycle_number?: number | null;
};

/**
 * The event id of a transaction's event of a kind: "<kind>:<transactionId>", and for a transaction charged
 * back again after a reversal, its later disputes "<kind>:<transactionId>:<n>" (reversals.ts).
 */
export function eventId(kind: EventKind, transactionId: number, generation = 1): string {
  return generation > 1 ? `${kind}:${transactionId}:${generation}` : `${kind}:${transactionId}`;
}
