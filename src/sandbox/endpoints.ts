/**
 * Each query endpoint's table, id parameters, date fields and filters, as listed in the API reference
 * (docs/crm-api.md, "Query parameters"). Text filters match whole values, case-insensitively; campaignId takes a
 * comma-separated list; enum filters reject values outside their set.
 */
import type { BaseProduct, Campaign, Coupon, Customer, Merchant, Order, Purchase, Txn } from './model.js';
import type { EndpointSpec, Filter, IdParam } from './query.js';
import { campaignRecord, couponRecord, customerRecord, orderRecord, productRecord, purchaseRecord, txnRecord } from './records.js';
import { customerById, merchantTxnIdOf, txnById } from './generator.js';

const eqi = (a: string | null | undefined, b: string) => a != null && a.toLowerCase() === b.toLowerCase();
const digits = (s: string) => s.replace(/\D/g, '');
const intList = (v: string) => new Set(v.split(',').map((x) => Number(x.trim())));
const flag = (v: string) => v === '1' || v.toLowerCase() === 'true';

/** The customer filters shared by orders, transactions, customers and purchases. */
function customerFilters<R>(of: (r: R) => Customer): Record<string, Filter<R>> {
  const text = (get: (c: Customer) => string | null): Filter<R> => ({ test: (r, v) => eqi(get(of(r)), v) });
  return {
    firstName: text((c) => c.firstName),
    lastName: text((c) => c.lastName),
    companyName: text(() => null),
    address1: text((c) => c.address1),
    address2: text((c) => c.address2),
    postalCode: text((c) => c.postalCode),
    city: text((c) => c.city),
    state: text((c) => c.state),
    country: text((c) => c.country),
    emailAddress: text((c) => c.email),
    phoneNumber: { test: (r, v) => digits(of(r).phone) === digits(v) },
    ipAddress: text((c) => c.ip),
  };
}

const byCustomerId = <R>(rowsOf: (c: Customer) => R[]): IdParam<R> => ({
  lookup: (m, v) => {
    const c = customerById(m, Number(v));
    return c && /^\d+$/.test(v) ? rowsOf(c) : [];
  },
});

// Per-customer row lists are derived on demand: a customer has a handful of orders, so scanning them
// from the customer's orders is cheap, and nothing extra is stored per customer.
const ordersIndex = new WeakMap<Merchant, { n: number; map: Map<Customer, Order[]> }>();
function ordersOf(m: Merchant, c: Customer): Order[] {
  let idx = ordersIndex.get(m);
  if (!idx || idx.n !== m.orders.length) {
    const map = new Map<Customer, Order[]>();
    for (const o of m.orders) {
      const list = map.get(o.customer);
      if (list) list.push(o);
      else map.set(o.customer, [o]);
    }
    idx = { n: m.orders.length, map };
    ordersIndex.set(m, idx);
  }
  return idx.map.get(c) ?? [];
}

const txnsByMerchantTxnId = new WeakMap<Merchant, { n: number; map: Map<string, Txn[]> }>();
function txnsWithMerchantTxnId(m: Merchant, id: string): Txn[] {
  let idx = txnsByMerchantTxnId.get(m);
  if (!idx || idx.n !== m.txns.length) {
    const map = new Map<string, Txn[]>();
    for (const x of m.txns) {
      const k = merchantTxnIdOf(m, x);
      const list = map.get(k);
      if (list) list.push(x);
      else map.set(k, [x]);
    }
    idx = { n: m.txns.length, map };
    txnsByMerchantTxnId.set(m, idx);
  }
  return idx.map.get(id) ?? [];
}

/** order/query */
export const ORDERS: EndpointSpec<Order> = {
  path: 'order/query',
  entity: 'orders',
  table: (m) => m.orders,
  id: (o) => o.actualOrderId,
  dates: { dateCreated: (o) => o.t, dateUpdated: (o) => o.u },
  ids: {
    orderId: { lookup: (m, v) => { const o = m.orderById.get(v.toUpperCase()); return o ? [o] : []; } },
    customerId: { lookup: (m, v) => { const c = customerById(m, Number(v)); return c ? ordersOf(m, c) : []; } },
  },
  filters: {
    orderStatus: { values: ['COMPLETE', 'PARTIAL', 'DECLINED', 'REFUNDED', 'CANCELLED', 'PENDING', 'COD_PENDING'], test: (o, v) => o.status === v.toUpperCase() },
    // Filters what the records say: under the real profile every order says NEW_SALE.
    orderType: { values: ['NEW_SALE', 'RECURRING'], test: (o, v, m) => (m.config.profile === 'rich' ? o.type : 'NEW_SALE') === v.toUpperCase() },
    campaignId: { test: (o, v) => intList(v).has(o.campaign.campaignId) },
    isDeclineSave: { test: (o, v) => o.isDeclineSave === (flag(v) ? 1 : 0) },
    affId: { test: (o, v) => eqi(o.customer.affiliate?.affId, v) },
    merchantId: { test: (o, v) => o.mid.merchantId === Number(v) },
    sourceValue1: { test: (o, v) => eqi(o.customer.sourceValue1, v) },
    UTMCampaign: { test: () => false },
    UTMMedium: { test: () => false },
    UTMContent: { test: () => false },
    ...customerFilters((o: Order) => o.customer),
  },
  datesRequired: true,
  render: (m, o, p, view) => orderRecord(m, o, p.includeCustomFields === '1' || p.includeCustomFields === 'true', view),
};

/** transactions/query */
export const TRANSACTIONS: EndpointSpec<Txn> = {
  path: 'transactions/query',
  entity: 'transactions',
  table: (m) => m.txns,
  id: (x) => x.transactionId,
  dates: { dateCreated: (x) => x.t, dateUpdated: (x) => x.u },
  ids: {
    orderId: { lookup: (m, v) => m.orderById.get(v.toUpperCase())?.txns ?? [] },
    purchaseId: { lookup: (m, v) => m.purchaseById.get(v.toUpperCase())?.txns ?? [] },
    customerId: byCustomerId<Txn>(() => []),
    transactionId: { lookup: (m, v) => { const x = txnById(m, Number(v)); return x ? [x] : []; } },
    merchantTxnId: { lookup: (m, v) => txnsWithMerchantTxnId(m, v) },
  },
  filters: {
    txnType: { values: ['SALE', 'AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND'], test: (x, v) => x.type === v.toUpperCase() },
    responseType: { values: ['SUCCESS', 'SOFT_DECLINE', 'HARD_DECLINE'], test: (x, v) => x.response === v.toUpperCase().replace(/ /g, '_') },
    paySource: { values: ['CREDITCARD', 'CHECK', 'PREPAID'], test: (x, v) => x.order.customer.paySource === v.toUpperCase() },
    merchantId: { test: (x, v) => x.mid.merchantId === Number(v) },
    cardLast4: { test: (x, v) => x.order.customer.cardLast4 === v },
    cardBin: { test: (x, v) => x.order.customer.cardBin === v },
    achAccountNumber: { test: (x, v) => x.order.customer.achLast4 === v.slice(-4) },
    achRoutingNumber: { test: (x, v) => x.order.customer.achRoutingNumber === v },
    isChargedback: { test: (x, v) => x.isChargedback === (flag(v) ? 1 : 0) },
    affId: { test: (x, v) => eqi(x.order.customer.affiliate?.affId, v) },
    campaignId: { test: (x, v) => intList(v).has(x.order.campaign.campaignId) },
    ...customerFilters((x: Txn) => x.order.customer),
  },
  datesRequired: true,
  render: (m, x, _p, view) => txnRecord(m, x, view),
};
// A customer's transactions: from their orders, in creation order.
TRANSACTIONS.ids.customerId = {
  lookup: (m, v) => {
    const c = customerById(m, Number(v));
    return c ? ordersOf(m, c).flatMap((o) => o.txns) : [];
  },
};

/** customer/query */
export const CUSTOMERS: EndpointSpec<Customer> = {
  path: 'customer/query',
  entity: 'customers',
  table: (m) => m.customers,
  id: (c) => c.customerId,
  dates: { dateCreated: (c) => c.t, dateUpdated: (c) => c.u, mostRecentActivity: (c) => c.act },
  ids: {
    customerId: { lookup: (m, v) => { const c = customerById(m, Number(v)); return c ? [c] : []; } },
  },
  filters: {
    campaignId: { test: (c, v) => intList(v).has(c.campaign.campaignId) },
    affId: { test: (c, v) => eqi(c.affiliate?.affId, v) },
    ...customerFilters((c: Customer) => c),
  },
  datesRequired: true,
  render: (m, c, _p, view) => customerRecord(m, c, view),
};

const PURCHASE_STATUSES = ['TRIAL', 'ACTIVE', 'PAUSED', 'COMPLETE', 'CANCELLED', 'RECYCLE_BILLING', 'RECYCLE_FAILED'];

/** purchase/query */
export const PURCHASES: EndpointSpec<Purchase> = {
  path: 'purchase/query',
  entity: 'purchases',
  table: (m) => m.purchases,
  id: (p) => p.actualPurchaseId,
  dates: { dateCreated: (p) => p.t, dateUpdated: (p) => p.u },
  ids: {
    purchaseId: { lookup: (m, v) => { const p = m.purchaseById.get(v.toUpperCase()); return p ? [p] : []; } },
    orderId: {
      lookup: (m, v) => {
        const o = m.orderById.get(v.toUpperCase());
        if (!o) return [];
        const set = new Set<Purchase>();
        for (const l of o.lines) if (l.purchase) set.add(l.purchase);
        return [...set];
      },
    },
    customerId: {
      lookup: (m, v) => {
        const c = customerById(m, Number(v));
        return c ? ordersOf(m, c).flatMap((o) => o.lines.flatMap((l) => (l.purchase && l.purchase.order === o ? [l.purchase] : []))) : [];
      },
    },
  },
  filters: {
    // Older responses used display casing ("Recycle Billing"); the engine normalises before checking.
    status: { values: PURCHASE_STATUSES, test: (p, v) => p.status === v.toUpperCase().replace(/ /g, '_') },
    campaignId: { test: (p, v) => intList(v).has(p.order.campaign.campaignId) },
    productId: { test: (p, v) => p.cp.campaignProductId === Number(v) || p.cp.productId === Number(v) },
    merchantId: { test: (p, v) => p.mid.merchantId === Number(v) },
    affId: { test: (p, v) => eqi(p.customer.affiliate?.affId, v) },
    ...customerFilters((p: Purchase) => p.customer),
  },
  datesRequired: true,
  render: (m, p, _p, view) => purchaseRecord(m, p, view),
};

/** campaign/query: dates optional; `data` is keyed by campaignId. */
export const CAMPAIGNS: EndpointSpec<Campaign> = {
  path: 'campaign/query',
  entity: 'campaigns',
  table: (m) => m.campaigns,
  id: (c) => c.campaignId,
  dates: { dateCreated: (c) => c.dateCreated, dateUpdated: (c) => c.dateCreated },
  ids: {
    campaignId: { lookup: (m, v) => m.campaigns.filter((c) => intList(v).has(c.campaignId)) },
  },
  filters: {
    campaignName: { test: (c, v) => c.name.toLowerCase().includes(v.toLowerCase()) },
    campaignType: { values: ['PHONE', 'ECOMMERCE', 'LANDER'], test: (c, v) => c.type === v.toUpperCase() },
  },
  datesRequired: false,
  render: (m, c, _p, view) => campaignRecord(m, c, view),
  keyOf: (c) => String(c.campaignId),
};

/** product/query: base products; dates optional. */
export const PRODUCTS: EndpointSpec<BaseProduct> = {
  path: 'product/query',
  entity: 'products',
  table: (m) => m.products,
  id: (p) => p.productId,
  dates: { dateCreated: (p) => p.dateCreated, dateUpdated: (p) => p.dateCreated },
  ids: {
    productId: { lookup: (m, v) => m.products.filter((p) => p.productId === Number(v)) },
  },
  filters: {
    campaignId: {
      test: (p, v, m) => m.campaigns.some((c) => intList(v).has(c.campaignId) && c.products.some((cp) => cp.productId === p.productId)),
    },
    allProducts: { test: () => true },
  },
  datesRequired: false,
  render: (m, p) => productRecord(m, p),
};

/**
 * coupon/query: the reference finds no coupon endpoint, only the "Coupon" permission; the path, its
 * parameters and record are ours (docs/sandbox.md). Dates optional, as on campaign/query.
 */
export const COUPONS: EndpointSpec<Coupon> = {
  path: 'coupon/query',
  entity: 'coupons',
  table: (m) => m.coupons,
  id: (k) => k.couponId,
  dates: { dateCreated: (k) => k.dateCreated, dateUpdated: (k) => k.dateCreated },
  ids: {
    couponId: { lookup: (m, v) => m.coupons.filter((k) => k.couponId === Number(v)) },
    couponCode: { lookup: (m, v) => m.coupons.filter((k) => eqi(k.couponCode, v)) },
  },
  filters: {
    campaignId: { test: (k, v) => intList(v).has(k.campaign.campaignId) },
    discountType: { values: ['PERCENT', 'FLAT'], test: (k, v) => k.discountType === v.toUpperCase() },
  },
  datesRequired: false,
  render: (m, k, _p, view) => couponRecord(m, k, view),
};

/** Every query endpoint by path. */
export const QUERY_ENDPOINTS: Record<string, EndpointSpec<never>> = Object.fromEntries(
  [ORDERS, TRANSACTIONS, CUSTOMERS, PURCHASES, CAMPAIGNS, PRODUCTS, COUPONS].map((s) => [s.path, s as unknown as EndpointSpec<never>]),
);
