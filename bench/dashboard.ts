/**
 * Dashboard pages in Chromium (docs/metrics.md, "Performance": every page draws its chart and table in under 300 ms): the
 * demo merchant (konduit demo's defaults: 1,500 customers, a year) synced into DuckDB and served; each
 * page opened by a click in the app and by a full load until it shows its data, VISITS times each.
 * Baseline, same run: the API calls the page made, sent again with fetch all at once (the server's
 * share, without a browser). Prints per page the best and median times, the ratio of the page's best
 * full load to its calls' best, and the best against the 300 ms target. This was a timed assertion of
 * the browser test until it failed on a loaded machine; timings belong here.
 * `npm run bench -- dashboard` (KONDUIT_BENCH_VISITS, default 5).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { addDays, localDate } from '../src/core/time.js';
import { startSandbox } from '../src/sandbox/index.js';
import { defaultWebRoot, startServer } from '../src/server/index.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../src/store/secrets.js';
import { syncConnection } from '../src/sync/sync-connection.js';
import { dashboardPages, launchChromium, pageReady } from '../test/chromium.js';

const VISITS = Number(process.env.KONDUIT_BENCH_VISITS ?? 5);
const TARGET_MS = 300;
const ACCOUNT_ZONE = 'America/New_York';
const ADMIN_PASSWORD = 'bench-admin-password';

const best = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Times `action` until `ready` resolves, and collects the API GETs the page made meanwhile (the event stream aside). */
export async function timed(page: Page, apiPrefix: string, action: () => Promise<unknown>, ready: () => Promise<void>): Promise<{ ms: number; calls: string[] }> {
  const calls = new Set<string>();
  const onRequest = (r: { url(): string; method(): string }) => {
    if (r.method() === 'GET' && r.url().startsWith(apiPrefix) && !r.url().endsWith('/events')) calls.add(r.url());
  };
  page.on('request', onRequest);
  const t0 = performance.now();
  await action();
  await ready();
  const ms = performance.now() - t0;
  page.off('request', onRequest);
  return { ms, calls: [...calls] };
}

/** The best of VISITS sends of `calls` all at once, each body read to its end. */
async function callsBest(calls: string[], cookie: string): Promise<number> {
  const times: number[] = [];
  for (let v = 0; v < VISITS; v++) {
    const t0 = performance.now();
    await Promise.all(calls.map(async (u) => (await fetch(u, { headers: cookie ? { cookie } : {} })).arrayBuffer()));
    times.push(performance.now() - t0);
  }
  return best(times);
}

const ms = (x: number) => `${Math.round(x)}`.padStart(5);

export default async function bench(): Promise<void> {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  const dir = await mkdtemp(join(tmpdir(), 'konduit-bench-dashboard-'));
  const today = localDate(Date.now(), ACCOUNT_ZONE);
  const start = addDays(today, -365);
  const sb = await startSandbox({ seed: 'demo', customers: 1500, start, timezone: ACCOUNT_ZONE });
  const store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  const browser = await launchChromium();
  try {
    await store.migrate();
    const conn = await store.saveConnection({
      name: 'demo-shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password,
      accountName: 'Demo Shop', accountUsername: 'owner', timezone: ACCOUNT_ZONE, frequency: 'daily',
    });
    const locksDir = join(dir, 'locks');
    const synced = await syncConnection({ store, connection: conn, mode: { kind: 'backfill', from: start, to: today }, locksDir, requestsPerSecond: 0, today });
    console.log(`demo merchant: ${synced.records.toLocaleString()} records synced in ${(synced.elapsedMs / 1000).toFixed(1)} s; ${VISITS} visits per page; load ${loadavg()[0]?.toFixed(2)}`);
    const srv = await startServer({ store, statePath: null, locksDir, port: 0, adminPassword: ADMIN_PASSWORD, schedule: false, syncRate: 0 });
    try {
      const api = `${srv.url}/api/`;
      const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: 'America/Los_Angeles', locale: 'en-US' });
      const signIn = await ctx.request.post(`${srv.url}/api/session`, { data: { username: 'admin', password: ADMIN_PASSWORD }, headers: { origin: srv.url } });
      if (signIn.status() !== 200) throw new Error(`sign-in failed: HTTP ${signIn.status()}`);
      const cookie = (await ctx.cookies(srv.url)).map((c) => `${c.name}=${c.value}`).join('; ');
      const page = await ctx.newPage();
      const rows: { name: string; inApp: number[]; full: number[]; calls: string[] }[] = [];
      for (const [link, name, path, from] of dashboardPages('demo-shop')) {
        const row = { name, inApp: [] as number[], full: [] as number[], calls: [] as string[] };
        for (let v = 0; v < VISITS; v++) {
          await page.goto(`${srv.url}${from}`);
          await page.waitForSelector('[data-ready="true"]');
          row.inApp.push((await timed(page, api, () => page.click(`[data-testid=${link}]`), () => pageReady(page, name))).ms);
          const full = await timed(page, api, () => page.goto(`${srv.url}${path}`, { waitUntil: 'commit' }), () => pageReady(page, name));
          row.full.push(full.ms);
          row.calls = full.calls;
        }
        rows.push(row);
      }
      // Signed out: any page shows the sign-in form.
      const anon = await browser.newContext({ timezoneId: 'America/Los_Angeles' });
      const p = await anon.newPage();
      const login = { name: 'sign-in', inApp: [] as number[], full: [] as number[], calls: [] as string[] };
      for (let v = 0; v < VISITS; v++) {
        const full = await timed(p, api, () => p.goto(`${srv.url}/reports/cohorts`, { waitUntil: 'commit' }), async () => void (await p.waitForSelector('[data-page=login]')));
        login.full.push(full.ms);
        login.calls = full.calls;
      }
      await anon.close();
      console.log(`page         in-app best/median   full load best/median   its API calls best (n)   full/API   target ${TARGET_MS} ms`);
      for (const r of [...rows, login]) {
        const base = await callsBest(r.calls, r === login ? '' : cookie);
        const inApp = r.inApp.length ? `${ms(best(r.inApp))} /${ms(median(r.inApp))}` : '      -      ';
        console.log(
          `${r.name.padEnd(12)} ${inApp}        ${ms(best(r.full))} /${ms(median(r.full))}          ${ms(base)} (${r.calls.length})          ${(best(r.full) / Math.max(base, 0.1)).toFixed(1).padStart(5)}x   ${best(r.full) <= TARGET_MS ? 'met' : 'MISSED'}`,
        );
      }
      await ctx.close();
    } finally {
      await srv.close();
    }
  } finally {
    await browser.close();
    await store.close();
    await sb.close();
    await rm(dir, { recursive: true, force: true });
  }
}
