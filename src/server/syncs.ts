/**
 * Syncs started from the dashboard run in the background of the server process: one at a time per
 * connection (the same lock files as `konduit sync`, so a CLI sync and a dashboard sync never overlap),
 * with their latest progress kept for the page to poll or stream, and a scheduler that runs an
 * incremental sync whenever a connection's frequency says it is due.
 */
import { errorMessage } from '../core/errors.js';
import { safeText } from '../core/mask.js';
import { CrmClient } from '../crm/client.js';
import type { Connection, Frequency, Store } from '../store/store.js';
import { acquireLock } from '../sync/lock.js';
import { snapshot, type ProgressSnapshot } from '../sync/progress.js';
import { runSync, type PageSource, type SyncMode } from '../sync/run.js';
import { isDue } from '../sync/schedule.js';

export interface SyncJob {
  connectionId: string;
  mode: SyncMode;
  status: 'running' | 'ok' | 'failed' | 'cancelled';
  startedAt: number;
  finishedAt: number | null;
  progress: ProgressSnapshot;
  error: string | null;
}

/** A past run as stored in sync_runs. */
export interface SyncRunView {
  runId: string;
  mode: string;
  scope: string;
  status: string;
  startedAt: number | null;
  finishedAt: number | null;
  records: number;
  pages: number;
  retries: number;
  error: string | null;
}

export interface SyncManagerOptions {
  store: Store;
  /** Directory of the per-connection lock files (shared with `konduit sync`). */
  locksDir: string;
  /** Pages fetched at once (default 4). */
  concurrency?: number;
  /** Requests per second to the CRM (default 10). */
  rate?: number;
  /** Builds the CRM client of a connection (tests may swap it). */
  source?: (c: Connection) => PageSource;
}

type Listener = (job: SyncJob) => void;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const instantMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? null : t;
};

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
   * Starts a sync in the background and returns its job at once; null when one of this connection is
   * already running (here or in another process), or when this manager is closed.
   */
  async start(conn: Connection, mode: SyncMode): Promise<SyncJob | null> {
    if (this.closed || this.running.has(conn.connectionId)) return null;
    const release = await acquireLock(this.o.locksDir, conn.connectionId);
    if (!release) return null;
    if (this.closed) {
      await release();
      return null;
    }
    const job: SyncJob = {
      connectionId: conn.connectionId,
      mode,
      status: 'running',
      startedAt: Date.now(),
      finishedAt: null,
      progress: snapshot({ records: 0, pages: 0, pagesPlanned: 0, retries: 0, elapsedMs: 0, streams: {} }),
      error: null,
    };
    this.jobs.set(conn.connectionId, job);
    const abort = new AbortController();
    const source =
      this.o.source?.(conn) ??
      new CrmClient({ baseUrl: conn.baseUrl, loginId: conn.loginId, password: conn.password, concurrency: this.o.concurrency ?? 4, requestsPerSecond: this.o.rate ?? 10 });
    let lastEmit = 0;
    const done = (async () => {
      try {
        await runSync({
          store: this.o.store,
          source,
          connectionId: conn.connectionId,
          timezone: conn.timezone,
          mode,
          concurrency: this.o.concurrency ?? 4,
          signal: abort.signal,
          onProgress: (p) => {
            job.progress = p;
            // Listeners (SSE streams) get at most ~10 updates a second; the final one always.
            const now = Date.now();
            if (p.phase === 'done' || now - lastEmit >= 100) {
              lastEmit = now;
              this.emit(job);
            }
          },
        });
        job.status = 'ok';
      } catch (err) {
        job.status = abort.signal.aborted ? 'cancelled' : 'failed';
        job.error = safeText(errorMessage(err));
      } finally {
        job.finishedAt = Date.now();
        job.progress = { ...job.progress, phase: 'done', etaMs: 0 };
        this.running.delete(conn.connectionId);
        await release().catch(() => undefined);
        this.emit(job);
      }
    })();
    this.running.set(conn.connectionId, { abort, done });
    this.emit(job);
    return job;
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

  /** The connection's stored runs, newest first. */
  async history(connectionId: string, limit = 50): Promise<SyncRunView[]> {
    const rows = await this.o.store.readRows('sync_runs', connectionId);
    return rows
      .map((r) => ({
        runId: String(r.run_id),
        mode: String(r.mode),
        scope: String(r.scope),
        status: String(r.status ?? 'running'),
        startedAt: instantMs(r.started_at),
        finishedAt: instantMs(r.finished_at),
        records: num(r.records),
        pages: num(r.pages),
        retries: num(r.retries),
        error: r.error === null || r.error === undefined ? null : String(r.error),
      }))
      .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0))
      .slice(0, limit);
  }

  /**
   * Checks every minute for connections whose frequency says an incremental sync is due. Only
   * connections with a successful sync are scheduled: history is imported when the user asks for it.
   */
  startScheduler(frequencyOf: (c: { connectionId: string; frequency: Frequency }) => Frequency, everyMs = 60_000, now: () => number = Date.now): void {
    const tick = async () => {
      for (const summary of await this.o.store.listConnections()) {
        if (this.running.has(summary.connectionId)) continue;
        const runs = await this.history(summary.connectionId, 1000);
        const lastOk = runs.filter((r) => r.status === 'ok').reduce<number | null>((m, r) => Math.max(m ?? 0, r.finishedAt ?? 0), null);
        if (lastOk === null || !isDue(lastOk, frequencyOf(summary), now())) continue;
        const conn = await this.o.store.getConnection(summary.name);
        if (conn) await this.start(conn, { kind: 'incremental' });
      }
    };
    this.timer = setInterval(() => void tick().catch(() => undefined), everyMs);
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
