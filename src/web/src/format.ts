/**
 * Formatting and dates for the dashboard. Money arrives as decimal strings in one report currency (the
 * body's `currency`) and is never summed here; each amount is printed in its own currency.
 */

const int = new Intl.NumberFormat('en-US');
const formats = new Map<string, Intl.NumberFormat>();

/** The Intl format of a currency's amounts (its own symbol and minor units: two for USD, none for CLP). */
function currencyFormat(currency: string, compact = false): Intl.NumberFormat {
  const key = `${currency}|${compact}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat('en-US', compact ? { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 } : { style: 'currency', currency });
    formats.set(key, f);
  }
  return f;
}

/**
 * A decimal string in `currency`: "1234.50" USD -> "$1,234.50", "125000" CLP -> "CLP 125,000". Exact:
 * Intl formats the decimal string itself, never a float of it.
 */
export function money(v: string | null | undefined, currency: string): string {
  if (v === null || v === undefined) return '–';
  // Intl.NumberFormat reads a numeric string as an exact decimal (ECMA-402 NumberFormat v3).
  return currencyFormat(currency).format(v as `${number}`);
}

const tickFormats = new Map<string, Intl.NumberFormat>();

/**
 * A money axis tick in `currency`: in full ("$1,250", whole units when the ticks are whole), or compact
 * ("$1.25K") when the chart says the axis has no room for full labels.
 */
export function moneyTick(n: number, currency: string, o: { compact: boolean; step: number }): string {
  const whole = o.step >= 1;
  const key = `${currency}|${o.compact}|${whole}`;
  let f = tickFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(
      'en-US',
      o.compact ? { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 2 } : { style: 'currency', currency, ...(whole ? { maximumFractionDigits: 0, minimumFractionDigits: 0 } : {}) },
    );
    tickFormats.set(key, f);
  }
  return f.format(n);
}

/** A count with thousands separators; '–' for none. */
export function count(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : int.format(v);
}

/** A fraction as a percentage: 0.1234 -> "12.34%". */
export function pct(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(digits)}%`;
}

/** Milliseconds as "42s", "1m 05s", "1h 02m"; '…' when unknown. */
export function duration(ms: number | null): string {
  if (ms === null) return '…';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/**
 * One Intl.DateTimeFormat per zone and options, made once: building one costs more than formatting with
 * it, and a page's first draw formats dates dozens of times.
 */
const dateFormats = new Map<string, Intl.DateTimeFormat>();
export function dateFormat(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = dateFormats.get(key);
  if (!f) dateFormats.set(key, (f = new Intl.DateTimeFormat(locale, options)));
  return f;
}

/** The browser's own time zone (the default viewer zone, docs/metrics.md). */
export function browserZone(): string {
  return dateFormat('en-US', {}).resolvedOptions().timeZone || 'UTC';
}

/** Every IANA zone this browser knows. */
export function allZones(): string[] {
  const f = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  const list = f ? f('timeZone') : [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

/** Today's date in `zone`, YYYY-MM-DD. */
export function today(zone: string): string {
  return dateFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}

/** Adds days to a YYYY-MM-DD date (calendar arithmetic, no zone). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from a to b. */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

/** `date` moved by `months` calendar months, its day kept or clamped to the month's last (03-31 - 1 month = 02-28). */
export function addMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) + months;
  const year = Math.floor(index / 12);
  const month = index - year * 12 + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/**
 * The trailing range "last N months": the N months ending `today`, today included. On 2026-12-05 the
 * last 12 months are 2025-12-06..2026-12-05 (not the calendar year, which is "Year to date"), as
 * `konduit report` counts them.
 */
export function lastMonths(today: string, n: number): { from: string; to: string } {
  return { from: addDays(addMonths(today, -n), 1), to: today };
}

/** The first day of the month `monthsBack` months before the month of `date`. */
export function monthStart(date: string, monthsBack = 0): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - monthsBack);
  return d.toISOString().slice(0, 10);
}

/** An instant in the viewer's zone: "Nov 21, 2026, 14:05". */
export function when(ms: number | null, zone: string): string {
  if (ms === null) return '–';
  return dateFormat('en-US', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

export interface Preset {
  id: string;
  label: string;
  range(today: string): { from: string; to: string };
}

/** Date-range presets of the report toolbar. */
export const PRESETS: Preset[] = [
  { id: '7d', label: 'Last 7 days', range: (t) => ({ from: addDays(t, -6), to: t }) },
  { id: '30d', label: 'Last 30 days', range: (t) => ({ from: addDays(t, -29), to: t }) },
  { id: '90d', label: 'Last 90 days', range: (t) => ({ from: addDays(t, -89), to: t }) },
  { id: 'mtd', label: 'This month', range: (t) => ({ from: monthStart(t), to: t }) },
  { id: 'lm', label: 'Last month', range: (t) => ({ from: monthStart(t, 1), to: addDays(monthStart(t), -1) }) },
  { id: 'ytd', label: 'Year to date', range: (t) => ({ from: `${t.slice(0, 4)}-01-01`, to: t }) },
  { id: '12m', label: 'Last 12 months', range: (t) => lastMonths(t, 12) },
];

/** The first and last day of a series period: a day "2026-12-05", an ISO week "2026-W49", a month "2026-12". */
export function periodSpan(period: string): { first: string; last: string } {
  const week = /^(\d{4})-W(\d{2})$/.exec(period);
  if (week) {
    const jan4 = `${week[1]}-01-04`;
    const monday = addDays(jan4, -((new Date(`${jan4}T00:00:00Z`).getUTCDay() + 6) % 7) + (Number(week[2]) - 1) * 7);
    return { first: monday, last: addDays(monday, 6) };
  }
  if (/^\d{4}-\d{2}$/.test(period)) return { first: `${period}-01`, last: addDays(monthStart(addMonths(`${period}-01`, 1)), -1) };
  return { first: period, last: period };
}

/**
 * Whether a series period holds less than a whole period: cut by the range (it starts before `from` or
 * ends after `to`) or still running (its last day is `today` or later).
 */
export function isPartialPeriod(period: string, range: { from: string; to: string }, today: string): boolean {
  const { first, last } = periodSpan(period);
  return first < range.from || last > range.to || last >= today;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** A period as a chart axis reads it: "Dec 5", "W49 2026", "Dec 2026". */
export function periodLabel(period: string): string {
  const week = /^(\d{4})-W(\d{2})$/.exec(period);
  if (week) return `W${Number(week[2])} ${week[1]}`;
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(period);
  if (!m) return period;
  const name = MONTHS[Number(m[2]) - 1] ?? m[2];
  return m[3] ? `${name} ${Number(m[3])}` : `${name} ${m[1]}`;
}

/** "1 record", "2 records": a count and its noun, the plural when it is not one. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
