/**
 * customer_ages (store/customer-ages.ts, migration 33), on both engines: kept at write time equal to a
 * rebuild, which equals migration 33's fill, as first sales are written, re-dated, replaced by an earlier
 * sale in another currency, deleted with every event of their customer, and written with the facts
 * deferred; and cohort LTV by a breakdown on ranges that split a month's core (the edges read from it)
 * equal to the ledger's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoneyEvent } from '../ledger/index.js';
import { cohortReport, type CohortQuery } from '../analytics/cohorts.js';
import { MIGRATIONS } from './migrations/index.js';
import type { Store } from './store.js';
import { openTestStore } from '../../test/stores.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe.each(['duckdb', 'postgres'] as const)('customer_ages kept at write time on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let cid: string;
  let txn = 0;
  const write = (list: MoneyEvent[], txns = list.map((e) => e.transaction_id), opts?: { deferFacts?: boolean }) =>
    store.writePages([{ connectionId: cid, table: 'transactions', rows: [], ledger: { transactionIds: [...new Set(txns)], events: list } }], opts);
  const sale = (customer: number, at: number, o: Partial<MoneyEvent> = {}): MoneyEvent => {
    txn += 1;
    return {
      event_id: `sale:${txn}`, kind: 'sale', transaction_id: txn, instant: at, amount_cents: 1000 + customer * 7, customer_id: customer, order_id: `O${customer}-${txn}`, purchase_id: null,
      campaign_id: 1 + (customer % 3), product_id: 10 + (customer % 2), aff_id: customer % 4 === 0 ? null : `A${customer % 3}`, source_value1: null, merchant_id: 500 + (customer % 2),
      billing_cycle: 1, is_initial: true, currency: customer % 5 === 0 ? 'EUR' : 'USD', coupon_code: null, attribution: null, ...o,
    };
  };
  const events: MoneyEvent[] = [];
  const rows = async () => (await store.readRows('customer_ages', cid)).map((r) => ({ ...r, customer_id: Number(r.customer_id), first_sale_at: Number(r.first_sale_at), net_cents: Number(r.net_cents) }));

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'customer-ages'));
    cid = (await store.saveConnection({ name: 'ages', brand: 'konnektive', baseUrl: 'http://127.0.0.1:9', loginId: 'x', password: 'x', accountName: 'h', accountUsername: 'o', timezone: 'UTC', frequency: 'daily' })).connectionId;
    // Customers first sold across March to May 2025 (some in the bands around a month start), with a rebill,
    // a refund (every other one dated before the first sale), a decline and a sale in another currency.
    for (let c = 1; c <= 30; c++) {
      const first = sale(c, Date.UTC(2025, 2, 1) + c * 2 * DAY + (c % 4) * 7 * HOUR - (c % 6 === 0 ? 2 * DAY + 13 * HOUR : 0));
      const rebill = sale(c, first.instant + (20 + c) * DAY + 3 * HOUR, { billing_cycle: 2, is_initial: false });
      txn += 1;
      const refund: MoneyEvent = { ...first, event_id: `refund:${txn}`, kind: 'refund', transaction_id: txn, instant: first.instant + (c % 2 === 0 ? 2 * DAY : -3 * DAY), amount_cents: -300 };
      txn += 1;
      const decline: MoneyEvent = { ...rebill, event_id: `decline:${txn}`, kind: 'decline', transaction_id: txn, instant: rebill.instant - DAY };
      const other = sale(c, first.instant + 5 * DAY, { currency: first.currency === 'USD' ? 'GBP' : 'USD' });
      events.push(first, rebill, refund, decline, other);
    }
    for (let i = 0; i < events.length; i += 17) await write(events.slice(i, i + 17));
  });
  afterAll(async () => dispose?.());

  const check = async (label: string) => {
    const kept = await rows();
    expect(kept.length, label).toBeGreaterThan(30);
    await store.rebuildAggregates(cid);
    expect(await rows(), `${label}: kept = rebuilt`).toEqual(kept);
    const m33 = MIGRATIONS.find((m) => m.version === 33)!;
    await store.query('DELETE FROM customer_ages');
    for (const sql of m33[engine].filter((x) => x.startsWith('INSERT'))) await store.query(sql);
    expect(await rows(), `${label}: kept = migration 33's fill`).toEqual(kept);
    // Cohort LTV by a breakdown on ranges splitting a month's core at both ends: the edges from customer_ages.
    for (const currency of ['USD', 'EUR']) {
      for (const [from, to] of [['2025-03-05', '2025-05-20'], ['2025-03-17', '2025-04-09'], ['2025-02-20', '2025-03-31']] as const) {
        for (const groupBy of ['campaign', 'mid', 'connection'] as const) {
          const q: CohortQuery = { currency, from, to, tz: 'America/New_York', by: 'month', groupBy, horizons: [1, 3, 30, 61], asOf: Date.UTC(2025, 7, 1) };
          expect(await cohortReport(store, q, { source: 'groups' }), `${label}: ${groupBy} ${currency} ${from}..${to}`).toEqual(await cohortReport(store, q, { source: 'ledger' }));
        }
      }
    }
  };

  it('equals a rebuild and migration 33 as written', async () => {
    await check('written');
  });

  it('follows first sales re-dated, replaced by an earlier sale, in another currency, customers gone and new, deferred or not', async () => {
    const firsts = events.filter((e) => e.kind === 'sale' && e.billing_cycle === 1 && e.is_initial && events.indexOf(e) % 5 === 0);
    // Re-dated a week earlier (every age of the customer moves); an earlier sale becomes the first; one in
    // another currency becomes the first (the customer's currency changes: their other events drop out).
    const redated = { ...firsts[3]!, instant: firsts[3]!.instant - 7 * DAY };
    const earlier = sale(firsts[7]!.customer_id!, firsts[7]!.instant - 30 * HOUR);
    const currency = sale(firsts[9]!.customer_id!, firsts[9]!.instant - 2 * DAY, { currency: 'GBP' });
    await write([redated, earlier, currency]);
    // A customer's first sale deleted (their rebill becomes their first), another customer's every event.
    const all = events.filter((e) => e.customer_id === firsts[12]!.customer_id);
    await write([], [firsts[11]!.transaction_id, ...all.map((e) => e.transaction_id)]);
    await check('changed');
    // The same kinds of change with the facts deferred to the refresh, and a new customer.
    await write([{ ...firsts[14]!, instant: firsts[14]!.instant + 40 * DAY }, sale(900, Date.UTC(2025, 3, 30, 12, 15)), sale(firsts[15]!.customer_id!, firsts[15]!.instant + 3 * HOUR, { amount_cents: 77 })], undefined, { deferFacts: true });
    await store.refreshDirtyFacts(cid);
    await check('deferred');
  });
});
