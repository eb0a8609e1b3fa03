/**
 * Declines, chargebacks and MID health by card network equal an independent computation from the
 * sandbox's ground truth (its merchant in memory: transactions with their card, response text, retry
 * number and reason code), on both engines. The oracle is written from docs/metrics.md ("Declines",
 * "Chargebacks", "MID health") and never calls analytics code. The sandbox's own generating parameters
 * (a rebill's first attempt approved 82% of the time, a retry 38%, retries 3, 4 and 5 days apart) are
 * recovered within sampling error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY, dateOnlyToInstant, localDate, startOfLocalDay } from '../core/time.js';
import { oddityOf, startSandbox, UNREADABLE_KINDS, type Merchant, type Sandbox } from '../sandbox/index.js';
import type { Txn } from '../sandbox/model.js';
import type { MoneyEvent } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import { chargebackReport } from './chargebacks.js';
import { declineReport } from './declines.js';
import { midReport } from './mids.js';
import { openTestStore } from '../../test/stores.js';
import { connectAndBackfill } from '../../test/synced-sandbox.js';

/**
 * Both profiles: `rich` (one currency, every field) and `real` (several currencies, odd values and
 * unreadable records, no product on transaction rows: the awkward data a real account serves).
 */
const sandboxOf = (profile: 'rich' | 'real') => ({ seed: 'cards-it', customers: 3000, start: '2025-01-01', now: '2025-07-15 18:00:00', profile }) as const;

type Kind = 'sale' | 'decline' | 'chargeback' | 'refund' | 'void';
interface Ev {
  kind: Kind;
  t: number;
  x: Txn;
  cents: number;
  brand: string | null;
  bin: string | null;
  reason: string | null;
  retry: number;
}

/** The networks by name, else by the BIN's leading digits (docs/metrics.md, "The ledger"). */
function brandOf(cardType: string | null, bin: string | null): string | null {
  const t = (cardType ?? '').toUpperCase();
  if (['VISA', 'MASTERCARD', 'AMEX', 'DISCOVER'].includes(t)) return t;
  if (!bin) return t || null;
  if (bin.startsWith('4')) return 'VISA';
  if (/^5[1-5]/.test(bin)) return 'MASTERCARD';
  if (/^3[47]/.test(bin)) return 'AMEX';
  if (/^(6011|65|64[4-9])/.test(bin)) return 'DISCOVER';
  return t || null;
}

/** Fraud as the code's network files it: Visa's 10.x; Mastercard's 4837, 4840, 4849, 4863, 4870, 4871. */
const isFraud = (code: string | null) => !!code && (/^10\./.test(code) || ['4837', '4840', '4849', '4863', '4870', '4871'].includes(code));

/** A record the CRM serves unreadable is set aside in quarantine (docs/sync.md) and counted in no report. */
const readable = (m: Merchant, x: Txn) => !(UNREADABLE_KINDS as readonly string[]).includes(oddityOf(m, x) ?? '');

function oracleEvents(m: Merchant): Ev[] {
  const out: Ev[] = [];
  for (const x of m.txns) {
    if (!readable(m, x)) continue;
    const c = x.order.customer;
    const base = { x, brand: brandOf(c.cardType, c.cardBin), bin: c.cardBin && c.cardBin.length >= 6 ? c.cardBin.slice(0, 6) : null, retry: x.recycle };
    const ok = x.response === 'SUCCESS';
    if (ok && (x.type === 'SALE' || x.type === 'CAPTURE')) out.push({ ...base, kind: 'sale', t: x.t, cents: x.amount, reason: null });
    else if (ok && x.type === 'REFUND') out.push({ ...base, kind: 'refund', t: x.t, cents: -x.amount, reason: null });
    else if (ok && x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE') out.push({ ...base, kind: 'void', t: x.t, cents: -x.amount, reason: null });
    else if (!ok && (x.type === 'SALE' || x.type === 'AUTHORIZE')) out.push({ ...base, kind: 'decline', t: x.t, cents: x.amount, reason: x.responseText.trim() || null });
    if (x.isChargedback) {
      const t = dateOnlyToInstant(x.chargebackDate ?? '', m.config.timezone) ?? x.t;
      out.push({ ...base, kind: 'chargeback', t, cents: -(x.chargebackAmount ?? x.amount), reason: x.chargebackReasonCode });
    }
  }
  return out;
}

const tally = <K>(list: Iterable<K>) => {
  const m = new Map<K, number>();
  for (const k of list) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};
const rate = (a: number, b: number) => (b === 0 ? null : a / b);

const CASES = [['duckdb', 'rich'], ['duckdb', 'real'], ['postgres', 'rich'], ['postgres', 'real']] as const;
describe.each(CASES)('declines, chargebacks and MID health by network equal the sandbox ground truth, on %s, profile %s', (engine, profile) => {
  const SANDBOX = sandboxOf(profile);
  let store: Store;
  let dispose: () => Promise<void>;
  let sb: Sandbox;
  let evs: Ev[];
  let zone: string;
  /** Refunds written beside the sandbox's: the charged-back sale's transaction id -> cents refunded. */
  const extraRefunds = new Map<number, number>();
  beforeAll(async () => {
    sb = await startSandbox(SANDBOX);
    zone = sb.merchant.config.timezone;
    evs = oracleEvents(sb.merchant).filter((e) => e.x.order.campaign.currency.code === 'USD');
    ({ store, dispose } = await openTestStore(engine, `cards-${profile}`));
    const c = await connectAndBackfill(store, sb, { from: SANDBOX.start, today: '2025-07-15', name: 'sb' });
    // The sandbox never refunds a sale it charges back: a partial refund of three charged-back sales is
    // written as a sync would write it (a REFUND whose parent is the sale), and the oracle knows it.
    const charged = evs.filter((e) => e.kind === 'chargeback' && inRange(e)).slice(0, 3);
    const stored = await store.readRows('money_events', c.connectionId);
    const events = charged.map((cb, i) => {
      const sale = stored.find((r) => r.kind === 'sale' && Number(r.transaction_id) === cb.x.transactionId)!;
      const id = 900_000_000 + i;
      extraRefunds.set(cb.x.transactionId, 500 + i);
      return { ...(sale as unknown as MoneyEvent), event_id: `refund:${id}`, kind: 'refund' as const, transaction_id: id, instant: Number(sale.instant) + DAY, amount_cents: -(500 + i) };
    });
    await store.writePages([{ connectionId: c.connectionId, table: 'transactions', rows: events.map((e, i) => ({ transaction_id: e.transaction_id, customer_id: e.customer_id, parent_txn_id: charged[i]!.x.transactionId })), ledger: { transactionIds: events.map((e) => e.transaction_id), events } }]);
  });
  afterAll(async () => {
    await dispose();
    await sb.close();
  });

  const VIEWER = 'Pacific/Auckland';
  const FROM = '2025-02-01';
  const TO = '2025-06-30';
  const inRange = (e: Ev) => {
    const d = localDate(e.t, VIEWER);
    return d >= FROM && d <= TO;
  };

  it('has card networks, decline texts, retries and reason codes worth testing', () => {
    // Bank accounts (ACH) have no card: no network.
    expect(new Set(evs.map((e) => e.brand))).toEqual(new Set(['VISA', 'MASTERCARD', 'AMEX', 'DISCOVER', null]));
    expect(evs.filter((e) => e.kind === 'decline' && e.retry >= 2).length).toBeGreaterThan(20);
    expect(evs.filter((e) => e.kind === 'chargeback' && inRange(e)).length).toBeGreaterThan(15);
  });

  it.each(['mid', 'bin', 'brand', 'cycle'] as const)('declines by %s: attempts, declines and the top reasons of each row', async (by) => {
    const r = await declineReport(store, { from: FROM, to: TO, tz: VIEWER, currency: 'USD', by });
    const att = evs.filter((e) => (e.kind === 'sale' || e.kind === 'decline') && inRange(e));
    const keyOf = (e: Ev) => (by === 'mid' ? String(e.x.mid.merchantId) : by === 'bin' ? e.bin : by === 'brand' ? e.brand : String(e.x.cycle));
    const rows = new Map<string | null, Ev[]>();
    for (const e of att) rows.set(keyOf(e), [...(rows.get(keyOf(e)) ?? []), e]);
    const want = [...rows].map(([value, list]) => {
      const declines = list.filter((e) => e.kind === 'decline');
      const reasons = [...tally(declines.map((e) => e.reason))].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))).slice(0, 3);
      return { value, attempts: list.length, approvals: list.length - declines.length, declines: declines.length, declineRate: rate(declines.length, list.length), reasons: reasons.map(([reason, n]) => ({ reason, declines: n, share: n / declines.length })) };
    });
    const got = r.rows.map(({ value, attempts, approvals, declines, declineRate, reasons }) => ({ value, attempts, approvals, declines, declineRate, reasons }));
    // BIN rows: those with declines, most first, at most 100; the others every value.
    const keep = by === 'bin' ? want.filter((w) => w.declines > 0).sort((a, b) => b.declines - a.declines || String(a.value).localeCompare(String(b.value))).slice(0, 100) : want;
    expect(new Set(got.map((g) => JSON.stringify(g)))).toEqual(new Set(keep.map((w) => JSON.stringify(w))));
    const total = att.filter((e) => e.kind === 'decline').length;
    expect(r.total).toEqual({ attempts: att.length, approvals: att.length - total, declines: total, declineRate: rate(total, att.length) });
    expect(r.reasons.reduce((s, x) => s + x.declines, 0)).toBe(total);
  });

  it('recycling: rebill attempts by retry number, saves by days after the first decline, and the sandbox parameters recovered', async () => {
    const r = await declineReport(store, { from: FROM, to: TO, tz: VIEWER, currency: 'USD', by: 'retry' });
    const rebills = evs.filter((e) => (e.kind === 'sale' || e.kind === 'decline') && e.x.cycle >= 2 && inRange(e));
    const byRetry = [...tally(rebills.map((e) => e.retry))].sort((a, b) => a[0] - b[0]).map(([retry, attempts]) => {
      const approvals = rebills.filter((e) => e.retry === retry && e.kind === 'sale').length;
      return { retry, attempts, approvals, approvalRate: rate(approvals, attempts) };
    });
    expect(r.recycle.byRetry).toEqual(byRetry);
    // Each save (an approved retry) against its rebill's first, declined attempt: whole days, rounded.
    const firstDecline = new Map<string, Ev>();
    const start = startOfLocalDay(FROM, VIEWER) - 90 * DAY;
    for (const e of evs) if (e.kind === 'decline' && e.retry === 0 && e.x.cycle >= 2 && e.t >= start) firstDecline.set(`${e.x.purchase?.purchaseId}|${e.x.cycle}`, e);
    const days = new Map<string, number>();
    for (const e of rebills) {
      if (e.kind !== 'sale' || e.retry < 1) continue;
      const d = firstDecline.get(`${e.x.purchase?.purchaseId}|${e.x.cycle}`);
      if (!d || d.t >= e.t) continue;
      const k = `${e.retry}|${Math.floor((e.t - d.t) / DAY + 0.5)}`;
      days.set(k, (days.get(k) ?? 0) + 1);
    }
    const wantDays = [...days].map(([k, saves]) => ({ retry: Number(k.split('|')[0]), days: Number(k.split('|')[1]), saves })).sort((a, b) => a.retry - b.retry || a.days - b.days);
    expect(r.recycle.byDays).toEqual(wantDays);
    // The generator: a first attempt approved with p = 0.82, a retry with 0.38 (4 standard errors either way).
    const within = (x: { attempts: number; approvals: number }, p: number) => Math.abs(x.approvals / x.attempts - p) <= 4 * Math.sqrt((p * (1 - p)) / x.attempts);
    const first = byRetry.find((x) => x.retry === 0)!;
    const retries = byRetry.filter((x) => x.retry >= 1).reduce((s, x) => ({ attempts: s.attempts + x.attempts, approvals: s.approvals + x.approvals }), { attempts: 0, approvals: 0 });
    expect(first.attempts).toBeGreaterThan(200);
    expect([within(first, 0.82), within(retries, 0.38)]).toEqual([true, true]);
    // Retries 3, 4 and 5 days apart (at 03:00-07:00 of the day): saves 3, 7 and 12 days after the first decline, a day either way.
    for (const s of r.recycle.byDays) expect(Math.abs(s.days - [3, 7, 12][s.retry - 1]!), JSON.stringify(s)).toBeLessThanOrEqual(1);
  });

  it.each(['reason', 'mid', 'days', 'cohort'] as const)('chargebacks by %s, fraud told apart, refunds of the same sale beside', async (by) => {
    const r = await chargebackReport(store, { from: FROM, to: TO, tz: VIEWER, currency: 'USD', by });
    const cbs = evs.filter((e) => e.kind === 'chargeback' && inRange(e));
    const refundsOf = (x: Txn) => evs.filter((e) => (e.kind === 'refund' || e.kind === 'void') && e.x.parent === x).reduce((s, e) => s - e.cents, 0) + (extraRefunds.get(x.transactionId) ?? 0);
    const counts = (list: Ev[]) => {
      const refunds = list.map((e) => refundsOf(e.x));
      const fraud = list.filter((e) => isFraud(e.reason));
      return {
        chargebacks: list.length, cents: list.reduce((s, e) => s - e.cents, 0), fraud: fraud.length, fraudCents: fraud.reduce((s, e) => s - e.cents, 0),
        refunded: refunds.filter((x) => x !== 0).length, refundCents: refunds.reduce((s, x) => s + x, 0),
      };
    };
    const group = <K>(key: (e: Ev) => K) => {
      const m = new Map<K, Ev[]>();
      for (const e of cbs) m.set(key(e), [...(m.get(key(e)) ?? []), e]);
      return m;
    };
    const pick = <T extends object>(x: T) => ({ ...counts([]), ...Object.fromEntries(Object.entries(x).filter(([k]) => k in counts([]))) });
    expect(pick(r.total)).toEqual(counts(cbs));
    const sales = evs.filter((e) => e.kind === 'sale' && inRange(e));
    expect([r.total.sales, r.total.chargebackRate]).toEqual([sales.length, rate(cbs.length, sales.length)]);
    expect(r.total.refunded).toBe(3);
    if (by === 'reason') {
      const want = [...group((e) => e.reason)].map(([reason, list]) => ({ reason, isFraud: isFraud(reason), ...counts(list) }));
      expect(new Set(r.byReason.map((x) => JSON.stringify({ reason: x.reason, isFraud: x.isFraud, ...pick(x) })))).toEqual(new Set(want.map((w) => JSON.stringify(w))));
      expect(r.byReason.some((x) => x.isFraud) && r.byReason.some((x) => x.isFraud === false)).toBe(true);
    } else if (by === 'mid') {
      const want = [...group((e) => String(e.x.mid.merchantId))].map(([mid, list]) => {
        const s = sales.filter((e) => String(e.x.mid.merchantId) === mid).length;
        return { mid, sales: s, chargebackRate: rate(list.length, s), ...counts(list) };
      });
      expect(new Set(r.byMid.map((x) => JSON.stringify({ mid: x.mid, sales: x.sales, chargebackRate: x.chargebackRate, ...pick(x) })))).toEqual(new Set(want.map((w) => JSON.stringify(w))));
    } else if (by === 'days') {
      // Whole days from the sale's date to the chargeback's, both in the account's zone.
      const daysOf = (e: Ev) => Math.round((Date.parse(localDate(e.t, zone)) - Date.parse(localDate(e.x.t, zone))) / DAY);
      const buckets: [number, number | null][] = [[0, 7], [8, 14], [15, 30], [31, 60], [61, 90], [91, 120], [121, 180], [181, null]];
      const want = buckets.map(([from, to]) => ({ from, to, ...counts(cbs.filter((e) => daysOf(e) >= from && (to === null || daysOf(e) <= to))) }));
      expect(r.byDays.map((x) => ({ from: x.from, to: x.to, ...pick(x) }))).toEqual(want);
      const sorted = cbs.map(daysOf).sort((a, b) => a - b);
      expect(r.total.medianDays).toBe(sorted[Math.ceil(sorted.length / 2) - 1]);
    } else {
      const want = [...group((e) => localDate(e.x.t, zone).slice(0, 7))].sort(([a], [b]) => a.localeCompare(b)).map(([cohort, list]) => ({ cohort, ...counts(list) }));
      expect(r.byCohort.map((x) => ({ cohort: x.cohort, ...pick(x) }))).toEqual(want);
    }
  });

  it('MID health by network: VAMP on Visa sales and disputes, Mastercard on the previous month\'s Mastercard sales, the running month projected', async () => {
    const asOf = sb.merchant.now;
    const conn = String((await store.listConnections())[0]?.connectionId);
    const r = await midReport(store, { from: '2025-05-01', to: '2025-07-31', tz: VIEWER, currency: 'USD', asOfs: new Map([[conn, asOf]]) });
    const all = oracleEvents(sb.merchant);
    const cell = (mid: string, month: string, brand: string, kind: Kind) => all.filter((e) => e.kind === kind && e.brand === brand && String(e.x.mid.merchantId) === mid && localDate(e.t, zone).slice(0, 7) === month).length;
    const july = { start: startOfLocalDay('2025-07-01', zone), end: startOfLocalDay('2025-08-01', zone) };
    const elapsed = (asOf - july.start) / (july.end - july.start);
    expect(r.rows.length).toBeGreaterThan(0);
    for (const row of r.rows) {
      const projected = row.month === '2025-07';
      expect(row.projected).toBe(projected);
      const scale = (n: number) => (projected ? Math.round(n / elapsed) : n);
      const prev = row.month === '2025-05' ? '2025-04' : row.month === '2025-06' ? '2025-05' : '2025-06';
      const visaSales = scale(cell(row.mid, row.month, 'VISA', 'sale'));
      const visaDisputes = scale(cell(row.mid, row.month, 'VISA', 'chargeback'));
      expect([row.visa.sales, row.visa.disputes, row.visa.ratio], `${row.mid} ${row.month}`).toEqual([visaSales, visaDisputes, rate(visaDisputes, visaSales)]);
      const mcPrev = cell(row.mid, prev, 'MASTERCARD', 'sale');
      const mcCbs = scale(cell(row.mid, row.month, 'MASTERCARD', 'chargeback'));
      expect([row.mastercard.previousMonthSales, row.mastercard.chargebacks, row.mastercard.ratio], `${row.mid} ${row.month}`).toEqual([mcPrev, mcCbs, rate(mcCbs, mcPrev)]);
      // A few hundred customers are far below every program's count minimum: no label, whatever the ratio.
      expect([row.visa.status === 'excessive', ['CMM', 'ECM', 'HECM'].includes(row.mastercard.status)]).toEqual([false, false]);
      if (projected) expect(row.actual?.visaSales).toBe(cell(row.mid, row.month, 'VISA', 'sale'));
    }
  });
});
