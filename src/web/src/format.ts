/** Formatting and dates for the dashboard; money arrives as decimal strings and is never summed here. */

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 });
const int = new Intl.NumberFormat('en-US');

/** "1234.50" -> "$1,234.50" (exact: the decimal string is split, not parsed as a float). */
export function money(v: string | null | undefined): string {
  if (v === null || v === undefined) return '–';
  const neg = v.startsWith('-');
  const [whole = '0', frac = '00'] = v.replace('-', '').split('.');
  return `${neg ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac.padEnd(2, '0')}`;
}

/** Money for compact places (axis ticks): $1.2k. */
export function moneyShort(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e6) return `$${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `$${(n / 1e3).toFixed(1)}k`;
  return usd.format(n).replace(/\.00$/, '');
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
