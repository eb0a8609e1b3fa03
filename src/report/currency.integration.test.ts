/**
 * One currency per report (docs/metrics.md, "Currency"), on both engines: a store whose one connection
 * sold in USD, MXN and CLP, written by hand. For each currency, every report (summary, grouped summary,
 * series, cohorts, triangle, retention, MID health) equals a computation written here from the
 * definitions of docs/metrics.md over the events below (never from report code); the other currencies
 * are listed with their gross; CLP is printed without decimals; and no figure adds two currencies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMinor } from '../core/currency.js';
import { localDate, startOfLocalDay } from '../core/time.js';
import { cohortReport, summaryReport } from '../analytics/index.js';
import type { EventKind, MoneyEvent } from '../ledger/index.js';
import type { ConnectionSummary, Store } from '../store/store.js';
import { ledgerOf, type HandTxn } from '../../test/golden-ledger.js';
import { openTestStore } from '../../test/stores.js';
import { formatReport } from './grid.js';
import type { ReportJson } from './json.js';
import { parseReportQuery, type ReportName } from './query.js';
import { runReport } from './run.js';

const Z = 'America/New_York';
const DAY = 86_400_000;

/**
 * The account's transactions (New York wall times; amounts in hundredths of their currency, so 25,000 CLP
 * is 2500000). A sale may be charged back (`cb`, a date) and the chargeback reversed (`rev`, when seen).
 */
const TXNS: HandTxn[] = [
  // USD: C1 subscribes (P1) and rebills, the rebill partly refunded; C2 declined then bought, charged back.
  { id: 101, cust: 1, type: 'SALE', wall: '2025-01-05 10:00:00', cents: 10000, cur: 'USD', order: 'O1', purchase: 'P1', camp: 1, mid: 3 },
  { id: 102, cust: 1, type: 'SALE', wall: '2025-02-04 10:00:00', cents: 5000, cur: 'USD', order: 'O1b', purchase: 'P1', cycle: 2, camp: 1, mid: 3 },
  { id: 103, cust: 1, type: 'REFUND', wall: '2025-02-10 09:00:00', cents: 2000, cur: 'USD', order: 'O1b', purchase: 'P1', cycle: 2, camp: 1, mid: 3, parent: 102 },
  { id: 201, cust: 2, type: 'SALE', ok: false, wall: '2025-01-20 11:55:00', cents: 3000, cur: 'USD', order: 'O2', camp: 2, mid: 4 },
  { id: 202, cust: 2, type: 'SALE', wall: '2025-01-20 12:00:00', cents: 3000, cur: 'USD', order: 'O2', camp: 2, mid: 4, cb: '2025-02-15' },
  // C8 is a USD customer (first sale in USD) who later buys in MXN: a peso sale, never a peso customer.
  { id: 801, cust: 8, type: 'SALE', wall: '2025-01-28 08:00:00', cents: 4500, cur: 'USD', order: 'O8', camp: 1, mid: 3 },
  { id: 802, cust: 8, type: 'SALE', wall: '2025-02-20 08:00:00', cents: 50000, cur: 'MXN', order: 'O8b', camp: 1, mid: 7 },
  // MXN: C3 subscribes (P3), charged back on Feb 1, the chargeback reversed on Feb 20; rebills once,
  // declined at cycle 3; C4's sale is voided the same day.
  { id: 301, cust: 3, type: 'SALE', wall: '2025-01-07 10:00:00', cents: 123450, cur: 'MXN', order: 'O3', purchase: 'P3', camp: 1, mid: 7, cb: '2025-02-01', rev: '2025-02-20 10:00:00' },
  { id: 302, cust: 3, type: 'SALE', wall: '2025-02-06 10:00:00', cents: 100000, cur: 'MXN', order: 'O3b', purchase: 'P3', cycle: 2, camp: 1, mid: 7 },
  { id: 303, cust: 3, type: 'SALE', ok: false, wall: '2025-03-08 10:00:00', cents: 100000, cur: 'MXN', order: 'O3c', purchase: 'P3', cycle: 3, camp: 1, mid: 7 },
  { id: 401, cust: 4, type: 'SALE', wall: '2025-01-25 15:00:00', cents: 99999, cur: 'MXN', order: 'O4', camp: 2, mid: 7 },
  { id: 402, cust: 4, type: 'VOID', wall: '2025-01-25 15:30:00', cents: 99999, cur: 'MXN', order: 'O4', camp: 2, mid: 7, parent: 401 },
  // CLP (no minor unit): C5 subscribes (P5) and rebills; C6 buys late on Jan 31 and is refunded in part;
  // C7 buys two items in one order (one order, two sales).
  { id: 501, cust: 5, type: 'SALE', wall: '2025-01-10 10:00:00', cents: 2500000, cur: 'CLP', order: 'O5', purchase: 'P5', camp: 1, mid: 9 },
  { id: 502, cust: 5, type: 'SALE', wall: '2025-02-09 10:00:00', cents: 2500000, cur: 'CLP', order: 'O5b', purchase: 'P5', cycle: 2, camp: 1, mid: 9 },
  { id: 601, cust: 6, type: 'SALE', wall: '2025-01-31 22:00:00', cents: 1234500, cur: 'CLP', order: 'O6', camp: 3, mid: 9 },
  { id: 602, cust: 6, type: 'REFUND', wall: '2025-02-02 10:00:00', cents: 234500, cur: 'CLP', order: 'O6', camp: 3, mid: 9, parent: 601 },
  { id: 701, cust: 7, type: 'SALE', wall: '2025-01-15 10:00:00', cents: 1000100, cur: 'CLP', order: 'O7', camp: 3, mid: 9 },
  { id: 702, cust: 7, type: 'SALE', wall: '2025-01-15 10:00:00', cents: 499900, cur: 'CLP', order: 'O7', camp: 3, mid: 9 },
];
const PURCHASES = [
  { purchase_id: 'P1', customer_id: 1, order_id: 'O1', status: 'ACTIVE', billing_cycle: 2 },
  { purchase_id: 'P3', customer_id: 3, order_id: 'O3', status: 'CANCELLED', billing_cycle: 2 },
  { purchase_id: 'P5', customer_id: 5, order_id: 'O5', status: 'ACTIVE', billing_cycle: 2 },
];

/** The ledger by docs/metrics.md: sales and declines +, refunds, voids and chargebacks -, a reversal +. */
const ledger = () => ledgerOf(TXNS, Z);

// ---- The oracle: docs/metrics.md's definitions over the events above, one currency at a time. ----

const EVENTS = ledger().events;
const FROM = '2025-01-01';
const TO = '2025-02-28';
const AS_OF = startOfLocalDay('2025-06-01', Z);
const money = (cents: number, cur: string) => formatMinor(cents, cur);
const rate = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1e6) / 1e6);
/** a / b rounded once to the currency's minor unit, halves away from zero, in hundredths. */
const perUnit = (a: number, b: number, cur: string) => {
  const unit = cur === 'CLP' ? 100 : 1;
  return Math.sign(a) * Math.round(Math.abs(a) / (b * unit)) * unit;
};
const month = (t: number) => localDate(t, Z).slice(0, 7);
const inRange = (t: number, from = FROM, to = TO) => localDate(t, Z) >= from && localDate(t, Z) <= to;
const sum = (evs: MoneyEvent[], kinds: EventKind[]) => evs.filter((e) => kinds.includes(e.kind)).reduce((s, e) => s + e.amount_cents, 0);

/** Each customer's first sale (any currency): their currency and their cohort. */
const FIRST = new Map<number, MoneyEvent>();
for (const e of [...EVENTS].sort((a, b) => a.instant - b.instant || (a.event_id < b.event_id ? -1 : 1))) if (e.kind === 'sale' && !FIRST.has(Number(e.customer_id))) FIRST.set(Number(e.customer_id), e);

function oracleSummary(cur: string, keep: (e: MoneyEvent) => boolean = () => true) {
  const mine = EVENTS.filter((e) => e.currency === cur && keep(e));
  const sel = mine.filter((e) => inRange(e.instant));
  const gross = sum(sel, ['sale']);
  const refunds = 0 - sum(sel, ['refund', 'void', 'chargeback', 'chargeback_reversal']) || 0;
  const firstOfOrder = new Map<string, number>();
  for (const e of mine) if (e.kind === 'sale' && e.order_id) firstOfOrder.set(e.order_id, Math.min(firstOfOrder.get(e.order_id) ?? Infinity, e.instant));
  const orders = [...firstOfOrder.values()].filter((t) => inRange(t)).length;
  const count = (p: (e: MoneyEvent) => boolean) => sel.filter(p).length;
  const initial = count((e) => e.kind === 'sale' && e.billing_cycle <= 1);
  const rebill = count((e) => e.kind === 'sale' && e.billing_cycle > 1);
  return {
    grossRevenue: money(gross, cur),
    refunds: money(refunds, cur),
    chargebacks: money(-sum(sel, ['chargeback', 'chargeback_reversal']), cur),
    netRevenue: money(gross - refunds, cur),
    orders,
    newCustomers: [...FIRST.values()].filter((f) => f.currency === cur && keep(f) && inRange(f.instant)).length,
    aov: orders === 0 ? null : money(perUnit(gross, orders, cur), cur),
    initialApprovalRate: rate(initial, initial + count((e) => e.kind === 'decline' && e.billing_cycle <= 1)),
    rebillApprovalRate: rate(rebill, rebill + count((e) => e.kind === 'decline' && e.billing_cycle > 1)),
    refundRate: rate(refunds, gross),
    chargebackRate: rate(count((e) => e.kind === 'chargeback'), count((e) => e.kind === 'sale')),
  };
}

function oracleCohorts(cur: string, horizons: number[]) {
  const members = [...FIRST.values()].filter((f) => f.currency === cur && inRange(f.instant));
  const cohorts = [...new Set(members.map((f) => month(f.instant)))].sort();
  return cohorts.map((c) => {
    const firsts = members.filter((f) => month(f.instant) === c);
    const evs = (f: MoneyEvent) => EVENTS.filter((e) => e.customer_id === f.customer_id && e.currency === cur && e.kind !== 'decline');
    const lastFirst = Math.max(...firsts.map((f) => f.instant));
    return {
      cohort: c,
      customers: firsts.length,
      netToDate: money(firsts.reduce((s, f) => s + sum(evs(f), ['sale', 'refund', 'void', 'chargeback', 'chargeback_reversal']), 0), cur),
      ltv: Object.fromEntries(horizons.map((h) => {
        const net = firsts.reduce((s, f) => s + evs(f).filter((e) => e.instant < f.instant + h * DAY).reduce((x, e) => x + e.amount_cents, 0), 0);
        return [String(h), { value: money(perUnit(net, firsts.length, cur), cur), complete: lastFirst + h * DAY <= AS_OF }];
      })),
    };
  });
}

function oracleTriangle(cur: string) {
  const idx = (ym: string) => Number(ym.slice(0, 4)) * 12 + Number(ym.slice(5, 7)) - 1;
  const last = idx(localDate(AS_OF, Z).slice(0, 7));
  return oracleCohorts(cur, []).map(({ cohort, customers }) => {
    const firsts = [...FIRST.values()].filter((f) => f.currency === cur && month(f.instant) === cohort);
    const evs = EVENTS.filter((e) => e.currency === cur && e.kind !== 'decline' && firsts.some((f) => f.customer_id === e.customer_id));
    const months = [];
    for (let k = 0; idx(cohort) + k <= last; k++) {
      const net = evs.filter((e) => idx(month(e.instant)) - idx(cohort) <= k).reduce((s, e) => s + e.amount_cents, 0);
      const next = idx(cohort) + k + 1;
      const nextStart = startOfLocalDay(`${Math.floor(next / 12)}-${String((next % 12) + 1).padStart(2, '0')}-01`, Z);
      months.push({ value: money(perUnit(net, customers, cur), cur), complete: nextStart <= AS_OF });
    }
    return { cohort, customers, months };
  });
}

function oracleRetention(cur: string) {
  // Judged on 2025-06-01, every cycle shown was due: the base is every subscription started.
  const start = new Map<string, MoneyEvent>();
  for (const e of [...EVENTS].sort((a, b) => a.instant - b.instant)) if (e.kind === 'sale' && e.billing_cycle === 1 && e.purchase_id && !start.has(e.purchase_id)) start.set(e.purchase_id, e);
  const subs = [...start.values()].filter((e) => e.currency === cur && inRange(e.instant)).map((e) => e.purchase_id as string);
  const approved = new Map<number, Set<string>>();
  const tried = new Map<number, Set<string>>();
  for (const e of EVENTS) {
    if (!e.purchase_id || !subs.includes(e.purchase_id)) continue;
    if (e.kind === 'sale') approved.set(e.billing_cycle, (approved.get(e.billing_cycle) ?? new Set()).add(e.purchase_id));
    if (e.kind === 'sale' || e.kind === 'decline') tried.set(e.billing_cycle, (tried.get(e.billing_cycle) ?? new Set()).add(e.purchase_id));
  }
  const lastCycle = (p: string) => Math.max(...[...approved.entries()].filter(([, s]) => s.has(p)).map(([c]) => c));
  const cancelled = PURCHASES.filter((p) => p.status === 'CANCELLED' && subs.includes(p.purchase_id)).map((p) => lastCycle(p.purchase_id));
  const initial = approved.get(1)?.size ?? 0;
  const max = Math.max(1, ...tried.keys());
  const txn = (id: number) => TXNS.find((t) => t.id === id)!;
  // Each subscription's attempts at a cycle, in order; a decline is soft unless the transaction says hard.
  const tries = (p: string, c: number) => EVENTS.filter((e) => e.purchase_id === p && e.billing_cycle === c && (e.kind === 'sale' || e.kind === 'decline')).sort((a, b) => a.instant - b.instant);
  const soft = (e: MoneyEvent | undefined) => e?.kind === 'decline' && (txn(e.transaction_id).resp ?? 'SOFT_DECLINE') === 'SOFT_DECLINE';
  // Refunds and voids count at their parent sale's cycle; a chargeback and its reversal at the sale's.
  const cycleOf = (e: MoneyEvent) => (txn(e.transaction_id).parent === undefined ? e.billing_cycle : (txn(txn(e.transaction_id).parent!).cycle ?? 1));
  const moneyOf = (p: string, c: number, kinds: EventKind[]) => EVENTS.filter((e) => e.purchase_id === p && kinds.includes(e.kind) && cycleOf(e) === c);
  return {
    initialPurchases: initial,
    cycles: Array.from({ length: max }, (_, i) => {
      const c = i + 1;
      const a = approved.get(c)?.size ?? 0;
      const declined = [...(tried.get(c) ?? [])].filter((p) => !approved.get(c)?.has(p));
      const softDeclined = declined.filter((p) => soft(tries(p, c).at(-1))).length;
      const saved = subs.filter((p) => tries(p, c).findIndex((e) => e.kind === 'sale') > 0).length;
      const savedSoft = subs.filter((p) => tries(p, c).findIndex((e) => e.kind === 'sale') > 0 && soft(tries(p, c)[0])).length;
      // None is still in recycle billing (no purchase says RECYCLE_BILLING): every soft first decline is resolved.
      const lost = declined.filter((p) => soft(tries(p, c)[0])).length;
      const refunds = subs.map((p) => moneyOf(p, c, ['refund', 'void']));
      const cbs = subs.map((p) => moneyOf(p, c, ['chargeback', 'chargeback_reversal']));
      return {
        cycle: c, due: initial, approvals: a, declined: declined.length, softDeclined, hardDeclined: declined.length - softDeclined, recycling: 0, pending: 0,
        retention: rate(a, initial), rebillRate: c === 1 ? null : rate(a, approved.get(c - 1)?.size ?? 0),
        recycleSaved: saved, recycleSaves: saved ? [{ retry: 1, count: saved }] : [], recycleSaveRate: rate(savedSoft, savedSoft + lost),
        cancellations: cancelled.filter((x) => x === c).length,
        refunds: refunds.filter((l) => l.length > 0).length, refundAmount: money(-refunds.flat().reduce((s, e) => s + e.amount_cents, 0), cur),
        chargebacks: cbs.filter((l) => l.filter((e) => e.kind === 'chargeback').length > l.filter((e) => e.kind === 'chargeback_reversal').length).length,
        chargebackAmount: money(-cbs.flat().reduce((s, e) => s + e.amount_cents, 0), cur),
        complete: true,
      };
    }),
  };
}

function oracleMids(cur: string) {
  // The networks count transactions whatever their currency: counts and ratios are of every currency,
  // the chargebacks' amount is in the report's currency only.
  const months = ['2025-01', '2025-02'];
  const evs = EVENTS.filter((e) => (e.kind === 'sale' || e.kind === 'chargeback') && month(e.instant) >= '2024-12' && month(e.instant) <= '2025-02');
  const mids = [...new Set(evs.map((e) => Number(e.merchant_id)))].sort((a, b) => a - b);
  const cell = (mid: number, m: string) => evs.filter((e) => e.merchant_id === mid && month(e.instant) === m);
  return mids.flatMap((mid) =>
    months.map((m) => {
      const c = cell(mid, m);
      const sales = c.filter((e) => e.kind === 'sale').length;
      const cbs = c.filter((e) => e.kind === 'chargeback');
      return { mid: String(mid), month: m, sales, chargebacks: cbs.length, chargebackAmount: money(-cbs.filter((e) => e.currency === cur).reduce((s, e) => s + e.amount_cents, 0), cur), ratio: rate(cbs.length, sales) };
    }),
  );
}

/** Each currency's gross in the range, in its own minor units: what otherCurrencies lists. */
const GROSS: Record<string, string> = {
  USD: money(10000 + 5000 + 3000 + 4500, 'USD'),
  MXN: money(50000 + 123450 + 100000 + 99999, 'MXN'),
  CLP: money(2500000 + 2500000 + 1234500 + 1000100 + 499900, 'CLP'),
};

const CURRENCIES = ['USD', 'MXN', 'CLP'] as const;

describe.each(['duckdb', 'postgres'] as const)('one currency per report, on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let connections: ConnectionSummary[];
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'currency'));
    const c = await store.saveConnection({ name: 'tri', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: Z, frequency: 'daily' });
    const { rows, events } = ledger();
    await store.writePages([
      { connectionId: c.connectionId, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } },
      { connectionId: c.connectionId, table: 'purchases', rows: PURCHASES },
    ]);
    connections = await store.listConnections();
  });
  afterAll(async () => dispose());

  const report = async <N extends ReportName>(name: N, params: Record<string, string | string[]>): Promise<ReportJson[N]> => {
    const r = await runReport(store, parseReportQuery(name, { from: FROM, to: TO, tz: Z, ...params }, { surface: 'api', connections, defaultTz: 'UTC' }));
    return r.body as ReportJson[N];
  };

  it('defaults to the connection\'s base currency and lists the others with their gross, each in its own units', async () => {
    const s = await report('summary', {});
    expect(s.currency).toBe('USD');
    expect(s.otherCurrencies).toEqual([{ currency: 'CLP', gross: '77345' }, { currency: 'MXN', gross: '3734.49' }]);
    for (const cur of CURRENCIES) {
      const body = await report('summary', { currency: cur });
      expect(body.currency).toBe(cur);
      expect(body.otherCurrencies).toEqual(CURRENCIES.filter((c) => c !== cur).sort().map((c) => ({ currency: c, gross: GROSS[c] })));
    }
  });

  it.each(CURRENCIES)('the summary in %s equals the definitions over that currency\'s events alone', async (cur) => {
    const s = await report('summary', { currency: cur });
    const current = Object.fromEntries(Object.entries(s.total).map(([k, v]) => [k, v.current]));
    expect(current).toMatchObject(oracleSummary(cur));
    const grouped = await report('summary', { currency: cur, groupBy: 'campaign' });
    const campaigns = [...new Set(EVENTS.filter((e) => e.currency === cur).map((e) => e.campaign_id))].sort();
    expect(grouped.groups.map((g) => [g.group, g.connection, g.id])).toEqual(campaigns.map((c) => [`tri:${c}`, 'tri', String(c)]));
    for (const g of grouped.groups) {
      const figures = Object.fromEntries(Object.entries(g.figures).map(([k, v]) => [k, v.current]));
      expect(figures, `campaign ${g.id}`).toMatchObject(oracleSummary(cur, (e) => String(e.campaign_id) === g.id));
    }
    // The pre-aggregates and the ledger agree per currency.
    const q = { from: FROM, to: TO, tz: Z, currency: cur };
    expect(await summaryReport(store, q)).toEqual(await summaryReport(store, q, { source: 'ledger' }));
    const cq = { ...q, by: 'month' as const, asOf: AS_OF };
    expect(await cohortReport(store, cq)).toEqual(await cohortReport(store, cq, { source: 'ledger' }));
  });

  it.each(CURRENCIES)('series, cohorts, triangle, retention and MID health in %s equal the definitions', async (cur) => {
    const series = await report('series', { currency: cur, by: 'month' });
    expect(series.points.map((p) => [p.period, p.grossRevenue, p.refunds, p.netRevenue, p.orders, p.newCustomers])).toEqual(
      ['2025-01', '2025-02'].map((m) => {
        const o = oracleSummary(cur, (e) => month(e.instant) === m);
        return [m, o.grossRevenue, o.refunds, o.netRevenue, o.orders, o.newCustomers];
      }),
    );
    const cohorts = await report('cohorts', { currency: cur, horizons: '7,30,60', asOf: '2025-06-01' });
    expect(cohorts.cohorts.map(({ cohort, customers, netToDate, ltv }) => ({ cohort, customers, netToDate, ltv }))).toEqual(oracleCohorts(cur, [7, 30, 60]));
    const triangle = await report('triangle', { currency: cur, asOf: '2025-06-01' });
    expect(triangle.rows.map(({ cohort, customers, months }) => ({ cohort, customers, months }))).toEqual(oracleTriangle(cur));
    const retention = await report('retention', { currency: cur, asOf: '2025-06-01' });
    expect(retention.rows.map(({ initialPurchases, cycles }) => ({ initialPurchases, cycles }))).toEqual([oracleRetention(cur)]);
    const mids = await report('mids', { currency: cur });
    expect(mids.rows.map(({ mid, month: m, sales, chargebacks, chargebackAmount, ratio }) => ({ mid, month: m, sales, chargebacks, chargebackAmount, ratio }))).toEqual(oracleMids(cur));
    for (const body of [series, cohorts, triangle, retention, mids]) expect(body.currency).toBe(cur);
  });

  it('prints CLP without decimals, in JSON, CSV and tables, and names the currency of every amount', async () => {
    const s = await report('summary', { currency: 'CLP' });
    // Gross 52,345 CLP in January and 25,000 in February; AOV 52,345 / 3 orders = 17,448.33 -> 17,448.
    expect([s.total.grossRevenue.current, s.total.aov.current]).toEqual(['77345', money(perUnit(7734500, 4, 'CLP'), 'CLP')]);
    const c = await report('cohorts', { currency: 'CLP', horizons: '7', asOf: '2025-06-01' });
    // January: C5 25,000 + C6 12,345 - 2,345 (refunded within 7 days) + C7 15,000 = 50,000 / 3 = 16,666.67 -> 16,667.
    expect(c.cohorts[0]?.ltv['7']?.value).toBe('16667');
    const bodies = await Promise.all(['summary', 'series', 'cohorts', 'triangle', 'mids'].map(async (n) => ({ name: n as ReportName, body: await report(n as ReportName, { currency: 'CLP', ...(n === 'cohorts' || n === 'triangle' ? { asOf: '2025-06-01' } : {}) }) })));
    const amounts = JSON.stringify(bodies.map((b) => b.body)).match(/"(current|previous|change|grossRevenue|refunds|chargebacks|netRevenue|aov|value|netToDate|chargebackAmount)":"[^"]*"/g) ?? [];
    expect(amounts.length).toBeGreaterThan(50);
    for (const a of amounts) expect(a).toMatch(/:"-?\d+"$/);
    const params = { from: FROM, to: TO, tz: Z, currency: 'CLP' };
    const table = formatReport(await runReport(store, parseReportQuery('summary', params, { surface: 'cli', connections, defaultTz: 'UTC' })), 'table');
    expect(table).toMatch(/^Gross revenue \(CLP\)\s+77345\s+0\s+77345\s+-$/m);
    expect(table).toMatch(/Amounts in CLP\. The range also has sales in MXN 3734\.49, USD 225\.00 \(gross; see --currency\)\.\n$/);
    const csv = formatReport(await runReport(store, parseReportQuery('mids', params, { surface: 'cli', connections, defaultTz: 'UTC' })), 'csv');
    // Counts are of every currency (the networks count transactions), the amount in CLP alone.
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe("Connection,MID,MID name,Month,Projected,Sales,Chargebacks,Chargeback amount (CLP),Ratio,Visa sales,Visa disputes,VAMP ratio,VAMP,Mastercard previous month's sales,Mastercard chargebacks,Mastercard ratio,Mastercard,Alert");
    expect(lines.find((l) => l.startsWith('tri,9,,2025-01,'))).toBe('tri,9,,2025-01,false,4,0,0,0,0,0,,not-in-force,0,0,,no-sales,');
  });

  it('never adds two currencies: each figure moves only with its own currency\'s events', async () => {
    const all = await Promise.all(CURRENCIES.map((cur) => report('summary', { currency: cur })));
    // C8's peso sale counts in MXN gross, C8 himself as a new USD customer only.
    expect(all.map((s) => [s.currency, s.total.grossRevenue.current, s.total.newCustomers.current])).toEqual([['USD', '225.00', 3], ['MXN', '3734.49', 2], ['CLP', '77345', 3]]);
    const customers = await Promise.all(CURRENCIES.map(async (cur) => (await report('cohorts', { currency: cur })).cohorts.reduce((n, c) => n + c.customers, 0)));
    expect(customers).toEqual([3, 2, 3]);
    // USD's cohorts hold none of C8's pesos: his LTV is his USD sale alone.
    const usd = await report('cohorts', { currency: 'USD', horizons: '60', asOf: '2025-06-01' });
    expect(usd.cohorts.map((c) => [c.cohort, c.customers, c.netToDate])).toEqual([['2025-01', 3, money(10000 + 5000 - 2000 + 3000 - 3000 + 4500, 'USD')]]);
  });
});
