/**
 * The Customers and Reconciliation pages in real Chromium (Debian's, via playwright-core), against a
 * sandbox merchant synced into the store, with the browser in Noumea and the account in New York (15
 * hours apart in summer). A customer is found by e-mail and opened from the customers table; the page
 * shows every transaction, refund and chargeback of the sandbox's ground truth, the running LTV, the
 * cohort and the notes count, and the card no longer than its first 6 and last 4 digits. The
 * reconciliation page shows every difference explained, the same counts as GET /api/reconcile. The web
 * bundle is built fresh for the test (a stale dist/web would not have these pages). Screenshots go to
 * test-artifacts/customers/.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateOnlyToInstant, localDate } from '../core/time.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { Customer } from '../sandbox/model.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { launchChromium, pageReady, tearDown, signIn } from '../../test/chromium.js';
import { connectAndBackfill } from '../../test/synced-sandbox.js';
import { axeProblems } from '../../test/axe.js';
import type { ReconcileJson } from '../report/reconcile.js';
import { startServer, type RunningServer } from './index.js';

const ARTIFACTS = resolve('test-artifacts/customers');
const ACCOUNT = 'America/New_York';
const VIEWER = 'Pacific/Noumea';
const ADMIN = 'customers-admin-pass';

let dir: string;
let sb: Sandbox;
let store: Store;
let srv: RunningServer;
let browser: Browser;
let page: Page;

const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
/** axe-core finds no serious or critical violation, and all content is in landmarks. */
async function expectAccessible(what: string) {
  const problems = await axeProblems(page);
  expect(problems, `${what}: ${JSON.stringify(problems, null, 1)}`).toEqual([]);
}
/** The texts of a table's column (0-based), row by row. */
const column = (table: string, i: number) => page.$$eval(`[data-table="${table}"] tbody tr`, (rows, k) => rows.map((r) => (r.querySelectorAll('td')[k as number]?.textContent ?? '').trim()), i);

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'konduit-customers-browser-'));
  const webRoot = join(dir, 'web');
  execFileSync('npx', ['vite', 'build', '--config', 'src/web/vite.config.ts', '--outDir', webRoot, '--emptyOutDir'], { stdio: 'ignore' });
  sb = await startSandbox({ seed: 'reconcile-2', customers: 2500, start: '2024-10-01', now: '2025-06-20 18:00:00', profile: 'rich', timezone: ACCOUNT, unreadableRate: 0.01 });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  await connectAndBackfill(store, sb, { from: '2024-10-01', today: '2025-06-20' });
  srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot, schedule: false });
  browser = await launchChromium();
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: VIEWER, locale: 'en-US' });
  page = await ctx.newPage();
  await signIn(page, srv.url, ADMIN);
}, 300_000);

afterAll(() => tearDown({ browser, srv, store, sb, dir }));

/** The sandbox customer with the most kinds of event: a chargeback, then a refund, then a subscription. */
function richest(): Customer {
  const m = sb.merchant;
  const score = (c: Customer) => {
    const xs = m.txns.filter((x) => x.order.customer === c && x.t <= Date.parse('2025-06-20T22:00:00Z'));
    return (xs.some((x) => x.isChargedback === 1 && x.u <= Date.parse('2025-06-20T22:00:00Z')) ? 1000 : 0) + (xs.some((x) => x.type === 'REFUND') ? 100 : 0) + xs.length;
  };
  return [...m.customers].sort((a, b) => score(b) - score(a) || a.customerId - b.customerId)[0]!;
}

describe('the Customers and Reconciliation pages in Chromium', () => {
  it('finds a customer by e-mail, opens them from the table, and shows every event of the ground truth, card masked', async () => {
    const c = richest();
    const m = sb.merchant;
    // What the sandbox held at the sync (it has moved on since): the truth the page must show.
    const synced = Date.parse('2025-06-20T22:00:00Z');
    const xs = m.txns.filter((x) => x.order.customer === c && x.t <= synced);
    await page.click('[data-testid=nav-customers]');
    await pageReady(page, 'customers');
    await page.fill('[data-testid=customer-search]', c.email);
    await page.press('[data-testid=customer-search]', 'Enter');
    await page.waitForSelector(`[data-testid=customer-link-shop-${c.customerId}]`);
    await shot('01-customers');
    await expectAccessible('customers');
    await page.click(`[data-testid=customer-link-shop-${c.customerId}]`);
    await pageReady(page, 'customer', `[data-customer="${c.customerId}"]`);
    await shot('02-customer');
    await expectAccessible('customer');
    expect(page.url()).toBe(`${srv.url}/customers/shop/${c.customerId}`);
    // Every transaction, refund and chargeback.
    expect((await column('customer-transactions', 0)).map(Number).sort()).toEqual(xs.map((x) => x.transactionId).sort());
    const refunds = xs.filter((x) => x.response === 'SUCCESS' && (x.type === 'REFUND' || (x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE')));
    expect((await column('customer-refunds', 2)).map(Number)).toEqual(refunds.sort((a, b) => a.t - b.t).map((x) => x.transactionId));
    const cbs = xs.filter((x) => x.isChargedback === 1 && x.u <= synced);
    expect(cbs.length).toBeGreaterThan(0);
    expect((await column('customer-chargebacks', 2)).map(Number).sort()).toEqual(cbs.map((x) => x.transactionId).sort());
    // Each chargeback on its own date, in the viewer's zone.
    expect((await column('customer-chargebacks', 0)).map((d) => d.slice(0, 10)).sort()).toEqual(cbs.map((x) => localDate(dateOnlyToInstant(x.chargebackDate!, ACCOUNT)!, VIEWER)).sort());
    // The running LTV ends at the customer's net revenue (sales less refunds, voids and chargebacks), in USD.
    const net = xs.reduce((s, x) => {
      if (x.response !== 'SUCCESS') return s;
      const sale = x.type === 'SALE' || x.type === 'CAPTURE' ? x.amount : 0;
      const back = x.type === 'REFUND' || (x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE') ? x.amount : 0;
      return s + sale - back - (x.isChargedback === 1 && x.u <= synced ? (x.chargebackAmount ?? x.amount) : 0);
    }, 0);
    expect(await page.getAttribute('[data-figure=ltv]', 'data-value')).toBe((net / 100).toFixed(2));
    const ltvColumn = await column('customer-events', 5);
    expect(ltvColumn.at(-1)).toBe(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(net / 100));
    const first = xs.filter((x) => x.response === 'SUCCESS' && x.type === 'SALE').sort((a, b) => a.t - b.t)[0]!;
    expect(await page.getAttribute('[data-figure=cohort]', 'data-value')).toBe(localDate(first.t, VIEWER).slice(0, 7));
    expect(await page.getAttribute('[data-figure=notes]', 'data-value')).toBe(String(c.notes.filter((n) => n.t <= synced).length));
    // The card: first 6 and last 4 at most, on the page and nowhere longer.
    expect(await page.$$eval('[data-card]', (els) => els.map((e) => e.getAttribute('data-card')))).toContain(`${c.cardBin}******${c.cardLast4}`);
    expect(await page.innerText('.main')).not.toMatch(/\d{11,}/);
    // A full load of the customer's address draws the same page.
    await page.goto(`${srv.url}/customers/shop/${c.customerId}`);
    await pageReady(page, 'customer', `[data-customer="${c.customerId}"]`);
    expect((await column('customer-transactions', 0)).length).toBe(xs.length);
    // An unknown customer says so.
    await page.goto(`${srv.url}/customers/shop/999999999`);
    await pageReady(page, 'customer');
    expect(await page.textContent('[data-testid=customer-error]')).toContain('shop has no customer 999999999');
  });

  it('reconciles with the CRM: every difference explained, as the API says', async () => {
    const from = '2025-04-01';
    const to = '2025-06-30';
    // Activity after the last sync, for the reconciliation to explain.
    await sb.advanceDays(15);
    await page.click('[data-testid=nav-reconcile]');
    await page.goto(`${srv.url}/reconcile?from=${from}&to=${to}`);
    await pageReady(page, 'reconcile');
    await shot('03-reconcile');
    await expectAccessible('reconcile');
    const api = (await page.evaluate(async (q) => (await fetch(`/api/reconcile${q}`)).json(), `?from=${from}&to=${to}&tz=${encodeURIComponent(VIEWER)}&connection=shop`)) as ReconcileJson;
    expect(api.ok).toBe(true);
    expect(await page.getAttribute('[data-page=reconcile]', 'data-ok')).toBe('true');
    expect(await page.textContent('[data-testid=reconcile-status]')).toContain('Every difference between the CRM and Konduit is explained.');
    for (const r of ['not_synced', 'quarantine'] as const) {
      expect(api.reasons[r]).toBeGreaterThan(0);
      expect(await page.getAttribute(`[data-reason=${r}]`, 'data-value')).toBe(String(api.reasons[r]));
    }
    expect(await page.getAttribute('[data-reason=booked_on_sale_date]', 'data-value')).toBe(String(api.moves.booked_on_sale_date));
    expect(await page.getAttribute('[data-reason=time_zone]', 'data-value')).toBe(String(api.moves.time_zone));
    expect((await column('reconcile-days', 0))).toEqual(api.days.map((l) => l.key));
    expect(new Set(await column('reconcile-days', 12))).toEqual(new Set(['explained']));
    expect((await column('reconcile-explained', 3)).length).toBe(api.days.reduce((s, l) => s + l.explained.length, 0));
  });
});
