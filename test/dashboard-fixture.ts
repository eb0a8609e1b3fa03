/**
 * Test helper: a browser test's dashboard over a synced sandbox merchant, in one call. Starts the
 * sandbox, syncs it into a fresh DuckDB store in a temporary folder, serves it with `konduit serve`'s
 * server (built web assets, built first if missing), launches Chromium and signs a page in as the admin.
 * `close()` ends it all (test/chromium.ts `tearDown`).
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.js';
import { defaultWebRoot, startServer, type RunningServer } from '../src/server/index.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { Store } from '../src/store/store.js';
import { launchChromium, signIn, tearDown } from './chromium.js';
import { syncSandbox } from './sandbox-sync.js';

/** Where browser tests leave their screenshots. */
export const ARTIFACTS = resolve('test-artifacts/dashboard');

export interface DashboardFixture {
  dir: string;
  sb: Sandbox;
  store: Store;
  srv: RunningServer;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** The merchant `sandbox` (its `timezone` is the browser's too), synced as connection "shop" from `from` to `today`. */
export async function openDashboard(o: { sandbox: SandboxOptions & { timezone: string }; from: string; today: string; password: string; label: string }): Promise<DashboardFixture> {
  if (!defaultWebRoot()) execFileSync('npm', ['run', 'build:web'], { stdio: 'ignore' });
  await mkdir(ARTIFACTS, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), `konduit-${o.label}-`));
  // What is started so far: a set-up that fails half way ends it before rethrowing.
  const made: Parameters<typeof tearDown>[0] = { dir };
  try {
    const sb = (made.sb = await startSandbox(o.sandbox));
    const store = (made.store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() }));
    await store.migrate();
    await syncSandbox(store, sb, { name: 'shop', from: o.from, today: o.today });
    const srv = (made.srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, schedule: false, adminPassword: o.password }));
    const browser = (made.browser = await launchChromium());
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, timezoneId: o.sandbox.timezone, locale: 'en-US' });
    const page = await ctx.newPage();
    await signIn(page, srv.url, o.password);
    return { dir, sb, store, srv, browser, page, close: () => tearDown(made) };
  } catch (err) {
    await tearDown(made);
    throw err;
  }
}
