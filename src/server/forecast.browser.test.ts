/**
 * The Forecast page in real Chromium over a synced sandbox merchant: the projected parts of its drawings
 * are marked. The charts draw projected series dashed (uPlot's legend marker of each series shows its
 * line's style) over hatched bands, and every projected cell of the tables is starred and hatched, as
 * many as the API's body has projected values; the page shows the API's numbers.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ForecastJson } from '../report/json.js';
import { pageReady } from '../../test/chromium.js';
import { chartDrawing } from '../../test/charts.js';
import { ARTIFACTS, openDashboard } from '../../test/dashboard-fixture.js';
import type { RunningServer } from './index.js';

const ZONE = 'America/New_York';
const PASSWORD = 'forecast-admin-pass';
const QUERY = '?preset=custom&from=2025-01-01&to=2025-12-31';

let srv: RunningServer;
let page: Page;
let close: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ srv, page, close } = await openDashboard({ sandbox: { seed: 'forecast-browser', customers: 1500, start: '2025-01-01', now: '2026-06-01 12:00:00', timezone: ZONE, profile: 'rich' }, from: '2025-01-01', today: '2026-06-01', password: PASSWORD, label: 'forecast-browser' }));
}, 180_000);

afterAll(() => close?.());

// What the in-page functions use of the DOM (this project's TypeScript has no DOM library).
declare const getComputedStyle: (el: unknown) => { backgroundImage: string };

describe('the Forecast page in Chromium', () => {
  it('draws projected retention and LTV apart from the observed: dashed lines, hatched bands, starred cells', async () => {
    await page.goto(`${srv.url}/reports/forecast${QUERY}`);
    await pageReady(page, 'forecast');
    await page.screenshot({ path: join(ARTIFACTS, 'forecast.png'), fullPage: true });
    const query = (await page.getAttribute('[data-page=forecast]', 'data-query')) ?? '';
    const body = (await (await page.request.get(`${srv.url}/api/reports/forecast${query}`)).json()) as ForecastJson;
    const g = body.groups[0]!;
    expect(g.fit).not.toBeNull();

    for (const id of ['survival', 'ltv']) {
      const { series, markers } = await chartDrawing(page, `[data-chart=${id}]`);
      const projected = series.filter((s) => s.projected);
      expect(projected.length, id).toBeGreaterThan(0);
      expect(series.some((s) => !s.projected), id).toBe(true);
      // Projected lines are dashed, observed ones solid; a band around projected values is hatched.
      for (const s of series) expect(s.dash === null, `${id}: ${s.label}`).toBe(!s.projected);
      expect(series.filter((s) => s.band === 'hatched').every((s) => s.projected)).toBe(true);
      expect(series.some((s) => s.band === 'hatched')).toBe(true);
      // uPlot's own legend draws each marker with its series' line style.
      for (const s of series) expect(markers.get(s.label), `${id}: legend marker of ${s.label}`).toBe(s.projected ? 'dashed' : 'solid');
    }

    // The survival chart's projected cycles are the body's.
    const survival = (await chartDrawing(page, '[data-chart=survival]')).series;
    expect(survival.find((s) => s.label === 'Projected')?.projected).toBe(true);
    expect(g.survival.filter((s) => s.projected).length).toBeGreaterThan(0);

    // Tables: one starred, hatched cell per projected value of the body, none elsewhere.
    const projectedLtv = body.groups.flatMap((x) => x.cohorts.flatMap((c) => c.ltv.filter((l) => l.projected && l.value !== null)));
    const cells = await page.$$eval('[data-table=forecast] td.projected', (tds) => tds.map((t) => ({ text: t.textContent ?? '', hatch: getComputedStyle(t).backgroundImage })));
    expect(cells).toHaveLength(projectedLtv.length);
    for (const c of cells) {
      expect(c.text.endsWith('*')).toBe(true);
      expect(c.hatch).toContain('repeating-linear-gradient');
    }
    const unstarred = await page.$$eval('[data-table=forecast] tbody td:not(.projected)', (tds) => tds.map((t) => t.textContent ?? ''));
    expect(unstarred.some((t) => t.endsWith('*'))).toBe(false);
    const projectedCycles = g.survival.filter((s) => s.projected).length;
    expect(await page.$$('[data-table=forecast-survival] td.projected')).toHaveLength(2 * projectedCycles);
    // The values shown are the API's: the last cohort's 24-month projection, formatted.
    const last = g.cohorts[g.cohorts.length - 1]!.ltv.find((l) => l.months === 24)!;
    const shown = await page.$$eval('[data-table=forecast] tbody tr:last-child td', (tds) => tds.map((t) => t.textContent ?? ''));
    expect(shown).toContain(`$${Number(last.value).toLocaleString('en-US', { minimumFractionDigits: 2 })}*`);
  }, 120_000);
});
