/**
 * One customer as JSON (GET /api/customers/:connection/:id and `konduit customer ID --format json`) and
 * as text (`konduit customer ID`): one rendering, so the two agree. Money is a decimal string in its own
 * currency's minor units; instants are ISO 8601 (UTC) with the viewer's wall time beside them; a card is
 * at most its first 6 and last 4 digits.
 */
import { formatMinor } from '../core/currency.js';
import { EXIT_INVALID, EXIT_USAGE, KonduitError } from '../core/errors.js';
import { localMinute } from '../core/time.js';
import { connectionsWithCustomer, customerDetail, findCustomers, type CustomerDetail, type CustomerEvent, type CustomerPayment } from '../analytics/customer.js';
import type { ConnectionSummary, ReportReader } from '../store/store.js';
import { gridToTable } from './grid.js';
import type { Money } from './json.js';

/** An instant: ISO 8601 UTC and the viewer's local "YYYY-MM-DD HH:MM". */
export interface InstantJson {
  utc: string;
  local: string;
}

export interface CustomerEventJson {
  eventId: string;
  kind: CustomerEvent['kind'];
  at: InstantJson;
  amount: Money;
  currency: string;
  transactionId: number;
  orderId: string | null;
  billingCycle: number | null;
  /** Net revenue of the customer through this event in the customer's currency (null: another currency). */
  ltv: Money | null;
}

export interface CustomerJson {
  connection: string;
  customerId: number;
  timeZone: string;
  hasRecord: boolean;
  identity: Omit<CustomerDetail['identity'], 'createdAt'> & { createdAt: InstantJson | null };
  notes: number;
  currency: string | null;
  ltv: Money | null;
  acquiredBefore: boolean;
  cohort: { day: string; week: string; month: string; firstSaleAt: InstantJson; firstOrderId: string | null } | null;
  orders: { orderId: string; at: InstantJson | null; status: string | null; type: string | null; total: Money | null; currency: string | null; campaignId: number | null; campaignName: string | null; couponCode: string | null }[];
  transactions: {
    transactionId: number; at: InstantJson | null; type: string | null; response: string | null; amount: Money | null; currency: string | null; orderId: string | null;
    purchaseId: string | null; parentTransactionId: number | null; billingCycle: number | null; merchantId: number | null; campaignId: number | null;
    card: string | null; cardType: string | null; isChargedback: boolean; chargebackDate: string | null; chargebackAmount: Money | null;
  }[];
  subscriptions: {
    purchaseId: string; at: InstantJson | null; status: string | null; productId: number | null; productName: string | null; billingCycle: number | null;
    intervalDays: number | null; nextBillDate: string | null; price: Money | null; currency: string | null;
  }[];
  refunds: CustomerEventJson[];
  chargebacks: CustomerEventJson[];
  /** Sales paid back beyond their amount by refunds and chargebacks together. */
  overReversed: { transactionId: number; currency: string; sale: Money; refunded: Money; chargedBack: Money; excess: Money }[];
  events: CustomerEventJson[];
}

/** Renders a customer for a viewer zone; `connection` is the connection's name. */
export function customerJson(d: CustomerDetail, connection: string, tz: string): CustomerJson {
  const at = (ms: number): InstantJson => ({ utc: new Date(ms).toISOString(), local: localMinute(ms, tz) });
  const atOrNull = (ms: number | null) => (ms === null ? null : at(ms));
  const money = (cents: number | null, currency: string | null) => (cents === null ? null : formatMinor(cents, currency ?? 'USD'));
  const ev = (e: CustomerEvent): CustomerEventJson => ({
    eventId: e.eventId, kind: e.kind, at: at(e.at), amount: formatMinor(e.amountCents, e.currency), currency: e.currency, transactionId: e.transactionId,
    orderId: e.orderId, billingCycle: e.billingCycle, ltv: e.ltvCents === null ? null : formatMinor(e.ltvCents, d.currency ?? e.currency),
  });
  return {
    connection,
    customerId: d.customerId,
    timeZone: tz,
    hasRecord: d.hasRecord,
    identity: { ...d.identity, createdAt: atOrNull(d.identity.createdAt) },
    notes: d.notes,
    currency: d.currency,
    ltv: d.currency === null ? null : formatMinor(d.ltvCents, d.currency),
    acquiredBefore: d.acquiredBefore,
    cohort: d.cohort && { ...d.cohort, firstSaleAt: at(d.cohort.firstSaleAt) },
    orders: d.orders.map(({ totalCents, ...o }) => ({ ...o, at: atOrNull(o.at), total: money(totalCents, o.currency) })),
    transactions: d.transactions.map(({ amountCents, chargebackCents, ...t }) => ({ ...t, at: atOrNull(t.at), amount: money(amountCents, t.currency), chargebackAmount: money(chargebackCents, t.currency) })),
    subscriptions: d.subscriptions.map(({ priceCents, ...s }) => ({ ...s, at: atOrNull(s.at), price: money(priceCents, s.currency) })),
    refunds: d.refunds.map(ev),
    chargebacks: d.chargebacks.map(ev),
    overReversed: d.overReversed.map((o) => ({
      transactionId: o.transactionId, currency: o.currency, sale: formatMinor(o.saleCents, o.currency), refunded: formatMinor(o.refundedCents, o.currency),
      chargedBack: formatMinor(o.chargedBackCents, o.currency), excess: formatMinor(o.excessCents, o.currency),
    })),
    events: d.events.map(ev),
  };
}

const KIND_LABEL: Record<string, string> = { sale: 'Sale', refund: 'Refund', void: 'Void', chargeback: 'Chargeback', chargeback_reversal: 'Chargeback reversed' };

/** The text `konduit customer ID` prints: identity, then one table per kind of record. */
export function customerText(j: CustomerJson): string {
  const name = [j.identity.firstName, j.identity.lastName].filter(Boolean).join(' ') || '(no name)';
  const out: string[] = [];
  out.push(`Customer ${j.customerId} of ${j.connection}: ${name}${j.identity.email ? ` <${j.identity.email}>` : ''}${j.identity.country ? `, ${[j.identity.state, j.identity.country].filter(Boolean).join(', ')}` : ''}`);
  if (!j.hasRecord) out.push('The customer record itself is not synced yet: what follows comes from their transactions.');
  if (j.identity.createdAt) out.push(`Created ${j.identity.createdAt.local} (${j.timeZone})`);
  for (const p of j.identity.payments) out.push(`Payment: ${[p.type, p.cardType, p.card, p.expires ? `exp ${p.expires}` : null].filter(Boolean).join(' ')} (${p.source === 'paySource' ? 'pay source' : 'on transactions'})`);
  out.push(`Notes: ${j.notes} (their text is not shown)`);
  if (j.currency) out.push(`LTV: ${j.ltv} ${j.currency} (net revenue to date, in the currency of the first sale)`);
  out.push(j.cohort ? `Cohort: ${j.cohort.month} (first sale ${j.cohort.firstSaleAt.local}; week ${j.cohort.week}, day ${j.cohort.day})` : j.acquiredBefore ? 'Cohort: none (acquired before the synced history)' : 'Cohort: none (no sale)');
  const section = (title: string, columns: string[], rows: string[][]) => {
    out.push('', `${title} (${rows.length})`);
    if (rows.length > 0) out.push(gridToTable({ columns, rows }).trimEnd());
  };
  const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
  section('Orders', ['Order', 'Date', 'Status', 'Type', 'Total', 'Currency', 'Campaign', 'Coupon'], j.orders.map((o) => [o.orderId, s(o.at?.local), s(o.status), s(o.type), s(o.total), s(o.currency), s(o.campaignName ?? o.campaignId), s(o.couponCode)]));
  section('Transactions', ['Transaction', 'Date', 'Type', 'Response', 'Amount', 'Currency', 'Cycle', 'Order', 'Parent', 'MID', 'Card', 'Chargeback'], j.transactions.map((t) => [
    String(t.transactionId), s(t.at?.local), s(t.type), s(t.response), s(t.amount), s(t.currency), s(t.billingCycle), s(t.orderId), s(t.parentTransactionId), s(t.merchantId), s(t.card),
    t.isChargedback ? `${s(t.chargebackAmount)} on ${s(t.chargebackDate)}` : '',
  ]));
  section('Subscriptions', ['Purchase', 'Started', 'Status', 'Product', 'Cycle', 'Every (days)', 'Next bill', 'Price', 'Currency'], j.subscriptions.map((p) => [p.purchaseId, s(p.at?.local), s(p.status), s(p.productName ?? p.productId), s(p.billingCycle), s(p.intervalDays), s(p.nextBillDate), s(p.price), s(p.currency)]));
  const evRows = (list: CustomerEventJson[]) => list.map((e) => [e.at.local, KIND_LABEL[e.kind] ?? e.kind, String(e.transactionId), e.amount, e.currency, s(e.ltv)]);
  section('Refunds and voids, each on its own date', ['Date', 'Kind', 'Transaction', 'Amount', 'Currency', 'LTV after'], evRows(j.refunds));
  section('Chargebacks, each on its chargeback date', ['Date', 'Kind', 'Transaction', 'Amount', 'Currency', 'LTV after'], evRows(j.chargebacks));
  if (j.overReversed.length > 0) {
    section('Paid back more than sold: refunds and chargebacks of one sale beyond its amount', ['Sale', 'Amount', 'Refunded', 'Charged back', 'Beyond the sale', 'Currency'], j.overReversed.map((o) => [String(o.transactionId), o.sale, o.refunded, o.chargedBack, o.excess, o.currency]));
  }
  section(`Money events with running LTV${j.currency ? ` (${j.currency})` : ''}`, ['Date', 'Kind', 'Transaction', 'Amount', 'Currency', 'LTV after'], evRows(j.events));
  out.push('', `Times are ${j.timeZone}.`);
  return `${out.join('\n')}\n`;
}

/** Why a customer could not be shown: `ambiguous_customer` (a usage error: name the connection) or `unknown_customer`. */
export class CustomerLookupError extends KonduitError {
  declare readonly code: 'ambiguous_customer' | 'unknown_customer' | 'unknown_connection' | 'invalid_parameter';
  constructor(code: CustomerLookupError['code'], message: string, hint?: string, param?: string) {
    // No such customer is a failed check (1); a request that cannot be answered as asked is a usage error (2).
    super(message, code === 'unknown_customer' ? EXIT_INVALID : EXIT_USAGE, hint, { code, ...(param ? { param } : {}) });
  }
}

/**
 * Finds a customer by the CRM's customer id, in the connection named (`connection`), else in the one
 * connection that has it: an id several connections have needs the connection (every account numbers its
 * customers from its own start), and the error names them. `flag` spells the connection parameter for
 * the message ("--connection" or "connection").
 */
export async function lookupCustomer(
  store: ReportReader & { listConnections(): Promise<ConnectionSummary[]> },
  q: { customerId: string; connection?: string; tz: string; flag: string },
): Promise<CustomerJson> {
  if (!/^\d{1,15}$/.test(q.customerId)) throw new CustomerLookupError('invalid_parameter', `the customer id "${q.customerId.slice(0, 40)}" is not valid: expected the CRM's customerId, a whole number`, undefined, 'id');
  const id = Number(q.customerId);
  const conns = await store.listConnections();
  const byId = new Map(conns.map((c) => [c.connectionId, c]));
  let connectionId: string;
  if (q.connection !== undefined) {
    const c = conns.find((x) => x.name === q.connection || x.connectionId === q.connection);
    if (!c) throw new CustomerLookupError('unknown_connection', `${q.flag} "${q.connection}" names no connection of this store: expected one of ${conns.map((x) => x.name).join(', ') || '(none yet)'}`, undefined, 'connection');
    connectionId = c.connectionId;
  } else {
    const found = await connectionsWithCustomer(store, id);
    if (found.length === 0) throw new CustomerLookupError('unknown_customer', `no connection of this store has a customer ${id}`, 'Check the id in the CRM, or sync the connection first.');
    if (found.length > 1) {
      const names = found.map((x) => byId.get(x)?.name ?? x).sort();
      throw new CustomerLookupError('ambiguous_customer', `customer ${id} exists in ${names.length} connections (${names.join(', ')}): each account numbers its own customers; choose one with ${q.flag}`, `e.g. ${q.flag} ${names[0]}`);
    }
    connectionId = found[0] as string;
  }
  const d = await customerDetail(store, { connectionId, customerId: id, tz: q.tz });
  const name = byId.get(connectionId)?.name ?? connectionId;
  if (!d) throw new CustomerLookupError('unknown_customer', `${name} has no customer ${id}`, 'Check the id in the CRM, or sync the connection first.');
  return customerJson(d, name, q.tz);
}

/** GET /api/customers: customers found by id, name or e-mail, each with the path of their page. */
export interface CustomerListJson {
  customers: {
    connection: string;
    customerId: number;
    name: string | null;
    email: string | null;
    country: string | null;
    currency: string | null;
    firstSaleAt: string | null;
    ltv: Money | null;
    /** The customer's page in the dashboard. */
    href: string;
  }[];
  truncated: boolean;
}

/** The dashboard path of a customer's page. */
export function customerHref(connection: string, customerId: number): string {
  return `/customers/${encodeURIComponent(connection)}/${customerId}`;
}

/** Lists customers for the Customers page (`search`: an id, or part of a name or e-mail). */
export async function listCustomers(store: ReportReader & { listConnections(): Promise<ConnectionSummary[]> }, q: { search?: string; connection?: string[]; limit?: number }): Promise<CustomerListJson> {
  const conns = await store.listConnections();
  const ids = (q.connection ?? []).map((n) => {
    const c = conns.find((x) => x.name === n || x.connectionId === n);
    if (!c) throw new CustomerLookupError('unknown_connection', `connection "${n}" names no connection of this store: expected one of ${conns.map((x) => x.name).join(', ') || '(none yet)'}`, undefined, 'connection');
    return c.connectionId;
  });
  const r = await findCustomers(store, { search: q.search, connectionIds: ids.length > 0 ? ids : null, limit: q.limit ?? 50 });
  const name = new Map(conns.map((c) => [c.connectionId, c.name]));
  return {
    customers: r.customers.map((c) => {
      const conn = name.get(c.connectionId) ?? c.connectionId;
      return {
        connection: conn, customerId: c.customerId, name: [c.firstName, c.lastName].filter(Boolean).join(' ') || null, email: c.email, country: c.country, currency: c.currency,
        firstSaleAt: c.firstSaleAt === null ? null : new Date(c.firstSaleAt).toISOString(), ltv: c.ltvCents === null || c.currency === null ? null : formatMinor(c.ltvCents, c.currency),
        href: customerHref(conn, c.customerId),
      };
    }),
    truncated: r.truncated,
  };
}
