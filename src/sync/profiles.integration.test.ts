/**
 * One merchant, two record shapes (docs/sandbox.md, "Profiles"): on the `real` profile transaction rows
 * carry no product or purchase (they come from the order's items and the purchase's transaction list,
 * docs/sync.md "Attribution"), a currency symbol only, and odd or unreadable values. Synced, every
 * transaction whose order or purchase was synced has its product and purchase, as the ground truth has
 * them, and retention's subscriptions, approvals, declines and cancellations per cycle (every currency
 * together) equal the `rich` profile's for the same merchant.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../crm/client.js';
import { retentionReport, type RetentionReport } from '../analytics/retention.js';
import { oddityOf, startSandbox, UNREADABLE_KINDS, type Sandbox } from '../sandbox/index.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { runSync } from './run.js';

const TODAY = '2025-09-30';
const MERCHANT = { seed: 'profiles-it', customers: 700, start: '2025-01-01', now: `${TODAY} 18:00:00` };

async function synced(engine: 'duckdb' | 'postgres', profile: 'rich' | 'real'): Promise<{ sb: Sandbox; store: Store; cid: string; dispose: () => Promise<void> }> {
  const sb = await startSandbox({ ...MERCHANT, profile });
  const { store, dispose } = await openTestStore(engine, `profiles-${profile}`);
  const c = await store.saveConnection({ name: profile, brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
  await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: TODAY, mode: { kind: 'backfill', from: MERCHANT.start, to: TODAY } });
  return { sb, store, cid: c.connectionId, dispose: async () => (await dispose(), await sb.close()) };
}

/**
 * Retention's counts per cycle over every currency of a store: initial subscriptions, approvals, declines
 * and cancellations. (Due and pending are not summed: each currency's report runs to its own last
 * attempted cycle; src/analytics/sandbox.integration.test.ts checks them per currency against the truth.)
 */
async function retentionCounts(store: Store, currencies: readonly string[], asOf: number) {
  const byCycle = new Map<number, number[]>();
  let initial = 0;
  for (const currency of currencies) {
    const r: RetentionReport = await retentionReport(store, { from: '2025-01-01', to: '2025-06-30', tz: 'America/New_York', currency, asOf });
    for (const row of r.rows) {
      initial += row.initialPurchases;
      for (const c of row.cycles) {
        const sum = byCycle.get(c.cycle) ?? [0, 0, 0];
        [c.approvals, c.declined, c.cancellations].forEach((v, i) => (sum[i] = (sum[i] ?? 0) + v));
        byCycle.set(c.cycle, sum);
      }
    }
  }
  return { initial, cycles: [...byCycle.entries()].sort(([a], [b]) => a - b) };
}

describe.each(['duckdb', 'postgres'] as const)('the real and the rich profile on %s', (engine) => {
  const open: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of open) await d();
  });

  it('resolve every transaction\'s product and purchase, and give the same retention', async () => {
    const rich = await synced(engine, 'rich');
    open.push(rich.dispose);
    const real = await synced(engine, 'real');
    open.push(real.dispose);
    const m = real.sb.merchant;

    // Every readable transaction's events carry the product and purchase of the ground truth.
    const truth = new Map(m.txns.filter((x) => !(UNREADABLE_KINDS as readonly string[]).includes(oddityOf(m, x) ?? '')).map((x) => [x.transactionId, x]));
    const events = await real.store.readRows('money_events', real.cid);
    expect(events.length).toBeGreaterThan(1000);
    const wrong: string[] = [];
    for (const e of events) {
      const x = truth.get(Number(e.transaction_id));
      if (!x) {
        wrong.push(`event ${String(e.event_id)}: no such readable transaction`);
        continue;
      }
      // A refund or void belongs to the sale it reverses: its subscription too (docs/sync.md, "Attribution").
      const product = (x.line ?? x.parent?.line ?? x.order.lines[0])?.cp.productId ?? null;
      const purchase = (x.purchase ?? x.parent?.purchase)?.purchaseId ?? null;
      if (e.product_id === null || Number(e.product_id) !== product) wrong.push(`txn ${x.transactionId}: product ${String(e.product_id)}, truth ${product}`);
      if ((e.purchase_id ?? null) !== purchase) wrong.push(`txn ${x.transactionId}: purchase ${String(e.purchase_id)}, truth ${purchase}`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    // An unreadable record is set aside with its reason and the rest of its page is stored: the run
    // completes, every readable transaction is in the store, and exactly the unreadable ones are in quarantine.
    const unreadable = m.txns.filter((x) => !truth.has(x.transactionId)).map((x) => String(x.transactionId)).sort();
    expect(unreadable.length).toBeGreaterThan(0);
    const held = (await real.store.quarantined(real.cid)).filter((q) => q.stream === 'transactions');
    expect(held.map((q) => q.recordKey).sort()).toEqual(unreadable);
    for (const q of held) expect(q.reason).toMatch(/\w+/);
    const stored = new Set((await real.store.readRows('transactions', real.cid)).map((t) => Number(t.transaction_id)));
    expect([...truth.keys()].filter((id) => !stored.has(id))).toEqual([]);
    expect((await real.store.readRows('sync_runs', real.cid)).map((r) => r.status)).toEqual(['ok']);
    const cov = await real.store.attributionCoverage(real.cid);
    expect([cov.withoutProduct, cov.rebillsWithoutPurchase]).toEqual([0, 0]);

    // Retention: the same subscriptions and cycles, the real profile's spread over currencies.
    const currencies = [...new Set(m.campaigns.map((c) => c.currency.code))];
    expect(currencies.length).toBeGreaterThan(1);
    const a = await retentionCounts(rich.store, ['USD'], m.now);
    const b = await retentionCounts(real.store, currencies, m.now);
    expect(a.initial).toBeGreaterThan(100);
    // Subscriptions whose initial sale the CRM serves unreadable are in no report of the real store.
    const lost = [...truth.values()].length === m.txns.length ? 0 : m.txns.filter((x) => !truth.has(x.transactionId) && x.cycle === 1 && x.purchase && x.response === 'SUCCESS').length;
    if (lost === 0) expect(b).toEqual(a);
    else expect(Math.abs(b.initial - a.initial)).toBeLessThanOrEqual(lost);
  });
});
