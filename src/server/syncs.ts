/**
 * Syncs started from the dashboard run in the background of the server process: one at a time per
 * connection (the same lock files as `konduit sync`, so a CLI sync and a dashboard sync never overlap),
 * with their latest progress kept for the page to poll or stream, and a scheduler that runs an
 * incremental sync whenever a connection's frequency says it is due.
 */
import { errorMessage } from '../core/errors.js';
import { safeText } from '../core/mask.js';
import type { Connection, Coverage, Frequency, Store } from '../store/store.js';
import { lockHolder } from '../sync/lock.js';
import { snapshot, type ProgressSnapshot } from '../sync/progress.js';
import type { SyncMode } from '../sync/run.js';
import { lastSuccessAt, readRuns, type SyncRunView } from '../sync/runs.js';
import { isDue } from '../sync/schedule.js';
import { SyncAlreadyRunningError, startSync, type StartedSync } from '../sync/sync-connection.js';

export interface SyncJob {
  connectionId: string;
  mode: SyncMode;
  status: 'running' | 'ok' | 'failed' | 'cancelled';
  startedAt: number;
  finishedAt: number | null;
  progress: ProgressSnapshot;
  error: string | null;
}

/**
 * A connection's sync status as the store and the lock files tell it, whoever ran the sync: this server,
 * `konduit sync` or `konduit demo` in another process (docs/api.md, "Status").
 */
export interface SyncStatus {
  /** `never`: no run stored; `running`: a sync runs now; else how the newest run ended. */
  state: 'never' | 'running' | 'ok' | 'failed' | 'cancelled' | 'interrupted';
  /** Who runs it: this server, or another process on this machine (its lock file names a live process); null when none runs. */
  runningIn: 'server' | 'elsewhere' | null;
  /** The newest stored run (a run left "running" by a process that died reads "interrupted"). */
  lastRun: SyncRunView | null;
  /** When a run last ended well (epoch ms). */
  lastSuccessAt: number | null;
  /** The newest run's records; while it runs, those stored so far (this server's count, or the pages another process has committed). */
  records: number;
  /** What the data covers: the days the backfills walked (account-local) and the CRM's "now" at the last complete sync. */
  coverage: Coverage | null;
}

/** The error shown for a run left "running" that no live process runs. */
const STOPPED = 'stopped without finishing (its process was killed or crashed); the next sync resumes its work';

export interface SyncManagerOptions {
  store: Store;
  /** Directory of the per-connection lock files (shared with `konduit sync`). */
  locksDir: string;
  /** Pages fetched at once (default: the sync use case's SYNC_DEFAULTS). */
  concurrency?: number;
  /** Requests per second to the CRM, 0 = no limit (default: SYNC_DEFAULTS). */
  rate?: number;
}

/** Progress events go to listeners (SSE streams) at most this often; the latest one always follows. */
const PROGRESS_EVERY_MS = 100;

type Listener = (job: SyncJob) => void;

/** Runs and tracks the dashboard's syncs. */
export class SyncManager {
  private readonly jobs = new Map<string, SyncJob>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly changeListeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  /** Set by close(): a scheduler tick still in flight then starts nothing. */
  private closed = false;

  constructor(private readonly o: SyncManagerOptions) {}

  /** The latest job of a connection started by this process (running or finished), or null. */
  job(connectionId: string): SyncJob | null {
    return this.jobs.get(connectionId) ?? null;
  }

  /** Calls `fn` on every progress change of the connection's syncs; returns the unsubscribe function. */
  subscribe(connectionId: string, fn: Listener): () => void {
    let set = this.listeners.get(connectionId);
    if (!set) this.listeners.set(connectionId, (set = new Set()));
    set.add(fn);
    return () => set.delete(fn);
  }

  /** Calls `fn` whenever any sync stores records or ends (the report cache listens). */
  onChange(fn: Listener): void {
    this.changeListeners.add(fn);
  }

  private emit(job: SyncJob): void {
    for (const fn of this.listeners.get(job.connectionId) ?? []) fn(job);
    for (const fn of this.changeListeners) fn(job);
  }

  /**
   * Starts a sync in the background and returns its job once it runs; null when one of this connection is
   * already running (here or in another process), or when this manager is closed.
   */
  async start(conn: Connection, mode: SyncMode): Promise<SyncJob | null> {
    if (this.closed || this.running.has(conn.connectionId)) return null;
    // Claimed before the lock is awaited, so a second start in this process returns null at once and
    // close() stops this one should it come while the lock is being taken.
    const abort = new AbortController();
    let settle!: () => void;
    this.running.set(conn.connectionId, { abort, done: new Promise<void>((r) => (settle = r)) });
    const job: SyncJob = {
      connectionId: conn.connectionId,
      mode,
      status: 'running',
      startedAt: Date.now(),
      finishedAt: null,
      progress: snapshot({ records: 0, pages: 0, pagesPlanned: 0, retries: 0, elapsedMs: 0, streams: {} }),
      error: null,
    };
    const progress = this.progressEmitter(job);
    let started: StartedSync;
    try {
      started = await startSync({
        store: this.o.store,
        connection: conn,
        mode,
        locksDir: this.o.locksDir,
        concurrency: this.o.concurrency,
        requestsPerSecond: this.o.rate,
        signal: abort.signal,
        onProgress: progress.update,
      });
    } catch (err) {
      this.running.delete(conn.connectionId);
      settle();
      if (err instanceof SyncAlreadyRunningError || abort.signal.aborted || this.closed) return null;
      throw err;
    }
    this.jobs.set(conn.connectionId, job);
    void started.done
      .then(
        () => {
          job.status = 'ok';
        },
        (err: unknown) => {
          // A sync its user (or the server's stop) cancelled is not a failure: no error to show.
          job.status = abort.signal.aborted ? 'cancelled' : 'failed';
          job.error = abort.signal.aborted ? null : safeText(errorMessage(err));
        },
      )
      .finally(() => {
        progress.stop();
        job.finishedAt = Date.now();
        job.progress = { ...job.progress, phase: 'done', etaMs: 0 };
        this.running.delete(conn.connectionId);
        this.emit(job);
        settle();
      });
    this.emit(job);
    return job;
  }

  /**
   * Keeps the job's progress and tells listeners: at most every PROGRESS_EVERY_MS, and the latest
   * snapshot always follows, so a page never shows a stale count while the CRM is slow to answer.
   */
  private progressEmitter(job: SyncJob): { update: (p: ProgressSnapshot) => void; stop: () => void } {
    let last = 0;
    let pending: NodeJS.Timeout | null = null;
    const send = () => {
      pending = null;
      last = Date.now();
      this.emit(job);
    };
    return {
      update: (p) => {
        job.progress = p;
        if (pending) return; // the scheduled emit sends this snapshot
        const wait = last + PROGRESS_EVERY_MS - Date.now();
        if (p.phase === 'done' || wait <= 0) send();
        else pending = setTimeout(send, wait);
      },
      stop: () => {
        if (pending) clearTimeout(pending);
        pending = null;
      },
    };
  }

  /** Asks a running sync to stop (it resumes from its markers next time); false when none runs. */
  cancel(connectionId: string): boolean {
    const r = this.running.get(connectionId);
    if (!r) return false;
    r.abort.abort(new Error('cancelled from the dashboard'));
    return true;
  }

  /** Waits for a connection's running sync, if any (tests, shutdown). */
  async settled(connectionId: string): Promise<void> {
    await this.running.get(connectionId)?.done;
  }

  /**
   * The connection's stored runs, newest first. A run stored as running is running only when this server
   * runs it or a live process holds the connection's lock; otherwise its process died before it could
   * say so, and it reads as interrupted (as the next run will store it).
   */
  async history(connectionId: string, limit = 50): Promise<SyncRunView[]> {
    return (await this.runsAsTheyAre(connectionId)).runs.slice(0, limit);
  }

  private async runsAsTheyAre(connectionId: string): Promise<{ runs: SyncRunView[]; runningIn: SyncStatus['runningIn'] }> {
    const runs = await readRuns(this.o.store, connectionId);
    const here = this.jobs.get(connectionId)?.status === 'running';
    const runningIn = here ? 'server' : (await lockHolder(this.o.locksDir, connectionId)) !== null ? 'elsewhere' : null;
    return {
      runningIn,
      runs: runs.map((r, i) => (r.status === 'running' && (i > 0 || runningIn === null) ? { ...r, status: 'interrupted', error: r.error ?? STOPPED } : r)),
    };
  }

  /** The connection's sync status from the store, the lock files and this server's jobs. */
  async status(connectionId: string): Promise<SyncStatus> {
    const [{ runs, runningIn }, coverage] = await Promise.all([this.runsAsTheyAre(connectionId), this.o.store.coverage(connectionId)]);
    const lastRun = runs[0] ?? null;
    const job = this.jobs.get(connectionId);
    let records = lastRun?.records ?? 0;
    if (runningIn === 'server' && job) records = job.progress.records;
    else if (runningIn === 'elsewhere' && lastRun?.status === 'running') {
      // The other process's count is in its memory; what it has committed is in its pages' markers.
      records = (await this.o.store.pageMarkers(connectionId, lastRun.scope)).reduce((n, m) => n + m.records, 0);
    }
    const state: SyncStatus['state'] = runningIn !== null ? 'running' : lastRun === null ? 'never' : (lastRun.status as SyncStatus['state']);
    return { state, runningIn, lastRun, lastSuccessAt: lastSuccessAt(runs), records, coverage };
  }

  /**
   * Starts an incremental sync of every connection due at `now` by its frequency; resolves with the jobs
   * started. Only connections with a successful sync are due: history is imported when the user asks.
   */
  async startDue(frequencyOf: (c: { connectionId: string; frequency: Frequency }) => Frequency, now: number = Date.now()): Promise<SyncJob[]> {
    const started: SyncJob[] = [];
    for (const summary of await this.o.store.listConnections()) {
      if (this.running.has(summary.connectionId)) continue;
      const lastOk = lastSuccessAt(await readRuns(this.o.store, summary.connectionId));
      if (lastOk === null || !isDue(lastOk, frequencyOf(summary), now)) continue;
      // A password saved under another key waits for its user (the connection says so); the others go on.
      if ((await this.o.store.connectionInfo(summary.name))?.credentials !== 'ok') continue;
      const conn = await this.o.store.getConnection(summary.name);
      const job = conn ? await this.start(conn, { kind: 'incremental' }) : null;
      if (job) started.push(job);
    }
    return started;
  }

  /** Runs startDue every `everyMs` (a minute) until close(). */
  startScheduler(frequencyOf: (c: { connectionId: string; frequency: Frequency }) => Frequency, everyMs = 60_000): void {
    this.timer = setInterval(() => void this.startDue(frequencyOf).catch(() => undefined), everyMs);
    this.timer.unref();
  }

  /** Stops the scheduler and every running sync (they resume next time). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.running.values()) r.abort.abort(new Error('server stopping'));
    await Promise.all([...this.running.values()].map((r) => r.done.catch(() => undefined)));
  }
}
