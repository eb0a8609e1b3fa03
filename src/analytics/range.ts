/**
 * Viewer-zone calendar ranges as UTC instants. A report range [from, to] is inclusive of both dates and
 * cut at local midnights of the viewer's zone, so a DST day is 23 or 25 hours long, as the viewer lives it.
 */
import { UsageError } from '../core/errors.js';
import { addDays, dayNumber, daysBetween, FIRST_YEAR, formatDate, isoWeekKey, isoWeekStart, isSupportedDate, LAST_YEAR, parseWall, startOfLocalDay } from '../core/time.js';
import type { Filter } from './dimensions.js';

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
  if (dayNumber(to) < dayNumber(from)) throw new RangeError(`the range ends (${to}) before it starts (${from})`);
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
  const w = parseWall(start);
  if (!w) throw new RangeError(`not a date: ${start}`);
  const year = w.month === 12 ? w.year + 1 : w.year;
  if (year > 9999) throw new RangeError(`no month after ${start} in the years 0001 to 9999`);
  return formatDate({ year, month: w.month === 12 ? 1 : w.month + 1, day: 1 });
}

/** Most periods one report covers: ten years by day. A longer range is refused, never enumerated. */
export const MAX_PERIODS = 3660;
/** Most values all of a report's filters hold together. */
export const MAX_FILTER_VALUES = 200;

/** How many periods touch [from, to] (valid dates, from <= to); a UsageError above MAX_PERIODS. */
function checkedPeriodCount(from: string, to: string, period: Period): number {
  const a = dayNumber(periodStart(from, period));
  const b = dayNumber(to);
  const n =
    period === 'day' ? b - a + 1
    : period === 'week' ? Math.floor((b - a) / 7) + 1
    : (Number(to.slice(0, 4)) - Number(from.slice(0, 4))) * 12 + Number(to.slice(5, 7)) - Number(from.slice(5, 7)) + 1;
  if (n > MAX_PERIODS) {
    throw new UsageError(`${from}..${to} holds ${n} ${period}s; a report covers at most ${MAX_PERIODS} periods`, period === 'day' ? 'Choose a shorter range, or cut it by week or month.' : 'Choose a shorter range.');
  }
  return n;
}

/**
 * Checks a report's requested scope before anything is computed (every report calls it first): both
 * dates are calendar dates in the supported years (core/time.ts) and `to` is not before `from`, compared
 * as dates; a range cut by `by` holds at most MAX_PERIODS periods; the filters hold at most
 * MAX_FILTER_VALUES values. Throws a UsageError saying what to change (HTTP 400, exit code 2).
 */
export function checkReportRange(q: { from: string; to: string; filters?: readonly Filter[] }, by?: Period): void {
  for (const [name, d] of [['from', q.from], ['to', q.to]] as const) {
    if (!isSupportedDate(d)) throw new UsageError(`${name} "${d}" is not a date from ${FIRST_YEAR}-01-01 to ${LAST_YEAR}-12-31 (YYYY-MM-DD)`);
  }
  if (dayNumber(q.to) < dayNumber(q.from)) throw new UsageError(`from ${q.from} is after to ${q.to}`);
  if (by) checkedPeriodCount(q.from, q.to, by);
  const values = (q.filters ?? []).reduce((n, f) => n + f.values.length, 0);
  if (values > MAX_FILTER_VALUES) throw new UsageError(`the filters hold ${values} values; at most ${MAX_FILTER_VALUES}`);
}

/** Every period touching [from, to], in order, as { key, start } (start = the period's first date); at most MAX_PERIODS. */
export function periodsOf(from: string, to: string, period: Period): { key: string; start: string }[] {
  const n = dayNumber(to) < dayNumber(from) ? 0 : checkedPeriodCount(from, to, period);
  const out: { key: string; start: string }[] = [];
  let s = periodStart(from, period);
  for (let i = 0; i < n; i++) {
    if (i > 0) s = nextPeriodStart(s, period);
    out.push({ key: periodKey(s, period), start: s });
  }
  return out;
}
