/**
 * The merchant generator: a discrete-event simulation of a direct-to-consumer subscription business,
 * run day by day in the account's time zone from `start` to `now`. Advancing the clock later simply
 * runs the same simulation further, so old sales get refunds and chargebacks with a new dateUpdated
 * exactly as in a live account.
 */
import { addDays, daysBetween, localDate, startOfLocalDay, wallToInstant, DAY, HOUR, MINUTE } from '../core/time.js';
import {
  BRANDS,
  CLICK_ID_AFFILIATES,
  buildAffiliates,
  buildCatalog,
  buildMids,
  CAMPAIGN_WEIGHTS,
  CANCEL_REASONS,
  CARD_TYPES,
  CHARGEBACK_CODES,
  CITIES,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  FOREIGN_CITIES,
  HARD_DECLINE_TEXTS,
  LAST_NAMES,
  mainProductWeights,
  REFUND_REASONS,
  SOFT_DECLINE_TEXTS,
  STREETS,
} from './catalog.js';
import { currencyOf, REAL_CURRENCIES, roundToUnit } from './currency.js';
import { Agenda, type SimEvent } from './events.js';
import type {
  Affiliate,
  Campaign,
  CampaignProduct,
  Coupon,
  Customer,
  Merchant,
  MerchantConfig,
  Mid,
  Order,
  OrderLine,
  OrderType,
  Profile,
  Purchase,
  ResponseType,
  Txn,
  TxnType,
} from './model.js';
import { hash32, mix32, Rng, tenCharId } from './prng.js';
import { drawRepeater, resolveRepeatBuyers, waitDays, type RepeatBuyers } from './repeat.js';

/** Options of generateMerchant. */
export interface GenerateOptions {
  seed?: string | number;
  /** New customers over the initial history (approximately; the last day's later arrivals are pending). */
  customers?: number;
  timezone?: string;
  /** First day of history, YYYY-MM-DD; default 24 months before `now`. */
  start?: string;
  /** Account-local "now", 'YYYY-MM-DD HH:MM:SS' (or a date); default the real clock. */
  now?: string;
  /** How records are shaped when served (docs/sandbox.md, "Profiles"); default 'real'. */
  profile?: Profile;
  /** ISO codes the account sells in (campaigns 1-3 sell the first); default all nine under 'real', USD under 'rich'. */
  currencies?: readonly string[];
  /** Coupons on campaigns and orders; default true under 'real', false under 'rich'. */
  coupons?: boolean;
  /** Transaction records carry `items`; default false under both profiles. */
  txnItems?: boolean;
  /** Share of transaction records with one odd but readable value; default 0.01 under 'real', 0 under 'rich'. */
  oddRate?: number;
  /** Share of transaction records that cannot be read at all; default 0.001 under 'real', 0 under 'rich'. */
  unreadableRate?: number;
  /** Customers of one-time products buy again (src/sandbox/repeat.ts); `true` for the defaults; default off. */
  repeatBuyers?: boolean | RepeatBuyers;
  /**
   * Two affiliates (CLICK_ID_AFFILIATES) pass a click id per customer as the sub-affiliate (`sourceValue1`)
   * instead of a few sub-ids: a breakdown by sub-affiliate then has a value per customer; default off.
   */
  clickIds?: boolean;
}

/** The profile defaults of the merchant options, filled in (docs/sandbox.md has the table). */
export function resolveConfig(opts: GenerateOptions, timezone: string, start: string): MerchantConfig {
  const profile: Profile = opts.profile ?? 'real';
  if (profile !== 'real' && profile !== 'rich') throw new RangeError(`profile must be "real" or "rich", got "${String(profile)}"`);
  const real = profile === 'real';
  const seed = String(opts.seed ?? 'konduit');
  const currencies = (opts.currencies ?? (real ? REAL_CURRENCIES : ['USD'])).map((c) => currencyOf(c).code);
  if (currencies.length === 0 || new Set(currencies).size !== currencies.length) throw new RangeError('currencies must list at least one currency, each once');
  const rate = (name: string, v: number | undefined, fallback: number) => {
    const r = v ?? fallback;
    if (!(r >= 0 && r <= 1)) throw new RangeError(`${name} must be from 0 to 1, got ${String(v)}`);
    return r;
  };
  return {
    seed,
    customers: opts.customers ?? 2000,
    timezone,
    start,
    profile,
    currencies,
    coupons: opts.coupons ?? real,
    txnItems: opts.txnItems ?? false,
    oddRate: rate('oddRate', opts.oddRate, real ? 0.01 : 0),
    unreadableRate: rate('unreadableRate', opts.unreadableRate, real ? 0.001 : 0),
    repeatBuyers: resolveRepeatBuyers(opts.repeatBuyers),
    clickIds: opts.clickIds ?? false,
    // Names by seed under 'real' (colliding ids of two accounts then name different things); fixed under 'rich'.
    brand: real ? hash32(`brand:${seed}`) % BRANDS.length : 0,
  };
}

/** Ids start at these so every id family looks different and none is small enough to be a row count. */
export const ID_BASE = { customer: 1000, txn: 100000, order: 500000, purchase: 20000, orderItem: 900000, paySource: 480000 };
const ORDER_KEY = 0x0c0ffee;
const PURCHASE_KEY = 0x0bada55;

/** Hour-of-day weights for orders (account-local): quiet nights, busy evenings. */
const HOUR_WEIGHTS = [2, 1, 1, 1, 1, 2, 3, 5, 7, 8, 9, 9, 10, 10, 9, 9, 9, 10, 11, 12, 12, 10, 7, 4];
/** Day-of-week weights, Sunday first: weekdays sell more than weekends. */
const DOW_WEIGHTS = [0.8, 1.12, 1.1, 1.06, 1.02, 0.96, 0.78];

interface Engine {
  rng: Rng;
  /**
   * Draws only some merchants make (the currency of a new customer, a coupon): a stream of their own, so
   * the main stream, and with it every customer, order and transaction, is the same in both profiles.
   */
  side: Rng;
  /** The repeat buyers' draws (src/sandbox/repeat.ts): a stream of their own too. */
  repeat: Rng;
  currencyWeights: number[];
  agenda: Agenda;
  /** Next local day to open, YYYY-MM-DD. */
  nextDay: string;
  /** Days in the initial history, and the total arrival weight over it (fixes the daily rate). */
  historyDays: number;
  historyWeight: number;
  /** Cumulative arrival weight so far and customers allocated so far (largest-remainder rounding). */
  cumWeight: number;
  allocated: number;
  midWeights: number[];
  affWeights: number[];
  /** The open rebill order of a purchase in recycle billing (retries attach to it). */
  recycleOrder: Map<Purchase, Order>;
  orderItemSeq: number;
}

const engines = new WeakMap<Merchant, Engine>();

/** Parses the `now` option as account-local wall time; the real clock when absent. */
export function resolveNow(now: string | undefined, zone: string): number {
  if (!now) return Date.now();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(now.trim());
  if (!m) throw new RangeError(`now must be "YYYY-MM-DD HH:MM:SS", got "${now}"`);
  return wallToInstant(
    { year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: +(m[4] ?? 12), minute: +(m[5] ?? 0), second: +(m[6] ?? 0) },
    zone,
  );
}

/** Generates a merchant, deterministic from its seed, with history from `start` up to `now`. */
export function generateMerchant(opts: GenerateOptions = {}): Merchant {
  const timezone = opts.timezone ?? 'America/New_York';
  const now = resolveNow(opts.now, timezone);
  const today = localDate(now, timezone);
  const start = opts.start ?? addDays(today, -730);
  if (daysBetween(start, today) < 0) throw new RangeError(`start ${start} is after today ${today}`);
  const config = resolveConfig(opts, timezone, start);
  const rng = new Rng(config.seed);
  const created = startOfLocalDay(start, timezone) - 90 * DAY;
  const brand = BRANDS[config.brand] ?? (BRANDS[0] as (typeof BRANDS)[number]);
  const currencies = config.currencies.map(currencyOf);
  const { mids, weights: midWeights } = buildMids(brand);
  const { products, campaigns, coupons } = buildCatalog(rng, created, { brand, currencies, coupons: config.coupons });
  const { affiliates, weights: affWeights, organicWeight } = buildAffiliates();
  const m: Merchant = {
    config,
    now: startOfLocalDay(start, timezone),
    mids,
    products,
    campaigns,
    affiliates,
    coupons,
    customers: [],
    orders: [],
    txns: [],
    purchases: [],
    orderById: new Map(),
    purchaseById: new Map(),
    version: 0,
  };
  const historyDays = daysBetween(start, today) + 1;
  let historyWeight = 0;
  for (let i = 0; i < historyDays; i++) historyWeight += dayWeight(config.seed, addDays(start, i), i, historyDays);
  engines.set(m, {
    rng,
    side: new Rng(`${config.seed}#side`),
    repeat: new Rng(`${config.seed}#repeat`),
    currencyWeights: currencies.map((c) => c.weight),
    agenda: new Agenda(),
    nextDay: start,
    historyDays,
    historyWeight,
    cumWeight: 0,
    allocated: 0,
    midWeights,
    affWeights: [...affWeights, organicWeight],
    recycleOrder: new Map(),
    orderItemSeq: 0,
  });
  runUntil(m, now);
  return m;
}

/** Moves the merchant's clock forward, simulating everything that happens in between. */
export function advanceMerchant(m: Merchant, days: number): void {
  if (!(days >= 0)) throw new RangeError('days must be >= 0');
  runUntil(m, m.now + Math.round(days * DAY));
}

/** Runs the simulation up to `target` (epoch ms). */
export function runUntil(m: Merchant, until: number): void {
  const target = Math.floor(until / 1000) * 1000;
  const e = engines.get(m);
  if (!e) throw new Error('this merchant has no simulation (was it created by generateMerchant?)');
  const zone = m.config.timezone;
  let dayStart = startOfLocalDay(e.nextDay, zone);
  for (;;) {
    const top = e.agenda.peek();
    if (dayStart <= target && (top === undefined || dayStart <= top.t)) {
      openDay(m, e, e.nextDay, dayStart);
      e.nextDay = addDays(e.nextDay, 1);
      dayStart = startOfLocalDay(e.nextDay, zone);
      continue;
    }
    if (top !== undefined && top.t <= target) {
      e.agenda.pop();
      m.now = Math.max(m.now, top.t);
      handle(m, e, top);
      continue;
    }
    break;
  }
  m.now = Math.max(m.now, target);
  m.version++;
}

function dayWeight(seed: string, date: string, index: number, historyDays: number): number {
  const dow = new Date(`${date}T12:00:00Z`).getUTCDay();
  const trend = 0.7 + 0.6 * Math.min(1.5, index / Math.max(1, historyDays));
  const noise = 0.8 + 0.4 * (mix32(hash32(seed), hash32(date)) / 4294967296);
  return (DOW_WEIGHTS[dow] ?? 1) * trend * noise;
}

/** Schedules the day's new customers at realistic times of day. */
function openDay(m: Merchant, e: Engine, date: string, dayStart: number): void {
  const index = daysBetween(m.config.start, date);
  e.cumWeight += dayWeight(m.config.seed, date, index, e.historyDays);
  const target = Math.round((m.config.customers * e.cumWeight) / e.historyWeight);
  const count = Math.max(0, target - e.allocated);
  e.allocated += count;
  const times: number[] = [];
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  for (let i = 0; i < count; i++) {
    const hour = e.rng.weighted(HOUR_WEIGHTS);
    const t = wallToInstant({ year: y, month: mo, day: d, hour, minute: e.rng.int(0, 59), second: e.rng.int(0, 59) }, m.config.timezone);
    times.push(Math.max(t, dayStart));
  }
  times.sort((a, b) => a - b);
  for (const t of times) e.agenda.push(t, 'ARRIVAL', null);
}

function handle(m: Merchant, e: Engine, ev: SimEvent): void {
  switch (ev.kind) {
    case 'ARRIVAL':
      return arrival(m, e, ev.t);
    case 'UPSELL':
      return upsell(m, e, ev.ref as Order, ev.t);
    case 'DECLINE_SAVE':
      return declineSave(m, e, ev.ref as Order, ev.t);
    case 'CAPTURE':
      return capture(m, e, ev.ref as Txn, ev.t);
    case 'VOID':
      return voidTxn(m, ev.ref as Txn, ev.t);
    case 'REFUND':
      return refund(m, e, ev.ref as Txn, ev.n, ev.t);
    case 'CHARGEBACK':
      return chargeback(m, e, ev.ref as Txn, ev.t);
    case 'CHARGEBACK_REVERSAL':
      return chargebackReversal(ev.ref as Txn, ev.t);
    case 'REBILL':
      return rebill(m, e, ev.ref as Purchase, ev.n, ev.t);
    case 'CANCEL':
      return cancelPurchase(m, ev.ref as Purchase, ev.t, e.rng.pick(CANCEL_REASONS), ev.n);
    case 'REPEAT':
      return repeatOrder(m, e, ev.ref as Repeater, ev.t);
  }
}

// ---------------------------------------------------------------------------------------------------
// Row builders (also used by the import intake)

/** Adds a customer row and indexes it. */
export function addCustomer(m: Merchant, c: Omit<Customer, 'customerId' | 'paySourceId'>): Customer {
  const n = m.customers.length + 1;
  // Spreading into a literal keeps one hidden class for every customer (no dictionary-mode objects).
  const row: Customer = { customerId: ID_BASE.customer + n, paySourceId: ID_BASE.paySource + n, ...c };
  m.customers.push(row);
  return row;
}

/** Adds an order row and indexes it. */
export function addOrder(m: Merchant, t: number, type: OrderType, customer: Customer, campaign: Campaign, mid: Mid): Order {
  const n = m.orders.length + 1;
  const o: Order = {
    orderId: tenCharId(n, ORDER_KEY ^ hash32(m.config.seed)),
    actualOrderId: ID_BASE.order + n,
    t,
    u: t,
    type,
    status: 'DECLINED',
    customer,
    campaign,
    lines: [],
    txns: [],
    mid,
    refunded: 0,
    isDeclineSave: 0,
    coupon: null,
    legacyId: null,
  };
  m.orders.push(o);
  m.orderById.set(o.orderId, o);
  return o;
}

/** Adds a line (a campaign product) to an order; a coupon's discount comes off before tax. */
export function addLine(m: Merchant, o: Order, cp: CampaignProduct, price: number, shipping: number, qty = 1, discount = 0): OrderLine {
  const e = engines.get(m);
  const seq = e ? ++e.orderItemSeq : o.lines.length + 1 + m.orders.length * 4;
  const tax = Math.round(((price * qty - discount) * cp.taxBp) / 10000);
  const line: OrderLine = { cp, price, shipping, tax, discount, qty, purchase: null, orderItemId: ID_BASE.orderItem + seq };
  o.lines = append(o.lines, line);
  return line;
}

/** Adds a transaction row, links it to its order and purchase, and indexes it. */
export function addTxn(
  m: Merchant,
  t: number,
  type: TxnType,
  response: ResponseType,
  responseText: string,
  order: Order,
  line: OrderLine | null,
  amount: number,
  salesTax: number,
  shipping: number,
  extra: Partial<Txn> = {},
): Txn {
  const n = m.txns.length + 1;
  const purchase = line?.purchase ?? null;
  const x: Txn = {
    transactionId: ID_BASE.txn + n,
    t,
    u: t,
    type,
    response,
    responseText,
    amount,
    salesTax,
    shipping,
    order,
    purchase,
    line,
    cycle: purchase ? purchase.cycle : 1,
    recycle: 0,
    parent: null,
    mid: order.mid,
    merchantTxnId: null,
    authCode: null,
    isChargedback: 0,
    chargebackDate: null,
    chargebackAmount: null,
    chargebackReasonCode: null,
    chargebackNote: null,
    refundReason: null,
    ...extra,
  };
  m.txns.push(x);
  order.txns = append(order.txns, x);
  order.u = Math.max(order.u, t);
  if (purchase) purchase.txns = append(purchase.txns, x);
  // mostRecentActivity is part of the customer record, so the record's dateUpdated moves with it.
  order.customer.act = Math.max(order.customer.act, t);
  order.customer.u = Math.max(order.customer.u, t);
  return x;
}

/** Adds a purchase (subscription) row for an order line and indexes it. */
export function addPurchase(m: Merchant, t: number, order: Order, line: OrderLine, fields: Pick<Purchase, 'price' | 'shipping' | 'intervalDays' | 'status' | 'nextBillDate'>): Purchase {
  const n = m.purchases.length + 1;
  const p: Purchase = {
    purchaseId: tenCharId(n, PURCHASE_KEY ^ hash32(m.config.seed)),
    actualPurchaseId: ID_BASE.purchase + n,
    t,
    u: t,
    order,
    customer: order.customer,
    cp: line.cp,
    mid: order.mid,
    cycle: 1,
    recycle: 0,
    cancelReason: null,
    cancelDate: null,
    billed: 0,
    refunded: 0,
    txns: [],
    ...fields,
  };
  line.purchase = p;
  m.purchases.push(p);
  m.purchaseById.set(p.purchaseId, p);
  return p;
}

/** Adds a note to a customer (newest first when served). */
export function addNote(c: Customer, t: number, text: string, agent = 'System'): void {
  c.notes = append(c.notes, { t, agent, text });
  c.u = Math.max(c.u, t);
  c.act = Math.max(c.act, t);
}

/** What charging a line costs: its price less the coupon's discount, plus shipping and tax. */
export function lineCharge(l: OrderLine): number {
  return l.price - l.discount + l.shipping + l.tax;
}

// ---------------------------------------------------------------------------------------------------
// The business

/**
 * A new customer's sub-affiliate: one of the affiliate's few sub-ids, drawn whatever the options (so every
 * other draw is the same); under `clickIds` the click-id affiliates pass instead a click id of their own,
 * a value per customer, within the CRM's 30 characters.
 */
function subAffiliateOf(m: Merchant, r: Rng, affiliate: Affiliate | null, t: number): string | null {
  if (!affiliate) return null;
  const sub = r.pick(affiliate.subs);
  if (!m.config.clickIds || !CLICK_ID_AFFILIATES.has(affiliate.affId)) return sub;
  const n = m.customers.length;
  return `clk_${hash32(`click:${m.config.seed}:${n}:${t}`).toString(36)}${n.toString(36)}`;
}

function makeCustomer(m: Merchant, e: Engine, t: number, campaign: Campaign, affiliate: Affiliate | null): Customer {
  const r = e.rng;
  const firstName = r.pick(FIRST_NAMES);
  const lastName = r.pick(LAST_NAMES);
  // Same one draw whatever the country, so the profiles' merchants stay draw for draw the same.
  const foreign = FOREIGN_CITIES[campaign.currency.country];
  const [city, state, zip3, country = 'US'] = foreign ? r.pick(foreign) : r.pick(CITIES);
  const payRoll = r.next();
  const paySource = payRoll < 0.95 ? 'CREDITCARD' : payRoll < 0.99 ? 'CHECK' : 'PREPAID';
  const card = r.weighted([50, 35, 8, 7]);
  const [cardType, binPrefix] = CARD_TYPES[card] ?? ['VISA', '4'];
  const year = Number(localDate(t, m.config.timezone).slice(0, 4));
  const local = `${firstName}.${lastName}`.toLowerCase().replace(/[^a-z.]/g, '');
  const isCard = paySource !== 'CHECK';
  return addCustomer(m, {
    t,
    u: t,
    act: t,
    firstName,
    lastName,
    email: `${local}${r.int(1, 9999)}@${r.pick(EMAIL_DOMAINS)}`,
    phone: `${r.int(201, 989)}555${String(r.int(0, 9999)).padStart(4, '0')}`,
    address1: `${r.int(10, 9999)} ${r.pick(STREETS)}`,
    address2: r.chance(0.15) ? `Apt ${r.int(1, 40)}` : null,
    city,
    state,
    postalCode: `${zip3}${String(r.int(0, 99)).padStart(2, '0')}`,
    country,
    ship: null,
    ip: `${r.int(24, 199)}.${r.int(0, 255)}.${r.int(0, 255)}.${r.int(1, 254)}`,
    paySource,
    cardType: isCard ? (paySource === 'PREPAID' ? 'VISA' : cardType) : null,
    cardBin: isCard ? `${paySource === 'PREPAID' ? '4' : binPrefix}${String(r.int(0, 99999)).padStart(5, '0')}` : null,
    cardLast4: isCard ? String(r.int(0, 9999)).padStart(4, '0') : null,
    cardExpMonth: isCard ? r.int(1, 12) : 0,
    cardExpYear: isCard ? year + r.int(1, 5) : 0,
    achLast4: isCard ? null : String(r.int(0, 9999)).padStart(4, '0'),
    achRoutingNumber: isCard ? null : `0${r.int(11000000, 99999999)}`,
    achAccountType: isCard ? null : r.chance(0.8) ? 'CHECKING' : 'SAVINGS',
    campaign,
    affiliate,
    sourceValue1: subAffiliateOf(m, r, affiliate, t),
    sourceValue2: affiliate && r.chance(0.6) ? `cr${r.int(100, 140)}` : null,
    notes: [],
    custom: null,
    eCommerceLogin: null,
    eCommercePassword: null,
    legacyId: null,
  });
}

function declineText(r: Rng, resp: ResponseType): string {
  return resp === 'SUCCESS' ? 'Approved' : resp === 'SOFT_DECLINE' ? r.pick(SOFT_DECLINE_TEXTS) : r.pick(HARD_DECLINE_TEXTS);
}


function arrival(m: Merchant, e: Engine, t: number): void {
  const r = e.rng;
  const ci = r.weighted(CAMPAIGN_WEIGHTS);
  // The offer comes from the main stream, the currency (which of the offer's campaigns) from the side one.
  const k = e.currencyWeights.length > 1 ? e.side.weighted(e.currencyWeights) : 0;
  const campaign = m.campaigns[k * CAMPAIGN_WEIGHTS.length + ci] as Campaign;
  const cp = campaign.mainProducts[r.weighted(mainProductWeights(ci))] as CampaignProduct;
  const ai = r.weighted(e.affWeights);
  const affiliate = m.affiliates[ai] ?? null;
  const mid = m.mids[r.weighted(e.midWeights)] as Mid;
  const customer = makeCustomer(m, e, t, campaign, affiliate);
  const order = addOrder(m, t, 'NEW_SALE', customer, campaign, mid);
  const coupon = campaign.coupons.length > 0 ? pickCoupon(e, campaign, cp) : null;
  order.coupon = coupon;
  const line = addLine(m, order, cp, cp.price, cp.shipping, 1, coupon ? couponDiscount(coupon, cp.price) : 0);
  // Phone sales authorise first and capture when the agent confirms; web checkouts mostly sell at once.
  const useAuth = campaign.type === 'PHONE' ? r.chance(0.5) : r.chance(0.04);
  // MIDs differ a little in approval rate, which MID-health reports should be able to see.
  const midPenalty = mid.merchantId === 9 ? 0.05 : 0;
  const resp: ResponseType = (['SUCCESS', 'SOFT_DECLINE', 'HARD_DECLINE'] as const)[r.weighted([0.8 - midPenalty, 0.13 + midPenalty, 0.07])] ?? 'SUCCESS';
  chargeNewOrder(m, e, order, line, t, resp, useAuth);
  if (resp === 'SOFT_DECLINE' && r.chance(0.3)) e.agenda.push(t + r.int(2, 15) * MINUTE, 'DECLINE_SAVE', order);
  const repeat = m.config.repeatBuyers;
  if (repeat && cp.kind === 'ONE_TIME' && resp === 'SUCCESS') {
    const who: Repeater = { customer, campaign, cp, mid, ...drawRepeater(e.repeat, repeat) };
    e.agenda.push(t + waitDays(e.repeat, who.rate) * DAY, 'REPEAT', who);
  }
}

/** A customer who buys again (src/sandbox/repeat.ts): what they bought first, their rate per day and drop-out chance. */
interface Repeater {
  customer: Customer;
  campaign: Campaign;
  cp: CampaignProduct;
  mid: Mid;
  rate: number;
  drop: number;
}

/**
 * A repeat order: the product bought first, and with chance 0.35 each up to two of the campaign's
 * upsells (so order totals vary), always approved; then the customer stops with their drop-out chance
 * or orders again after an exponential wait. Its draws, the sale's fate included, come from the repeat stream.
 */
function repeatOrder(m: Merchant, e: Engine, who: Repeater, t: number): void {
  const r = e.repeat;
  const order = addOrder(m, t, 'NEW_SALE', who.customer, who.campaign, who.mid);
  const products = [who.cp];
  for (let i = 0; i < 2 && who.campaign.upsells.length > 0; i++) if (r.chance(0.35)) products.push(r.pick(who.campaign.upsells));
  for (const cp of products) {
    const line = addLine(m, order, cp, cp.price, cp.shipping);
    const txn = addTxn(m, t, 'SALE', 'SUCCESS', 'Approved', order, line, lineCharge(line), line.tax, line.shipping, { authCode: null });
    scheduleFate(e, txn, t, r);
  }
  order.status = 'COMPLETE';
  if (!r.chance(who.drop)) e.agenda.push(t + waitDays(r, who.rate) * DAY, 'REPEAT', who);
}

/** About one new order in six uses one of its campaign's coupons; one limited to another product is not used. */
function pickCoupon(e: Engine, campaign: Campaign, cp: CampaignProduct): Coupon | null {
  if (!e.side.chance(0.16)) return null;
  const c = e.side.pick(campaign.coupons);
  return c.cp === null || c.cp === cp ? c : null;
}

/** A coupon's discount on a price, in what the campaign's currency can charge, never above the price. */
export function couponDiscount(c: Coupon, price: number): number {
  const off = c.discountType === 'PERCENT' ? roundToUnit(Math.round((price * c.value) / 10000), c.campaign.currency) : c.value;
  return Math.min(price, off);
}

function chargeNewOrder(m: Merchant, e: Engine, order: Order, line: OrderLine, t: number, resp: ResponseType, useAuth: boolean): void {
  const r = e.rng;
  const cp = line.cp;
  const amount = lineCharge(line);
  if (resp === 'SUCCESS' && cp.kind !== 'ONE_TIME' && !line.purchase) {
    const trial = cp.kind === 'TRIAL';
    const first = addDays(localDate(t, m.config.timezone), trial ? cp.trialDays : cp.intervalDays);
    const p = addPurchase(m, t, order, line, {
      price: cp.rebillPrice,
      shipping: cp.rebillShipping,
      intervalDays: cp.intervalDays,
      status: trial ? 'TRIAL' : 'ACTIVE',
      nextBillDate: first,
    });
    addNote(order.customer, t, `Recurring billing started for product ${cp.name}, next billing will occur on ${usDate(first)}`);
    scheduleNextBill(m, e, p, t);
  }
  const txn = addTxn(m, t, useAuth ? 'AUTHORIZE' : 'SALE', resp, declineText(r, resp), order, line, amount, line.tax, line.shipping, {
    authCode: null,
  });
  if (resp !== 'SUCCESS') return;
  // An authorisation bills nothing until it is captured.
  if (line.purchase && !useAuth) line.purchase.billed += amount;
  order.status = 'COMPLETE';
  if (useAuth) {
    if (r.chance(0.93)) e.agenda.push(t + r.int(20, 36 * 60) * MINUTE, 'CAPTURE', txn);
    else e.agenda.push(t + r.int(30, 20 * 60) * MINUTE, 'VOID', txn);
  } else {
    scheduleFate(e, txn, t);
  }
  if (order.type === 'NEW_SALE' && order.campaign.upsells.length > 0 && r.chance(0.25)) {
    e.agenda.push(t + r.int(1, 6) * MINUTE, 'UPSELL', order);
  }
}

function declineSave(m: Merchant, e: Engine, order: Order, t: number): void {
  const line = order.lines[0];
  if (!line || order.status !== 'DECLINED') return;
  const resp: ResponseType = e.rng.chance(0.55) ? 'SUCCESS' : 'SOFT_DECLINE';
  order.isDeclineSave = 1;
  chargeNewOrder(m, e, order, line, t, resp, false);
}

function upsell(m: Merchant, e: Engine, order: Order, t: number): void {
  const cp = e.rng.pick(order.campaign.upsells);
  const line = addLine(m, order, cp, cp.price, cp.shipping);
  const amount = lineCharge(line);
  const txn = addTxn(m, t, 'SALE', 'SUCCESS', 'Approved', order, line, amount, line.tax, line.shipping, { authCode: null });
  scheduleFate(e, txn, t);
}

function capture(m: Merchant, e: Engine, auth: Txn, t: number): void {
  const txn = addTxn(m, t, 'CAPTURE', 'SUCCESS', 'Approved', auth.order, auth.line, auth.amount, auth.salesTax, auth.shipping, {
    parent: auth,
    merchantTxnId: merchantTxnIdOf(m, auth),
    cycle: auth.cycle,
  });
  auth.u = t;
  if (txn.purchase) {
    txn.purchase.billed += txn.amount;
    touchPurchase(txn.purchase, t);
  }
  scheduleFate(e, txn, t);
}

/** Decides what happens to an approved charge later: a chargeback, a refund, a void, or nothing. */
function scheduleFate(e: Engine, txn: Txn, t: number, r = e.rng): void {
  const roll = r.next();
  if (roll < 0.012) {
    e.agenda.push(t + r.int(5, 90) * DAY + r.int(0, 600) * MINUTE, 'CHARGEBACK', txn);
  } else if (roll < 0.062) {
    const full = r.chance(0.7);
    const amount = full ? txn.amount : Math.min(txn.amount, roundToUnit(Math.max(1, Math.round((txn.amount * r.int(15, 70)) / 100)), txn.order.campaign.currency));
    e.agenda.push(t + r.int(1, 30) * DAY + r.int(0, 600) * MINUTE, 'REFUND', txn, amount);
  } else if (roll < 0.07 && txn.type === 'SALE') {
    e.agenda.push(t + r.int(10, 20 * 60) * MINUTE, 'VOID', txn);
  }
}

function usDate(date: string): string {
  return `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(2, 4)}`;
}

/** Churn before cycle k falls as a subscription ages; trials lose the most before their first bill. */
function churnBefore(cycle: number, trial: boolean): number {
  if (cycle <= 2) return trial ? 0.42 : 0.28;
  return Math.max(0.06, 0.22 / (cycle - 2) ** 0.6);
}

function scheduleNextBill(m: Merchant, e: Engine, p: Purchase, now: number): void {
  const r = e.rng;
  if (!p.nextBillDate) return;
  const billStart = startOfLocalDay(p.nextBillDate, m.config.timezone);
  if (r.chance(churnBefore(p.cycle + 1, p.cp.kind === 'TRIAL'))) {
    const span = Math.max(HOUR, billStart - now - HOUR);
    e.agenda.push(now + Math.floor(r.next() * span), 'CANCEL', p, p.cycle);
    return;
  }
  // The billing run works through the night's rebills between 03:00 and 07:00 account time.
  e.agenda.push(billStart + 3 * HOUR + r.int(0, 4 * 60 - 1) * MINUTE, 'REBILL', p, p.cycle);
}

/**
 * How a rebill attempt goes (SUCCESS, SOFT_DECLINE, HARD_DECLINE weights): the first attempt of a cycle,
 * and each retry of recycle billing. The reports recover these from the data (docs/sandbox.md).
 */
export const REBILL_RESPONSE_WEIGHTS = { first: [0.82, 0.12, 0.06], retry: [0.38, 0.52, 0.1] } as const;
/** Recycle billing: retry k comes RECYCLE_DAYS[k - 1] days after the attempt before it; no more retries than these. */
export const RECYCLE_DAYS = [3, 4, 5] as const;

function billable(p: Purchase): boolean {
  return p.status === 'ACTIVE' || p.status === 'TRIAL' || p.status === 'RECYCLE_BILLING';
}

function touchPurchase(p: Purchase, t: number): void {
  p.u = Math.max(p.u, t);
  // The originating order's items show the purchase's status and next bill date.
  p.order.u = Math.max(p.order.u, t);
}

function rebill(m: Merchant, e: Engine, p: Purchase, cycle: number, t: number): void {
  if (!billable(p) || p.cycle !== cycle) return;
  const r = e.rng;
  let order = e.recycleOrder.get(p);
  if (!order) {
    order = addOrder(m, t, 'RECURRING', p.customer, p.order.campaign, p.mid);
    const line = addLine(m, order, p.cp, p.price, p.shipping);
    line.purchase = p;
  }
  const line = order.lines[0] as OrderLine;
  const amount = lineCharge(line);
  const weights = p.recycle === 0 ? REBILL_RESPONSE_WEIGHTS.first : REBILL_RESPONSE_WEIGHTS.retry;
  const resp: ResponseType = (['SUCCESS', 'SOFT_DECLINE', 'HARD_DECLINE'] as const)[r.weighted(weights)] ?? 'SUCCESS';
  addTxn(m, t, 'SALE', resp, declineText(r, resp), order, line, amount, line.tax, line.shipping, {
    cycle: p.cycle + 1,
    recycle: p.recycle,
    authCode: null,
  });
  const txn = order.txns[order.txns.length - 1] as Txn;
  const today = localDate(t, m.config.timezone);
  touchPurchase(p, t);
  if (resp === 'SUCCESS') {
    e.recycleOrder.delete(p);
    order.status = 'COMPLETE';
    p.cycle += 1;
    p.recycle = 0;
    p.status = 'ACTIVE';
    p.billed += amount;
    p.nextBillDate = addDays(today, p.intervalDays);
    scheduleFate(e, txn, t);
    scheduleNextBill(m, e, p, t);
    return;
  }
  e.recycleOrder.set(p, order);
  if (resp === 'SOFT_DECLINE' && p.recycle < RECYCLE_DAYS.length) {
    p.recycle += 1;
    p.status = 'RECYCLE_BILLING';
    p.nextBillDate = addDays(today, RECYCLE_DAYS[p.recycle - 1] ?? 5);
    e.agenda.push(startOfLocalDay(p.nextBillDate, m.config.timezone) + 3 * HOUR + r.int(0, 239) * MINUTE, 'REBILL', p, p.cycle);
    return;
  }
  e.recycleOrder.delete(p);
  p.status = 'RECYCLE_FAILED';
  p.nextBillDate = null;
}

function cancelPurchase(m: Merchant, p: Purchase, t: number, reason: string, cycle: number): void {
  if (!billable(p) || (cycle >= 0 && p.cycle !== cycle)) return;
  p.status = 'CANCELLED';
  p.cancelReason = reason;
  p.cancelDate = localDate(t, m.config.timezone);
  p.nextBillDate = null;
  touchPurchase(p, t);
  addNote(p.customer, t, `Purchase ${p.purchaseId} cancelled: ${reason}`);
}

function voidTxn(m: Merchant, txn: Txn, t: number): void {
  if (txn.isChargedback || refundedOf(txn) > 0) return;
  addTxn(m, t, 'VOID', 'SUCCESS', 'Approved', txn.order, txn.line, txn.amount, txn.salesTax, txn.shipping, {
    parent: txn,
    cycle: txn.cycle,
    merchantTxnId: merchantTxnIdOf(m, txn),
  });
  txn.u = t;
  txn.order.refunded += txn.type === 'AUTHORIZE' ? 0 : txn.amount;
  if (txn.order.refunded >= orderPaid(txn.order)) txn.order.status = 'CANCELLED';
  if (txn.purchase) {
    if (txn.type !== 'AUTHORIZE') txn.purchase.refunded += txn.amount;
    touchPurchase(txn.purchase, t);
    cancelPurchase(m, txn.purchase, t, 'Voided', -1);
  }
}

/** Cents already refunded or voided against a transaction. */
export function refundedOf(txn: Txn): number {
  let sum = 0;
  for (const x of txn.order.txns) if (x.parent === txn && (x.type === 'REFUND' || x.type === 'VOID') && x.response === 'SUCCESS') sum += x.amount;
  return sum;
}

function refund(m: Merchant, e: Engine, txn: Txn, amount: number, t: number): void {
  if (txn.isChargedback) return;
  const left = txn.amount - refundedOf(txn);
  const amt = Math.min(amount, left);
  if (amt <= 0) return;
  const reason = e.rng.pick(REFUND_REASONS);
  addTxn(m, t, 'REFUND', 'SUCCESS', 'Approved', txn.order, txn.line, amt, 0, 0, {
    parent: txn,
    cycle: txn.cycle,
    refundReason: reason,
  });
  txn.u = t;
  const o = txn.order;
  o.refunded += amt;
  if (o.refunded >= orderPaid(o)) o.status = 'REFUNDED';
  addNote(o.customer, t, `Refund of ${o.campaign.currency.symbol}${(amt / 100).toFixed(2)} issued on order ${o.orderId}: ${reason}`);
  if (txn.purchase) {
    txn.purchase.refunded += amt;
    touchPurchase(txn.purchase, t);
    if (amt === txn.amount) cancelPurchase(m, txn.purchase, t, 'Refunded', -1);
  }
}

/** Cents captured on an order (successful SALE and CAPTURE rows). */
export function orderPaid(o: Order): number {
  let sum = 0;
  for (const x of o.txns) if (x.response === 'SUCCESS' && (x.type === 'SALE' || x.type === 'CAPTURE')) sum += x.amount;
  return sum;
}

function chargeback(m: Merchant, e: Engine, txn: Txn, t: number): void {
  if (txn.isChargedback || refundedOf(txn) >= txn.amount) return;
  const r = e.rng;
  txn.isChargedback = 1;
  txn.chargebackDate = localDate(t, m.config.timezone);
  txn.chargebackAmount = txn.amount;
  txn.chargebackReasonCode = r.pick(CHARGEBACK_CODES);
  txn.chargebackNote = null;
  txn.chargebackAt = t;
  txn.u = t;
  txn.order.u = Math.max(txn.order.u, t);
  addNote(txn.order.customer, t, `Chargeback received on transaction ${txn.transactionId}`);
  if (txn.purchase) cancelPurchase(m, txn.purchase, t, 'Chargeback', -1);
  // Merchants win a few disputes: the CRM then clears the flag (revertChargeback).
  if (r.chance(0.12)) e.agenda.push(t + r.int(15, 60) * DAY, 'CHARGEBACK_REVERSAL', txn);
}

function chargebackReversal(txn: Txn, t: number): void {
  if (!txn.isChargedback) return;
  const won = { date: txn.chargebackDate ?? '', amount: txn.chargebackAmount ?? txn.amount, at: txn.chargebackAt ?? t, revertedAt: t };
  txn.reversedChargebacks = [...(txn.reversedChargebacks ?? []), won];
  txn.isChargedback = 0;
  txn.chargebackDate = null;
  txn.chargebackAmount = null;
  txn.chargebackReasonCode = null;
  txn.chargebackNote = null;
  txn.u = t;
  txn.order.u = Math.max(txn.order.u, t);
}

/**
 * Appends by copying: rows hold many tiny arrays (an order's 1-3 transactions), and a pushed-to array
 * reserves 16 spare slots, which at a million rows is hundreds of megabytes.
 */
export function append<T>(items: readonly T[], item: T): T[] {
  const out = new Array<T>(items.length + 1);
  for (let i = 0; i < items.length; i++) out[i] = items[i] as T;
  out[items.length] = item;
  return out;
}

/** A customer by CRM customerId (ids are sequential, so this is an index, not a map). */
export function customerById(m: Merchant, id: number): Customer | undefined {
  return Number.isInteger(id) ? m.customers[id - ID_BASE.customer - 1] : undefined;
}

/** A transaction by CRM transactionId. */
export function txnById(m: Merchant, id: number): Txn | undefined {
  return Number.isInteger(id) ? m.txns[id - ID_BASE.txn - 1] : undefined;
}

/** The authorisation code of an approved charge: explicit on imported rows, derived otherwise. */
export function authCodeOf(m: Merchant, x: Txn): string | null {
  if (x.authCode !== null) return x.authCode;
  if (x.response !== 'SUCCESS') return null;
  if (x.type === 'CAPTURE' && x.parent) return authCodeOf(m, x.parent);
  if (x.type !== 'SALE' && x.type !== 'AUTHORIZE') return null;
  return String(mix32(x.transactionId, hash32(`auth:${m.config.seed}`)) % 1000000).padStart(6, '0');
}

/** The processor's id of a transaction: explicit on imported rows, derived from the id otherwise. */
export function merchantTxnIdOf(m: Merchant, txn: Txn): string {
  if (txn.merchantTxnId) return txn.merchantTxnId;
  const h = mix32(txn.transactionId, hash32(m.config.seed));
  return `ch_${h.toString(36).padStart(7, '0')}${txn.transactionId.toString(36)}`;
}
