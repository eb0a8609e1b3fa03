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

/** Money for compact places (axis ticks) in `currency`: $1.2K, MX$3.4M. */
export function moneyShort(n: number, currency: string): string {
  return currencyFormat(currency, Math.abs(n) >= 1000).format(n);
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

/** The browser's own time zone (the default viewer zone, docs/metrics.md). */
export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Every IANA zone this browser knows. */
export function allZones(): string[] {
  const f = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf;
  const list = f ? f('timeZone') : [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

/** Today's date in `zone`, YYYY-MM-DD. */
export function today(zone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
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

/** The first day of the month `monthsBack` months before the month of `date`. */
export function monthStart(date: string, monthsBack = 0): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() - monthsBack);
  return d.toISOString().slice(0, 10);
}

/** An instant in the viewer's zone: "Nov 21, 2026, 14:05". */
export function when(ms: number | null, zone: string): string {
  if (ms === null) return '–';
  return new Intl.DateTimeFormat('en-US', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
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
  { id: '12m', label: 'Last 12 months', range: (t) => ({ from: monthStart(t, 11), to: t }) },
];
