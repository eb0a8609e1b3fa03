/**
 * `npm run bench sync`: (1) records stored per second by the client's parsing, the mapping and the
 * store's group-commit path (no network), on DuckDB; (2) a whole backfill against the sandbox (in its
 * own process) with no latency; (3) backfill wall time with 100 ms latency per request at concurrency 1
 * and 8, against the ideal (requests x latency) / concurrency. Every figure comes with CPU seconds (this
 * process's, all threads; the sandbox's) and the load average: the machine is shared. (1) and (2) run on
 * PostgreSQL too (a fresh schema of the tests' database, KONDUIT_TEST_PG, dropped after), with the server
 * backend's CPU seconds when it runs on this machine; skipped with the reason printed when it is unreachable
 * (or KBENCH_SYNC_PG=0).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmClient, interpretResponse, parsePage, type Endpoint } from '../src/crm/client.js';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { DEFAULT_LOGIN_ID, DEFAULT_PASSWORD } from '../src/sandbox/index.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { PageWrite, Store } from '../src/store/store.js';
import { runSync, writeOptions } from '../src/sync/run.js';
import { streamSpec } from '../src/sync/streams.js';
import { openTestStore, PG_URL } from '../test/stores.js';

type Engine = 'duckdb' | 'postgres';

/** Why PostgreSQL is left out of this run (KBENCH_SYNC_PG=0, or the tests' server unreachable), or null to run it. */
async function pgSkipReason(): Promise<string | null> {
  if (process.env.KBENCH_SYNC_PG === '0') return 'KBENCH_SYNC_PG=0';
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return null;
  } catch (err) {
    return `${PG_URL.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')} unreachable: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** A fresh store with one connection: a DuckDB file in `dir`, or the tests' throw-away PostgreSQL schema (openTestStore; dropped by dispose). */
async function freshStore(dir: string, name: string, engine: Engine = 'duckdb') {
  let store: Store;
  let dispose: () => Promise<void>;
  if (engine === 'duckdb') {
    const duck = await openDuckDbStore(join(dir, `${name}.duckdb`), { secretKey: generateKey() });
    await duck.migrate();
    store = duck;
    dispose = () => duck.close();
  } else ({ store, dispose } = await openTestStore('postgres', `sync_${name}`));
  const c = await store.saveConnection({ name: 'bench', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
  // The server process serving the store's connection (PostgreSQL): its CPU seconds are the engine's share.
  const backend = engine === 'postgres' ? Number((await store.query('SELECT pg_backend_pid() AS p'))[0]?.p) : undefined;
  return { store, connectionId: c.connectionId, backend, dispose };
}

/** ", PostgreSQL backend N CPU-s" when the backend's CPU was read (the server on this machine), else ''. */
const backendCpu = (b0: number | null, b1: number | null) => (b0 === null || b1 === null ? '' : `; PostgreSQL backend ${(b1 - b0).toFixed(2)} CPU-s`);

/** Synthetic transaction records shaped like the CRM's (about 60 fields each). */
function txnRecords(from: number, n: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const id = from + i;
    const r: Record<string, unknown> = {
      transactionId: id, dateCreated: '2025-03-01 10:00:00', dateUpdated: '2025-03-02 11:00:00', txnType: i % 10 === 0 ? 'REFUND' : 'SALE',
      responseType: i % 7 === 0 ? 'SOFT_DECLINE' : 'SUCCESS', totalAmount: '39.95', orderId: `O${id}`, customerId: 1000 + (id % 20000),
      billingCycleNumber: 1 + (id % 4), merchantId: 3, campaignId: 2, productId: 5, affId: 'AFF1', isChargedback: i % 50 === 0 ? 1 : 0,
      chargebackAmount: i % 50 === 0 ? '39.95' : null, chargebackDate: i % 50 === 0 ? '2025-04-01' : null, cardBin: '411111', cardLast4: '1111',
    };
    for (let k = 0; k < 40; k++) r[`extra${k}`] = `value ${k} of ${id}`;
    out.push(r);
  }
  return out;
}

/** The machine's 1-minute load average, printed beside every figure (the machine is shared). */
const load = () => `load ${loadavg()[0]?.toFixed(2)}`;

async function storeThroughput(dir: string, engine: Engine = 'duckdb'): Promise<void> {
  const { store, connectionId, backend, dispose } = await freshStore(dir, 'throughput', engine);
  const spec = streamSpec('transactions');
  const total = 100_000;
  const perPage = 200;
  const batch = 32;
  // Response bodies as the CRM sends them (JSON text), generated before timing starts: the timed path
  // is the client's (JSON.parse, envelope, page) plus mapping (record readers, ledger, raw JSON) plus
  // the store's group commit, as in a sync. Text bodies hold no objects, so they add no GC work.
  const bodies = Array.from({ length: total / perPage }, (_, p) =>
    JSON.stringify({ result: 'SUCCESS', message: { totalResults: total, resultsPerPage: perPage, page: p + 1, data: txnRecords(p * perPage + 1, perPage) } }),
  );
  let mapMs = 0;
  const startedAll = performance.now();
  // CPU time of this process (all threads, DuckDB's included): independent of other load on the machine.
  const cpu0 = process.cpuUsage();
  const threads0 = threadCpuSecs();
  const backend0 = processCpuSecs(backend);
  let pending: PageWrite[] = [];
  let writing: Promise<void> = Promise.resolve();
  // As a backfill writes: the ledger alone, facts and aggregates rebuilt at the end.
  const options = writeOptions({ kind: 'backfill', from: '2025-01-01', to: '2025-12-31' });
  for (let p = 0; p < bodies.length; p++) {
    const t0 = performance.now();
    const outcome = interpretResponse(200, bodies[p] ?? '');
    if (outcome.kind !== 'success') throw new Error(`bench page ${p + 1}: ${outcome.kind}`);
    const page = parsePage(outcome.message, p + 1, perPage);
    const { write, maxUpdated } = spec.toPage(page.records, { zone: 'America/New_York', baseCurrency: 'USD' }, connectionId);
    mapMs += performance.now() - t0;
    pending.push({ ...write, marker: { stream: 'transactions', scope: 'bench', windowKey: 'w', page: p + 1, totalResults: total, records: perPage, maxUpdated } });
    // As the sync engine's writer: parsing and mapping the next pages overlaps with the previous commit.
    if (pending.length === batch) {
      await writing;
      const b = pending;
      writing = store.writePages(b, options);
      pending = [];
    }
  }
  await writing;
  await store.writePages(pending, options);
  // As the engine does at the end of a run: the facts and aggregates rebuilt, each in one pass.
  await store.refreshDirtyFacts(connectionId);
  const secs = (performance.now() - startedAll) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const threads1 = threadCpuSecs();
  const backend1 = processCpuSecs(backend);
  const split =
    threads0 && threads1 ? `; of which JS thread ${(threads1.main - threads0.main).toFixed(2)} CPU-s, ${engine === 'duckdb' ? 'DuckDB and other' : 'other'} threads ${(threads1.others - threads0.others).toFixed(2)} CPU-s` : '';
  const stored = await store.countRows('transactions', connectionId);
  console.log(
    `${engine === 'duckdb' ? '' : `[${engine}] `}store: ${stored} transactions (+ ledger, customer facts, pre-aggregates) in ${secs.toFixed(2)}s wall = ${Math.round(stored / secs)} records/s; ` +
      `${cpuSecs.toFixed(2)} CPU-s = ${Math.round(stored / cpuSecs)} records per CPU-second${split}${backendCpu(backend0, backend1)}; parse + mapping ${Math.round(mapMs)} ms wall (target > 20000/s) [${load()}]`,
  );
  await dispose();
}

/** CPU seconds used so far by another process (Linux /proc; null elsewhere). */
function processCpuSecs(pid: number | undefined, statFile = `/proc/${pid}/stat`): number | null {
  if (pid === undefined) return null;
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
  } catch {
    return null;
  }
}

/** CPU seconds of this process's main (JS) thread and of all its other threads (DuckDB's, libuv's). */
function threadCpuSecs(): { main: number; others: number } | null {
  try {
    let main = 0;
    let others = 0;
    for (const tid of readdirSync('/proc/self/task')) {
      const secs = processCpuSecs(Number(tid), `/proc/self/task/${tid}/stat`) ?? 0;
      if (Number(tid) === process.pid) main += secs;
      else others += secs;
    }
    return { main, others };
  } catch {
    return null;
  }
}

/** One backfill of the sandbox's whole range into a fresh DuckDB store; wall and CPU times. */
async function backfill(dir: string, name: string, sb: Sandbox, concurrency: number, requestsPerSecond: number, record?: Request[], engine: Engine = 'duckdb') {
  const { store, connectionId, backend, dispose } = await freshStore(dir, name, engine);
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency, requestsPerSecond });
  // Times every page request (how many are in flight on average, while any is), and optionally records
  // them for the transport baseline (replayRequests).
  let busyMs = 0;
  let firstStart = Infinity;
  let lastEnd = 0;
  const source = {
    get retries() {
      return client.retries;
    },
    fetchPage: async (endpoint: Endpoint, params: Record<string, string>, page: number, perPage?: number, signal?: AbortSignal) => {
      record?.push({ endpoint, params, page, perPage });
      const t0 = performance.now();
      firstStart = Math.min(firstStart, t0);
      try {
        return await client.fetchPage(endpoint, params, page, perPage, signal);
      } finally {
        const t1 = performance.now();
        busyMs += t1 - t0;
        lastEnd = Math.max(lastEnd, t1);
      }
    },
  };
  const sb0 = processCpuSecs(sb.pid);
  const backend0 = processCpuSecs(backend);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const r = await runSync({ store, source, connectionId, timezone: 'America/New_York', concurrency, mode: { kind: 'backfill', from: '2025-01-01', to: '2025-06-30' } });
  const secs = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sb1 = processCpuSecs(sb.pid);
  const backend1 = processCpuSecs(backend);
  await dispose();
  const fetchSecs = (lastEnd - firstStart) / 1000;
  return {
    r, secs, requests: client.requests, inFlight: busyMs / 1000 / fetchSecs, fetchSecs, cpuSecs: (cpu.user + cpu.system) / 1e6, sandboxCpuSecs: sb0 === null || sb1 === null ? null : sb1 - sb0,
    backend: backendCpu(backend0, backend1),
  };
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = Math.floor(a.length / 2);
  return a.length % 2 === 1 ? (a[m] ?? 0) : ((a[m - 1] ?? 0) + (a[m] ?? 0)) / 2;
}

/** A page request as the sync made it. */
interface Request {
  endpoint: Endpoint;
  params: Record<string, string>;
  page: number;
  perPage: number | undefined;
}

/**
 * The transport baseline: the same requests sent again by a plain pool of `concurrency` workers, each
 * response read and parsed by the client and then dropped. No plan (every request is known up front),
 * no mapping, no store: what this sandbox and client allow at that concurrency on this machine.
 */
async function replayRequests(sb: Sandbox, requests: Request[], concurrency: number): Promise<number> {
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency, requestsPerSecond: 0 });
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < requests.length; i = next++) {
        const q = requests[i] as Request;
        await client.fetchPage(q.endpoint, q.params, q.page, q.perPage);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

// The rich profile: the same workload as the figures in docs/sync.md, so they stay comparable.
const SANDBOX_ARGS = ['--seed', 'bench', '--start', '2025-01-01', '--now', '2025-06-30 18:00:00', '--profile', 'rich'];

/** A whole sync (HTTP, parsing, mapping, store) with no latency: records per second and per CPU-second. */
async function endToEnd(dir: string, engine: Engine = 'duckdb'): Promise<void> {
  const sb = await spawnSandbox([...SANDBOX_ARGS, '--customers', '10000']);
  try {
    const b = await backfill(dir, 'e2e', sb, 8, 0, undefined, engine);
    console.log(
      `${engine === 'duckdb' ? '' : `[${engine}] `}backfill, no latency, concurrency 8, no rate limit: ${b.r.records} records in ${b.secs.toFixed(2)}s = ${Math.round(b.r.records / b.secs)} records/s; ` +
        `konduit ${b.cpuSecs.toFixed(2)} CPU-s = ${Math.round(b.r.records / b.cpuSecs)} records per CPU-second; sandbox ${b.sandboxCpuSecs?.toFixed(2) ?? '?'} CPU-s${b.backend} [${load()}]`,
    );
  } finally {
    sb.close();
  }
}

async function latencyRatio(dir: string): Promise<void> {
  const latencyMs = 100;
  // No request-rate limit: the CLI's default (25 starts/s) would cap concurrency 8 at 25 requests/s,
  // below the 80/s that 8 requests of 100 ms allow; the ratio measures concurrency, not the cap.
  const requestsPerSecond = 0;
  // The sandbox runs in its own process so its query work does not share this event loop.
  const sb = await spawnSandbox([...SANDBOX_ARGS, '--latency-ms', String(latencyMs), '--customers', '3000']);
  try {
    const times: Record<number, number> = {};
    const requests: Request[] = [];
    // Concurrency 8 runs three times (about 2 s each, a fresh store each time) and the median counts:
    // one short run swings by 10% with what else the machine does. Concurrency 1 (about 11 s) runs once.
    const runs: [number, number][] = [[1, 1], [8, 3]];
    for (const [concurrency, repeat] of runs) {
      const secs: number[] = [];
      for (let k = 0; k < repeat; k++) {
        const b = await backfill(dir, `lat${concurrency}-${k}`, sb, concurrency, requestsPerSecond, concurrency === 1 ? requests : undefined);
        secs.push(b.secs);
        const ideal = (b.requests * latencyMs) / concurrency / 1000;
        console.log(
          `backfill, ${latencyMs} ms latency, concurrency ${concurrency}, no rate limit: ${b.r.records} records, ${b.r.pages} pages stored, ${b.requests} requests, ${b.secs.toFixed(2)}s; ` +
            `ideal (requests x ${latencyMs} ms / ${concurrency}) ${ideal.toFixed(2)}s; ${b.inFlight.toFixed(2)} requests in flight on average over the ${b.fetchSecs.toFixed(2)}s from the first request to the last answer; konduit ${b.cpuSecs.toFixed(2)} CPU-s, sandbox ${b.sandboxCpuSecs?.toFixed(2) ?? '?'} CPU-s [${load()}]`,
        );
      }
      times[concurrency] = median(secs);
    }
    console.log(`speed-up concurrency 8 (median of 3) vs 1: ${((times[1] ?? 0) / (times[8] ?? 1)).toFixed(2)}x (ideal 8x) [${load()}]`);
    const base1 = await replayRequests(sb, requests, 1);
    const base8s = [await replayRequests(sb, requests, 8), await replayRequests(sb, requests, 8), await replayRequests(sb, requests, 8)];
    const base8 = median(base8s);
    console.log(
      `transport baseline (the same ${requests.length} requests replayed, parsed and dropped; no plan, no store): concurrency 1 ${base1.toFixed(2)}s, ` +
        `concurrency 8 ${base8s.map((x) => x.toFixed(2)).join(' / ')}s, median ${base8.toFixed(2)}s = ${(base1 / base8).toFixed(2)}x; ` +
        `the sync at concurrency 8 takes ${((times[8] ?? 0) / base8).toFixed(2)}x the baseline's time [${load()}]`,
    );
  } finally {
    sb.close();
  }
}

interface Sandbox {
  baseUrl: string;
  loginId: string;
  password: string;
  pid: number | undefined;
  close(): void;
}

/** Starts `konduit sandbox` (from dist/) on a free port in a child process. */
async function spawnSandbox(args: string[]): Promise<Sandbox> {
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'bin', 'konduit.js'), 'sandbox', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
  return { baseUrl, loginId: DEFAULT_LOGIN_ID, password: DEFAULT_PASSWORD, pid: child.pid, close: () => child.kill('SIGTERM') };
}

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'konduit-bench-sync-'));
  try {
    await storeThroughput(dir);
    // KBENCH_STORE_ONLY=1 skips the parts against a sandbox (about a minute).
    if (!process.env.KBENCH_STORE_ONLY) {
      await endToEnd(dir);
      await latencyRatio(dir);
    }
    // The same store throughput and whole backfill on PostgreSQL, when the tests' server is there.
    const skip = await pgSkipReason();
    if (skip !== null) console.log(`[postgres] skipped: ${skip}`);
    else {
      await storeThroughput(dir, 'postgres');
      if (!process.env.KBENCH_STORE_ONLY) await endToEnd(dir, 'postgres');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
