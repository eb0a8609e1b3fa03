/**
 * The forecast report's groups' models (forecast-model.ts) shared between this thread and a small pool
 * of worker threads kept alive for the process (docs/forecasts.md, "The report's time"): a breakdown's
 * groups are independent and each is seeded by its own id, so any thread gives the same numbers, and on
 * a machine of several cores the groups run at once. The pool has one worker fewer than the cores (at
 * most 3), so this thread keeps a share and a server keeps a core for its other requests; none on one
 * core. Workers start on the first report that asks (warmForecastPool, before its statements) and do not
 * keep the process alive when idle. A worker that fails is dropped and its group computed here; one that
 * throws stops the pool for the process.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { groupModel, groupModelCost, type GroupModelInput, type GroupModelResult } from './forecast-model.js';

interface Pending {
  resolve: (r: GroupModelResult[]) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
  /** Terminated by setForecastThreads (its exit is no failure). */
  stopping?: boolean;
}

let threads = Math.min(3, Math.max(0, availableParallelism() - 1));
const pool: PoolWorker[] = [];
let nextId = 0;
/** Groups whose models a worker computed, since the process started (for tests and benches). */
let byWorkers = 0;

/** How many groups' models the pool's workers have computed in this process. */
export function forecastGroupsByWorkers(): number {
  return byWorkers;
}

/** The most workers the pool is given (`konduit serve --forecast-threads`): one group each at a time. */
export const MAX_FORECAST_THREADS = 16;

/** Sets the pool's size (0: every group in this thread); closes the workers beyond it. */
export function setForecastThreads(n: number): void {
  if (!Number.isInteger(n) || n < 0 || n > MAX_FORECAST_THREADS) throw new RangeError(`forecast threads must be a whole number from 0 to ${MAX_FORECAST_THREADS}, got ${n}`);
  threads = n;
  for (const w of pool.splice(n)) {
    w.stopping = true;
    void w.worker.terminate();
  }
}

/** The pool's size. */
export function forecastThreads(): number {
  return threads;
}

/**
 * A worker: built, forecast-worker.js; run from the sources (tsx, vitest), forecast-worker.ts through tsx's
 * loader, registered in the worker before the import (`--import tsx` in a worker's execArgv registers it
 * too late on Node 20: the .ts entry is refused).
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./forecast-worker.js', import.meta.url));
  const entry = new URL('./forecast-worker.ts', import.meta.url).href;
  // tsx's ESM API (its exports' `import` entry, next to its package.json).
  const pkg = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = createRequire(import.meta.url)('tsx/package.json') as { exports: Record<string, { import: { default: string } }> };
  const api = new URL(exports['./esm/api']!.import.default, pathToFileURL(pkg)).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`
    + `.catch((e) => { console.error(e); process.exit(1); });`;
  return new Worker(boot, { eval: true });
}

function spawn(): PoolWorker {
  const worker = startWorker();
  const self: PoolWorker = { worker, pending: new Map() };
  const fail = (err: Error) => {
    const at = pool.indexOf(self);
    if (at >= 0) pool.splice(at, 1);
    for (const p of self.pending.values()) p.reject(err);
    self.pending.clear();
  };
  worker.on('message', (m: { id: number; results?: GroupModelResult[]; error?: string }) => {
    const p = self.pending.get(m.id);
    if (!p) return;
    self.pending.delete(m.id);
    if (self.pending.size === 0) worker.unref();
    if (m.results) p.resolve(m.results);
    else p.reject(new Error(m.error ?? 'the forecast worker failed'));
  });
  // A worker that throws or exits unasked (cannot load its code, runs out of memory) would most likely do
  // it again: the process's pool stops there, and every group is computed in the report's thread.
  worker.on('error', (err) => {
    threads = 0;
    fail(err);
  });
  worker.on('exit', (code) => {
    if (!self.stopping) threads = 0;
    fail(new Error(`the forecast worker exited (${code})`));
  });
  worker.unref();
  return self;
}

/** Starts the pool's workers if they are not running (a report calls it before its statements). */
export function warmForecastPool(): void {
  while (pool.length < threads) pool.push(spawn());
}

function run(w: PoolWorker, inputs: GroupModelInput[]): Promise<GroupModelResult[]> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    w.pending.set(id, { resolve, reject });
    w.worker.ref();
    w.worker.postMessage({ id, inputs });
  });
}

/**
 * Every group's models, in order, taken from one queue (the costliest first) by this thread and the
 * pool's workers, one group at a time: a worker is sent its next group when it answers, and this thread
 * lets the workers' answers in between its own groups. So a worker slow to start, or starved of its core
 * by other processes, leaves its groups to the others instead of keeping the report waiting. A group a
 * worker failed is computed here (the same numbers).
 */
export async function runGroupModels(inputs: readonly GroupModelInput[]): Promise<GroupModelResult[]> {
  const n = Math.min(threads, inputs.length - 1);
  if (n <= 0) return inputs.map(groupModel);
  warmForecastPool();
  const workers = pool.slice(0, n);
  const queue = inputs.map((x, i) => ({ i, cost: groupModelCost(x) })).sort((a, b) => b.cost - a.cost || a.i - b.i).map((x) => x.i);
  const results = new Array<GroupModelResult>(inputs.length);
  const feed = async (w: PoolWorker): Promise<void> => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      try {
        results[i] = (await run(w, [inputs[i]!]))[0]!;
        byWorkers++;
      } catch {
        results[i] = groupModel(inputs[i]!);
        return;
      }
    }
  };
  const away = workers.map(feed);
  for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
    results[i] = groupModel(inputs[i]!);
    // Let the workers' answers in, so each is sent its next group.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  await Promise.all(away);
  return results;
}
