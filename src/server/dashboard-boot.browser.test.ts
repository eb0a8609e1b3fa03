/**
 * How a report page starts, in real Chromium (docs/dashboard.md, "Loading a page"): the server's page says
 * whether the request came with a live session, so a signed-in page is drawn at once; the page asks for
 * its reports before anything else of the API, and shows them without waiting on the session check or
 * the sync status. Nothing here is timed: the status and session answers are held back until the report
 * page shows its data, and the order is the order in which the browser sent the requests. The figures
 * drawn are the API's answer to the page's own request, before and after the held answers arrive.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmWallToInstant } from '../core/time.js';
import type { MoneyEvent } from '../ledger/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { launchChromium, pageReady, tearDown } from '../../test/chromium.js';
import { defaultWebRoot, startServer, type RunningServer } from './index.js';

const ADMIN = 'boot-admin-password';
const ZONE = 'America/New_York';

let dir: string;
let store: Store;
let srv: RunningServer;
let browser: Browser;
let ctx: BrowserContext;
let page: Page;
let cookie: string;

beforeAll(async () => {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  dir = await mkdtemp(join(tmpdir(), 'konduit-boot-'));
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  const shop = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: 'http://127.0.0.1:9', loginId: 'shop', password: 'shop-password', accountName: 'Shop', accountUsername: 'owner', timezone: ZONE, frequency: 'daily' });
  // Two sales and a refund in June 2025: figures that are not all zero.
  const at = (day: string) => crmWallToInstant(`${day} 12:00:00`, ZONE) ?? 0;
  const ev = (id: number, kind: 'sale' | 'refund', day: string, cents: number): MoneyEvent => ({
    event_id: `${kind}:${id}`, kind, transaction_id: id, instant: at(day), amount_cents: cents, customer_id: id > 2 ? 1 : id, order_id: `O${id}`, purchase_id: null, campaign_id: 1, product_id: 11,
    aff_id: null, source_value1: null, merchant_id: 3, billing_cycle: 1, is_initial: kind === 'sale', currency: 'USD', coupon_code: null, attribution: null,
  });
  const events = [ev(1, 'sale', '2025-06-03', 4999), ev(2, 'sale', '2025-06-10', 2500), ev(3, 'refund', '2025-06-12', -1000)];
  await store.writePages([{ connectionId: shop.connectionId, table: 'transactions', rows: events.map((e) => ({ transaction_id: e.transaction_id, customer_id: e.customer_id })), ledger: { transactionIds: events.map((e) => e.transaction_id), events } }]);
  srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, schedule: false });
  browser = await launchChromium();
  ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, timezoneId: ZONE, locale: 'en-US' });
  const res = await ctx.request.post(`${srv.url}/api/session`, { data: { username: 'admin', password: ADMIN }, headers: { origin: srv.url } });
  expect(res.status()).toBe(200);
  cookie = (await ctx.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  page = await ctx.newPage();
}, 120_000);

afterAll(() => tearDown({ ctx, browser, srv, store, dir }));

/** The overview's tiles as drawn: each figure's value (data-value), by key. */
async function tilesDrawn(): Promise<Record<string, string>> {
  const tiles = await page.$$eval('[data-page=overview] [data-figure]', (els) => els.map((e) => [e.getAttribute('data-figure') ?? '', e.getAttribute('data-value') ?? ''] as const));
  return Object.fromEntries(tiles);
}

/** The figures of the tiles `drawn` (tilesDrawn) from the API's answer to `url` (the summary request the page sent). */
async function tilesAnswered(url: string, drawn: Record<string, string>): Promise<Record<string, string>> {
  const res = await ctx.request.get(url);
  expect(res.status()).toBe(200);
  const body = (await res.json()) as { total: Record<string, { current: string | number | null }> };
  return Object.fromEntries(Object.keys(drawn).map((k) => [k, String(body.total[k]?.current ?? '')]));
}

/** The root element of the page the server answers for `path`, with the cookie header given. */
async function rootOf(path: string, cookieHeader: string | null): Promise<string> {
  const res = await fetch(`${srv.url}${path}`, { headers: cookieHeader ? { cookie: cookieHeader } : {} });
  expect(res.status).toBe(200);
  return /<div id="root"[^>]*>/.exec(await res.text())?.[0] ?? 'no root element';
}

describe('a report page starts', () => {
  it('the page says signed-in only for a request with a live session', async () => {
    expect(await rootOf('/reports/overview', cookie)).toBe('<div id="root" data-session="signed-in">');
    expect(await rootOf('/reports/overview', null)).toBe('<div id="root">');
    // A session cookie the server does not know (signed out, expired, forged) is no session.
    expect(await rootOf('/reports/overview', 'konduit_session=not-a-session; konduit_csrf=x')).toBe('<div id="root">');
    // Only the app's pages: an asset is served as built.
    const assets = [...(await (await fetch(`${srv.url}/`, { headers: { cookie } })).text()).matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    expect(await (await fetch(`${srv.url}${assets[0]}`, { headers: { cookie } })).text()).not.toContain('data-session="signed-in"');
  });

  it('asks for its reports first, and shows them while the session check and the sync status are held back', async () => {
    const sent: URL[] = [];
    const onRequest = (r: { url(): string }) => {
      const u = new URL(r.url());
      if (u.pathname.startsWith('/api/')) sent.push(u);
    };
    page.on('request', onRequest);
    const held: Route[] = [];
    await page.route(/\/api\/(status|session)$/, (route) => void held.push(route));
    let drawn: Record<string, string>;
    let summaryUrl: string;
    try {
      await page.goto(`${srv.url}/reports/overview?preset=custom&from=2025-06-01&to=2025-06-30`);
      // Drawn with its figures while neither /api/session nor /api/status has answered.
      await pageReady(page, 'overview');
      expect(new Set(held.map((r) => new URL(r.request().url()).pathname))).toEqual(new Set(['/api/session', '/api/status']));
      // The reports left before anything else of the API.
      const paths = sent.map((u) => u.pathname);
      expect(paths.slice(0, 2).sort()).toEqual(['/api/reports/series', '/api/reports/summary']);
      expect(paths.slice(2).sort()).toEqual(['/api/session', '/api/status']);
      // The figures drawn are the API's answer to the page's summary request: the June sales, net of the refund.
      summaryUrl = sent.find((u) => u.pathname === '/api/reports/summary')!.href;
      drawn = await tilesDrawn();
      expect(drawn.grossRevenue).toBe('74.99');
      expect(drawn.netRevenue).toBe('64.99');
      expect(drawn).toEqual(await tilesAnswered(summaryUrl, drawn));
    } finally {
      page.off('request', onRequest);
      await page.unroute(/\/api\/(status|session)$/);
      for (const r of held) await r.continue().catch(() => undefined);
    }
    // Once they answer, the page is the same page: signed in, its figures kept.
    await page.waitForSelector('.sidebar-foot:has-text("Signed in as admin")');
    await pageReady(page, 'overview');
    const after = await tilesDrawn();
    expect(after).toEqual(drawn);
    expect(after).toEqual(await tilesAnswered(summaryUrl, after));
  });

  it('a request without a session shows the sign-in page, and never the dashboard first', async () => {
    const anon = await browser.newContext({ timezoneId: ZONE });
    try {
      const p = await anon.newPage();
      const seen: string[] = [];
      p.on('request', (r) => {
        const u = new URL(r.url());
        if (u.pathname.startsWith('/api/')) seen.push(u.pathname);
      });
      await p.goto(`${srv.url}/reports/overview`);
      await p.waitForSelector('[data-page=login]');
      // The app waited for the session check: it asked for no report.
      expect(seen).toEqual(['/api/session']);
      expect(await p.$('.sidebar')).toBeNull();
    } finally {
      await anon.close();
    }
  });
});
