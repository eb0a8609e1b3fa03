/**
 * Retention from its counts kept per day (store/retention-days.ts) against the ledger's statement and the
 * subscription tables': a sandbox merchant backfilled, its CRM clock advanced and synced again (new
 * rebills, declines, refunds, purchases whose status and next bill date changed), on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../crm/client.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Connection, Store } from '../store/store.js';
import { runSync } from '../sync/run.js';
import { retentionReport, type RetentionQuery } from './retention.js';
import { openTestStore } from '../../test/stores.js';
import { MIGRATIONS } from '../store/migrations/index.js';

const OPTS = { seed: 'retention-days-it', customers: 300, start: '2025-01-01', now: '2025-05-15 18:00:00', profile: 'rich' } as const;

describe.each(['duckdb', 'postgres'] as const)('retention from its kept counts, on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let sb: Sandbox;
  let conn: Connection;
  /** The statements of the last reports (to see which tables they read). */
  const seen: string[] = [];
  beforeAll(async () => {
    sb = await startSandbox(OPTS);
    ({ store, dispose } = await openTestStore(engine, 'retention-days'));
    conn = await store.saveConnection({ name: 'sb', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
    const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
    const base = { store, source: client, connectionId: conn.connectionId, timezone: sb.timezone, concurrency: 8 };
    await runSync({ ...base, today: '2025-05-15', mode: { kind: 'backfill', from: OPTS.start, to: '2025-05-15' } });
    await sb.advanceDays(45);
    await runSync({ ...base, today: '2025-06-29', mode: { kind: 'incremental' } });
    const query = store.query.bind(store);
    store.query = (sql, params, opts) => {
      seen.push(sql);
      return query(sql, params, opts);
    };
  }, 120_000);
  afterAll(async () => {
    await dispose?.();
    await sb?.close();
  });

  /** The report from the counts (when they answer), from the subscription tables and from the ledger, and whether the counts answered. */
  async function threeWays(q: RetentionQuery) {
    seen.length = 0;
    const days = await retentionReport(store, q);
    const fromDays = seen.some((s) => /^\s*WITH cx0[^]*FROM retention_(days|groups) r\s+WHERE r\.part = 'kind'/.test(s));
    const fromGroups = seen.some((s) => /^\s*WITH cx0[^]*FROM retention_groups r\s+WHERE r\.part = 'kind'/.test(s));
    const tables = await retentionReport(store, q, { days: false });
    const ledger = await retentionReport(store, q, { source: 'ledger' });
    return { days, tables, ledger, fromDays, fromGroups };
  }

  it('has subscriptions worth comparing: rebills, declines, saves, refunds, cancellations, pending cycles', async () => {
    const { days } = await threeWays({ from: '2025-01-01', to: '2025-06-28', tz: sb.timezone, currency: 'USD', asOf: sb.merchant.now });
    const cycles = days.rows[0]!.cycles;
    expect(days.rows[0]!.initialPurchases).toBeGreaterThan(50);
    expect(cycles.some((c) => c.cycle >= 3 && c.approvals > 0)).toBe(true);
    expect(cycles.some((c) => c.softDeclined > 0) && cycles.some((c) => c.recycleSaved > 0) && cycles.some((c) => c.refunds > 0)).toBe(true);
    expect(cycles.some((c) => c.cancellations > 0) && cycles.some((c) => !c.complete)).toBe(true);
  });

  it("equals the ledger's and the subscription tables' report in the account's zone, for ranges and as-ofs, with a cycle filter", async () => {
    for (const [from, to, asOf] of [['2025-01-01', '2025-06-28', sb.merchant.now], ['2025-02-11', '2025-04-03', sb.merchant.now], ['2025-03-01', '2025-03-31', Date.parse('2025-05-20T12:00:00Z')]] as const) {
      for (const filters of [[], [{ dimension: 'cycle' as const, values: [2, 3] }]]) {
        const r = await threeWays({ from, to, tz: sb.timezone, currency: 'USD', asOf, filters });
        expect(r.fromDays, `${from}..${to}`).toBe(true);
        expect(r.days, `${from}..${to}`).toEqual(r.ledger);
        expect(r.days).toEqual(r.tables);
      }
    }
  });

  it('answers the breakdowns and filters its counts keep (by family: campaign, affiliate > sub-affiliate, MID, coupon; with the connection and the product) from them, as the ledger and the subscription tables do', async () => {
    const q = { from: '2025-01-01', to: '2025-06-28', tz: sb.timezone, currency: 'USD', asOf: sb.merchant.now };
    let none = 0;
    // A product the subscriptions have.
    const product = Number((await retentionReport(store, { ...q, groupBy: 'product' })).rows[0]!.group!.value);
    for (const shape of [
      { groupBy: 'connection' as const },
      { groupBy: 'product' as const },
      { groupBy: 'campaign' as const },
      { groupBy: 'affiliate' as const },
      { groupBy: 'subaffiliate' as const },
      { groupBy: 'mid' as const },
      { groupBy: 'coupon' as const },
      { groupBy: 'affiliate' as const, subgroupBy: 'subaffiliate' as const },
      { groupBy: 'campaign' as const, subgroupBy: 'product' as const },
      { groupBy: 'product' as const, subgroupBy: 'mid' as const },
      { filters: [{ dimension: 'product' as const, values: [product] }] },
      { groupBy: 'mid' as const, filters: [{ dimension: 'cycle' as const, values: [2] }] },
      { groupBy: 'affiliate' as const, filters: [{ dimension: 'subaffiliate' as const, values: ['mb-fb-01', 'cd-search', 'inf-jenna'] }] },
    ]) {
      const label = JSON.stringify(shape);
      const r = await threeWays({ ...q, ...shape });
      expect(r.fromDays, label).toBe(true);
      // The connection and the product are retention_days' own columns; the others a family's.
      const own = [shape.groupBy, (shape as { subgroupBy?: string }).subgroupBy, ...(shape.filters ?? []).map((f) => f.dimension)].every((d) => d === undefined || d === 'connection' || d === 'product' || d === 'cycle');
      expect(r.fromGroups, label).toBe(!own);
      expect(r.days, label).toEqual(r.ledger);
      expect(r.days, label).toEqual(r.tables);
      // Several groups where the sandbox has several values (it gives subscriptions no coupon), each with subscriptions.
      if (shape.groupBy && !['connection', 'product', 'coupon'].includes(shape.groupBy)) expect(r.days.rows.length, label).toBeGreaterThan(1);
      expect(r.days.rows.every((x) => x.initialPurchases > 0), label).toBe(true);
      none += r.days.rows.filter((x) => x.group?.value === null).length;
    }
    // Worth comparing: subscriptions without a value of a breakdown (the "(none)" group) among them.
    expect(none).toBeGreaterThan(0);
  });

  it('reads the subscription tables for a breakdown no family keeps (campaign within MID, a MID filter on campaigns) or another zone (15 hours away), with the same figures as the ledger', async () => {
    const q = { from: '2025-01-01', to: '2025-06-28', currency: 'USD', asOf: sb.merchant.now };
    for (const shape of [
      { tz: sb.timezone, groupBy: 'mid' as const, subgroupBy: 'campaign' as const },
      { tz: sb.timezone, groupBy: 'campaign' as const, filters: [{ dimension: 'mid' as const, values: [1] }] },
      { tz: 'Australia/Brisbane' },
      { tz: 'Pacific/Honolulu', groupBy: 'campaign' as const },
    ]) {
      const r = await threeWays({ ...q, ...shape });
      expect(r.fromDays, JSON.stringify(shape)).toBe(false);
      expect(r.days, JSON.stringify(shape)).toEqual(r.ledger);
    }
  });

  it('keeps the counts by family as the sums of retention_days, refreshed by the incremental sync as a rebuild makes them, each row with its key\'s hash, and migrations 29 and 31 fill the same rows', async () => {
    const num = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? Number(v) : v])));
    const keys = 'connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome';
    const counts = 'cnt, soft, recycling, lost, saved_soft, refunds, refund_cents, chargebacks, cb_cents, sales, sales_cents, reversed_cents';
    const all = `${keys}, family, campaign_id, aff_id, source_value1, merchant_id, coupon_code`;
    const groups = async () => num(await store.query(`SELECT ${all}, ${counts} FROM retention_groups ORDER BY ${all.split(', ').map((c) => `${c} NULLS FIRST`).join(', ')}`));
    const refreshed = await groups();
    const plain = num(await store.query(`SELECT ${keys}, ${counts} FROM retention_days ORDER BY ${keys.split(', ').map((c) => `${c} NULLS FIRST`).join(', ')}`));
    expect(new Set(refreshed.map((r) => r.family))).toEqual(new Set(['campaign', 'affiliate', 'mid', 'coupon']));
    // Each family's rows, summed over its values, are retention_days' rows.
    for (const family of ['campaign', 'affiliate', 'mid', 'coupon']) {
      const summed = num(await store.query(
        `SELECT ${keys}, ${counts.split(', ').map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM retention_groups WHERE family = $1 GROUP BY ${keys} HAVING SUM(cnt) <> 0
         ORDER BY ${keys.split(', ').map((c) => `${c} NULLS FIRST`).join(', ')}`,
        [family],
      ));
      expect(summed, family).toEqual(plain);
    }
    // Only the family's own columns are set.
    const [stray] = await store.query(`SELECT COUNT(*) AS n FROM retention_groups WHERE (family <> 'campaign' AND campaign_id IS NOT NULL) OR (family <> 'affiliate' AND (aff_id IS NOT NULL OR source_value1 IS NOT NULL))
      OR (family <> 'mid' AND merchant_id IS NOT NULL) OR (family <> 'coupon' AND coupon_code IS NOT NULL)`);
    expect(Number(stray!.n)).toBe(0);
    expect(refreshed.filter((r) => r.family === 'affiliate' && r.source_value1 !== null).length).toBeGreaterThan(0);
    // Every row of both tables carries its key's hash (kh: the refresh's merge finds rows by it, and a row
    // without it would never be merged again), and the hash tells the keys apart.
    const hashed = async () => Promise.all(([['retention_days', keys], ['retention_groups', all]] as const).map(async ([t, k]) => {
      const [r] = await store.query(`SELECT COUNT(*) AS n, COUNT(DISTINCT kh) AS kinds, SUM(CASE WHEN kh IS NULL OR kh <> ${store.sql.keyHash(k.split(', '))} THEN 1 ELSE 0 END) AS stale FROM ${t}`);
      return { table: t, stale: Number(r!.stale), distinct: Number(r!.kinds) === Number(r!.n) };
    }));
    const whole = [{ table: 'retention_days', stale: 0, distinct: true }, { table: 'retention_groups', stale: 0, distinct: true }];
    expect(await hashed()).toEqual(whole);
    // The refresh (after the backfill, the incremental sync) left what a rebuild makes.
    await store.rebuildAggregates(conn.connectionId);
    expect(await groups()).toEqual(refreshed);
    expect(await hashed()).toEqual(whole);
    // The migrations' fill: 29's rows, then 31's hashes.
    const m29 = MIGRATIONS.find((m) => m.version === 29)!;
    await store.query('DELETE FROM retention_groups WHERE TRUE');
    for (const sql of m29[engine].filter((x) => /^(INSERT|DELETE)/.test(x))) await store.query(sql);
    expect(await groups()).toEqual(refreshed);
    await store.query('UPDATE retention_days SET kh = NULL');
    for (const sql of MIGRATIONS.find((m) => m.version === 31)![engine].filter((x) => x.startsWith('UPDATE'))) await store.query(sql);
    expect(await hashed()).toEqual(whole);
  });

  it("keeps each rebill cycle's money by start day as the subscription tables have it, refreshed by the incremental sync, and migration 28 fills the same rows", async () => {
    // The part as kept (after the backfill and the incremental sync's refresh), beside a plain grouping of
    // subscription_cycles by the start's day in the connection's zone.
    const kept = async () => (await store.query(
      `SELECT connection_id, zone, currency, day, product_id, cycle, cnt, sales, sales_cents, reversed_cents FROM retention_days WHERE part = 'rebill'
       ORDER BY connection_id, currency, day, product_id, cycle`,
    )).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? Number(v) : v])));
    const rows = await kept();
    const day = engine === 'duckdb' ? "CAST(CAST(timezone(c.timezone, timezone('UTC', a.started_at)) AS DATE) - DATE '1970-01-01' AS INTEGER)" : "CAST(CAST((a.started_at AT TIME ZONE c.timezone) AS DATE) - DATE '1970-01-01' AS INTEGER)";
    const truth = (await store.query(
      `SELECT a.connection_id, c.timezone AS zone, a.currency, ${day} AS day, a.product_id, a.cycle, COUNT(*) AS cnt, SUM(a.sales) AS sales, SUM(a.sales_cents) AS sales_cents, SUM(a.reversed_cents) AS reversed_cents
       FROM subscription_cycles a JOIN connections c ON c.connection_id = a.connection_id
       WHERE a.cycle >= 2 AND (a.sales <> 0 OR a.sales_cents <> 0 OR a.reversed_cents <> 0)
       GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 3, 4, 5, 6`,
    )).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' || (typeof v === 'string' && /^-?\d+$/.test(v)) ? Number(v) : v])));
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.some((r) => Number(r.reversed_cents) !== 0)).toBe(true);
    expect(rows).toEqual(truth);
    // The other parts carry 0 in these counts.
    const [other] = await store.query(`SELECT COUNT(*) AS n FROM retention_days WHERE part <> 'rebill' AND (sales <> 0 OR sales_cents <> 0 OR reversed_cents <> 0)`);
    expect(Number(other!.n)).toBe(0);
    const m28 = MIGRATIONS.find((m) => m.version === 28)!;
    await store.query(`DELETE FROM retention_days WHERE part = 'rebill'`);
    for (const sql of m28[engine].filter((x) => x.startsWith('INSERT'))) await store.query(sql);
    expect(await kept()).toEqual(rows);
  });

  it("does not read counts made in another zone than the connection's: after a change of its timezone, the subscription tables until a rebuild", async () => {
    const q = { from: '2025-01-01', to: '2025-06-28', currency: 'USD', asOf: sb.merchant.now };
    const other = sb.timezone === 'Asia/Tokyo' ? 'America/Chicago' : 'Asia/Tokyo';
    try {
      await store.updateConnection(conn.name, { timezone: other });
      // The viewer in the connection's new zone: the counts' days are the old zone's.
      const r = await threeWays({ ...q, tz: other });
      expect(r.fromDays).toBe(false);
      expect(r.days).toEqual(r.ledger);
      // The rebuild counts them in the new zone: read again, and equal.
      await store.rebuildAggregates(conn.connectionId);
      const again = await threeWays({ ...q, tz: other });
      expect(again.fromDays).toBe(true);
      expect(again.days).toEqual(again.ledger);
    } finally {
      await store.updateConnection(conn.name, { timezone: sb.timezone });
      await store.rebuildAggregates(conn.connectionId);
    }
  });
});
