/**
 * The cohort triangle from its pre-aggregate (cohort_months) equals the triangle from the ledger, on both
 * engines, on a store whose first sales and events sit on the edges of the keys' bands around UTC month
 * starts (docs/store.md, "Pre-aggregates"): read in the widest zones (+14, -12), at quarter-hour offsets
 * and across DST changes, on ranges of whole months and on ranges that split a month's core; and the
 * table kept at write time (events added, changed and removed, first sales moved) equals a rebuild.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { ledgerOf, openEngine, type HandTxn } from '../../test/golden-ledger.js';
import { cohortTriangle } from './cohorts.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const ZONES = ['Pacific/Kiritimati', 'Etc/GMT+12', 'Pacific/Chatham', 'Australia/Lord_Howe', 'America/New_York', 'Asia/Kathmandu', 'UTC'];
const AS_OF = Date.UTC(2026, 0, 20);

/** "YYYY-MM-DD HH:MM:SS" UTC wall time of an instant (the hand ledger is written in UTC). */
const wall = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

/**
 * Instants on the edges of the band around the UTC start of a month: the first instant of the band
 * (14 h before it: the next month on Kiritimati) and the last slot before it starts, the last instant of
 * the band (12 h after: still the previous month at -12) and the core's first, and the quarter hours in
 * between at which Chatham (+12:45/+13:45), Lord Howe (+10:30/+11) and Kathmandu (+5:45) start a month;
 * and instants inside the neighbouring cores.
 */
function edges(start: number): number[] {
  return [-14 * HOUR, -14 * HOUR - 1000, -13 * HOUR - 45 * MIN, -13 * HOUR - 45 * MIN - 1000, -12 * HOUR - 45 * MIN, -11 * HOUR, -10 * HOUR - 30 * MIN - 1000, -5 * HOUR - 45 * MIN, -1000, 0, 5 * HOUR, 12 * HOUR - 1000, 12 * HOUR, 11 * HOUR + 45 * MIN, ...CORE].map((d) => start + d);
}

/** Instants inside the cores before and after a month start (where a range not of whole months splits a core). */
const CORE = [3 * DAY, 9 * DAY + 7 * HOUR, 14 * DAY + 13 * HOUR + 15 * MIN, 19 * DAY + 23 * HOUR].flatMap((d) => [d, -d]);
const N = 14 + CORE.length;

/** Month starts around which the data lies: DST changes of Lord Howe and Chatham are early April and October, New York's in March and November. */
const STARTS = [Date.UTC(2025, 1, 1), Date.UTC(2025, 3, 1), Date.UTC(2025, 4, 1), Date.UTC(2025, 9, 1), Date.UTC(2025, 10, 1)];

/**
 * Customers each acquired at one edge instant, with a rebill on an edge of a later month start, a
 * refund on an edge of the same month start and (every third) a refund dated before the first sale.
 */
function txns(shift = 0): HandTxn[] {
  const out: HandTxn[] = [];
  let id = 1;
  let cust = 1;
  STARTS.forEach((start, si) => {
    edges(start).forEach((t, ei) => {
      const c = cust++;
      const order = `O${c}`;
      const base = { cust: c, order, camp: 1, mid: 501 };
      out.push({ ...base, id: id++, type: 'SALE', wall: wall(t + shift), cents: 10_000 + c });
      const later = edges(STARTS[(si + 1 + (ei % 3)) % STARTS.length]!)[(ei * 5) % N]!;
      out.push({ ...base, id: id++, type: 'SALE', wall: wall(Math.max(later, t + HOUR)), cents: 3_000 + c, cycle: 2, order: `${order}b` });
      out.push({ ...base, id: id++, type: 'REFUND', wall: wall(edges(start)[(ei + 7) % N]! + (ei % 2 === 0 ? 0 : 3 * HOUR)), cents: 500 + c, parent: id - 3 });
      if (c % 3 === 0) out.push({ ...base, id: id++, type: 'REFUND', wall: wall(t - 40 * 24 * HOUR), cents: 100 + c, parent: id - 4 });
    });
  });
  return out;
}

async function write(store: Store, cid: string, list: HandTxn[]): Promise<void> {
  const { rows, events } = ledgerOf(list, 'UTC');
  await store.writePages([{ connectionId: cid, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } }]);
}

/** The aggregate's triangle equals the ledger's in every zone, on whole months and on ranges splitting a core. */
async function expectTrianglesEqual(store: Store, cid: string): Promise<void> {
  const ranges = [
    ['2025-01-01', '2025-12-31'],
    ['2025-02-01', '2025-10-31'],
    ['2025-01-02', '2025-11-15'],
    ['2025-04-10', '2025-04-20'],
    ['2025-03-31', '2025-05-01'],
  ] as const;
  let cells = 0;
  for (const tz of ZONES) {
    for (const [from, to] of ranges) {
      const q = { from, to, tz, currency: 'USD', asOf: AS_OF };
      const ledger = await cohortTriangle(store, q, { source: 'ledger' });
      expect(await cohortTriangle(store, q, { source: 'aggregate' }), `${tz} ${from}..${to}`).toEqual(ledger);
      // The default source is the aggregate; a connection filter keeps it.
      expect(await cohortTriangle(store, { ...q, filters: [{ dimension: 'connection', values: [cid] }] }), `${tz} ${from}..${to} by connection`).toEqual(ledger);
      cells += ledger.rows.reduce((a, r) => a + r.months.length, 0);
    }
  }
  expect(cells).toBeGreaterThan(500);
}

/** cohort_months as kept equals its rebuild. */
async function expectKeptEqualsRebuild(store: Store, cid: string): Promise<void> {
  const rows = async () => (await store.readRows('cohort_months', cid)).map((r) => `${r.currency} ${r.cohort_key} ${r.event_key} ${r.net_cents}`).sort();
  const kept = await rows();
  expect(kept.length).toBeGreaterThan(50);
  await store.rebuildAggregates(cid);
  expect(await rows()).toEqual(kept);
}

describe.each(['duckdb', 'postgres'] as const)('the cohort triangle from cohort_months on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let cid: string;
  beforeAll(async () => {
    ({ store, dispose, cid } = await openEngine(engine, 'triangle'));
    await write(store, cid, txns());
  });
  afterAll(async () => dispose());

  it('holds band keys and core keys, and equals the ledger in the widest zones and across DST changes', async () => {
    const keys = (await store.readRows('cohort_months', cid)).map((r) => Number(r.cohort_key));
    // Both kinds of key: a core's (12 h after a UTC month start) and a slot's.
    expect(keys.some((k) => new Date(k).getUTCDate() === 1 && new Date(k).getUTCHours() === 12 && new Date(k).getUTCMinutes() === 0)).toBe(true);
    expect(keys.some((k) => new Date(k).getUTCHours() !== 12)).toBe(true);
    await expectTrianglesEqual(store, cid);
  });

  it('kept at write time: events changed and removed, first sales moved, equal to a rebuild and to the ledger', async () => {
    await expectKeptEqualsRebuild(store, cid);
    // Every transaction moved 15 minutes later (first sales cross band edges), a few amounts changed and
    // the refunds of every fifth customer removed.
    const moved = txns(15 * MIN).map((t) => (t.id % 7 === 0 ? { ...t, cents: t.cents + 1_234 } : t)).filter((t) => !(t.type === 'REFUND' && t.cust % 5 === 0));
    await write(store, cid, moved);
    const { rows } = ledgerOf(txns().filter((t) => t.type === 'REFUND' && t.cust % 5 === 0), 'UTC');
    // Those refunds leave the ledger: their transactions written again with no money event.
    await store.writePages([{ connectionId: cid, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events: [] } }]);
    await expectTrianglesEqual(store, cid);
    await expectKeptEqualsRebuild(store, cid);
  });
});
