/**
 * The sync use case: how every caller (`konduit sync` and its --watch loop, the dashboard's syncs and
 * its scheduler, `konduit demo`) syncs a stored connection. It takes the connection's lock, builds the
 * CRM client from the connection, runs the sync (run.ts) and releases the lock. The defaults of a sync
 * are declared here, once (docs/sync.md, "Concurrency, limits, retries").
 */
import { EXIT_USAGE, KonduitError, UnknownConnectionError } from '../core/errors.js';
import { CrmClient } from '../crm/client.js';
import { DEFAULT_RETRY } from '../crm/retry-policy.js';
import type { Connection, Store } from '../store/store.js';
import { acquireLock } from './lock.js';
import type { ProgressSnapshot } from './progress.js';
import { runSync, type SyncMode, type SyncResult } from './run.js';

export { NotBackfilledError } from './run.js';

/** How hard a failed CRM request is retried (src/crm/retry-policy.ts). */
export interface RetrySettings {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The defaults of every sync, whoever starts it. */
export const SYNC_DEFAULTS: { readonly concurrency: number; readonly requestsPerSecond: number; readonly retry: Readonly<RetrySettings> } = {
  // Pages fetched at once, which is also the requests in flight to the CRM.
  concurrency: 4,
  // Request starts per second (0 = no limit). The CRM documents no limit; the cap protects the
  // merchant's account from a sync's bursts (25/s is about 5,000 records/s at 200 a page).
  requestsPerSecond: 25,
  retry: { maxAttempts: DEFAULT_RETRY.maxAttempts, baseDelayMs: DEFAULT_RETRY.baseDelayMs, maxDelayMs: DEFAULT_RETRY.maxDelayMs },
};

export interface SyncConnectionOptions {
  store: Store;
  /** The stored connection, or its name. */
  connection: Connection | string;
  mode: SyncMode;
  /** Directory of the per-connection lock files, shared by every process that syncs this store. */
  locksDir: string;
  /** Pages fetched (and requests in flight) at once; default SYNC_DEFAULTS. */
  concurrency?: number;
  /** Request starts per second to the CRM, 0 = no limit; default SYNC_DEFAULTS. */
  requestsPerSecond?: number;
  /** Retry settings, each defaulting to SYNC_DEFAULTS. */
  retry?: Partial<RetrySettings>;
  /** Account-local today, "YYYY-MM-DD" (default: this machine's clock in the account's zone). */
  today?: string;
  /** Stops the run (it resumes from its markers next time); aborted before the run starts, nothing starts. */
  signal?: AbortSignal;
  onProgress?: (p: ProgressSnapshot) => void;
}

/** The connection is being synced elsewhere (its lock is held by a live process). */
export class SyncAlreadyRunningError extends KonduitError {
  constructor(readonly connectionName: string) {
    // The message the CLI has always printed: in a CLI process the holder is another process.
    super(`"${connectionName}" is being synced by another process; skipped`, EXIT_USAGE);
  }
}

/** No stored connection has that name (core/errors.ts). */
export { UnknownConnectionError };

/** A sync that holds its connection's lock and runs. */
export interface StartedSync {
  connection: Connection;
  /** The run's result; the lock is released before it settles. */
  done: Promise<SyncResult>;
}

/**
 * Takes the connection's lock and starts its sync; resolves once it runs. Throws UnknownConnectionError,
 * SyncAlreadyRunningError, or the signal's reason when it was aborted before the run started; the run's
 * own failures (NotBackfilledError among them) reject `done`.
 */
export async function startSync(o: SyncConnectionOptions): Promise<StartedSync> {
  const conn = typeof o.connection === 'string' ? await o.store.getConnection(o.connection) : o.connection;
  if (!conn) throw new UnknownConnectionError(o.connection as string);
  const release = await acquireLock(o.locksDir, conn.connectionId);
  if (!release) throw new SyncAlreadyRunningError(conn.name);
  if (o.signal?.aborted) {
    // Stopped while the lock was being taken (a server closing): nothing has started, nothing to resume.
    await release();
    throw o.signal.reason ?? new Error('aborted');
  }
  const concurrency = o.concurrency ?? SYNC_DEFAULTS.concurrency;
  const retry = { ...SYNC_DEFAULTS.retry, ...o.retry };
  const client = new CrmClient({
    baseUrl: conn.baseUrl,
    loginId: conn.loginId,
    password: conn.password,
    concurrency,
    requestsPerSecond: o.requestsPerSecond ?? SYNC_DEFAULTS.requestsPerSecond,
    ...retry,
  });
  const done = (async () => {
    try {
      return await runSync({
        store: o.store,
        source: client,
        connectionId: conn.connectionId,
        timezone: conn.timezone,
        baseCurrency: conn.baseCurrency,
        mode: o.mode,
        concurrency,
        today: o.today,
        signal: o.signal,
        onProgress: o.onProgress,
      });
    } finally {
      await release();
    }
  })();
  // The caller awaits `done` later; this keeps a quick failure from being reported as unhandled first.
  done.catch(() => undefined);
  return { connection: conn, done };
}

/** Syncs a stored connection: lock, CRM client, run, unlock (see startSync for what it throws). */
export async function syncConnection(o: SyncConnectionOptions): Promise<SyncResult> {
  return (await startSync(o)).done;
}
