/**
 * The dashboard in real Chromium (Debian's /usr/bin/chromium driven by playwright-core, docs/development.md),
 * walking a new user's path against the sandbox CRM with the demo merchant: first login, connect (a wrong
 * password, the '&' rule, then the right one), choose a range and a frequency, Sync Data and watch the
 * progress, read the summary and cohort figures and compare them with `konduit report --format json`
 * (the CLI's own render over the same store), change the time zone, export CSVs, and open every page by a
 * click and by a full load. Screenshots go to test-artifacts/dashboard/. How fast the pages draw is
 * measured by `npm run bench -- dashboard`, not here: a test that passes or fails on a busy machine's
 * timing is not a test.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from '../cli/commands/report.js';
import { addDays, localDate } from '../core/time.js';
import type { Filter } from '../analytics/index.js';
import { crmWallToInstant } from '../core/time.js';
import type { MoneyEvent } from '../ledger/index.js';
import type { ChargebacksJson, DeclinesJson, MidsJson, ReportJson, SummaryJson } from '../report/json.js';
import type { ParsedReport } from '../report/query.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { dashboardPages, launchChromium, pageReady, tearDown } from '../../test/chromium.js';
import { defaultWebRoot, startServer, type RunningServer } from './index.js';

const ARTIFACTS = resolve('test-artifacts/dashboard');
const BROWSER_ZONE = 'America/Los_Angeles';
const ACCOUNT_ZONE = 'America/New_York';
const ADMIN_PASSWORD = 'browser-admin-pass';

let dir: string;
let sb: Sandbox;
let store: Store;
let srv: RunningServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let historyFrom: string;
let accountToday: string;

/** The summary figures the overview shows as tiles. */
const TILE_KEYS = ['grossRevenue', 'refunds', 'netRevenue', 'orders', 'newCustomers', 'aov', 'chargebacks', 'initialApprovalRate', 'rebillApprovalRate', 'refundRate', 'chargebackRate'] as const;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/** `konduit report KIND --format json` over the test's store, as the CLI renders it. */
async function cli<N extends 'summary' | 'cohorts' | 'series'>(
  name: N,
  q: { from: string; to: string; tz: string; currency?: string; filters?: Filter[] },
  by: 'day' | 'week' | 'month' = 'month',
): Promise<ReportJson[N]> {
  const parsed: ParsedReport = { name, q: { currency: 'USD', filters: [], ...q, groupBy: null, basis: 'event', accountZone: ACCOUNT_ZONE }, by };
  return JSON.parse(await render(store, parsed, 'json')) as ReportJson[N];
}

/** The summary's current figures as the tiles carry them (a figure without a value is ""). */
const tileValues = (s: SummaryJson): Record<string, string> => Object.fromEntries(TILE_KEYS.map((k) => [k, String(s.total[k].current ?? '')]));

async function tiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of TILE_KEYS) out[k] = (await page.getAttribute(`[data-figure="${k}"]`, 'data-value')) ?? 'missing';
  return out;
}

async function heatCells(): Promise<{ cohort: string; horizon: string; value: string; complete: string }[]> {
  return page.$$eval('.heat', (els) => els.map((e) => ({ cohort: e.getAttribute('data-cohort') ?? '', horizon: e.getAttribute('data-horizon') ?? '', value: e.getAttribute('data-value') ?? '', complete: e.getAttribute('data-complete') ?? '' })));
}

const ready = (name: string, extra = '') => pageReady(page, name, extra);

// What the in-page function below uses of the DOM (this project's TypeScript has no DOM library).
declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null };

/**
 * Runs in the page: the sync progress it shows once that differs from `last` records (null: once the sync
 * runs with records), else false.
 */
function progressAfter(last: number | null): { status: string; records: number } | false {
  const status = document.querySelector('[data-testid=sync-progress]')?.getAttribute('data-status') ?? '';
  const records = Number((document.querySelector('[data-testid=progress-records]')?.textContent ?? '0').replace(/,/g, ''));
  const moved = last === null ? status === 'running' && records > 0 : status !== 'running' || records !== last;
  return moved && { status, records };
}

/** The next sync progress the page shows (no timeout of its own: the test's is the limit). */
const nextProgress = async (last: number | null) => (await (await page.waitForFunction(progressAfter, last, { timeout: 0 })).jsonValue()) as { status: string; records: number };

beforeAll(async () => {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'konduit-browser-'));
  accountToday = localDate(Date.now(), ACCOUNT_ZONE);
  historyFrom = addDays(accountToday, -365);
  // The demo merchant (konduit demo's defaults), with some latency so the progress is visible.
  sb = await startSandbox({ seed: 'demo', customers: 1500, start: historyFrom, timezone: ACCOUNT_ZONE, latencyMs: 25, profile: 'rich' });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  srv = await startServer({ store, statePath: join(dir, 'web.json'), locksDir: join(dir, 'locks'), port: 0, schedule: false, syncRate: 0 });
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: BROWSER_ZONE, acceptDownloads: true, locale: 'en-US' });
  page = await ctx.newPage();
}, 120_000);

afterAll(() => tearDown({ browser, srv, store, sb, dir }));

describe('a new user in Chromium', () => {
  it('first visit: creates the admin account and signs in', async () => {
    await page.goto(srv.url);
    await page.waitForSelector('text=Create the admin account');
    await page.fill('input[name=password]', ADMIN_PASSWORD);
    await page.fill('input[name=confirm]', ADMIN_PASSWORD);
    await shot('01-first-visit');
    await page.click('button[type=submit]');
    await page.waitForSelector('.sidebar');
    expect(srv.auth.needsSetup()).toBe(false);
  });

  it('connects the sandbox: the exact reason for a wrong password and for an "&", then success', async () => {
    await page.click('[data-testid=nav-settings]');
    await ready('settings');
    await shot('02-settings');
    await page.click('text=Connect with Konnektive');
    await page.waitForSelector('[data-testid=connect-form]');
    await page.fill('input[name=loginId]', sb.loginId);
    await page.fill('input[name=accountName]', 'Browser Shop');
    await page.fill('input[name=accountUsername]', 'owner');
    await page.click('summary:has-text("Advanced")');
    await page.fill('input[name=baseUrl]', sb.baseUrl);
    await page.selectOption('select[name=timezone]', ACCOUNT_ZONE);

    await page.fill('input[name=password]', 'wrong-password');
    await page.click('button:has-text("Connect")');
    const err = await page.waitForSelector('[data-testid=connect-error]');
    expect(await err.textContent()).toContain('the CRM rejected the API credentials');
    expect(await err.textContent()).toContain('Api User');
    await shot('03-connect-wrong-password');

    await page.fill('input[name=password]', 'with&ampersand');
    expect(await page.textContent('.field-error')).toContain("'&'");
    await page.click('button:has-text("Connect")');
    await page.waitForSelector(`[data-testid=connect-error]:has-text("contains '&'")`);

    await page.fill('input[name=password]', sb.password);
    await page.click('button:has-text("Connect")');
    await ready('integration');
    expect(page.url()).toContain('/settings/integrations/browser-shop');
    const body = await (await page.request.get(`${srv.url}/api/connections/browser-shop`)).text();
    expect(body).not.toContain(sb.password);
  });

  it('chooses a range and a frequency, clicks Sync Data and watches the progress to the end', async () => {
    await page.fill('input[name=from]', historyFrom);
    await page.fill('input[name=to]', accountToday);
    await page.selectOption('select[name=frequency]', '6h');
    // The CRM answers the sync's first dozen calls and holds the rest until the page has shown the sync
    // running with records, so the test sees it mid-sync however fast this machine runs it.
    const first = sb.requestsServed();
    const hold = sb.hold(({ n }) => n >= first + 12);
    await page.click('[data-testid=sync-data]');
    await hold.arrived;
    const seen = [await nextProgress(null)];
    await shot('04-sync-running');
    hold.release();
    // Then every change the page shows, to the end.
    while (seen.at(-1)!.status === 'running') seen.push(await nextProgress(seen.at(-1)!.records));
    const last = seen[seen.length - 1]!;
    expect(last.status).toBe('ok');
    expect(seen.some((s) => s.status === 'running')).toBe(true);
    // The counters only grow while it runs.
    const running = seen.filter((s) => s.status === 'running').map((s) => s.records);
    expect(running).toEqual([...running].sort((a, b) => a - b));
    await page.waitForSelector('[data-table=sync-runs] td:has-text("ok")');
    const detail = (await (await page.request.get(`${srv.url}/api/connections/browser-shop`)).json()) as { connection: { frequency: string; historyFrom: string }; runs: { records: number; status: string }[] };
    expect(detail.connection).toMatchObject({ frequency: '6h', historyFrom });
    expect(detail.runs[0]).toMatchObject({ status: 'ok', records: last.records });
    expect(last.records).toBeGreaterThan(1000);
    await shot('05-sync-done');
  });

  let laTiles: Record<string, string>;
  // Read once: the page's URL and the CLI's range are the same dates even if midnight passes between them.
  const browserToday = localDate(Date.now(), BROWSER_ZONE);
  const to = () => browserToday;
  const overviewUrl = () => `${srv.url}/reports/overview?preset=custom&from=${addDays(to(), -59)}&to=${to()}`;

  it('shows the summary in the browser zone, equal to konduit report summary', async () => {
    await page.goto(overviewUrl());
    await ready('overview');
    expect(await page.textContent('[data-testid=tz-note]')).toContain(BROWSER_ZONE);
    laTiles = await tiles();
    const expected = await cli('summary', { from: addDays(to(), -59), to: to(), tz: BROWSER_ZONE });
    expect(laTiles).toEqual(tileValues(expected));
    expect(Number(laTiles.grossRevenue)).toBeGreaterThan(0);
    // What the tile prints is the same amount, formatted.
    const [whole, cents] = expected.total.grossRevenue.current.split('.');
    expect(await page.textContent('[data-figure=grossRevenue] .tile-value')).toBe(`$${Number(whole).toLocaleString('en-US')}.${cents}`);
    await shot('06-overview');
  });

  it('shows cohort LTV equal to konduit report cohorts', async () => {
    const from = `${historyFrom.slice(0, 7)}-01`;
    await page.goto(`${srv.url}/reports/cohorts?preset=custom&from=${from}&to=${to()}`);
    await ready('cohorts');
    const cells = await heatCells();
    const expected = await cli('cohorts', { from, to: to(), tz: BROWSER_ZONE });
    const want = expected.cohorts.flatMap((c) => Object.entries(c.ltv).map(([h, v]) => ({ cohort: c.cohort, horizon: h, value: v.value, complete: String(v.complete) })));
    expect(cells.length).toBeGreaterThan(50);
    expect(cells).toEqual(want);
    await shot('07-cohorts');
  });

  it('changing the time zone moves the figures as the definitions say (days cut in the new zone)', async () => {
    await page.goto(overviewUrl());
    await ready('overview');
    await page.selectOption('[data-testid=tz]', 'Asia/Tokyo');
    await ready('overview', '[data-query*="Asia%2FTokyo"]');
    expect(await page.textContent('[data-testid=tz-note]')).toContain('Asia/Tokyo');
    const tokyo = await tiles();
    expect(tokyo).toEqual(tileValues(await cli('summary', { from: addDays(to(), -59), to: to(), tz: 'Asia/Tokyo' })));
    // Tokyo's days start 16-17 hours before Los Angeles' days: the same dates hold other sales.
    expect(TILE_KEYS.some((k) => tokyo[k] !== laTiles[k])).toBe(true);
    await shot('08-overview-tokyo');

    const from = `${historyFrom.slice(0, 7)}-01`;
    await page.click('[data-testid=nav-cohorts]');
    await page.goto(`${srv.url}/reports/cohorts?preset=custom&from=${from}&to=${to()}`);
    await ready('cohorts', '[data-query*="Asia%2FTokyo"]');
    const cells = await heatCells();
    const c = await cli('cohorts', { from, to: to(), tz: 'Asia/Tokyo' });
    expect(cells).toEqual(c.cohorts.flatMap((x) => Object.entries(x.ltv).map(([h, v]) => ({ cohort: x.cohort, horizon: h, value: v.value, complete: String(v.complete) }))));
  });

  it('exports a table as CSV', async () => {
    await page.goto(overviewUrl());
    await ready('overview', '[data-query*="Asia%2FTokyo"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=series]')]);
    const path = join(ARTIFACTS, download.suggestedFilename());
    await download.saveAs(path);
    const lines = (await readFile(path, 'utf8')).trim().split(/\r\n/);
    expect(lines[0]).toBe('Day,Gross revenue (USD),Refunds & chargebacks (USD),Chargebacks alone (USD),Net revenue (USD),Orders,New customers,AOV (USD)');
    expect(lines).toHaveLength(61);
    const series = await cli('series', { from: addDays(to(), -59), to: to(), tz: 'Asia/Tokyo' }, 'day');
    const p0 = series.points[0]!;
    expect(lines[1]!.split(',').slice(0, 2)).toEqual([p0.period, p0.grossRevenue]);

    await page.click('[data-testid=nav-cohorts]');
    await ready('cohorts');
    const [cohortCsv] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=cohorts]')]);
    await cohortCsv.saveAs(join(ARTIFACTS, cohortCsv.suggestedFilename()));
    expect((await readFile(join(ARTIFACTS, cohortCsv.suggestedFilename()), 'utf8')).split('\r\n')[0]).toMatch(/^Cohort,Customers,1d \(USD\),7d \(USD\)/);
  });

  it('shows retention, MID health, declines, chargebacks and breakdowns', async () => {
    for (const [nav, name] of [['nav-retention', 'retention'], ['nav-mids', 'mids'], ['nav-declines', 'declines'], ['nav-chargebacks', 'chargebacks'], ['nav-breakdowns', 'breakdowns']] as const) {
      await page.click(`[data-testid=${nav}]`);
      await ready(name);
      await shot(`09-${name}`);
      // Every page says what the data covers: from the first day synced, account time.
      expect(await page.textContent(`[data-page=${name}] .coverage`)).toContain(`from ${historyFrom} to `);
      const api = async <T,>(report: string, extra = '') => {
        const query = (await page.getAttribute(`[data-page=${name}]`, 'data-query')) ?? '';
        return (await (await page.request.get(`${srv.url}/api/reports/${report}${query}${extra}`)).json()) as T;
      };
      if (name === 'mids') {
        // One tile per MID, leading with its last complete month; the running month (today's) is drawn as a projection.
        const body = await api<MidsJson>('mids');
        const mids = [...new Set(body.rows.map((r) => r.key))];
        expect(await page.$$eval('[data-testid=mid-summary] .tile', (ts) => ts.length)).toBe(mids.length);
        const running = accountToday.slice(0, 7);
        expect(body.rows.filter((r) => r.projected).every((r) => r.month === running)).toBe(true);
        for (const key of mids) {
          const done = body.rows.filter((r) => r.key === key && !r.projected);
          if (done.length === 0) continue;
          expect(await page.getAttribute(`[data-mid="${key}"] .tile-value`, 'data-month')).toBe(done[done.length - 1]!.month);
        }
        expect(await page.$$('[data-testid=mid-summary] [data-projected]')).toHaveLength(new Set(body.rows.filter((r) => r.projected).map((r) => r.key)).size);
        expect(await page.$$('[data-table=mids] tbody tr')).toHaveLength(body.rows.length);
        // A few hundred customers are far below every program's count minimum: no program labels a MID.
        expect(body.rows.some((r) => r.visa.status === 'excessive' || ['CMM', 'ECM', 'HECM'].includes(r.mastercard.status))).toBe(false);
        // An alert rule set on the page (0.01% of every network's sales) fires for a MID with a chargeback and marks its tile.
        const charged = body.rows.find((r) => r.chargebacks > 0 && !r.projected)!;
        expect(await page.$(`[data-mid="${charged.key}"][data-alert=firing]`)).toBeNull();
        await page.fill('[data-testid=alert-rules] input[aria-label=MID]', charged.mid);
        await page.selectOption('[data-testid=alert-rules] select[aria-label=Ratio]', 'total');
        await page.fill('[data-testid=alert-rules] input[aria-label="Threshold in percent"]', '0.01');
        await page.click('[data-testid=alert-rules] button[type=submit]');
        await page.waitForSelector(`[data-mid="${charged.key}"][data-alert=firing]`);
        expect(await page.textContent(`[data-rule="${charged.key}"]`)).toContain('0.01%');
        const fired = await api<MidsJson>('mids');
        expect(fired.alerts.filter((a) => a.key === charged.key).map((a) => a.month)).toContain(charged.month);
        await shot('09-mids-alert');
        await page.click(`[data-rule="${charged.key}"] button`);
        await page.waitForSelector(`[data-mid="${charged.key}"]:not([data-alert])`);
        expect(await page.$(`[data-rule="${charged.key}"]`)).toBeNull();
      }
      if (name === 'declines') {
        const body = await api<DeclinesJson>('declines');
        expect(await page.$$('[data-table=declines-mid] tbody tr')).toHaveLength(body.rows.length);
        expect(await page.textContent('[data-testid=declines-total]')).toContain(`${body.total.attempts.toLocaleString('en-US')} attempts`);
        await page.click('[data-view=retry]');
        await ready('declines', '[data-query*="by=retry"]');
        const retry = await api<DeclinesJson>('declines');
        expect(retry.by).toBe('retry');
        expect(await page.$$('[data-table=declines-retry] tbody tr')).toHaveLength(retry.recycle.byRetry.length);
        expect(retry.recycle.byRetry.length).toBeGreaterThan(1);
      }
      if (name === 'chargebacks') {
        const body = await api<ChargebacksJson>('chargebacks');
        expect(body.total.chargebacks).toBeGreaterThan(0);
        expect(await page.$$('[data-table=chargebacks-reason] tbody tr')).toHaveLength(body.byReason.length);
        expect(await page.textContent('[data-testid=chargebacks-total]')).toContain(`${body.total.chargebacks.toLocaleString('en-US')} chargebacks`);
        await shot('09-chargebacks-by-reason');
      }
      if (name !== 'retention') continue;
      // Retention per cycle with its due base: cycles with subscriptions not yet due are marked, as the API says.
      const query = await page.getAttribute('[data-page=retention]', 'data-query');
      const body = (await (await page.request.get(`${srv.url}/api/reports/retention${query ?? ''}`)).json()) as { rows: { cycles: { complete: boolean }[] }[] };
      const pending = body.rows.flatMap((r) => r.cycles).filter((c) => !c.complete).length;
      expect(await page.$$eval('[data-table=retention] thead th', (ths) => ths.map((t) => t.textContent))).toEqual(expect.arrayContaining(['Due', 'Declined', 'Pending']));
      expect(await page.$$('[data-table=retention] [data-complete=false]')).toHaveLength(pending);
    }
    expect(await page.$$('[data-table^=breakdown-] tbody tr')).not.toHaveLength(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.click('[aria-label=Menu]');
    await page.click('[data-testid=nav-overview]');
    await ready('overview');
    await shot('10-phone-overview');
    await page.setViewportSize({ width: 1366, height: 900 });
  });

  it('a second account selling in pesos: a currency picker, amounts in the picked currency, names in grouped tables and filter lists', async () => {
    // A second account (base USD) whose campaign ids collide with the sandbox's: pesos, and one dollar sale.
    const peso = await store.saveConnection({ name: 'peso-shop', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'P', accountUsername: 'U', timezone: ACCOUNT_ZONE, frequency: 'daily' });
    const day = (n: number) => crmWallToInstant(`${addDays(to(), -n)} 12:00:00`, ACCOUNT_ZONE) ?? 0;
    const ev = (id: number, n: number, cents: number, currency: string): MoneyEvent => ({
      event_id: `sale:${id}`, kind: 'sale', transaction_id: id, instant: day(n), amount_cents: cents, customer_id: id, order_id: `P${id}`, purchase_id: null, campaign_id: 1, product_id: 11,
      aff_id: null, source_value1: null, merchant_id: 3, billing_cycle: 1, is_initial: true, currency, coupon_code: null, attribution: null,
    });
    const events = [ev(1, 3, 123450, 'MXN'), ev(2, 5, 99900, 'MXN'), ev(3, 6, 2500, 'USD')];
    await store.writePages([
      { connectionId: peso.connectionId, table: 'transactions', rows: events.map((e) => ({ transaction_id: e.transaction_id, customer_id: e.customer_id })), ledger: { transactionIds: events.map((e) => e.transaction_id), events } },
      { connectionId: peso.connectionId, table: 'campaigns', rows: [{ campaign_id: 1, name: 'Tienda Uno' }] },
    ]);
    // A range not asked before (the server keeps answers for a minute).
    const from = addDays(to(), -44);
    await page.goto(`${srv.url}/reports/overview?preset=custom&from=${from}&to=${to()}`);
    await ready('overview');
    // The viewer zone the page is in (an earlier test chose another).
    const tz = await page.inputValue('[data-testid=tz]');
    const picker = await page.waitForSelector('[data-testid=currency]');
    expect(await picker.$$eval('option', (os) => os.map((o) => o.getAttribute('value')))).toEqual(['MXN', 'USD']);
    expect(await page.textContent('[data-testid=currency-note]')).toContain('Also sold in this range (not added in): MX$2,233.50.');
    const usd = await cli('summary', { from, to: to(), tz });
    expect(await tiles()).toEqual(tileValues(usd));
    await page.selectOption('[data-testid=currency]', 'MXN');
    await ready('overview', '[data-query*="currency=MXN"]');
    const mxn = await cli('summary', { from, to: to(), tz, currency: 'MXN' });
    expect(mxn.total.grossRevenue.current).toBe('2233.50');
    expect(await tiles()).toEqual(tileValues(mxn));
    expect(await page.getAttribute('[data-testid=tiles]', 'data-currency')).toBe('MXN');
    expect(await page.textContent('[data-figure=grossRevenue] .tile-value')).toBe('MX$2,233.50');
    expect(await page.textContent('[data-figure=aov] .tile-value')).toBe('MX$1,116.75');
    expect(await page.textContent('[data-testid=currency-note]')).toContain(`Amounts in MXN. Also sold in this range (not added in): $${Number(usd.total.grossRevenue.current.split('.')[0]).toLocaleString('en-US')}.${usd.total.grossRevenue.current.split('.')[1]}`);
    await shot('13-overview-pesos');

    // Grouped by campaign in dollars: each account's campaign 1, with its connection and its name.
    await page.goto(`${srv.url}/reports/breakdowns?preset=custom&from=${from}&to=${to()}&dim=campaign`);
    await ready('breakdowns');
    const headers = await page.$$eval('[data-table=breakdown-campaign] th', (ths) => ths.map((t) => t.textContent));
    expect(headers.slice(0, 4)).toEqual(['Connection', 'Campaign', 'Campaign name', 'Gross revenue (USD)']);
    const rows = await page.$$eval('[data-table=breakdown-campaign] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 4).map((td) => td.textContent)));
    const glow = sb.merchant.campaigns.find((c) => c.campaignId === 1)?.name;
    expect(rows).toContainEqual(['browser-shop', '1', glow, expect.stringMatching(/^\$[\d,]+\.\d\d$/)]);
    expect(rows).toContainEqual(['peso-shop', '1', 'Tienda Uno', '$25.00']);
    await shot('14-breakdowns-two-accounts');

    // The filter offers names to pick from; the pick filters that account's campaign only.
    await page.selectOption('select[aria-label="Filter field"]', 'campaign');
    await page.fill('input[aria-label="Filter value"]', 'tienda');
    await page.waitForSelector('datalist#filter-values option[value="peso-shop:1"]', { state: 'attached' });
    expect(await page.getAttribute('datalist#filter-values option[value="peso-shop:1"]', 'label')).toBe('Tienda Uno (#1 · peso-shop)');
    await page.fill('input[aria-label="Filter value"]', 'peso-shop:1');
    await page.click('form:has([aria-label="Filter value"]) button[type=submit]');
    await ready('breakdowns', '[data-query*="peso-shop"]');
    expect(await page.textContent('[data-filter="campaign:peso-shop:1"]')).toContain('Campaign = Tienda Uno (#1 · peso-shop)');
    expect(await page.$$eval('[data-table=breakdown-campaign] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)))).toEqual([['1', 'Tienda Uno', '$25.00']]);
  });

  it('every page shows its data, by a click in the app and by a full load', async () => {
    await page.selectOption('[data-testid=tz]', BROWSER_ZONE);
    for (const [link, name, path, from] of dashboardPages('browser-shop')) {
      await page.goto(`${srv.url}${from}`);
      await page.waitForSelector('[data-ready="true"]');
      await page.click(`[data-testid=${link}]`);
      await ready(name);
      expect(new URL(page.url()).pathname, name).toBe(path);
      await page.goto(`${srv.url}${path}`, { waitUntil: 'commit' });
      await ready(name);
      expect(await page.$('.sidebar'), name).not.toBeNull();
    }
  });
});

describe('security in the browser', () => {
  let evil: Server;
  afterAll(() => new Promise<void>((r) => (evil ? evil.close(() => r()) : r())));

  it('a cross-site form post is refused (the session cookie rides along; the Origin and CSRF checks stop it)', async () => {
    // Another origin on the same host (a different port): the browser still sends our SameSite cookie,
    // so only the Origin and CSRF-token checks stand between this form and the API.
    evil = createServer((_req, res) => {
      res.setHeader('content-type', 'text/html');
      res.end(`<!doctype html><form id=f method=POST action="${srv.url}/api/tokens" enctype="text/plain"><input name='{"name":"stolen","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`);
    });
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    const [response] = await Promise.all([page.waitForResponse((r) => r.url() === `${srv.url}/api/tokens`), page.goto(evilUrl)]);
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain('cross-site request refused');
    const tokens = (await (await page.request.get(`${srv.url}/api/tokens`)).json()) as { tokens: unknown[] };
    expect(tokens.tokens).toHaveLength(0);
    await page.screenshot({ path: join(ARTIFACTS, '11-cross-site-refused.png') });
  });

  it('without a session: the API answers 401 and the browser sees only the sign-in page', async () => {
    const anon = await browser.newContext({ timezoneId: BROWSER_ZONE });
    const p = await anon.newPage();
    for (const path of ['/api/connections', '/api/reports/summary', '/api/reports/cohorts', '/api/tokens', '/api/connections/browser-shop/runs']) {
      expect((await p.request.get(`${srv.url}${path}`)).status(), path).toBe(401);
    }
    await p.goto(`${srv.url}/reports/cohorts`, { waitUntil: 'commit' });
    await p.waitForSelector('[data-page=login]');
    expect(await p.$('.sidebar')).toBeNull();
    await p.screenshot({ path: join(ARTIFACTS, '12-signed-out.png') });
    await anon.close();
  });
});
