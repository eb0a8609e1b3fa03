/**
 * Lenient request-date parsing, in the spirit of PHP's strtotime that the CRM runs: m/d/Y, m/d/y,
 * Y-m-d and Y/m/d, each with an optional time of day, which is ignored (the live API returns whole days
 * whatever the time part says). startTime/endTime ("H:i") are the one way to move the day's edges.
 */
import { addDays, isCalendarDate, startOfLocalDay, wallToInstant } from '../core/time.js';

const US_DATE = /^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?:[ T]+.*)?$/;
const ISO_DATE = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T]+.*)?$/;

/** Parses a request date to "YYYY-MM-DD", or null when it is not a date. The time part is ignored. */
export function parseRequestDate(text: string): string | null {
  const s = text.trim();
  let y: number;
  let mo: number;
  let d: number;
  let m = ISO_DATE.exec(s);
  if (m) {
    y = Number(m[1]);
    mo = Number(m[2]);
    d = Number(m[3]);
  } else {
    m = US_DATE.exec(s);
    if (!m) return null;
    mo = Number(m[1]);
    d = Number(m[2]);
    const yy = m[3] ?? '';
    // PHP's rule for two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999.
    y = yy.length === 2 ? (Number(yy) < 70 ? 2000 + Number(yy) : 1900 + Number(yy)) : Number(yy);
  }
  if (!isCalendarDate(y, mo, d)) return null;
  return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Parses "H:i" (or "H:i:s") to minutes after midnight, or null. */
export function parseRequestTime(text: string): number | null {
  const m = /^(\d{1,2}):(\d{2})(?::\d{2})?$/.exec(text.trim());
  if (!m) return null;
  const h = Number(m[1]);
  const min = Number(m[2]);
  if (h > 23 || min > 59) return null;
  return h * 60 + min;
}

function at(date: string, minutes: number, zone: string): number {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  return wallToInstant({ year: y, month: mo, day: d, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0 }, zone);
}

/**
 * The half-open instant window [from, to) of a request's dates in the account zone. Without times it is
 * whole days: startDate 00:00 to the day after endDate. With startTime/endTime the window runs from
 * startDate at startTime to endDate at endTime (inclusive of that minute); an endTime not after
 * startTime wraps to the next day, which is how "03:00 to 02:59" shifts the business day.
 */
export function requestWindow(startDate: string, endDate: string, zone: string, startTime: number | null, endTime: number | null): { from: number; to: number } {
  const from = startTime === null ? startOfLocalDay(startDate, zone) : at(startDate, startTime, zone);
  if (endTime === null) return { from, to: startOfLocalDay(addDays(endDate, 1), zone) };
  const wraps = startTime !== null && endTime <= startTime;
  const endDay = wraps ? addDays(endDate, 1) : endDate;
  return { from, to: at(endDay, endTime, zone) + 60_000 };
}
