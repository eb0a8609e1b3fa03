/**
 * A breakdown with more values than a report lists, in real Chromium (docs/metrics.md, "Breakdowns with many
 * values"): a sandbox merchant whose two largest affiliates post a click id per customer as the sub-affiliate.
 * The Breakdowns page by sub-affiliate lists the API's 200 groups and its pooled row, last, named, with no
 * filter link; the Retention page by affiliate > sub-affiliate shows each affiliate's pooled row under it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningServer } from './index.js';
import type { ReportJson } from '../report/json.js';
import { pageReady } from '../../test/chromium.js';
import { openDashboard } from '../../test/dashboard-fixture.js';

const ZONE = 'America/New_York';
const PASSWORD = 'group-cap-browser-admin';
const FROM = '2025-01-01';
const TO = '2025-06-30';

let srv: RunningServer;
let page: Page;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ srv, page, close } = await openDashboard({
    sandbox: { seed: 'group-cap-browser', customers: 1600, start: FROM, now: '2025-07-01 12:00:00', timezone: ZONE, profile: 'rich', clickIds: true },
    from: FROM, today: '2025-07-01', password: PASSWORD, label: 'group-cap',
  }));
}, 180_000);
afterAll(async () => close());

/** The API's body, read in the page's own session. */
const api = async <N extends keyof ReportJson>(name: N, params: Record<string, string>): Promise<ReportJson[N]> =>
  (await page.evaluate(async (url) => (await fetch(url)).json(), `${srv.url}/api/reports/${name}?${new URLSearchParams({ from: FROM, to: TO, tz: ZONE, ...params }).toString()}`)) as ReportJson[N];

describe('a breakdown with a value per customer, in the dashboard', () => {
  it('Breakdowns by sub-affiliate: the first 200 values, then one row of the others, not a filter link', async () => {
    const body = await api('summary', { groupBy: 'subaffiliate' });
    expect(body.groups).toHaveLength(201);
    const other = body.groups[200]!;
    expect(other.rest).toBeGreaterThan(0);
    await page.goto(`${srv.url}/reports/breakdowns?preset=custom&from=${FROM}&to=${TO}&dim=subaffiliate`);
    await pageReady(page, 'breakdowns');
    const rows = await page.$$eval('[data-table=breakdown-subaffiliate] tbody tr', (trs) => trs.map((tr) => ({ first: tr.querySelector('td')?.textContent ?? '', link: tr.querySelector('td button') !== null })));
    expect(rows).toHaveLength(201);
    expect(rows[200]).toEqual({ first: other.name, link: false });
    expect(rows[200]!.first).toMatch(/^Other sub-affiliates \(up to \d+ more\)$/);
    // The listed values link to a filter on them, as every breakdown's do ("(none)", the missing value, does not).
    expect(rows.slice(0, 200).map((r) => r.link)).toEqual(body.groups.slice(0, 200).map((g) => g.id !== null));
  });

  it('Retention by affiliate > sub-affiliate: the click-id affiliates end with their pooled sub-affiliates', async () => {
    const body = await api('retention', { groupBy: 'affiliate', subgroupBy: 'subaffiliate' });
    const pooled = body.rows.filter((r) => (r.subgroups ?? []).some((s) => s.rest !== undefined));
    expect(pooled.map((r) => r.id).sort()).toEqual(['AFF101', 'AFF102']);
    await page.goto(`${srv.url}/reports/retention?preset=custom&from=${FROM}&to=${TO}&groupBy=affiliate&sub=subaffiliate`);
    await pageReady(page, 'retention');
    const text = await page.textContent('[data-page=retention]');
    for (const r of pooled) expect(text).toContain(r.subgroups!.find((s) => s.rest !== undefined)!.name!);
  });
});
