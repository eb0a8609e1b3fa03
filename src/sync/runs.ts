/**
 * A connection's stored sync runs (sync_runs) as plain values, whichever engine stored them, and when it
 * last synced successfully: what the dashboard shows and what both schedulers (`konduit sync --watch`
 * and the server's) decide on.
 */
import type { Store } from '../store/store.js';

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

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

// Engines hand instants back as numbers, bigints, Dates or strings.
const instantMs = (v: unknown): number | null => {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  const t = Date.parse(String(v));
  return Number.isNaN(t) ? null : t;
};

/** The connection's stored runs, newest first. */
export async function readRuns(store: Store, connectionId: string): Promise<SyncRunView[]> {
  const rows = await store.readRows('sync_runs', connectionId);
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
    .sort((a, b) => (b.startedAt ?? 0) - (a.startedAt ?? 0));
}

/** When the last successful run finished (epoch ms), or null when none has. */
export function lastSuccessAt(runs: readonly SyncRunView[]): number | null {
  return runs.filter((r) => r.status === 'ok').reduce<number | null>((m, r) => Math.max(m ?? 0, r.finishedAt ?? 0), null);
}
