/**
 * Which windows and pages to fetch: pure functions, tested without I/O (changesets' plan vs apply).
 *
 * Windows are inclusive ranges of account-local calendar dates. The API ignores time of day
 * (docs/crm-api.md), so a window is never narrower than one day. A window starts wide; when its
 * first page reveals more rows than `maxRowsPerWindow`, it is split in proportion to its density, down
 * to single days: wide where the data is sparse, a day where it is dense.
 */
import { addDays, daysBetween } from '../core/time.js';

export type DateRangeType = 'dateCreated' | 'dateUpdated';

export interface Window {
  start: string;
  end: string;
}

export interface PlanOptions {
  /** Rows above which a window is split (default 2000 = 10 pages of 200). */
  maxRowsPerWindow: number;
  perPage: number;
}

export const DEFAULT_PLAN: PlanOptions = { maxRowsPerWindow: 2000, perPage: 200 };

/** Incremental sync re-reads this many days before its checkpoint: see docs/sync.md. */
export const LOOKBACK_DAYS = 3;
/** How far past the checkpoint (or today) an incremental window reaches: the CRM's clock may differ from ours. */
export const INCREMENTAL_HORIZON_DAYS = 366;

/** Days in a window, inclusive. */
export function windowDays(w: Window): number {
  return daysBetween(w.start, w.end) + 1;
}

/** A stable key for a window, used by page markers. */
export function windowKey(rangeType: DateRangeType, w: Window): string {
  return `${rangeType}:${w.start}..${w.end}`;
}

/**
 * Splits a window whose first page reported `totalResults`, newest part first (a backfill makes its
 * latest days reportable first: docs/sync.md, "Coverage"); null when it should be fetched as is.
 */
export function splitWindow(w: Window, totalResults: number, o: PlanOptions = DEFAULT_PLAN): Window[] | null {
  const days = windowDays(w);
  if (totalResults <= o.maxRowsPerWindow || days <= 1) return null;
  const parts = Math.min(days, Math.max(2, Math.ceil(totalResults / o.maxRowsPerWindow)));
  const out: Window[] = [];
  let start = w.start;
  for (let i = 0; i < parts; i++) {
    // Spread the remainder so parts differ by at most one day.
    const len = Math.floor(days / parts) + (i < days % parts ? 1 : 0);
    const end = addDays(start, len - 1);
    out.push({ start, end });
    start = addDays(end, 1);
  }
  return out.reverse();
}

/** Pages of a window after its first: 2..ceil(total / perPage). */
export function remainingPages(totalResults: number, perPage: number): number[] {
  const pages = Math.ceil(totalResults / perPage);
  const out: number[] = [];
  for (let p = 2; p <= pages; p++) out.push(p);
  return out;
}

/** Pages still to fetch when resuming: those without a marker, if the window's total is unchanged. */
export function pagesToResume(totalResults: number, perPage: number, done: ReadonlySet<number>, markedTotal: number | undefined): number[] {
  const all = remainingPages(totalResults, perPage);
  // Pages shift when the total changed since the markers were written: fetch them all again.
  if (markedTotal !== totalResults) return all;
  return all.filter((p) => !done.has(p));
}

/** The backfill's window and scope for a chosen range. */
export function backfillPlan(from: string, to: string): { window: Window; scope: string; rangeType: DateRangeType } {
  if (daysBetween(from, to) < 0) throw new RangeError(`--from ${from} is after --to ${to}`);
  return { window: { start: from, end: to }, scope: `backfill:${from}..${to}`, rangeType: 'dateCreated' };
}

/**
 * The incremental window: dateUpdated from the checkpoint minus the look-back, to a horizon well past
 * both the checkpoint and today (the CRM's "now" may run ahead of this machine's clock).
 */
export function incrementalPlan(checkpoint: string, today: string, lookbackDays = LOOKBACK_DAYS): { window: Window; scope: string; rangeType: DateRangeType } {
  const start = addDays(checkpoint, -lookbackDays);
  const latest = daysBetween(checkpoint, today) > 0 ? today : checkpoint;
  return { window: { start, end: addDays(latest, INCREMENTAL_HORIZON_DAYS) }, scope: `incremental:${start}`, rangeType: 'dateUpdated' };
}

/** The later of two dates (either may be null). */
export function laterDate(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return daysBetween(a, b) > 0 ? b : a;
}
