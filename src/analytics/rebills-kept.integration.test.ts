/**
 * Rebills ahead's observed rates read from the rebill rates kept at write time (src/store/rebill-rates.ts)
 * equal the same report read from the ledger, and both equal the rates counted here in JS from the
 * definitions (docs/metrics.md, "Rebills ahead"), on awkward data: two connections, purchases billed in
 * two currencies (some in both), attempts tied on the instant, soft declines spelt as the CRM may spell
 * them, declines whose transaction never arrived, purchases without a record, recycling purchases, cycles
 * with fewer than MIN_FIRST_ATTEMPTS first attempts; then after pages re-written, events deleted, a deferred
 * write refreshed, purchases changing status (into and out of recycle billing) and a purchase re-owned.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng.js';
import { addDays } from '../core/time.js';
import type { MoneyEvent } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import type { PageRow, PURCHASES, TRANSACTIONS } from '../store/tables.js';
import { openTestStore } from '../../test/stores.js';
import { MIN_FIRST_ATTEMPTS, rebillsReport } from './rebills.js';

const T0 = Date.UTC(2025, 2, 1);
const HOUR = 3_600_000;
const STATUSES = ['ACTIVE', 'RECYCLE_BILLING', 'CANCELLED', 'recycle billing', 'TRIAL', null] as const;
const RESPONSES = ['SOFT_DECLINE', 'HARD_DECLINE', ' soft decline', 'SOFT_DECLINE', null] as const;

interface Account {
  connectionId: string;
  events: MoneyEvent[];
  /** A transaction's response type (a decline's); absent: no transaction row (never synced). */
  responses: Map<number, string | null>;
  /** A purchase's status; absent: no purchase record. */
  statuses: Map<string, string | null>;
}

/** The attempts of `purchases` purchases: cycles 1..6 (later ones rarer), 1 to 4 attempts each, some tied. */
function generate(seed: number, purchases: number, firstTxn: number): Pick<Account, 'events' | 'responses' | 'statuses'> {
  const r = mulberry32(seed);
  const events: MoneyEvent[] = [];
  const responses = new Map<number, string | null>();
  const statuses = new Map<string, string | null>();
  let id = firstTxn;
  for (let p = 0; p < purchases; p++) {
    const purchase = `P${seed}-${p}`;
    const status = STATUSES[Math.floor(r() * STATUSES.length)]!;
    if (p % 9 !== 0) statuses.set(purchase, status);
    const cycles = 1 + Math.floor(r() * r() * 6);
    for (let c = 1; c <= cycles; c++) {
      // Most purchases bill in USD; a few switch to EUR at a cycle, one in five is in EUR throughout.
      const currency = p % 5 === 0 || (p % 7 === 0 && c % 2 === 0) ? 'EUR' : 'USD';
      const tries = 1 + Math.floor(r() * 4);
      let at = T0 + p * 3 * HOUR + c * 30 * 24 * HOUR;
      for (let k = 0; k < tries; k++) {
        const ok = r() < 0.45 || (k === tries - 1 && r() < 0.3);
        const txn = id++;
        const kind = ok ? 'sale' : 'decline';
        if (!ok) {
          const resp = RESPONSES[Math.floor(r() * RESPONSES.length)]!;
          if (resp !== null) responses.set(txn, resp);
        } else responses.set(txn, 'SUCCESS');
        events.push({
          event_id: `${kind}:${txn}`, kind, transaction_id: txn, instant: at, amount_cents: 1000 + (txn % 500), customer_id: 1 + (p % 60), order_id: `O${seed}-${p}-${c}`, purchase_id: purchase,
          campaign_id: 1, product_id: 2, aff_id: null, source_value1: null, merchant_id: 100 + (p % 3), billing_cycle: c, is_initial: c === 1, currency, coupon_code: null, attribution: null,
          card_brand: 'VISA', card_bin: null, reason: null, recycle_number: k,
        });
        // One attempt in six is tied with the next on the instant (the event id decides the order).
        if (r() > 1 / 6) at += (1 + Math.floor(r() * 3)) * 24 * HOUR;
        if (ok) break;
      }
    }
  }
  return { events, responses, statuses };
}

const txnRow = (e: MoneyEvent, response: string | null): PageRow<typeof TRANSACTIONS> => ({
  transaction_id: e.transaction_id, order_id: e.order_id, customer_id: e.customer_id, purchase_id: e.purchase_id, txn_type: 'SALE', response_type: response,
  total_cents: e.amount_cents, billing_cycle: e.billing_cycle, merchant_id: e.merchant_id, date_created: e.instant, date_updated: e.instant, currency: e.currency,
});

/** A number from a purchase id (its record's details vary with it). */
const hash = (id: string) => [...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7);

/** A purchase record: its next bill date around the as-of (some overdue), cycle, price and currency (some none: the base currency) vary; `bump` moves it to its next cycle. */
const purchaseRow = (id: string, status: string | null, customer: number, bump = 0): PageRow<typeof PURCHASES> => {
  const h = hash(id);
  return {
    purchase_id: id, customer_id: customer, status, billing_cycle: 1 + (h % 4) + bump, billing_interval_days: 30, next_bill_date: addDays('2025-11-10', (h % 60) + 30 * bump), price_cents: 995 + (h % 7) * 500,
    date_created: T0, date_updated: T0, currency: [null, 'USD', 'EUR', 'USD'][h % 4] ?? null,
  };
};

/** The rates of docs/metrics.md ("Rebills ahead") counted from the accounts' events, transactions and purchases. */
function expectedRates(accounts: Account[], currency: string, only: string | null) {
  const norm = (s: string | null | undefined) => (s ?? '').trim().toUpperCase().replace(/ /g, '_');
  const cells = new Map<number, { f: number; a: number; s: number; sv: number; l: number }>();
  for (const acc of accounts) {
    if (only !== null && acc.connectionId !== only) continue;
    const mine = acc.events.filter((e) => (e.kind === 'sale' || e.kind === 'decline') && e.currency === currency && e.purchase_id !== null && (e.billing_cycle ?? 0) >= 2);
    const byPurchase = new Map<string, MoneyEvent[]>();
    for (const e of mine) byPurchase.set(e.purchase_id!, [...(byPurchase.get(e.purchase_id!) ?? []), e]);
    for (const [purchase, list] of byPurchase) {
      const cycles = [...new Set(list.map((e) => e.billing_cycle!))];
      const lastOk = Math.max(1, ...list.filter((e) => e.kind === 'sale').map((e) => e.billing_cycle!));
      // Still recycling, or undecided: no status known for the purchase (no record, or none in it).
      const recycling = (acc.statuses.get(purchase) ?? null) === null || norm(acc.statuses.get(purchase)) === 'RECYCLE_BILLING';
      for (const c of cycles) {
        const tries = list.filter((e) => e.billing_cycle === c).sort((x, y) => x.instant - y.instant || (x.event_id < y.event_id ? -1 : 1));
        const soft = (e: MoneyEvent) => e.kind === 'decline' && norm(acc.responses.get(e.transaction_id)) === 'SOFT_DECLINE';
        const ok = tries.some((e) => e.kind === 'sale');
        const firstSoft = soft(tries[0]!);
        const open = firstSoft && !ok && soft(tries.at(-1)!) && c === lastOk + 1;
        const x = cells.get(c) ?? { f: 0, a: 0, s: 0, sv: 0, l: 0 };
        x.f += 1;
        x.a += tries[0]!.kind === 'sale' ? 1 : 0;
        x.s += firstSoft ? 1 : 0;
        x.sv += firstSoft && ok ? 1 : 0;
        x.l += firstSoft && !ok && !(open && recycling) ? 1 : 0;
        cells.set(c, x);
      }
    }
  }
  return [...cells].sort(([a], [b]) => a - b).map(([cycle, x]) => ({ cycle, firstAttempts: x.f, firstApproved: x.a, softFirst: x.s, saved: x.sv, lost: x.l }));
}

describe.each(['duckdb', 'postgres'] as const)('rebills ahead: kept rates equal the ledger and the definitions, on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const accounts: Account[] = [];

  const writeEvents = async (acc: Account, events: MoneyEvent[], deleted: number[] = [], deferFacts = false) => {
    const rows = events.filter((e) => acc.responses.has(e.transaction_id)).map((e) => txnRow(e, acc.responses.get(e.transaction_id) ?? null));
    await store.writePages([{ connectionId: acc.connectionId, table: 'transactions', rows, ledger: { transactionIds: [...new Set([...events.map((e) => e.transaction_id), ...deleted])], events } }], { deferFacts });
  };
  const writeStatuses = async (acc: Account, ids: string[]) => {
    const rows = ids.filter((id) => acc.statuses.has(id)).map((id) => purchaseRow(id, acc.statuses.get(id) ?? null, 1));
    await store.writePage({ connectionId: acc.connectionId, table: 'purchases', rows });
  };

  /** Both paths of the report, each currency, every connection and each alone, against the JS count. */
  const expectAllAgree = async (label: string) => {
    expect(await store.aggregatesBehind()).toBe(false);
    for (const currency of ['USD', 'EUR']) {
      for (const only of [null, ...accounts.map((a) => a.connectionId)]) {
        const filters = only === null ? [] : [{ dimension: 'connection' as const, values: [only] }];
        const q = { currency, filters, asOf: Date.UTC(2025, 10, 20), windows: [7, 30, 90] };
        const kept = await rebillsReport(store, q, { source: 'aggregate' });
        const ledger = await rebillsReport(store, q, { source: 'ledger' });
        expect(kept, `${label}: ${currency} ${only ?? 'all'}`).toEqual(ledger);
        // Live subscriptions due, some overdue, some recycling: the windows are not empty.
        if (only === null) expect([kept.windows.at(-1)!.subscriptions, kept.overdue.subscriptions, kept.windows.at(-1)!.lines.filter((l) => l.recycling).length].every((x) => x > 0), `${label}: ${currency}`).toBe(true);
        const want = expectedRates(accounts, currency, only);
        expect(kept.rates.slice(0, -1).map(({ cycle, firstAttempts, firstApproved, softFirst, saved, lost }) => ({ cycle, firstAttempts, firstApproved, softFirst, saved, lost })), `${label}: ${currency} ${only ?? 'all'}`).toEqual(want);
      }
    }
  };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'rebills-kept'));
    for (const [i, name] of ['east', 'west'].entries()) {
      const c = await store.saveConnection({ name, brand: 'konnektive', baseUrl: 'http://127.0.0.1:1', loginId: 'u', password: 'p', accountName: name, accountUsername: 'o', timezone: i === 0 ? 'America/New_York' : 'Europe/Paris', frequency: 'daily' });
      const acc: Account = { connectionId: c.connectionId, ...generate(11 + i, i === 0 ? 220 : 90, 1 + i * 100_000) };
      accounts.push(acc);
      for (let k = 0; k < acc.events.length; k += 150) await writeEvents(acc, acc.events.slice(k, k + 150));
      await writeStatuses(acc, [...acc.statuses.keys()]);
    }
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
  });

  it('as written page by page, with cycles under and over the minimum of first attempts', async () => {
    const usd = expectedRates(accounts, 'USD', null);
    // The data has what the test is about: cycles on both sides of the minimum, soft declines saved, lost and still recycling.
    expect(usd.some((c) => c.firstAttempts >= MIN_FIRST_ATTEMPTS) && usd.some((c) => c.firstAttempts < MIN_FIRST_ATTEMPTS)).toBe(true);
    expect(usd.some((c) => c.saved > 0) && usd.some((c) => c.lost > 0)).toBe(true);
    expect((await store.query("SELECT COUNT(*) AS n FROM rebill_tries WHERE open = 1"))[0]?.n).not.toBe(0);
    await expectAllAgree('written');
  });

  it('after pages re-written, events deleted and a deferred write refreshed', async () => {
    const acc = accounts[0]!;
    // Some attempts moved a day later (reordered within their cycle), some declines approved instead, some gone.
    const moved = acc.events.filter((_, k) => k % 11 === 0).map((e) => ({ ...e, instant: e.instant + 25 * HOUR }));
    const flipped = acc.events.filter((e, k) => k % 13 === 5 && e.kind === 'decline').map((e) => ({ ...e, kind: 'sale' as const, event_id: `sale:${e.transaction_id}` }));
    for (const e of flipped) acc.responses.set(e.transaction_id, 'SUCCESS');
    const gone = acc.events.filter((_, k) => k % 17 === 3).map((e) => e.transaction_id);
    const changed = new Map([...moved, ...flipped].map((e) => [e.transaction_id, e]));
    acc.events = acc.events.filter((e) => !gone.includes(e.transaction_id)).map((e) => changed.get(e.transaction_id) ?? e);
    const page = [...changed.values()].filter((e) => !gone.includes(e.transaction_id));
    await writeEvents(acc, page.slice(0, 20));
    await writeEvents(acc, page.slice(20), gone, true);
    await store.refreshDirtyFacts(acc.connectionId);
    await expectAllAgree('re-written');
  });

  it('after purchases change status (into and out of recycle billing) and a purchase is re-owned', async () => {
    const acc = accounts[1]!;
    const open = (await store.query('SELECT purchase_id FROM rebill_tries WHERE open = 1 AND connection_id = $1 ORDER BY purchase_id', [acc.connectionId])).map((r) => String(r.purchase_id));
    expect(open.length).toBeGreaterThan(1);
    for (const [k, id] of open.entries()) acc.statuses.set(id, k % 2 === 0 ? (acc.statuses.get(id) === 'RECYCLE_BILLING' ? 'CANCELLED' : 'RECYCLE_BILLING') : 'RECYCLE_FAILED');
    await writeStatuses(acc, open);
    // A purchase's events and record move to another customer.
    const owned = open[0]!;
    acc.events = acc.events.map((e) => (e.purchase_id === owned ? { ...e, customer_id: 999 } : e));
    await writeEvents(acc, acc.events.filter((e) => e.purchase_id === owned));
    await store.writePage({ connectionId: acc.connectionId, table: 'purchases', rows: [purchaseRow(owned, acc.statuses.get(owned) ?? null, 999)] });
    // Purchases billed meanwhile: their next bill date, cycle and price move (rebills ahead's live subscriptions).
    const billed = [...acc.statuses.keys()].filter((_, k) => k % 5 === 1);
    await store.writePage({ connectionId: acc.connectionId, table: 'purchases', rows: billed.map((id) => purchaseRow(id, acc.statuses.get(id) ?? null, 1, 1)) });
    await expectAllAgree('statuses changed');
    // As kept through all of it, both tables equal a rebuild from the ledger.
    for (const a of accounts) {
      const read = async () => [await store.readRows('rebill_tries', a.connectionId), await store.readRows('rebill_rates', a.connectionId), await store.readRows('rebill_due', a.connectionId)];
      const kept = await read();
      expect(kept[1]!.length).toBeGreaterThan(0);
      await store.rebuildAggregates(a.connectionId);
      expect(kept).toEqual(await read());
    }
  });
});
