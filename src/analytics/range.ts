/**
 * Viewer-zone calendar ranges as UTC instants. A report range [from, to] is inclusive of both dates and
 * cut at local midnights of the viewer's zone, so a DST day is 23 or 25 hours long, as the viewer lives it.
 */
import { addDays, daysBetween, isoWeekKey, isoWeekStart, parseWall, startOfLocalDay } from '../core/time.js';

export type Period = 'day' | 'week' | 'month';

/** An inclusive date range in a zone, with its half-open instant bounds [startMs, endMs). */
export interface InstantRange {
  from: string;
  to: string;
  startMs: number;
  endMs: number;
}

/** The instants of the inclusive local-date range [from, to] in `zone`. */
export function instantRange(from: string, to: string, zone: string): InstantRange {
  if (!parseWall(from) || !parseWall(to)) throw new RangeError(`not a date range: ${from}..${to}`);
  if (to < from) throw new RangeError(`the range ends (${to}) before it starts (${from})`);
  return { from, to, startMs: startOfLocalDay(from, zone), endMs: startOfLocalDay(addDays(to, 1), zone) };
}

/** The range of the same number of days that ends the day before `from`. */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const days = daysBetween(from, to) + 1;
  return { from: addDays(from, -days), to: addDays(from, -1) };
}

/** The period key of a local date: YYYY-MM-DD, YYYY-Www (ISO week) or YYYY-MM. */
export function periodKey(date: string, period: Period): string {
  if (period === 'day') return date;
  if (period === 'week') return isoWeekKey(date);
  return date.slice(0, 7);
}

/** The first local date of the period that holds `date`. */
export function periodStart(date: string, period: Period): string {
  if (period === 'day') return date;
  if (period === 'week') return isoWeekStart(date);
  return `${date.slice(0, 7)}-01`;
}

/** The first local date of the next period after the one starting at `start`. */
export function nextPeriodStart(start: string, period: Period): string {
  if (period === 'day') return addDays(start, 1);
  if (period === 'week') return addDays(start, 7);
  const y = Number(start.slice(0, 4));
  const m = Number(start.slice(5, 7));
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

/** Every period touching [from, to], in order, as { key, start } (start = the period's first date). */
export function periodsOf(from: string, to: string, period: Period): { key: string; start: string }[] {
  const out: { key: string; start: string }[] = [];
  for (let s = periodStart(from, period); s <= to; s = nextPeriodStart(s, period)) out.push({ key: periodKey(s, period), start: s });
  return out;
}
