/**
 * Rows rendered as the API's records (docs/sandbox.md "Record shapes"): account-local
 * "YYYY-MM-DD HH:MM:SS" strings, money as two-decimal strings, integer customerId/transactionId,
 * 10-character orderId/purchaseId, flags as 0/1, absent values as null. The ground-truth export writes
 * these same objects, so the API and the oracle can never disagree on a format.
 */
import { formatCents } from '../core/money.js';
import { daysInMonth, instantToCrmWall } from '../core/time.js';
import { authCodeOf, merchantTxnIdOf, orderPaid } from './generator.js';
import type { BaseProduct, Campaign, CampaignProduct, Customer, Merchant, Order, Purchase, Txn } from './model.js';

export type ApiRecord = Record<string, unknown>;

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

/** A customer/query record. */
export function customerRecord(m: Merchant, c: Customer): ApiRecord {
  const z = m.config.timezone;
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
    campaignId: c.campaign.campaignId,
    campaignName: c.campaign.name,
    campaignType: c.campaign.type,
    clientSourceId: null,
    sourceTitle: c.affiliate?.title ?? null,
    sourceType: c.affiliate ? (c.affiliate.affId.startsWith('CC') ? 'CALLCENTER' : 'AFFILIATE') : null,
    sourceId: c.affiliate?.sourceId ?? null,
    affId: c.affiliate?.affId ?? null,
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

/** An order/query record; customFields only when the caller sent includeCustomFields=1. */
export function orderRecord(m: Merchant, o: Order, includeCustomFields: boolean): ApiRecord {
  const z = m.config.timezone;
  const c = o.customer;
  const s = shipOf(c);
  let price = 0;
  let shipping = 0;
  let tax = 0;
  const items: Record<string, unknown> = {};
  for (const l of o.lines) {
    price += l.price * l.qty;
    shipping += l.shipping;
    tax += l.tax;
    const p = l.purchase;
    // The subscription's live state shows on the order that started it; rebill orders only link to it,
    // so a status change never silently alters an order whose dateUpdated did not move.
    const live = p !== null && p.order === o;
    items[String(l.cp.campaignProductId)] = {
      productId: String(l.cp.productId),
      campaignProductId: String(l.cp.campaignProductId),
      name: l.cp.name,
      qty: String(l.qty),
      price: formatCents(l.price),
      shipping: formatCents(l.shipping),
      salesTax: formatCents(l.tax),
      purchaseId: p ? p.purchaseId : null,
      purchaseStatus: live ? p.status : null,
      detailedStatus: '',
      nextBillDate: live ? p.nextBillDate : null,
      billingCycleNumber: p ? String(o.type === 'NEW_SALE' ? 1 : cycleOfOrder(o)) : null,
      orderItemId: String(l.orderItemId),
    };
  }
  const total = price + shipping + tax;
  const paid = orderPaid(o);
  const rec: ApiRecord = {
    orderId: o.orderId,
    clientOrderId: o.orderId,
    actualOrderId: o.actualOrderId,
    dateCreated: instantToCrmWall(o.t, z),
    dateUpdated: instantToCrmWall(o.u, z),
    orderType: o.type,
    orderStatus: o.status,
    reviewStatus: null,
    totalAmount: formatCents(total),
    price: formatCents(price),
    baseShipping: formatCents(shipping),
    salesTax: formatCents(tax),
    discountPrice: '0.00',
    totalDiscount: '0.00',
    shipUpcharge: '0.00',
    surcharge: '0.00',
    amountPaid: formatCents(paid),
    refundRemaining: formatCents(Math.max(0, paid - o.refunded)),
    currencyCode: 'USD',
    currencySymbol: '$',
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
    couponCode: null,
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

/** A transactions/query record. */
export function txnRecord(m: Merchant, x: Txn): ApiRecord {
  const z = m.config.timezone;
  const o = x.order;
  const c = o.customer;
  const line = x.line;
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
    currencyCode: 'USD',
    currencySymbol: '$',
    orderId: o.orderId,
    clientOrderId: o.orderId,
    actualOrderId: o.actualOrderId,
    orderType: o.type,
    customerId: c.customerId,
    purchaseId: x.purchase ? x.purchase.purchaseId : null,
    billingCycleNumber: x.cycle,
    recycleNumber: x.recycle,
    parentTxnId: x.parent ? x.parent.transactionId : null,
    merchant: x.mid.name,
    merchantId: x.mid.merchantId,
    merchantDescriptor: x.mid.descriptor,
    midNumber: x.mid.midNumber,
    merchantTxnId: merchantTxnIdOf(m, x),
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
    productId: line ? line.cp.productId : null,
    campaignProductId: line ? line.cp.campaignProductId : null,
    productName: line ? line.cp.name : null,
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
    ...attribution(c),
  };
}

/** A purchase/query record (a subscription). */
export function purchaseRecord(m: Merchant, p: Purchase): ApiRecord {
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
    currencyCode: 'USD',
    currencySymbol: '$',
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

/** A campaign/query record (its products and coupons nested). */
export function campaignRecord(m: Merchant, c: Campaign): ApiRecord {
  return {
    campaignId: c.campaignId,
    campaignName: c.name,
    campaignType: c.type,
    campaignStatus: 'ACTIVE',
    currencyCode: 'USD',
    currencySymbol: '$',
    dateCreated: instantToCrmWall(c.dateCreated, m.config.timezone),
    products: c.products.map((cp) => campaignProductRecord(cp)),
    coupons: [],
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
