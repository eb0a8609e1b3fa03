/**
 * Rows rendered as the API's records (docs/sandbox.md "Record shapes"): account-local
 * "YYYY-MM-DD HH:MM:SS" strings, money as two-decimal strings, integer customerId/transactionId,
 * 10-character orderId/purchaseId, flags as 0/1, absent values as null. The ground-truth export writes
 * these same objects, so the API and the oracle can never disagree on a format.
 *
 * Two shapes (docs/sandbox.md "Profiles"): `real` follows the real rows (no product or purchase ids on
 * a transaction, NEW_SALE on rebills, the currency by symbol only, odd values); `rich` is the shape the
 * sandbox first served, and the truth view: every id, the ISO currency code, no odd values.
 */
import { formatCents } from '../core/money.js';
import { daysInMonth, instantToCrmWall } from '../core/time.js';
import { authCodeOf, merchantTxnIdOf, orderPaid } from './generator.js';
import type { BaseProduct, Campaign, CampaignProduct, Coupon, Currency, Customer, Merchant, Order, OrderLine, Purchase, Txn } from './model.js';
import { applyOddity } from './oddities.js';
import { hash32, mix32 } from './prng.js';

export type ApiRecord = Record<string, unknown>;
/**
 * What to render: a record as served (the merchant's profile, odd values and all), the same bound for
 * the wire (currency symbols as ASCII placeholders, wire.ts), or its truth (rich and clean). A field
 * absent from a shape is `undefined` in the object (see txnShape).
 */
export type View = 'served' | 'wire' | 'truth';

/** True when the view renders the rich shape. */
const isRich = (m: Merchant, view: View): boolean => view === 'truth' || m.config.profile === 'rich';

/** A currency's symbol in a view. */
export const symbolOf = (c: Currency, view: View): string => (view === 'wire' ? c.wire : c.symbol);


const money = (c: number | null): string | null => (c === null ? null : formatCents(c));

function cardExpiry(c: Customer): string | null {
  if (!c.cardExpYear) return null;
  const mm = String(c.cardExpMonth).padStart(2, '0');
  return `${c.cardExpYear}-${mm}-${String(daysInMonth(c.cardExpYear, c.cardExpMonth)).padStart(2, '0')} 00:00:00`;
}

function shipOf(c: Customer) {
  return (
    c.ship ?? {
      firstName: c.firstName,
      lastName: c.lastName,
      address1: c.address1,
      address2: c.address2,
      city: c.city,
      state: c.state,
      postalCode: c.postalCode,
      country: c.country,
    }
  );
}

function customFieldsOf(c: Customer): unknown {
  if (!c.custom) return [];
  const out: Record<string, string> = {};
  c.custom.forEach((v, i) => {
    if (v !== null) out[`custom${i + 1}`] = v;
  });
  return out;
}

/** A customer/query record; the real record (MFV) has no campaignId and no affId. */
export function customerRecord(m: Merchant, c: Customer, view: View = 'served'): ApiRecord {
  const z = m.config.timezone;
  const rich = isRich(m, view);
  const s = shipOf(c);
  return {
    customerId: c.customerId,
    firstName: c.firstName,
    lastName: c.lastName,
    companyName: null,
    address1: c.address1,
    address2: c.address2,
    city: c.city,
    state: c.state,
    country: c.country,
    postalCode: c.postalCode,
    phoneNumber: c.phone,
    emailAddress: c.email,
    billShipSame: c.ship ? 0 : 1,
    shipFirstName: s.firstName,
    shipLastName: s.lastName,
    shipCompanyName: null,
    shipAddress1: s.address1,
    shipAddress2: s.address2,
    shipCity: s.city,
    shipState: s.state,
    shipPostalCode: s.postalCode,
    shipCountry: s.country,
    paySourceId: c.paySourceId,
    paySource: c.paySource,
    cardType: c.cardType,
    cardLast4: c.cardLast4,
    cardExpiryDate: cardExpiry(c),
    sourceValue1: c.sourceValue1,
    sourceValue2: c.sourceValue2,
    sourceValue3: null,
    sourceValue4: null,
    sourceValue5: null,
    dateCreated: instantToCrmWall(c.t, z),
    dateUpdated: instantToCrmWall(c.u, z),
    mostRecentActivity: instantToCrmWall(c.act, z),
    eCommerceLogin: c.eCommerceLogin,
    eCommercePassword: c.eCommercePassword,
    campaignId: rich ? c.campaign.campaignId : undefined,
    campaignName: c.campaign.name,
    campaignType: c.campaign.type,
    clientSourceId: null,
    sourceTitle: c.affiliate?.title ?? null,
    sourceType: c.affiliate ? (c.affiliate.affId.startsWith('CC') ? 'CALLCENTER' : 'AFFILIATE') : null,
    sourceId: c.affiliate?.sourceId ?? null,
    affId: rich ? (c.affiliate?.affId ?? null) : undefined,
    dob: null,
    custom1: c.custom?.[0] ?? null,
    custom2: c.custom?.[1] ?? null,
    custom3: c.custom?.[2] ?? null,
    custom4: c.custom?.[3] ?? null,
    custom5: c.custom?.[4] ?? null,
    gender: null,
    creditAmount: '0.00',
    doNotSellName: 0,
    contactOptIn: 0,
    emailOptIn: 1,
    isBlacklisted: 0,
    isTaxExempt: 0,
    ipAddress: c.ip,
    paySources: [
      {
        paySourceId: c.paySourceId,
        IsPrimary: '1',
        paySourceType: c.paySource,
        cardType: c.cardType ?? '',
        cardLast4: c.cardLast4 ?? '',
        cardYear: c.cardExpYear ? String(c.cardExpYear) : '',
        cardMonth: c.cardExpMonth ? String(c.cardExpMonth) : '',
        cardExpiryDate: cardExpiry(c)?.slice(0, 10) ?? '',
        achRoutingNumber: '',
        achAccountType: c.achAccountType ?? '',
        achBankName: '',
        achLast4: c.achLast4 ?? '',
      },
    ],
    notes: [...c.notes]
      .sort((a, b) => b.t - a.t)
      .map((n) => ({ dateCreated: instantToCrmWall(n.t, z), agentName: n.agent, message: n.text })),
    customFields: customFieldsOf(c),
  };
}

function attribution(c: Customer) {
  return {
    sourceId: c.affiliate?.sourceId ?? null,
    sourceTitle: c.affiliate?.title ?? null,
    affId: c.affiliate?.affId ?? null,
    sourceValue1: c.sourceValue1,
    sourceValue2: c.sourceValue2,
    sourceValue3: null,
    sourceValue4: null,
    sourceValue5: null,
    UTMSource: c.affiliate ? 'affiliate' : null,
    UTMMedium: null,
    UTMCampaign: null,
    UTMContent: null,
    UTMTerm: null,
  };
}

/** A line as an `items` entry (strings everywhere, as in the reference's sample). */
function lineItem(l: OrderLine): ApiRecord {
  return {
    productId: String(l.cp.productId),
    campaignProductId: String(l.cp.campaignProductId),
    name: l.cp.name,
    qty: String(l.qty),
    price: formatCents(l.price),
    shipping: formatCents(l.shipping),
    salesTax: formatCents(l.tax),
    purchaseId: l.purchase ? l.purchase.purchaseId : null,
  };
}

/** An order/query record; customFields only when the caller sent includeCustomFields=1. */
export function orderRecord(m: Merchant, o: Order, includeCustomFields: boolean, view: View = 'served'): ApiRecord {
  const z = m.config.timezone;
  const rich = isRich(m, view);
  const c = o.customer;
  const s = shipOf(c);
  let price = 0;
  let shipping = 0;
  let tax = 0;
  let discount = 0;
  const items: Record<string, unknown> = {};
  for (const l of o.lines) {
    price += l.price * l.qty;
    shipping += l.shipping;
    tax += l.tax;
    discount += l.discount;
    const p = l.purchase;
    // The subscription's live state shows on the order that started it; rebill orders only link to it,
    // so a status change never silently alters an order whose dateUpdated did not move.
    const live = p !== null && p.order === o;
    const item = lineItem(l);
    item.purchaseStatus = live ? p.status : null;
    item.detailedStatus = '';
    item.nextBillDate = live ? p.nextBillDate : null;
    item.billingCycleNumber = p ? String(o.type === 'NEW_SALE' ? 1 : cycleOfOrder(o)) : null;
    item.orderItemId = String(l.orderItemId);
    items[String(l.cp.campaignProductId)] = item;
  }
  const total = price - discount + shipping + tax;
  const paid = orderPaid(o);
  const rec: ApiRecord = {
    orderId: o.orderId,
    clientOrderId: o.orderId,
    actualOrderId: o.actualOrderId,
    dateCreated: instantToCrmWall(o.t, z),
    dateUpdated: instantToCrmWall(o.u, z),
    // Real rebills say NEW_SALE (all 389 rebills of the real export): a rebill is known by its cycle.
    orderType: rich ? o.type : 'NEW_SALE',
    orderStatus: o.status,
    reviewStatus: null,
    totalAmount: formatCents(total),
    price: formatCents(price),
    baseShipping: formatCents(shipping),
    salesTax: formatCents(tax),
    discountPrice: formatCents(discount),
    totalDiscount: formatCents(discount),
    shipUpcharge: '0.00',
    surcharge: '0.00',
    amountPaid: formatCents(paid),
    refundRemaining: formatCents(Math.max(0, paid - o.refunded)),
    currencyCode: rich ? o.campaign.currency.code : undefined,
    currencySymbol: symbolOf(o.campaign.currency, view),
    campaignId: o.campaign.campaignId,
    campaignName: o.campaign.name,
    customerId: c.customerId,
    name: `${c.firstName} ${c.lastName}`,
    firstName: c.firstName,
    lastName: c.lastName,
    companyName: null,
    emailAddress: c.email,
    phoneNumber: c.phone,
    address1: c.address1,
    address2: c.address2,
    city: c.city,
    state: c.state,
    country: c.country,
    postalCode: c.postalCode,
    shipFirstName: s.firstName,
    shipLastName: s.lastName,
    shipCompanyName: null,
    shipAddress1: s.address1,
    shipAddress2: s.address2,
    shipCity: s.city,
    shipState: s.state,
    shipCountry: s.country,
    shipPostalCode: s.postalCode,
    shipCarrier: null,
    shipMethod: null,
    shipProfileId: null,
    paySource: c.paySource,
    cardType: c.cardType,
    cardLast4: c.cardLast4,
    cardExpiryDate: cardExpiry(c),
    cardIsDebit: 0,
    cardIsPrepaid: c.paySource === 'PREPAID' ? 1 : 0,
    achRoutingNumber: null,
    achAccountNumber: null,
    couponCode: o.coupon?.couponCode ?? null,
    agentUserId: null,
    agentName: null,
    voiceLogNumber: null,
    isDeclineSave: o.isDeclineSave,
    hasUpsell: o.lines.some((l) => l.cp.isUpsell),
    ipAddress: c.ip,
    merchantId: o.mid.merchantId,
    ...attribution(c),
    custom1: null,
    custom2: null,
    custom3: null,
    custom4: null,
    custom5: null,
    items: o.lines.length > 0 ? items : [],
    fulfillments: [],
  };
  if (includeCustomFields) rec.customFields = customFieldsOf(c);
  return rec;
}

function cycleOfOrder(o: Order): number {
  const last = o.txns[o.txns.length - 1];
  return last ? last.cycle : 1;
}

/**
 * A transactions/query record. One literal for both shapes, a field absent from a shape being
 * `undefined` (JSON.stringify and the export's columns leave it out): building the record from spread
 * parts measured 20 times slower, and the served rows per second are the sandbox's main cost.
 * The real shape is the real export's 54 columns (docs/crm-api.md): no productId, campaignProductId,
 * productName or purchaseId (product and subscription come through the order and the purchase),
 * NEW_SALE on rebills, recycleNumber null on a first sale (0 on a rebill's first attempt, as there),
 * the symbol without the code, and the export's extra columns.
 */
function txnShape(m: Merchant, x: Txn, rich: boolean, withItems: boolean, view: View): ApiRecord {
  const z = m.config.timezone;
  const o = x.order;
  const c = o.customer;
  const line = x.line;
  const cur = o.campaign.currency;
  const real = !rich;
  return {
    transactionId: x.transactionId,
    dateCreated: instantToCrmWall(x.t, z),
    dateUpdated: instantToCrmWall(x.u, z),
    txnType: x.type,
    responseType: x.response,
    responseText: x.responseText,
    totalAmount: formatCents(x.amount),
    salesTax: formatCents(x.salesTax),
    shipping: formatCents(x.shipping),
    surcharge: '0.00',
    currencyCode: rich ? cur.code : undefined,
    currencySymbol: symbolOf(cur, view),
    orderId: o.orderId,
    clientOrderId: o.orderId,
    actualOrderId: o.actualOrderId,
    orderType: rich ? o.type : 'NEW_SALE',
    customerId: c.customerId,
    purchaseId: rich ? (x.purchase ? x.purchase.purchaseId : null) : undefined,
    billingCycleNumber: x.cycle,
    recycleNumber: real && x.cycle === 1 ? null : x.recycle,
    parentTxnId: x.parent ? x.parent.transactionId : null,
    merchant: x.mid.name,
    merchantId: x.mid.merchantId,
    merchantDescriptor: x.mid.descriptor,
    midNumber: x.mid.midNumber,
    merchantTxnId: merchantTxnIdOf(m, x),
    clientTxnId: real ? clientTxnIdOf(m, x) : undefined,
    authCode: authCodeOf(m, x),
    avsResponse: x.type === 'SALE' || x.type === 'AUTHORIZE' ? 'Y' : null,
    cvvResponse: x.type === 'SALE' || x.type === 'AUTHORIZE' ? 'M' : null,
    paySource: c.paySource,
    paySourceId: c.paySourceId,
    cardType: c.cardType,
    cardBin: c.cardBin,
    cardLast4: c.cardLast4,
    cardIsDebit: 0,
    cardIsPrepaid: c.paySource === 'PREPAID' ? 1 : 0,
    achBankName: real ? null : undefined,
    achAccountNumber: c.achLast4,
    achRoutingNumber: c.achRoutingNumber,
    isChargedback: x.isChargedback,
    chargebackAmount: money(x.chargebackAmount),
    chargebackDate: x.chargebackDate,
    chargebackReasonCode: x.chargebackReasonCode,
    chargebackNote: x.chargebackNote,
    refundReason: x.refundReason,
    refundProductName: x.type === 'REFUND' && line ? line.cp.name : null,
    campaignId: o.campaign.campaignId,
    campaignName: o.campaign.name,
    campaignCategoryName: real ? null : undefined,
    orderAgentName: real ? null : undefined,
    productId: rich ? (line ? line.cp.productId : null) : undefined,
    campaignProductId: rich ? (line ? line.cp.campaignProductId : null) : undefined,
    productName: rich ? (line ? line.cp.name : null) : undefined,
    firstName: c.firstName,
    lastName: c.lastName,
    emailAddress: c.email,
    phoneNumber: c.phone,
    address1: c.address1,
    address2: c.address2,
    city: c.city,
    state: c.state,
    postalCode: c.postalCode,
    country: c.country,
    ipAddress: c.ip,
    custom1: real ? null : undefined,
    custom2: real ? null : undefined,
    custom3: real ? null : undefined,
    custom4: real ? null : undefined,
    custom5: real ? null : undefined,
    items: withItems ? txnItems(x) : undefined,
    ...attribution(c),
  };
}

/**
 * A transaction's `items` (the real profile's option `txnItems`): its order line, as on the order.
 * Whether live rows carry items is unknown (docs/sandbox.md, "Profiles"), so a client is tested with and without.
 */
function txnItems(x: Txn): ApiRecord | [] {
  return x.line ? { [String(x.line.cp.campaignProductId)]: lineItem(x.line) } : [];
}

const clientKeys = new WeakMap<Merchant, number>();

/** The client-side id the real rows carry: 12 uppercase hex characters, derived from the transaction. */
function clientTxnIdOf(m: Merchant, x: Txn): string {
  let key = clientKeys.get(m);
  if (key === undefined) {
    key = hash32(`client:${m.config.seed}`);
    clientKeys.set(m, key);
  }
  const a = mix32(x.transactionId, key);
  const b = mix32(a, x.transactionId);
  // The top bits set keep toString(16) at 8 and 4 digits without padding (this runs for every row served).
  return (((a | 0x10000000) >>> 0).toString(16) + ((b >>> 16) | 0x1000).toString(16)).toUpperCase();
}

/** A transactions/query record: the merchant's shape with its odd values when served, rich and clean as truth. */
export function txnRecord(m: Merchant, x: Txn, view: View = 'served'): ApiRecord {
  if (view === 'truth') return txnShape(m, x, true, false, view);
  const rec = txnShape(m, x, m.config.profile === 'rich', m.config.txnItems, view);
  applyOddity(m, x, rec);
  return rec;
}

/** A purchase/query record (a subscription): its product, and its transactions nested. */
export function purchaseRecord(m: Merchant, p: Purchase, view: View = 'served'): ApiRecord {
  const z = m.config.timezone;
  const c = p.customer;
  const s = shipOf(c);
  return {
    purchaseId: p.purchaseId,
    actualPurchaseId: p.actualPurchaseId,
    dateCreated: instantToCrmWall(p.t, z),
    dateUpdated: instantToCrmWall(p.u, z),
    orderId: p.order.orderId,
    customerId: c.customerId,
    campaignId: p.order.campaign.campaignId,
    productId: p.cp.campaignProductId,
    actualProductId: p.cp.productId,
    productName: p.cp.name,
    displayName: p.cp.name,
    productSku: null,
    productQty: 1,
    status: p.status,
    price: formatCents(p.price),
    shippingPrice: formatCents(p.shipping),
    billingIntervalDays: p.intervalDays,
    billingCycleNumber: p.cycle,
    billingCycleType: 'RECURRING',
    finalBillingCycle: 0,
    trialEnabled: p.cp.kind === 'TRIAL' ? 1 : 0,
    nextBillDate: p.nextBillDate,
    recycleBillingNumber: p.recycle,
    cancelReason: p.cancelReason,
    lastCancellationDate: p.cancelDate,
    cancellationScheduled: 0,
    pauseScheduled: 0,
    fulfillmentCycleNumber: p.cycle,
    merchant: p.mid.name,
    merchantId: String(p.mid.merchantId),
    descriptor: p.mid.descriptor,
    totalBilled: formatCents(p.billed),
    totalRefunded: formatCents(p.refunded),
    currencyCode: isRich(m, view) ? p.order.campaign.currency.code : undefined,
    currencySymbol: symbolOf(p.order.campaign.currency, view),
    affId: c.affiliate?.affId ?? null,
    firstName: c.firstName,
    lastName: c.lastName,
    emailAddress: c.email,
    phoneNumber: c.phone,
    address1: c.address1,
    city: c.city,
    state: c.state,
    postalCode: c.postalCode,
    country: c.country,
    shipFirstName: s.firstName,
    shipLastName: s.lastName,
    shipAddress1: s.address1,
    shipAddress2: s.address2,
    shipCity: s.city,
    shipState: s.state,
    shipPostalCode: s.postalCode,
    shipCountry: s.country,
    cardBin: c.cardBin,
    cardLast4: c.cardLast4,
    cardExpiryDate: cardExpiry(c),
    fulfillments: [],
    transactions: p.txns.map((x) => ({
      transactionId: x.transactionId,
      dateCreated: instantToCrmWall(x.t, z),
      txnType: x.type,
      responseType: x.response,
      totalAmount: formatCents(x.amount),
      billingCycleNumber: x.cycle,
    })),
  };
}

function campaignProductRecord(cp: CampaignProduct): ApiRecord {
  return {
    campaignProductId: cp.campaignProductId,
    productId: cp.productId,
    productName: `(${cp.productId}) ${cp.name}`,
    productType: cp.isUpsell ? 'UPSALE' : 'OFFER',
    billingCycleType: cp.kind === 'ONE_TIME' ? 'ONE_TIME' : 'RECURRING',
    trialEnabled: cp.kind === 'TRIAL' ? 1 : 0,
    trialDays: cp.kind === 'TRIAL' ? cp.trialDays : null,
    price: formatCents(cp.price),
    shippingPrice: formatCents(cp.shipping),
    rebillPrice: cp.kind === 'ONE_TIME' ? null : formatCents(cp.rebillPrice),
    rebillShippingPrice: cp.kind === 'ONE_TIME' ? null : formatCents(cp.rebillShipping),
    billingIntervalDays: cp.kind === 'ONE_TIME' ? null : cp.intervalDays,
    salesTaxPercent: (cp.taxBp / 100).toFixed(2),
    finalBillingCycle: 0,
  };
}

/** A campaign/query record (its products and coupons nested, the coupons as the reference saw them). */
export function campaignRecord(m: Merchant, c: Campaign, view: View = 'served'): ApiRecord {
  return {
    campaignId: c.campaignId,
    campaignName: c.name,
    campaignType: c.type,
    campaignStatus: 'ACTIVE',
    currencyCode: isRich(m, view) ? c.currency.code : undefined,
    currencySymbol: symbolOf(c.currency, view),
    dateCreated: instantToCrmWall(c.dateCreated, m.config.timezone),
    products: c.products.map((cp) => campaignProductRecord(cp)),
    coupons: c.coupons.map((k) => ({ couponId: k.couponId, couponCode: k.couponCode, campaignProductId: k.cp ? k.cp.campaignProductId : null })),
  };
}

/**
 * A coupon/query record. The reference knows no coupon endpoint (only the "Coupon" permission and
 * campaigns' coupons[] with couponCode and campaignProductId): this shape is ours (docs/sandbox.md).
 */
export function couponRecord(m: Merchant, k: Coupon, view: View = 'served'): ApiRecord {
  const created = instantToCrmWall(k.dateCreated, m.config.timezone);
  return {
    couponId: k.couponId,
    couponCode: k.couponCode,
    couponName: k.name,
    campaignId: k.campaign.campaignId,
    campaignName: k.campaign.name,
    campaignProductId: k.cp ? k.cp.campaignProductId : null,
    productName: k.cp ? k.cp.name : null,
    discountType: k.discountType,
    discountPercent: k.discountType === 'PERCENT' ? (k.value / 100).toFixed(2) : null,
    discountAmount: k.discountType === 'FLAT' ? formatCents(k.value) : null,
    currencySymbol: symbolOf(k.campaign.currency, view),
    couponStatus: 'ACTIVE',
    dateCreated: created,
    dateUpdated: created,
  };
}

/** A product/query record (a base product). */
export function productRecord(m: Merchant, p: BaseProduct): ApiRecord {
  return {
    productId: p.productId,
    productName: p.name,
    productSku: p.sku,
    productCost: formatCents(p.cost),
    productType: 'PHYSICAL',
    productStatus: 'ACTIVE',
    dateCreated: instantToCrmWall(p.dateCreated, m.config.timezone),
    campaignProductIds: m.campaigns.flatMap((c) => c.products.filter((cp) => cp.productId === p.productId).map((cp) => cp.campaignProductId)),
  };
}
