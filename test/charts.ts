/**
 * Test helper: how a dashboard chart says it is drawn. The Forecast page's charts describe their series
 * on the container (`data-series`: label, projected, dash, bound, band), and uPlot's legend draws each
 * series' marker in its line's style; this reads both, for browser tests to check projected from observed.
 */
import type { Page } from 'playwright-core';

export interface DescribedSeries {
  label: string;
  projected: boolean;
  dash: number[] | null;
  bound: boolean;
  band: 'hatched' | 'solid' | null;
}

/** The chart under `selector` (its `[data-chart]` element): its described series and its legend markers' border styles by label. */
export async function chartDrawing(page: Page, selector: string): Promise<{ series: DescribedSeries[]; markers: Map<string, string> }> {
  const series = JSON.parse((await page.getAttribute(selector, 'data-series')) ?? '[]') as DescribedSeries[];
  const rows = await page.$$eval(`${selector} .u-legend .u-series`, (els) =>
    els.map((r) => [r.querySelector('.u-label')?.textContent ?? '', (r.querySelector('.u-marker') as unknown as { style: { borderStyle: string } } | null)?.style.borderStyle ?? ''] as const),
  );
  return { series, markers: new Map(rows) };
}
