/**
 * Named date ranges that end on a given day ("today" in the viewer's zone): one definition for
 * `konduit report --range`, the API's `range` parameter and the dashboard's presets (the web bundles this
 * module: it imports nothing but core/time.ts). docs/metrics.md, "Named ranges", explains each.
 *
 * Every range is inclusive of both ends and ends on `today` (but `last-month`, the whole previous
 * calendar month). A trailing range is counted back from today, never snapped to a month or a year:
 * "Last 12 months" on 2026-12-05 is 2025-12-06..2026-12-05, the same number of days as the year before
 * it; "Year to date" is the one that starts on January 1.
 */
import { addDays, daysInMonth, formatDate, parseWall } from './time.js';

export const RANGE_NAMES = ['last-7-days', 'last-30-days', 'last-90-days', 'month-to-date', 'last-month', 'year-to-date', 'last-12-months'] as const;
export type RangeName = (typeof RANGE_NAMES)[number];

/** How each range is named to people (the dashboard's presets, the CLI's help). */
export const RANGE_LABELS: Readonly<Record<RangeName, string>> = {
  'last-7-days': 'Last 7 days',
  'last-30-days': 'Last 30 days',
  'last-90-days': 'Last 90 days',
  'month-to-date': 'This month',
  'last-month': 'Last month',
  'year-to-date': 'Year to date',
  'last-12-months': 'Last 12 months',
};

export function isRangeName(s: string): s is RangeName {
  return (RANGE_NAMES as readonly string[]).includes(s);
}

/**
 * The same day `months` months earlier; a day the earlier month lacks is its last day (2026-03-31 less
 * one month is 2026-02-28).
 */
export function monthsEarlier(date: string, months: number): string {
  const w = parseWall(date);
  if (!w) throw new RangeError(`not a date: ${date}`);
  const index = w.year * 12 + (w.month - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return formatDate({ year, month, day: Math.min(w.day, daysInMonth(year, month)) });
}

/** The first day of `date`'s month. */
function monthStart(date: string): string {
  return `${date.slice(0, 7)}-01`;
}

/** The inclusive range a name gives when today is `today` (YYYY-MM-DD, the viewer's zone). */
export function namedRange(name: RangeName, today: string): { from: string; to: string } {
  if (!parseWall(today)) throw new RangeError(`not a date: ${today}`);
  switch (name) {
    case 'last-7-days': return { from: addDays(today, -6), to: today };
    case 'last-30-days': return { from: addDays(today, -29), to: today };
    case 'last-90-days': return { from: addDays(today, -89), to: today };
    case 'month-to-date': return { from: monthStart(today), to: today };
    case 'last-month': {
      const to = addDays(monthStart(today), -1);
      return { from: monthStart(to), to };
    }
    case 'year-to-date': return { from: `${today.slice(0, 4)}-01-01`, to: today };
    // The day after the same day a year earlier: 2026-12-05 -> 2025-12-06; 2028-02-29 -> 2027-03-01.
    case 'last-12-months': return { from: addDays(monthsEarlier(today, 12), 1), to: today };
  }
}
