/**
 * One customer (docs/metrics.md, "One customer"): everything Konduit holds about a customer of one
 * connection, read from the store: identity with the payment masked (at most the first 6 and last 4
 * digits of a card), orders, transactions, subscriptions, refunds and chargebacks (each on its own
 * date), how many notes the CRM has (never their text), the money events with a running LTV in the
 * customer's currency, and the cohort the customer belongs to.
 */
import type { Cents } from '../core/money.js';
import { isoWeekKey, localDate } from '../core/time.js';
import { netOf, type EventKind } from '../ledger/index.js';
import type { ReportReader } from '../store/store.js';
import type { Row } from '../store/tables.js';

/**
 * Where a customer id is found: each connection whose store holds the customer's record or events. Asked
 * per connection (a connection's rows go when it is removed), so that PostgreSQL probes its
 * `(connection_id, customer_id)` keys and indexes instead of reading every table whole.
 */
export async function connectionsWithCustomer(store: ReportReader, customerId: number): Promise<string[]> {
  const rows = await store.query(
    `SELECT c.connection_id FROM connections c
     WHERE EXISTS (SELECT 1 FROM customers x WHERE x.connection_id = c.connection_id AND x.customer_id = $1)
        OR EXISTS (SELECT 1 FROM money_events x WHERE x.connection_id = c.connection_id AND x.customer_id = $1)
        OR EXISTS (SELECT 1 FROM transactions x WHERE x.connection_id = c.connection_id AND x.customer_id = $1)
     ORDER BY 1`,
    [customerId],
  );
  return rows.map((r) => String(r.connection_id));
}

/** A card as Konduit may show it: the BIN (first 6) and the last 4 digits, the middle starred. */
export function maskedCard(bin: string | null, last4: string | null): string | null {
  const b = bin && /^\d{6}/.test(bin) ? bin.slice(0, 6) : null;
  const l = last4 && /^\d{4}$/.test(last4.slice(-4)) ? last4.slice(-4) : null;
  if (!b && !l) return null;
  return `${b ?? '******'}******${l ?? '****'}`;
}

export interface CustomerPayment {
  /** CARD, ACH, ... as the CRM names the pay source. */
  type: string | null;
  /** VISA, MASTERCARD, ... */
  cardType: string | null;
  /** At most the first 6 and last 4 digits: "411111******1111", or "************1111" without a BIN. */
  card: string | null;
  /** "MM/YYYY" when the CRM gives one. */
  expires: string | null;
  /** Where it was read: the customer's pay sources, or the transactions charged to it. */
  source: 'paySource' | 'transactions';
}

export interface CustomerOrder {
  orderId: string;
  at: number | null;
  status: string | null;
  type: string | null;
  totalCents: Cents | null;
  currency: string | null;
  campaignId: number | null;
  campaignName: string | null;
  couponCode: string | null;
}

export interface CustomerTransaction {
  transactionId: number;
  at: number | null;
  type: string | null;
  response: string | null;
  amountCents: Cents | null;
  currency: string | null;
  orderId: string | null;
  purchaseId: string | null;
  parentTransactionId: number | null;
  billingCycle: number | null;
  merchantId: number | null;
  campaignId: number | null;
  card: string | null;
  cardType: string | null;
  isChargedback: boolean;
  chargebackDate: string | null;
  chargebackCents: Cents | null;
}

export interface CustomerSubscription {
  purchaseId: string;
  at: number | null;
  status: string | null;
  productId: number | null;
  productName: string | null;
  billingCycle: number | null;
  intervalDays: number | null;
  nextBillDate: string | null;
  priceCents: Cents | null;
  currency: string | null;
}

/** A money event of the customer, with the running LTV after it. */
export interface CustomerEvent {
  eventId: string;
  kind: EventKind;
  at: number;
  /** Signed as the ledger keeps it: a sale +, a refund, void or chargeback -, a reversal +. */
  amountCents: Cents;
  currency: string;
  transactionId: number;
  orderId: string | null;
  billingCycle: number | null;
  /** Net revenue of the customer through this event, in the customer's currency; null for an event in another currency. */
  ltvCents: Cents | null;
}

export interface CustomerCohort {
  /** The first sale's day, ISO week and month in the viewer's zone (the cohort keys of the cohort report). */
  day: string;
  week: string;
  month: string;
  firstSaleAt: number;
  firstOrderId: string | null;
}

/**
 * A sale whose refunds, voids and chargebacks (net of reversals) together take back more than it
 * brought: two channels paid the same money back (a refund and then a chargeback of the same sale, say).
 */
export interface OverReversedSale {
  transactionId: number;
  currency: string;
  saleCents: Cents;
  /** Refunds and voids of the sale (their parent is the sale), as a positive amount. */
  refundedCents: Cents;
  /** Chargebacks of the sale net of their reversals, as a positive amount. */
  chargedBackCents: Cents;
  /** refunded + charged back - sale: what was paid back beyond the sale. */
  excessCents: Cents;
}

/** The sales among `events` that were paid back more than once over (parents read from `parentOf`). */
export function overReversedSales(events: readonly { kind: EventKind; transactionId: number; amountCents: number; currency: string }[], parentOf: ReadonlyMap<number, number | null>): OverReversedSale[] {
  const sales = new Map<number, { currency: string; sale: number; refunded: number; chargedBack: number }>();
  for (const e of events) if (e.kind === 'sale') sales.set(e.transactionId, { currency: e.currency, sale: e.amountCents, refunded: 0, chargedBack: 0 });
  for (const e of events) {
    if (e.kind === 'refund' || e.kind === 'void') {
      const s = sales.get(parentOf.get(e.transactionId) ?? -1);
      if (s) s.refunded -= e.amountCents;
    } else if (e.kind === 'chargeback' || e.kind === 'chargeback_reversal') {
      const s = sales.get(e.transactionId);
      if (s) s.chargedBack -= e.amountCents;
    }
  }
  return [...sales.entries()]
    .filter(([, s]) => s.refunded + s.chargedBack > s.sale)
    .map(([transactionId, s]) => ({ transactionId, currency: s.currency, saleCents: s.sale, refundedCents: s.refunded, chargedBackCents: s.chargedBack, excessCents: s.refunded + s.chargedBack - s.sale }));
}

export interface CustomerDetail {
  connectionId: string;
  customerId: number;
  /** False when the store has the customer's events but not their own record (yet). */
  hasRecord: boolean;
  identity: {
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    country: string | null;
    state: string | null;
    createdAt: number | null;
    payments: CustomerPayment[];
  };
  /** How many notes the CRM's record has; their text is never shown. */
  notes: number;
  /** The currency of the first sale: LTV and the cohort count in it (docs/metrics.md, "Currency"). */
  currency: string | null;
  /** Null when the customer has no sale, or was acquired before the data's coverage (in no cohort). */
  cohort: CustomerCohort | null;
  acquiredBefore: boolean;
  ltvCents: Cents;
  orders: CustomerOrder[];
  transactions: CustomerTransaction[];
  subscriptions: CustomerSubscription[];
  /** Refund and void events, each on its own date. */
  refunds: CustomerEvent[];
  /** Chargeback and chargeback-reversal events, each on its own date (a chargeback's is its chargeback date). */
  chargebacks: CustomerEvent[];
  /** Sales paid back beyond their amount by their refunds and chargebacks together (flagged in the customer's view). */
  overReversed: OverReversedSale[];
  events: CustomerEvent[];
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined || v === '' ? null : String(v));

function parseJson(text: unknown): Record<string, unknown> | null {
  // PostgreSQL hands a JSON column back parsed, DuckDB as text.
  if (text && typeof text === 'object' && !Array.isArray(text)) return text as Record<string, unknown>;
  if (typeof text !== 'string') return null;
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The pay sources of a customer's stored record, masked. */
function paySources(raw: Record<string, unknown> | null): CustomerPayment[] {
  const list = raw?.paySources;
  if (!Array.isArray(list)) return [];
  const out: CustomerPayment[] = [];
  for (const p of list) {
    if (!p || typeof p !== 'object') continue;
    const o = p as Record<string, unknown>;
    const last4 = str(o.cardLast4) ?? str(o.achLast4);
    const month = str(o.cardMonth);
    const year = str(o.cardYear);
    out.push({
      type: str(o.paySourceType),
      cardType: str(o.cardType),
      // A pay source carries no BIN: the last 4 alone.
      card: maskedCard(null, last4),
      expires: month && year ? `${month.padStart(2, '0')}/${year}` : null,
      source: 'paySource',
    });
  }
  return out;
}

/** Reads one customer of one connection; null when the store has neither their record nor any of their rows. */
export async function customerDetail(store: ReportReader, q: { connectionId: string; customerId: number; tz: string }): Promise<CustomerDetail | null> {
  const ms = (col: string) => store.sql.epochMs(col);
  const args = [q.connectionId, q.customerId];
  const [customers, facts, orders, txns, purchases, events] = await Promise.all([
    store.query(`SELECT first_name, last_name, email, country, state, ${ms('date_created')} AS created, raw FROM customers WHERE connection_id = $1 AND customer_id = $2`, args),
    store.query(`SELECT currency, ${ms('first_sale_at')} AS first_sale, first_order_id, acquired_before FROM customer_facts WHERE connection_id = $1 AND customer_id = $2`, args),
    store.query(
      `SELECT o.order_id, ${ms('o.date_created')} AS at, o.order_status, o.order_type, o.total_cents, o.currency, o.campaign_id, c.name AS campaign_name, o.coupon_code
       FROM orders o LEFT JOIN campaigns c ON c.connection_id = o.connection_id AND c.campaign_id = o.campaign_id
       WHERE o.connection_id = $1 AND o.customer_id = $2 ORDER BY 2, 1`,
      args,
    ),
    store.query(
      `SELECT transaction_id, ${ms('date_created')} AS at, txn_type, response_type, total_cents, currency, order_id, purchase_id, parent_txn_id, billing_cycle,
         merchant_id, campaign_id, card_bin, card_last4, card_type, is_chargedback, chargeback_date, chargeback_cents
       FROM transactions WHERE connection_id = $1 AND customer_id = $2 ORDER BY 2, 1`,
      args,
    ),
    store.query(
      `SELECT p.purchase_id, ${ms('p.date_created')} AS at, p.status, p.product_id, pr.name AS product_name, p.billing_cycle, p.billing_interval_days, p.next_bill_date, p.price_cents, p.currency
       FROM purchases p LEFT JOIN products pr ON pr.connection_id = p.connection_id AND pr.product_id = p.product_id
       WHERE p.connection_id = $1 AND p.customer_id = $2 ORDER BY 2, 1`,
      args,
    ),
    store.query(
      `SELECT event_id, kind, ${ms('instant')} AS at, amount_cents, currency, transaction_id, order_id, billing_cycle
       FROM money_events WHERE connection_id = $1 AND customer_id = $2 AND kind <> 'decline' ORDER BY 3, 2, 1`,
      args,
    ),
  ]);
  if (customers.length === 0 && txns.length === 0 && events.length === 0) return null;
  const c: Row | undefined = customers[0];
  const f: Row | undefined = facts[0];
  const raw = parseJson(c?.raw);
  const currency = str(f?.currency);
  const acquiredBefore = f?.acquired_before === true;

  let ltv = 0;
  const evs: CustomerEvent[] = events.map((e) => {
    const kind = String(e.kind) as EventKind;
    const amount = Number(e.amount_cents);
    const cur = String(e.currency);
    const mine = cur === currency;
    if (mine) ltv += netOf({ kind, amount_cents: amount });
    return {
      eventId: String(e.event_id), kind, at: Number(e.at), amountCents: amount, currency: cur, transactionId: Number(e.transaction_id),
      orderId: str(e.order_id), billingCycle: num(e.billing_cycle), ltvCents: mine ? ltv : null,
    };
  });
  // Cards seen on the customer's transactions: BIN and last 4, never more.
  const cardsSeen = new Map<string, CustomerPayment>();
  for (const t of txns) {
    const card = maskedCard(str(t.card_bin), str(t.card_last4));
    if (card && !cardsSeen.has(card)) cardsSeen.set(card, { type: 'CARD', cardType: str(t.card_type), card, expires: null, source: 'transactions' });
  }
  const first = num(f?.first_sale);
  return {
    connectionId: q.connectionId,
    customerId: q.customerId,
    hasRecord: c !== undefined,
    identity: {
      firstName: str(c?.first_name),
      lastName: str(c?.last_name),
      email: str(c?.email),
      country: str(c?.country),
      state: str(c?.state),
      createdAt: num(c?.created),
      payments: [...paySources(raw), ...cardsSeen.values()],
    },
    notes: Array.isArray(raw?.notes) ? raw.notes.length : 0,
    currency,
    cohort: first === null || acquiredBefore ? null : { day: localDate(first, q.tz), week: isoWeekKey(localDate(first, q.tz)), month: localDate(first, q.tz).slice(0, 7), firstSaleAt: first, firstOrderId: str(f?.first_order_id) },
    acquiredBefore,
    ltvCents: ltv,
    orders: orders.map((o) => ({
      orderId: String(o.order_id), at: num(o.at), status: str(o.order_status), type: str(o.order_type), totalCents: num(o.total_cents), currency: str(o.currency),
      campaignId: num(o.campaign_id), campaignName: str(o.campaign_name), couponCode: str(o.coupon_code),
    })),
    transactions: txns.map((t) => ({
      transactionId: Number(t.transaction_id), at: num(t.at), type: str(t.txn_type), response: str(t.response_type), amountCents: num(t.total_cents), currency: str(t.currency),
      orderId: str(t.order_id), purchaseId: str(t.purchase_id), parentTransactionId: num(t.parent_txn_id), billingCycle: num(t.billing_cycle), merchantId: num(t.merchant_id),
      campaignId: num(t.campaign_id), card: maskedCard(str(t.card_bin), str(t.card_last4)), cardType: str(t.card_type), isChargedback: t.is_chargedback === true,
      chargebackDate: str(t.chargeback_date), chargebackCents: num(t.chargeback_cents),
    })),
    subscriptions: purchases.map((p) => ({
      purchaseId: String(p.purchase_id), at: num(p.at), status: str(p.status), productId: num(p.product_id), productName: str(p.product_name), billingCycle: num(p.billing_cycle),
      intervalDays: num(p.billing_interval_days), nextBillDate: str(p.next_bill_date), priceCents: num(p.price_cents), currency: str(p.currency),
    })),
    refunds: evs.filter((e) => e.kind === 'refund' || e.kind === 'void'),
    chargebacks: evs.filter((e) => e.kind === 'chargeback' || e.kind === 'chargeback_reversal'),
    overReversed: overReversedSales(evs, new Map(txns.map((t) => [Number(t.transaction_id), num(t.parent_txn_id)]))),
    events: evs,
  };
}

/** A customer as a list shows them (the Customers page; a row links to the customer). */
export interface CustomerListItem {
  connectionId: string;
  customerId: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  country: string | null;
  currency: string | null;
  firstSaleAt: number | null;
  /** Net revenue to date in the customer's currency (their facts); null without a sale. */
  ltvCents: Cents | null;
}

/**
 * Customers whose id is `search`, or whose name or e-mail contains it (ignoring case); without a search,
 * the most recently acquired. At most `limit`, of the connections given (null: every one).
 */
export async function findCustomers(store: ReportReader, q: { search?: string; connectionIds: string[] | null; limit: number }): Promise<{ customers: CustomerListItem[]; truncated: boolean }> {
  const params: (string | number)[] = [];
  const add = (v: string | number) => (params.push(v), `$${params.length}`);
  const where: string[] = [];
  let exact = 'FALSE';
  if (q.connectionIds) where.push(`c.connection_id IN (${q.connectionIds.map(add).join(', ')})`);
  const s = q.search?.trim();
  if (s) {
    const like = add(`%${s.toLowerCase().replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`);
    const parts = [`LOWER(COALESCE(c.email, '')) LIKE ${like} ESCAPE '\\'`, `LOWER(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '')) LIKE ${like} ESCAPE '\\'`];
    if (/^\d{1,15}$/.test(s)) {
      exact = `c.customer_id = ${add(Number(s))}`;
      parts.unshift(exact);
    }
    where.push(`(${parts.join(' OR ')})`);
  }
  const limit = add(q.limit + 1);
  const rows = await store.query(
    `SELECT c.connection_id, c.customer_id, c.first_name, c.last_name, c.email, c.country, f.currency, ${store.sql.epochMs('f.first_sale_at')} AS first_sale, f.net_cents
     FROM customers c LEFT JOIN customer_facts f ON f.connection_id = c.connection_id AND f.customer_id = c.customer_id
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY CASE WHEN ${exact} THEN 0 ELSE 1 END, f.first_sale_at DESC NULLS LAST, c.connection_id, c.customer_id LIMIT ${limit}`,
    params,
  );
  return {
    customers: rows.slice(0, q.limit).map((r) => ({
      connectionId: String(r.connection_id), customerId: Number(r.customer_id), firstName: str(r.first_name), lastName: str(r.last_name), email: str(r.email),
      country: str(r.country), currency: str(r.currency), firstSaleAt: num(r.first_sale), ltvCents: num(r.net_cents),
    })),
    truncated: rows.length > q.limit,
  };
}
