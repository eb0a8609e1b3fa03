/**
 * Runtime schemas of the CRM's responses, tolerant of the quirks in the reference
 * (docs/crm-api.md, §7): numbers as strings, flags as 0/1, "0"/"1" or booleans, nulls and empty
 * strings for absent values, `items`/`data` as an object keyed by id or as an array. Only the fields
 * sync relies on are typed and kept by the parse (z.object strips the rest: measured 4x faster than
 * looseObject on 60-field records); the whole record is stored separately as sanitised raw JSON.
 */
import { z } from 'zod';
import { maskDigitsInText, maskDeep, holdsDigitRun } from '../core/mask.js';
import { parseAmount, type Cents } from '../core/money.js';
import { normalizeWall } from '../core/time.js';

const blank = (v: unknown) => v === null || v === undefined || (typeof v === 'string' && v.trim() === '');

/** An integer sent as a number or a numeric string; null when absent. */
export const looseInt = z.preprocess(
  (v) => (blank(v) ? null : typeof v === 'string' ? Number(v.trim()) : v),
  z.number().int().nullable(),
);

/** A text value (ids like "7B83FF8095", numbers sent as numbers); null when absent. */
export const looseText = z.preprocess((v) => (blank(v) ? null : typeof v === 'number' ? String(v) : v), z.string().nullable());

/** Free text a person typed (names, email, affiliate values): looseText with card-like digit runs masked. */
export const looseFreeText = looseText.transform((v) => (v === null ? null : maskDigitsInText(v)));

/** A 0/1 flag sent as a number, string or boolean. */
export const looseFlag = z.preprocess((v) => {
  if (blank(v)) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return /^(1|true|yes)$/i.test(v.trim());
  return v;
}, z.boolean());

/** Money as a decimal string (thousands separators and a currency sign allowed) or number -> integer cents; null when absent. */
export const looseMoney = z.preprocess((v, ctx) => {
  if (blank(v)) return null;
  const text = typeof v === 'number' ? v.toFixed(2) : String(v);
  const cents = parseAmount(text);
  if (cents === null) {
    ctx.addIssue({ code: 'custom', message: `not an amount: ${text}` });
    return z.NEVER;
  }
  return cents;
}, z.number().int().nullable()) as z.ZodType<Cents | null>;

/**
 * A date-time in any form the CRM writes (ISO, or US "MM/DD/YYYY" with an optional time and AM/PM) as
 * "YYYY-MM-DD HH:MM:SS" ("YYYY-MM-DD" without a time); null when absent.
 */
export const looseWall = z.preprocess((v, ctx) => {
  if (blank(v)) return null;
  const w = typeof v === 'string' ? normalizeWall(v) : null;
  if (w === null) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${String(v)}` });
    return z.NEVER;
  }
  return w;
}, z.string().nullable());

/** A calendar date in any form looseWall reads, as "YYYY-MM-DD" (a time of day is dropped); null when absent. */
export const looseDate = z.preprocess((v, ctx) => {
  if (blank(v)) return null;
  const w = typeof v === 'string' ? normalizeWall(v, { date: true }) : null;
  if (w === null) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${String(v)}` });
    return z.NEVER;
  }
  return w;
}, z.string().nullable());

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

/** A line item (the reference for firstItemProductId). */
export const ItemRecord = z.object({
  productId: looseInt.optional(),
  campaignProductId: looseInt.optional(),
  purchaseId: looseText.optional(),
  price: looseMoney.optional(),
});

export const CouponRecord = z.object({
  couponCode: looseFreeText,
  couponId: looseInt.optional(),
  couponName: looseFreeText.optional(),
  name: looseFreeText.optional(),
  campaignId: looseInt.optional(),
});
export type CouponRecord = z.infer<typeof CouponRecord>;

export const CampaignRecord = z.object({
  campaignId: looseInt,
  campaignName: looseFreeText.optional(),
  campaignType: looseFreeText.optional(),
});
export type CampaignRecord = z.infer<typeof CampaignRecord>;

export const ProductRecord = z.object({
  productId: looseInt,
  productName: looseFreeText.optional(),
  name: looseFreeText.optional(),
  sku: looseFreeText.optional(),
  productSku: looseFreeText.optional(),
  price: looseMoney.optional(),
});
export type ProductRecord = z.infer<typeof ProductRecord>;

export const CustomerRecord = z.object({
  customerId: looseInt,
  emailAddress: looseFreeText.optional(),
  firstName: looseFreeText.optional(),
  lastName: looseFreeText.optional(),
  country: looseFreeText.optional(),
  state: looseFreeText.optional(),
  dateCreated: looseWall,
  dateUpdated: looseWall.optional(),
});
export type CustomerRecord = z.infer<typeof CustomerRecord>;

export const OrderRecord = z.object({
  orderId: looseText,
  customerId: looseInt.optional(),
  orderStatus: looseText.optional(),
  orderType: looseText.optional(),
  totalAmount: looseMoney.optional(),
  campaignId: looseInt.optional(),
  affId: looseFreeText.optional(),
  sourceValue1: looseFreeText.optional(),
  items: looseList.optional(),
  couponCode: looseFreeText.optional(),
  /** The UTM source the order came in with (the CRM capitalises "UTM"). */
  UTMSource: looseFreeText.optional(),
  currencyCode: looseText.optional(),
  currencySymbol: looseText.optional(),
  dateCreated: looseWall,
  dateUpdated: looseWall.optional(),
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
  affId: looseFreeText.optional(),
  sourceValue1: looseFreeText.optional(),
  isChargedback: looseFlag.optional(),
  chargebackAmount: looseMoney.optional(),
  chargebackDate: looseDate.optional(),
  cardBin: looseText.optional(),
  cardLast4: looseText.optional(),
  cardType: looseText.optional(),
  items: looseList.optional(),
  currencyCode: looseText.optional(),
  currencySymbol: looseText.optional(),
  merchant: looseFreeText.optional(),
  merchantDescriptor: looseFreeText.optional(),
  orderType: looseText.optional(),
  recycleNumber: looseInt.optional(),
  // Why an attempt was declined (the processor's text) and why a sale was disputed (the issuer's code).
  responseText: looseFreeText.optional(),
  chargebackReasonCode: looseFreeText.optional(),
  dateCreated: looseWall,
  dateUpdated: looseWall.optional(),
});
export type TransactionRecord = z.infer<typeof TransactionRecord>;

export const PurchaseRecord = z.object({
  purchaseId: looseText,
  customerId: looseInt.optional(),
  orderId: looseText.optional(),
  productId: looseInt.optional(),
  // The base product when `productId` names the campaign product (docs/crm-api.md, "Records").
  actualProductId: looseInt.optional(),
  campaignId: looseInt.optional(),
  status: looseText.optional(),
  billingCycleNumber: looseInt.optional(),
  billingIntervalDays: looseInt.optional(),
  nextBillDate: looseDate.optional(),
  price: looseMoney.optional(),
  merchantId: looseInt.optional(),
  campaignProductId: looseInt.optional(),
  currencyCode: looseText.optional(),
  currencySymbol: looseText.optional(),
  transactions: looseList.optional(),
  dateCreated: looseWall,
  dateUpdated: looseWall.optional(),
});
export type PurchaseRecord = z.infer<typeof PurchaseRecord>;

/**
 * Hand-written readers with exactly the zod schemas' semantics (schemas.test.ts checks they agree on
 * every quirk), used on the hot path: a zod parse of each record measured as the largest single cost of
 * mapping a page (preprocess wrappers allocate per field). The zod schemas stay the reference.
 */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`${field}: ${detail}`);
  }
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'an object' : String(v));

/** Whether a string is empty or whitespace only (String.prototype.trim's whitespace). */
function blankText(v: string): boolean {
  if (v.length === 0) return true;
  const c = v.charCodeAt(0);
  // A printable ASCII first character is not whitespace: skip the trim.
  if (c > 32 && c < 127) return false;
  return v.trim() === '';
}

/** looseInt: an integer as a number or numeric string; null when absent. */
export function readInt(v: unknown, field: string): number | null {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
  } else if (typeof v === 'string') {
    if (blankText(v)) return null;
    const n = Number(v.trim());
    if (Number.isSafeInteger(n)) return n;
  } else if (v === null || v === undefined) return null;
  throw new FieldError(field, `expected an integer, got ${show(v)}`);
}

/** looseText: a string, or a number as its text; null when absent. */
export function readText(v: unknown, field: string): string | null {
  if (typeof v === 'string') return blankText(v) ? null : v;
  if (typeof v === 'number') return String(v);
  if (v === null || v === undefined) return null;
  throw new FieldError(field, `expected text, got ${show(v)}`);
}

const TRUE_TEXT = /^(1|true|yes)$/i;

/** looseFlag: 0/1, "0"/"1", "true"/"yes" or a boolean; false when absent. */
export function readFlag(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') {
    if (v === '1') return true;
    if (v === '0' || blankText(v)) return false;
    return TRUE_TEXT.test(v.trim());
  }
  if (v === null || v === undefined) return false;
  throw new FieldError(field, `expected a flag, got ${show(v)}`);
}

/** looseMoney: a decimal amount (string or number) as integer cents; null when absent. */
export function readMoney(v: unknown, field: string): Cents | null {
  if (v === null || v === undefined || (typeof v === 'string' && blankText(v))) return null;
  const text = typeof v === 'number' ? v.toFixed(2) : String(v);
  const cents = parseAmount(text);
  if (cents === null) throw new FieldError(field, `not an amount: ${text}`);
  return cents;
}

/** looseWall / looseDate: a date-time (or a date) in any form the CRM writes, normalised; null when absent. */
export function readWall(v: unknown, field: string, date = false): string | null {
  if (v === null || v === undefined || (typeof v === 'string' && blankText(v))) return null;
  const w = typeof v === 'string' ? normalizeWall(v, { date }) : null;
  if (w === null) throw new FieldError(field, `not a date: ${show(v)}`);
  return w;
}

/** looseList: an array, or an object keyed by id as its values; [] when absent. */
export function readList(v: unknown, field: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (v === null || v === undefined || (typeof v === 'string' && blankText(v))) return [];
  if (typeof v === 'object') return Object.values(v);
  throw new FieldError(field, `expected a list, got ${show(v)}`);
}

/** looseFreeText: readText with card-like digit runs masked (people type card numbers into any field). */
export function readFreeText(v: unknown, field: string): string | null {
  const t = readText(v, field);
  return t === null ? null : maskDigitsInText(t);
}

// `.optional()` fields: an absent key stays absent (undefined), as zod leaves it.
const optInt = (v: unknown, f: string) => (v === undefined ? undefined : readInt(v, f));
const optText = (v: unknown, f: string) => (v === undefined ? undefined : readText(v, f));
const optFree = (v: unknown, f: string) => (v === undefined ? undefined : readFreeText(v, f));
const optFlag = (v: unknown, f: string) => (v === undefined ? undefined : readFlag(v, f));
const optMoney = (v: unknown, f: string) => (v === undefined ? undefined : readMoney(v, f));
const optList = (v: unknown, f: string) => (v === undefined ? undefined : readList(v, f));
const optWall = (v: unknown, f: string) => (v === undefined ? undefined : readWall(v, f));
const optDate = (v: unknown, f: string) => (v === undefined ? undefined : readWall(v, f, true));

type Obj = Record<string, unknown>;
function asObject(v: unknown): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new FieldError('record', `expected an object, got ${show(v)}`);
  return v as Obj;
}

export function readCoupon(v: unknown): CouponRecord {
  const r = asObject(v);
  return {
    couponCode: readFreeText(r.couponCode, 'couponCode'),
    couponId: optInt(r.couponId, 'couponId'),
    couponName: optFree(r.couponName, 'couponName'),
    name: optFree(r.name, 'name'),
    campaignId: optInt(r.campaignId, 'campaignId'),
  };
}

export function readCampaign(v: unknown): CampaignRecord {
  const r = asObject(v);
  return { campaignId: readInt(r.campaignId, 'campaignId'), campaignName: optFree(r.campaignName, 'campaignName'), campaignType: optFree(r.campaignType, 'campaignType') };
}

export function readProduct(v: unknown): ProductRecord {
  const r = asObject(v);
  return {
    productId: readInt(r.productId, 'productId'),
    productName: optFree(r.productName, 'productName'),
    name: optFree(r.name, 'name'),
    sku: optFree(r.sku, 'sku'),
    productSku: optFree(r.productSku, 'productSku'),
    price: optMoney(r.price, 'price'),
  };
}

export function readCustomer(v: unknown): CustomerRecord {
  const r = asObject(v);
  return {
    customerId: readInt(r.customerId, 'customerId'),
    emailAddress: optFree(r.emailAddress, 'emailAddress'),
    firstName: optFree(r.firstName, 'firstName'),
    lastName: optFree(r.lastName, 'lastName'),
    country: optFree(r.country, 'country'),
    state: optFree(r.state, 'state'),
    dateCreated: readWall(r.dateCreated, 'dateCreated'),
    dateUpdated: optWall(r.dateUpdated, 'dateUpdated'),
  };
}

export function readOrder(v: unknown): OrderRecord {
  const r = asObject(v);
  return {
    orderId: readText(r.orderId, 'orderId'),
    customerId: optInt(r.customerId, 'customerId'),
    orderStatus: optText(r.orderStatus, 'orderStatus'),
    orderType: optText(r.orderType, 'orderType'),
    totalAmount: optMoney(r.totalAmount, 'totalAmount'),
    campaignId: optInt(r.campaignId, 'campaignId'),
    affId: optFree(r.affId, 'affId'),
    sourceValue1: optFree(r.sourceValue1, 'sourceValue1'),
    items: optList(r.items, 'items'),
    couponCode: optFree(r.couponCode, 'couponCode'),
    UTMSource: optFree(r.UTMSource, 'UTMSource'),
    currencyCode: optText(r.currencyCode, 'currencyCode'),
    currencySymbol: optText(r.currencySymbol, 'currencySymbol'),
    dateCreated: readWall(r.dateCreated, 'dateCreated'),
    dateUpdated: optWall(r.dateUpdated, 'dateUpdated'),
  };
}

export function readTransaction(v: unknown): TransactionRecord {
  const r = asObject(v);
  return {
    transactionId: readInt(r.transactionId, 'transactionId'),
    orderId: optText(r.orderId, 'orderId'),
    customerId: optInt(r.customerId, 'customerId'),
    purchaseId: optText(r.purchaseId, 'purchaseId'),
    parentTxnId: optInt(r.parentTxnId, 'parentTxnId'),
    txnType: readText(r.txnType, 'txnType'),
    responseType: readText(r.responseType, 'responseType'),
    totalAmount: optMoney(r.totalAmount, 'totalAmount'),
    billingCycleNumber: optInt(r.billingCycleNumber, 'billingCycleNumber'),
    merchantId: optInt(r.merchantId, 'merchantId'),
    campaignId: optInt(r.campaignId, 'campaignId'),
    productId: optInt(r.productId, 'productId'),
    affId: optFree(r.affId, 'affId'),
    sourceValue1: optFree(r.sourceValue1, 'sourceValue1'),
    isChargedback: optFlag(r.isChargedback, 'isChargedback'),
    chargebackAmount: optMoney(r.chargebackAmount, 'chargebackAmount'),
    chargebackDate: optDate(r.chargebackDate, 'chargebackDate'),
    cardBin: optText(r.cardBin, 'cardBin'),
    cardLast4: optText(r.cardLast4, 'cardLast4'),
    cardType: optText(r.cardType, 'cardType'),
    items: optList(r.items, 'items'),
    currencyCode: optText(r.currencyCode, 'currencyCode'),
    currencySymbol: optText(r.currencySymbol, 'currencySymbol'),
    merchant: optFree(r.merchant, 'merchant'),
    merchantDescriptor: optFree(r.merchantDescriptor, 'merchantDescriptor'),
    orderType: optText(r.orderType, 'orderType'),
    recycleNumber: optInt(r.recycleNumber, 'recycleNumber'),
    responseText: optFree(r.responseText, 'responseText'),
    chargebackReasonCode: optFree(r.chargebackReasonCode, 'chargebackReasonCode'),
    dateCreated: readWall(r.dateCreated, 'dateCreated'),
    dateUpdated: optWall(r.dateUpdated, 'dateUpdated'),
  };
}

export function readPurchase(v: unknown): PurchaseRecord {
  const r = asObject(v);
  return {
    purchaseId: readText(r.purchaseId, 'purchaseId'),
    customerId: optInt(r.customerId, 'customerId'),
    orderId: optText(r.orderId, 'orderId'),
    productId: optInt(r.productId, 'productId'),
    actualProductId: optInt(r.actualProductId, 'actualProductId'),
    campaignId: optInt(r.campaignId, 'campaignId'),
    status: optText(r.status, 'status'),
    billingCycleNumber: optInt(r.billingCycleNumber, 'billingCycleNumber'),
    billingIntervalDays: optInt(r.billingIntervalDays, 'billingIntervalDays'),
    nextBillDate: optDate(r.nextBillDate, 'nextBillDate'),
    price: optMoney(r.price, 'price'),
    merchantId: optInt(r.merchantId, 'merchantId'),
    campaignProductId: optInt(r.campaignProductId, 'campaignProductId'),
    currencyCode: optText(r.currencyCode, 'currencyCode'),
    currencySymbol: optText(r.currencySymbol, 'currencySymbol'),
    transactions: optList(r.transactions, 'transactions'),
    dateCreated: readWall(r.dateCreated, 'dateCreated'),
    dateUpdated: optWall(r.dateUpdated, 'dateUpdated'),
  };
}

/** The first line item with a product: its product and campaign product ids (null when none has one). */
export function firstItem(items: unknown[] | undefined): { productId: number; campaignProductId: number | null } | null {
  for (const it of items ?? []) {
    // As the zod item schema: an item that is not an object, or has an unreadable field, is skipped.
    if (typeof it !== 'object' || it === null || Array.isArray(it)) continue;
    const o = it as Obj;
    try {
      const id = optInt(o.productId, 'productId');
      const cp = optInt(o.campaignProductId, 'campaignProductId');
      optText(o.purchaseId, 'purchaseId');
      optMoney(o.price, 'price');
      if (typeof id === 'number') return { productId: id, campaignProductId: cp ?? null };
    } catch {
      continue;
    }
  }
  return null;
}

/**
 * An order's readable line items, in order: product, campaign product, subscription, and the amount a
 * transaction billing the item alone charges (price x quantity + shipping + sales tax, in cents).
 */
export function orderItems(items: unknown[] | undefined): { productId: number; campaignProductId: number | null; purchaseId: string | null; amountCents: number | null }[] {
  const out: { productId: number; campaignProductId: number | null; purchaseId: string | null; amountCents: number | null }[] = [];
  for (const it of items ?? []) {
    if (typeof it !== 'object' || it === null || Array.isArray(it)) continue;
    const o = it as Obj;
    try {
      const id = optInt(o.productId, 'productId');
      if (typeof id !== 'number') continue;
      const price = optMoney(o.price, 'price');
      const qty = optInt(o.qty, 'qty') ?? 1;
      const amount = price === undefined || price === null ? null : price * qty + (optMoney(o.shipping, 'shipping') ?? 0) + (optMoney(o.salesTax, 'salesTax') ?? 0);
      out.push({ productId: id, campaignProductId: optInt(o.campaignProductId, 'campaignProductId') ?? null, purchaseId: optText(o.purchaseId, 'purchaseId') ?? null, amountCents: amount });
    } catch {
      continue;
    }
  }
  return out;
}

/** The first line item's product id, for records that only carry products in `items`. */
export function firstItemProductId(items: unknown[] | undefined): number | null {
  return firstItem(items)?.productId ?? null;
}

/** The transaction ids a purchase lists (`transactions`: ids, or objects with a transactionId); unreadable entries skipped. */
export function transactionIdsOf(list: unknown[] | undefined): number[] {
  const out: number[] = [];
  for (const t of list ?? []) {
    const v = typeof t === 'object' && t !== null && !Array.isArray(t) ? (t as Obj).transactionId : t;
    try {
      const id = readInt(v, 'transactionId');
      if (id !== null) out.push(id);
    } catch {
      continue;
    }
  }
  return out;
}

/** Keys that must never be stored (docs/crm-api.md), at any depth. */
export const SENSITIVE_KEYS = new Set(['password', 'eCommercePassword', 'achAccountNumber', 'achRoutingNumber', 'cardNumber', 'cvv', 'loginId']);

/** Whether a sensitive key occurs at any depth. */
function hasSensitiveKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) {
    for (const v of value) if (typeof v === 'object' && v !== null && hasSensitiveKey(v)) return true;
    return false;
  }
  for (const k in value) {
    if (SENSITIVE_KEYS.has(k)) return true;
    const v = (value as Record<string, unknown>)[k];
    if (typeof v === 'object' && v !== null && hasSensitiveKey(v)) return true;
  }
  return false;
}

const dropSensitive = (key: string, v: unknown) => (SENSITIVE_KEYS.has(key) ? undefined : v);

/**
 * JSON text of a record without sensitive keys at any depth, every string, key and number passed through
 * the masking function (core/mask.ts): people type card and bank numbers into notes and custom fields.
 * JSON.stringify leaves digits, spaces, dashes and dots of strings as they are, so a text without any
 * digit run (the usual case) holds no value to mask and is returned as serialised: V8's fast path
 * without a replacer, measured 5x faster.
 */
export function sanitizedJson(value: unknown): string {
  const json = hasSensitiveKey(value) ? JSON.stringify(value, dropSensitive) : JSON.stringify(value);
  return holdsDigitRun(json) ? JSON.stringify(maskDeep(JSON.parse(json))) : json;
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
