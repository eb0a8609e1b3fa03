/**
 * Time zones without a dependency: IANA zones through Intl. The CRM speaks account-local wall-clock
 * strings ("YYYY-MM-DD HH:MM:SS", no offset); Konduit stores UTC instants (epoch milliseconds).
 *
 * Rules (docs/time.md):
 * - a wall time in a DST fall-back hour (it happens twice) is the EARLIER instant;
 * - a wall time in a spring-forward gap (it never happens) is shifted FORWARD by the gap
 *   (02:30 on a US spring-forward day is read as 03:30 daylight time);
 * - a date-only value (chargebackDate, nextBillDate) as an event instant is 12:00 account time.
 */

export const DEFAULT_ACCOUNT_ZONE = 'America/New_York';
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export interface WallTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when `zone` is an IANA time zone name this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The system's time zone (what the CLI uses when `--tz` is not given). */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

// Offsets only change on quarter-hour boundaries in every real zone, so cache them per quarter hour.
const offsetCache = new Map<string, Map<number, number>>();
// Most UTC days hold no transition: one entry per day answers every instant of it (a fresh sync of two
// years asked Intl for tens of thousands of quarter hours, a measurable share of mapping a page).
// null marks a day whose first and last quarter hours differ, answered per quarter hour. A day with two
// transitions that cancel out (none in the IANA database) would be taken as having none.
const dayCache = new Map<string, Map<number, number | null>>();

/** The zone's UTC offset in minutes at an instant (New York in winter: -300). */
export function offsetMinutesAt(epochMs: number, zone: string): number {
  const day = Math.floor(epochMs / DAY);
  let days = dayCache.get(zone);
  if (!days) {
    days = new Map();
    dayCache.set(zone, days);
  }
  let whole = days.get(day);
  if (whole === undefined) {
    const first = quarterHourOffset(day * DAY, zone);
    whole = first === quarterHourOffset((day + 1) * DAY - 15 * MINUTE, zone) ? first : null;
    if (days.size > 100_000) days.clear();
    days.set(day, whole);
  }
  return whole ?? quarterHourOffset(epochMs, zone);
}

/** The offset in force during the quarter hour of epochMs, from Intl (cached). */
function quarterHourOffset(epochMs: number, zone: string): number {
  const bucket = Math.floor(epochMs / (15 * MINUTE));
  let perZone = offsetCache.get(zone);
  if (!perZone) {
    perZone = new Map();
    offsetCache.set(zone, perZone);
  }
  const hit = perZone.get(bucket);
  if (hit !== undefined) return hit;
  const probe = bucket * 15 * MINUTE;
  const parts = formatterFor(zone).formatToParts(new Date(probe));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offset = Math.round((asUtc - probe) / MINUTE);
  if (perZone.size > 200_000) perZone.clear();
  perZone.set(bucket, offset);
  return offset;
}

function wallAsUtcMs(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/** Converts an account-local wall time to a UTC instant (earlier instant on fall-back, forward in a gap). */
export function wallToInstant(w: WallTime, zone: string): number {
  const local = wallAsUtcMs(w);
  const before = offsetMinutesAt(local - DAY, zone);
  const after = offsetMinutesAt(local + DAY, zone);
  const candidates: number[] = [];
  for (const off of before === after ? [before] : [before, after]) {
    const instant = local - off * MINUTE;
    if (offsetMinutesAt(instant, zone) === off) candidates.push(instant);
  }
  if (candidates.length > 0) return Math.min(...candidates);
  // In a gap: read the wall time with the offset in force before the transition, which moves it forward.
  return local - before * MINUTE;
}

/** Converts a UTC instant to the zone's wall time. */
export function instantToWall(epochMs: number, zone: string): WallTime {
  const d = new Date(epochMs + offsetMinutesAt(epochMs, zone) * MINUTE);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad4 = (n: number) => String(n).padStart(4, '0');

/** Formats a wall time as the CRM does: "YYYY-MM-DD HH:MM:SS". */
export function formatWall(w: WallTime): string {
  return `${pad4(w.year)}-${pad2(w.month)}-${pad2(w.day)} ${pad2(w.hour)}:${pad2(w.minute)}:${pad2(w.second)}`;
}

/** Formats the calendar date of a wall time: "YYYY-MM-DD". */
export function formatDate(w: Pick<WallTime, 'year' | 'month' | 'day'>): string {
  return `${pad4(w.year)}-${pad2(w.month)}-${pad2(w.day)}`;
}

/** True when year-month-day exists on the Gregorian calendar. */
export function isCalendarDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return false;
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/** Days in a month of the Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const WALL_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Parses "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]" strictly; null when malformed or not on the calendar. */
export function parseWall(text: string): WallTime | null {
  const m = WALL_RE.exec(text.trim());
  if (!m) return null;
  const w: WallTime = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: m[4] === undefined ? 0 : Number(m[4]),
    minute: m[5] === undefined ? 0 : Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
  };
  if (!isCalendarDate(w.year, w.month, w.day)) return null;
  if (w.hour > 23 || w.minute > 59 || w.second > 59) return null;
  return w;
}

const US_WALL_RE = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$/;

/**
 * A CRM date-time as the CRM may write it, in the one form the store keeps: "YYYY-MM-DD HH:MM:SS", or
 * "YYYY-MM-DD" for a date without a time (`date: true` drops any time). Accepts ISO ("2025-03-09",
 * "2025-03-09 01:30", "2025-03-09T01:30:00") and the US form the CRM's own forms use ("03/09/2025",
 * "3/9/25 1:30 PM"); null when it is neither or names no calendar day.
 */
export function normalizeWall(text: string, opts: { date?: boolean } = {}): string | null {
  const t = text.trim();
  // Fractions of a second ("2022-09-02 06:27:37.000000", as a serialised PHP DateTime has them) are dropped.
  let w = parseWall(t.replace(/(\d{2}:\d{2}:\d{2})\.\d+$/, '$1'));
  let timed = /\d:\d/.test(t);
  if (!w) {
    const m = US_WALL_RE.exec(t);
    if (!m) return null;
    const year = m[3]?.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    let hour = m[4] === undefined ? 0 : Number(m[4]);
    const ampm = m[7]?.toUpperCase();
    if (ampm) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (ampm === 'PM' ? 12 : 0);
    }
    const cand: WallTime = { year, month: Number(m[1]), day: Number(m[2]), hour, minute: m[5] === undefined ? 0 : Number(m[5]), second: m[6] === undefined ? 0 : Number(m[6]) };
    if (!isCalendarDate(cand.year, cand.month, cand.day) || cand.hour > 23 || cand.minute > 59 || cand.second > 59) return null;
    w = cand;
    timed = m[4] !== undefined;
  }
  const date = formatDate(w);
  return opts.date || !timed ? date : formatWall(w);
}

/** Parses a CRM wall-clock string in `zone` to a UTC instant; null when malformed. */
export function crmWallToInstant(text: string, zone: string): number | null {
  const w = parseWall(text);
  return w ? wallToInstant(w, zone) : null;
}

/** Formats a UTC instant as a CRM wall-clock string in `zone`. */
export function instantToCrmWall(epochMs: number, zone: string): string {
  return formatWall(instantToWall(epochMs, zone));
}

/** A date-only value as an event instant: 12:00 on that date in `zone` (docs/time.md). */
export function dateOnlyToInstant(date: string, zone: string): number | null {
  const w = parseWall(date);
  if (!w) return null;
  return wallToInstant({ ...w, hour: 12, minute: 0, second: 0 }, zone);
}

/** The calendar date ("YYYY-MM-DD") of an instant in `zone`. */
export function localDate(epochMs: number, zone: string): string {
  return formatDate(instantToWall(epochMs, zone));
}

/** An instant's wall clock in `zone` to the minute: "2026-06-30 12:00". */
export function localMinute(epochMs: number, zone: string): string {
  const w = instantToWall(epochMs, zone);
  const two = (v: number) => String(v).padStart(2, '0');
  return `${formatDate(w)} ${two(w.hour)}:${two(w.minute)}`;
}

/** The instant at which a calendar date starts in `zone` (00:00, or the first instant after a gap). */
export function startOfLocalDay(date: string, zone: string): number {
  const w = parseWall(date);
  if (!w) throw new RangeError(`not a date: ${date}`);
  return wallToInstant({ ...w, hour: 0, minute: 0, second: 0 }, zone);
}

/**
 * The calendar years that reports and syncs accept from a user: wider than any merchant's history,
 * narrow enough that every day, week and month of a range stays cheap to enumerate (docs/time.md).
 */
export const FIRST_YEAR = 2000;
export const LAST_YEAR = 2100;

/** Whether `text` is a "YYYY-MM-DD" calendar date in the years FIRST_YEAR..LAST_YEAR. */
export function isSupportedDate(text: string): boolean {
  const w = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseWall(text) : null;
  return w !== null && w.year >= FIRST_YEAR && w.year <= LAST_YEAR;
}

/** Epoch milliseconds of 00:00 UTC of a calendar date, for any year 1..9999 (Date.UTC maps 0..99 to 19xx). */
function utcMidnight(w: Pick<WallTime, 'year' | 'month' | 'day'>): number {
  return new Date(0).setUTCFullYear(w.year, w.month - 1, w.day);
}

/** Whole days since 1970-01-01 of a "YYYY-MM-DD" date: dates compared and counted as dates, not as text. */
export function dayNumber(date: string): number {
  const w = parseWall(date);
  if (!w) throw new RangeError(`not a date: ${date}`);
  return Math.round(utcMidnight(w) / DAY);
}

/** Adds whole calendar days to a "YYYY-MM-DD" date; a result outside the years 0001..9999 is a RangeError. */
export function addDays(date: string, days: number): string {
  const w = parseWall(date);
  if (!w) throw new RangeError(`not a date: ${date}`);
  const d = new Date(utcMidnight(w) + days * DAY);
  const year = d.getUTCFullYear();
  // Four-digit years only: "10000-01-01" would sort before "9999-12-31" as text.
  if (!(year >= 1 && year <= 9999)) throw new RangeError(`${date} ${days < 0 ? '-' : '+'} ${Math.abs(days)} days is outside the years 0001 to 9999`);
  return formatDate({ year, month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}

/** Whole days from date a to date b ("YYYY-MM-DD"), b - a. */
export function daysBetween(a: string, b: string): number {
  if (!parseWall(a) || !parseWall(b)) throw new RangeError(`not a date: ${parseWall(a) ? b : a}`);
  return dayNumber(b) - dayNumber(a);
}

/** ISO week key "YYYY-Www" of a calendar date. */
export function isoWeekKey(date: string): string {
  const w = parseWall(date);
  if (!w) throw new RangeError(`not a date: ${date}`);
  const d = new Date(utcMidnight(w));
  const dow = d.getUTCDay() || 7; // Monday=1..Sunday=7
  d.setUTCDate(d.getUTCDate() + 4 - dow); // Thursday of this week decides the year
  const yearStart = utcMidnight({ year: d.getUTCFullYear(), month: 1, day: 1 });
  const week = Math.ceil(((d.getTime() - yearStart) / DAY + 1) / 7);
  return `${d.getUTCFullYear()}-W${pad2(week)}`;
}

/** The Monday ("YYYY-MM-DD") of the ISO week that holds `date`. */
export function isoWeekStart(date: string): string {
  const w = parseWall(date);
  if (!w) throw new RangeError(`not a date: ${date}`);
  const dow = new Date(utcMidnight(w)).getUTCDay() || 7;
  return addDays(date, 1 - dow);
}

export { MINUTE, HOUR, DAY };

/** A zone's UTC offset changes in [startMs, endMs): the offset in force from each instant on. */
export function offsetChanges(zone: string, startMs: number, endMs: number): { from: number; minutes: number }[] {
  const out = [{ from: startMs, minutes: offsetMinutesAt(startMs, zone) }];
  const step = 6 * 3_600_000;
  for (let t = startMs; t < endMs; t += step) {
    const next = Math.min(t + step, endMs);
    const before = offsetMinutesAt(t, zone);
    if (offsetMinutesAt(next, zone) === before) continue;
    // Bisect to the minute at which the offset changes (changes fall on whole minutes).
    let lo = t;
    let hi = next;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetMinutesAt(mid, zone) === before) lo = mid;
      else hi = mid;
    }
    out.push({ from: hi, minutes: offsetMinutesAt(hi, zone) });
  }
  return out;
}
