/**
 * What the data of a report's connections covers (docs/metrics.md, "Coverage"): the days their backfills
 * walked (account time) and their as-of, the CRM's "now" at the last complete sync. A report judges
 * completeness by the as-of, never by the wall clock alone; a range that starts before the coverage is
 * answered with a warning, and one entirely outside it is refused with an error that names the coverage.
 */
import { addDays, localMinute, startOfLocalDay } from '../core/time.js';
import type { ReportReader } from '../store/store.js';

/** One connection's coverage, its days in its account's zone. */
export interface ConnectionCoverage {
  connectionId: string;
  name: string;
  zone: string;
  /** First and last day its backfills walked ("YYYY-MM-DD", account time). */
  from: string;
  to: string;
  /** The CRM's "now" at its last complete sync (epoch ms); null while its first backfill runs. */
  asOf: number | null;
}

/** The coverage of a report's connections together. */
export interface ReportCoverage {
  /** Each reported connection that has a coverage, by name. */
  connections: ConnectionCoverage[];
  /** Connections reported that have none yet (never backfilled): their figures carry no coverage. */
  uncovered: string[];
  /** The first instant every covered connection covers (the latest of their first days). */
  fromMs: number | null;
  /** The earliest as-of of the covered connections: completeness is judged at it. */
  asOfMs: number | null;
}

/** Something a report says beside its figures. */
export interface ReportWarning {
  code: 'before_coverage' | 'backfill_running' | 'costs_missing' | 'spend_missing';
  message: string;
}

/** The coverage of these connections (null: every connection of the store). */
export async function reportCoverage(store: ReportReader, connectionIds: readonly string[] | null): Promise<ReportCoverage> {
  const rows = await store.query(`SELECT connection_id, name, timezone FROM connections ORDER BY name`);
  const wanted = rows.filter((r) => connectionIds === null || connectionIds.includes(String(r.connection_id)));
  const covs = await store.coverages(wanted.map((r) => String(r.connection_id)));
  const connections: ConnectionCoverage[] = [];
  const uncovered: string[] = [];
  for (const r of wanted) {
    const c = covs.get(String(r.connection_id));
    if (!c) uncovered.push(String(r.name));
    else connections.push({ connectionId: String(r.connection_id), name: String(r.name), zone: String(r.timezone), from: c.from, to: c.to, asOf: c.asOf });
  }
  const froms = connections.map((c) => startOfLocalDay(c.from, c.zone));
  const asOfs = connections.map((c) => c.asOf).filter((a): a is number => a !== null);
  return {
    connections,
    uncovered,
    fromMs: froms.length > 0 ? Math.max(...froms) : null,
    asOfMs: asOfs.length > 0 ? Math.min(...asOfs) : null,
  };
}

/**
 * The instant a report judges completeness at: the data's as-of, or the one asked for when earlier; the
 * clock only when no connection has an as-of yet.
 */
export function completenessAt(c: ReportCoverage, asked: number | undefined, now: number = Date.now()): number {
  const data = c.asOfMs ?? now;
  return asked === undefined ? data : Math.min(asked, data);
}

/** One connection's coverage in words: "shop: 2025-01-01 to 2026-06-30 12:00 (account time)". */
export function describeCoverage(c: ConnectionCoverage): string {
  return `${c.name}: ${c.from} to ${c.asOf === null ? `${c.to} (first backfill still running)` : `${localMinute(c.asOf, c.zone)} (account time, ${c.zone})`}`;
}

/** Where a report's range stands against the coverage. */
export interface CoverageCheck {
  /** Set when the range lies entirely outside the coverage: why, naming the coverage. */
  outside: { message: string; hint: string } | null;
  /** What to say beside the figures otherwise. */
  warnings: ReportWarning[];
}

/**
 * Checks a report's range [from, to] (viewer-zone dates) against the coverage: `outside` when the range
 * lies entirely before its first day or entirely after its as-of (the caller refuses the request), the
 * warnings to print beside the figures otherwise.
 */
export function checkCoverage(c: ReportCoverage, range: { from: string; to: string; tz: string }): CoverageCheck {
  if (c.connections.length === 0) return { outside: null, warnings: [] };
  const startMs = startOfLocalDay(range.from, range.tz);
  const endMs = startOfLocalDay(addDays(range.to, 1), range.tz);
  const covered = c.connections.map(describeCoverage).join('; ');
  if (c.fromMs !== null && endMs <= c.fromMs) {
    return { outside: { message: `the range ${range.from} to ${range.to} ends before the synced data begins (${covered})`, hint: 'choose a later range, or sync the earlier history with konduit sync --from DATE' }, warnings: [] };
  }
  if (c.asOfMs !== null && startMs >= c.asOfMs) {
    return { outside: { message: `the range ${range.from} to ${range.to} starts after the synced data ends (${covered})`, hint: 'choose an earlier range, or run konduit sync to bring the data up to date' }, warnings: [] };
  }
  const warnings: ReportWarning[] = [];
  if (c.fromMs !== null && startMs < c.fromMs) {
    warnings.push({
      code: 'before_coverage',
      message: `the range starts before the synced data (${covered}): days before it are missing, and customers acquired before it are not counted as new`,
    });
  }
  const running = c.connections.filter((x) => x.asOf === null).map((x) => x.name);
  if (running.length > 0) {
    warnings.push({
      code: 'backfill_running',
      message: `the first backfill of ${running.join(', ')} is still running: revenue, refunds, chargebacks, orders and approvals are exact for the days covered so far (${covered}); new customers, cohorts and retention are counted once it has fetched every transaction`,
    });
  }
  return { outside: null, warnings };
}
