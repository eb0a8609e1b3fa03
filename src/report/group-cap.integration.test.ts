/**
 * Breakdowns with many values (docs/metrics.md, "Breakdowns with many values"), on both engines: a sandbox
 * merchant whose two largest affiliates pass a click id per customer as the sub-affiliate. A report by
 * sub-affiliate lists its first `limit` values by rank and pools the rest in one row, last.
 * Each listed group equals the same group of the uncapped report (the analytics run without the cap), and the
 * pooled row equals the sum of the uncapped report's other groups, figure by figure: summary, series,
 * cohorts, retention (by sub-affiliate, and affiliate > sub-affiliate), forecast.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rankGroups } from '../analytics/group-rank.js';
import { cohortReport, forecastReport, groupId, retentionReport, seriesReport, summaryReport, type Group, type RetentionRow } from '../analytics/index.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { ConnectionSummary, Store } from '../store/store.js';
import { syncSandbox } from '../../test/sandbox-sync.js';
import { openTestStore } from '../../test/stores.js';
import type { GroupJson, ReportJson } from './json.js';
import { parseReportQuery, type ReportName } from './query.js';
import { gridToCsv, retentionGrid, summaryGrid } from './grid.js';
import { runReport } from './run.js';

const RANGE = { from: '2025-01-01', to: '2025-04-30', tz: 'America/New_York' };
const OPTS = { seed: 'clicks', customers: 260, start: '2025-01-01', now: '2025-05-05 12:00:00', profile: 'rich', clickIds: true } as const;
const LIMIT = 6;

describe.each(['duckdb', 'postgres'] as const)('a breakdown with a value per customer, capped, on %s', (engine) => {
  let sb: Sandbox | undefined;
  let store: Store;
  let dispose: () => Promise<void>;
  let connections: ConnectionSummary[];

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'groupcap'));
    sb = await startSandbox(OPTS);
    await syncSandbox(store, sb, { name: 'clicks', from: OPTS.start, today: OPTS.now.slice(0, 10) });
    connections = await store.listConnections();
  }, 180_000);
  afterAll(async () => {
    await dispose();
    await sb?.close();
  });

  const parsed = (name: ReportName, params: Record<string, string | string[]>) => parseReportQuery(name, { ...RANGE, ...params }, { surface: 'api', connections, defaultTz: 'UTC' });
  const report = async <N extends ReportName>(name: N, params: Record<string, string | string[]>): Promise<ReportJson[N]> => (await runReport(store, parsed(name, params))).body as ReportJson[N];
  /** A JSON group's analytics key (the pooled row has none). */
  const keyOf = (g: GroupJson) => {
    const c = connections.find((x) => x.name === g.connection);
    return groupId({ connectionId: c?.connectionId ?? null, value: g.id });
  };
  const gid = (g: Group | null) => (g ? groupId(g) : '');
  /** The uncapped groups' values not among the listed ones. */
  const others = <T extends { group: Group | null }>(rows: readonly T[], listed: readonly GroupJson[]) => {
    const keys = new Set(listed.filter((g) => g.rest === undefined).map(keyOf));
    return rows.filter((r) => !keys.has(gid(r.group)));
  };
  const sum = <T>(rows: readonly T[], f: (r: T) => number) => rows.reduce((a, r) => a + f(r), 0);

  it('the sandbox variant gives the sub-affiliate a value per click-id customer, more than a report lists', () => {
    const subs = new Set((sb?.merchant.customers ?? []).map((c) => c.sourceValue1));
    expect(subs.size).toBeGreaterThan(60);
    expect([...subs].filter((s) => s?.startsWith('clk_')).length).toBeGreaterThan(50);
    expect([...subs].every((s) => s === null || s.length <= 30)).toBe(true);
  });

  it('summary: the listed groups are the uncapped ones, the pooled row the sum of the others, last', async () => {
    const body = await report('summary', { groupBy: 'subaffiliate', limit: String(LIMIT) });
    const q = parsed('summary', { groupBy: 'subaffiliate' }).q;
    const full = await summaryReport(store, q);
    expect(full.rows.length).toBeGreaterThan(LIMIT + 20);
    expect(body.groups).toHaveLength(LIMIT + 1);
    const last = body.groups[LIMIT]!;
    // The (none) group (organic traffic) is among the listed: the missing value selected and excluded.
    expect(body.groups.slice(0, LIMIT).some((g) => g.id === null)).toBe(true);
    // The values with a money event or a first sale on the UTC days the range touches, but the listed ones;
    // sub-affiliates whose visitors were only declined among them (they acquired no customer).
    const at = (t: string) => (engine === 'duckdb' ? `TIMESTAMP '${t}'` : `TIMESTAMPTZ '${t}+00'`);
    const window = (col: string) => `${col} >= ${at('2025-01-01 00:00:00')} AND ${col} < ${at('2025-05-02 00:00:00')}`;
    const [active] = await store.query(`SELECT COUNT(*) AS n FROM (SELECT source_value1 AS v FROM money_events WHERE ${window('instant')}
      UNION SELECT first_source_value1 FROM customer_facts WHERE ${window('first_sale_at')}) x`);
    const [buyers] = await store.query(`SELECT COUNT(*) AS n FROM (SELECT DISTINCT first_source_value1 FROM customer_facts) x`);
    expect(last.rest).toBe(Number(active!.n) - LIMIT);
    expect(last.rest!).toBeGreaterThanOrEqual(full.rows.length - LIMIT);
    expect(Number(active!.n)).toBeGreaterThan(Number(buyers!.n));
    expect(last.name).toBe(`Other sub-affiliates (up to ${last.rest} more)`);
    const byKey = new Map(full.rows.map((r) => [gid(r.group), r]));
    for (const g of body.groups.slice(0, LIMIT)) {
      expect(g.rest).toBeUndefined();
      const r = byKey.get(keyOf(g))!;
      expect(g.figures.orders.current).toBe(r.figures.orders.current);
      expect(g.figures.newCustomers.current).toBe(r.figures.newCustomers.current);
      expect(Number(g.figures.netRevenue.current)).toBeCloseTo(r.figures.netRevenue.current / 100, 2);
    }
    const rest = others(full.rows, body.groups);
    expect(rest).toHaveLength(full.rows.length - LIMIT);
    for (const k of ['orders', 'newCustomers', 'saleCount', 'chargebackCount', 'rebillAttempts', 'rebillApproved'] as const) {
      expect(last.figures[k].current).toBe(sum(rest, (r) => r.figures[k].current));
    }
    for (const k of ['grossRevenue', 'refunds', 'netRevenue'] as const) {
      expect(Math.round(Number(last.figures[k].current) * 100)).toBe(sum(rest, (r) => r.figures[k].current));
    }
    // The listed and pooled rows together are the total.
    expect(sum(body.groups, (g) => g.figures.orders.current)).toBe(body.total.orders.current);
  });

  it('series: each period lists the same groups and a pooled row, equal to the sum of the others', async () => {
    const body = await report('series', { groupBy: 'subaffiliate', by: 'month', limit: String(LIMIT) });
    const full = await seriesReport(store, { ...parsed('series', { groupBy: 'subaffiliate', by: 'month' }).q, by: 'month' });
    for (const period of new Set(body.points.map((p) => p.period))) {
      const pts = body.points.filter((p) => p.period === period);
      expect(pts[pts.length - 1]!.rest).toBeGreaterThan(0);
      const rest = others(full.points.filter((p) => p.period === period), pts);
      expect(pts[pts.length - 1]!.orders).toBe(sum(rest, (p) => p.figures.orders));
    }
  });

  it('cohorts: the pooled row per cohort holds the other groups\' customers and money', async () => {
    const body = await report('cohorts', { groupBy: 'subaffiliate', limit: String(LIMIT) });
    const p = parsed('cohorts', { groupBy: 'subaffiliate' });
    const full = await cohortReport(store, { ...p.q, by: 'month', horizons: body.horizons, asOf: Date.now() });
    for (const cohort of new Set(body.cohorts.map((c) => c.cohort))) {
      const rows = body.cohorts.filter((c) => c.cohort === cohort);
      const last = rows[rows.length - 1]!;
      expect(last.rest).toBeGreaterThan(0);
      expect(rows.filter((r) => r.rest === undefined).length).toBeLessThanOrEqual(LIMIT);
      const rest = others(full.cohorts.filter((c) => c.cohort === cohort), rows);
      expect(last.customers).toBe(sum(rest, (c) => c.customers));
      expect(Math.round(Number(last.netToDate) * 100)).toBe(sum(rest, (c) => c.netToDate));
    }
  });

  const counts = (row: RetentionRow | undefined, cycle: number) => row?.cycles.find((c) => c.cycle === cycle);
  /**
   * The counts that add up over groups. Not `due` and `pending`: a scope's cycles are judged up to the
   * highest cycle attempted in it, so a small group's later cycles count none due where the pool, whose
   * highest cycle is later, counts them (the pooled row is the report of its rows, not a sum of groups).
   */
  const sameCounts = (json: ReportJson['retention']['rows'][number], rows: readonly RetentionRow[]) => {
    expect(json.initialPurchases).toBe(sum(rows, (r) => r.initialPurchases));
    for (const c of json.cycles) {
      for (const k of ['approvals', 'declined', 'softDeclined', 'hardDeclined', 'recycleSaved', 'cancellations', 'refunds', 'chargebacks'] as const) {
        expect([c.cycle, k, c[k]]).toEqual([c.cycle, k, sum(rows, (r) => counts(r, c.cycle)?.[k] ?? 0)]);
      }
    }
  };

  it('retention by sub-affiliate: the pooled row\'s counts per cycle are the sums of the others\'', async () => {
    const body = await report('retention', { groupBy: 'subaffiliate', limit: String(LIMIT) });
    const p = parsed('retention', { groupBy: 'subaffiliate' });
    const full = await retentionReport(store, { ...p.q, asOf: new Date(body.asOf).getTime(), subgroupBy: null });
    expect(body.rows).toHaveLength(LIMIT + 1);
    const byKey = new Map(full.rows.map((r) => [gid(r.group), r]));
    for (const g of body.rows.slice(0, LIMIT)) sameCounts(g, [byKey.get(keyOf(g))!]);
    sameCounts(body.rows[LIMIT]!, others(full.rows, body.rows));
  });

  it('retention by affiliate > sub-affiliate: whole affiliates, their listed sub-affiliates, and one row of the rest in each', async () => {
    const body = await report('retention', { groupBy: 'affiliate', subgroupBy: 'subaffiliate', limit: String(LIMIT) });
    const p = parsed('retention', { groupBy: 'affiliate', subgroupBy: 'subaffiliate' });
    const full = await retentionReport(store, { ...p.q, asOf: new Date(body.asOf).getTime(), subgroupBy: 'subaffiliate' });
    // The affiliates are few: all listed, each whole.
    expect(body.rows.map((r) => r.rest)).not.toContain(LIMIT);
    expect(body.rows).toHaveLength(full.rows.length);
    const byKey = new Map(full.rows.map((r) => [gid(r.group), r]));
    let pooled = 0;
    for (const row of body.rows) {
      const whole = byKey.get(keyOf(row))!;
      sameCounts(row, [whole]);
      const subs = row.subgroups ?? [];
      const listed = subs.filter((s) => s.rest === undefined);
      const subBy = new Map((whole.subgroups ?? []).map((s) => [gid(s.group), s]));
      for (const s of listed) sameCounts(s, [subBy.get(keyOf(s))!]);
      const rest = others(whole.subgroups ?? [], listed);
      const last = subs[subs.length - 1];
      if (rest.length === 0) expect(last?.rest).toBeUndefined();
      else {
        pooled++;
        expect(last?.rest).toBeGreaterThan(0);
        sameCounts(last!, rest);
      }
    }
    // The click-id affiliates' sub-affiliates are pooled.
    expect(pooled).toBeGreaterThanOrEqual(2);
  });

  it('forecast: the listed groups and one pooled group, fitted on the other groups\' subscriptions together', async () => {
    const body = await report('forecast', { groupBy: 'subaffiliate', limit: String(LIMIT) });
    const p = parsed('forecast', { groupBy: 'subaffiliate' });
    const full = await forecastReport(store, { ...p.q, asOf: new Date(body.asOf).getTime() });
    expect(body.groups).toHaveLength(LIMIT + 1);
    const last = body.groups[LIMIT]!;
    expect(last.rest!).toBeGreaterThanOrEqual(full.groups.length - LIMIT);
    const byKey = new Map(full.groups.map((g) => [gid(g.group), g]));
    for (const g of body.groups.slice(0, LIMIT)) expect(g.subscriptions).toBe(byKey.get(keyOf(g))!.subscriptions);
    const rest = others(full.groups, body.groups);
    expect(last.subscriptions).toBe(sum(rest, (g) => g.subscriptions));
    expect(sum(rest, (g) => g.subscriptions)).toBeGreaterThan(0);
    expect(last.fit).not.toBeNull();
  });

  it('ranks alike from breakdown_days and from the ledger (a filter on another dimension reads the ledger)', async () => {
    const q = { ...RANGE, zone: RANGE.tz, currency: 'USD' };
    // The kept tables are current: the unfiltered rank reads breakdown_days.
    expect(await store.aggregatesBehind()).toBe(false);
    for (const d of ['subaffiliate', 'affiliate', 'coupon'] as const) {
      const kept = await rankGroups(store, d, q, 12);
      // A filter naming every campaign selects every row and sends the rank to the ledger.
      const campaigns = (sb?.merchant.campaigns ?? []).map((c) => c.campaignId);
      const ledger = await rankGroups(store, d, { ...q, filters: [{ dimension: 'campaign', values: campaigns }] }, 12);
      expect(ledger).toEqual(kept);
    }
    const r = await rankGroups(store, 'subaffiliate', q, 12);
    expect(r.top).toHaveLength(12);
    expect(r.values).toBeGreaterThan(100);
  });

  it('while the kept tables are behind (a backfill\'s rebuild pending), runs the breakdown whole and caps it past the limit: the same groups, pooled rows and rank as when current', async () => {
    const summaryParams = { groupBy: 'subaffiliate', limit: String(LIMIT) };
    const retentionParams = { groupBy: 'affiliate', subgroupBy: 'subaffiliate', limit: String(LIMIT) };
    const q = { ...RANGE, zone: RANGE.tz, currency: 'USD' };
    // The statements a report sends: when current, the rank reads breakdown_days before the report runs.
    const sent: string[] = [];
    const spy = new Proxy(store, {
      get: (t, k) => (k === 'query' ? (sql: string, ...rest: unknown[]) => (sent.push(sql), (t.query as (...a: unknown[]) => unknown).call(t, sql, ...rest)) : Reflect.get(t, k, t)),
    });
    const spied = async (params: Record<string, string>) => {
      sent.length = 0;
      return (await runReport(spy, parsed('summary', params))).body as ReportJson['summary'];
    };
    // The rank's statement (group-rank.ts: the values counted beside the first ones).
    const ranks = () => sent.filter((x) => /AS n_values/.test(x));
    expect(await store.aggregatesBehind()).toBe(false);
    const summary = await spied(summaryParams);
    expect(ranks()).toHaveLength(1);
    expect(ranks()[0]).toMatch(/FROM breakdown_days/);
    const retention = await report('retention', retentionParams);
    const rank = await rankGroups(store, 'subaffiliate', q, LIMIT);
    const cid = connections[0]!.connectionId;
    await store.query('INSERT INTO rebuild_pending (connection_id) VALUES ($1)', [cid]);
    try {
      // Behind: no rank before the report (it would read breakdown_days, which may lag); the reports read the ledger.
      expect(await store.aggregatesBehind()).toBe(true);
      const behind = await spied(summaryParams);
      // Ranked after the whole report ran, from the ledger; nothing read from the kept tables.
      expect(ranks()).toHaveLength(1);
      expect(ranks()[0]).toMatch(/FROM money_events/);
      expect(sent.some((x) => /FROM breakdown_days/.test(x))).toBe(false);
      expect(behind.groups).toHaveLength(LIMIT + 1);
      expect(behind.groups).toEqual(summary.groups);
      expect(behind.total).toEqual(summary.total);
      expect((await report('retention', retentionParams)).rows).toEqual(retention.rows);
      expect(await rankGroups(store, 'subaffiliate', q, LIMIT)).toEqual(rank);
    } finally {
      await store.query('DELETE FROM rebuild_pending WHERE connection_id = $1', [cid]);
    }
    expect(await store.aggregatesBehind()).toBe(false);
  });

  it('prints the pooled row last, named in the value\'s column, in the CLI\'s CSV', async () => {
    const summary = gridToCsv(summaryGrid(await report('summary', { groupBy: 'subaffiliate', limit: String(LIMIT) }), 'csv')).trim().split('\n');
    expect(summary).toHaveLength(LIMIT + 2);
    expect(summary[LIMIT + 1]).toMatch(/^,Other sub-affiliates \(up to \d+ more\),/);
    const retention = gridToCsv(retentionGrid(await report('retention', { groupBy: 'affiliate', subgroupBy: 'subaffiliate', limit: String(LIMIT) }), 'csv'));
    // A pooled subgroup sits under its affiliate, which keeps its own id.
    expect(retention).toMatch(/\n[^,\n]*,AFF10[12],[^,\n]*,Other sub-affiliates \(up to \d+ more\),/);
  });

  it('a catalog breakdown (campaigns) is capped once it returns more groups than the limit: the rest of one campaign is that campaign', async () => {
    const whole = await report('summary', { groupBy: 'campaign' });
    expect(whole.groups.length).toBeGreaterThan(2);
    const two = await report('summary', { groupBy: 'campaign', limit: String(whole.groups.length - 1) });
    const last = two.groups[two.groups.length - 1]!;
    expect(last.rest).toBe(1);
    // The one campaign not listed, as the uncapped report has it.
    const listed = new Set(two.groups.filter((g) => g.rest === undefined).map((g) => g.id));
    const missing = whole.groups.filter((g) => !listed.has(g.id));
    expect(missing).toHaveLength(1);
    expect(last.figures).toEqual(missing[0]!.figures);
    // The forecast stops before fitting, and fits the pooled campaign as the whole report fits it.
    const f = await report('forecast', { groupBy: 'campaign' });
    const g = await report('forecast', { groupBy: 'campaign', limit: String(f.groups.length - 1) });
    const pooled = g.groups[g.groups.length - 1]!;
    const alone = f.groups.find((x) => !new Set(g.groups.map((y) => y.id)).has(x.id))!;
    expect(pooled.rest).toBe(1);
    expect([pooled.subscriptions, pooled.fit?.alpha, pooled.fit?.beta]).toEqual([alone.subscriptions, alone.fit?.alpha, alone.fit?.beta]);
  });

  it('a breakdown filtered by another field runs first and is capped past the limit, as the same rows unfiltered', async () => {
    // A filter naming every campaign keeps every row: the capped report is the unfiltered one.
    const campaigns = (sb?.merchant.campaigns ?? []).map((c) => String(c.campaignId));
    const filtered = await report('summary', { groupBy: 'subaffiliate', limit: String(LIMIT), filter: campaigns.map((c) => `campaign:${c}`) });
    const plain = await report('summary', { groupBy: 'subaffiliate', limit: String(LIMIT) });
    expect(filtered.groups).toEqual(plain.groups);
    expect(filtered.groups[LIMIT]!.rest).toBeGreaterThan(0);
  });

  it('a filter on the breakdown, a limit above the values, or a few-valued breakdown lists every group', async () => {
    expect((await report('summary', { groupBy: 'affiliate', limit: '2' })).groups.some((g) => g.rest !== undefined)).toBe(true);
    expect((await report('summary', { groupBy: 'campaign', limit: '10' })).groups.some((g) => g.rest !== undefined)).toBe(false);
    expect((await report('summary', { groupBy: 'subaffiliate', limit: '2', filter: 'subaffiliate:mb-fb-01' })).groups.some((g) => g.rest !== undefined)).toBe(false);
    const one = await report('summary', { groupBy: 'affiliate', limit: '10' });
    expect(one.groups.every((g) => g.rest === undefined)).toBe(true);
  });
});

describe.each(['duckdb', 'postgres'] as const)('capped breakdowns over two accounts, on %s', (engine) => {
  const sandboxes: Sandbox[] = [];
  let store: Store;
  let dispose: () => Promise<void>;
  let connections: ConnectionSummary[];

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'groupcap2'));
    for (const seed of ['clicks-a', 'clicks-b']) {
      // The real profile: several currencies, odd values, transaction rows without product or purchase ids.
      const sb = await startSandbox({ ...OPTS, seed, customers: 180, profile: 'real' });
      sandboxes.push(sb);
      await syncSandbox(store, sb, { name: seed, from: OPTS.start, today: OPTS.now.slice(0, 10) });
    }
    connections = await store.listConnections();
  }, 180_000);
  afterAll(async () => {
    await dispose();
    for (const sb of sandboxes) await sb.close();
  });

  it('lists each account\'s missing value with the ranked ones (a few groups past the limit), in every report, the forecast fitted', async () => {
    const report = async <N extends ReportName>(name: N, params: Record<string, string>) =>
      (await runReport(store, parseReportQuery(name, { ...RANGE, ...params }, { surface: 'api', connections, defaultTz: 'UTC' }))).body as ReportJson[N];
    for (const limit of [1, 5]) {
      const f = await report('forecast', { groupBy: 'subaffiliate', limit: String(limit) });
      const listed = f.groups.filter((g) => g.rest === undefined);
      // Organic traffic ("(none)") ranks first in each account: one account's listed lists the other's too,
      // so a limit of 1 lists 2 groups (before, the forecast refused the listed run as over its limit).
      expect(listed.filter((g) => g.id === null).map((g) => g.connection).sort()).toEqual(['clicks-a', 'clicks-b']);
      expect(listed.length).toBe(Math.max(limit, 2));
      expect(f.groups[f.groups.length - 1]!.rest).toBeGreaterThan(0);
      expect(listed.every((g) => g.fit !== null)).toBe(true);
      const s = await report('summary', { groupBy: 'subaffiliate', limit: String(limit) });
      expect(s.groups.map((g) => g.group)).toEqual(f.groups.map((g) => g.group).filter((g) => s.groups.some((x) => x.group === g)));
      expect(s.groups.reduce((a, g) => a + g.figures.orders.current, 0)).toBe(s.total.orders.current);
    }
  });
});
