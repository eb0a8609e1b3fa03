/**
 * A backfill's end-of-run refresh (facts.ts refreshDirty, the connection behind) gives PostgreSQL the statistics
 * of the ledger and the customers it just wrote before it computes every customer's facts from them. Autovacuum
 * analyzes new tables only some time after they fill: planned on the empty tables' statistics, the facts'
 * insert of a 10,000-customer sandbox took 100 s instead of 1 s (docs/store.md, "Statistics after a backfill").
 * Autovacuum is turned off on the test's tables, so only the refresh itself can have analyzed them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openTestStore } from '../../test/stores.js';
import { syncSandbox } from '../../test/sandbox-sync.js';
import type { Store } from './store.js';

describe('PostgreSQL: statistics of the backfilled tables before the facts are computed', () => {
  let sb: Sandbox;
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    sb = await startSandbox({ seed: 'stats', customers: 200, start: '2025-01-01', now: '2025-03-31 18:00:00', port: 0 });
    ({ store, dispose } = await openTestStore('postgres', 'stats'));
  });
  afterAll(async () => {
    await dispose?.();
    await sb?.close();
  });

  it('money_events and customers are analyzed by the backfill itself, and the facts are complete', async () => {
    const [{ schema }] = (await store.query('SELECT current_schema() AS schema')) as [{ schema: string }];
    for (const t of await store.query('SELECT tablename FROM pg_tables WHERE schemaname = $1', [schema])) {
      await store.query(`ALTER TABLE ${String(t.tablename)} SET (autovacuum_enabled = false)`);
    }
    const analyzed = async () =>
      Object.fromEntries(
        (await store.query(`SELECT relname, last_analyze IS NOT NULL AS done FROM pg_stat_user_tables WHERE schemaname = $1 AND relname IN ('money_events', 'customers')`, [schema])).map((r) => [String(r.relname), r.done === true]),
      );
    expect(await analyzed()).toEqual({ money_events: false, customers: false });
    await syncSandbox(store, sb, { name: 'stats', from: '2025-01-01', today: '2025-03-31' });
    expect(await analyzed()).toEqual({ money_events: true, customers: true });
    // The planner now knows the ledger's size (an empty table's estimate would be a handful of rows).
    const [plan] = await store.query(`SELECT reltuples FROM pg_class WHERE oid = to_regclass($1)`, [`${schema}.money_events`]);
    const [events] = await store.query('SELECT COUNT(*) AS n FROM money_events');
    expect(Number(plan?.reltuples)).toBe(Number(events?.n));
    // Every customer with a sale has facts (computed after the statistics, in the same refresh).
    const [withSale] = await store.query(`SELECT COUNT(DISTINCT customer_id) AS n FROM money_events WHERE kind = 'sale'`);
    const [facts] = await store.query('SELECT COUNT(*) AS n FROM customer_facts');
    expect(Number(facts?.n)).toBeGreaterThan(0);
    expect(Number(facts?.n)).toBe(Number(withSale?.n));
  });
});
