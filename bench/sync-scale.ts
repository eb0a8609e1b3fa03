/**
 * `npm run bench -- sync-scale`: the sync checked row for row at scale. A sandbox merchant with about
 * 1,000,000 transactions over two years is generated IN THIS PROCESS (its in-memory state is the
 * ground truth), backfilled whole into a fresh store at concurrency 8 with no rate limit, compared
 * (test/ground-truth.ts); then the sandbox advances 30 days, an incremental sync runs, and the store is
 * compared again. Any difference sets the exit code to 1. It runs only when named (bench/run.ts): the
 * one-off scale run of docs/sync.md (sandbox in its own process) took 12 minutes for the backfill alone,
 * and here the sandbox shares this process's event loop; the merchant takes about 1.2 GB of JS heap
 * (docs/sandbox.md), within Node's default limit of about 4 GB on this machine kind.
 *
 * KBENCH_SCALE_CUSTOMERS: merchant size (default 335,000, about 2.99 transactions each).
 * KBENCH_SCALE_DB: postgres://... to sync into a fresh schema of that database (dropped afterwards)
 * instead of a DuckDB file in a temp dir.
 */
import { loadavg } from 'node:os';
import { localDate } from '../src/core/time.js';
import { CrmClient } from '../src/crm/client.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import type { Store } from '../src/store/store.js';
import { progressLine } from '../src/sync/progress.js';
import { runSync, type SyncMode } from '../src/sync/run.js';
import { groundTruthReport, type GroundTruthReport } from '../test/ground-truth.js';
import { openTestStore } from '../test/stores.js';

// Two years of history, as the sandbox bench's merchant (bench/sandbox-server.ts); fixed dates keep
// the merchant the same from run to run whatever this machine's clock says.
const START = '2024-11-22';
const NOW = '2026-11-21 18:00:00';
const SEED = 'sync-scale';
const CONCURRENCY = 8;
const ADVANCE_DAYS = 30;
/** Seconds between progress lines during a sync. */
const PROGRESS_EVERY_S = 15;

const load = () => `load ${loadavg()[0]?.toFixed(2)}`;
const mb = (bytes: number) => `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
const num = (n: number) => n.toLocaleString('en-US');
const memory = () => {
  const u = process.memoryUsage();
  return `RSS ${mb(u.rss)}, JS heap ${mb(u.heapUsed)}`;
};
const stamp = () => new Date().toISOString().slice(11, 19);
const log = (line: string) => console.log(`[${stamp()}] ${line}`);

/** One sync with progress lines; prints records, pages, requests and wall seconds. */
async function timedSync(label: string, sb: Sandbox, store: Store, connectionId: string, mode: SyncMode): Promise<void> {
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: CONCURRENCY, requestsPerSecond: 0 });
  const today = localDate(sb.merchant.now, sb.timezone);
  log(`${label}: ${mode.kind === 'backfill' ? `${mode.from}..${mode.to}` : 'from the checkpoints'}, concurrency ${CONCURRENCY}, no rate limit, today ${today}`);
  let lastLine = performance.now();
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await runSync({
    store, source: client, connectionId, timezone: sb.timezone, concurrency: CONCURRENCY, today, mode,
    onProgress: (p) => {
      if (p.phase === 'done' || performance.now() - lastLine < PROGRESS_EVERY_S * 1000) return;
      lastLine = performance.now();
      log(`  ${label}: ${progressLine(p)} [${load()}; ${memory()}]`);
    },
  });
  const secs = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const streams = Object.entries(r.streams).map(([s, n]) => `${s} ${num(n)}`).join(', ');
  log(
    `${label}: ${num(r.records)} records in ${num(r.pages)} pages (${num(client.requests)} requests, ${r.retries} retries) in ${secs.toFixed(1)} s wall = ` +
      `${num(Math.round(r.records / secs))} records/s; ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s (this process: sync and sandbox) [${load()}]`,
  );
  log(`  ${label} by stream: ${streams}`);
}

/** Compares the store with the merchant and prints the counts and the differences; true when equal. */
async function compare(label: string, sb: Sandbox, store: Store, connectionId: string, seenAt: readonly number[]): Promise<boolean> {
  log(`comparing the store with the sandbox's ground truth (${label})...`);
  const started = performance.now();
  // The sandbox instants the store was synced at: a chargeback the merchant won later is in the ledger (with
  // its reversal on the day it was cleared) only if a sync saw it open (test/ground-truth.ts).
  const report: GroundTruthReport = await groundTruthReport(store, connectionId, sb.merchant, { seenAt });
  const secs = (performance.now() - started) / 1000;
  const c = report.counts;
  const tables = (['campaigns', 'products', 'customers', 'orders', 'transactions', 'purchases'] as const)
    .map((t) => `${t} ${num(c[t].store)}${c[t].store === c[t].sandbox ? '' : ` (sandbox ${num(c[t].sandbox)})`}`)
    .join(', ');
  log(`  rows in the store: ${tables}`);
  log(
    `  ledger events ${num(c.moneyEvents.store)}${c.moneyEvents.store === c.moneyEvents.sandbox ? '' : ` (sandbox implies ${num(c.moneyEvents.sandbox)})`}; ` +
      `customer facts ${num(c.customerFacts.store)}${c.customerFacts.store === c.customerFacts.sandbox ? '' : ` (sandbox implies ${num(c.customerFacts.sandbox)})`}; ` +
      `${num(c.days)} days of ledger sums compared`,
  );
  if (report.differences.length === 0) log(`  ${label}: 0 differences (compared in ${secs.toFixed(1)} s; ${memory()})`);
  else {
    log(`  ${label}: DIFFERENCES (compared in ${secs.toFixed(1)} s):`);
    for (const d of report.differences) console.log(`    ${d}`);
  }
  return report.differences.length === 0;
}

export default async function main(): Promise<void> {
  const customers = Number(process.env.KBENCH_SCALE_CUSTOMERS ?? 335_000);
  if (!Number.isInteger(customers) || customers <= 0) throw new RangeError(`KBENCH_SCALE_CUSTOMERS must be a positive integer, got "${process.env.KBENCH_SCALE_CUSTOMERS}"`);
  const pgUrl = process.env.KBENCH_SCALE_DB || undefined;
  if (pgUrl && !/^postgres(ql)?:\/\//.test(pgUrl)) throw new RangeError('KBENCH_SCALE_DB must be a postgres:// URL');

  log(`generating the sandbox merchant in process: ${num(customers)} customers, ${START} to ${NOW}, seed ${SEED} [${load()}]`);
  const genStarted = performance.now();
  // The rich profile: the figures in docs/sync.md were taken on it, and stay comparable.
  const sb = await startSandbox({ seed: SEED, customers, start: START, now: NOW, port: 0, profile: 'rich' });
  const m = sb.merchant;
  log(
    `sandbox at ${sb.baseUrl}: ${num(m.txns.length)} transactions, ${num(m.orders.length)} orders, ${num(m.customers.length)} customers, ${num(m.purchases.length)} purchases ` +
      `generated in ${((performance.now() - genStarted) / 1000).toFixed(1)} s (${memory()})`,
  );
  let target: Awaited<ReturnType<typeof openTestStore>> | null = null;
  try {
    // The tests' throw-away store: a DuckDB file in a temp dir, or a schema of its own, dropped after.
    target = await openTestStore(pgUrl ? 'postgres' : 'duckdb', 'bench_scale', pgUrl);
    const { store } = target;
    log(`store: ${pgUrl ? 'PostgreSQL, a schema of its own' : 'DuckDB, a file in a temp dir'}`);
    const conn = await store.saveConnection({
      name: 'scale', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Scale', accountUsername: 'bench', timezone: sb.timezone, frequency: 'daily',
    });

    const seenAt = [m.now];
    await timedSync('backfill', sb, store, conn.connectionId, { kind: 'backfill', from: START, to: localDate(m.now, sb.timezone) });
    const afterBackfill = await compare('after the backfill', sb, store, conn.connectionId, seenAt);

    const before = m.txns.length;
    const advanceStarted = performance.now();
    await sb.advanceDays(ADVANCE_DAYS);
    log(
      `sandbox advanced ${ADVANCE_DAYS} days to ${localDate(m.now, sb.timezone)} in ${((performance.now() - advanceStarted) / 1000).toFixed(1)} s: ` +
        `${num(m.txns.length)} transactions (${num(m.txns.length - before)} new)`,
    );
    seenAt.push(m.now);
    await timedSync('incremental', sb, store, conn.connectionId, { kind: 'incremental' });
    const afterIncremental = await compare('after the incremental sync', sb, store, conn.connectionId, seenAt);

    const ok = afterBackfill && afterIncremental;
    log(ok ? 'the store equals the ground truth after both syncs: 0 differences' : 'the store DIFFERS from the ground truth (above)');
    if (!ok) process.exitCode = 1;
  } finally {
    await target?.dispose();
    await sb.close();
  }
}
