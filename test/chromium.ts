/**
 * Test and bench helper: Debian's Chromium driven by playwright-core with the flags docs/development.md names
 * (never a downloaded browser), and the dashboard's "page shows its data" signal.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Launches the system Chromium headless. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run npm run provision (it installs Debian's chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** Signs `page` in as the admin through the sign-in form of the server at `url`, and waits for the app. */
export async function signIn(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url);
  await page.fill('input[name=username]', 'admin');
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('.sidebar');
}

/**
 * Ends what a browser test started, in the order that frees each before what it uses (the browser
 * context and the browser, the server, the store, the sandbox), then removes its folder; any part may be
 * missing (a set-up that failed half way).
 */
export async function tearDown(parts: { ctx?: { close(): Promise<unknown> }; browser?: { close(): Promise<unknown> }; srv?: { close(): Promise<unknown> }; store?: { close(): Promise<unknown> }; sb?: { close(): Promise<unknown> }; dir?: string }): Promise<void> {
  for (const part of [parts.ctx, parts.browser, parts.srv, parts.store, parts.sb]) await part?.close();
  if (parts.dir) await rm(parts.dir, { recursive: true, force: true });
}

/** Waits until the dashboard page `name` shows its data (its root says data-ready="true"). */
export async function pageReady(page: Page, name: string, extra = ''): Promise<void> {
  await page.waitForSelector(`[data-page="${name}"][data-ready="true"]${extra}`, { timeout: 20_000 });
}

/** The dashboard's pages, with the integration page of `connection` (e.g. "demo-shop"): [sidebar link, page name, path, the page an in-app visit starts from]. */
export function dashboardPages(connection: string): [string, string, string, string][] {
  return [
    ['nav-overview', 'overview', '/reports/overview', '/settings'],
    ['nav-cohorts', 'cohorts', '/reports/cohorts', '/settings'],
    ['nav-retention', 'retention', '/reports/retention', '/settings'],
    ['nav-rebills', 'rebills', '/reports/rebills', '/settings'],
    ['nav-mids', 'mids', '/reports/mids', '/settings'],
    ['nav-declines', 'declines', '/reports/declines', '/settings'],
    ['nav-chargebacks', 'chargebacks', '/reports/chargebacks', '/settings'],
    ['nav-breakdowns', 'breakdowns', '/reports/breakdowns', '/settings'],
    ['nav-settings', 'settings', '/settings', '/reports/overview'],
    [`integration-${connection}`, 'integration', `/settings/integrations/${connection}`, '/settings'],
  ];
}
