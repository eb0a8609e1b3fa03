/**
 * Rebills ahead equals an independent computation from the sandbox's ground truth (its purchases' next
 * bill dates, prices and statuses, and the rebill attempts of its transactions), on both engines; and the
 * sandbox's own generating parameters (rebill approval, the recycle schedule and the save rate) are
 * recovered from the reports within sampling error. The oracle below is written from docs/metrics.md
 * ("Rebills ahead") over the merchant's in-memory state; it never calls analytics code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../core/time.js';
import { CrmClient } from '../crm/client.js';
import { oddityOf, REBILL_RESPONSE_WEIGHTS, RECYCLE_DAYS, startSandbox, UNREADABLE_KINDS, type Merchant, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import { runSync } from '../sync/run.js';
import { MIN_FIRST_ATTEMPTS, rebillsReport } from './rebills.js';
import { retentionReport } from './retention.js';
import { openTestStore } from '../../test/stores.js';

const SANDBOX = { seed: 'rebills-it', customers: 500, start: '2025-01-01', now: '2025-07-15 18:00:00', profile: 'rich' } as const;
/** The real profile (docs/sandbox.md): several currencies, odd and unreadable transaction records. */
const REAL = { seed: 'rebills-real', customers: 900, start: '2025-01-01', now: '2025-07-15 18:00:00', profile: 'real', currencies: ['USD', 'MXN'] } as const;

async function syncedStore(engine: 'duckdb' | 'postgres', sb: Sandbox, opts: { readonly start: string; readonly now: string }): Promise<{ store: Store; dispose: () => Promise<void> }> {
  const { store, dispose } = await openTestStore(engine, 'rebills');
  const c = await store.saveConnection({ name: 'sb', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
  await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: opts.now.slice(0, 10), mode: { kind: 'backfill', from: opts.start, to: opts.now.slice(0, 10) } });
  return { store, dispose };
}

/** A subscription's attempts at one rebill cycle, in order, with its status and last approved cycle. */
interface SubCycle {
  c: number;
  status: string;
  lastOk: number;
  tries: { ok: boolean; soft: boolean }[];
}

/** A purchase's currency: its campaign's. */
const currencyOf = (p: Merchant['purchases'][number]) => p.order.campaign.currency.code;

/** Per rebill cycle, from the ground truth: each subscription's attempts at that cycle, in order. */
function attemptsByCycle(m: Merchant, cur: string): Map<number, SubCycle[]> {
  const out = new Map<number, SubCycle[]>();
  for (const p of m.purchases.filter((x) => currencyOf(x) === cur)) {
    // The ledger's attempts: approved SALE/CAPTURE and declined SALE/AUTHORIZE of cycles 2 and later; a
    // record the CRM serves unreadable is in quarantine, not in the ledger.
    const tries = p.txns
      .filter((x) => !(UNREADABLE_KINDS as readonly string[]).includes(oddityOf(m, x) ?? ''))
      .filter((x) => x.cycle >= 2 && (x.response === 'SUCCESS' ? x.type === 'SALE' || x.type === 'CAPTURE' : x.type === 'SALE' || x.type === 'AUTHORIZE'))
      .sort((a, b) => a.t - b.t || a.transactionId - b.transactionId);
    const cycles = [...new Set(tries.map((x) => x.cycle))];
    const lastOk = Math.max(1, ...tries.filter((x) => x.response === 'SUCCESS').map((x) => x.cycle));
    for (const c of cycles) {
      const list = out.get(c) ?? [];
      list.push({ c, status: p.status, lastOk, tries: tries.filter((x) => x.cycle === c).map((x) => ({ ok: x.response === 'SUCCESS', soft: x.response === 'SOFT_DECLINE' })) });
      out.set(c, list);
    }
  }
  return out;
}

/** The rates of docs/metrics.md from the attempts of some cycles together. */
function ratesOf(subs: SubCycle[], cycle: number | null) {
  const f = subs.length;
  const a = subs.filter((s) => s.tries[0]!.ok).length;
  const soft = subs.filter((s) => s.tries[0]!.soft);
  const saved = soft.filter((s) => s.tries.some((t) => t.ok)).length;
  // Still in recycle billing for this cycle: not resolved yet.
  const recycling = (s: SubCycle) => s.status === 'RECYCLE_BILLING' && s.tries.at(-1)!.soft && s.c === s.lastOk + 1;
  const lost = soft.filter((s) => !s.tries.some((t) => t.ok) && !recycling(s)).length;
  const r = (x: number, y: number) => (y === 0 ? null : x / y);
  const first = r(a, f);
  return {
    cycle, firstAttempts: f, firstApproved: a, softFirst: soft.length, saved, lost,
    firstAttemptRate: first, softDeclineRate: r(soft.length, f), saveRate: r(saved, saved + lost), expectedRate: first === null ? null : first + (r(soft.length, f) ?? 0) * (r(saved, saved + lost) ?? 0),
  };
}

/** Rebills ahead by the definitions, from the merchant, at the as-of `asOf`. */
function oracle(m: Merchant, asOf: number, windows: number[], cur: string) {
  const z = m.config.timezone;
  const byCycle = attemptsByCycle(m, cur);
  const rates = [...byCycle.entries()].sort(([a], [b]) => a - b).map(([c, subs]) => ratesOf(subs, c));
  const all = ratesOf([...byCycle.values()].flat(), null);
  const used = (cycle: number, recycling: boolean) => {
    const own = rates.find((x) => x.cycle === cycle);
    const src = own && own.firstAttempts >= MIN_FIRST_ATTEMPTS ? own : all;
    return { source: src === own ? 'cycle' : 'rebills', rate: recycling ? src.saveRate : src.expectedRate };
  };
  const today = localDate(asOf, z);
  const live = m.purchases.filter((p) => currencyOf(p) === cur && ['ACTIVE', 'TRIAL', 'RECYCLE_BILLING'].includes(p.status) && p.nextBillDate !== null);
  const ahead = (d: string) => Math.round((Date.parse(`${d}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  const round = (x: number) => Math.round(x);
  const wins = windows.map((d) => {
    const inside = live.filter((p) => ahead(p.nextBillDate!) >= 0 && ahead(p.nextBillDate!) < d);
    const keys = [...new Set(inside.map((p) => `${p.cycle + 1}|${p.status === 'RECYCLE_BILLING'}`))];
    const lines = keys
      .map((k) => {
        const [c, rec] = [Number(k.split('|')[0]), k.split('|')[1] === 'true'];
        const ps = inside.filter((p) => p.cycle + 1 === c && (p.status === 'RECYCLE_BILLING') === rec);
        const list = ps.reduce((s, p) => s + p.price, 0);
        const u = used(c, rec);
        return { cycle: c, recycling: rec, subscriptions: ps.length, listCents: list, used: u, expectedCents: u.rate === null ? null : round(list * u.rate) };
      })
      .sort((a, b) => a.cycle - b.cycle || Number(a.recycling) - Number(b.recycling));
    return {
      days: d, from: today, to: addDays(today, d - 1), subscriptions: inside.length, listCents: lines.reduce((s, l) => s + l.listCents, 0),
      expectedCents: lines.reduce((s, l) => s + (l.expectedCents ?? 0), 0), unrated: lines.filter((l) => l.expectedCents === null).reduce((s, l) => s + l.subscriptions, 0), lines,
    };
  });
  const overdue = live.filter((p) => ahead(p.nextBillDate!) < 0);
  const longest = windows[windows.length - 1]!;
  const days = Array.from({ length: longest }, (_, i) => {
    const date = addDays(today, i);
    const ps = live.filter((p) => p.nextBillDate === date);
    return { date, subscriptions: ps.length, listCents: ps.reduce((s, p) => s + p.price, 0), expectedCents: round(ps.reduce((s, p) => s + p.price * (used(p.cycle + 1, p.status === 'RECYCLE_BILLING').rate ?? 0), 0)) };
  });
  const upcoming = live
    .filter((p) => ahead(p.nextBillDate!) >= 0 && ahead(p.nextBillDate!) < windows[0]!)
    .sort((a, b) => (a.nextBillDate! < b.nextBillDate! ? -1 : a.nextBillDate! > b.nextBillDate! ? 1 : a.purchaseId < b.purchaseId ? -1 : 1))
    .map((p) => ({ purchaseId: p.purchaseId, customerId: p.customer.customerId, date: p.nextBillDate!, cycle: p.cycle + 1, status: p.status, listCents: p.price, rate: used(p.cycle + 1, p.status === 'RECYCLE_BILLING').rate }));
  return { windows: wins, overdue: { subscriptions: overdue.length, listCents: overdue.reduce((s, p) => s + p.price, 0) }, rates: [...rates, all], days, upcoming };
}

describe.each([
  ['rich', 'duckdb'],
  ['rich', 'postgres'],
  ['real', 'duckdb'],
  ['real', 'postgres'],
] as const)('rebills ahead equal the sandbox ground truth, %s profile, on %s', (profile, engine) => {
  const opts = profile === 'rich' ? SANDBOX : REAL;
  let sb: Sandbox;
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    sb = await startSandbox(opts);
    ({ store, dispose } = await syncedStore(engine, sb, opts));
  }, 120_000);
  afterAll(async () => {
    await dispose();
    await sb.close();
  });

  it.each([[[7, 30, 60, 90]], [[2, 14, 45]]])('windows %j from the as-of, in each currency', async (windows) => {
    const asOf = sb.merchant.now;
    const currencies = [...new Set(sb.merchant.purchases.map(currencyOf))].sort();
    expect(currencies.length).toBe(profile === 'rich' ? 1 : 2);
    for (const cur of currencies) {
      const r = await rebillsReport(store, { currency: cur, asOf, windows });
      const want = oracle(sb.merchant, asOf, windows, cur);
      expect(r.rates, cur).toEqual(want.rates);
      expect(r.windows, cur).toEqual(want.windows);
      expect(r.overdue, cur).toEqual(want.overdue);
      expect(r.days, cur).toEqual(want.days);
      expect(r.upcoming.map(({ connectionId, ...u }) => u), cur).toEqual(want.upcoming);
      expect(r.truncated).toBe(false);
      // Worth testing: bills in every currency's longest window; on rich, in every window, recycling
      // retries among them, rates of the cycle's own and pooled.
      expect(want.windows.at(-1)!.subscriptions, cur).toBeGreaterThan(0);
      if (profile === 'rich') {
        expect(want.windows.every((w) => w.subscriptions > 0)).toBe(true);
        expect(r.windows.at(-1)!.lines.some((l) => l.recycling)).toBe(true);
        expect(new Set(r.windows.at(-1)!.lines.map((l) => l.used.source))).toEqual(new Set(['cycle', 'rebills']));
      }
    }
  });

  it('a currency with no subscriptions has nothing due; a connection filter keeps the figures', async () => {
    const asOf = sb.merchant.now;
    const none = await rebillsReport(store, { currency: 'JPY', asOf });
    expect(none.windows.map((w) => w.subscriptions)).toEqual([0, 0, 0, 0]);
    expect(none.rates.at(-1)!.firstAttempts).toBe(0);
    const id = String((await store.listConnections())[0]!.connectionId);
    expect(await rebillsReport(store, { currency: 'USD', asOf, filters: [{ dimension: 'connection', values: [id] }] })).toEqual(await rebillsReport(store, { currency: 'USD', asOf }));
  });
});

describe("the sandbox's generating parameters, recovered from the reports", () => {
  const BIG = { seed: 'params', customers: 3000, start: '2024-07-01', now: '2025-07-15 18:00:00', profile: 'rich' } as const;
  let sb: Sandbox;
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    sb = await startSandbox(BIG);
    ({ store, dispose } = await syncedStore('duckdb', sb, BIG));
  }, 300_000);
  afterAll(async () => {
    await dispose();
    await sb.close();
  });

  /** `observed` is within 3 binomial standard errors of `p` over `n` trials. */
  const near = (observed: number | null, p: number, n: number, what: string) => {
    expect(n, what).toBeGreaterThan(200);
    expect(Math.abs((observed ?? -1) - p), `${what}: ${observed} vs ${p} over ${n}`).toBeLessThanOrEqual(3 * Math.sqrt((p * (1 - p)) / n));
  };

  it('rebill approval, soft and hard declines, per retry; the recycle schedule; the save rate', async () => {
    const [ok, soft, hard] = REBILL_RESPONSE_WEIGHTS.first;
    const [rOk, rSoft, rHard] = REBILL_RESPONSE_WEIGHTS.retry;
    const ret = await retentionReport(store, { from: BIG.start, to: BIG.now.slice(0, 10), tz: sb.timezone, currency: 'USD', asOf: sb.merchant.now });
    const attempts = ret.rows[0]!.rebillAttempts;
    const first = attempts[0]!;
    near(first.approvalRate, ok, first.attempts, 'first-attempt approval');
    near(first.softDeclined / first.attempts, soft, first.attempts, 'first-attempt soft declines');
    near(first.hardDeclined / first.attempts, hard, first.attempts, 'first-attempt hard declines');
    // Retries: as many as the schedule has, each on its day after the attempt before it.
    expect(attempts.map((a) => a.retry)).toEqual([0, ...RECYCLE_DAYS.map((_, i) => i + 1)]);
    expect(attempts.slice(1).map((a) => a.daysAfterPrevious)).toEqual([...RECYCLE_DAYS]);
    const retries = attempts.slice(1).reduce((s, a) => ({ n: s.n + a.attempts, ok: s.ok + a.approved, soft: s.soft + a.softDeclined, hard: s.hard + a.hardDeclined }), { n: 0, ok: 0, soft: 0, hard: 0 });
    near(retries.ok / retries.n, rOk, retries.n, 'retry approval');
    near(retries.soft / retries.n, rSoft, retries.n, 'retry soft declines');
    near(retries.hard / retries.n, rHard, retries.n, 'retry hard declines');
    // The save rate a soft first decline has: approved by one of the retries before a hard decline ends it.
    const save = RECYCLE_DAYS.reduce((s, _, k) => s + rOk * rSoft ** k, 0);
    const ahead = await rebillsReport(store, { currency: 'USD', asOf: sb.merchant.now });
    const pooled = ahead.rates.at(-1)!;
    expect(pooled.cycle).toBeNull();
    near(pooled.saveRate, save, pooled.saved + pooled.lost, 'recycle save rate');
    near(pooled.firstAttemptRate, ok, pooled.firstAttempts, 'rebills ahead: first-attempt approval');
    // And the expected rate of a bill is the generator's: approved at once, or soft-declined and saved.
    expect(Math.abs(pooled.expectedRate! - (ok + soft * save))).toBeLessThan(0.03);
  });
});
