/**
 * The economics page in real Chromium: a sandbox merchant synced into a store, its costs and a spend
 * export imported as a merchant would (`konduit costs import`'s code path), then the page signed in: the
 * sources in the order and with the figures of GET /api/reports/economics (the same body as
 * `konduit report economics --format json`), the cohorts behind a source on a click, another source
 * kind by the picker (kept in the URL), a full load of the URL, and the CSV export; then the Costs page:
 * a pasted range saved, a bad row named with nothing saved, the change log. Both pages pass axe-core (no
 * serious or critical violation). Screenshots go to test-artifacts/economics/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCostFile } from '../costs/apply.js';
import { addDays, localDate } from '../core/time.js';
import { CrmClient } from '../crm/client.js';
import type { EconomicsJson } from '../report/json.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { runSync } from '../sync/run.js';
import { launchChromium, pageReady, tearDown } from '../../test/chromium.js';
import { axeProblems } from '../../test/axe.js';
import { defaultWebRoot, startServer, type RunningServer } from './index.js';

const ARTIFACTS = resolve('test-artifacts/economics');
const ZONE = 'America/New_York';
const ADMIN = 'economics-browser-admin';

let dir: string;
let sb: Sandbox;
let store: Store;
let srv: RunningServer;
let browser: Browser;
let page: Page;
let cookie = '';
let from: string;
let to: string;

/** The API's body for the page's query, read with the test's own session. */
async function apiBody(params: Record<string, string>): Promise<EconomicsJson> {
  const res = await fetch(`${srv.url}/api/reports/economics?${new URLSearchParams(params).toString()}`, { headers: { cookie } });
  expect(res.status).toBe(200);
  return (await res.json()) as EconomicsJson;
}

/** The source rows the page shows, in order, with their figures as data attributes. */
async function sourceRows(): Promise<{ group: string; rank: string; status: string; cac: string; spend: string; customers: string }[]> {
  return page.$$eval('tr.source-row', (rows) =>
    rows.map((r) => ({
      group: r.getAttribute('data-source') ?? '',
      rank: r.getAttribute('data-rank') ?? '',
      status: r.querySelector('[data-payback-status]')?.getAttribute('data-payback-status') ?? '',
      cac: r.querySelector('[data-cac]')?.getAttribute('data-cac') ?? '',
      spend: r.querySelector('[data-spend]')?.getAttribute('data-spend') ?? '',
      customers: r.querySelector('[data-customers]')?.getAttribute('data-customers') ?? '',
    })),
  );
}

const expected = (b: EconomicsJson) =>
  b.sources.map((s) => ({ group: s.group, rank: String(s.rank), status: s.total.paybackStatus, cac: s.total.cac ?? '', spend: s.total.spend ?? '', customers: String(s.total.customers) }));

beforeAll(async () => {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'konduit-economics-browser-'));
  const accountToday = localDate(Date.now(), ZONE);
  const start = addDays(accountToday, -240);
  sb = await startSandbox({ seed: 'economics-browser', customers: 400, start, timezone: ZONE, profile: 'rich' });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  const conn = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Shop', accountUsername: 'U', timezone: ZONE, frequency: 'daily' });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
  await runSync({ store, source: client, connectionId: conn.connectionId, timezone: ZONE, concurrency: 8, today: accountToday, mode: { kind: 'backfill', from: start, to: accountToday } });
  // Costs as a merchant enters them: a YAML of rates and a spend CSV per affiliate and per campaign, weekly.
  const m = sb.merchant;
  const rates = [
    'products:', ...m.products.map((p) => `  - { product: ${p.productId}, cost: ${(6 + (p.productId % 7)).toFixed(2)}, fulfilment: 3.50 }`),
    'processing:', '  - { mid: "*", rate: 3.1%, fixed: 0.30, chargeback: 20.00, refund: 1.00 }',
    'payouts:', ...m.affiliates.map((a, i) => `  - { affiliate: ${JSON.stringify(a.affId)}, cpa: ${(10 + 15 * i).toFixed(2)} }`),
  ].join('\n');
  await importCostFile(store, conn, Buffer.from(rates), { file: 'rates.yaml' }, { actor: 'test', via: 'cli', origin: 'rates.yaml' });
  const lines = ['day,source,spend'];
  for (let d = start, w = 0; d <= accountToday; d = addDays(d, 7), w++) {
    m.affiliates.forEach((a, i) => lines.push(`${d},affiliate:${a.affId},${(40 + 90 * i + (w % 5) * 7).toFixed(2)}`));
    m.campaigns.filter((c) => c.currency.code === 'USD').forEach((c, i) => lines.push(`${d},campaign:${c.campaignId},${(120 + 60 * i).toFixed(2)}`));
  }
  await importCostFile(store, conn, Buffer.from(`${lines.join('\n')}\n`), { file: 'spend.csv' }, { actor: 'test', via: 'cli', origin: 'spend.csv' });
  srv = await startServer({ store, statePath: join(dir, 'web.json'), locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, schedule: false });
  const login = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
  cookie = login.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
  // The first whole month of the data: the range starts inside it.
  from = `${addDays(`${start.slice(0, 7)}-01`, 32).slice(0, 7)}-01`;
  to = accountToday;
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: ZONE, acceptDownloads: true, locale: 'en-US' });
  page = await ctx.newPage();
}, 180_000);

afterAll(() => tearDown({ browser, srv, store, sb, dir }));

describe('the economics page in Chromium', () => {
  it('signs in and opens the page from the sidebar', async () => {
    await page.goto(srv.url);
    await page.fill('input[name=username]', 'admin');
    await page.fill('input[name=password]', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('.sidebar');
    await page.click('[data-testid=nav-economics]');
    await pageReady(page, 'economics');
    expect(new URL(page.url()).pathname).toBe('/reports/economics');
  });

  it('ranks the affiliates by payback with the API\'s figures, and shows the cohorts behind one on a click', async () => {
    await page.goto(`${srv.url}/reports/economics?range=custom&from=${from}&to=${to}`);
    await pageReady(page, 'economics');
    const body = await apiBody({ from, to, tz: ZONE, source: 'affiliate' });
    expect(body.sources.length).toBeGreaterThan(2);
    expect(body.sources.some((s) => s.total.payback !== null)).toBe(true);
    expect(await sourceRows()).toEqual(expected(body));
    // Ranked: those that pay back first, soonest first.
    const days = body.sources.filter((s) => s.total.payback).map((s) => s.total.payback!.day);
    expect(days).toEqual([...days].sort((a, b) => a - b));
    const headline = await page.textContent('[data-testid=economics-headline]');
    const paying = body.sources.filter((s) => s.total.payback !== null);
    expect(headline).toContain(`${paying.length} of ${body.sources.filter((s) => s.total.spend !== null).length} affiliate sources with spend pay back`);
    expect(headline).toContain(`by day ${paying[0]!.total.payback!.day}`);
    const first = body.sources[0]!;
    await page.click(`tr.source-row[data-source="${first.group}"]`);
    await page.waitForSelector(`tr.cohort-row[data-source="${first.group}"]`);
    const cohorts = await page.$$eval(`tr.cohort-row[data-source="${first.group}"]`, (rows) =>
      rows.map((r) => [r.getAttribute('data-cohort'), r.querySelector('[data-customers]')?.getAttribute('data-customers'), r.querySelector('[data-spend]')?.getAttribute('data-spend'), r.querySelector('[data-ltv="90"]')?.getAttribute('data-value')]),
    );
    expect(cohorts).toEqual(first.cohorts.map((c) => [c.cohort, String(c.customers), c.spend ?? '', c.ltv['90']?.value ?? '']));
    await page.screenshot({ path: join(ARTIFACTS, 'affiliates.png'), fullPage: true });
    expect(await axeProblems(page)).toEqual([]);
    // The cohorts open from the keyboard too: the source's button.
    await page.focus(`[data-expand="${first.group}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`tr.cohort-row[data-source="${first.group}"]`, { state: 'detached' });
  });

  it('switches to campaigns by the picker, keeps it in the URL, and a full load shows the same', async () => {
    await page.selectOption('select[name=source]', 'campaign');
    await pageReady(page, 'economics', '[data-query*="source=campaign"]');
    expect(new URL(page.url()).searchParams.get('source')).toBe('campaign');
    const body = await apiBody({ from, to, tz: ZONE, source: 'campaign' });
    expect(await sourceRows()).toEqual(expected(body));
    await page.reload();
    await pageReady(page, 'economics', '[data-query*="source=campaign"]');
    expect(await sourceRows()).toEqual(expected(body));
    await page.screenshot({ path: join(ARTIFACTS, 'campaigns.png'), fullPage: true });
  });

  it('exports the ranking with every cohort as CSV', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export=economics]')]);
    const text = await readFile((await download.path())!, 'utf8');
    const body = await apiBody({ from, to, tz: ZONE, source: 'campaign' });
    const lines = text.trim().split(/\r?\n/);
    expect(lines).toHaveLength(1 + body.sources.reduce((n, s) => n + 1 + s.cohorts.length, 0));
    expect(lines[0]).toContain('Payback status');
    const top = body.sources[0]!;
    expect(lines[1]!.startsWith(`1,${top.id},`)).toBe(true);
    expect(lines[1]).toContain(`,all,${top.total.customers},${top.total.spend ?? ''},${top.total.cac ?? ''},`);
  });
});

describe('the costs page in Chromium', () => {
  const costs = async () => {
    const res = await fetch(`${srv.url}/api/connections/shop/costs`, { headers: { cookie } });
    return (await res.json()) as { products: Record<string, string>[] };
  };
  const spendOn = async (day: string) => {
    const res = await fetch(`${srv.url}/api/connections/shop/spend?from=${day}&to=${day}`, { headers: { cookie } });
    return ((await res.json()) as { spend: Record<string, string>[] }).spend;
  };
  const paste = async (text: string) => {
    await page.fill('textarea[name=paste]', text);
    await page.click('[data-action=add]');
  };
  const saved = async (text: string) => expect(await page.waitForSelector(`[data-testid=costs-message]:has-text("${text}")`)).toBeTruthy();

  it('shows the product costs as stored and saves a pasted range (a new version of a product\'s cost)', async () => {
    await page.click('[data-testid=nav-costs]');
    await page.waitForSelector('[data-page=costs][data-kind=products][data-ready=true]');
    const before = await costs();
    expect(await page.$$eval('table[data-table=costs-products] tbody tr', (r) => r.length)).toBe(before.products.length);
    const product = before.products[0]!.product!;
    await paste(`product\tcost\tfulfilment\tfrom\n${product}\t9.99\t1.25\t${to}`);
    await page.click('[data-action=save]');
    await saved('Saved: 1 change recorded.');
    const after = await costs();
    expect(after.products).toHaveLength(before.products.length + 1);
    expect(after.products).toContainEqual({ product, campaign: '', currency: 'USD', from: to, cost: '9.99', fulfilment: '1.25' });
    // Saving the same table again changes nothing.
    await page.click('[data-action=save]');
    await saved('Nothing changed.');
  });

  it('names a bad pasted spend row and saves nothing; without it, saves; pasted again, changes nothing', async () => {
    await page.click('[data-tab=spend]');
    await page.waitForSelector('[data-page=costs][data-kind=spend][data-ready=true]');
    const day = addDays(to, -1);
    const before = await spendOn(day);
    await paste(`${day}\tutm:newsletter\t25.00\n${day}\tnewsletter\t10.00\n${day}\tutm:podcast\t1,250.50`);
    await page.click('[data-action=save]');
    await saved('Nothing was saved');
    expect(await page.getAttribute('tr[data-row="2"]', 'class')).toContain('row-bad');
    expect(await page.textContent('[data-issue-row="2"]')).toContain('Row 2, source: "newsletter" is not valid: expected KIND:VALUE');
    expect(await spendOn(day)).toEqual(before);
    await page.click('button[aria-label="Remove row 2"]');
    await page.click('[data-action=save]');
    await saved('Saved: 2 changes recorded.');
    const rows = await spendOn(day);
    expect(rows.filter((r) => r.source?.startsWith('utm:'))).toEqual([
      { day, source: 'utm:newsletter', platform: 'api', currency: 'USD', spend: '25.00' },
      { day, source: 'utm:podcast', platform: 'api', currency: 'USD', spend: '1250.50' },
    ]);
    await paste(`day\tsource\tspend\n${day}\tutm:newsletter\t25.00\n${day}\tutm:podcast\t1250.50`);
    await page.click('[data-action=save]');
    await saved('Nothing changed.');
    await page.screenshot({ path: join(ARTIFACTS, 'costs-spend.png'), fullPage: true });
    expect(await axeProblems(page)).toEqual([]);
  });

  it('lists every change with who made it through the web', async () => {
    await page.click('[data-tab=log]');
    await page.waitForSelector('[data-page=costs][data-kind=log][data-ready=true]');
    expect(await axeProblems(page)).toEqual([]);
    const rows = await page.$$eval('table[data-table=costs-log] tbody tr', (r) => r.slice(0, 3).map((x) => x.textContent ?? ''));
    // A row's text: when, who, via, from, kind, ...
    expect(rows.map((r) => /^\S+ \S+(admin)(web)(POST spend|PUT costs\/products)(spend|products)/.exec(r)?.slice(1))).toEqual([
      ['admin', 'web', 'POST spend', 'spend'], ['admin', 'web', 'POST spend', 'spend'], ['admin', 'web', 'PUT costs/products', 'products'],
    ]);
  });
});
