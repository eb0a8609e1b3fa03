/**
 * Every dashboard page in Chromium at full scale (docs/metrics.md, "Performance"): a store of 10,000,000
 * transactions and 2,000,000 customers, generated in bulk as `npm run bench -- analytics` generates it,
 * on DuckDB and on PostgreSQL, served by `konduit serve`'s server. Each page is loaded VISITS times by a
 * browser navigation until its chart is drawn (its axis labels laid out) and its table has rows; each
 * visit asks for a range one day later than the one before, so no answer comes from the server's report
 * cache: every figure is computed for the visit. Printed per page: the best and median time to drawn,
 * against the target (300 ms on DuckDB, 1 s on PostgreSQL); the baseline of the same run, the page's
 * report queries computed in-process one after the other (no browser, no HTTP); and the JSON size of
 * each answer the page received. A second line splits the median visit: when the page asked for its first
 * report (its start: HTML, script, first render), when its last API answer arrived, and how long it took
 * to draw after that.
 *
 * `npm run bench -- dashboard-scale`. KONDUIT_BENCH_CUSTOMERS sets the scale (5 transactions per
 * customer; default 2,000,000), KONDUIT_BENCH_ENGINES=duckdb or postgres one engine, KONDUIT_BENCH_VISITS
 * the visits per page (default 3), KONDUIT_BENCH_FORECAST_THREADS the forecast's worker pool (default the
 * cores less one, at most 3; 0: none), KONDUIT_BENCH_PAGES a comma-separated list of page names (overview,
 * cohorts, retention, mids, declines, chargebacks, breakdowns, forecast, settings, integration, rebills, customer; default all), KONDUIT_BENCH_KEEP=1 keeps the
 * store afterwards (PostgreSQL: its schema; DuckDB: its file, path printed; to EXPLAIN the reports'
 * statements on it; drop it by hand), KONDUIT_BENCH_SCHEMA=<that schema> opens the pages on a kept
 * PostgreSQL store again without generating anything, and KONDUIT_BENCH_DUCKDB=<file> the same on a kept
 * DuckDB file (opened in place: copy it first to keep the original as it was). A kept store is migrated to
 * this checkout's schema; if that leaves it behind (rebuild_pending), its pre-aggregates are rebuilt
 * first (the refresh that follows a sync), timed and printed, before any page is opened.
 *
 * Besides the ledger, the store holds a purchase per customer (subscriptionsSql: what rebills ahead lists)
 * and the customers' and orders' records (customerRecordsSql: what the one-customer page shows); a kept
 * store without purchases gets both before its pages are opened (timed and printed).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { addDays } from '../src/core/time.js';
import { setForecastThreads } from '../src/analytics/forecast-pool.js';
import { parseReportQuery, REPORT_NAMES, type ReportName } from '../src/report/query.js';
import { runReport } from '../src/report/run.js';
import { defaultWebRoot, startServer } from '../src/server/index.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../src/store/engines/postgres/postgres-store.js';
import { generateKey } from '../src/store/secrets.js';
import { rebuildRebillRatesSql } from '../src/store/rebill-rates.js';
import { rebuildRetentionDaysSql } from '../src/store/retention-days.js';
import type { Store } from '../src/store/store.js';
import { launchChromium } from '../test/chromium.js';
import { lookupCustomer } from '../src/report/customer.js';
import { customerRecordsSql, generateSql, subscriptionsSql, type Engine } from './analytics.js';
import { timed } from './dashboard.js';

const CUSTOMERS = Number(process.env.KONDUIT_BENCH_CUSTOMERS ?? 2_000_000);
const VISITS = Number(process.env.KONDUIT_BENCH_VISITS ?? 3);
const PG_URL = process.env.KONDUIT_TEST_PG ?? 'postgres://konduit:konduit@127.0.0.1:5432/konduit_test';
const ZONE = 'America/New_York';
const ADMIN_PASSWORD = 'bench-admin-password';
const TARGET_MS: Record<Engine, number> = { duckdb: 300, postgres: 1000 };
const REUSE = process.env.KONDUIT_BENCH_SCHEMA;
const REUSE_DUCKDB = process.env.KONDUIT_BENCH_DUCKDB;
const ONLY = process.env.KONDUIT_BENCH_PAGES ? new Set(process.env.KONDUIT_BENCH_PAGES.split(',').map((x) => x.trim())) : null;
// The forecast's worker pool (src/analytics/forecast-pool.ts): KONDUIT_BENCH_FORECAST_THREADS=n sets its size (0: every group in the server's thread).
if (process.env.KONDUIT_BENCH_FORECAST_THREADS !== undefined) setForecastThreads(Number(process.env.KONDUIT_BENCH_FORECAST_THREADS));

/**
 * The pages, on ranges inside the generated data (2024-01-01..2025-12-31): [label, page name, path with
 * {from}/{to} placeholders, first from, first to]. Each visit moves both dates one day later, and adds
 * one to a {n:N} placeholder (N at the first visit: rebills ahead's longest window, a customer's id).
 */
const PAGES: [string, string, string, string, string][] = [
  ['overview 30 days', 'overview', '/reports/overview?preset=custom&from={from}&to={to}', '2025-06-01', '2025-06-30'],
  ['overview a year by month', 'overview', '/reports/overview?preset=custom&from={from}&to={to}&by=month', '2025-01-01', '2025-12-31'],
  ['cohort LTV 24 months', 'cohorts', '/reports/cohorts?preset=custom&from={from}&to={to}', '2024-01-01', '2025-12-31'],
  ['cohort triangle 24 months', 'cohorts', '/reports/cohorts?preset=custom&view=months&from={from}&to={to}', '2024-01-01', '2025-12-31'],
  ['retention a year', 'retention', '/reports/retention?preset=custom&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  // Retention by the breakdowns the CRM's report has (campaign; source: affiliate > sub-affiliate; MID).
  ['retention by campaign a year', 'retention', '/reports/retention?preset=custom&groupBy=campaign&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['retention by affiliate > sub a year', 'retention', '/reports/retention?preset=custom&groupBy=affiliate&subgroupBy=subaffiliate&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['retention by MID a year', 'retention', '/reports/retention?preset=custom&groupBy=mid&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['MID health a year', 'mids', '/reports/mids?preset=custom&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['declines 30 days', 'declines', '/reports/declines?preset=custom&from={from}&to={to}', '2025-06-01', '2025-06-30'],
  ['chargebacks a year', 'chargebacks', '/reports/chargebacks?preset=custom&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['breakdowns 30 days', 'breakdowns', '/reports/breakdowns?preset=custom&dim=campaign&from={from}&to={to}', '2025-06-01', '2025-06-30'],
  ['forecast a year', 'forecast', '/reports/forecast?preset=custom&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['forecast by MID a year', 'forecast', '/reports/forecast?preset=custom&groupBy=mid&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['forecast by campaign a year', 'forecast', '/reports/forecast?preset=custom&groupBy=campaign&from={from}&to={to}', '2025-01-01', '2025-12-31'],
  ['settings', 'settings', '/settings', '', ''],
  ['integration page', 'integration', '/settings/integrations/bench', '', ''],
  ['rebills ahead 7-90 days', 'rebills', '/reports/rebills?windows=7,30,60,{n:90}', '', ''],
  // A customer of the generated ids at any scale (1,234,567 at the default one).
  ['one customer', 'customer', `/customers/bench/{n:${Math.min(1_234_567, Math.floor(CUSTOMERS / 2))}}`, '', ''],
];

const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
const kb = (bytes: number) => (bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);
/** Whether an API path (its query may follow) asks for a report or a customer: what a page's figures come from. */
const asksFigures = (path: string) => /^\/api\/(reports|customers)\//.test(path);

// What the in-page function below uses of the DOM (this project's TypeScript has no DOM library).
interface El {
  querySelector(s: string): El | null;
  querySelectorAll(s: string): Iterable<El>;
}
declare const document: El;

/** Runs in the page: it shows page `name`'s data, its charts are drawn (axis labels laid out) and its tables have rows (or say they have none). */
function isDrawn(name: string): boolean {
  const root = document.querySelector(`[data-page="${name}"][data-ready="true"]`);
  if (!root) return false;
  if (![...root.querySelectorAll('.chart-figure')].every((c) => c.querySelector('.x-label'))) return false;
  return [...root.querySelectorAll('[data-table]')].every((t) => t.querySelector('tbody tr') ?? t.querySelector('.empty'));
}

/** Waits until page `name` is drawn (a function, not a string: the page's CSP forbids eval). */
async function drawn(page: Page, name: string): Promise<void> {
  await page.waitForFunction(isDrawn, name, { timeout: 0, polling: 'raf' });
}

async function openStore(engine: Engine): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (engine === 'duckdb') {
    const file = REUSE_DUCKDB ?? join(await mkdtemp(join(tmpdir(), 'konduit-bench-dashboard-scale-')), 'bench.duckdb');
    const store = await openDuckDbStore(file, { secretKey: generateKey() });
    if (REUSE_DUCKDB || process.env.KONDUIT_BENCH_KEEP) return { store, cleanup: async () => console.log(`[duckdb] store kept in ${file}`) };
    return { store, cleanup: () => rm(dirname(file), { recursive: true, force: true }) };
  }
  const schema = REUSE ?? `kb_dashboard_${process.pid}`;
  const store = await openPostgresStore(PG_URL, { secretKey: generateKey(), schema });
  return {
    store,
    cleanup: async () => {
      if (process.env.KONDUIT_BENCH_KEEP || REUSE) return console.log(`[postgres] store kept in schema ${schema}`);
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

async function benchEngine(engine: Engine, webRoot: string): Promise<void> {
  const { store, cleanup } = await openStore(engine);
  const browser = await launchChromium();
  try {
    await store.migrate();
    const reused = engine === 'duckdb' ? REUSE_DUCKDB : REUSE;
    const kept = reused ? (await store.listConnections())[0] : undefined;
    if (kept) {
      console.log(`[${engine}] the store kept in ${reused}: ${kept.name}, nothing generated`);
      // Its password was sealed with the key of the run that made it; this run has a key of its own.
      await store.updateConnection(kept.name, { password: 'bench' });
      if (await store.aggregatesBehind()) {
        const t = performance.now();
        await store.refreshDirtyFacts(kept.connectionId);
        if (engine === 'postgres') await store.query('ANALYZE');
        console.log(`[${engine}] migrated store behind: pre-aggregates rebuilt in ${fmt(performance.now() - t)}`);
      }
      const [p] = await store.query('SELECT COUNT(*) AS n FROM purchases');
      if (Number(p?.n) === 0) {
        const t = performance.now();
        const [c] = await store.query('SELECT COUNT(*) AS n FROM customer_facts');
        for (const sql of [subscriptionsSql(engine, Number(c?.n), kept.connectionId), ...customerRecordsSql(engine, kept.connectionId)]) await store.query(sql);
        // What rebills ahead keeps from the purchases (src/store/rebill-rates.ts), as a sync's writes of them would have.
        for (const sql of rebuildRebillRatesSql(false)) await store.query(sql);
        // Written by SQL, not through the store: retention's counts, which follow the purchase records, are made again.
        for (const sql of rebuildRetentionDaysSql(store.sql, false)) await store.query(sql);
        if (engine === 'postgres') await store.query('ANALYZE');
        console.log(`[${engine}] kept store without purchases: a purchase per customer, the customers' and orders' records added in ${fmt(performance.now() - t)}`);
      }
      return await benchPages(engine, store, browser, webRoot);
    }
    const conn = await store.saveConnection({ name: 'bench', brand: 'konnektive', baseUrl: 'http://127.0.0.1:9', loginId: 'bench', password: 'bench', accountName: 'Bench Shop', accountUsername: 'owner', timezone: ZONE, frequency: 'daily' });
    let t = performance.now();
    for (const sql of [...generateSql(engine, CUSTOMERS, conn.connectionId), subscriptionsSql(engine, CUSTOMERS, conn.connectionId), ...customerRecordsSql(engine, conn.connectionId)]) await store.query(sql);
    await store.rebuildAggregates();
    // What a backfill of those two years would leave: the coverage the reports and the status read.
    await store.extendCoverage(conn.connectionId, { from: '2024-01-01', to: '2025-12-31', asOf: Date.UTC(2026, 0, 1) });
    if (engine === 'postgres') await store.query('ANALYZE');
    const [n] = await store.query('SELECT COUNT(*) AS n FROM transactions');
    console.log(`[${engine}] ${Number(n?.n).toLocaleString()} transactions, ${CUSTOMERS.toLocaleString()} customers generated and aggregated in ${fmt(performance.now() - t)}; ${VISITS} visits per page`);
    await benchPages(engine, store, browser, webRoot);
  } finally {
    await browser.close();
    await store.close();
    await cleanup();
  }
}

/** Opens each page VISITS times against the store and prints its line. */
async function benchPages(engine: Engine, store: Store, browser: Awaited<ReturnType<typeof launchChromium>>, webRoot: string): Promise<void> {
  const srv = await startServer({ store, statePath: null, locksDir: join(tmpdir(), `konduit-bench-locks-${process.pid}`), port: 0, adminPassword: ADMIN_PASSWORD, schedule: false, webRoot });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 }, timezoneId: ZONE, locale: 'en-US' });
    const signIn = await ctx.request.post(`${srv.url}/api/session`, { data: { username: 'admin', password: ADMIN_PASSWORD }, headers: { origin: srv.url } });
    if (signIn.status() !== 200) throw new Error(`sign-in failed: HTTP ${signIn.status()}`);
    const page = await ctx.newPage();
    // A first page load outside the timings: the browser's and the server's first-use costs.
    await page.goto(`${srv.url}/settings`);
    await drawn(page, 'settings');
    const sizes = new Map<string, number>();
    let reading: Promise<unknown>[] = [];
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (!u.pathname.startsWith('/api/') || u.pathname.endsWith('/events')) return;
      reading.push(r.body().then((b) => sizes.set(`${u.pathname}${u.search}`, b.length)).catch(() => undefined));
    });
    const conns = await store.listConnections();
    // Where a visit's time goes: when the page asked its first report (its start: HTML, script, first
    // render) and when the last of its API answers had arrived (Node's clock, from the navigation's start).
    let visitStart = 0;
    let firstAsk: number | null = null;
    let lastAnswer = 0;
    page.on('request', (r) => {
      if (firstAsk === null && asksFigures(new URL(r.url()).pathname)) firstAsk = performance.now() - visitStart;
    });
    page.on('requestfinished', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/') && !r.url().endsWith('/events')) lastAnswer = Math.max(lastAnswer, performance.now() - visitStart);
    });
    console.log(`[${engine}] ${'page'.padEnd(36)} drawn best / median   target ${fmt(TARGET_MS[engine]).padStart(6)}   queries alone   answers (JSON)`);
    for (const [label, name, path, from0, to0] of PAGES.filter(([, name]) => !ONLY || ONLY.has(name))) {
      const times: number[] = [];
      const asked: number[] = [];
      const answered: number[] = [];
      let queries = 0;
      let answers: string[] = [];
      for (let v = 0; v < VISITS; v++) {
        const url = path.replace('{from}', from0 ? addDays(from0, v) : '').replace('{to}', to0 ? addDays(to0, v) : '').replace(/\{n:(\d+)\}/, (_, n: string) => String(Number(n) + v));
        sizes.clear();
        reading = [];
        visitStart = performance.now();
        firstAsk = null;
        lastAnswer = 0;
        const visit = await timed(page, `${srv.url}/api/`, () => page.goto(`${srv.url}${url}`, { waitUntil: 'commit' }), () => drawn(page, name));
        // A page that shows an error is drawn too: its time would say nothing.
        const failed = await page.locator(`[data-page="${name}"] .alert-error`).allTextContents();
        if (failed.length > 0) throw new Error(`${label} (${url}): the page shows an error: ${failed.join('; ')}`);
        times.push(visit.ms);
        if (firstAsk !== null) asked.push(firstAsk);
        answered.push(lastAnswer);
        await Promise.all(reading);
        // Baseline: the same reports computed here, one after the other, without HTTP or a browser.
        const reports = visit.calls.map((c) => new URL(c)).filter((u) => asksFigures(u.pathname));
        const q0 = performance.now();
        for (const u of reports) {
          const [, , , connection, customerId] = u.pathname.split('/');
          if (u.pathname.startsWith('/api/customers/')) {
            await lookupCustomer(store, { customerId: customerId ?? '', connection: decodeURIComponent(connection ?? ''), tz: u.searchParams.get('tz') ?? 'UTC', flag: 'connection' });
            continue;
          }
          const report = u.pathname.split('/')[3] as ReportName;
          if (!REPORT_NAMES.includes(report)) continue;
          const params: Record<string, string[]> = {};
          for (const [k, val] of u.searchParams) (params[k] ??= []).push(val);
          await runReport(store, parseReportQuery(report, params, { surface: 'api', connections: conns, defaultTz: 'UTC' }));
        }
        queries = performance.now() - q0;
        answers = [...sizes.entries()].filter(([k]) => asksFigures(k) || k.startsWith('/api/connections') || k === '/api/status').map(([k, b]) => `${k.split('?')[0]!.replace('/api/', '')} ${kb(b)}`);
      }
      const verdict = best(times) <= TARGET_MS[engine] ? 'met' : 'MISSED';
      console.log(`[${engine}] ${label.padEnd(36)} ${fmt(best(times)).padStart(8)} / ${fmt(median(times)).padStart(8)}   ${verdict.padEnd(14)}   ${fmt(queries).padStart(9)}       ${answers.join(', ')}`);
      // The median visit's split: asked (the page's start), answered (the last API answer), drawn after it.
      console.log(`[${engine}] ${''.padEnd(36)} median: first report asked at ${asked.length > 0 ? fmt(median(asked)) : '-'}, last answer at ${fmt(median(answered))}, drawn ${fmt(Math.max(0, median(times) - median(answered)))} after it`);
    }
    await ctx.close();
  } finally {
    await srv.close();
  }
}

export default async function bench(): Promise<void> {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  // A copy of the bundle: a long run is not disturbed by a build of dist/web meanwhile.
  const web = await mkdtemp(join(tmpdir(), 'konduit-bench-web-'));
  await cp(defaultWebRoot() as string, web, { recursive: true });
  const engines = (process.env.KONDUIT_BENCH_ENGINES ?? 'duckdb,postgres').split(',') as Engine[];
  console.log(`dashboard pages at ${(CUSTOMERS * 5).toLocaleString()} transactions / ${CUSTOMERS.toLocaleString()} customers; load average before: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  try {
    for (const e of engines) {
      await benchEngine(e, web);
      console.log(`[${e}] load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
    }
  } finally {
    await rm(web, { recursive: true, force: true });
  }
}
