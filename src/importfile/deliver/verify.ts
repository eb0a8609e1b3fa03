/**
 * `konduit import verify`: after the CRM team imported a file set, reads the CRM through its query API
 * and checks, per customer, what step 7 of the CRM's migration guide asks the merchant to check ("review the customers,
 * verify the rebills and refunds"): the customer exists (matched on email: the CRM assigns its own ids,
 * docs/crm-api.md, "Endpoints Konduit reads"), identity fields, every transaction and amount (matched on merchantTxnId),
 * refunds linked to their sales, chargebacks, active subscriptions with the right next bill date and
 * price, and no active subscription the files do not have.
 *
 * Plan (pure): `expectationsFrom` turns file rows into expectations; `compareCustomer` compares one
 * customer's expectations with the CRM's records and returns the differences as data.
 * Apply (I/O): `verifyImport` reads the files and queries the CRM (three queries per customer).
 */
import { EnvironmentError } from '../../core/errors.js';
import { maskDigitsInText } from '../../core/mask.js';
import { formatCents, parseCents } from '../../core/money.js';
import { addDays } from '../../core/time.js';
import { crmDate, type Endpoint, type Page } from '../../crm/client.js';
import { cellOf, readTable } from '../read/table.js';
import { plural, verb } from '../../core/text.js';

/** The part of the CRM client verify needs: its paging generator (CrmClient satisfies it). */
export interface CrmReader {
  pages(endpoint: Endpoint, params: Record<string, string>, opts?: { perPage?: number }): AsyncIterable<Page>;
}

/** Identity fields compared between the file (first row of the customer) and customer/query. */
export const IDENTITY_FIELDS = [
  ['firstName', 'firstName'],
  ['lastName', 'lastName'],
  ['emailAddress', 'emailAddress'],
  ['phoneNumber', 'phoneNumber'],
  ['address1', 'address1'],
  ['city', 'city'],
  ['state', 'state'],
  ['postalCode', 'postalCode'],
  ['country', 'country'],
] as const;

/** One expected transaction. */
export interface ExpectedTxn {
  merchantTxnId: string;
  row: number;
  txnType: string;
  success: boolean;
  totalCents: number;
  parentMerchantTxnId: string | null;
  chargeback: { cents: number; date: string } | null;
}

/** One expected active subscription (the latest isActiveRecurring=1 row of a campaign product). */
export interface ExpectedSubscription {
  productId: string;
  nextBillDate: string;
  priceCents: number;
  row: number;
}

/** Everything expected of one customer. */
export interface ExpectedCustomer {
  customerId: string;
  email: string;
  /** Date (YYYY-MM-DD) of the customer's first transaction: the CRM dates the customer there. */
  firstDate: string;
  identity: Record<string, string>;
  txns: ExpectedTxn[];
  subscriptions: ExpectedSubscription[];
}

/** Difference codes (data; `renderVerifyText` turns them into sentences). */
export type DiffCode =
  | 'customer_missing'
  | 'identity_differs'
  | 'transaction_missing'
  | 'transaction_type_differs'
  | 'amount_differs'
  | 'response_differs'
  | 'refund_not_linked'
  | 'chargeback_missing'
  | 'chargeback_differs'
  | 'subscription_missing'
  | 'next_bill_date_differs'
  | 'price_differs'
  | 'unexpected_active_subscription';

/** One named difference between the files and the CRM. Values are masked if they could hold numbers. */
export interface Difference {
  code: DiffCode;
  customerId: string;
  email: string;
  field: string | null;
  merchantTxnId: string | null;
  productId: string | null;
  expected: string | null;
  actual: string | null;
  /** Row of the transactions file the expectation came from. */
  row: number | null;
}

/** The verdict on one customer. */
export interface CustomerVerdict {
  customerId: string;
  email: string;
  crmCustomerId: number | null;
  found: boolean;
  checked: { transactions: number; subscriptions: number };
  differences: Difference[];
}

/** The verify report. */
export interface VerifyReport {
  pass: boolean;
  customers: { total: number; found: number; missing: number; withDifferences: number };
  differences: number;
  byCode: Partial<Record<DiffCode, number>>;
  verdicts: CustomerVerdict[];
}

type Get = (name: string) => string;

/** Builds expectations from transaction rows (pure). Rows are (row number, cell getter). */
export function expectationsFrom(rows: Iterable<{ row: number; get: Get }>): ExpectedCustomer[] {
  const by = new Map<string, { first: { row: number; get: Get; date: string }; txns: ExpectedTxn[]; subs: Map<string, { s: ExpectedSubscription; at: string }> }>();
  for (const { row, get } of rows) {
    const id = get('customerId').trim();
    const at = get('dateCreated').trim();
    let c = by.get(id);
    if (!c) {
      c = { first: { row, get, date: at }, txns: [], subs: new Map() };
      by.set(id, c);
    } else if (at < c.first.date) c.first = { row, get, date: at };
    const cb = get('isChargedback').trim() === '1';
    c.txns.push({
      merchantTxnId: get('merchantTxnId').trim(),
      row,
      txnType: get('txnType').trim(),
      success: get('responseType').trim() === 'SUCCESS',
      totalCents: parseCents(get('totalAmount')) ?? NaN,
      parentMerchantTxnId: get('parentTxnId').trim() || null,
      chargeback: cb ? { cents: parseCents(get('chargebackTotal')) ?? NaN, date: get('chargebackDate').trim() } : null,
    });
    if (get('isActiveRecurring').trim() === '1') {
      const productId = get('productId').trim();
      const prev = c.subs.get(productId);
      // The latest row flagged active is the subscription's current state.
      if (!prev || at >= prev.at) {
        c.subs.set(productId, { at, s: { productId, nextBillDate: get('nextBillDate').trim(), priceCents: parseCents(get('subTotal')) ?? NaN, row } });
      }
    }
  }
  return [...by].map(([customerId, c]) => {
    const identity: Record<string, string> = {};
    for (const [f] of IDENTITY_FIELDS) identity[f] = c.first.get(f).trim();
    return {
      customerId,
      email: identity.emailAddress ?? '',
      firstDate: c.first.date.slice(0, 10),
      identity,
      txns: c.txns,
      subscriptions: [...c.subs.values()].map((x) => x.s),
    };
  });
}

/** What the CRM returned for one customer. */
export interface CrmCustomerView {
  customer: Record<string, unknown> | null;
  transactions: Record<string, unknown>[];
  purchases: Record<string, unknown>[];
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const money = (c: number): string => (Number.isFinite(c) ? formatCents(c) : '(not an amount)');

/** Compares one customer's expectations with the CRM's records (pure). */
export function compareCustomer(e: ExpectedCustomer, crm: CrmCustomerView): CustomerVerdict {
  const diffs: Difference[] = [];
  const d = (code: DiffCode, o: Partial<Difference>) =>
    diffs.push({
      code,
      customerId: e.customerId,
      email: e.email,
      field: o.field ?? null,
      merchantTxnId: o.merchantTxnId ?? null,
      productId: o.productId ?? null,
      expected: o.expected === undefined || o.expected === null ? null : maskDigitsInText(o.expected),
      actual: o.actual === undefined || o.actual === null ? null : maskDigitsInText(o.actual),
      row: o.row ?? null,
    });
  if (!crm.customer) {
    d('customer_missing', { field: 'emailAddress', expected: e.email, actual: null });
    return { customerId: e.customerId, email: e.email, crmCustomerId: null, found: false, checked: { transactions: 0, subscriptions: 0 }, differences: diffs };
  }
  for (const [f, api] of IDENTITY_FIELDS) {
    const want = e.identity[f] ?? '';
    const got = str(crm.customer[api]).trim();
    // Email case is not significant; other fields are compared exactly.
    const same = f === 'emailAddress' ? want.toLowerCase() === got.toLowerCase() : want === got;
    if (!same) d('identity_differs', { field: f, expected: want, actual: got });
  }
  const byMtx = new Map<string, Record<string, unknown>[]>();
  const byTxnId = new Map<string, Record<string, unknown>>();
  for (const t of crm.transactions) {
    const k = str(t.merchantTxnId);
    byMtx.set(k, [...(byMtx.get(k) ?? []), t]);
    byTxnId.set(str(t.transactionId), t);
  }
  const pick = (x: ExpectedTxn) => {
    const list = byMtx.get(x.merchantTxnId) ?? [];
    return list.find((t) => str(t.txnType) === x.txnType) ?? list[0];
  };
  for (const x of e.txns) {
    const t = pick(x);
    const at = { merchantTxnId: x.merchantTxnId, row: x.row };
    if (!t) {
      d('transaction_missing', { ...at, field: 'merchantTxnId', expected: `${x.txnType} ${money(x.totalCents)}`, actual: null });
      continue;
    }
    if (str(t.txnType) !== x.txnType) d('transaction_type_differs', { ...at, field: 'txnType', expected: x.txnType, actual: str(t.txnType) });
    const amount = parseCents(str(t.totalAmount));
    if (amount !== x.totalCents) d('amount_differs', { ...at, field: 'totalAmount', expected: money(x.totalCents), actual: str(t.totalAmount) });
    const ok = str(t.responseType) === 'SUCCESS';
    if (ok !== x.success) d('response_differs', { ...at, field: 'responseType', expected: x.success ? 'SUCCESS' : 'DECLINE', actual: str(t.responseType) });
    if (x.parentMerchantTxnId && (x.txnType === 'REFUND' || x.txnType === 'CAPTURE')) {
      const parent = byTxnId.get(str(t.parentTxnId));
      if (!parent || str(parent.merchantTxnId) !== x.parentMerchantTxnId) {
        d('refund_not_linked', { ...at, field: 'parentTxnId', expected: x.parentMerchantTxnId, actual: parent ? str(parent.merchantTxnId) : str(t.parentTxnId) || null });
      }
    }
    if (x.chargeback) {
      if (Number(t.isChargedback) !== 1) d('chargeback_missing', { ...at, field: 'isChargedback', expected: '1', actual: str(t.isChargedback) || '0' });
      else {
        if (parseCents(str(t.chargebackAmount)) !== x.chargeback.cents) d('chargeback_differs', { ...at, field: 'chargebackAmount', expected: money(x.chargeback.cents), actual: str(t.chargebackAmount) });
        if (str(t.chargebackDate) !== x.chargeback.date) d('chargeback_differs', { ...at, field: 'chargebackDate', expected: x.chargeback.date, actual: str(t.chargebackDate) });
      }
    }
  }
  const active = crm.purchases.filter((p) => ['ACTIVE', 'TRIAL'].includes(str(p.status).toUpperCase()));
  const matched = new Set<Record<string, unknown>>();
  for (const s of e.subscriptions) {
    const p = active.find((x) => str(x.productId) === s.productId && !matched.has(x));
    const at = { productId: s.productId, row: s.row };
    if (!p) {
      d('subscription_missing', { ...at, field: 'status', expected: `ACTIVE, next bill ${s.nextBillDate}`, actual: crm.purchases.find((x) => str(x.productId) === s.productId)?.status as string ?? null });
      continue;
    }
    matched.add(p);
    if (str(p.nextBillDate) !== s.nextBillDate) d('next_bill_date_differs', { ...at, field: 'nextBillDate', expected: s.nextBillDate, actual: str(p.nextBillDate) });
    if (parseCents(str(p.price)) !== s.priceCents) d('price_differs', { ...at, field: 'price', expected: money(s.priceCents), actual: str(p.price) });
  }
  for (const p of active) {
    // An active subscription the files do not have would rebill a customer who should not be billed.
    if (!matched.has(p)) d('unexpected_active_subscription', { productId: str(p.productId), field: 'status', expected: null, actual: `${str(p.status)}, next bill ${str(p.nextBillDate)}` });
  }
  return {
    customerId: e.customerId,
    email: e.email,
    crmCustomerId: Number(crm.customer.customerId) || null,
    found: true,
    checked: { transactions: e.txns.length, subscriptions: e.subscriptions.length },
    differences: diffs,
  };
}

/** Summarises verdicts into the report (pure). */
export function summarize(verdicts: CustomerVerdict[]): VerifyReport {
  const byCode: Partial<Record<DiffCode, number>> = {};
  let differences = 0;
  for (const v of verdicts) {
    for (const x of v.differences) {
      byCode[x.code] = (byCode[x.code] ?? 0) + 1;
      differences++;
    }
  }
  const found = verdicts.filter((v) => v.found).length;
  return {
    pass: differences === 0,
    customers: { total: verdicts.length, found, missing: verdicts.length - found, withDifferences: verdicts.filter((v) => v.differences.length > 0).length },
    differences,
    byCode,
    verdicts,
  };
}

async function allPages(crm: CrmReader, endpoint: Endpoint, params: Record<string, string>): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for await (const p of crm.pages(endpoint, params, { perPage: 200 })) out.push(...(p.records as Record<string, unknown>[]));
  return out;
}

/** Reads one customer from the CRM: customer/query by email in a window from their first date, then their transactions and purchases. */
export async function readCrmCustomer(crm: CrmReader, e: ExpectedCustomer, today: string): Promise<CrmCustomerView> {
  // A day of slack each side: the file's wall times and the account's zone may straddle midnight.
  const start = /^\d{4}-\d{2}-\d{2}$/.test(e.firstDate) ? addDays(e.firstDate, -1) : addDays(today, -3650);
  const found = await allPages(crm, 'customer/query', { startDate: crmDate(start), endDate: crmDate(addDays(today, 1)), emailAddress: e.email });
  const sameEmail = found.filter((c) => str(c.emailAddress).toLowerCase() === e.email.toLowerCase());
  // Several CRM customers with one email (a re-import): the one created on the expected first day wins.
  const customer = sameEmail.find((c) => str(c.dateCreated).startsWith(e.firstDate)) ?? sameEmail[0] ?? null;
  if (!customer) return { customer: null, transactions: [], purchases: [] };
  const id = str(customer.customerId);
  const [transactions, purchases] = await Promise.all([allPages(crm, 'transactions/query', { customerId: id }), allPages(crm, 'purchase/query', { customerId: id })]);
  return { customer, transactions, purchases };
}

/** Options of verifyImport. */
export interface VerifyOptions {
  /** The account's today (YYYY-MM-DD): end of the customer search window. */
  today: string;
  /** Customers read from the CRM at once (the client also limits its requests). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Verifies an imported transactions file against the CRM (programmatic API). */
export async function verifyImport(crm: CrmReader, transactionsFile: string, o: VerifyOptions): Promise<VerifyReport> {
  const rows: { row: number; get: Get }[] = [];
  for await (const rec of readTable(transactionsFile)) rows.push({ row: rec.row, get: (n) => cellOf(rec, n) });
  if (rows.length === 0) throw new EnvironmentError(`${transactionsFile} has no transactions to verify`);
  return verifyExpectations(crm, expectationsFrom(rows), o);
}

/** Verifies expectations against the CRM, a few customers at a time. */
export async function verifyExpectations(crm: CrmReader, expected: ExpectedCustomer[], o: VerifyOptions): Promise<VerifyReport> {
  const verdicts: CustomerVerdict[] = new Array(expected.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const e = expected[i];
      if (!e) return;
      verdicts[i] = compareCustomer(e, await readCrmCustomer(crm, e, o.today));
      o.onProgress?.(++done, expected.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  return summarize(verdicts);
}

const SENTENCES: Record<DiffCode, string> = {
  customer_missing: 'customer not found in the CRM by email',
  identity_differs: 'identity field differs',
  transaction_missing: 'transaction not found',
  transaction_type_differs: 'transaction type differs',
  amount_differs: 'amount differs',
  response_differs: 'response differs',
  refund_not_linked: 'refund/capture not linked to its parent',
  chargeback_missing: 'chargeback not recorded',
  chargeback_differs: 'chargeback differs',
  subscription_missing: 'active subscription missing',
  next_bill_date_differs: 'next bill date differs',
  price_differs: 'subscription price differs',
  unexpected_active_subscription: 'active subscription the files do not have (it would rebill)',
};

/** Renders the report as text for people: totals, then each failing customer with each difference. */
export function renderVerifyText(r: VerifyReport, maxCustomers = 50): string {
  const out: string[] = [];
  out.push(`customers: ${r.customers.total} checked, ${r.customers.found} found, ${r.customers.missing} missing, ${r.customers.withDifferences} with ${verb(r.customers.withDifferences, 'a difference', 'differences')}`);
  const failing = r.verdicts.filter((v) => v.differences.length > 0);
  for (const v of failing.slice(0, maxCustomers)) {
    out.push('');
    out.push(`customer ${v.customerId} <${v.email}>${v.crmCustomerId ? ` (CRM customer ${v.crmCustomerId})` : ''}:`);
    for (const x of v.differences) {
      const where = [x.merchantTxnId ? `merchantTxnId ${x.merchantTxnId}` : null, x.productId ? `product ${x.productId}` : null, x.field, x.row ? `file row ${x.row}` : null].filter(Boolean).join(', ');
      out.push(`  - ${SENTENCES[x.code]} [${x.code}] (${where}): expected ${x.expected ?? '(none)'}, CRM has ${x.actual ?? '(none)'}`);
    }
  }
  if (failing.length > maxCustomers) out.push(`\n... ${plural(failing.length - maxCustomers, 'more customer')} with differences (--format json lists all)`);
  out.push('');
  out.push(r.pass ? 'PASS: every customer, transaction and subscription matches.' : `FAIL: ${plural(r.differences, 'difference')} (${Object.entries(r.byCode).map(([k, n]) => `${k} ${n}`).join(', ')})`);
  return `${out.join('\n')}\n`;
}
