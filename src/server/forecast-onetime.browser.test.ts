/**
 * The Forecast page's one-time buyers and its group selector in real Chromium, over a synced sandbox
 * merchant whose one-time customers buy again (`repeatBuyers`), grouped by campaign: the one-time
 * cohorts' value chart draws its projection dashed over hatched bands, the one-time table stars and
 * hatches exactly the body's projected values; the selector shows each group alone or all of them; and
 * with every group shown the page passes axe-core (0 serious or critical) from 360 to 1920 px wide,
 * without sideways scrolling.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForecastJson } from '../report/json.js';
import { axeProblems } from '../../test/axe.js';
import { chartDrawing } from '../../test/charts.js';
import { ARTIFACTS, openDashboard } from '../../test/dashboard-fixture.js';
import type { RunningServer } from './index.js';

const ZONE = 'America/New_York';
const PASSWORD = 'forecast-onetime-pass';
const QUERY = '?preset=custom&from=2025-01-01&to=2025-12-31&groupBy=campaign';

let srv: RunningServer;
let page: Page;
let close: (() => Promise<void>) | undefined;
let body: ForecastJson;

beforeAll(async () => {
  ({ srv, page, close } = await openDashboard({ sandbox: { seed: 'forecast-onetime', customers: 3000, start: '2025-01-01', now: '2026-06-01 12:00:00', timezone: ZONE, profile: 'rich', repeatBuyers: true }, from: '2025-01-01', today: '2026-06-01', password: PASSWORD, label: 'forecast-onetime' }));
  await page.goto(`${srv.url}/reports/forecast${QUERY}`);
  // The first answer fits every group's models and bootstraps them: under load that passes pageReady's 20 s.
  await page.waitForSelector('[data-page="forecast"][data-ready="true"]', { timeout: 240_000 });
  const query = (await page.getAttribute('[data-page=forecast]', 'data-query')) ?? '';
  body = (await (await page.request.get(`${srv.url}/api/reports/forecast${query}`)).json()) as ForecastJson;
}, 300_000);

afterAll(() => close?.());

// What the in-page functions use of the DOM (this project's TypeScript has no DOM library).
declare const getComputedStyle: (el: unknown) => { backgroundImage: string };
declare const document: { documentElement: { scrollWidth: number; clientWidth: number } };

const shownGroups = () => page.$$eval('[data-page=forecast] section[data-group]', (els) => els.map((e) => e.getAttribute('data-group') ?? ''));

describe('one-time buyers and the group selector on the Forecast page', () => {
  it('draws a one-time group\'s projected value dashed over hatched bands, and stars and hatches its projected cells', async () => {
    expect(body.groups.length).toBeGreaterThan(1);
    const g = body.groups.find((x) => x.oneTime?.fit)!;
    expect(g, 'a group whose one-time buyers were fitted').toBeDefined();
    await page.selectOption('[data-testid=forecast-group]', g.group ?? '');
    const card = `section[data-group="${g.group ?? ''}"]`;
    await page.waitForSelector(`${card} [data-chart=onetime-ltv]`);
    await page.screenshot({ path: join(ARTIFACTS, 'forecast-onetime.png'), fullPage: true });
    const { series, markers } = await chartDrawing(page, `${card} [data-chart=onetime-ltv]`);
    const withProjection = g.oneTime!.cohorts.filter((c) => c.ltv.some((l) => l.projected && l.value !== null));
    expect(series.filter((s) => s.projected && !s.label.endsWith('upper') && !s.label.endsWith('lower')).map((s) => s.label)).toEqual(withProjection.slice(-6).map((c) => `${c.cohort} projected`));
    for (const s of series) expect(s.dash === null, s.label).toBe(!s.projected);
    expect(series.some((s) => s.band === 'hatched')).toBe(true);
    expect(series.filter((s) => s.band !== null).every((s) => s.band === 'hatched')).toBe(true);
    for (const s of series) expect(markers.get(s.label), s.label).toBe(s.projected ? 'dashed' : 'solid');
    // The table: one starred, hatched cell per projected one-time value of the body, over every group.
    const projected = body.groups.flatMap((x) => (x.oneTime?.cohorts ?? []).flatMap((c) => c.ltv.filter((l) => l.projected && l.value !== null)));
    const cells = await page.$$eval('[data-table=forecast-onetime] td.projected', (tds) => tds.map((t) => ({ text: t.textContent ?? '', hatch: getComputedStyle(t).backgroundImage })));
    expect(cells).toHaveLength(projected.length);
    for (const c of cells) {
      expect(c.text.endsWith('*')).toBe(true);
      expect(c.hatch).toContain('repeating-linear-gradient');
    }
    const unstarred = await page.$$eval('[data-table=forecast-onetime] tbody td:not(.projected)', (tds) => tds.map((t) => t.textContent ?? ''));
    expect(unstarred.some((t) => t.endsWith('*'))).toBe(false);
  }, 120_000);

  it('shows the chosen group alone, any of them, or every group', async () => {
    const ids = body.groups.map((g) => g.group ?? '');
    const options = await page.$$eval('[data-testid=forecast-group] option', (os) => os.map((o) => o.getAttribute('value') ?? ''));
    expect(options.slice(0, -1)).toEqual(ids);
    for (const id of ids) {
      await page.selectOption('[data-testid=forecast-group]', id);
      await page.waitForSelector(`section[data-group="${id}"]`);
      expect(await shownGroups()).toEqual([id]);
    }
    await page.selectOption('[data-testid=forecast-group]', options[options.length - 1]!);
    await page.waitForSelector(`section[data-group="${ids[0]}"] ~ section[data-group]`);
    expect(await shownGroups()).toEqual(ids);
  }, 120_000);

  for (const width of [360, 1920]) {
    it(`passes axe-core with every group shown, at ${width} px, without sideways scrolling`, async () => {
      await page.setViewportSize({ width, height: 900 });
      await page.selectOption('[data-testid=forecast-group]', '__all__');
      await page.waitForSelector(`section[data-group] ~ section[data-group]`);
      const problems = await axeProblems(page);
      expect(problems, JSON.stringify(problems, null, 1)).toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow).toBeLessThanOrEqual(0);
    }, 120_000);
  }
});
