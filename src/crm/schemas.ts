/**
 * Runtime schemas of the CRM's responses, tolerant of the quirks in the reference
 * (konnektive-api.md §3, §7): numbers as strings, flags as 0/1, "0"/"1" or booleans, nulls and empty
 * strings for absent values, `items`/`data` as an object keyed by id or as an array. Only the fields
 * sync relies on are typed and kept by the parse (z.object strips the rest: measured 4x faster than
 * looseObject on 60-field records); the whole record is stored separately as sanitised raw JSON.
 */
import { z } from 'zod';
import { parseCents, type Cents } from '../core/money.js';

const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** An integer sent as a number or a numeric string; null when absent. */
export const looseInt = z.preprocess(
  (v) => (blank(v) ? null : typeof v === 'string' ? Number(v.trim()) : v),
  z.number().int().nullable(),
);

/** A text value (ids like "7B83FF8095", numbers sent as numbers); null when absent. */
export const looseText = z.preprocess((v) => (blank(v) ? null : typeof v === 'number' ? String(v) : v), z.string().nullable());

/** A 0/1 flag sent as a number, string or boolean. */
export const looseFlag = z.preprocess((v) => {
  if (blank(v)) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return /^(1|true|yes)$/i.test(v.trim());
  return v;
}, z.boolean());

/** Money as a decimal string (or number) -> integer cents; null when absent. */
export const looseMoney = z.preprocess((v, ctx) => {
  if (blank(v)) return null;
  const text = typeof v === 'number' ? v.toFixed(2) : String(v);
  const cents = parseCents(text);
  if (cents === null) {
    ctx.addIssue({ code: 'custom', message: `not an amount: ${text}` });
    return z.NEVER;
  }
  return cents;
}, z.number().int().nullable()) as z.ZodType<Cents | null>;

/** A list sent as an array or as an object keyed by id (PHP's associative arrays); [] for empty. */
export const looseList = z.preprocess((v) => (blank(v) ? [] : Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v as object) : v), z.array(z.unknown()));

/** The paginated success envelope's message. */
export const PageMessage = z.object({
  totalResults: looseInt,
  resultsPerPage: looseInt.optional(),
  page: looseInt.optional(),
  data: looseList,
});
export type PageMessage = z.infer<typeof PageMessage>;

/** The outer envelope: result SUCCESS or ERROR. */
export const Envelope = z.object({
  result: z.string(),
  message: z.unknown(),
});

const item = z.object({
  productId: looseInt.optional(),
  purchaseId: looseText.optional(),
  price: looseMoney.optional(),
});

export const CampaignRecord = z.object({
  campaignId: looseInt,
  campaignName: looseText.optional(),
  campaignType: looseText.optional(),
});
export type CampaignRecord = z.infer<typeof CampaignRecord>;

export const ProductRecord = z.object({
  productId: looseInt,
  productName: looseText.optional(),
  name: looseText.optional(),
  sku: looseText.optional(),
  productSku: looseText.optional(),
  price: looseMoney.optional(),
});
export type ProductRecord = z.infer<typeof ProductRecord>;

export const CustomerRecord = z.object({
  customerId: looseInt,
  emailAddress: looseText.optional(),
  firstName: looseText.optional(),
  lastName: looseText.optional(),
  country: looseText.optional(),
  state: looseText.optional(),
  dateCreated: looseText,
  dateUpdated: looseText.optional(),
});
export type CustomerRecord = z.infer<typeof CustomerRecord>;

export const OrderRecord = z.object({
  orderId: looseText,
  customerId: looseInt.optional(),
  orderStatus: looseText.optional(),
  orderType: looseText.optional(),
  totalAmount: looseMoney.optional(),
  campaignId: looseInt.optional(),
  affId: looseText.optional(),
  sourceValue1: looseText.optional(),
  items: looseList.optional(),
  dateCreated: looseText,
  dateUpdated: looseText.optional(),
});
export type OrderRecord = z.infer<typeof OrderRecord>;

export const TransactionRecord = z.object({
  transactionId: looseInt,
  orderId: looseText.optional(),
  customerId: looseInt.optional(),
  purchaseId: looseText.optional(),
  parentTxnId: looseInt.optional(),
  txnType: looseText,
  responseType: looseText,
  totalAmount: looseMoney.optional(),
  billingCycleNumber: looseInt.optional(),
  merchantId: looseInt.optional(),
  campaignId: looseInt.optional(),
  productId: looseInt.optional(),
  affId: looseText.optional(),
  sourceValue1: looseText.optional(),
  isChargedback: looseFlag.optional(),
  chargebackAmount: looseMoney.optional(),
  chargebackDate: looseText.optional(),
  cardBin: looseText.optional(),
  cardLast4: looseText.optional(),
  items: looseList.optional(),
  dateCreated: looseText,
  dateUpdated: looseText.optional(),
});
export type TransactionRecord = z.infer<typeof TransactionRecord>;

export const PurchaseRecord = z.object({
  purchaseId: looseText,
  customerId: looseInt.optional(),
  orderId: looseText.optional(),
  productId: looseInt.optional(),
  campaignId: looseInt.optional(),
  status: looseText.optional(),
  billingCycleNumber: looseInt.optional(),
  billingIntervalDays: looseInt.optional(),
  nextBillDate: looseText.optional(),
  price: looseMoney.optional(),
  merchantId: looseInt.optional(),
  dateCreated: looseText,
  dateUpdated: looseText.optional(),
});
export type PurchaseRecord = z.infer<typeof PurchaseRecord>;

/** The first line item's product id, for records that only carry products in `items`. */
export function firstItemProductId(items: unknown[] | undefined): number | null {
  for (const it of items ?? []) {
    const parsed = item.safeParse(it);
    if (parsed.success && typeof parsed.data.productId === 'number') return parsed.data.productId;
  }
  return null;
}

/** Keys that must never be stored (konnektive-api.md §7.5), at any depth. */
export const SENSITIVE_KEYS = new Set(['password', 'eCommercePassword', 'achAccountNumber', 'achRoutingNumber', 'cardNumber', 'cvv', 'loginId']);

/** JSON text of a record without sensitive keys at any depth (one pass, no intermediate copy). */
export function sanitizedJson(value: unknown): string {
  return JSON.stringify(value, (key, v: unknown) => (SENSITIVE_KEYS.has(key) ? undefined : v));
}

/** A deep copy of a record without sensitive keys; card numbers reduce to cardBin / cardLast4 fields. */
export function stripSensitive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSensitive);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!SENSITIVE_KEYS.has(k)) out[k] = stripSensitive(v);
    return out;
  }
  return value;
}
