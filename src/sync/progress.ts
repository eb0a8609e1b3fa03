/**
 * Progress of a sync as data: counters the engine updates, and a pure snapshot with rate and ETA that
 * the CLI renders (a bar on a terminal, plain lines otherwise).
 */

export interface ProgressSnapshot {
  phase: 'running' | 'done';
  records: number;
  pages: number;
  /** Pages known so far (grows as windows reveal their totals). */
  pagesPlanned: number;
  retries: number;
  elapsedMs: number;
  /** Records stored per second so far. */
  recordsPerSec: number;
  /** Estimated time left, or null before anything is known. */
  etaMs: number | null;
  /** Records per stream. */
  streams: Record<string, number>;
}

/** Builds a snapshot from raw counters (pure). */
export function snapshot(c: { records: number; pages: number; pagesPlanned: number; retries: number; elapsedMs: number; streams: Record<string, number>; done?: boolean }): ProgressSnapshot {
  const secs = c.elapsedMs / 1000;
  const left = Math.max(0, c.pagesPlanned - c.pages);
  return {
    phase: c.done ? 'done' : 'running',
    records: c.records,
    pages: c.pages,
    pagesPlanned: Math.max(c.pagesPlanned, c.pages),
    retries: c.retries,
    elapsedMs: c.elapsedMs,
    recordsPerSec: secs > 0 ? c.records / secs : 0,
    etaMs: c.done ? 0 : c.pages > 0 ? Math.round((c.elapsedMs / c.pages) * left) : null,
    streams: { ...c.streams },
  };
}

/** "1m 05s", "42s", "1h 02m". */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** One plain line describing a snapshot. */
export function progressLine(p: ProgressSnapshot): string {
  return `${p.records} records, ${p.pages}/${p.pagesPlanned} pages, ${Math.round(p.recordsPerSec)} rec/s, ${p.retries} retries, ETA ${formatDuration(p.etaMs)}`;
}
