/**
 * `npm run bench sync`: (1) records stored per second by the store's group-commit path (no network),
 * on DuckDB; (2) backfill wall time against the sandbox with 100 ms latency per request at
 * concurrency 1 and 8, against the ideal (pages x latency) / concurrency.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CrmClient, interpretResponse, parsePage } from '../src/crm/client.js';
import { spawn } from 'node:child_process';
import { DEFAULT_LOGIN_ID, DEFAULT_PASSWORD } from '../src/sandbox/index.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { PageWrite } from '../src/store/store.js';
import { runSync } from '../src/sync/run.js';
import { streamSpec } from '../src/sync/streams.js';

async function freshStore(dir: string, name: string) {
  const store = await openDuckDbStore(join(dir, `${name}.duckdb`), { secretKey: generateKey() });
  await store.migrate();
  const c = await store.saveConnection({ name: 'bench', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
  return { store, connectionId: c.connectionId };
}

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

async function storeThroughput(dir: string): Promise<void> {
  const { store, connectionId } = await freshStore(dir, 'throughput');
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
  let pending: PageWrite[] = [];
  let writing: Promise<void> = Promise.resolve();
  for (let p = 0; p < bodies.length; p++) {
    const t0 = performance.now();
    const outcome = interpretResponse(200, bodies[p] ?? '');
    if (outcome.kind !== 'success') throw new Error(`bench page ${p + 1}: ${outcome.kind}`);
    const page = parsePage(outcome.message, p + 1, perPage);
    const mapped = spec.map(page.records, 'America/New_York');
    mapMs += performance.now() - t0;
    pending.push({ connectionId, table: 'transactions', rows: mapped.rows, ledger: mapped.ledger, marker: { stream: 'transactions', scope: 'bench', windowKey: 'w', page: p + 1, totalResults: total, records: perPage, maxUpdated: mapped.maxUpdated } });
    // As the sync engine's writer: parsing and mapping the next pages overlaps with the previous commit.
    if (pending.length === batch) {
      await writing;
      const b = pending;
      writing = store.writePages(b, { deferFacts: true });
      pending = [];
    }
  }
  await writing;
  await store.writePages(pending, { deferFacts: true });
  // As the engine does at the end of a run: the facts of every customer touched, in one pass.
  await store.refreshDirtyFacts(connectionId);
  const secs = (performance.now() - startedAll) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const stored = await store.countRows('transactions', connectionId);
  console.log(
    `store: ${stored} transactions (+ ledger + customer facts) in ${secs.toFixed(2)}s wall = ${Math.round(stored / secs)} records/s; ` +
      `${cpuSecs.toFixed(2)} CPU-s = ${Math.round(stored / cpuSecs)} records per CPU-second; parse + mapping ${Math.round(mapMs)} ms (target > 20000/s) [${load()}]`,
  );
  await store.close();
}

async function latencyRatio(dir: string): Promise<void> {
  const latencyMs = 100;
  // The sandbox runs in its own process so its query work does not share this event loop.
  const sb = await spawnSandbox(['--latency-ms', String(latencyMs), '--seed', 'bench', '--customers', '3000', '--start', '2025-01-01', '--now', '2025-06-30 18:00:00']);
  try {
    const times: Record<number, number> = {};
    for (const concurrency of [1, 8]) {
      const { store, connectionId } = await freshStore(dir, `lat${concurrency}`);
      const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency, requestsPerSecond: 0 });
      const started = performance.now();
      const r = await runSync({ store, source: client, connectionId, timezone: 'America/New_York', concurrency, mode: { kind: 'backfill', from: '2025-01-01', to: '2025-06-30' } });
      const ms = performance.now() - started;
      times[concurrency] = ms;
      const ideal = (client.requests * latencyMs) / concurrency;
      console.log(`backfill at concurrency ${concurrency}: ${r.records} records, ${r.pages} pages stored, ${client.requests} requests, ${(ms / 1000).toFixed(2)}s; ideal (requests x ${latencyMs} ms / ${concurrency}) ${(ideal / 1000).toFixed(2)}s`);
      await store.close();
    }
    console.log(`speed-up concurrency 8 vs 1: ${((times[1] ?? 0) / (times[8] ?? 1)).toFixed(2)}x (ideal 8x)`);
  } finally {
    sb.close();
  }
}

/** Starts `konduit sandbox` (from dist/) on a free port in a child process. */
async function spawnSandbox(args: string[]): Promise<{ baseUrl: string; loginId: string; password: string; close(): void }> {
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
  return { baseUrl, loginId: DEFAULT_LOGIN_ID, password: DEFAULT_PASSWORD, close: () => child.kill('SIGTERM') };
}

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'konduit-bench-sync-'));
  try {
    await storeThroughput(dir);
    // KBENCH_STORE_ONLY=1 skips the latency part (about a minute).
    if (!process.env.KBENCH_STORE_ONLY) await latencyRatio(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
