/**
 * The store contract: every engine runs these tests (Kysely-style shared dialect tests). An engine's
 * test file calls `storeContract(name, open)` with a function that opens a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COHORT_SLOTS_WHOLE } from '../../src/store/aggregates.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import { generateKey } from '../../src/store/secrets.js';
import { addEvent, derived, EVENT_MEASURES, measureSql, MEASURES, netOf, TOTAL_COLUMNS, TOTALS, type EventKind, type MoneyEvent, type TotalName } from '../../src/ledger/index.js';
import { fnv1a32, mulberry32 } from '../../src/core/prng.js';
import { localDate, offsetChanges } from '../../src/core/time.js';
import { binOf, cardBrandOf } from '../../src/ledger/cards.js';
import { ALL_TABLES, type PageRow, type Row, type TRANSACTIONS, type Value } from '../../src/store/tables.js';
import type { NewConnection, PageWrite, Store, StoreOptions, WriteOptions } from '../../src/store/store.js';

/** Opens a fresh, empty store for one test. */
export type OpenStore = (options: StoreOptions) => Promise<Store>;

const CONN: NewConnection = {
  name: 'acme',
  brand: 'konnektive',
  baseUrl: 'http://127.0.0.1:1',
  loginId: 'api_user',
  password: 'pa55-w0rd!s3cret',
  accountName: 'Acme',
  accountUsername: 'owner',
  timezone: 'America/New_York',
  frequency: 'daily',
};

/** The latest migration's version: what a migrated store reports. */
const LATEST_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version;

type Txn = PageRow<typeof TRANSACTIONS>;

function txn(id: number, over: Partial<Txn> = {}): Txn {
  return {
    transaction_id: id,
    order_id: `ORD${String(id).padStart(7, '0')}`,
    customer_id: 100 + (id % 3),
    purchase_id: null,
    parent_txn_id: null,
    txn_type: 'SALE',
    response_type: 'SUCCESS',
    total_cents: 2995,
    billing_cycle: 1,
    merchant_id: 7,
    campaign_id: 1,
    product_id: 5,
    aff_id: 'AFF1',
    source_value1: null,
    is_chargedback: false,
    chargeback_cents: null,
    chargeback_date: null,
    card_bin: '411111',
    card_last4: '1111',
    date_created: Date.UTC(2025, 0, 1, 15) + id * 60_000,
    date_updated: Date.UTC(2025, 0, 1, 15) + id * 60_000,
    raw: JSON.stringify({ transactionId: id }),
    ...over,
  };
}

function sale(id: number, customer: number, cents: number, at: number, kind: EventKind = 'sale'): MoneyEvent {
  return {
    event_id: `${kind}:${id}`,
    kind,
    transaction_id: id,
    instant: at,
    amount_cents: cents,
    customer_id: customer,
    order_id: `ORD${id}`,
    purchase_id: null,
    campaign_id: 1,
    product_id: 5,
    aff_id: 'AFF1',
    source_value1: null,
    merchant_id: 7,
    billing_cycle: 1,
    is_initial: true,
    currency: 'USD',
    coupon_code: null,
    attribution: null,
  };
}

/** Registers the contract suite for one engine. */
export function storeContract(engineName: string, openStore: OpenStore): void {
  describe(`Store contract: ${engineName}`, () => {
    let store: Store;
    let key: Uint8Array;
    let connectionId: string;

    beforeEach(async () => {
      key = generateKey();
      store = await openStore({ secretKey: key });
      await store.migrate();
      connectionId = (await store.saveConnection(CONN)).connectionId;
    });
    afterEach(async () => {
      await store.close();
    });

    it('migrates to the latest version, and again is a no-op', async () => {
      expect(await store.schemaVersion()).toBe(LATEST_VERSION);
      expect(await store.migrate()).toBe(LATEST_VERSION);
      expect(await store.schemaVersion()).toBe(LATEST_VERSION);
      // Migration 5 dropped the scratch table that migration 4 created.
      await expect(store.query('SELECT COUNT(*) AS n FROM agg_slot_delta')).rejects.toThrow(/agg_slot_delta/);
    });

    it("reads an instant's local date in a zone as the zone's wall clock does, up to each offset change and from it", async () => {
      const startMs = Date.UTC(2024, 0, 1);
      const endMs = Date.UTC(2026, 0, 1);
      for (const zone of ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham']) {
        const instants: number[] = [];
        for (let t = startMs; t < endMs; t += 61 * 3_600_000) instants.push(t);
        for (const c of offsetChanges(zone, startMs, endMs)) instants.push(c.from - 60_000, c.from, c.from + 60_000);
        const inRange = instants.filter((t) => t >= startMs && t < endMs);
        const values: Value[] = [];
        const add = (v: Value) => (values.push(v), `$${values.length}`);
        const rows = inRange.map((t, i) => `(${i}, ${store.sql.instantParam(add, t)})`);
        const local = store.sql.localDateInRange(add, 'x.t', zone, startMs, endMs);
        const got = await store.query(`SELECT x.i, CAST(${local} AS TEXT) AS d FROM (VALUES ${rows.join(', ')}) AS x(i, t) ORDER BY x.i`, values);
        expect(got.map((r) => String(r.d).slice(0, 10))).toEqual(inRange.map((t) => localDate(t, zone)));
      }
    });

    it('tests an instant against parts of UTC days (inDayParts) exactly: at each bound, between the ranges and outside them, few ranges and many', async () => {
      const DAY = 86_400_000;
      const day0 = Date.UTC(2025, 4, 2) / DAY;
      // The ranges are what the reports give: the parts of their UTC days inside [first start, last end).
      // A summary's three edges (far apart), then a series' many.
      const many = Array.from({ length: 7 }, (_, k): [number, number] => [(day0 + 10 * k) * DAY, (day0 + 10 * k + 1) * DAY]);
      many[0]![0] += DAY / 2;
      many[6]![1] -= DAY / 4;
      const cases: [number, number][][] = [[[(day0 + 0.25) * DAY, (day0 + 1) * DAY], [(day0 + 30) * DAY, (day0 + 31) * DAY], [(day0 + 60) * DAY, (day0 + 60.2) * DAY]], many];
      for (const ranges of cases) {
        const startMs = ranges[0]![0];
        const endMs = ranges[ranges.length - 1]![1];
        const days = [...new Set(ranges.flatMap(([s, e]) => Array.from({ length: Math.floor((e - 1) / DAY) - Math.floor(s / DAY) + 1 }, (_, k) => Math.floor(s / DAY) + k)))];
        const instants = [startMs - DAY, startMs - 1, endMs, endMs + 1, endMs + DAY];
        for (const [s, e] of ranges) instants.push(s - 1, s, s + 1, (s + e) / 2, e - 1, e, e + 1, e + DAY / 3);
        const values: Value[] = [];
        const add = (v: Value) => (values.push(v), `$${values.length}`);
        const rows = instants.map((t, i) => `(${i}, ${store.sql.instantParam(add, t)})`);
        const inParts = store.sql.inDayParts(add, 'x.t', startMs, endMs, days, ranges);
        const got = await store.query(`SELECT x.i FROM (VALUES ${rows.join(', ')}) AS x(i, t) WHERE ${inParts} ORDER BY x.i`, values);
        const want = instants.map((t, i) => [t, i] as const).filter(([t]) => ranges.some(([s, e]) => t >= s && t < e)).map(([, i]) => i);
        expect(want.length).toBeGreaterThan(ranges.length);
        expect(got.map((r) => Number(r.i))).toEqual(want);
      }
    });

    it('ends the frozen migrations in the schema the table definitions describe, column for column', async () => {
      const norm = (t: string) => t.toLowerCase().replace(/^text$/, 'varchar').replace(/^timestamptz$/, 'timestamp with time zone');
      for (const t of ALL_TABLES) {
        const got = await store.query(
          `SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_name = $1 AND table_schema = current_schema() ORDER BY column_name`,
          [t.name],
        );
        const want = t.columns.map((c) => ({ name: c.name, type: norm(store.sql.columnType(c.type)) })).sort((a, b) => (a.name < b.name ? -1 : 1));
        expect(got.map((r) => ({ name: String(r.name), type: norm(String(r.type)) })), t.name).toEqual(want);
      }
    });

    it('saves a connection with its password sealed, never in clear', async () => {
      const got = await store.getConnection('acme');
      expect(got?.password).toBe(CONN.password);
      expect(got?.timezone).toBe('America/New_York');
      const list = await store.listConnections();
      expect(list.map((c) => c.name)).toEqual(['acme']);
      expect(JSON.stringify(list)).not.toContain(CONN.password);
      const raw = await store.readRows('connections', connectionId);
      expect(JSON.stringify(raw)).not.toContain(CONN.password);
      expect(String(raw[0]?.password_sealed)).toMatch(/^v1:/);
    });

    it('refuses a duplicate connection name', async () => {
      await expect(store.saveConnection(CONN)).rejects.toThrow(/already exists/);
    });

    it('upserts idempotently by (connection, CRM id)', async () => {
      const rows = [txn(1), txn(2), txn(3)];
      await store.writePage({ connectionId, table: 'transactions', rows });
      await store.writePage({ connectionId, table: 'transactions', rows });
      expect(await store.countRows('transactions', connectionId)).toBe(3);
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(2, { total_cents: 1000, is_chargedback: true })] });
      const got = await store.readRows('transactions', connectionId);
      expect(got).toHaveLength(3);
      expect(got[1]).toMatchObject({ transaction_id: 2, total_cents: 1000, is_chargedback: true, date_created: txn(2).date_created });
      expect(JSON.parse(String(got[0]?.raw))).toEqual({ transactionId: 1 });
    });

    it('keeps the last row when a page repeats a key', async () => {
      await store.writePage({ connectionId, table: 'orders', rows: [{ order_id: 'A', total_cents: 1 }, { order_id: 'A', total_cents: 2 }] });
      const got = await store.readRows('orders', connectionId);
      expect(got).toHaveLength(1);
      expect(got[0]?.total_cents).toBe(2);
    });

    it('commits rows, ledger and page marker together, or none of them', async () => {
      const marker = { stream: 'transactions', scope: 's1', windowKey: 'w1', page: 1, totalResults: 3, records: 3, maxUpdated: '2025-01-01 10:00:00' };
      await expect(
        store.writePage({
          connectionId,
          table: 'transactions',
          rows: [txn(10)],
          ledger: { transactionIds: [10], events: [{ ...sale(10, 1, 100, 0), amount_cents: 'not a number' as unknown as number }] },
          marker,
        }),
      ).rejects.toThrow();
      expect(await store.countRows('transactions', connectionId)).toBe(0);
      expect(await store.pageMarkers(connectionId, 's1')).toEqual([]);
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(10)], ledger: { transactionIds: [10], events: [sale(10, 1, 100, 0)] }, marker });
      expect(await store.countRows('transactions', connectionId)).toBe(1);
      expect(await store.pageMarkers(connectionId, 's1')).toEqual([marker]);
      await store.clearScope(connectionId, 's1');
      expect(await store.pageMarkers(connectionId, 's1')).toEqual([]);
    });

    it('replaces ledger events per transaction and keeps customer facts current', async () => {
      const t0 = Date.UTC(2025, 0, 1);
      const cb = { ...sale(1, 42, -1500, t0 + 86_400_000, 'chargeback'), event_id: 'chargeback:1' };
      await store.writePage({
        connectionId,
        table: 'transactions',
        rows: [],
        ledger: { transactionIds: [1, 2, 3], events: [sale(1, 42, 1500, t0), sale(2, 42, 500, t0 + 1000), cb, { ...sale(3, 42, 900, t0 - 5), kind: 'decline', event_id: 'decline:3' }] },
      });
      let facts = await store.readRows('customer_facts', connectionId);
      expect(facts).toHaveLength(1);
      expect(facts[0]).toMatchObject({
        customer_id: 42,
        first_sale_at: t0,
        first_order_id: 'ORD1',
        sale_count: 2,
        gross_cents: 2000,
        // Refunds are refunds, voids and chargebacks (the ledger's measure): the chargeback is in both.
        chargebacks_cents: 1500,
        refunds_cents: 1500,
        net_cents: 500,
        last_event_at: t0 + 86_400_000,
      });
      // The chargeback is reverted in the CRM: transaction 1 is re-derived without it.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 42, 1500, t0)] } });
      expect((await store.readRows('money_events', connectionId)).map((e) => e.event_id)).toEqual(['decline:3', 'sale:1', 'sale:2']);
      facts = await store.readRows('customer_facts', connectionId);
      expect(facts[0]).toMatchObject({ chargebacks_cents: 0, refunds_cents: 0, net_cents: 2000, last_event_at: t0 + 1000 });
      // A refund on its own date.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [4], events: [{ ...sale(4, 42, -500, t0 + 5000), kind: 'refund', event_id: 'refund:4' }] } });
      facts = await store.readRows('customer_facts', connectionId);
      expect(facts[0]).toMatchObject({ refunds_cents: 500, net_cents: 1500 });
    });

    it('drops the event of a VOID of an AUTHORIZE, whichever page arrives first', async () => {
      const auth = txn(50, { txn_type: 'AUTHORIZE', customer_id: 9 });
      const voidRow = txn(51, { txn_type: 'VOID', parent_txn_id: 50, customer_id: 9 });
      const voidEvent = { ...sale(51, 9, -2995, 1000, 'void'), event_id: 'void:51' };
      const saleVoid = txn(53, { txn_type: 'VOID', parent_txn_id: 52, customer_id: 9 });
      // The void lands first: its event is stored until its parent shows it voided an authorization.
      await store.writePage({ connectionId, table: 'transactions', rows: [voidRow, saleVoid], ledger: { transactionIds: [51, 53], events: [voidEvent, { ...sale(53, 9, -100, 2000, 'void'), event_id: 'void:53' }] } });
      expect(await store.countRows('money_events', connectionId)).toBe(2);
      await store.writePage({ connectionId, table: 'transactions', rows: [auth, txn(52, { customer_id: 9 })], ledger: { transactionIds: [50, 52], events: [sale(52, 9, 100, 500)] } });
      expect((await store.readRows('money_events', connectionId)).map((e) => e.event_id)).toEqual(['sale:52', 'void:53']);
      // Re-syncing the void page after its parent keeps the event away.
      await store.writePage({ connectionId, table: 'transactions', rows: [voidRow], ledger: { transactionIds: [51], events: [voidEvent] } });
      expect((await store.readRows('money_events', connectionId)).map((e) => e.event_id)).toEqual(['sale:52', 'void:53']);
      expect((await store.readRows('customer_facts', connectionId))[0]).toMatchObject({ customer_id: 9, gross_cents: 100, refunds_cents: 100, net_cents: 0 });
      // Both directions in one page: a void whose stored parent is an AUTHORIZE, and an AUTHORIZE whose void is stored.
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(60, { txn_type: 'AUTHORIZE', customer_id: 9 })], ledger: { transactionIds: [60], events: [] } });
      await store.writePage({
        connectionId,
        table: 'transactions',
        rows: [txn(71, { txn_type: 'VOID', parent_txn_id: 70, customer_id: 9 })],
        ledger: { transactionIds: [71], events: [{ ...sale(71, 9, -700, 3000, 'void'), event_id: 'void:71' }] },
      });
      expect((await store.readRows('money_events', connectionId)).map((e) => e.event_id)).toEqual(['sale:52', 'void:53', 'void:71']);
      await store.writePage({
        connectionId,
        table: 'transactions',
        rows: [txn(61, { txn_type: 'VOID', parent_txn_id: 60, customer_id: 9 }), txn(70, { txn_type: 'AUTHORIZE', customer_id: 9 })],
        ledger: { transactionIds: [61, 70], events: [{ ...sale(61, 9, -600, 4000, 'void'), event_id: 'void:61' }] },
      });
      expect((await store.readRows('money_events', connectionId)).map((e) => e.event_id)).toEqual(['sale:52', 'void:53']);
      expect((await store.readRows('customer_facts', connectionId))[0]).toMatchObject({ customer_id: 9, gross_cents: 100, refunds_cents: 100, net_cents: 0 });
    });

    it('defers customer facts when asked, committing the dirty marks with the page', async () => {
      const t0 = Date.UTC(2025, 0, 1);
      await store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1, 2], events: [sale(1, 7, 100, t0), sale(2, 8, 200, t0)] } }], { deferFacts: true });
      expect(await store.countRows('customer_facts', connectionId)).toBe(0);
      expect(await store.countRows('facts_dirty', connectionId)).toBe(2);
      expect(await store.refreshDirtyFacts(connectionId)).toBe(2);
      expect((await store.readRows('customer_facts', connectionId)).map((f) => [f.customer_id, f.gross_cents])).toEqual([
        [7, 100],
        [8, 200],
      ]);
      expect(await store.countRows('facts_dirty', connectionId)).toBe(0);
      expect(await store.refreshDirtyFacts(connectionId)).toBe(0);
    });

    it('keeps incremental checkpoints and sync runs', async () => {
      expect(await store.getCheckpoint(connectionId, 'orders')).toBeNull();
      await store.setCheckpoint(connectionId, 'orders', '2025-02-01');
      await store.setCheckpoint(connectionId, 'orders', '2025-02-03');
      expect(await store.getCheckpoint(connectionId, 'orders')).toBe('2025-02-03');
      await store.startRun({ runId: 'r1', connectionId, mode: 'backfill', scope: 'x', startedAt: 1000 });
      await store.finishRun('r1', { status: 'ok', finishedAt: 2000, records: 5, pages: 1, retries: 2 });
      const runs = await store.readRows('sync_runs', connectionId);
      expect(runs[0]).toMatchObject({ run_id: 'r1', status: 'ok', started_at: 1000, finished_at: 2000, records: 5, retries: 2 });
    });

    it('changes a connection: frequency, zone, base currency and a password sealed anew, keeping its data', async () => {
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(1)], ledger: { transactionIds: [1], events: [sale(1, 1, 1, 0)] } });
      const sealedBefore = String((await store.readRows('connections', connectionId))[0]?.password_sealed);
      expect(await store.connectionInfo('acme')).toMatchObject({ name: 'acme', frequency: CONN.frequency, credentials: 'ok' });
      const info = await store.updateConnection('acme', { frequency: 'hourly', timezone: 'Europe/Paris', baseCurrency: 'EUR', password: 'a new one' });
      expect(info).toMatchObject({ connectionId, frequency: 'hourly', timezone: 'Europe/Paris', baseCurrency: 'EUR', credentials: 'ok' });
      expect(JSON.stringify(info)).not.toContain('a new one');
      expect(await store.getConnection('acme')).toMatchObject({ password: 'a new one', frequency: 'hourly', timezone: 'Europe/Paris', baseCurrency: 'EUR' });
      expect((await store.listConnections())[0]).toMatchObject({ frequency: 'hourly', timezone: 'Europe/Paris' });
      const sealedAfter = String((await store.readRows('connections', connectionId))[0]?.password_sealed);
      expect(sealedAfter).toMatch(/^v1:/);
      expect(sealedAfter).not.toBe(sealedBefore);
      expect(sealedAfter).not.toContain('a new one');
      // Only the fields given change; the synced data stays.
      expect(await store.updateConnection('acme', { frequency: 'daily' })).toMatchObject({ frequency: 'daily', timezone: 'Europe/Paris' });
      expect(await store.countRows('transactions', connectionId)).toBe(1);
      expect(await store.updateConnection('nobody', { frequency: 'daily' })).toBeNull();
      expect(await store.connectionInfo('nobody')).toBeNull();
    });

    it('removes a connection with everything synced for it', async () => {
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(1)], ledger: { transactionIds: [1], events: [sale(1, 1, 1, 0)] } });
      expect(await store.removeConnection('acme')).toBe(true);
      expect(await store.removeConnection('acme')).toBe(false);
      expect(await store.countRows('transactions', connectionId)).toBe(0);
      expect(await store.countRows('money_events', connectionId)).toBe(0);
      expect(await store.listConnections()).toEqual([]);
    });

    /** The aggregate tables (all-zero rows aside), then the same after a rebuild from scratch: they must agree. */
    async function expectAggregatesCurrent(label: string): Promise<void> {
      const read = async () => {
        const out: Record<string, Row[]> = {};
        for (const t of ['event_slots', 'cohort_slots', 'cohort_ages', 'order_first_sales', 'attempt_days', 'mid_months', 'rebill_saves', 'chargeback_sales', 'refund_sales', 'breakdown_days', 'cohort_group_sizes', 'cohort_group_ages', 'customer_ages', 'subscription_starts', 'subscription_cycles', 'subscription_attempts', 'rebill_tries', 'rebill_rates', 'rebill_due', 'retention_days', 'retention_stamps'] as const) {
          out[t] = (await store.readRows(t, connectionId)).filter((r) =>
            Object.entries(r).some(([k, v]) => !['connection_id', 'slot', 'age_days', 'last_first_sale_at'].includes(k) && Number(v) !== 0),
          );
        }
        return out;
      };
      const kept = await read();
      await store.rebuildAggregates(connectionId);
      expect(kept, label).toEqual(await read());
    }

    const at = (h: number, m = 0, d = 1) => Date.UTC(2025, 0, d, h, m);

    it.each([{}, { deferFacts: true }, { deferRebuild: true }] as WriteOptions[])('keeps every pre-aggregate and fact equal to the ledger recomputed through the measure table (%o)', async (options) => {
      // Random events of every kind, cycle and sign over a few days, written in batches, some replaced.
      const rnd = mulberry32(fnv1a32(JSON.stringify(options)));
      const kinds: EventKind[] = ['sale', 'sale', 'sale', 'refund', 'void', 'chargeback', 'decline'];
      const batch = (first: number) =>
        Array.from({ length: 40 }, (_, i): MoneyEvent => {
          const id = first + i;
          const kind = kinds[Math.floor(rnd() * kinds.length)] as EventKind;
          const cents = 100 + Math.floor(rnd() * 5000);
          const cycle = 1 + Math.floor(rnd() * 3);
          return { ...sale(id, 1 + Math.floor(rnd() * 12), kind === 'sale' || kind === 'decline' ? cents : -cents, at(Math.floor(rnd() * 24), Math.floor(rnd() * 60), 1 + Math.floor(rnd() * 6)), kind), order_id: `O${id % 17}`, billing_cycle: cycle, is_initial: cycle === 1,
            // The cards' dimensions (attempt_days' cells): by id, so the random draws above stay as they were.
            merchant_id: id % 5 === 0 ? null : 7 + (id % 3), card_brand: id % 4 === 0 ? null : id % 2 === 0 ? 'VISA' : 'MASTERCARD', reason: kind === 'decline' ? `R${id % 3}` : kind === 'chargeback' ? '10.4' : null, recycle_number: cycle > 1 ? id % 3 : null,
            // Purchases: every id one of four (the subscription tables' and rebill_saves' purchases).
            purchase_id: `P${id % 4}`,
            // breakdown_days' dimensions: an order's sales in several campaigns, products, affiliates and coupons, some absent.
            campaign_id: id % 7 === 0 ? null : 1 + (id % 3), product_id: 5 + (id % 2), aff_id: id % 3 === 0 ? null : `AFF${id % 2}`, source_value1: id % 4 === 1 ? 'S1' : null, coupon_code: id % 6 === 0 ? 'C6' : null };
        });
      // Every third sale charged back a day later (the same transaction: chargeback_sales' sale instant).
      const withChargebacks = (list: MoneyEvent[]) => list.flatMap((e) => (e.kind === 'sale' && e.transaction_id % 3 === 0 ? [e, { ...e, event_id: `chargeback:${e.transaction_id}`, kind: 'chargeback' as const, amount_cents: -e.amount_cents, instant: e.instant + 86_400_000 }] : [e]));
      const pages = [batch(1), batch(41), batch(81), batch(21)].map(withChargebacks);
      for (const events of pages) await store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [...new Set(events.map((e) => e.transaction_id))], events } }], options);
      await store.refreshDirtyFacts(connectionId);
      const ledger = await store.readRows('money_events', connectionId);
      const events = ledger.map((e) => ({ ...e, kind: e.kind as EventKind, instant: Number(e.instant), amount_cents: Number(e.amount_cents), is_initial: e.is_initial === true }));
      // event_slots: every event measure per slot, in SQL through the table and in JS through the table.
      const slot = (ms: number) => Math.floor(ms / 900_000) * 900_000;
      const js = new Map<number, Partial<Record<TotalName, number>>>();
      for (const e of events) {
        const t = js.get(slot(e.instant)) ?? {};
        addEvent(t, e, 1);
        js.set(slot(e.instant), t);
      }
      const sql = await store.query(
        `SELECT ${store.sql.epochMs(store.sql.slot('instant'))} AS slot, ${EVENT_MEASURES.map(([n]) => `${measureSql(n)} AS "${n}"`).join(', ')} FROM money_events WHERE connection_id = $1 GROUP BY 1`,
        [connectionId],
      );
      const slots = new Map((await store.readRows('event_slots', connectionId)).map((r) => [Number(r.slot), r]));
      for (const r of sql) {
        const kept = slots.get(Number(r.slot));
        for (const [n] of EVENT_MEASURES) {
          expect(Number(kept?.[TOTAL_COLUMNS[n]] ?? 0), `${n} at ${Number(r.slot)}`).toBe(Number(r[n]));
          expect(js.get(Number(r.slot))?.[n] ?? 0, `${n} in JS at ${Number(r.slot)}`).toBe(Number(r[n]));
        }
      }
      // customer_facts: every per-customer measure, and net, recomputed in JS through the table.
      const facts = await store.readRows('customer_facts', connectionId);
      for (const f of facts) {
        const mine = events.filter((e) => e.customer_id === f.customer_id);
        const t: Partial<Record<TotalName, number>> = {};
        for (const e of mine) addEvent(t, e, 1);
        for (const [n, m] of EVENT_MEASURES) if (m.perCustomer) expect(Number(f[m.column]), `${n} of customer ${f.customer_id}`).toBe(t[n] ?? 0);
        expect(Number(f[MEASURES.net.column])).toBe(mine.reduce((a, e) => a + netOf(e), 0));
        expect(Number(f[MEASURES.net.column])).toBe(derived('net', { gross: t.gross ?? 0, refunds: t.refunds ?? 0, chargebacks: t.chargebacks ?? 0 }));
      }
      // cohort_ages: each customer's net by whole days after their first sale; a customer whose first sale
      // is a rebill was acquired before the data and joins no cohort.
      for (const f of facts) expect(f.acquired_before, `customer ${f.customer_id}`).toBe(events.some((e) => e.customer_id === f.customer_id && e.kind === 'sale' && Number(e.instant) === Number(f.first_sale_at) && Number(e.billing_cycle) > 1));
      const first = new Map(facts.filter((f) => !f.acquired_before).map((f) => [Number(f.customer_id), Number(f.first_sale_at)]));
      const ages = new Map<string, number>();
      for (const e of events) {
        const f = e.customer_id === null ? undefined : first.get(e.customer_id);
        if (f === undefined || netOf(e) === 0) continue;
        const k = `${slot(f)}|${Math.floor((e.instant - f) / 86_400_000)}`;
        ages.set(k, (ages.get(k) ?? 0) + netOf(e));
      }
      const keptAges = new Map((await store.readRows('cohort_ages', connectionId)).map((r) => [`${Number(r.slot)}|${r.age_days}`, Number(r.net_cents)]));
      expect(keptAges).toEqual(new Map([...ages].filter(([, v]) => v !== 0)));
      // order_first_sales: each order's earliest sale in the ledger.
      const orderFirst = new Map<string, number>();
      for (const e of events) if (e.kind === 'sale' && e.order_id !== null) orderFirst.set(e.order_id, Math.min(orderFirst.get(e.order_id) ?? Infinity, e.instant));
      expect(new Map((await store.readRows('order_first_sales', connectionId)).map((r) => [r.order_id, Number(r.first_sale_at)]))).toEqual(orderFirst);
      // mid_months: every sale and chargeback, by kind, MID and network, summed over its month keys.
      const byCard = (list: { kind: string; merchant_id: unknown; card_brand: unknown; n: number }[]) => {
        const m = new Map<string, number>();
        for (const x of list) {
          const k = `${x.kind}|${Number(x.merchant_id ?? -1)}|${String(x.card_brand ?? '\u0001')}`;
          if (x.kind === 'sale' || x.kind === 'chargeback') m.set(k, (m.get(k) ?? 0) + x.n);
        }
        return new Map([...m].filter(([, n]) => n !== 0));
      };
      expect(byCard((await store.readRows('mid_months', connectionId)).map((r) => ({ kind: String(r.kind), merchant_id: r.merchant_id, card_brand: r.card_brand, n: Number(r.events) })))).toEqual(byCard(events.map((e) => ({ ...e, n: 1 }))));
      // rebill_saves: each save (a rebill's sale with a retry number of 1 or more) with each earlier first decline (retry 0 or none) of its purchase and cycle.
      const pairs = events.flatMap((e) =>
        e.kind === 'sale' && Number(e.billing_cycle) >= 2 && Number(e.recycle_number ?? 0) >= 1 && e.purchase_id !== null
          ? events.filter((d) => d.kind === 'decline' && d.purchase_id === e.purchase_id && d.billing_cycle === e.billing_cycle && Number(d.recycle_number ?? 0) === 0 && d.instant < e.instant).map((d) => `${e.event_id}|${d.event_id}|${d.instant}`)
          : [],
      );
      expect(pairs.length).toBeGreaterThan(0);
      expect((await store.readRows('rebill_saves', connectionId)).map((r) => `${r.event_id}|${r.decline_event_id}|${Number(r.decline_instant)}`).sort()).toEqual(pairs.sort());
      // chargeback_sales: each chargeback with the earliest sale of its transaction (null without one).
      const firstSale = (txn: number | null) => Math.min(...events.filter((e) => e.kind === 'sale' && e.transaction_id === txn).map((e) => e.instant));
      const cbs = events.filter((e) => e.kind === 'chargeback').map((e) => `${e.event_id}|${e.instant}|${Number.isFinite(firstSale(e.transaction_id)) ? firstSale(e.transaction_id) : null}`);
      expect(cbs.filter((x) => !x.endsWith('|null')).length).toBeGreaterThan(0);
      expect((await store.readRows('chargeback_sales', connectionId)).map((r) => `${r.event_id}|${Number(r.instant)}|${r.sale_instant === null ? null : Number(r.sale_instant)}`).sort()).toEqual(cbs.sort());
      // breakdown_days: every event measure per UTC day, dimension and value, and the (order, value) pairs
      // counted on the UTC day of their first sale with that value, recomputed in JS through the table.
      const cells = new Map<string, Partial<Record<TotalName, number>>>();
      const cell = (day: number, dim: string, v: unknown) => {
        const k = JSON.stringify([day, dim, v ?? null]);
        const t = cells.get(k) ?? {};
        cells.set(k, t);
        return t;
      };
      const DIMS = ['campaign_id', 'product_id', 'aff_id', 'source_value1', 'merchant_id', 'coupon_code', 'billing_cycle'] as const;
      const dayOf = (ms: number) => Math.floor(ms / 86_400_000);
      for (const e of events) for (const c of DIMS) addEvent(cell(dayOf(e.instant), c, e[c]), e, 1);
      const pairFirst = new Map<string, { day: number; c: string; v: unknown; ms: number }>();
      for (const e of events) {
        if (e.kind !== 'sale' || e.order_id === null) continue;
        for (const c of DIMS) {
          const k = JSON.stringify([e.order_id, c, e[c] ?? null]);
          const f = pairFirst.get(k);
          if (!f || e.instant < f.ms) pairFirst.set(k, { day: dayOf(e.instant), c, v: e[c], ms: e.instant });
        }
      }
      for (const f of pairFirst.values()) {
        const t = cell(f.day, f.c, f.v);
        t.orders = (t.orders ?? 0) + 1;
      }
      // New (and earlier) customers by first touch, on their first sale's day: every dimension but the cycle.
      for (const f of facts) {
        for (const c of DIMS.filter((x) => x !== 'billing_cycle')) {
          const t = cell(dayOf(Number(f.first_sale_at)), c, f[`first_${c}` as keyof typeof f]);
          const m = f.acquired_before ? 'earlierCustomers' : 'newCustomers';
          t[m] = (t[m] ?? 0) + 1;
        }
      }
      const column = { campaign_id: 'campaign', product_id: 'product', aff_id: 'affiliate', source_value1: 'subaffiliate', merchant_id: 'mid', coupon_code: 'coupon', billing_cycle: 'cycle' } as const;
      const keptCells = new Map(
        (await store.readRows('breakdown_days', connectionId)).map((r) => {
          const c = Object.entries(column).find(([, d]) => d === r.dimension)?.[0] as string;
          const v = ['aff_id', 'source_value1', 'coupon_code'].includes(c) ? (r.text_value === '\u0001' ? null : r.text_value) : Number(r.num_value) === -1 ? null : Number(r.num_value);
          return [JSON.stringify([Number(r.day), c, v]), Object.fromEntries(TOTALS.map((n) => [n, Number(r[TOTAL_COLUMNS[n]])]))];
        }),
      );
      expect(keptCells).toEqual(new Map([...cells].map(([k, t]) => [k, Object.fromEntries(TOTALS.map((n) => [n, t[n] ?? 0]))])));
      // attempt_days, mid_months, rebill_saves, chargeback_sales and breakdown_days (with the other tables): as kept, equal to a rebuild from the ledger.
      await expectAggregatesCurrent('random writes');
      // The subscriptions' cycles (purchases spread over customers): each purchase's attempts numbered per
      // cycle in the ledger's order, as kept at write time and as rebuilt.
      const starts = new Set(events.filter((e) => e.kind === 'sale' && e.billing_cycle === 1 && e.purchase_id !== null).map((e) => String(e.purchase_id)));
      expect((await store.readRows('subscription_starts', connectionId)).map((r) => r.purchase_id).sort()).toEqual([...starts].sort());
      const attempts = await store.readRows('subscription_attempts', connectionId);
      const tries = events.filter((e) => (e.kind === 'sale' || e.kind === 'decline') && e.purchase_id !== null && starts.has(String(e.purchase_id)));
      expect(attempts.length).toBe(tries.length);
      for (const a of attempts) {
        const mine = tries.filter((e) => e.purchase_id === a.purchase_id && e.billing_cycle === a.cycle).sort((x, y) => x.instant - y.instant || (String(x.event_id) < String(y.event_id) ? -1 : 1));
        expect(a.outcome === 'ok', `${a.purchase_id} cycle ${a.cycle} retry ${a.retry}`).toBe(mine[Number(a.retry)]?.kind === 'sale');
        expect(a.is_last).toBe(Number(a.retry) === mine.length - 1);
      }
      await expectAggregatesCurrent(`random batches (${JSON.stringify(options)})`);
    });

    it('keeps the summary and cohort pre-aggregates at write time, slot by slot', async () => {
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1, 2], events: [sale(1, 42, 1500, at(10, 7)), { ...sale(2, 42, 900, at(10, 20)), order_id: 'ORD1', is_initial: false }] } });
      expect(await store.readRows('event_slots', connectionId)).toEqual([
        { connection_id: connectionId, currency: 'USD', slot: at(10), gross_cents: 1500, refunds_cents: 0, chargebacks_cents: 0, sale_count: 1, chargeback_count: 0, initial_approved: 1, initial_declined: 0, rebill_approved: 0, rebill_declined: 0, orders: 1, new_customers: 1, earlier_customers: 0 },
        { connection_id: connectionId, currency: 'USD', slot: at(10, 15), gross_cents: 900, refunds_cents: 0, chargebacks_cents: 0, sale_count: 1, chargeback_count: 0, initial_approved: 0, initial_declined: 0, rebill_approved: 1, rebill_declined: 0, orders: 0, new_customers: 0, earlier_customers: 0 },
      ]);
      expect(await store.readRows('cohort_slots', connectionId)).toEqual([{ connection_id: connectionId, currency: 'USD', slot: at(10), customers: 1, last_first_sale_at: at(10, 7) }]);
      expect(await store.readRows('cohort_ages', connectionId)).toEqual([{ connection_id: connectionId, currency: 'USD', slot: at(10), age_days: 0, net_cents: 2400 }]);
      // A chargeback two days later; then the first sale is re-derived an hour earlier (its order and the
      // customer's first sale move slot); then the chargeback is cleared.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 42, 1500, at(10, 7)), { ...sale(1, 42, -1500, at(17, 0, 3), 'chargeback'), event_id: 'chargeback:1' }] } });
      expect((await store.readRows('cohort_ages', connectionId)).map((r) => [r.age_days, r.net_cents])).toEqual([[0, 2400], [2, -1500]]);
      await expectAggregatesCurrent('chargeback');
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 42, 1500, at(9, 7)), { ...sale(1, 42, -1500, at(17, 0, 3), 'chargeback'), event_id: 'chargeback:1' }] } });
      expect((await store.readRows('event_slots', connectionId)).map((r) => [r.slot, r.orders, r.new_customers, r.chargeback_count])).toEqual([
        [at(9), 1, 1, 0],
        [at(10, 15), 0, 0, 0],
        [at(17, 0, 3), 0, 0, 1],
      ]);
      await expectAggregatesCurrent('moved first sale');
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 42, 1500, at(9, 7))] } });
      await expectAggregatesCurrent('cleared chargeback');
      // A decline, a refund, a void of an authorization arriving before its parent, another customer.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [3, 4], events: [{ ...sale(3, 43, 700, at(11), 'decline'), event_id: 'decline:3' }, { ...sale(4, 42, -300, at(12), 'refund'), event_id: 'refund:4' }] } });
      const voidRow = txn(51, { txn_type: 'VOID', parent_txn_id: 50, customer_id: 42 });
      await store.writePage({ connectionId, table: 'transactions', rows: [voidRow], ledger: { transactionIds: [51], events: [{ ...sale(51, 42, -200, at(13), 'void'), event_id: 'void:51' }] } });
      await expectAggregatesCurrent('void stored');
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(50, { txn_type: 'AUTHORIZE', customer_id: 42 })], ledger: { transactionIds: [50], events: [] } });
      expect(await store.countRows('money_events', connectionId)).toBe(4);
      await expectAggregatesCurrent('void of an authorization dropped');
      // Everything gone: nothing left but all-zero rows, which are dropped.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1, 2, 3, 4], events: [] } });
      expect(await store.countRows('event_slots', connectionId)).toBe(0);
      expect(await store.countRows('cohort_slots', connectionId)).toBe(0);
      expect(await store.countRows('cohort_ages', connectionId)).toBe(0);
    });

    it('moves an order to its new first sale only when its earliest sale changes (re-synced sales skip the lookup)', async () => {
      // One order (an id with a quote and a backslash) with three sales; each write re-sends some of them.
      const o = (id: number, ms: number) => ({ ...sale(id, 42, 100 * id, ms), order_id: "O'1\\x", is_initial: id === 1 });
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1, 2, 3], events: [o(1, at(10)), o(2, at(11)), o(3, at(12))] } });
      await expectAggregatesCurrent('three sales of one order');
      // The first sale re-synced unchanged, then a later one: no move.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [o(1, at(10))] } });
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [2], events: [o(2, at(11))] } });
      await expectAggregatesCurrent('re-synced unchanged');
      // The first sale re-dated after the others: the order moves to the second sale's slot.
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [o(1, at(13))] } });
      expect((await store.readRows('event_slots', connectionId)).filter((r) => Number(r.orders) !== 0).map((r) => [r.slot, r.orders])).toEqual([[at(11), 1]]);
      await expectAggregatesCurrent('first sale re-dated later');
      // The earliest sale removed, a later one re-dated earlier than all.
      await store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [2, 3], events: [o(3, at(9))] } }]);
      expect((await store.readRows('event_slots', connectionId)).filter((r) => Number(r.orders) !== 0).map((r) => [r.slot, r.orders])).toEqual([[at(9), 1]]);
      await expectAggregatesCurrent('earliest removed, another moved earlier');
    });

    it('keeps the pre-aggregates when a write touches thousands of slots', async () => {
      // 3,000 sales, one per 15-minute slot (deltas staged by the engine, rowSet), then half of them removed.
      const ids = Array.from({ length: 3000 }, (_, i) => i + 1);
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: ids, events: ids.map((i) => sale(i, 1000 + (i % 7), 100 + i, at(0) + i * 900_000)) } });
      await expectAggregatesCurrent('3,000 slots');
      const half = ids.filter((i) => i % 2 === 0);
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: half, events: [] } });
      await expectAggregatesCurrent('1,500 removed');
      expect(await store.countRows('event_slots', connectionId)).toBe(1500);
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: ids, events: [] } });
      expect(await store.countRows('event_slots', connectionId)).toBe(0);
    });

    it('keeps the pre-aggregates consistent with deferred facts, at every commit', async () => {
      const t0 = at(10, 7);
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 7, 100, t0)] } });
      // Deferred: a rebill of the known customer 7 (cohort cell follows the ledger now), a new customer 8
      // (no facts yet: no cohort, no new customer) and customer 7's first sale re-dated a day earlier.
      const batch = [
        { connectionId, table: 'transactions' as const, rows: [], ledger: { transactionIds: [2], events: [{ ...sale(2, 7, 300, t0 + 40 * 86_400_000), order_id: 'ORD1' }] } },
        { connectionId, table: 'transactions' as const, rows: [], ledger: { transactionIds: [3], events: [sale(3, 8, 500, t0 + 3_600_000)] } },
      ];
      await store.writePages(batch, { deferFacts: true });
      expect((await store.readRows('cohort_ages', connectionId)).map((r) => [r.age_days, r.net_cents])).toEqual([[0, 100], [40, 300]]);
      expect((await store.readRows('event_slots', connectionId)).reduce((a, r) => a + Number(r.new_customers), 0)).toBe(1);
      expect(await store.countRows('facts_dirty', connectionId)).toBe(2);
      await store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 7, 100, t0 - 86_400_000)] } }], { deferFacts: true });
      // The ledger moved under stale facts: the aggregate agrees with a join of the two as they stand.
      await expectAggregatesCurrent('deferred, before refresh');
      expect(await store.refreshDirtyFacts(connectionId)).toBe(2);
      await expectAggregatesCurrent('after refresh');
      expect((await store.readRows('cohort_slots', connectionId)).map((r) => [r.slot, r.customers])).toEqual([
        [at(10, 0, 0), 1],
        [at(11), 1],
      ]);
    });

    it.each([{}, { deferFacts: true }] as WriteOptions[])('keeps the subscription tables of the purchases the written and removed events name, across batches, and of no other purchase (%o)', async (options) => {
      const deferred = options.deferFacts === true;
      const ev = (id: number, customer: number, purchase: string, cycle: number, ms: number, kind: EventKind = 'sale', cents = 1000): MoneyEvent => ({
        ...sale(id, customer, kind === 'sale' || kind === 'decline' ? cents : -cents, ms, kind), purchase_id: purchase, billing_cycle: cycle, is_initial: cycle === 1,
      });
      const write = (events: MoneyEvent[], ids = events.map((e) => e.transaction_id)) =>
        store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [...new Set(ids)], events } }], options);
      const day = 86_400_000;
      const t0 = at(10);
      // Customer 7 holds purchases PA and PB, customer 8 PC, whose refund customer 9's transaction books.
      await write([ev(1, 7, 'PA', 1, t0), ev(2, 7, 'PB', 1, t0 + 60_000), ev(3, 7, 'PA', 2, t0 + 30 * day, 'decline'), ev(4, 8, 'PC', 1, t0), ev(5, 9, 'PC', 1, t0 + 2 * day, 'refund', 400)]);
      // A later batch: PA's cycle 2 saved by a retry; PB's sale moves to purchase PD.
      await write([ev(6, 7, 'PA', 2, t0 + 31 * day), ev(2, 7, 'PD', 1, t0 + 60_000)]);
      // Another: the refund of another customer's purchase removed alone; PC's sale re-synced under customer 10.
      await write([ev(4, 10, 'PC', 1, t0)], [4, 5]);
      // Deferred, every batch's purchases wait for the refresh, each once (PA, PB, PC by the first batch; PA,
      // PB, PD by the second; PC by the third); written now, none waits.
      expect(await store.countRows('purchases_dirty', connectionId)).toBe(deferred ? 4 : 0);
      await store.refreshDirtyFacts(connectionId);
      expect(await store.countRows('purchases_dirty', connectionId)).toBe(0);
      const starts = async () => new Map((await store.readRows('subscription_starts', connectionId)).map((r) => [String(r.purchase_id), r]));
      expect([...(await starts()).keys()].sort()).toEqual(['PA', 'PC', 'PD']);
      expect((await starts()).get('PC')?.customer_id).toBe(10);
      const cycles = await store.readRows('subscription_cycles', connectionId);
      expect(cycles.filter((c) => c.purchase_id === 'PC').map((c) => Number(c.refunds))).toEqual([0]);
      expect(cycles.filter((c) => c.purchase_id === 'PA').map((c) => [c.cycle, c.attempts, c.ok_retry])).toEqual([[1, 1, 0], [2, 2, 1]]);
      await expectAggregatesCurrent(`named purchases (${JSON.stringify(options)})`);
      // A write naming PD alone leaves customer 7's other purchase as it stands: PA's start, set apart
      // here, is not recomputed (the refresh follows the purchases, not their customers); PD's rows are.
      await store.query(`UPDATE subscription_starts SET last_try = 99 WHERE connection_id = $1 AND purchase_id = 'PA'`, [connectionId]);
      await write([ev(7, 7, 'PD', 2, t0 + 30 * day)]);
      expect(await store.countRows('purchases_dirty', connectionId)).toBe(deferred ? 1 : 0);
      await store.refreshDirtyFacts(connectionId);
      expect(Number((await starts()).get('PA')?.last_try)).toBe(99);
      expect(Number((await starts()).get('PD')?.last_try)).toBe(2);
      await store.rebuildAggregates(connectionId);
      expect(Number((await starts()).get('PA')?.last_try)).toBe(2);
    });

    it.each([{}, { deferFacts: true }, { deferRebuild: true }] as WriteOptions[])('keeps retention_days with the purchases\' status and next bill date as their records change, and in the connection\'s zone (%o)', async (options) => {
      const day = 86_400_000;
      const ev = (id: number, purchase: string, cycle: number, ms: number, kind: EventKind = 'sale'): MoneyEvent => ({
        ...sale(id, 100 + (id % 3), kind === 'sale' || kind === 'decline' ? 1000 : -400, ms, kind), purchase_id: purchase, billing_cycle: cycle, is_initial: cycle === 1, product_id: 5 + (id % 2),
      });
      const write = (events: MoneyEvent[]) => store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [...new Set(events.map((e) => e.transaction_id))], events } }], options);
      const records = (rows: { purchase_id: string; status: string; next_bill_date: string }[]) => store.writePages([{ connectionId, table: 'purchases', rows }], options);
      // Starts at hours either side of midnight in the account zone (its calendar day differs from UTC's),
      // rebills approved, declined, retried and refunded.
      const t0 = at(3, 30);
      await write([ev(1, 'PA', 1, t0), ev(2, 'PB', 1, t0 + 2 * 3_600_000), ev(3, 'PC', 1, t0 + day), ev(4, 'PA', 2, t0 + 30 * day, 'decline'), ev(5, 'PA', 2, t0 + 33 * day), ev(6, 'PB', 2, t0 + 30 * day, 'decline'), ev(7, 'PC', 2, t0 + 31 * day), ev(8, 'PC', 2, t0 + 40 * day, 'refund')]);
      await records([{ purchase_id: 'PA', status: 'ACTIVE', next_bill_date: '2025-03-05' }, { purchase_id: 'PB', status: 'RECYCLE_BILLING', next_bill_date: '2025-02-04' }, { purchase_id: 'PC', status: 'ACTIVE', next_bill_date: '2025-03-02' }]);
      await store.refreshDirtyFacts(connectionId);
      await expectAggregatesCurrent(`retention days after the first writes (${JSON.stringify(options)})`);
      const stamps = async () => new Map((await store.readRows('retention_stamps', connectionId)).map((r) => [String(r.purchase_id), r]));
      expect((await stamps()).get('PB')).toMatchObject({ recycling: 1, cancelled: 0, next_bill: '2025-02-04', zone: CONN.timezone });
      // Records alone change: PB cancelled (its next bill date no longer counts), PA's next bill date moves, no event written.
      await records([{ purchase_id: 'PB', status: 'CANCELLED', next_bill_date: '2025-02-04' }, { purchase_id: 'PA', status: 'ACTIVE', next_bill_date: '2025-03-09' }]);
      await store.refreshDirtyFacts(connectionId);
      await expectAggregatesCurrent(`retention days after the records changed (${JSON.stringify(options)})`);
      expect((await stamps()).get('PB')).toMatchObject({ recycling: 0, cancelled: 1, next_bill: null });
      const kinds = (await store.readRows('retention_days', connectionId)).filter((r) => r.part === 'kind');
      expect(kinds.reduce((a, r) => a + Number(r.cnt), 0)).toBe(3);
      // The counts' days are the account zone's: PA and PB started on the same UTC day, PA the evening
      // before in New York; PB and PC (a UTC day apart) on the same New York day.
      const local = (ms: number) => Math.round(Date.parse(`${localDate(ms, CONN.timezone)}T00:00:00Z`) / day);
      const startedOn = (d: number) => kinds.filter((r) => Number(r.day) === d).reduce((a, r) => a + Number(r.cnt), 0);
      expect([startedOn(local(t0)), startedOn(local(t0) + 1)]).toEqual([1, 2]);
      // Events then records again: PB's cycle 2 saved, PC's refund removed.
      await write([ev(9, 'PB', 2, t0 + 35 * day)]);
      await store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [8], events: [] } }], options);
      await records([{ purchase_id: 'PB', status: 'ACTIVE', next_bill_date: '2025-03-10' }]);
      await store.refreshDirtyFacts(connectionId);
      await expectAggregatesCurrent(`retention days after more events (${JSON.stringify(options)})`);
    });

    it('recomputes cohort_slots of the whole connection when a refresh touches more first-sale slots than go slot by slot', async () => {
      // A first backfill's refresh: a customer in nearly every quarter hour. One customer of another
      // connection shows the whole-connection pass leaves other connections alone.
      const other = await store.saveConnection({ ...CONN, name: 'other' });
      await store.writePage({ connectionId: other.connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 1, 500, at(9))] } });
      const n = COHORT_SLOTS_WHOLE + 5;
      const events = Array.from({ length: n }, (_, i) => sale(10 + i, 1000 + i, 100 + i, at(0) + i * 15 * 60_000));
      // Two customers share a slot, so a slot's count is not always 1.
      events.push(sale(10 + n, 1000 + n, 77, at(0) + 60_000));
      await store.writePages([{ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: events.map((e) => Number(e.transaction_id)), events } }], { deferFacts: true });
      expect(await store.refreshDirtyFacts(connectionId)).toBe(n + 1);
      await expectAggregatesCurrent('after a refresh past the slot-by-slot limit');
      const slots = await store.readRows('cohort_slots', connectionId);
      expect(slots.length).toBe(n);
      expect(slots[0]?.customers).toBe(2);
      expect(await store.countRows('cohort_slots', other.connectionId)).toBe(1);
    });

    for (const options of [{ deferFacts: true }, { deferRebuild: true }]) {
    it(`a failed group commit (the sync's deferred path, ${Object.keys(options).join()}) leaves nothing behind, and the next one writes only its own rows`, async () => {
      const marker = (page: number) => ({ stream: 'transactions', scope: 'g1', windowKey: 'w1', page, totalResults: 600, records: 1, maxUpdated: '2025-01-01 10:00:00' });
      const page = (id: number, over: Partial<Row> = {}) => ({
        connectionId,
        table: 'transactions' as const,
        rows: [txn(id, over)],
        ledger: { transactionIds: [id], events: [sale(id, 40 + id, 100 * id, at(id))] },
        marker: marker(id),
      });
      // The bad value fails a statement late in the batch (after the rows and ledger of good pages).
      await expect(store.writePages([page(1), page(2), page(3, { total_cents: 'not a number' as never })], options)).rejects.toThrow();
      for (const t of ['transactions', 'money_events', 'facts_dirty', 'rebuild_pending', 'event_slots'] as const) expect(await store.countRows(t, connectionId), t).toBe(0);
      expect(await store.pageMarkers(connectionId, 'g1')).toEqual([]);
      await store.writePages([page(4)], options);
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(options.deferRebuild ? 1 : 0);
      expect((await store.readRows('transactions', connectionId)).map((r) => r.transaction_id)).toEqual([4]);
      expect((await store.readRows('money_events', connectionId)).map((r) => [r.event_id, r.amount_cents])).toEqual([['sale:4', 400]]);
      expect((await store.pageMarkers(connectionId, 'g1')).map((m) => m.page)).toEqual([4]);
      expect(await store.refreshDirtyFacts(connectionId)).toBe(1);
      await expectAggregatesCurrent('after a failed group commit and a good one');
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(0);
    });
    }

    it('defers the rebuild when asked (a backfill): the ledger alone written and the connection marked; facts and pre-aggregates rebuilt by the refresh, equal to keeping them write by write', async () => {
      // The same writes to two connections: this one defers the rebuild, `kept` keeps facts and aggregates
      // write by write.
      const kept = (await store.saveConnection({ ...CONN, name: 'kept' })).connectionId;
      const day = 86_400_000;
      const t0 = at(10, 7);
      const writes = (cid: string): PageWrite[][] => {
        const page = (rows: Txn[], ids: number[], events: MoneyEvent[]): PageWrite => ({ connectionId: cid, table: 'transactions', rows, ledger: { transactionIds: ids, events } });
        return [
          // A rebill 40 days on (an order's second sale), a new customer, a refund.
          [page([], [2], [{ ...sale(2, 7, 300, t0 + 40 * day), order_id: 'ORD1', is_initial: false }]), page([], [3, 4], [sale(3, 8, 500, t0 + 3_600_000), { ...sale(4, 7, -100, t0 + 2 * day, 'refund'), event_id: 'refund:4' }])],
          // Customer 7's first sale re-dated a day earlier (its order and cohort move), a chargeback on it.
          [page([], [1], [sale(1, 7, 100, t0 - day), { ...sale(1, 7, -100, t0 + 9 * day, 'chargeback'), event_id: 'chargeback:1' }])],
          // A stored void whose parent then arrives as an AUTHORIZE: the void's event leaves.
          [page([txn(51, { txn_type: 'VOID', parent_txn_id: 50, customer_id: 8 })], [51], [{ ...sale(51, 8, -200, t0 + 3 * 3_600_000, 'void'), event_id: 'void:51' }])],
          [page([txn(50, { txn_type: 'AUTHORIZE', customer_id: 8 })], [50], [])],
        ];
      };
      const first = (cid: string): PageWrite => ({ connectionId: cid, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 7, 100, t0)] } });
      // Here with its facts deferred (a crashed incremental run's dirty mark, say): the rebuild clears it too.
      await store.writePages([first(connectionId)], { deferFacts: true });
      await store.writePage(first(kept));
      const read = async (cid: string) => {
        const out: Record<string, Row[]> = {};
        for (const t of ['event_slots', 'cohort_slots', 'cohort_ages', 'order_first_sales', 'attempt_days', 'mid_months', 'rebill_saves', 'chargeback_sales', 'refund_sales', 'breakdown_days', 'cohort_group_sizes', 'cohort_group_ages', 'customer_ages', 'customer_facts', 'money_events'] as const) {
          out[t] = (await store.readRows(t, cid)).map(({ connection_id: _, ...r }) => r);
        }
        return out;
      };
      const before = await read(connectionId);
      for (const batch of writes(connectionId)) await store.writePages(batch, { deferRebuild: true });
      for (const batch of writes(kept)) await store.writePages(batch, { deferFacts: true });
      // Behind: marked, the aggregates and facts as they were (no customer marked dirty), the ledger current.
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(1);
      expect(await store.countRows('facts_dirty', connectionId)).toBe(1);
      expect(await store.countRows('rebuild_pending', kept)).toBe(0);
      const behind = await read(connectionId);
      for (const t of ['event_slots', 'cohort_slots', 'cohort_ages', 'order_first_sales', 'attempt_days', 'mid_months', 'rebill_saves', 'chargeback_sales', 'refund_sales', 'breakdown_days', 'cohort_group_sizes', 'cohort_group_ages', 'customer_ages', 'customer_facts'] as const) expect(behind[t], t).toEqual(before[t]);
      expect(behind.money_events).toEqual((await read(kept)).money_events);
      // Rebuilding the aggregates alone (repair) leaves the rebuild pending: the facts are behind too.
      await store.rebuildAggregates(connectionId);
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(1);
      expect(await store.refreshDirtyFacts(connectionId)).toBe(2);
      expect(await store.refreshDirtyFacts(kept)).toBe(2);
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(0);
      expect(await store.countRows('facts_dirty', connectionId)).toBe(0);
      const rebuilt = await read(connectionId);
      expect(rebuilt).toEqual(await read(kept));
      // Customer 7 (first sale re-dated to t0 - 1 day): the sale, the refund 3 days on, the chargeback, the
      // rebill; customer 8 (an hour after t0): the sale, its void of an authorization gone.
      expect((rebuilt.cohort_ages ?? []).map((r) => [r.age_days, r.net_cents])).toEqual([[0, 100], [3, -100], [10, -100], [41, 300], [0, 500]]);
      await expectAggregatesCurrent('rebuilt');
    });

    it('sets unreadable records aside with their reason, counts their attempts, and lets them go once a page stores them', async () => {
      const bad = { recordKey: '7', reason: 'transactions/query record 3 of its page: cannot be read: totalAmount: not an amount: "12,50"', raw: '{"transactionId":7,"totalAmount":"12,50"}' };
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(1)], quarantined: [bad] });
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(2)], quarantined: [bad] });
      const held = await store.quarantined(connectionId);
      expect(held).toEqual([{ stream: 'transactions', recordKey: '7', reason: bad.reason, raw: bad.raw, attempts: 2 }]);
      const [row] = await store.readRows('quarantine', connectionId);
      expect(Number(row?.first_seen)).toBeLessThanOrEqual(Number(row?.last_seen));
      // The same record read well: stored, and out of quarantine in the same transaction.
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(7)] });
      expect(await store.quarantined(connectionId)).toEqual([]);
      expect((await store.readRows('transactions', connectionId)).map((r) => r.transaction_id)).toEqual([1, 2, 7]);
    });

    it('resolves product, purchase, campaign and coupon through purchases, order lines, parents and orders at the refresh, and records how', async () => {
      const t0 = Date.UTC(2025, 0, 1, 15);
      const bare = (id: number, over: Partial<MoneyEvent> = {}): MoneyEvent => ({ ...sale(id, 42, 1000, t0 + id * 60_000), order_id: `O${id}`, product_id: null, purchase_id: null, campaign_id: null, attribution: '-/-', ...over });
      // Order O1 holds a subscription (product 55, 10.00) and a one-off upsell (product 77, 5.00 + 0.50 shipping), each billed by
      // its own transaction (1 and 3); 2 is the subscription's rebill (order O2); 4 refunds the upsell; 5 is a sale of order O5,
      // whose items say nothing of amounts: its first item.
      const events = [
        bare(1, { order_id: 'O1' }),
        bare(2, { billing_cycle: 2, is_initial: false }),
        bare(3, { order_id: 'O1', amount_cents: 550 }),
        { ...bare(4, { order_id: 'O1', amount_cents: -550 }), event_id: 'refund:4', kind: 'refund' as const },
        bare(5),
      ];
      const rows = [txn(1, { order_id: 'O1', total_cents: 1000 }), txn(2, { order_id: 'O2', billing_cycle: 2 }), txn(3, { order_id: 'O1', total_cents: 550 }), txn(4, { order_id: 'O1', txn_type: 'REFUND', total_cents: 550, parent_txn_id: 3 }), txn(5, { order_id: 'O5' })];
      await store.writePages([{ connectionId, table: 'transactions', rows, ledger: { transactionIds: [1, 2, 3, 4, 5], events } }], { deferFacts: true });
      expect(await store.attributionCoverage(connectionId)).toEqual({ sales: 4, withoutProduct: 4, rebillsWithoutPurchase: 1 });
      // The orders (with their items) and the purchase (its transactions) arrive on later pages.
      await store.writePages([
        {
          connectionId,
          table: 'orders',
          rows: [{ order_id: 'O1', product_id: 55, campaign_id: 3, coupon_code: 'SPRING' }, { order_id: 'O2', product_id: 55, campaign_id: 3 }, { order_id: 'O5', product_id: 66, campaign_id: 4 }],
          related: {
            order_items: [
              { order_id: 'O1', item_no: 1, product_id: 55, campaign_product_id: 155, purchase_id: 'P9', amount_cents: 1000 },
              { order_id: 'O1', item_no: 2, product_id: 77, campaign_product_id: 177, purchase_id: null, amount_cents: 550 },
              { order_id: 'O5', item_no: 1, product_id: 66, campaign_product_id: 166, purchase_id: null, amount_cents: null },
            ],
          },
        },
        { connectionId, table: 'purchases', rows: [{ purchase_id: 'P9', product_id: 55 }], related: { purchase_transactions: [{ transaction_id: 1, purchase_id: 'P9' }, { transaction_id: 2, purchase_id: 'P9' }] } },
      ], { deferFacts: true });
      await store.refreshDirtyFacts(connectionId);
      const stored = await store.readRows('money_events', connectionId);
      expect(stored.map((e) => [e.event_id, e.product_id, e.purchase_id, e.campaign_id, e.coupon_code, e.attribution])).toEqual([
        ['refund:4', 77, null, 3, 'SPRING', 'parent/-'],
        ['sale:1', 55, 'P9', 3, 'SPRING', 'purchase/purchase'],
        ['sale:2', 55, 'P9', 3, null, 'purchase/purchase'],
        ['sale:3', 77, null, 3, 'SPRING', 'line/-'],
        ['sale:5', 66, null, 4, null, 'order/-'],
      ]);
      expect(await store.attributionCoverage(connectionId)).toEqual({ sales: 4, withoutProduct: 0, rebillsWithoutPurchase: 0 });
      // The customer's first touch follows.
      expect((await store.readRows('customer_facts', connectionId))[0]).toMatchObject({ first_product_id: 55, first_campaign_id: 3, first_coupon_code: 'SPRING' });
      // The events filled in place moved their breakdown_days cells (by product, campaign, coupon) as a rebuild places them.
      expect((await store.readRows('breakdown_days', connectionId)).some((r) => r.dimension === 'coupon' && r.text_value === 'SPRING' && Number(r.orders) > 0)).toBe(true);
      await expectAggregatesCurrent('attribution resolved');
    });

    it('keeps breakdown_days equal to a rebuild when attribution fills events on several days and orders, of no customer too, moving an order\'s first sales to days it filled nothing on', async () => {
      const day = (d: number) => Date.UTC(2025, 1, d, 15);
      const bare = (id: number, d: number, over: Partial<MoneyEvent> = {}): MoneyEvent => ({ ...sale(id, 42, 1000, day(d)), product_id: null, purchase_id: null, campaign_id: null, attribution: '-/-', ...over });
      // O10: a sale on the 1st (10.00, filled from its order's one 10.00 line) and one on the 5th (7.00, no line, campaign and
      // coupon known, the order no product: nothing to fill), so the order's first sale of no product moves from the 1st to the
      // 5th; a refund of the first on the 8th (filled from its parent). O20: a sale on the 3rd of no customer (filled from its
      // order). O30: customer 43's sale on the 7th (filled from its purchase) beside its sale on the 9th, attributed already.
      const events = [
        bare(11, 1, { order_id: 'O10' }),
        bare(12, 5, { order_id: 'O10', amount_cents: 700, campaign_id: 3, coupon_code: 'FALL' }),
        { ...bare(13, 8, { order_id: 'O10', amount_cents: -1000, campaign_id: 3, coupon_code: 'FALL' }), event_id: 'refund:13', kind: 'refund' as const },
        bare(20, 3, { order_id: 'O20', customer_id: null }),
        bare(31, 7, { order_id: 'O30', customer_id: 43, campaign_id: 4 }),
        { ...sale(32, 43, 1500, day(9)), order_id: 'O30', campaign_id: 4 },
      ];
      const rows = [
        txn(11, { order_id: 'O10', total_cents: 1000 }),
        txn(12, { order_id: 'O10', total_cents: 700 }),
        txn(13, { order_id: 'O10', txn_type: 'REFUND', total_cents: 1000, parent_txn_id: 11 }),
        txn(20, { order_id: 'O20', customer_id: null }),
        txn(31, { order_id: 'O30', customer_id: 43 }),
        txn(32, { order_id: 'O30', customer_id: 43, total_cents: 1500 }),
      ];
      await store.writePages([{ connectionId, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => r.transaction_id), events } }], { deferFacts: true });
      await store.refreshDirtyFacts(connectionId);
      await expectAggregatesCurrent('before the fill');
      await store.writePages([
        {
          connectionId,
          table: 'orders',
          rows: [{ order_id: 'O10', product_id: null, campaign_id: 3, coupon_code: 'FALL' }, { order_id: 'O20', product_id: 66, campaign_id: 5 }, { order_id: 'O30', product_id: null, campaign_id: 4 }],
          related: { order_items: [{ order_id: 'O10', item_no: 1, product_id: 88, campaign_product_id: 188, purchase_id: null, amount_cents: 1000 }] },
        },
        { connectionId, table: 'purchases', rows: [{ purchase_id: 'P30', product_id: 99 }], related: { purchase_transactions: [{ transaction_id: 31, purchase_id: 'P30' }] } },
      ], { deferFacts: true });
      await store.refreshDirtyFacts(connectionId);
      const stored = await store.readRows('money_events', connectionId);
      expect(stored.map((e) => [e.event_id, e.product_id, e.purchase_id, e.campaign_id, e.coupon_code])).toEqual([
        ['refund:13', 88, null, 3, 'FALL'],
        ['sale:11', 88, null, 3, 'FALL'],
        ['sale:12', null, null, 3, 'FALL'],
        ['sale:20', 66, null, 5, null],
        ['sale:31', 99, 'P30', 4, null],
        ['sale:32', 5, null, 4, null],
      ]);
      // O10's first sale of no product is the 5th's now: breakdown_days counts that order there, on a day nothing was filled.
      const utcDay = Math.floor(day(5) / 86_400_000);
      const noProduct = (await store.readRows('breakdown_days', connectionId)).filter((r) => r.dimension === 'product' && Number(r.num_value) === -1 && Number(r.orders) > 0);
      expect(noProduct.map((r) => Number(r.day))).toEqual([utcDay]);
      await expectAggregatesCurrent('attribution filled on several days');
    });

    it.each([{}, { deferFacts: true }, { deferRebuild: true }] as WriteOptions[])('books a reversed chargeback on the day the reversal was seen, leaving the month of the chargeback as it was (%o)', async (options) => {
      const day = (d: string) => Date.parse(`${d}T17:00:00Z`);
      const saleRow = (updated: string, charged: boolean) => txn(5, { is_chargedback: charged, date_updated: day(updated) });
      // As derive.ts books it: the chargeback on its chargebackDate, which is the day it was charged back.
      const events = (charged: boolean, on: string) => [
        { ...sale(5, 42, 10000, day('2025-01-10')), event_id: 'sale:5' },
        ...(charged ? [{ ...sale(5, 42, -10000, day(on), 'chargeback'), event_id: 'chargeback:5' }] : []),
      ];
      const write = async (updated: string, charged: boolean) => {
        await store.writePages([{ connectionId, table: 'transactions', rows: [saleRow(updated, charged)], ledger: { transactionIds: [5], events: events(charged, updated) } }], options);
        await store.refreshDirtyFacts(connectionId);
      };
      const ledger = async () => (await store.readRows('money_events', connectionId)).map((e) => [e.event_id, e.amount_cents, new Date(Number(e.instant)).toISOString().slice(0, 10)]);
      // Charged back in February; the dispute is won and the flag cleared in April; charged back again in June.
      await write('2025-02-14', true);
      await write('2025-04-03', false);
      expect(await ledger()).toEqual([['chargeback:5', -10000, '2025-02-14'], ['chargeback_reversal:5', 10000, '2025-04-03'], ['sale:5', 10000, '2025-01-10']]);
      // The same copy again changes nothing; a new chargeback is a second one, February and April untouched.
      await write('2025-04-03', false);
      await write('2025-06-20', true);
      expect(await ledger()).toEqual([
        ['chargeback:5', -10000, '2025-02-14'], ['chargeback:5:2', -10000, '2025-06-20'], ['chargeback_reversal:5', 10000, '2025-04-03'], ['sale:5', 10000, '2025-01-10'],
      ]);
      const facts = (await store.readRows('customer_facts', connectionId))[0];
      expect(facts).toMatchObject({ gross_cents: 10000, chargebacks_cents: 10000, refunds_cents: 10000, net_cents: 0 });
      await expectAggregatesCurrent('after a chargeback, its reversal and a second chargeback');
    });

    it('books nothing for a chargeback already reversed when first synced', async () => {
      await store.writePage({ connectionId, table: 'transactions', rows: [txn(6)], ledger: { transactionIds: [6], events: [sale(6, 42, 500, Date.UTC(2025, 0, 3))] } });
      expect((await store.readRows('money_events', connectionId)).map((e) => e.event_id)).toEqual(['sale:6']);
    });

    it('keeps facts and pre-aggregates per currency, and a customer in the currency of their first sale', async () => {
      const t0 = Date.UTC(2025, 0, 1, 15);
      const ev = (id: number, customer: number, cents: number, currency: string, minutes: number, kind: EventKind = 'sale') => ({ ...sale(id, customer, cents, t0 + minutes * 60_000, kind), currency });
      await store.writePage({
        connectionId,
        table: 'transactions',
        rows: [],
        ledger: { transactionIds: [1, 2, 3, 4], events: [ev(1, 1, 1000, 'USD', 0), ev(2, 2, 250000, 'MXN', 1), ev(3, 2, 500, 'USD', 20), { ...ev(4, 2, -50000, 'MXN', 40, 'refund'), event_id: 'refund:4' }] },
      });
      const facts = await store.readRows('customer_facts', connectionId);
      // Customer 2 bought in MXN first: their facts (and cohort) count their MXN events only.
      expect(facts.map((f) => [f.customer_id, f.currency, f.gross_cents, f.refunds_cents, f.net_cents])).toEqual([[1, 'USD', 1000, 0, 1000], [2, 'MXN', 250000, 50000, 200000]]);
      const slots = await store.readRows('event_slots', connectionId);
      const by = (c: string) => slots.filter((r) => r.currency === c).reduce((a, r) => [a[0]! + Number(r.gross_cents), a[1]! + Number(r.new_customers), a[2]! + Number(r.orders)], [0, 0, 0]);
      expect([by('USD'), by('MXN')]).toEqual([[1500, 1, 2], [250000, 1, 1]]);
      expect((await store.readRows('cohort_ages', connectionId)).map((r) => [r.currency, r.net_cents])).toEqual([['MXN', 200000], ['USD', 1000]]);
      await expectAggregatesCurrent('after writes in two currencies');
    });

    it('completes a run in one transaction: facts, checkpoints, markers and the run record together, or none of them', async () => {
      const marker = { stream: 'transactions', scope: 'b1', windowKey: 'w', page: 1, totalResults: 1, records: 1, maxUpdated: null };
      await store.writePages([{ connectionId, table: 'transactions', rows: [txn(1)], ledger: { transactionIds: [1], events: [sale(1, 7, 100, at(10))] }, marker }], { deferRebuild: true });
      await store.startRun({ runId: 'r1', connectionId, mode: 'backfill', scope: 'b1', startedAt: 1000 });
      const done = { runId: 'r1', connectionId, scope: 'b1', checkpoints: { transactions: '2025-01-31', orders: '2025-01-30' }, result: { status: 'ok' as const, finishedAt: 2000, records: 1, pages: 1, retries: 0 } };
      // The run's record cannot be written (its table gone): nothing else of the completion commits.
      await store.query('ALTER TABLE sync_runs RENAME TO sync_runs_away');
      await expect(store.completeRun(done)).rejects.toThrow();
      await store.query('ALTER TABLE sync_runs_away RENAME TO sync_runs');
      expect(await store.getCheckpoint(connectionId, 'transactions')).toBeNull();
      expect(await store.pageMarkers(connectionId, 'b1')).toHaveLength(1);
      expect(await store.countRows('customer_facts', connectionId)).toBe(0);
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(1);
      expect(await store.countRows('event_slots', connectionId)).toBe(0);
      expect(await store.completeRun(done)).toBe(1);
      expect(await store.getCheckpoint(connectionId, 'transactions')).toBe('2025-01-31');
      expect(await store.getCheckpoint(connectionId, 'orders')).toBe('2025-01-30');
      expect(await store.pageMarkers(connectionId, 'b1')).toEqual([]);
      expect((await store.readRows('sync_runs', connectionId))[0]).toMatchObject({ status: 'ok', records: 1, finished_at: 2000 });
      expect(await store.countRows('rebuild_pending', connectionId)).toBe(0);
      expect(await store.countRows('customer_facts', connectionId)).toBe(1);
      await expectAggregatesCurrent('completed');
    });

    it('rolls the pre-aggregates back with a failed write, and removes them with the connection', async () => {
      await store.writePage({ connectionId, table: 'transactions', rows: [], ledger: { transactionIds: [1], events: [sale(1, 7, 100, at(10))] } });
      const before = await store.readRows('event_slots', connectionId);
      await expect(
        store.writePage({ connectionId, table: 'transactions', rows: [txn(9, { total_cents: 'not a number' as never })], ledger: { transactionIds: [1], events: [sale(1, 7, 999, at(12))] } }),
      ).rejects.toThrow();
      expect(await store.readRows('event_slots', connectionId)).toEqual(before);
      await expectAggregatesCurrent('after a rollback');
      expect(await store.removeConnection('acme')).toBe(true);
      expect(await store.countRows('event_slots', connectionId)).toBe(0);
      expect(await store.countRows('cohort_ages', connectionId)).toBe(0);
    });

    it('a database synced before migration 4 migrates to the latest: pre-aggregates backfilled, facts renamed', async () => {
      await store.writePage({
        connectionId,
        table: 'transactions',
        rows: [],
        ledger: { transactionIds: [1, 2, 3], events: [sale(1, 7, 100, at(10)), { ...sale(1, 7, -100, at(12, 0, 5), 'chargeback'), event_id: 'chargeback:1' }, sale(2, 8, 250, at(11, 30, 2)), { ...sale(3, 8, -50, at(13, 0, 3), 'refund'), event_id: 'refund:3' }] },
      });
      const tables = ['customer_facts', 'event_slots', 'cohort_slots', 'cohort_ages'] as const;
      const kept = await Promise.all(tables.map((t) => store.readRows(t, connectionId)));
      // Back to the schema of version 3: no pre-aggregates, the facts' old columns (refunds without chargebacks),
      // nothing migration 8 added.
      for (const t of ['event_slots', 'cohort_slots', 'cohort_ages', 'order_first_sales', 'agg_age_delta', 'agg_touched_slots', 'rebuild_pending', 'mids', 'coupons', 'purchase_transactions', 'quarantine', 'coverage', 'order_items', 'mid_alert_rules']) await store.query(`DROP TABLE ${t}`);
      for (const t of ['product_costs', 'processing_costs', 'affiliate_payouts', 'ad_spend', 'cost_changes', 'cost_events']) await store.query(`DROP TABLE ${t}`);
      for (const t of ['cohort_months', 'agg_month_delta', 'mid_months', 'rebill_saves', 'chargeback_sales']) await store.query(`DROP TABLE ${t}`);
      for (const t of ['subscription_starts', 'subscription_cycles', 'subscription_attempts', 'agg_touched_purchases', 'agg_touched_events']) await store.query(`DROP TABLE ${t}`);
      for (const t of ['retention_days', 'retention_groups', 'agg_retention_delta', 'retention_stamps', 'agg_touched_starts', 'agg_touched_cycles', 'agg_touched_attempts', 'agg_touched_stamps', 'purchases_restamp']) await store.query(`DROP TABLE ${t}`);
      for (const t of ['cohort_group_sizes', 'cohort_group_ages', 'agg_group_age_delta']) await store.query(`DROP TABLE ${t}`);
      // (DuckDB drops a column only from a table no index depends on: the name index goes and comes back.)
      await store.query('DROP INDEX connections_name');
      await store.query('ALTER TABLE connections DROP COLUMN base_currency');
      await store.query('CREATE UNIQUE INDEX connections_name ON connections (name)');
      // (The same for purchases' purchase_id index on DuckDB, migration 26, made again as it re-runs.)
      await store.query('DROP INDEX IF EXISTS purchases_purchase_id');
      for (const [t, cols] of [['money_events', ['currency', 'coupon_code', 'attribution', 'card_brand', 'card_bin', 'reason', 'recycle_number']], ['transactions', ['currency', 'card_type']], ['orders', ['currency', 'coupon_code', 'campaign_product_id', 'utm_source']], ['purchases', ['currency', 'campaign_product_id']], ['customer_facts', ['currency', 'first_coupon_code', 'acquired_before']]] as const) {
        for (const c of cols) await store.query(`ALTER TABLE ${t} DROP COLUMN ${c}`);
      }
      await store.query('ALTER TABLE customer_facts RENAME COLUMN refunds_cents TO refund_cents');
      await store.query('ALTER TABLE customer_facts RENAME COLUMN chargebacks_cents TO chargeback_cents');
      await store.query('UPDATE customer_facts SET refund_cents = refund_cents - chargeback_cents');
      await store.query('DELETE FROM schema_migrations WHERE version >= 4');
      expect(await store.migrate()).toBe(LATEST_VERSION);
      expect(await Promise.all(tables.map((t) => store.readRows(t, connectionId)))).toEqual(kept);
      expect(kept[0]).toMatchObject([{ customer_id: 7, refunds_cents: 100, chargebacks_cents: 100 }, { customer_id: 8, refunds_cents: 50, chargebacks_cents: 0 }]);
    });

    it('a database synced before migration 12 takes its events\' card network and BIN from their transactions', async () => {
      const cards: [number, string | null, string | null][] = [[1, 'Visa', '411111'], [2, 'MC', null], [3, null, '222100'], [4, 'TESTCARD', '999999'], [5, null, null], [6, 'American Express', '37828']];
      await store.writePage({
        connectionId,
        table: 'transactions',
        rows: cards.map(([id, type, bin]) => txn(id, { card_type: type, card_bin: bin })),
        ledger: { transactionIds: cards.map(([id]) => id), events: cards.map(([id]) => sale(id, 7, 100, at(10, id))) },
      });
      await store.query('ALTER TABLE money_events DROP COLUMN card_brand');
      await store.query('ALTER TABLE money_events DROP COLUMN card_bin');
      await store.query('ALTER TABLE money_events DROP COLUMN reason');
      await store.query('ALTER TABLE money_events DROP COLUMN recycle_number');
      await store.query('DROP TABLE mid_alert_rules');
      // Migration 12 alone is undone: a store that ran the later ones without it gets it on its own.
      await store.query('DELETE FROM schema_migrations WHERE version = 12');
      expect(await store.migrate()).toBe(LATEST_VERSION);
      const got = (await store.readRows('money_events', connectionId)).map((e) => [e.transaction_id, e.card_brand, e.card_bin, e.reason, e.recycle_number]);
      // The same network ledger/cards.ts reads from a transaction (a BIN of fewer than 6 digits is none).
      expect(got).toEqual(cards.map(([id, type, bin]) => [id, cardBrandOf(type, bin), binOf(bin), null, null]));
      expect(got.map((g) => g[1])).toEqual(['VISA', 'MASTERCARD', 'MASTERCARD', 'TESTCARD', null, 'AMEX']);
    });

    // How fast is the bench's business (`npm run bench -- sync`), measured against a baseline in the same run.
    it('stores 10,000 rows in 50 pages, each once', async () => {
      for (let p = 0; p < 50; p++) {
        const rows = Array.from({ length: 200 }, (_, i) => txn(p * 200 + i + 1));
        await store.writePage({ connectionId, table: 'transactions', rows });
      }
      expect(await store.countRows('transactions', connectionId)).toBe(10_000);
      expect((await store.query('SELECT COUNT(DISTINCT transaction_id) AS n FROM transactions WHERE connection_id = $1', [connectionId]))[0]?.n).toBe(10_000);
    });
  });
}
