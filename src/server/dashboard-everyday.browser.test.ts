/**
 * The everyday path without a stumble, in real Chromium, at a phone's 390 px and a desktop's 1440 px: one
 * test per stumble a merchant met on the web (docs/dashboard.md, "Tests"). The store is the demo merchant
 * synced before the server starts, as `konduit demo` and `konduit sync` leave it; the browser is in
 * Tokyo, the account in New York. Each page is also run through axe-core (0 serious or critical
 * violations, a `main`, all content in landmarks). Screenshots go to test-artifacts/everyday/.
 * Nothing here waits for time: each step waits for what the page shows, or for the sandbox's held calls.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../core/time.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Connection, Store } from '../store/store.js';
import { startSync, syncConnection } from '../sync/sync-connection.js';
import { axeProblems } from '../../test/axe.js';
import { launchChromium, pageReady, tearDown } from '../../test/chromium.js';
import { defaultWebRoot, startServer, type RunningServer } from './index.js';

const ARTIFACTS = resolve('test-artifacts/everyday');
const ACCOUNT_ZONE = 'America/New_York';
const BROWSER_ZONE = 'Asia/Tokyo';
const ADMIN = 'everyday-admin-pass';
const VIEWPORTS = [
  { name: 'phone', width: 390, height: 844 },
  { name: 'desktop', width: 1440, height: 900 },
] as const;

let dir: string;
let sb: Sandbox;
let store: Store;
let srv: RunningServer;
let browser: Browser;
let conn: Connection;
let locksDir: string;
let accountToday: string;
let synced: number;

/** The first month of a monthly series is partial unless the range starts on a 1st. */
const want0 = (from: string) => (from.endsWith('-01') ? [] : [0]);

/** "Last N months": the N months ending today, today included (docs/dashboard.md), computed here from the definition. */
function lastMonthsFrom(today: string, n: number): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const idx = y * 12 + m - 1 - n;
  const year = Math.floor(idx / 12);
  const month = idx - year * 12 + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return addDays(`${year}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`, 1);
}

beforeAll(async () => {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'konduit-everyday-'));
  accountToday = localDate(Date.now(), ACCOUNT_ZONE);
  const start = addDays(accountToday, -420);
  sb = await startSandbox({ seed: 'demo', customers: 1500, start, timezone: ACCOUNT_ZONE });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  conn = await store.saveConnection({ name: 'demo-shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Demo Shop', accountUsername: 'owner', timezone: ACCOUNT_ZONE, frequency: 'daily' });
  locksDir = join(dir, 'locks');
  // Synced before the server starts, as `konduit demo` (and `konduit sync`) do: the server ran nothing itself.
  synced = (await syncConnection({ store, connection: conn, mode: { kind: 'backfill', from: start, to: accountToday }, locksDir, requestsPerSecond: 0, today: accountToday })).records;
  srv = await startServer({ store, statePath: join(dir, 'web.json'), locksDir, port: 0, adminPassword: ADMIN, schedule: false, syncRate: 0 });
  browser = await launchChromium();
}, 180_000);

afterAll(() => tearDown({ browser, srv, store, sb, dir }));

/** Runs `body` (a function's source) in the page; the project's TypeScript has no DOM types, so in-page code is text. */
const inPage = <T,>(page: Page, body: string): Promise<T> => page.evaluate(`(() => { ${body} })()`) as Promise<T>;

/** Bounding boxes of the elements `selector` matches, with their text. */
const boxes = (page: Page, selector: string) =>
  inPage<{ text: string; left: number; right: number; top: number; bottom: number }[]>(
    page,
    `return [...document.querySelectorAll(${JSON.stringify(selector)})].map((e) => { const r = e.getBoundingClientRect(); return { text: e.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom }; });`,
  );

const overlaps = (a: { left: number; right: number; top: number; bottom: number }, b: typeof a) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

/** No two boxes intersect. */
function expectApart(list: { text: string; left: number; right: number; top: number; bottom: number }[], what: string) {
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) expect(overlaps(list[i]!, list[j]!), `${what}: "${list[i]!.text}" and "${list[j]!.text}" overlap`).toBe(false);
}

async function expectAccessible(page: Page, what: string) {
  const problems = await axeProblems(page);
  expect(problems, `${what}: ${JSON.stringify(problems, null, 1)}`).toEqual([]);
}

/** Every page axe-core checks: [path, the name its root carries]. */
const AXE_PAGES = [
  ['/reports/overview', 'overview'], ['/reports/cohorts', 'cohorts'], ['/reports/cohorts?view=months', 'cohorts'], ['/reports/retention', 'retention'],
  ['/reports/mids', 'mids'], ['/reports/forecast', 'forecast'], ['/reports/breakdowns', 'breakdowns'], ['/settings', 'settings'], ['/settings/integrations/demo-shop', 'integration'],
  ['/reports/rebills', 'rebills'], ['/reports/declines', 'declines'], ['/reports/chargebacks', 'chargebacks'], ['/reports/economics', 'economics'], ['/customers', 'customers'],
  ['/reconcile', 'reconcile'], ['/costs', 'costs'],
] as const;

for (const vp of VIEWPORTS) {
  describe(`at ${vp.width} px (${vp.name})`, () => {
    let ctx: BrowserContext;
    let page: Page;
    const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${vp.name}-${name}.png`), fullPage: true });
    const open = async (path: string, name: string, extra = '') => {
      await page.goto(`${srv.url}${path}`);
      await pageReady(page, name, extra);
    };

    beforeAll(async () => {
      ctx = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, timezoneId: BROWSER_ZONE, locale: 'en-US' });
      const res = await ctx.request.post(`${srv.url}/api/session`, { data: { username: 'admin', password: ADMIN }, headers: { origin: srv.url } });
      expect(res.status()).toBe(200);
      page = await ctx.newPage();
    });
    afterAll(async () => {
      await ctx?.close();
    });

    it('Settings shows a connection synced by konduit demo/sync as synced, with its records and coverage', async () => {
      // The newest run as the store holds it (the phone's turn ran an incremental sync after the backfill).
      const runs = (await store.readRows('sync_runs', conn.connectionId)).sort((a, b) => Number(b.started_at) - Number(a.started_at));
      const records = Number(runs[0]?.records);
      expect(runs.length > 1 || records === synced).toBe(true);
      await open('/settings', 'settings');
      const item = page.locator('[data-testid=integration-demo-shop]');
      expect(await item.locator('.pill').getAttribute('data-state')).toBe('ok');
      expect(await item.textContent()).not.toContain('Not synced yet');
      const line = await item.locator('[data-testid=status-line]').textContent();
      expect(line).toContain(`${records.toLocaleString('en-US')} record${records === 1 ? '' : 's'}`);
      expect(line).toContain(`data from ${addDays(accountToday, -420)} to ${accountToday}`);
      await expectAccessible(page, 'settings');
      await shot('settings');
      await page.click('[data-testid=integration-demo-shop]');
      await pageReady(page, 'integration');
      expect(await page.getAttribute('[data-testid=connection-status] .pill', 'data-state')).toBe('ok');
      expect(await page.textContent('[data-testid=connection-status]')).toContain(`${records.toLocaleString('en-US')} record`);
      // The records the CRM served unreadable (the real profile serves about 1 in 1,000) are counted, with their reasons.
      const held = await store.quarantined(conn.connectionId);
      expect(held.length).toBeGreaterThan(0);
      expect(await page.textContent('[data-testid=quarantine]')).toContain(`${held.length.toLocaleString('en-US')} record${held.length === 1 ? '' : 's'} from the CRM could not be read`);
      expect(await page.locator('[data-testid=quarantine] li').count()).toBe(Math.min(held.length, 20));
      await expectAccessible(page, 'integration page');
      await shot('integration');
    });

    it('a sync running elsewhere shows a banner on every report page, with what is stored so far', async () => {
      // A sync run outside the server (as `konduit sync` would: its own lock, its own run), held mid-way by the CRM.
      const first = sb.requestsServed();
      const hold = sb.hold(({ n }) => n >= first + 2);
      const running = await startSync({ store, connection: conn, mode: { kind: 'incremental' }, locksDir, requestsPerSecond: 0, today: accountToday });
      await hold.arrived;
      try {
        for (const name of ['overview', 'cohorts', 'retention', 'mids', 'breakdowns']) {
          await open(`/reports/${name}`, name);
          const banner = await page.waitForSelector('[data-testid=sync-banner] [data-connection=demo-shop]');
          const text = await banner.textContent();
          expect(text).toContain('Syncing Demo Shop');
          expect(text).toContain('another Konduit process');
          expect(text).toMatch(/[\d,]+ records? stored so far/);
          expect(text).toContain(`complete days from ${addDays(accountToday, -420)} to ${accountToday}`);
        }
        await shot('sync-banner');
      } finally {
        hold.release();
      }
      await running.done;
      // Once it has ended the banner goes (the page reads the status again while a sync runs).
      await page.waitForSelector('[data-testid=sync-banner]', { state: 'detached' });
    });

    it('labels say what is inside: refunds with chargebacks, chargebacks alone, a refund & chargeback rate', async () => {
      await open('/reports/overview', 'overview');
      const label = (k: string) => page.textContent(`[data-figure=${k}] .tile-label`);
      expect(await label('refunds')).toBe('Refunds & chargebacks');
      expect(await label('chargebacks')).toBe('Chargebacks alone');
      expect(await label('refundRate')).toBe('Refund & chargeback rate');
      expect(await page.textContent('[data-table=series] thead')).toContain('Refunds & chargebacks');
      await expectAccessible(page, 'overview');
    });

    it('"Last 12 months" is the 12 months ending today, not the year to date', async () => {
      await open('/reports/overview?preset=12m', 'overview');
      const t = localDate(Date.now(), BROWSER_ZONE);
      expect(await page.inputValue('input[name=from]')).toBe(lastMonthsFrom(t, 12));
      expect(await page.inputValue('input[name=to]')).toBe(t);
      await page.selectOption('select[name=preset]', 'ytd');
      await pageReady(page, 'overview', `[data-query*="from=${t.slice(0, 4)}-01-01"]`);
      expect(await page.inputValue('input[name=from]')).toBe(`${t.slice(0, 4)}-01-01`);
    });

    it('the monthly chart marks its partial months (the month to date, a month the range cuts) instead of a crash', async () => {
      await open('/reports/overview?preset=12m&by=month', 'overview');
      const t = localDate(Date.now(), BROWSER_ZONE);
      const from = lastMonthsFrom(t, 12);
      const months = await page.$$eval('[data-table=series] tbody tr', (rows) => rows.length);
      await page.waitForSelector('[data-testid=series-chart] .partial-band');
      const marked = await inPage<number[]>(page, `return [...document.querySelectorAll('[data-testid=series-chart] .partial-band')].flatMap((b) => b.dataset.partial.split(',').map(Number));`);
      // Each band covers its own months only (the chart is not shaded whole).
      const bands = await boxes(page, '[data-testid=series-chart] .partial-band');
      const [plot] = await boxes(page, '[data-testid=series-chart] .u-over');
      expect(bands.reduce((w, x) => w + x.right - x.left, 0)).toBeLessThan((plot!.right - plot!.left) * (want0(from).length + 1) / (months - 1));
      // The current month is still running; the first is cut by the range unless it starts on the 1st.
      const want = [...want0(from), months - 1];
      expect(marked).toEqual(want);
      expect(await page.$$eval('[data-table=series] tbody tr', (rows) => rows.map((r, i) => (r.querySelector('[data-partial-row]') ? i : -1)).filter((i) => i >= 0))).toEqual(want);
      expect(await page.textContent('[data-testid=partial-note]')).toContain('still running');
      await shot('overview-monthly');
    });

    it('nothing against nothing reads "no change", never "new" or a percent', async () => {
      // A campaign id no sale has: nothing in the range, nothing in the period before.
      await open('/reports/overview?preset=30d&filter=campaign:999999', 'overview');
      const feet = await inPage<string[]>(page, `return [...document.querySelectorAll('[data-figure] .tile-foot')].map((e) => e.textContent);`);
      expect(feet.length).toBe(11);
      for (const f of feet) {
        expect(f).not.toMatch(/new|%/);
        expect(f).toMatch(/^(no change|–)/);
      }
    });

    it('the CRM basis speaks in the account zone only, and its range ends on the account\'s today', async () => {
      await open('/reports/overview?preset=30d&basis=crm', 'overview', `[data-query*="America%2FNew_York"]`);
      expect(await page.inputValue('input[name=to]')).toBe(localDate(Date.now(), ACCOUNT_ZONE));
      const text = (await page.textContent('main')) ?? '';
      expect(text).toContain('America/New_York');
      expect(text).not.toContain(BROWSER_ZONE);
      expect(await page.textContent('[data-testid=tz-note]')).toContain('the account’s time zone');
      await expectAccessible(page, 'overview, CRM basis');
      await shot('overview-crm-basis');
    });

    it('the connect form asks the account time zone up front, offering the browser\'s', async () => {
      await open('/settings/connect/konnektive', 'connect');
      const zone = page.locator('select[name=timezone]');
      expect(await zone.isVisible()).toBe(true);
      expect(await zone.inputValue()).toBe(BROWSER_ZONE);
      await expectAccessible(page, 'connect form');
      await shot('connect');
    });

    it('chart axis labels never overlap; money is in full where there is room; the readout is exact', async () => {
      await open('/reports/overview?preset=30d&by=day', 'overview');
      await page.waitForSelector('[data-testid=series-chart] .x-label');
      const xs = await boxes(page, '[data-testid=series-chart] .x-label');
      const ys = await boxes(page, '[data-testid=series-chart] .y-label');
      expect(xs.length).toBeGreaterThan(1);
      expectApart([...xs, ...ys], 'series chart labels');
      // Labels stay on the screen.
      for (const b of xs) expect(b.right).toBeLessThanOrEqual(vp.width);
      if (vp.width >= 1440) for (const y of ys) expect(y.text).toMatch(/^-?\$[\d,]+$/);
      // Hover the last day: the readout shows its exact amount, cents included, as the table does.
      const plot = (await page.$('[data-testid=series-chart] .u-over'))!;
      await plot.scrollIntoViewIfNeeded();
      const box = (await plot.boundingBox())!;
      await page.mouse.move(box.x + box.width - 1, box.y + box.height / 2);
      const readout = await page.textContent('[data-testid=series-chart] .u-legend .u-series:nth-child(2) .u-value');
      const lastRow = await page.$$eval('[data-table=series] tbody tr', (rows) => rows[rows.length - 1]?.querySelectorAll('td')[1]?.textContent ?? '');
      expect(readout).toBe(lastRow);
      expect(readout).toMatch(/^\$[\d,]+\.\d\d$/);
      await page.goto(`${srv.url}/reports/cohorts`);
      await pageReady(page, 'cohorts');
      await page.waitForSelector('[data-testid=cohort-chart] .x-label');
      expectApart([...(await boxes(page, '[data-testid=cohort-chart] .x-label')), ...(await boxes(page, '[data-testid=cohort-chart] .y-label'))], 'cohort chart labels');
      await shot('cohorts');
    });

    it('wide tables scroll inside their card with the first column in view; nothing spills off the page', async () => {
      await open('/reports/cohorts', 'cohorts');
      const widths = await inPage<{ doc: number; wrap: number; inner: number }>(
        page,
        `const w = document.querySelector('[data-scroll=cohorts]'); return { doc: document.documentElement.scrollWidth, wrap: w.clientWidth, inner: w.scrollWidth };`,
      );
      expect(widths.doc).toBeLessThanOrEqual(vp.width);
      if (vp.width < 500) {
        expect(widths.inner).toBeGreaterThan(widths.wrap);
        // Scrolled to its far end, the cohort column is still at the card's left edge.
        await inPage(page, `const w = document.querySelector('[data-scroll=cohorts]'); w.scrollLeft = w.scrollWidth; return null;`);
        const [wrapBox] = await boxes(page, '[data-scroll=cohorts]');
        const [firstCell] = await boxes(page, '[data-scroll=cohorts] tbody tr:first-child td:first-child');
        expect(Math.abs(firstCell!.left - wrapBox!.left)).toBeLessThanOrEqual(2);
      }
      await shot('cohorts-table');
      for (const path of ['/reports/breakdowns', '/reports/mids', '/reports/retention', '/reports/overview']) {
        await open(path, path.split('/')[2]!);
        expect(await inPage<number>(page, 'return document.documentElement.scrollWidth;'), path).toBeLessThanOrEqual(vp.width);
        // No header is cut ("net vs pr..."): each shows all its text.
        const cut = await inPage<string[]>(page, `return [...document.querySelectorAll('th button.sort')].filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent);`);
        expect(cut, path).toEqual([]);
      }
    });

    it('every table sorts by any column, by mouse and by keyboard; every header is words', async () => {
      await open('/reports/breakdowns?preset=12m&dim=campaign', 'breakdowns');
      const sel = '[data-table=breakdown-campaign]';
      const col = await inPage<number>(page, `return [...document.querySelectorAll('${sel} th')].findIndex((t) => t.textContent.startsWith('Gross revenue'));`);
      const column = () => inPage<number[]>(page, `return [...document.querySelectorAll('${sel} tbody tr')].map((r) => Number(r.children[${col}].textContent.replace(/[$,]/g, '')));`);
      await page.click(`${sel} th:nth-child(${col + 1}) button`);
      expect(await page.getAttribute(`${sel} th:nth-child(${col + 1})`, 'aria-sort')).toBe('descending');
      const desc = await column();
      expect(desc.length).toBeGreaterThan(1);
      expect(desc).toEqual([...desc].sort((a, b) => b - a));
      await page.focus(`${sel} th:nth-child(${col + 1}) button`);
      await page.keyboard.press('Enter');
      expect(await page.getAttribute(`${sel} th:nth-child(${col + 1})`, 'aria-sort')).toBe('ascending');
      expect(await column()).toEqual([...desc].sort((a, b) => a - b));
      // A text column sorts by text.
      await page.click(`${sel} th:nth-child(2) button`);
      const names = await inPage<string[]>(page, `return [...document.querySelectorAll('${sel} tbody tr')].map((r) => r.children[1].textContent);`);
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
      for (const path of ['/reports/overview', '/reports/cohorts', '/reports/cohorts?view=months', '/reports/retention', '/reports/mids', '/reports/breakdowns', '/settings/integrations/demo-shop']) {
        await page.goto(`${srv.url}${path}`);
        await page.waitForSelector('[data-ready="true"] th');
        const heads = await inPage<string[]>(page, `return [...document.querySelectorAll('th, .tile-label')].map((t) => t.textContent.trim());`);
        for (const h of heads) expect(h, `${path}: "${h}"`).not.toMatch(/_|[a-z][A-Z]/);
      }
    });

    it('works by keyboard alone: a skip link, visible focus, charts described in text', async () => {
      await open('/reports/overview', 'overview');
      await page.keyboard.press('Tab');
      expect(await inPage<string>(page, 'return document.activeElement.textContent;')).toBe('Skip to content');
      await page.keyboard.press('Enter');
      expect(await inPage<string>(page, 'return document.activeElement.id;')).toBe('main');
      // Every control the keyboard reaches shows where focus is.
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press('Tab');
        const f = await inPage<{ tag: string; outline: string; width: string }>(page, `const e = document.activeElement; const s = getComputedStyle(e); return { tag: e.tagName + ' ' + (e.getAttribute('name') ?? e.textContent.slice(0, 20)), outline: s.outlineStyle, width: s.outlineWidth };`);
        expect(f.outline, f.tag).not.toBe('none');
        expect(f.width, f.tag).not.toBe('0px');
      }
      expect(await page.textContent('[data-testid=series-chart] figcaption')).toContain('table');
    });

    // One test per page (each well within the test timeout on a busy machine): every page passes axe-core.
    describe('every page passes axe-core (no serious or critical violation, all content in landmarks)', () => {
      for (const [path, name] of AXE_PAGES) {
        it(path, async () => {
          await open(path, name);
          await expectAccessible(page, path);
        });
      }
      if (vp.width < 860) {
        it("the phone's menu, open", async () => {
          await open('/costs', 'costs');
          await page.click('[aria-label=Menu]');
          await page.waitForSelector('.menu-open');
          await expectAccessible(page, 'menu');
        });
      }
      it('signed out: the sign-in page', async () => {
        const anon = await browser.newContext({ viewport: { width: vp.width, height: vp.height }, timezoneId: BROWSER_ZONE });
        try {
          const p = await anon.newPage();
          await p.goto(`${srv.url}/reports/overview`);
          await p.waitForSelector('[data-page=login]');
          await expectAccessible(p, 'sign-in');
        } finally {
          await anon.close();
        }
      });
    });

    it('removing a connection asks first, and says what is deleted', async () => {
      const name = `old-shop-${vp.name}`;
      await store.saveConnection({ name, brand: 'konnektive', baseUrl: sb.baseUrl, loginId: 'old_api', password: 'x', accountName: `Old Shop ${vp.name}`, accountUsername: 'o', timezone: ACCOUNT_ZONE, frequency: 'daily' });
      await open(`/settings/integrations/${name}`, 'integration');
      await page.click('[data-testid=remove-card] button.btn-danger');
      const dialog = await page.waitForSelector('[data-testid=remove-dialog][open]');
      const what = await dialog.textContent();
      expect(what).toContain('the saved API login of old_api');
      expect(what).toContain('every record synced from the account');
      expect(what).toContain('sync history');
      await expectAccessible(page, 'remove dialog');
      await shot('remove-dialog');
      // "Keep it" keeps it.
      await page.click('[data-testid=remove-dialog] button:has-text("Keep it")');
      await page.waitForSelector('[data-testid=remove-dialog]:not([open])', { state: 'attached' });
      expect(await store.getConnection(name)).not.toBeNull();
      await page.click('[data-testid=remove-card] button.btn-danger');
      await page.click('[data-testid=remove-confirm]');
      await pageReady(page, 'settings');
      expect(await store.getConnection(name)).toBeNull();
      expect(await page.$(`[data-testid=integration-${name}]`)).toBeNull();
    });
  });
}
