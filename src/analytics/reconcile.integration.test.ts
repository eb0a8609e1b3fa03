/**
 * Reconciliation's Konduit side (analytics/reconcile.ts) on awkward data, on both engines: two currencies,
 * chargebacks across month ends, records in quarantine, activity after the last sync, the account in New
 * York and the viewer in Noumea (15 hours ahead in summer). Konduit's columns (CRM basis per account day
 * and per campaign, shown per viewer day) and the moves are checked against an independent computation,
 * event by event from the ledger in code (what reconcile did before it summed in SQL); the sales read from
 * the kept tables (event_slots, breakdown_days and the ledger's edges) against the ledger alone (the store
 * told its tables are behind); a bounded list of moves is the head of the full one, the rest counted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../core/time.js';
import { readCrmSide } from '../crm/summary.js';
import { parseReconcileQuery, runReconcile, type ReconcileJson } from '../report/reconcile.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { EventKind } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import { connectAndBackfill, sandboxClient } from '../../test/synced-sandbox.js';
import { openTestStore } from '../../test/stores.js';
import { reconcile, type LineFigures, type Move, type ReconcileMeasure } from './reconcile.js';
import { eventSourceSql, Params } from './sql.js';

const ACCOUNT = 'America/New_York';
const VIEWER = 'Pacific/Noumea';
const FROM = '2025-03-01';
const TO = '2025-06-30';
const SANDBOX = { seed: 'reconcile-kept', customers: 900, start: '2024-10-01', now: '2025-06-20 18:00:00', profile: 'rich', timezone: ACCOUNT, unreadableRate: 0.02, currencies: ['USD', 'EUR'] } as const;
const ENGINES = ['duckdb', 'postgres'] as const;

let sb: Sandbox;
const stores = new Map<string, { store: Store; dispose(): Promise<void> }>();

beforeAll(async () => {
  sb = await startSandbox(SANDBOX);
  for (const engine of ENGINES) {
    const s = await openTestStore(engine, 'reconcile-kept');
    stores.set(engine, s);
    await connectAndBackfill(s.store, sb, { from: SANDBOX.start, today: '2025-06-20' });
  }
  // Twenty days the CRM lives through that Konduit has not synced.
  await sb.advanceDays(20);
}, 300_000);

afterAll(async () => {
  for (const s of stores.values()) await s.dispose();
  await sb?.close();
});

/** The store as if its kept tables were behind the ledger: reconcile then reads the sales from the ledger. */
function behind(store: Store): Store {
  return new Proxy(store, {
    get: (t, k) => (k === 'aggregatesBehind' ? async () => true : typeof (t as never)[k] === 'function' ? ((t as never)[k] as (...a: unknown[]) => unknown).bind(t) : (t as never)[k]),
  });
}

const MEASURE: Partial<Record<EventKind, ReconcileMeasure>> = { sale: 'sales', refund: 'refunds', void: 'refunds', chargeback: 'chargebacks', chargeback_reversal: 'chargebacks' };

/** Konduit's columns and moves event by event, in code, from the ledger on the CRM basis (bookedSql). */
async function byEvent(store: Store, connectionId: string, viewer: string) {
  const p = new Params();
  const rows = await store.query(
    `SELECT ev.kind, ev.transaction_id, ev.amount_cents, ev.currency, ev.campaign_id, ${store.sql.epochMs('ev.at')} AS booked, ${store.sql.epochMs('ev.instant')} AS own
     FROM ${eventSourceSql('crm')} ev WHERE ev.connection_id = ${p.add(connectionId)} AND ev.kind <> 'decline'`,
    p.values,
  );
  const inRange = (d: string) => d >= FROM && d <= TO;
  const days = new Map<string, LineFigures>();
  const shown = new Map<string, LineFigures>();
  const campaigns = new Map<string, LineFigures>();
  const moves: Move[] = [];
  const zero = (): LineFigures => ({ sales: { count: 0, cents: 0 }, refunds: { count: 0, cents: 0 }, chargebacks: { count: 0, cents: 0 } });
  const add = (m: Map<string, LineFigures>, key: string, measure: ReconcileMeasure, count: number, cents: number) => {
    const f = m.get(key) ?? zero();
    f[measure].count += count;
    f[measure].cents += cents;
    m.set(key, f);
  };
  for (const r of rows) {
    const kind = String(r.kind) as EventKind;
    const measure = MEASURE[kind]!;
    const count = kind === 'chargeback_reversal' ? 0 : 1;
    const cents = measure === 'sales' ? Number(r.amount_cents) : -Number(r.amount_cents);
    const bookedOn = localDate(Number(r.booked), ACCOUNT);
    const shownOn = localDate(Number(r.own), viewer);
    const currency = String(r.currency);
    if (inRange(bookedOn)) {
      add(days, `${bookedOn}|${currency}`, measure, count, cents);
      add(campaigns, `${r.campaign_id ?? ''}|${currency}`, measure, count, cents);
    }
    if (inRange(shownOn)) add(shown, `${shownOn}|${currency}`, measure, count, cents);
    if (shownOn !== bookedOn && (inRange(shownOn) || inRange(bookedOn))) {
      moves.push({ transactionId: Number(r.transaction_id), kind, measure, shownOn, bookedOn, reason: localDate(Number(r.own), ACCOUNT) !== bookedOn ? 'booked_on_sale_date' : 'time_zone', count, cents });
    }
  }
  moves.sort((a, b) => (a.shownOn < b.shownOn ? -1 : a.shownOn > b.shownOn ? 1 : a.transactionId - b.transactionId || a.kind.localeCompare(b.kind)));
  return { days, shown, campaigns, moves };
}

const blank = { crmDays: [], crmCampaigns: [], changed: [], quarantined: [], coverageFrom: null, asOf: null };

describe.each(ENGINES)('reconcile on %s: Konduit\'s side summed by the engine', (engine) => {
  for (const viewer of [ACCOUNT, VIEWER]) {
    it(`equals the event-by-event computation, viewer ${viewer}; from the kept tables and from the ledger alike; a bounded list is the full list's head`, async () => {
      const { store } = stores.get(engine)!;
      const conn = (await store.listConnections())[0]!;
      const ref = await byEvent(store, conn.connectionId, viewer);
      const q = { connectionId: conn.connectionId, from: FROM, to: TO, accountZone: ACCOUNT, viewerZone: viewer, ...blank };
      expect(await store.aggregatesBehind()).toBe(false);
      const kept = await reconcile(store, q);
      const ledger = await reconcile(behind(store), q);
      expect(ledger).toEqual(kept);
      // Two currencies, every day line as the ledger says, on both bases.
      expect(new Set(kept.days.map((l) => l.currency))).toEqual(new Set(['USD', 'EUR']));
      const zero = { sales: { count: 0, cents: 0 }, refunds: { count: 0, cents: 0 }, chargebacks: { count: 0, cents: 0 } };
      for (const l of kept.days) {
        expect(l.konduit, `${l.key} ${l.currency}`).toEqual(ref.days.get(`${l.key}|${l.currency}`) ?? zero);
        expect(l.shown, `${l.key} ${l.currency} shown`).toEqual(ref.shown.get(`${l.key}|${l.currency}`) ?? zero);
      }
      expect(new Set(kept.days.map((l) => `${l.key}|${l.currency}`))).toEqual(new Set([...ref.days.keys(), ...ref.shown.keys()]));
      expect(new Map(kept.campaigns.map((l) => [`${l.key}|${l.currency}`, l.konduit]))).toEqual(ref.campaigns);
      // The moves: all counted, the first listed.
      const count = (r: string) => ref.moves.filter((m) => m.reason === r).length;
      expect(kept.moveCounts).toEqual({ booked_on_sale_date: count('booked_on_sale_date'), time_zone: count('time_zone') });
      expect(kept.moves).toEqual(ref.moves.slice(0, 1000));
      // Chargebacks across a month end: shown in one month, booked in an earlier one.
      expect(ref.moves.some((m) => m.kind === 'chargeback' && m.shownOn.slice(0, 7) !== m.bookedOn.slice(0, 7) && m.bookedOn >= FROM)).toBe(true);
      if (viewer === VIEWER) expect(kept.moveCounts.time_zone).toBeGreaterThan(100);
      for (const n of [0, 7, 100]) {
        const few = await reconcile(store, { ...q, maxMovesListed: n });
        expect(few.moves).toEqual(ref.moves.slice(0, n));
        expect(few.moveCounts).toEqual(kept.moveCounts);
        expect(await reconcile(behind(store), { ...q, maxMovesListed: n })).toEqual(few);
      }
    });
  }

  it('explains every difference against the CRM: two currencies, records in quarantine, changes after the sync, viewer 15 h away; the JSON says how many moves it does not list', async () => {
    const { store } = stores.get(engine)!;
    const conn = (await store.listConnections())[0]!;
    const r = parseReconcileQuery({ from: FROM, to: TO, tz: VIEWER }, [conn], { surface: 'api', defaultTz: 'UTC' });
    const read = (a: Parameters<typeof readCrmSide>[1]) => readCrmSide(sandboxClient(sb), a);
    const j: ReconcileJson = await runReconcile(store, r, read);
    expect(j.unexplained).toEqual([]);
    expect(j.ok).toBe(true);
    expect(j.reasons.not_synced).toBeGreaterThan(0);
    expect(j.reasons.quarantine).toBeGreaterThan(0);
    expect(new Set(j.days.map((l) => l.currency))).toEqual(new Set(['USD', 'EUR']));
    expect(j.moves.list.length + j.moves.more).toBe(j.moves.booked_on_sale_date + j.moves.time_zone);
    expect(j.moves.list.length).toBe(Math.min(1000, j.moves.booked_on_sale_date + j.moves.time_zone));
    // The same body when the sales come from the ledger.
    expect(await runReconcile(behind(store), r, read)).toEqual(j);
    // A day before the range and after it are not in it.
    expect(j.days.every((l) => l.key >= FROM && l.key <= TO && l.key !== addDays(FROM, -1))).toBe(true);
  });
});
