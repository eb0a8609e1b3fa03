/**
 * MID health, declines and chargebacks read whole UTC days from attempt_days and the partial days at a
 * range's edges from the ledger (attempt-source.ts): the split must be exact in any zone. Events every
 * 53 minutes around month ends, in accounts and for viewers 25 hours apart (Pacific/Kiritimati, UTC+14,
 * and Pacific/Pago_Pago, UTC-11) and across daylight-saving changes (New York, London), are counted here
 * in JS from the definitions, and each report must equal both that count and its own ledger-only path
 * (declines and chargebacks read the table when asked: source 'aggregate').
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, startOfLocalDay } from '../core/time.js';
import type { EventKind, MoneyEvent } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { chargebackReport } from './chargebacks.js';
import { declineReport, DECLINE_VIEWS } from './declines.js';
import { midReport } from './mids.js';

const ACCOUNTS = [
  { name: 'east', timezone: 'Pacific/Kiritimati' },
  { name: 'west', timezone: 'Pacific/Pago_Pago' },
  { name: 'ny', timezone: 'America/New_York' },
] as const;
const KINDS: EventKind[] = ['sale', 'decline', 'sale', 'decline', 'chargeback', 'sale', 'chargeback_reversal', 'refund'];
const FIRST = Date.UTC(2025, 0, 20);
const LAST = Date.UTC(2025, 3, 20);
const STEP = 53 * 60_000;

/** The synthetic events of account `a`: every dimension the reports cut by varies with the id. */
function eventsOf(a: number): MoneyEvent[] {
  const out: MoneyEvent[] = [];
  for (let t = FIRST + a * 7 * 60_000, id = 1; t < LAST; t += STEP, id++) {
    const kind = KINDS[id % KINDS.length] as EventKind;
    const cycle = 1 + (id % 3);
    out.push({
      event_id: `${kind}:${id}`, kind, transaction_id: id, instant: t, amount_cents: kind === 'sale' || kind === 'decline' || kind === 'chargeback_reversal' ? 1000 + id : -(1000 + id),
      customer_id: 1 + (id % 40), order_id: `O${id}`, purchase_id: `P${id % 40}`, campaign_id: 1, product_id: 2, aff_id: null, source_value1: null,
      merchant_id: id % 11 === 0 ? null : 100 + (id % 3), billing_cycle: cycle, is_initial: cycle === 1, currency: id % 13 === 0 ? 'EUR' : 'USD', coupon_code: null, attribution: null,
      card_brand: id % 7 === 0 ? null : id % 2 === 0 ? 'VISA' : 'MASTERCARD', card_bin: id % 2 === 0 ? `4${String(id % 5).padStart(5, '0')}` : null,
      reason: kind === 'decline' ? ['Do Not Honor', 'Insufficient funds', null][id % 3] : kind === 'chargeback' ? ['10.4', '4853'][id % 2] : null,
      recycle_number: cycle > 1 ? id % 3 : 0,
    });
  }
  return out;
}

describe.each(['duckdb', 'postgres'] as const)('attempt_days: whole UTC days plus edges equal the ledger in any zone, on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  const events = new Map<string, MoneyEvent[]>();
  const zoneOf = new Map<string, string>();
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'attempt-days'));
    for (const [i, a] of ACCOUNTS.entries()) {
      const c = await store.saveConnection({ name: a.name, brand: 'konnektive', baseUrl: 'http://127.0.0.1:1', loginId: 'u', password: 'p', accountName: a.name, accountUsername: 'o', timezone: a.timezone, frequency: 'daily' });
      const evs = eventsOf(i);
      events.set(c.connectionId, evs);
      zoneOf.set(c.connectionId, a.timezone);
      // Written in pages as a sync writes them (the table kept at write time), one page re-written changed.
      for (let k = 0; k < evs.length; k += 400) {
        const page = evs.slice(k, k + 400);
        await store.writePages([{ connectionId: c.connectionId, table: 'transactions', rows: [], ledger: { transactionIds: page.map((e) => e.transaction_id), events: page } }]);
      }
      const moved = evs.slice(0, 50).map((e) => ({ ...e, instant: e.instant + 11 * 3_600_000 }));
      await store.writePages([{ connectionId: c.connectionId, table: 'transactions', rows: [], ledger: { transactionIds: moved.map((e) => e.transaction_id), events: moved } }]);
      events.set(c.connectionId, [...moved, ...evs.slice(50)]);
    }
    expect(await store.aggregatesBehind()).toBe(false);
  });
  afterAll(async () => {
    await dispose?.();
  });

  const all = () => [...events.values()].flat();
  const range = (from: string, to: string, zone: string) => [startOfLocalDay(from, zone), startOfLocalDay(addDays(to, 1), zone)] as const;

  // Zones 25 hours apart, a daylight-saving change (New York 9 March, London 30 March), a single day (no whole UTC day inside).
  // Declines (and their saves by days, from rebill_saves) and chargebacks (from chargeback_sales) equal their ledger-only path.
  const RANGES = [
    ['2025-02-26', '2025-03-03', 'Pacific/Kiritimati'],
    ['2025-02-26', '2025-03-03', 'Pacific/Pago_Pago'],
    ['2025-03-07', '2025-03-11', 'America/New_York'],
    ['2025-03-29', '2025-03-31', 'Europe/London'],
    ['2025-03-01', '2025-03-01', 'Asia/Kathmandu'],
    // Zones 15 hours apart (Tokyo +9, Chicago -6 until its daylight-saving change on 9 March, inside the range).
    ['2025-03-03', '2025-03-12', 'Asia/Tokyo'],
    ['2025-03-03', '2025-03-12', 'America/Chicago'],
  ] as const;

  it.each(RANGES)('declines from %s to %s, viewer %s', async (from, to, tz) => {
    const [start, end] = range(from, to, tz);
    const inRange = all().filter((e) => e.instant >= start && e.instant < end && e.currency === 'USD' && (e.kind === 'sale' || e.kind === 'decline'));
    for (const by of DECLINE_VIEWS) {
      const q = { from, to, tz, currency: 'USD', by };
      const got = await declineReport(store, { ...q, source: 'aggregate' });
      expect(got, `${by}: the split equals the ledger alone`).toEqual(await declineReport(store, { ...q, source: 'ledger' }));
      expect(got.total.attempts).toBe(inRange.length);
      expect(got.total.declines).toBe(inRange.filter((e) => e.kind === 'decline').length);
      if (by === 'mid') {
        for (const row of got.rows) {
          const mine = inRange.filter((e) => zoneOf.has(String(row.connectionId)) && events.get(String(row.connectionId))?.includes(e) && String(e.merchant_id ?? null) === String(row.value));
          expect([row.approvals, row.declines], `MID ${row.value}`).toEqual([mine.filter((e) => e.kind === 'sale').length, mine.filter((e) => e.kind === 'decline').length]);
        }
      }
      if (by === 'retry') {
        const rebills = inRange.filter((e) => e.billing_cycle >= 2);
        expect(got.recycle.byRetry.map((r) => [r.retry, r.attempts, r.approvals])).toEqual(
          [0, 1, 2].map((k) => rebills.filter((e) => e.recycle_number === k)).filter((l) => l.length > 0).map((l) => [l[0]!.recycle_number, l.length, l.filter((e) => e.kind === 'sale').length]),
        );
      }
    }
  });

  it.each(RANGES)('chargebacks from %s to %s, viewer %s: sales and reversals by MID', async (from, to, tz) => {
    const [start, end] = range(from, to, tz);
    const inRange = all().filter((e) => e.instant >= start && e.instant < end && e.currency === 'USD');
    const q = { from, to, tz, currency: 'USD' };
    const got = await chargebackReport(store, { ...q, source: 'aggregate' });
    expect(got).toEqual(await chargebackReport(store, { ...q, source: 'ledger' }));
    expect(got.total.sales).toBe(inRange.filter((e) => e.kind === 'sale').length);
    const reversals = inRange.filter((e) => e.kind === 'chargeback_reversal');
    expect([got.total.reversals, got.total.reversalCents]).toEqual([reversals.length, reversals.reduce((s, e) => s + e.amount_cents, 0)]);
    expect(got.total.chargebacks).toBe(inRange.filter((e) => e.kind === 'chargeback').length);
  });

  it('MID health: each account month (Kiritimati, Pago Pago, New York) from whole days and edges', async () => {
    const q = { from: '2025-02-01', to: '2025-03-31', tz: 'UTC', currency: 'USD', now: Date.UTC(2026, 0, 1) };
    const got = await midReport(store, q);
    expect(got).toEqual(await midReport(store, { ...q, source: 'ledger' }));
    expect(got.rows.length).toBeGreaterThan(0);
    for (const row of got.rows) {
      const zone = zoneOf.get(row.connectionId) as string;
      const mine = (events.get(row.connectionId) ?? []).filter((e) => String(e.merchant_id ?? '(none)') === row.mid && localDate(e.instant, zone).slice(0, 7) === row.month);
      const cbs = mine.filter((e) => e.kind === 'chargeback');
      expect([row.sales, row.chargebacks, row.chargebackCents], `${row.connectionId} ${row.mid} ${row.month}`).toEqual([
        mine.filter((e) => e.kind === 'sale').length,
        cbs.length,
        -cbs.filter((e) => e.currency === 'USD').reduce((s, e) => s + e.amount_cents, 0),
      ]);
    }
  });

  it('MID health filtered by billing cycle (no cycle in mid_months): whole UTC days and edges, equal to the ledger and to a count', async () => {
    const q = { from: '2025-02-01', to: '2025-03-31', tz: 'UTC', currency: 'USD', now: Date.UTC(2026, 0, 1), filters: [{ dimension: 'cycle' as const, values: [2] }] };
    const got = await midReport(store, q);
    expect(got).toEqual(await midReport(store, { ...q, source: 'ledger' }));
    expect(got.rows.length).toBeGreaterThan(0);
    for (const row of got.rows) {
      const zone = zoneOf.get(row.connectionId) as string;
      const mine = (events.get(row.connectionId) ?? []).filter((e) => e.billing_cycle === 2 && String(e.merchant_id ?? '(none)') === row.mid && localDate(e.instant, zone).slice(0, 7) === row.month);
      expect([row.sales, row.chargebacks], `${row.connectionId} ${row.mid} ${row.month}`).toEqual([mine.filter((e) => e.kind === 'sale').length, mine.filter((e) => e.kind === 'chargeback').length]);
    }
  });

  it('reads the tables (a changed cell changes the answer), and the ledger once the aggregates are behind', async () => {
    const q = { from: '2025-02-01', to: '2025-03-31', tz: 'UTC', currency: 'USD', now: Date.UTC(2026, 0, 1) };
    const before = await midReport(store, q);
    const sales = (r: typeof before) => r.rows.reduce((s, x) => s + x.sales, 0);
    // MID health reads mid_months; with a cycle filter, attempt_days.
    await store.query('UPDATE mid_months SET events = events + 1000');
    expect(sales(await midReport(store, q))).toBeGreaterThan(sales(before) + 1000);
    const cycle = { ...q, filters: [{ dimension: 'cycle' as const, values: [2] }] };
    const cycleBefore = await midReport(store, cycle);
    await store.query('UPDATE attempt_days SET events = events + 1000');
    expect(sales(await midReport(store, cycle))).toBeGreaterThan(sales(cycleBefore) + 1000);
    const conn = [...events.keys()][0] as string;
    await store.query('INSERT INTO rebuild_pending (connection_id) VALUES ($1)', [conn]);
    expect(await midReport(store, q)).toEqual(before);
    await store.rebuildAggregates();
    await store.query('DELETE FROM rebuild_pending WHERE connection_id = $1', [conn]);
    expect(await midReport(store, q)).toEqual(before);
    expect(await midReport(store, cycle)).toEqual(cycleBefore);
  });
});
