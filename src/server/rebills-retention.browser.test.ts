/**
 * Rebills ahead and retention like the CRM's, in real Chromium (docs/dashboard.md): the pages show exactly
 * the API's figures (which equal `konduit report --format json`), the calendar lays the longest window's
 * days under their weekdays, a window change travels through the URL, retention nests sub-affiliates in
 * affiliates and lists the rebill attempts by retry, and both pages pass axe-core. The store is a sandbox
 * merchant synced before the server starts; the browser is in Tokyo, the account in New York. Nothing
 * waits for time: each step waits for what the page shows. Screenshots go to test-artifacts/rebills/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../cli/commands/report.js';
import { addDays, localDate } from '../core/time.js';
import type { ReportJson } from '../report/json.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Connection, Store } from '../store/store.js';
import { syncConnection } from '../sync/sync-connection.js';
import { axeProblems } from '../../test/axe.js';
import { launchChromium, pageReady, tearDown } from '../../test/chromium.js';
import { defaultWebRoot, startServer, type RunningServer } from './index.js';

const ARTIFACTS = resolve('test-artifacts/rebills');
const ACCOUNT_ZONE = 'America/New_York';
const BROWSER_ZONE = 'Asia/Tokyo';
const ADMIN = 'rebills-admin-pass';

let dir: string;
let sb: Sandbox;
let store: Store;
let srv: RunningServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let conn: Connection;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** The API's body for what the page `name` shows (its root's data-query is the query string it fetched). */
async function apiBody<N extends 'rebills' | 'retention'>(name: N): Promise<ReportJson[N]> {
  const query = ((await page.getAttribute(`[data-page=${name}]`, 'data-query')) ?? '').replace(/#.*$/, '');
  const res = await ctx.request.get(`${srv.url}/api/reports/${name}${query}`);
  expect(res.status()).toBe(200);
  return (await res.json()) as ReportJson[N];
}

/** Every element's attributes `names` of the elements `selector` matches. */
const attrs = (selector: string, names: string[]) =>
  page.$$eval(selector, (els, ns) => els.map((e) => Object.fromEntries(ns.map((n) => [n, e.getAttribute(n) ?? '']))), names);

beforeAll(async () => {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'konduit-rebills-'));
  const today = localDate(Date.now(), ACCOUNT_ZONE);
  const start = addDays(today, -300);
  sb = await startSandbox({ seed: 'rebills-web', customers: 700, start, timezone: ACCOUNT_ZONE, profile: 'rich' });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  conn = await store.saveConnection({ name: 'web-shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Web Shop', accountUsername: 'owner', timezone: ACCOUNT_ZONE, frequency: 'daily' });
  await syncConnection({ store, connection: conn, mode: { kind: 'backfill', from: start, to: today }, locksDir: join(dir, 'locks'), requestsPerSecond: 0, today });
  srv = await startServer({ store, statePath: join(dir, 'web.json'), locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, schedule: false, syncRate: 0 });
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: BROWSER_ZONE, locale: 'en-US' });
  const res = await ctx.request.post(`${srv.url}/api/session`, { data: { username: 'admin', password: ADMIN }, headers: { origin: srv.url } });
  expect(res.status()).toBe(200);
  page = await ctx.newPage();
}, 180_000);

afterAll(() => tearDown({ ctx, browser, srv, store, sb, dir }));

describe('rebills ahead and retention in Chromium', () => {
  it('rebills ahead: the windows, the calendar and the tables are the API\'s, which is konduit report rebills', async () => {
    await page.goto(`${srv.url}/reports/overview`);
    await pageReady(page, 'overview');
    await page.click('[data-testid=nav-rebills]');
    await pageReady(page, 'rebills');
    const body = await apiBody('rebills');
    // The CLI's render over the same store says the same (the as-of is the data's in both).
    const cli = JSON.parse(await render(store, { name: 'rebills', q: { from: '2000-01-01', to: '2000-01-01', tz: BROWSER_ZONE, currency: 'USD', filters: [], groupBy: null, basis: 'event', accountZone: ACCOUNT_ZONE }, by: 'day' }, 'json')) as ReportJson['rebills'];
    expect(body.windows).toEqual(cli.windows);
    expect(body.days).toEqual(cli.days);
    // Worth looking at: bills due in every window.
    expect(body.windows.map((w) => w.days)).toEqual([7, 30, 60, 90]);
    expect(body.windows.every((w) => w.subscriptions > 0)).toBe(true);
    expect(await attrs('[data-window]', ['data-window', 'data-subscriptions', 'data-expected'])).toEqual(
      body.windows.map((w) => ({ 'data-window': String(w.days), 'data-subscriptions': String(w.subscriptions), 'data-expected': w.expectedRevenue })),
    );
    // The calendar: every day of the longest window, after as many blank cells as its first day's weekday (Monday first).
    expect(await attrs('[data-testid=rebills-calendar] [data-date]', ['data-date', 'data-subscriptions', 'data-expected'])).toEqual(
      body.days.map((x) => ({ 'data-date': x.date, 'data-subscriptions': String(x.subscriptions), 'data-expected': x.expectedRevenue })),
    );
    // The first day sits under its weekday's heading (Monday first), and a week later under the same one.
    const column = (new Date(`${body.days[0]!.date}T00:00:00Z`).getUTCDay() + 6) % 7;
    const left = async (selector: string) => (await page.locator(selector).boundingBox())!.x;
    const heading = await left(`[data-weekday=${['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][column]}]`);
    expect(await left(`[data-date="${body.days[0]!.date}"]`)).toBeCloseTo(heading, 0);
    expect(await left(`[data-date="${body.days[7]!.date}"]`)).toBeCloseTo(heading, 0);
    // The lines' table: one row per window and cycle line, each with its rate.
    expect(await page.$$('[data-table=rebills-windows] tbody tr')).toHaveLength(body.windows.reduce((a, w) => a + w.lines.length, 0));
    expect(await page.$$('[data-table=rebills-rates] tbody tr')).toHaveLength(body.rates.length);
    expect(await page.$$('[data-table=rebills-upcoming] tbody tr')).toHaveLength(body.upcoming.length);
    expect(body.upcoming.length).toBeGreaterThan(0);
    const problems = await axeProblems(page);
    expect(problems, JSON.stringify(problems, null, 1)).toEqual([]);
    await shot('rebills');

    // Other windows: through the URL, and the page shows them.
    await page.fill('input[name=windows]', '14, 45');
    await page.click('[data-page=rebills] form button[type=submit]');
    await pageReady(page, 'rebills', '[data-query*="windows=14%2C45"]');
    expect(new URL(page.url()).searchParams.get('windows')).toBe('14,45');
    const other = await apiBody('rebills');
    expect(await attrs('[data-window]', ['data-window', 'data-subscriptions'])).toEqual(other.windows.map((w) => ({ 'data-window': String(w.days), 'data-subscriptions': String(w.subscriptions) })));
    expect(other.windows.map((w) => w.days)).toEqual([14, 45]);
    expect(await page.$$('[data-testid=rebills-calendar] [data-date]')).toHaveLength(45);
  });

  it('retention: soft and hard declines, saves and refunds per cycle, sub-affiliates inside affiliates, attempts by retry', async () => {
    await page.goto(`${srv.url}/reports/retention?groupBy=affiliate`);
    await pageReady(page, 'retention');
    await page.selectOption('[data-testid=subgroup]', 'subaffiliate');
    await pageReady(page, 'retention', '[data-query*="subgroupBy=subaffiliate"]');
    const body = await apiBody('retention');
    expect(body.subgroupBy).toBe('subaffiliate');
    const heads = await page.$$eval('[data-table=retention] thead th', (ths) => ths.map((t) => t.textContent));
    expect(heads).toEqual(expect.arrayContaining(['Sub-affiliate', 'Soft declined', 'Hard declined', 'Recycling', 'Recycle saved', 'Save rate', 'Refunds', 'Chargebacks']));
    // A group's own cycles, then each of its subgroups' cycles.
    const rows = body.rows.reduce((a, r) => a + r.cycles.length + (r.subgroups ?? []).reduce((b, s) => b + s.cycles.length, 0), 0);
    expect(await page.$$('[data-table=retention] tbody tr')).toHaveLength(rows);
    expect(body.rows.some((r) => (r.subgroups ?? []).length > 1)).toBe(true);
    expect(await page.$$('[data-table=retention-retries] tbody tr')).toHaveLength(body.rows.reduce((a, r) => a + r.rebillAttempts.length, 0));
    // The survival line of each group is drawn.
    expect(await page.$('[data-testid=retention-chart]')).not.toBeNull();
    const problems = await axeProblems(page);
    expect(problems, JSON.stringify(problems, null, 1)).toEqual([]);
    await shot('retention');
  });

  it('retention as bars: every group\'s subscriptions per cycle, approved to pending, the API\'s sums; and back to the survival line', async () => {
    await page.goto(`${srv.url}/reports/retention?groupBy=affiliate`);
    await pageReady(page, 'retention');
    expect(await page.$('[data-testid=retention-bars]')).toBeNull();
    await page.click('[data-chart=bars]');
    await page.waitForSelector('[data-testid=retention-bars] rect');
    expect(new URL(page.url()).searchParams.get('view')).toBe('bars');
    const body = await apiBody('retention');
    type C = (typeof body.rows)[number]['cycles'][number];
    const parts: [string, (c: C) => number][] = [
      ['approved', (c) => c.approvals], ['soft', (c) => c.softDeclined], ['hard', (c) => c.hardDeclined],
      ['unbilled', (c) => c.due - c.approvals - c.declined], ['pending', (c) => c.pending],
    ];
    /** The bars drawn, `Cycle N|part` to its count, against the API's row of the group shown. */
    const check = async (row: (typeof body.rows)[number]) => {
      const expected = new Map<string, number>();
      for (const c of row.cycles) for (const [key, f] of parts) if (f(c) > 0) expected.set(`Cycle ${c.cycle}|${key}`, f(c));
      const drawn = await page.$$eval('[data-testid=retention-bars] [data-category] rect', (rects) =>
        rects.map((r) => [`${r.parentElement?.getAttribute('data-category')}|${r.getAttribute('data-part')}`, Number(r.getAttribute('data-value'))] as [string, number]));
      expect(new Map(drawn)).toEqual(expected);
      expect(await page.$$('[data-testid=retention-bars] [data-category]')).toHaveLength(row.cycles.length);
      // Every cycle's bar is all its initial purchases: approved, declined, not billed or pending.
      for (const c of row.cycles) expect(parts.reduce((a, [, f]) => a + f(c), 0)).toBe(row.initialPurchases);
      return drawn;
    };
    // The first group by default, then another picked.
    const first = await check(body.rows[0]!);
    expect(await page.textContent('[data-testid=retention-bars] [data-category="Cycle 1"] rect[data-part=approved] title')).toBe(`Cycle 1 · Approved: ${body.rows[0]!.cycles[0]!.approvals.toLocaleString('en-US')}`);
    const other = body.rows.findIndex((r, i) => i > 0 && r.cycles.length > 1);
    expect(other).toBeGreaterThan(0);
    await page.selectOption('[data-testid=bars-group]', String(other));
    await page.waitForSelector(`[data-bars-group="${other}"] [data-testid=retention-bars] rect`);
    const second = await check(body.rows[other]!);
    // Worth comparing: approvals, both kinds of decline and pending cycles are among the bars drawn.
    for (const key of ['approved', 'soft', 'hard', 'pending']) expect([...first, ...second].some(([k]) => k.endsWith(`|${key}`)), key).toBe(true);
    const problems = await axeProblems(page);
    expect(problems, JSON.stringify(problems, null, 1)).toEqual([]);
    await shot('retention-bars');
    await page.click('[data-chart=line]');
    await page.waitForSelector('[data-testid=retention-chart]');
    expect(await page.$('[data-testid=retention-bars]')).toBeNull();
    expect(new URL(page.url()).searchParams.get('view')).toBeNull();
  });
});
