/**
 * Legacy import intake: the sandbox plays the CRM's migration team. A file set (Transactions, and
 * optionally Customer Notes and Additional Customer Details) is validated with the import validator;
 * an invalid set is refused with the validator's report. A valid one is applied: customers, orders,
 * transactions with their merchantTxnId, purchases for isActiveRecurring=1 rows (nextBillDate, price),
 * refunds and captures linked to their parents, chargeback flags, notes and custom fields. Imported rows
 * keep their historical dateCreated; their dateUpdated is the import time, as the reference presumes.
 */
import { parseCents } from '../core/money.js';
import { localDate, parseWall, wallToInstant } from '../core/time.js';
import { scanCsvBuffer } from '../importfile/read/csv-file.js';
import { validateImportFiles, type ImportInput, type ValidationReport } from '../importfile/validate/validate.js';
import { addCustomer, addLine, addNote, addOrder, addPurchase, addTxn, append, orderPaid } from './generator.js';
import type { Affiliate, Campaign, CampaignProduct, Customer, Merchant, Mid, Order, OrderLine, PaySource, Txn, TxnType } from './model.js';

type Row = Record<string, string>;

/** What an applied import created, with the CRM ids assigned to the legacy ids. */
export interface IntakeResult {
  accepted: true;
  report: ValidationReport;
  imported: { customers: number; orders: number; transactions: number; purchases: number; notes: number };
  customers: Array<{ legacyCustomerId: string; customerId: number }>;
  orders: Array<{ legacyOrderId: string; orderId: string }>;
}

/** Why a file set was refused: the validator's report, or problems only the CRM can see (unknown ids). */
export interface IntakeRefusal {
  accepted: false;
  report: ValidationReport;
  problems: string[];
}

/** Reads a CSV (bytes) into rows keyed by header name. */
export function readCsvRows(content: string | Uint8Array): Row[] {
  let header: string[] | null = null;
  const rows: Row[] = [];
  scanCsvBuffer(Buffer.from(content), (rec) => {
    const cells: string[] = [];
    for (let i = 0; i < Math.min(rec.count, rec.starts.length); i++) cells.push(rec.buf.toString('utf8', rec.starts[i], rec.ends[i]));
    if (!header) {
      header = cells.map((c) => c.trim());
      return;
    }
    const row: Row = {};
    header.forEach((name, i) => {
      row[name] = cells[i] ?? '';
    });
    rows.push(row);
  });
  return rows;
}

type Source = string | { name: string; content: string | Uint8Array };

async function contentOf(src: Source): Promise<string | Uint8Array> {
  if (typeof src !== 'string') return src.content;
  const { readFile } = await import('node:fs/promises');
  return readFile(src);
}

/** Validates and, when valid, applies a legacy import file set to the merchant. */
export async function applyLegacyImport(m: Merchant, input: ImportInput): Promise<IntakeResult | IntakeRefusal> {
  const today = localDate(m.now, m.config.timezone);
  const report = await validateImportFiles(input, { today });
  if (!report.valid) return { accepted: false, report, problems: [] };
  const txRows = readCsvRows(await contentOf(input.transactions));
  const noteRows = input.notes ? readCsvRows(await contentOf(input.notes)) : [];
  const detailRows = input.details ? readCsvRows(await contentOf(input.details)) : [];
  const problems = checkReferences(m, txRows);
  if (problems.length > 0) return { accepted: false, report, problems };
  return { accepted: true, report, ...apply(m, txRows, noteRows, detailRows) };
}

function campaignOf(m: Merchant, id: string): Campaign | undefined {
  return m.campaigns.find((c) => c.campaignId === Number(id));
}

/** Ids the validator cannot check: campaigns, campaign products and MIDs must exist in this CRM. */
function checkReferences(m: Merchant, rows: Row[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const known = new Set(rows.map((r) => r.merchantTxnId ?? ''));
  rows.forEach((r, i) => {
    const line = i + 2;
    const report = (msg: string) => {
      if (!seen.has(msg)) problems.push(`row ${line}: ${msg}`);
      seen.add(msg);
    };
    const c = campaignOf(m, r.campaignId ?? '');
    if (!c) report(`campaignId ${r.campaignId} is not a campaign of this CRM`);
    else if (!c.products.some((p) => p.campaignProductId === Number(r.productId))) report(`productId ${r.productId} is not a campaign product of campaign ${r.campaignId}`);
    if (!m.mids.some((x) => x.merchantId === Number(r.merchantId))) report(`merchantId ${r.merchantId} is not a gateway of this CRM`);
    if (r.parentTxnId && !known.has(r.parentTxnId)) report(`parentTxnId ${r.parentTxnId} matches no merchantTxnId in the file`);
    const t = parseWall(r.dateCreated ?? '');
    if (t && wallToInstant(t, m.config.timezone) > m.now) report(`dateCreated ${r.dateCreated} is in the future`);
  });
  return problems.slice(0, 200);
}

const at = (m: Merchant, text: string): number => {
  const w = parseWall(text);
  if (!w) throw new RangeError(`not a date-time: ${text}`);
  return wallToInstant(w, m.config.timezone);
};
const cents = (text: string | undefined): number => parseCents(text ?? '') ?? 0;
const orNull = (text: string | undefined): string | null => (text === undefined || text === '' ? null : text);

function cardTypeOf(number: string): string | null {
  if (/^4/.test(number)) return 'VISA';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'MASTERCARD';
  if (/^3[47]/.test(number)) return 'AMEX';
  if (/^6/.test(number)) return 'DISCOVER';
  return null;
}

function affiliateFor(m: Merchant, affId: string): Affiliate | null {
  if (!affId) return null;
  let a = m.affiliates.find((x) => x.affId === affId);
  if (!a) {
    // The migration team creates affiliates the CRM does not know yet.
    a = { affId, sourceId: 100 + m.affiliates.length, title: affId, subs: [] };
    m.affiliates.push(a);
  }
  return a;
}

function newCustomer(m: Merchant, r: Row, t: number): Customer {
  const campaign = campaignOf(m, r.campaignId ?? '') as Campaign;
  const paySource = (r.paySource ?? 'CREDITCARD') as PaySource;
  const card = (r.cardNumber ?? '').trim();
  const isCard = paySource === 'CREDITCARD';
  const ship =
    r.billShipSame === '0'
      ? {
          firstName: r.firstName ?? '',
          lastName: r.lastName ?? '',
          address1: r.shipAddress1 ?? '',
          address2: orNull(r.shipAddress2),
          city: r.shipCity ?? '',
          state: r.shipState ?? '',
          postalCode: r.shipPostalCode ?? '',
          country: r.shipCountry ?? '',
        }
      : null;
  return addCustomer(m, {
    t,
    u: m.now,
    act: t,
    firstName: r.firstName ?? '',
    lastName: r.lastName ?? '',
    email: r.emailAddress ?? '',
    phone: r.phoneNumber ?? '',
    address1: r.address1 ?? '',
    address2: orNull(r.address2),
    city: r.city ?? '',
    state: r.state ?? '',
    postalCode: r.postalCode ?? '',
    country: r.country ?? '',
    ship,
    ip: '',
    paySource,
    cardType: isCard ? cardTypeOf(card) : null,
    cardBin: isCard && card.length >= 10 ? card.slice(0, 6) : null,
    cardLast4: isCard && card.length >= 4 ? card.slice(-4) : null,
    cardExpMonth: isCard ? Number(r.cardExpiryMonth) || 0 : 0,
    cardExpYear: isCard ? Number(r.cardExpiryYear) || 0 : 0,
    achLast4: paySource === 'CHECK' ? (r.achAccountNumber ?? '').slice(-4) : null,
    achRoutingNumber: paySource === 'CHECK' ? orNull(r.achRoutingNumber) : null,
    achAccountType: paySource === 'CHECK' ? orNull(r.achAccountType) : null,
    campaign,
    affiliate: affiliateFor(m, r.affId ?? ''),
    sourceValue1: orNull(r.subAffId),
    sourceValue2: null,
    notes: [],
    custom: null,
    eCommerceLogin: null,
    eCommercePassword: null,
    legacyId: r.customerId ?? '',
  });
}

function apply(m: Merchant, txRows: Row[], noteRows: Row[], detailRows: Row[]): Omit<IntakeResult, 'accepted' | 'report'> {
  const before = { customers: m.customers.length, orders: m.orders.length, txns: m.txns.length, purchases: m.purchases.length };
  // Oldest first, so customers, orders and parents exist before what refers to them.
  const rows = txRows.map((r, i) => ({ r, i, t: at(m, r.dateCreated ?? '') })).sort((a, b) => a.t - b.t || a.i - b.i);
  const customers = new Map<string, Customer>();
  const orders = new Map<string, Order>();
  const byMerchantTxnId = new Map<string, Txn>();
  const activeRows = new Map<string, { r: Row; t: number; txn: Txn }>();
  const chargedOnce = new Map<string, number>();
  let notes = 0;

  for (const { r, t } of rows) {
    const legacyCustomer = r.customerId ?? '';
    let c = customers.get(legacyCustomer);
    if (!c) {
      c = newCustomer(m, r, t);
      customers.set(legacyCustomer, c);
    }
    const campaign = campaignOf(m, r.campaignId ?? '') as Campaign;
    const cp = campaign.products.find((p) => p.campaignProductId === Number(r.productId)) as CampaignProduct;
    const mid = m.mids.find((x) => x.merchantId === Number(r.merchantId)) as Mid;
    const orderKey = `${legacyCustomer}\u0000${r.orderId ?? ''}`;
    let o = orders.get(orderKey);
    if (!o) {
      const first = ![...orders.keys()].some((k) => k.startsWith(`${legacyCustomer}\u0000`));
      o = addOrder(m, t, first || cp.kind === 'ONE_TIME' ? 'NEW_SALE' : 'RECURRING', c, campaign, mid);
      o.legacyId = r.orderId ?? '';
      orders.set(orderKey, o);
    }
    const type = (r.txnType ?? 'SALE') as TxnType;
    const qty = Math.max(1, Number(r.quantity) || 1);
    let line: OrderLine | undefined = o.lines.find((l) => l.cp === cp);
    if (!line) {
      line = addLine(m, o, cp, Math.round(cents(r.subTotal) / qty), cents(r.shipTotal), qty);
      line.tax = cents(r.salesTax);
    }
    const ok = r.responseType === 'SUCCESS';
    const parent = r.parentTxnId ? byMerchantTxnId.get(r.parentTxnId) ?? null : null;
    const txn = addTxn(m, t, type, ok ? 'SUCCESS' : 'HARD_DECLINE', r.responseText ?? (ok ? 'SUCCESS' : 'DECLINE'), o, line, cents(r.totalAmount), cents(r.salesTax), cents(r.shipTotal), {
      parent,
      merchantTxnId: r.merchantTxnId ?? null,
      authCode: orNull(r.authCode),
    });
    txn.u = m.now;
    if (r.merchantTxnId && !byMerchantTxnId.has(r.merchantTxnId)) byMerchantTxnId.set(r.merchantTxnId, txn);
    if (r.isChargedback === '1') {
      txn.isChargedback = 1;
      txn.chargebackAmount = cents(r.chargebackTotal);
      txn.chargebackDate = orNull(r.chargebackDate);
      txn.chargebackReasonCode = orNull(r.chargebackReasonCode);
    }
    if (ok && (type === 'SALE' || type === 'CAPTURE')) {
      o.status = 'COMPLETE';
      const key = `${legacyCustomer}\u0000${cp.campaignProductId}`;
      chargedOnce.set(key, (chargedOnce.get(key) ?? 0) + 1);
    }
    if (ok && type === 'REFUND') {
      o.refunded += txn.amount;
      if (parent) parent.u = m.now;
      if (o.refunded >= orderPaid(o)) o.status = 'REFUNDED';
    }
    if (r.isActiveRecurring === '1') activeRows.set(`${legacyCustomer}\u0000${cp.campaignProductId}`, { r, t, txn });
  }

  // One active subscription per customer and campaign product: the latest row flagged active wins.
  for (const [key, { r, t, txn }] of activeRows) {
    const line = txn.line as OrderLine;
    const cp = line.cp;
    const p = addPurchase(m, t, txn.order, line, {
      price: cents(r.subTotal),
      shipping: cents(r.shipTotal),
      intervalDays: cp.intervalDays || 30,
      status: 'ACTIVE',
      nextBillDate: orNull(r.nextBillDate),
    });
    p.u = m.now;
    p.cycle = Math.max(1, chargedOnce.get(key) ?? 1);
    for (const x of txn.order.txns) {
      if (x.line === line) {
        x.purchase = p;
        x.cycle = p.cycle;
        p.txns = append(p.txns, x);
        if (x.response === 'SUCCESS' && (x.type === 'SALE' || x.type === 'CAPTURE')) p.billed += x.amount;
        if (x.response === 'SUCCESS' && x.type === 'REFUND') p.refunded += x.amount;
      }
    }
  }

  for (const r of noteRows) {
    const c = customers.get(r.customerId ?? '');
    if (!c) continue;
    addNote(c, at(m, r.dateCreated ?? ''), r.noteText ?? '', r.agentName || 'System');
    c.u = m.now;
    notes++;
  }
  for (const r of detailRows) {
    const c = customers.get(r.customerId ?? '');
    if (!c) continue;
    c.eCommerceLogin = orNull(r.loginId);
    c.eCommercePassword = orNull(r.password);
    c.custom = [1, 2, 3, 4, 5].map((i) => orNull(r[`custom${i}`]));
  }
  for (const o of orders.values()) o.u = m.now;
  for (const c of customers.values()) c.u = m.now;
  m.version++;
  return {
    imported: {
      customers: m.customers.length - before.customers,
      orders: m.orders.length - before.orders,
      transactions: m.txns.length - before.txns,
      purchases: m.purchases.length - before.purchases,
      notes,
    },
    customers: [...customers.entries()].map(([legacyCustomerId, c]) => ({ legacyCustomerId, customerId: c.customerId })),
    orders: [...orders.values()].map((o) => ({ legacyOrderId: o.legacyId ?? '', orderId: o.orderId })),
  };
}

/** The admin endpoint: `{files: {transactions, notes?, details?}}` (paths) or `{contents: {...}}` (CSV text). */
export async function applyIntakeRequest(m: Merchant, input: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const files = input.files as Record<string, unknown> | undefined;
  const contents = input.contents as Record<string, unknown> | undefined;
  const pick = (kind: string): Source | undefined => {
    const f = files?.[kind];
    if (typeof f === 'string') return f;
    const c = contents?.[kind];
    if (typeof c === 'string') return { name: `${kind}.csv`, content: c };
    return undefined;
  };
  const transactions = pick('transactions');
  if (!transactions) return { status: 400, body: { error: 'send {"files": {"transactions": PATH, ...}} or {"contents": {"transactions": CSV, ...}}' } };
  const notes = pick('notes');
  const details = pick('details');
  try {
    const result = await applyLegacyImport(m, { transactions, ...(notes ? { notes } : {}), ...(details ? { details } : {}) });
    return { status: result.accepted ? 200 : 422, body: result };
  } catch (err) {
    return { status: 400, body: { error: err instanceof Error ? err.message : String(err) } };
  }
}
