/**
 * The ground-truth comparison can fail: a store synced from an in-process sandbox (127.0.0.1) compares
 * equal, then each damage done to it through SQL is named among the differences, and nothing else is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../src/core/time.js';
import { CrmClient } from '../src/crm/client.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { MONEY_EVENTS } from '../src/store/tables.js';
import type { Store } from '../src/store/store.js';
import { runSync } from '../src/sync/run.js';
import { asConveyed, compareToGroundTruth, groundTruthReport } from './ground-truth.js';
import { openTestStore } from './stores.js';

const SANDBOX = { seed: 'ground-truth', customers: 300, start: '2025-01-01', now: '2025-03-31 18:00:00' };

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox(SANDBOX);
});
afterAll(async () => {
  await sb?.close();
});

/** A fresh store holding a backfill of the whole sandbox, as the sync integration tests make it. */
async function syncedStore(engine: 'duckdb' | 'postgres'): Promise<{ store: Store; connectionId: string; dispose(): Promise<void> }> {
  const { store, dispose } = await openTestStore(engine, 'groundtruth');
  const c = await store.saveConnection({
    name: 'sandbox', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily',
  });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0 });
  await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: '2025-03-31', mode: { kind: 'backfill', from: SANDBOX.start, to: '2025-03-31' } });
  return { store, connectionId: c.connectionId, dispose };
}

describe('compareToGroundTruth on a synced store', () => {
  for (const engine of ['duckdb', 'postgres'] as const) {
    it(`finds no difference, read whole or in small pages, and counts what it compared (${engine})`, async () => {
      const { store, connectionId, dispose } = await syncedStore(engine);
      try {
        const m = sb.merchant;
        const report = await groundTruthReport(store, connectionId, m);
        expect(report.differences).toEqual([]);
        // Pages of 37 rows: keyset paging over numeric and text keys, as at 1,000,000 transactions.
        expect(await compareToGroundTruth(store, connectionId, m, { pageSize: 37 })).toEqual([]);
        expect(m.txns.length).toBeGreaterThan(300);
        expect(report.counts.transactions).toEqual({ store: m.txns.length, sandbox: m.txns.length });
        expect(report.counts.customers).toEqual({ store: m.customers.length, sandbox: m.customers.length });
        expect(report.counts.orders).toEqual({ store: m.orders.length, sandbox: m.orders.length });
        expect(report.counts.purchases).toEqual({ store: m.purchases.length, sandbox: m.purchases.length });
        expect(report.counts.moneyEvents.store).toBe(report.counts.moneyEvents.sandbox);
        expect(report.counts.moneyEvents.store).toBeGreaterThan(300);
        expect(report.counts.customerFacts.store).toBe(report.counts.customerFacts.sandbox);
        expect(report.counts.days).toBeGreaterThan(80);
      } finally {
        await dispose();
      }
    });
  }
});

describe('compareToGroundTruth on a damaged store (DuckDB)', () => {
  let store: Store;
  let connectionId: string;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, connectionId, dispose } = await syncedStore('duckdb'));
  });
  afterAll(async () => {
    await dispose?.();
  });
  const sql = (text: string, ...params: (string | number)[]) => store.query(text, [connectionId, ...params]);

  it('names every damage done to the store, and nothing else', async () => {
    const m = sb.merchant;
    const zone = m.config.timezone;
    const sales = m.txns.filter((x) => x.response === 'SUCCESS' && x.type === 'SALE' && !x.isChargedback);
    const [deleted, flipped] = m.txns.slice(5, 7);
    const untouched = sales.filter((x) => x !== deleted && x !== flipped);
    const repriced = untouched[0];
    const copied = untouched.find((x) => localDate(x.t, zone) !== localDate(repriced?.t ?? 0, zone));
    const purchase = m.purchases.find((p) => p.status !== 'CANCELLED');
    const customer = sales.at(-1)?.order.customer;
    if (!deleted || !flipped || !repriced || !copied || !purchase || !customer) throw new Error('the sandbox lacks the rows this test damages');

    await sql('DELETE FROM transactions WHERE connection_id = $1 AND transaction_id = $2', deleted.transactionId);
    await sql('UPDATE transactions SET is_chargedback = NOT is_chargedback WHERE connection_id = $1 AND transaction_id = $2', flipped.transactionId);
    await sql('UPDATE money_events SET amount_cents = amount_cents + 7 WHERE connection_id = $1 AND event_id = $2', `sale:${repriced.transactionId}`);
    // A second booking of one sale under another id: what a sync that re-derived events under new ids would leave.
    const cols = MONEY_EVENTS.columns.map((c) => c.name);
    await sql(
      `INSERT INTO money_events (${cols.join(', ')}) SELECT ${cols.map((c) => (c === 'event_id' ? "event_id || '#again'" : c)).join(', ')} FROM money_events WHERE connection_id = $1 AND event_id = $2`,
      `sale:${copied.transactionId}`,
    );
    await sql("UPDATE purchases SET status = 'CANCELLED' WHERE connection_id = $1 AND purchase_id = $2", purchase.purchaseId);
    await sql("UPDATE customer_facts SET first_sale_at = first_sale_at + INTERVAL '1 second' WHERE connection_id = $1 AND customer_id = $2", customer.customerId);

    const diffs = await compareToGroundTruth(store, connectionId, m);
    const expected = [
      new RegExp(`^transactions missing: transaction_id ${deleted.transactionId} is in the sandbox but not in the store`),
      new RegExp(`^transaction fields: transaction ${flipped.transactionId}: is_chargedback ${!flipped.isChargedback} in the store, ${flipped.isChargedback === 1} in the sandbox$`),
      new RegExp(`^ledger event: event sale:${repriced.transactionId}: amount ${repriced.amount + 7} cents in the store, ${repriced.amount} in the sandbox$`),
      new RegExp(`^ledger extra: event sale:${copied.transactionId}#again \\(${copied.amount} cents at `),
      new RegExp(`^ledger day sum: ${localDate(repriced.t, zone)}: `),
      new RegExp(`^ledger day sum: ${localDate(copied.t, zone)}: `),
      new RegExp(`^purchase status: purchase ${purchase.purchaseId}: status "CANCELLED" in the store, ${purchase.status} in the sandbox$`),
      new RegExp(`^customer facts first sale: customer ${customer.customerId}: `),
      // The ledger changed around the store: its pre-aggregates no longer add up to it (+7 cents, and a
      // sale booked twice: every measure that counts it, each checked through the ledger's measure table).
      /^aggregates: event_slots gross: /,
      /^aggregates: event_slots sales: /,
      new RegExp(`^aggregates: event_slots ${copied.cycle <= 1 ? 'initialApproved' : 'rebillApproved'}: `),
      /^aggregates: cohort_ages net: /,
    ];
    // By how much: the sale booked twice and the 7 cents.
    const gap = (name: string) => {
      const m = new RegExp(`^aggregates: ${name}: (-?\\d+) in the aggregates, (-?\\d+) in the ledger`).exec(diffs.find((d) => d.startsWith(`aggregates: ${name}:`)) ?? '');
      return Number(m?.[2]) - Number(m?.[1]);
    };
    expect([gap('event_slots gross'), gap('event_slots sales'), gap('cohort_ages net')]).toEqual([copied.amount + 7, 1, copied.amount + 7]);
    for (const re of expected) expect(diffs, String(re)).toContainEqual(expect.stringMatching(re));
    expect(diffs).toHaveLength(expected.length);
    expect(await compareToGroundTruth(store, connectionId, m, { pageSize: 37 })).toEqual(diffs);
  });

  it('lists the first 20 differences of a kind and counts the rest', async () => {
    const m = sb.merchant;
    const gone = m.customers.slice(0, 25).map((c) => c.customerId);
    await sql(`DELETE FROM customers WHERE connection_id = $1 AND customer_id IN (${gone.join(', ')})`);
    const missing = (await compareToGroundTruth(store, connectionId, m)).filter((d) => d.startsWith('customers missing:'));
    expect(missing).toHaveLength(21);
    expect(missing[0]).toBe(`customers missing: customer_id ${gone[0]} is in the sandbox but not in the store (a gap)`);
    expect(missing[20]).toBe('customers missing: 5 more not listed (25 in all)');
  });
});

describe('asConveyed: an instant as the CRM API conveys it', () => {
  it('is the instant itself, except in a fall-back hour, where the earlier of the two readings is taken', () => {
    const ny = 'America/New_York';
    const ordinary = Date.parse('2025-11-01T05:31:00Z');
    expect(asConveyed(ordinary, ny)).toBe(ordinary);
    // 01:31 EDT and 01:31 EST on 2025-11-02 both render as "2025-11-02 01:31:00".
    expect(asConveyed(Date.parse('2025-11-02T05:31:00Z'), ny)).toBe(Date.parse('2025-11-02T05:31:00Z'));
    expect(asConveyed(Date.parse('2025-11-02T06:31:00Z'), ny)).toBe(Date.parse('2025-11-02T05:31:00Z'));
  });
});
