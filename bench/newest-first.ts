/**
 * `npm run bench -- newest-first`: how soon a large first backfill makes the last 30 days reportable
 * (docs/sync.md, "Coverage"). A sandbox merchant (about 1,000,000 transactions over two years by
 * default) is generated in this process and served with a latency per call; a backfill of its whole
 * history runs, and a watcher reads the connection's coverage while it runs. The moment the coverage
 * holds the last 30 days, the bench takes the last 30 days' summary and notes the time and the share of
 * the pages fetched; at the end it checks that summary against the one the finished backfill gives
 * (revenue, refunds, chargebacks, orders, approvals: equal, or the exit code is 1). The baseline of the
 * same run is the whole backfill's time: a report of the last 30 days without newest-first waits for it.
 *
 * KBENCH_NF_CUSTOMERS: merchant size (default 335,000, about 2.99 transactions each).
 * KBENCH_NF_LATENCY_MS: the CRM's latency per call (default 100).
 * KBENCH_NF_DB: postgres://... to sync into a fresh schema of that database instead of DuckDB.
 */
import { loadavg } from 'node:os';
import { addDays, localDate } from '../src/core/time.js';
import { CrmClient } from '../src/crm/client.js';
import { startSandbox } from '../src/sandbox/index.js';
import { summaryReport } from '../src/analytics/summary.js';
import { runSync } from '../src/sync/run.js';
import type { ProgressSnapshot } from '../src/sync/progress.js';
import { openTestStore } from '../test/stores.js';

const START = '2024-11-22';
const NOW = '2026-11-21 18:00:00';
const CONCURRENCY = 8;

const load = () => `load ${loadavg()[0]?.toFixed(2)}`;
const num = (n: number) => n.toLocaleString('en-US');
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

export default async function main(): Promise<void> {
  const customers = Number(process.env.KBENCH_NF_CUSTOMERS ?? 335_000);
  const latencyMs = Number(process.env.KBENCH_NF_LATENCY_MS ?? 100);
  const pgUrl = process.env.KBENCH_NF_DB || undefined;
  if (!Number.isInteger(customers) || customers <= 0) throw new RangeError(`KBENCH_NF_CUSTOMERS must be a positive integer, got "${process.env.KBENCH_NF_CUSTOMERS}"`);
  if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new RangeError(`KBENCH_NF_LATENCY_MS must be a number of milliseconds, got "${process.env.KBENCH_NF_LATENCY_MS}"`);

  log(`generating ${num(customers)} customers, ${START} to ${NOW} [${load()}]`);
  const sb = await startSandbox({ seed: 'newest-first', customers, start: START, now: NOW, port: 0, latencyMs });
  const today = localDate(sb.merchant.now, sb.timezone);
  const q = { from: addDays(today, -29), to: today, tz: sb.timezone, currency: 'USD' };
  log(`sandbox: ${num(sb.merchant.txns.length)} transactions, ${latencyMs} ms a call [${load()}]`);
  const target = await openTestStore(pgUrl ? 'postgres' : 'duckdb', 'bench_newest_first', pgUrl);
  try {
    const { store } = target;
    const c = await store.saveConnection({ name: 'nf', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
    const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: CONCURRENCY, requestsPerSecond: 0 });
    let progress: ProgressSnapshot | null = null;
    let done = false;
    const started = performance.now();
    const sync = runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: CONCURRENCY, today, mode: { kind: 'backfill', from: START, to: today }, onProgress: (p) => void (progress = p) });
    sync.finally(() => (done = true)).catch(() => undefined);
    // The watcher: the first moment the coverage holds the last 30 days.
    let early: { secs: number; pages: number; planned: number; figures: Awaited<ReturnType<typeof summaryReport>>['rows'][number]['figures'] } | null = null;
    while (!done && !early) {
      const cov = await store.coverage(c.connectionId);
      if (cov && cov.from <= q.from) {
        const secs = (performance.now() - started) / 1000;
        const p = progress as ProgressSnapshot | null;
        early = { secs, pages: p?.pages ?? 0, planned: p?.pagesPlanned ?? 0, figures: (await summaryReport(store, q)).rows[0]!.figures };
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const r = await sync;
    const total = (performance.now() - started) / 1000;
    log(`backfill: ${num(r.records)} records in ${num(r.pages)} pages, ${total.toFixed(1)} s [${load()}]`);
    if (!early) {
      log('the last 30 days were not covered before the backfill ended: FAIL');
      process.exitCode = 1;
      return;
    }
    const after = (await summaryReport(store, q)).rows[0]!.figures;
    const pick = (f: typeof after) => JSON.stringify([f.grossRevenue.current, f.refunds.current, f.chargebacks.current, f.orders.current, f.initialApproved.current, f.initialAttempts.current, f.rebillApproved.current, f.rebillAttempts.current]);
    const exact = pick(early.figures) === pick(after);
    log(
      `last 30 days covered after ${early.secs.toFixed(1)} s, ${num(early.pages)} pages of ${num(r.pages)} fetched (${((100 * early.pages) / r.pages).toFixed(1)}%); ` +
        `whole backfill (the baseline) ${total.toFixed(1)} s: ratio ${(early.secs / total).toFixed(3)}; summary then ${exact ? 'EQUAL to' : 'DIFFERENT from'} the final one`,
    );
    if (!exact) {
      log(`  then ${pick(early.figures)}\n  final ${pick(after)}`);
      process.exitCode = 1;
    }
  } finally {
    await target.dispose();
    await sb.close();
  }
}
