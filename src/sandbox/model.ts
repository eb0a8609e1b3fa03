/**
 * The merchant's in-memory state. Rows are compact, monomorphic objects: times are epoch milliseconds,
 * money is integer cents, enums are short strings shared by reference, and everything a row can derive
 * (a customer snapshot on a transaction, a merchantTxnId) is computed when the row is served instead of
 * being stored. That keeps 1,000,000 transactions well under the 2 GB budget.
 */
import type { RepeatBuyers } from './repeat.js';
import type { Cents } from '../core/money.js';

export type CampaignType = 'ECOMMERCE' | 'PHONE' | 'LANDER';
export type BillingKind = 'ONE_TIME' | 'SUBSCRIPTION' | 'TRIAL';
export type TxnType = 'SALE' | 'AUTHORIZE' | 'CAPTURE' | 'VOID' | 'REFUND';
export type ResponseType = 'SUCCESS' | 'SOFT_DECLINE' | 'HARD_DECLINE';
export type OrderStatus = 'COMPLETE' | 'PARTIAL' | 'DECLINED' | 'REFUNDED' | 'CANCELLED';
export type OrderType = 'NEW_SALE' | 'RECURRING';
export type PurchaseStatus = 'TRIAL' | 'ACTIVE' | 'CANCELLED' | 'RECYCLE_BILLING' | 'RECYCLE_FAILED' | 'COMPLETE';
export type PaySource = 'CREDITCARD' | 'CHECK' | 'PREPAID';
/** How records are shaped when served (docs/sandbox.md, "Profiles"): like the real rows, or today's rich rows. */
export type Profile = 'real' | 'rich';

/** A currency a campaign sells in: its ISO code, the symbol the CRM shows, and how prices localise. */
export interface Currency {
  code: string;
  symbol: string;
  /** The account's share of sales in this currency (relative weight; the real export's row counts). */
  weight: number;
  /** Local price of one US dollar, for localising the catalog's USD prices. */
  factor: number;
  /** Local prices are rounded to this many hundredths (100 = whole units), then `charm` is taken off. */
  step: number;
  charm: number;
  /** Hundredths an amount is rounded to (100 for currencies without cents: CLP, COP). */
  unit: number;
  /** The customers' country (ISO 3166 alpha-2) and a campaign-name suffix. */
  country: string;
  /** The symbol as records bound for the wire carry it: itself when ASCII, else a placeholder (wire.ts). */
  wire: string;
}

/** A coupon (offer code) of a campaign: a percentage or a fixed amount off an order's first line. */
export interface Coupon {
  couponId: number;
  couponCode: string;
  name: string;
  campaign: Campaign;
  /** The campaign product it is limited to, or null for any. */
  cp: CampaignProduct | null;
  discountType: 'PERCENT' | 'FLAT';
  /** Basis points for PERCENT, hundredths of the campaign's currency for FLAT. */
  value: number;
  dateCreated: number;
}

export interface Mid {
  merchantId: number;
  name: string;
  descriptor: string;
  midNumber: string;
}

export interface BaseProduct {
  productId: number;
  name: string;
  sku: string;
  cost: Cents;
  dateCreated: number;
}

export interface CampaignProduct {
  campaignProductId: number;
  productId: number;
  campaignId: number;
  name: string;
  kind: BillingKind;
  /** Price of the first charge (the trial price for a trial). */
  price: Cents;
  shipping: Cents;
  /** Price and shipping of every later cycle (subscriptions and trials). */
  rebillPrice: Cents;
  rebillShipping: Cents;
  /** Days between rebills; 0 for one-time products. */
  intervalDays: number;
  /** Days from a trial's start to its first full-price bill. */
  trialDays: number;
  /** Sales tax in basis points of the price. */
  taxBp: number;
  isUpsell: boolean;
}

export interface Campaign {
  campaignId: number;
  name: string;
  type: CampaignType;
  /** Index of the offer (the catalog's campaign spec) this campaign sells; one offer per currency. */
  offer: number;
  /** A campaign sells in one currency (the real export: each campaign id carries one symbol). */
  currency: Currency;
  coupons: Coupon[];
  dateCreated: number;
  products: CampaignProduct[];
  /** Campaign products offered as the main product of a new order. */
  mainProducts: CampaignProduct[];
  upsells: CampaignProduct[];
}

export interface Affiliate {
  affId: string;
  sourceId: number;
  title: string;
  subs: string[];
}

export interface Note {
  t: number;
  agent: string;
  text: string;
}

export interface Customer {
  customerId: number;
  t: number;
  u: number;
  /** Most recent activity: the latest transaction or note. */
  act: number;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string;
  postalCode: string;
  country: string;
  /** Shipping address when it differs from billing (legacy imports); null = billShipSame. */
  ship: ShipAddress | null;
  ip: string;
  paySource: PaySource;
  cardType: string | null;
  cardBin: string | null;
  cardLast4: string | null;
  cardExpMonth: number;
  cardExpYear: number;
  achLast4: string | null;
  achRoutingNumber: string | null;
  achAccountType: string | null;
  paySourceId: number;
  campaign: Campaign;
  affiliate: Affiliate | null;
  sourceValue1: string | null;
  sourceValue2: string | null;
  notes: Note[];
  custom: (string | null)[] | null;
  eCommerceLogin: string | null;
  eCommercePassword: string | null;
  /** The legacy system's customer id (import intake only). */
  legacyId: string | null;
}

export interface ShipAddress {
  firstName: string;
  lastName: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string;
  postalCode: string;
  country: string;
}

export interface OrderLine {
  cp: CampaignProduct;
  price: Cents;
  shipping: Cents;
  tax: Cents;
  /** Coupon discount taken off this line's charge (0 without a coupon). */
  discount: Cents;
  qty: number;
  purchase: Purchase | null;
  orderItemId: number;
}

export interface Order {
  orderId: string;
  actualOrderId: number;
  t: number;
  u: number;
  type: OrderType;
  status: OrderStatus;
  customer: Customer;
  campaign: Campaign;
  lines: OrderLine[];
  txns: Txn[];
  mid: Mid;
  refunded: Cents;
  isDeclineSave: 0 | 1;
  coupon: Coupon | null;
  /** The legacy system's order id (import intake only). */
  legacyId: string | null;
}

export interface Txn {
  transactionId: number;
  t: number;
  u: number;
  type: TxnType;
  response: ResponseType;
  responseText: string;
  amount: Cents;
  salesTax: Cents;
  shipping: Cents;
  order: Order;
  purchase: Purchase | null;
  line: OrderLine | null;
  cycle: number;
  recycle: number;
  parent: Txn | null;
  mid: Mid;
  /** Explicit processor id (imports); null = derived from the transactionId when served. */
  merchantTxnId: string | null;
  /** Explicit authorisation code (imports); null = derived when served (see authCodeOf). */
  authCode: string | null;
  isChargedback: 0 | 1;
  chargebackDate: string | null;
  chargebackAmount: Cents | null;
  chargebackReasonCode: string | null;
  chargebackNote: string | null;
  refundReason: string | null;
  /** When the open chargeback was received (ground truth only: the API has no such field). */
  chargebackAt?: number;
  /** Chargebacks won by the merchant, cleared by the CRM (ground truth: the API keeps no history). */
  reversedChargebacks?: { date: string; amount: Cents; at: number; revertedAt: number }[];
}

export interface Purchase {
  purchaseId: string;
  actualPurchaseId: number;
  t: number;
  u: number;
  order: Order;
  customer: Customer;
  cp: CampaignProduct;
  mid: Mid;
  price: Cents;
  shipping: Cents;
  intervalDays: number;
  cycle: number;
  status: PurchaseStatus;
  /** "YYYY-MM-DD" or null when nothing is scheduled. */
  nextBillDate: string | null;
  recycle: number;
  cancelReason: string | null;
  cancelDate: string | null;
  billed: Cents;
  refunded: Cents;
  txns: Txn[];
}

/** Everything needed to regenerate or continue the merchant. */
export interface MerchantConfig {
  seed: string;
  customers: number;
  timezone: string;
  /** First day of history, "YYYY-MM-DD". */
  start: string;
  profile: Profile;
  /** ISO codes the account sells in, in campaign order (campaigns 1-3 sell the first). */
  currencies: string[];
  /** Coupons generated and used on orders. */
  coupons: boolean;
  /** Transaction records carry `items` (the transaction's order line). */
  txnItems: boolean;
  /** Share of transaction records served with an odd but readable value, and with an unreadable one. */
  oddRate: number;
  unreadableRate: number;
  /** Index of the brand (catalog names) the merchant trades under. */
  brand: number;
  /** Customers of one-time products buy again with these BG/NBD parameters (src/sandbox/repeat.ts); null: they never do. */
  repeatBuyers: RepeatBuyers | null;
  /** The click-id affiliates (catalog.ts CLICK_ID_AFFILIATES) pass a click id per customer as the sub-affiliate. */
  clickIds: boolean;
}

/** A table with a monotonically growing version, so indexes know when to rebuild. */
export interface Tables {
  customers: Customer[];
  orders: Order[];
  txns: Txn[];
  purchases: Purchase[];
}

/** The whole merchant: catalog, rows, lookup maps and the clock. */
export interface Merchant {
  config: MerchantConfig;
  /** The merchant's "now" (epoch ms); nothing is dated after it. */
  now: number;
  mids: Mid[];
  products: BaseProduct[];
  campaigns: Campaign[];
  affiliates: Affiliate[];
  coupons: Coupon[];
  customers: Customer[];
  orders: Order[];
  txns: Txn[];
  purchases: Purchase[];
  orderById: Map<string, Order>;
  purchaseById: Map<string, Purchase>;
  /** Bumped on every change; query caches and indexes key on it. */
  version: number;
}
