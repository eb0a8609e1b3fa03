/**
 * Every report, on the sandbox merchant (synced: a backfill, then an incremental run) and on the golden
 * dataset, on both engines, in several viewer zones, equals the snapshot in test/snapshots/. The snapshot
 * was taken before the code was restructured (issue "One ledger, narrow seams"): a refactor that moves a
 * figure by a cent fails here. Regenerate only for a deliberate change of figures:
 * `KONDUIT_UPDATE_SNAPSHOT=1 npx vitest run test/report-snapshot.integration.test.ts`, and say why in the commit.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOfLocalDay } from '../src/core/time.js';
import { CrmClient } from '../src/crm/client.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import type { Store } from '../src/store/store.js';
import { runSync } from '../src/sync/run.js';
import { cohortReport, cohortTriangle, midReport, rebillsReport, retentionReport, seriesReport, summaryReport, type Dimension } from '../src/analytics/index.js';
import { openGoldenStore } from './golden-ledger.js';
import { openTestStore } from './stores.js';

const here = dirname(fileURLToPath(import.meta.url));
const SNAPSHOT = join(here, 'snapshots', 'reports.json');
const UPDATE = process.env.KONDUIT_UPDATE_SNAPSHOT === '1';

const ZONES = ['America/New_York', 'Asia/Kolkata', 'Pacific/Auckland', 'America/Los_Angeles'];
const SANDBOX = { seed: 'report-snapshot', customers: 250, start: '2025-01-01', now: '2025-05-20 15:00:00', profile: 'rich' } as const;

type Reports = Record<string, unknown>;

/** Connection ids are random per store: the snapshot names the connection instead. */
function normalise(v: unknown, cid: string): unknown {
  return JSON.parse(JSON.stringify(v).replaceAll(cid, '<connection>'));
}

/** Every report of a dataset: summary, series, cohorts, triangle, retention, MIDs, with breakdowns and both bases. */
async function allReports(store: Store, cid: string, accountZone: string, range: { from: string; to: string }, asOf: number): Promise<Reports> {
  const out: Reports = {};
  const put = async (key: string, run: () => Promise<unknown>) => {
    out[key] = normalise(await run(), cid);
  };
  // The breakdowns as they stood when the snapshot was taken (a dimension added since has no snapshot).
  const groups: (Dimension | null)[] = [null, 'connection', 'campaign', 'product', 'affiliate', 'subaffiliate', 'mid', 'cycle'];
  const monthTo = range.to;
  for (const tz of ZONES) {
    const base = { from: range.from, to: monthTo, tz, currency: 'USD', accountZone };
    for (const g of groups) {
      await put(`${tz} summary groupBy=${g}`, () => summaryReport(store, { ...base, groupBy: g }));
    }
    await put(`${tz} summary crm`, () => summaryReport(store, { ...base, basis: 'crm' }));
    await put(`${tz} summary crm groupBy=campaign`, () => summaryReport(store, { ...base, basis: 'crm', groupBy: 'campaign' }));
    await put(`${tz} summary filter campaign=1 mid`, () => summaryReport(store, { ...base, filters: [{ dimension: 'campaign', values: [1] }], groupBy: 'mid' }));
    await put(`${tz} summary filter connection`, () => summaryReport(store, { ...base, filters: [{ dimension: 'connection', values: [cid] }] }));
    await put(`${tz} series week`, () => seriesReport(store, { ...base, by: 'week' }));
    await put(`${tz} series month`, () => seriesReport(store, { ...base, by: 'month' }));
    await put(`${tz} series month groupBy=product`, () => seriesReport(store, { ...base, by: 'month', groupBy: 'product' }));
    await put(`${tz} series month crm`, () => seriesReport(store, { ...base, by: 'month', basis: 'crm' }));
    await put(`${tz} series month filter cycle=2`, () => seriesReport(store, { ...base, by: 'month', filters: [{ dimension: 'cycle', values: [2] }] }));
    for (const by of ['week', 'month'] as const) {
      await put(`${tz} cohorts ${by}`, () => cohortReport(store, { ...base, by, asOf }));
      await put(`${tz} cohorts ${by} ledger`, () => cohortReport(store, { ...base, by, asOf }, { source: 'ledger' }));
    }
    await put(`${tz} cohorts month groupBy=campaign`, () => cohortReport(store, { ...base, by: 'month', asOf, groupBy: 'campaign' }));
    await put(`${tz} cohorts month groupBy=cycle`, () => cohortReport(store, { ...base, by: 'month', asOf, groupBy: 'cycle' }));
    await put(`${tz} cohorts month filter affiliate`, () => cohortReport(store, { ...base, by: 'month', asOf, filters: [{ dimension: 'mid', values: [1, 2] }], horizons: [3, 45] }));
    await put(`${tz} triangle`, () => cohortTriangle(store, { ...base, asOf }));
    await put(`${tz} triangle groupBy=affiliate`, () => cohortTriangle(store, { ...base, asOf, groupBy: 'affiliate' }));
    await put(`${tz} retention`, () => retentionReport(store, { ...base, asOf }));
    await put(`${tz} retention groupBy=campaign`, () => retentionReport(store, { ...base, groupBy: 'campaign', asOf }));
    await put(`${tz} retention filter cycle=2,3`, () => retentionReport(store, { ...base, filters: [{ dimension: 'cycle', values: [2, 3] }], asOf }));
    await put(`${tz} mids`, () => midReport(store, base));
  }
  // Daily figures in one zone (the others cut the same events at other midnights above).
  const ny = { from: range.from, to: monthTo, tz: ZONES[0] as string, currency: 'USD', accountZone };
  await put('daily series', () => seriesReport(store, { ...ny, by: 'day' }));
  await put('daily cohorts', () => cohortReport(store, { ...ny, by: 'day', asOf, horizons: [1, 7, 30] }));
  // Rebills ahead looks forward from the as-of, in the account's days: one zone.
  await put('rebills', () => rebillsReport(store, { currency: 'USD', asOf }));
  await put('rebills windows=1,14,120', () => rebillsReport(store, { currency: 'USD', asOf, windows: [1, 14, 120] }));
  return out;
}

let snapshot: Record<string, Reports> = {};
const taken: Record<string, Reports> = {};

beforeAll(() => {
  if (!UPDATE) snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, Reports>;
});

afterAll(() => {
  if (!UPDATE) return;
  mkdirSync(dirname(SNAPSHOT), { recursive: true });
  // One line per report: a diff names the reports that moved.
  const datasets = Object.keys(taken).sort().map((d) => {
    const reports = taken[d] ?? {};
    const lines = Object.keys(reports).sort().map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(reports[k])}`);
    return ` ${JSON.stringify(d)}: {\n${lines.join(',\n')}\n }`;
  });
  writeFileSync(SNAPSHOT, `{\n${datasets.join(',\n')}\n}\n`);
});

/** Compares a dataset's reports with the snapshot, report by report (so a failure names the report). */
function check(dataset: string, engine: string, got: Reports): void {
  if (UPDATE) {
    // Both engines must agree before either is written down.
    if (taken[dataset]) expect(got, `${dataset} on ${engine} differs from the other engine`).toEqual(taken[dataset]);
    taken[dataset] = got;
    return;
  }
  const want = snapshot[dataset];
  expect(want, `no snapshot for ${dataset}`).toBeDefined();
  expect(Object.keys(got).sort()).toEqual(Object.keys(want ?? {}).sort());
  for (const key of Object.keys(got)) expect(got[key], `${dataset}: ${key} on ${engine}`).toEqual(want?.[key]);
}

describe('report snapshot: the sandbox merchant', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox(SANDBOX);
  });
  afterAll(async () => sb.close());

  it.each(['duckdb', 'postgres'] as const)('every report equals the snapshot on %s', async (engine) => {
    const { store, dispose } = await openTestStore(engine, 'snapshot');
    try {
      const c = await store.saveConnection({ name: 'snap', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
      const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 4, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
      const base = { store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 4 };
      // A backfill to the merchant's "now", then an incremental run over the same state: both write paths.
      await runSync({ ...base, today: SANDBOX.now.slice(0, 10), mode: { kind: 'backfill', from: SANDBOX.start, to: SANDBOX.now.slice(0, 10) } });
      await runSync({ ...base, today: SANDBOX.now.slice(0, 10), mode: { kind: 'incremental' } });
      const asOf = sb.merchant.now;
      check('sandbox', engine, await allReports(store, c.connectionId, sb.timezone, { from: '2025-01-01', to: '2025-05-19' }, asOf));
    } finally {
      await dispose();
    }
  });
});

describe('report snapshot: the golden dataset', () => {
  it.each(['duckdb', 'postgres'] as const)('every report equals the snapshot on %s', async (engine) => {
    const { store, dispose, cid } = await openGoldenStore(engine);
    try {
      const asOf = startOfLocalDay('2025-06-01', 'America/New_York');
      check('golden', engine, await allReports(store, cid, 'America/New_York', { from: '2024-11-01', to: '2025-03-31' }, asOf));
    } finally {
      await dispose();
    }
  });
});
