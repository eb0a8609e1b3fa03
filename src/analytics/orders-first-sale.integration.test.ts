/**
 * The orders figure at the edge of its window, on both engines (MEASURES.orders; docs/metrics.md
 * "Orders"): an order counts once, in the period of its first sale of the group, among the sales the
 * filter keeps. The store answers most orders from each order's kept first sale (order_first_sales) and
 * checks the rest against their earlier sales; every figure here is compared with the rule computed in
 * the test from the ledger's rows alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MoneyEvent } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { groupFromId, type Dimension, type Filter } from './dimensions.js';
import { readTotals } from './totals.js';

const DAY = 86_400_000;
const at = (d: number, h = 12) => Date.UTC(2025, 0, d, h);
// The window: [Jan 10, Jan 20) UTC, in two buckets split at Jan 15.
const START = at(10, 0);
const SPLIT = at(15, 0);
const END = at(20, 0);

let txn = 0;
function ev(order: string, day: number, campaign: number, mid: number, kind: MoneyEvent['kind'] = 'sale', currency = 'USD'): MoneyEvent {
  txn += 1;
  return {
    event_id: `${kind}:${txn}`, kind, transaction_id: txn, instant: at(day), amount_cents: kind === 'sale' ? 1000 : -1000, customer_id: txn, order_id: order,
    purchase_id: null, campaign_id: campaign, product_id: 1, aff_id: null, source_value1: null, merchant_id: mid, billing_cycle: 1, is_initial: true,
    currency, coupon_code: null, attribution: null,
  };
}

/** The rule from the ledger's rows: per bucket and group value, the orders whose first kept sale of the group falls in the window. */
function oracle(rows: readonly Record<string, unknown>[], groupBy: 'campaign' | null, mids: number[] | null): Map<string, number> {
  const first = new Map<string, { ms: number; group: string }>();
  for (const r of rows) {
    if (r.kind !== 'sale' || r.order_id === null || r.currency !== 'USD') continue;
    if (mids !== null && !mids.includes(Number(r.merchant_id))) continue;
    const group = groupBy ? String(r.campaign_id) : '-';
    const k = `${String(r.order_id)}|${group}`;
    const ms = Number(r.instant);
    if (ms < (first.get(k)?.ms ?? Infinity)) first.set(k, { ms, group });
  }
  const out = new Map<string, number>();
  for (const { ms, group } of first.values()) {
    if (ms < START || ms >= END) continue;
    const k = `${ms >= SPLIT ? 'b' : 'a'}|${group}`;
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

async function report(store: Store, groupBy: Dimension | null, filters: Filter[]): Promise<Map<string, number>> {
  const totals = await readTotals(store, {
    basis: 'event', currency: 'USD', startMs: START, endMs: END, filters, groupBy,
    bucket: (expr, p) => `CASE WHEN ${expr} >= ${store.sql.instantParam(p.add, SPLIT)} THEN 'b' ELSE 'a' END`,
  });
  const out = new Map<string, number>();
  for (const [bucket, groups] of totals) {
    for (const [id, t] of groups) if (t.orders !== 0) out.set(`${bucket}|${groupBy ? String(groupFromId(id).value) : '-'}`, t.orders);
  }
  return out;
}

describe.each(['duckdb', 'postgres'] as const)('the orders figure at the window edge on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let cid: string;
  const write = (events: MoneyEvent[], opts = {}) =>
    store.writePages([{ connectionId: cid, table: 'transactions', rows: [], ledger: { transactionIds: events.map((e) => e.transaction_id), events } }], opts);
  const cases: [string, Dimension | null, Filter[], 'campaign' | null, number[] | null][] = [
    ['not grouped', null, [], null, null],
    ['by campaign', 'campaign', [], 'campaign', null],
    ['by campaign, MID 501 only', 'campaign', [{ dimension: 'mid', values: [501] }], 'campaign', [501]],
    ['not grouped, MID 501 only', null, [{ dimension: 'mid', values: [501] }], null, [501]],
  ];
  const expectRule = async (label: string) => {
    const ledger = await store.readRows('money_events', cid);
    for (const [name, groupBy, filters, g, mids] of cases) expect(await report(store, groupBy, filters), `${label}: ${name}`).toEqual(oracle(ledger, g, mids));
  };

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'orders-edge'));
    cid = (await store.saveConnection({ name: 'edge', brand: 'konnektive', baseUrl: 'http://127.0.0.1:9', loginId: 'x', password: 'x', accountName: 'Edge', accountUsername: 'o', timezone: 'UTC', frequency: 'daily' })).connectionId;
    await write([
      // Began before the window, same campaign and MID: never counted in the window.
      ev('O1', 5, 1, 501), ev('O1', 12, 1, 501),
      // Began before in campaign 1, a later sale of campaign 2: counted in campaign 2 (its first of that group).
      ev('O2', 5, 1, 501), ev('O2', 12, 2, 501),
      // Began before on MID 502: with the MID 501 filter the earlier sale is not kept, and the order counts.
      ev('O3', 5, 1, 502), ev('O3', 16, 1, 501),
      // Began in the window: counted once, in its first sale's bucket (Jan 12), not again on Jan 16.
      ev('O4', 12, 1, 501), ev('O4', 16, 1, 501),
      // A refund before the window is no sale: the order began on Jan 13.
      ev('O5', 5, 1, 501, 'refund'), ev('O5', 13, 1, 501),
      // A sale before the window in another currency is not of the report's currency.
      ev('O6', 5, 1, 501, 'sale', 'EUR'), ev('O6', 13, 1, 501),
      // Began just before the window's first instant.
      { ...ev('O7', 9, 1, 501), instant: START - 1 }, { ...ev('O7', 10, 1, 501), instant: START },
      // Began on the window's first instant.
      { ...ev('O8', 10, 2, 501), instant: START }, ev('O8', 17, 2, 501),
      // Sales after the window only, and a sale without an order.
      ev('O9', 21, 1, 501), { ...ev('O10', 12, 1, 501), order_id: null },
    ]);
  });
  afterAll(async () => dispose());

  it('counts an order at its first sale of the group among the kept sales, on the window and before it', async () => {
    await expectRule('written');
    // Spot checks of the oracle itself on the grouped, filtered case: campaign 2 holds O2 (Jan 12) and O8 (Jan 10);
    // campaign 1 holds O4 O5 O6 in the first half, O3 in the second; O1 and O7 began before.
    expect(oracle(await store.readRows('money_events', cid), 'campaign', [501])).toEqual(new Map([['a|2', 2], ['a|1', 3], ['b|1', 1]]));
  });

  it('follows an order whose first sale moves before the window, and back into it', async () => {
    // O4 gains a sale on Jan 3 (kept at write time): it began before the window now.
    const early = ev('O4', 3, 1, 501);
    await write([early]);
    await expectRule('O4 moved before the window');
    // The early sale re-dated into the window (the same transaction, replaced): O4 begins in the window again.
    await write([{ ...early, instant: at(11) }]);
    await expectRule('O4 back in the window');
  });

  it('does not trust the kept first sales while a backfill has left them behind (rebuild pending)', async () => {
    // A backfill's write gives O8 a sale before the window without keeping the table.
    await write([ev('O8', 2, 2, 501)], { deferRebuild: true });
    expect(await store.countRows('rebuild_pending', cid)).toBe(1);
    await expectRule('rebuild pending');
    await store.refreshDirtyFacts(cid);
    expect(await store.countRows('rebuild_pending', cid)).toBe(0);
    await expectRule('rebuilt');
  });
});
