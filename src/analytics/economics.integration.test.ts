/**
 * Acquisition economics equals an independent computation from the sandbox's ground truth, to the cent,
 * on both engines, per currency (USD, MXN and CLP, a currency without a minor unit), for each source of
 * customers (campaign, affiliate, sub-affiliate, and the UTM source of the first order, which the
 * sandbox fills with "affiliate" for customers who came through one).
 * The merchant's costs and spend are generated below (versioned rates, a campaign-specific product cost,
 * a MID-specific processing rate, payouts per affiliate, sub-affiliate and cycle; weekly spend per source
 * and currency). The oracle is written from docs/metrics.md ("Unit economics") over the merchant's
 * in-memory transactions and the generated rates: it never calls analytics or store code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, DAY, localDate } from '../core/time.js';
import { CrmClient } from '../crm/client.js';
import { startSandbox, type Merchant, type Sandbox } from '../sandbox/index.js';
import type { PayoutRate, ProcessingRate, ProductRate, SourceKind, SpendRow } from '../ledger/costs.js';
import type { Store } from '../store/store.js';
import { runSync } from '../sync/run.js';
import { economicsReport, type EconomicsReport } from './economics.js';
import { openTestStore } from '../../test/stores.js';
import { firstSales, oracleEvents, type Ev } from '../../test/sandbox-oracle.js';

const SANDBOX = { seed: 'economics-it', customers: 500, start: '2025-01-01', now: '2025-07-15 18:00:00', profile: 'rich' } as const;
/** Two merchants: the common currencies, and the peso ones (CLP without a minor unit; COP with two decimals priced in whole pesos). */
const CURRENCY_SETS = [['USD', 'MXN', 'AUD'], ['CLP', 'COP']] as const;
// ISO 4217: CLP has no minor unit; COP has two decimals, though the sandbox prices it in whole pesos.
const WHOLE = new Set(['CLP']);
const HORIZONS = [1, 7, 30, 90, 180];
const ROAS = [7, 30, 90];
const FROM = '2025-01-01';
const TO = '2025-06-30';
/** Each currency's amounts are the USD ones times this (CLP: whole pesos). */
const SCALE: Record<string, number> = { USD: 1, MXN: 20, AUD: 2, CLP: 1000, COP: 4000 };

/** A small deterministic hash of a text, for generated amounts. */
function h(text: string): number {
  let x = 2166136261;
  for (const ch of text) x = Math.imul(x ^ ch.charCodeAt(0), 16777619) >>> 0;
  return x;
}

/** The generated costs: rates of every kind in each currency, and weekly spend per source. */
function generateCosts(m: Merchant, currencies: string[]): { products: ProductRate[]; processing: ProcessingRate[]; payouts: PayoutRate[]; spend: SpendRow[] } {
  const products: ProductRate[] = [];
  const processing: ProcessingRate[] = [];
  const payouts: PayoutRate[] = [];
  const spend: SpendRow[] = [];
  const campaignsOf = (cur: string) => m.campaigns.filter((c) => c.currency.code === cur);
  for (const cur of currencies) {
    const k = SCALE[cur] ?? 1;
    for (const p of m.products) {
      const cost = (300 + (h(`cost ${p.productId}`) % 1200)) * k;
      products.push({ productId: p.productId, campaignId: null, currency: cur, from: '1970-01-01', costCents: cost, fulfilmentCents: (100 + (h(`ful ${p.productId}`) % 400)) * k });
      // A price change from mid-March (account time) for every other product.
      if (p.productId % 2 === 0) products.push({ productId: p.productId, campaignId: null, currency: cur, from: '2025-03-15', costCents: cost + 150 * k, fulfilmentCents: 250 * k });
    }
    // A campaign's own cost of its first product.
    const camp = campaignsOf(cur)[0];
    const cp = camp?.products[0];
    if (camp && cp) products.push({ productId: cp.productId, campaignId: camp.campaignId, currency: cur, from: '2025-02-01', costCents: 111 * k, fulfilmentCents: 0 });
    processing.push({ merchantId: null, currency: cur, from: '1970-01-01', ratePpm: 29_000, fixedCents: 30 * k, chargebackCents: 1500 * k, refundCents: 100 * k });
    const mid = m.mids[0];
    if (mid) {
      processing.push({ merchantId: mid.merchantId, currency: cur, from: '1970-01-01', ratePpm: 35_125, fixedCents: 25 * k, chargebackCents: 2500 * k, refundCents: 0 });
      processing.push({ merchantId: mid.merchantId, currency: cur, from: '2025-04-01', ratePpm: 41_000, fixedCents: 20 * k, chargebackCents: 2000 * k, refundCents: 50 * k });
    }
    for (const a of m.affiliates) {
      payouts.push({ affId: a.affId, subAffId: null, cycle: 1, currency: cur, from: '1970-01-01', cpaCents: (1000 + (h(`cpa ${a.affId}`) % 3000)) * k });
      payouts.push({ affId: a.affId, subAffId: null, cycle: 2, currency: cur, from: '2025-02-01', cpaCents: 500 * k });
      const sub = a.subs[0];
      if (sub) payouts.push({ affId: a.affId, subAffId: sub, cycle: 1, currency: cur, from: '2025-03-01', cpaCents: 4500 * k });
    }
    // Spend every Monday (and the range's first and last days) against each source, some sources far costlier than others.
    const sources: [SourceKind, string][] = [
      ...campaignsOf(cur).map((c): [SourceKind, string] => ['campaign', String(c.campaignId)]),
      ...m.affiliates.map((a): [SourceKind, string] => ['affiliate', a.affId]),
      ...m.affiliates.flatMap((a) => a.subs.map((s): [SourceKind, string] => ['subaffiliate', s])),
      ['utm', 'affiliate'],
    ];
    for (let d = FROM; d <= TO; d = addDays(d, 1)) {
      if (new Date(`${d}T00:00:00Z`).getUTCDay() !== 1 && d !== FROM && d !== TO) continue;
      for (const [kind, value] of sources) {
        const weight = 1 + (h(`w ${kind} ${value}`) % 12);
        spend.push({ day: d, sourceKind: kind, source: value, platform: h(`p ${value}`) % 2 ? 'meta' : 'google', currency: cur, spendCents: (h(`s ${kind} ${value} ${d}`) % 900 + 100) * weight * k });
      }
    }
  }
  return { products, processing, payouts, spend };
}

/** The rate of a key in effect at an instant: the latest version whose date (account time) has begun. */
function inEffect<T extends { from: string; currency: string }>(rates: T[], match: (r: T) => boolean, cur: string, t: number, zone: string): T | undefined {
  const day = localDate(t, zone);
  return rates.filter((r) => r.currency === cur && match(r) && r.from <= day).sort((a, b) => (a.from < b.from ? 1 : -1))[0];
}

/** amount x ppm / 1e6, half away from zero, in the currency's minor unit (whole hundreds for CLP). */
function rateFee(amount: number, ppm: number, cur: string): number {
  const unit = BigInt(WHOLE.has(cur) ? 100 : 1);
  const d = 1_000_000n * unit;
  return Number(((2n * BigInt(Math.abs(amount)) * BigInt(ppm) + d) / (2n * d)) * unit);
}

/** Each event's costs by the definitions (a positive number; 0 when no rate applies). */
function oracleCosts(evs: Ev[], c: ReturnType<typeof generateCosts>, zone: string): Map<string, number> {
  const firstOfOrder = new Map<string, Ev>();
  for (const e of evs) {
    if (e.kind !== 'sale') continue;
    const f = firstOfOrder.get(e.order);
    if (!f || e.t < f.t || (e.t === f.t && e.txn < f.txn)) firstOfOrder.set(e.order, e);
  }
  const out = new Map<string, number>();
  for (const e of evs) {
    const proc = inEffect(c.processing, (r) => r.merchantId === e.mid, e.currency, e.t, zone) ?? inEffect(c.processing, (r) => r.merchantId === null, e.currency, e.t, zone);
    let cost = 0;
    if (e.kind === 'sale') {
      const prod = inEffect(c.products, (r) => r.productId === e.product && r.campaignId === e.campaign, e.currency, e.t, zone) ?? inEffect(c.products, (r) => r.productId === e.product && r.campaignId === null, e.currency, e.t, zone);
      cost += (prod?.costCents ?? 0) + (prod?.fulfilmentCents ?? 0) + (proc ? proc.fixedCents + rateFee(e.cents, proc.ratePpm, e.currency) : 0);
      if (firstOfOrder.get(e.order) === e && e.aff !== null) {
        const pay = inEffect(c.payouts, (r) => r.affId === e.aff && r.subAffId !== null && r.subAffId === e.sub && r.cycle === e.cycle, e.currency, e.t, zone)
          ?? inEffect(c.payouts, (r) => r.affId === e.aff && r.subAffId === null && r.cycle === e.cycle, e.currency, e.t, zone);
        cost += pay?.cpaCents ?? 0;
      }
    } else if (e.kind === 'refund') cost += proc?.refundCents ?? 0;
    else if (e.kind === 'chargeback') cost += proc?.chargebackCents ?? 0;
    out.set(e.id, cost);
  }
  return out;
}

/** a / b, half away from zero, in the currency's minor unit; null when b is 0. */
function perCustomer(a: number, b: number, cur: string): number | null {
  if (b === 0) return null;
  const unit = WHOLE.has(cur) ? 100 : 1;
  return Math.sign(a) * Math.round(Math.abs(a) / (b * unit)) * unit;
}
const roundHalfAway = (a: number, b: number) => Math.sign(a) * Math.sign(b) * Math.round(Math.abs(a) / Math.abs(b));

type Cell = { sum: number; complete: boolean; projected: boolean } | null;
interface OCohort {
  start: string;
  value: string | null;
  customers: number;
  last: number;
  margin: number[];
  revenue: number[];
  marginAll: number;
  revenueAll: number;
  spend: number | null;
}

/** The economics report by docs/metrics.md, from the ground truth. */
function oracleEconomics(evs: Ev[], first: Map<number, Ev>, costs: Map<string, number>, spend: SpendRow[], o: { cur: string; source: SourceKind; zone: string; asOf: number; connectionId: string }) {
  const valueOf = (f: Ev) => (o.source === 'campaign' ? String(f.campaign) : o.source === 'affiliate' ? f.aff : o.source === 'utm' ? f.utm : f.sub);
  const byCustomer = new Map<number, Ev[]>();
  for (const e of evs) if (e.currency === o.cur) byCustomer.set(e.customer, [...(byCustomer.get(e.customer) ?? []), e]);
  const cohorts = new Map<string, OCohort>();
  const get = (start: string, value: string | null) => {
    const k = `${start}|${value}`;
    let c = cohorts.get(k);
    if (!c) cohorts.set(k, (c = { start, value, customers: 0, last: -Infinity, margin: HORIZONS.map(() => 0), revenue: ROAS.map(() => 0), marginAll: 0, revenueAll: 0, spend: null }));
    return c;
  };
  for (const f of first.values()) {
    const d = localDate(f.t, o.zone);
    if (f.currency !== o.cur || d < FROM || d > TO) continue;
    const c = get(`${d.slice(0, 7)}-01`, valueOf(f));
    c.customers++;
    c.last = Math.max(c.last, f.t);
    for (const e of byCustomer.get(f.customer) ?? []) {
      const margin = e.cents - (costs.get(e.id) ?? 0);
      HORIZONS.forEach((hz, i) => (c.margin[i]! += e.t < f.t + hz * DAY ? margin : 0));
      ROAS.forEach((hz, i) => (c.revenue[i]! += e.t < f.t + hz * DAY ? e.cents : 0));
      c.marginAll += margin;
      c.revenueAll += e.cents;
    }
  }
  for (const s of spend) {
    if (s.currency !== o.cur || s.sourceKind !== o.source || s.day < FROM || s.day > TO) continue;
    const c = get(`${s.day.slice(0, 7)}-01`, s.source);
    c.spend = (c.spend ?? 0) + s.spendCents;
  }
  const complete = (c: OCohort, hz: number) => c.customers > 0 && c.last + hz * DAY <= o.asOf;
  // The observed curve: per horizon, the increments of the cohorts complete at it, per source and over all.
  const pool = (keep: (c: OCohort) => boolean, i: number) => {
    const done = [...cohorts.values()].filter((c) => keep(c) && complete(c, HORIZONS[i]!));
    return { inc: done.reduce((s, c) => s + c.margin[i]! - (i > 0 ? c.margin[i - 1]! : 0), 0), n: done.reduce((s, c) => s + c.customers, 0) };
  };
  const curve = (c: OCohort): Cell[] => {
    const out: Cell[] = [];
    let prev: Cell = { sum: 0, complete: true, projected: false };
    HORIZONS.forEach((hz, i) => {
      if (complete(c, hz)) {
        prev = { sum: c.margin[i]!, complete: true, projected: false };
      } else {
        const own = pool((x) => x.value === c.value, i);
        const p = own.n > 0 ? own : pool(() => true, i);
        prev = prev === null || c.customers === 0 || p.n === 0 ? null : { sum: prev.sum + roundHalfAway(p.inc * c.customers, p.n), complete: false, projected: true };
      }
      out.push(prev);
    });
    return out;
  };
  const row = (parts: OCohort[], cohort: string | null, start: string | null) => {
    const customers = parts.reduce((s, c) => s + c.customers, 0);
    const withSpend = parts.filter((c) => c.spend !== null);
    const sp = withSpend.length ? withSpend.reduce((s, c) => s + c.spend!, 0) : null;
    const curves = parts.map(curve);
    const ltv: Record<number, { cents: number; complete: boolean; projected: boolean; ltvToCac: number | null } | null> = {};
    let payback: { day: number; projected: boolean } | null = null;
    HORIZONS.forEach((hz, i) => {
      const cells = curves.map((cv) => cv[i]!);
      if (customers === 0 || cells.some((x, k) => x === null && parts[k]!.customers > 0)) {
        ltv[hz] = null;
        return;
      }
      const sum = cells.reduce((s, x) => s + (x?.sum ?? 0), 0);
      const projected = cells.some((x) => x?.projected);
      ltv[hz] = { cents: perCustomer(sum, customers, o.cur)!, complete: cells.every((x, k) => x?.complete || parts[k]!.customers === 0), projected, ltvToCac: sp === null || sp === 0 ? null : sum / sp };
      if (!payback && sp !== null && sum >= sp) payback = { day: hz, projected };
    });
    const found = payback as { day: number; projected: boolean } | null;
    const through = [...HORIZONS].reverse().find((hz) => ltv[hz] !== null) ?? null;
    const status = sp === null ? 'no_spend' : found ? (found.projected ? 'projected' : 'reached') : customers === 0 || through !== null ? 'not_reached' : 'unknown';
    return {
      cohort, start, customers, spendCents: sp, cacCents: sp === null ? null : perCustomer(sp, customers, o.cur), ltv, payback: found, paybackStatus: status, paybackThrough: through,
      roas: Object.fromEntries(ROAS.map((hz, i) => [hz, { value: sp === null || sp === 0 ? null : parts.reduce((s, c) => s + c.revenue[i]!, 0) / sp, complete: parts.every((c) => c.customers === 0 || complete(c, hz)) }])),
      marginToDate: parts.reduce((s, c) => s + c.marginAll, 0), revenueToDate: parts.reduce((s, c) => s + c.revenueAll, 0),
    };
  };
  const values = [...new Set([...cohorts.values()].map((c) => c.value))];
  const sources = values.map((v) => {
    const parts = [...cohorts.values()].filter((c) => c.value === v).sort((a, b) => (a.start < b.start ? -1 : 1));
    return { source: { connectionId: o.connectionId, value: v }, total: row(parts, null, null), cohorts: parts.map((c) => row([c], c.start.slice(0, 7), c.start)) };
  });
  // Ranked: a payback first (sooner, observed before projected), then spend without payback, then no spend;
  // within a tier by the last LTV:CAC (higher first), sources without spend by margin to date; then by value.
  const tier = (s: (typeof sources)[number]) => (s.total.payback ? 0 : s.total.spendCents !== null ? 1 : 2);
  const lastRatio = (s: (typeof sources)[number]) => [...HORIZONS].reverse().map((hz) => s.total.ltv[hz]).find((x) => x)?.ltvToCac ?? -Infinity;
  const byValue = (a: string | null, b: string | null) => {
    if (a === b) return 0;
    if (a === null || b === null) return a === null ? -1 : 1;
    const [na, nb] = [/^\d+$/.test(a), /^\d+$/.test(b)];
    if (na && nb) return Number(a) - Number(b);
    if (na !== nb) return na ? -1 : 1;
    return a < b ? -1 : 1;
  };
  sources.sort((a, b) => {
    const [pa, pb] = [a.total.payback as { day: number; projected: boolean } | null, b.total.payback as { day: number; projected: boolean } | null];
    return tier(a) - tier(b)
      || (pa && pb ? pa.day - pb.day || Number(pa.projected) - Number(pb.projected) : 0)
      || lastRatio(b) - lastRatio(a)
      || (tier(a) === 2 ? b.total.marginToDate - a.total.marginToDate : 0)
      || byValue(a.source.value, b.source.value);
  });
  return sources;
}

describe.each([
  ['duckdb', CURRENCY_SETS[0]],
  ['postgres', CURRENCY_SETS[0]],
  ['duckdb', CURRENCY_SETS[1]],
  ['postgres', CURRENCY_SETS[1]],
] as const)('acquisition economics equal the sandbox ground truth, on %s, in %j', (engine, currencies) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let sb: Sandbox;
  let evs: Ev[];
  let first: Map<number, Ev>;
  let generated: ReturnType<typeof generateCosts>;
  let costs: Map<string, number>;
  let connectionId: string;
  beforeAll(async () => {
    sb = await startSandbox({ ...SANDBOX, seed: `${SANDBOX.seed}-${currencies.join('-')}`, currencies });
    // Declines carry no money and no cost.
    evs = oracleEvents(sb.merchant).filter((e) => e.kind !== 'decline');
    first = firstSales(evs);
    ({ store, dispose } = await openTestStore(engine, 'economics'));
    const c = await store.saveConnection({ name: 'sb', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
    connectionId = c.connectionId;
    const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
    await runSync({ store, source: client, connectionId, timezone: sb.timezone, concurrency: 8, today: '2025-07-15', mode: { kind: 'backfill', from: SANDBOX.start, to: '2025-07-15' } });
    generated = generateCosts(sb.merchant, [...currencies]);
    await store.applyCostChanges(connectionId, generated, { actor: 'test', via: 'api', origin: 'generated' });
    costs = oracleCosts(evs, generated, sb.timezone);
  }, 300_000);
  afterAll(async () => {
    await dispose?.();
    await sb?.close();
  });

  it('has economics worth testing: every currency with customers and sources, costs of every kind, paybacks reached, projected and not', () => {
    for (const cur of currencies) expect([...first.values()].filter((f) => f.currency === cur).length, cur).toBeGreaterThan(20);
    const kinds = new Set(evs.filter((e) => (costs.get(e.id) ?? 0) > 0).map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['chargeback', 'refund', 'sale']);
    expect(new Set([...first.values()].map((f) => f.sub)).size).toBeGreaterThan(3);
  });

  it.each([
    ['campaign', 'America/New_York'],
    ['affiliate', 'America/New_York'],
    ['subaffiliate', 'America/New_York'],
    ['utm', 'America/New_York'],
    ['affiliate', 'Asia/Kolkata'],
  ] as const)('per %s and monthly cohort, viewer %s, in every currency', async (source, zone) => {
    const statuses = new Set<string>();
    const cells = new Set<string>();
    for (const cur of currencies) {
      const asOf = sb.merchant.now;
      const r: EconomicsReport = await economicsReport(store, { from: FROM, to: TO, tz: zone, currency: cur, by: 'month', source, horizons: HORIZONS, asOf });
      const want = oracleEconomics(evs, first, costs, generated.spend, { cur, source, zone, asOf, connectionId });
      expect(r.sources.length, cur).toBeGreaterThan(1);
      expect(r.sources, `${source} ${cur}`).toEqual(want);
      for (const s of r.sources) for (const x of [s.total, ...s.cohorts]) statuses.add(x.paybackStatus);
      for (const s of r.sources) for (const x of s.cohorts) for (const c of Object.values(x.ltv)) cells.add(c === null ? 'none' : c.projected ? 'projected' : c.complete ? 'complete' : 'partial');
    }
    // Observed and projected horizons alike (a young cohort's 180 days are projected from older cohorts').
    expect([...cells].sort()).toEqual(expect.arrayContaining(['complete', 'projected']));
    expect(statuses.has('reached')).toBe(true);
    expect(statuses.has('not_reached') || statuses.has('projected')).toBe(true);
  });
});
