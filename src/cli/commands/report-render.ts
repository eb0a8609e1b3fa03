/**
 * Rendering of analytics reports for `konduit report`: aligned text tables, CSV and JSON. Money in JSON
 * and CSV is a decimal string with two decimals (DESIGN §2); rates are fractions in JSON and CSV,
 * percentages in tables.
 */
import { csvText } from '../../core/csv.js';
import { formatCents } from '../../core/money.js';
import type { CohortReport, ComparedFigures, Figures, MidReport, RetentionReport, SeriesReport, SummaryReport, TriangleReport } from '../../analytics/index.js';
import { MONEY_FIGURES, RATE_FIGURES } from '../../analytics/index.js';

export type Format = 'table' | 'json' | 'csv';

/** A rectangular report: header and string cells. */
export interface Grid {
  columns: string[];
  rows: string[][];
}

/** Prints a grid as a space-aligned text table (numbers right-aligned). */
export function gridToTable(g: Grid): string {
  const widths = g.columns.map((c, i) => Math.max(c.length, ...g.rows.map((r) => (r[i] ?? '').length)));
  const numeric = g.columns.map((_, i) => g.rows.length > 0 && g.rows.every((r) => /^[-+]?[\d.,%~]*$|^-$/.test(r[i] ?? '')));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(g.columns), line(widths.map((w) => '-'.repeat(w))), ...g.rows.map(line)].join('\n') + '\n';
}

/** Prints a grid as RFC 4180 CSV, text cells neutralised against formula injection (core/csv.ts). */
export function gridToCsv(g: Grid): string {
  return csvText([g.columns, ...g.rows]);
}

const money = (c: number | null): string | null => (c === null ? null : formatCents(c));
const fraction = (r: number | null): number | null => (r === null ? null : Math.round(r * 1e6) / 1e6);
const pct = (r: number | null): string => (r === null ? '-' : `${(r * 100).toFixed(2)}%`);

/** A figure for JSON: money as a decimal string, rates as rounded fractions, counts as numbers. */
function jsonValue(name: keyof Figures, v: number | null): string | number | null {
  if (MONEY_FIGURES.has(name)) return money(v);
  if (RATE_FIGURES.has(name)) return fraction(v);
  return v;
}

/** A figure for a table cell. */
function cellValue(name: keyof Figures, v: number | null): string {
  if (v === null) return '-';
  if (MONEY_FIGURES.has(name)) return formatCents(v);
  if (RATE_FIGURES.has(name)) return pct(v);
  return String(v);
}

/** A figure for CSV (rates as fractions, money as decimals). */
function csvValue(name: keyof Figures, v: number | null): string {
  const j = jsonValue(name, v);
  return j === null ? '' : String(j);
}

/** The figures shown by summary and series, in order. */
export const SHOWN: (keyof Figures)[] = [
  'grossRevenue', 'refunds', 'chargebacks', 'netRevenue', 'orders', 'newCustomers', 'aov',
  'initialApprovalRate', 'rebillApprovalRate', 'refundRate', 'chargebackRate',
];

function comparedJson(f: ComparedFigures): Record<string, unknown> {
  const cur: Record<string, unknown> = {};
  const prev: Record<string, unknown> = {};
  const change: Record<string, unknown> = {};
  const changeRatio: Record<string, unknown> = {};
  for (const k of Object.keys(f) as (keyof Figures)[]) {
    cur[k] = jsonValue(k, f[k].current);
    prev[k] = jsonValue(k, f[k].previous);
    change[k] = RATE_FIGURES.has(k) ? fraction(f[k].change) : jsonValue(k, f[k].change);
    changeRatio[k] = fraction(f[k].changeRatio);
  }
  return { ...cur, previous: prev, change, changeRatio };
}

/**
 * Summary as JSON: the current period's figures at the top level (grossRevenue, refunds, ...), with
 * `previous`, `change` and `changeRatio`; grouped, each group the same under `groups`.
 */
export function summaryJson(total: SummaryReport, grouped: SummaryReport | null): unknown {
  const head = { from: total.from, to: total.to, previousFrom: total.previousFrom, previousTo: total.previousTo, timeZone: total.zone, basis: total.basis };
  const first = total.rows[0];
  const body = first ? comparedJson(first.figures) : {};
  if (!grouped) return { ...head, ...body };
  return { ...head, ...body, groupBy: grouped.groupBy, groups: grouped.rows.map((r) => ({ group: r.group, ...comparedJson(r.figures) })) };
}

/** Summary as a grid: one row per figure (current, previous, change), or one row per group. */
export function summaryGrid(r: SummaryReport, format: Format): Grid {
  const v = format === 'csv' ? csvValue : cellValue;
  if (!r.groupBy) {
    const f = r.rows[0]?.figures;
    return {
      columns: ['metric', `${r.from}..${r.to}`, `${r.previousFrom}..${r.previousTo}`, 'change', 'change %'],
      rows: f ? SHOWN.map((k) => [k, v(k, f[k].current), v(k, f[k].previous), RATE_FIGURES.has(k) && format !== 'csv' ? (f[k].change === null ? '-' : `${(f[k].change * 100).toFixed(2)}pp`) : v(k, f[k].change), format === 'csv' ? String(fraction(f[k].changeRatio) ?? '') : pct(f[k].changeRatio)]) : [],
    };
  }
  return { columns: [r.groupBy, ...SHOWN], rows: r.rows.map((row) => [row.group ?? '', ...SHOWN.map((k) => v(k, row.figures[k].current))]) };
}

/** Series as JSON: one object per period (and group). */
export function seriesJson(r: SeriesReport): unknown {
  return {
    from: r.from, to: r.to, by: r.by, timeZone: r.zone, basis: r.basis, groupBy: r.groupBy,
    points: r.points.map((p) => ({ period: p.period, start: p.start, ...(r.groupBy ? { group: p.group } : {}), ...Object.fromEntries((Object.keys(p.figures) as (keyof Figures)[]).map((k) => [k, jsonValue(k, p.figures[k])])) })),
  };
}

/** Series as a grid. */
export function seriesGrid(r: SeriesReport, format: Format): Grid {
  const v = format === 'csv' ? csvValue : cellValue;
  return {
    columns: ['period', ...(r.groupBy ? [r.groupBy] : []), ...SHOWN],
    rows: r.points.map((p) => [p.period, ...(r.groupBy ? [p.group ?? ''] : []), ...SHOWN.map((k) => v(k, p.figures[k]))]),
  };
}

/** Cohorts as JSON: {"cohorts": [{"cohort", "customers", "ltv": {"30": {"value", "complete"}}}]}. */
export function cohortsJson(r: CohortReport): unknown {
  return {
    by: r.by, timeZone: r.zone, groupBy: r.groupBy, horizons: r.horizons, asOf: new Date(r.asOf).toISOString(),
    cohorts: r.cohorts.map((c) => ({
      cohort: c.cohort,
      ...(r.groupBy ? { group: c.group } : {}),
      customers: c.customers,
      netToDate: formatCents(c.netToDate),
      ltv: Object.fromEntries(r.horizons.map((h) => [String(h), { value: formatCents(c.ltv[h]?.cents ?? 0), complete: c.ltv[h]?.complete ?? false }])),
    })),
  };
}

/** Cohorts as a grid; in tables an incomplete cell ends with "~". */
export function cohortsGrid(r: CohortReport, format: Format): Grid {
  return {
    columns: ['cohort', ...(r.groupBy ? [r.groupBy] : []), 'customers', ...r.horizons.map((h) => `${h}d`), ...(format === 'csv' ? r.horizons.map((h) => `${h}d_complete`) : [])],
    rows: r.cohorts.map((c) => [
      c.cohort, ...(r.groupBy ? [c.group ?? ''] : []), String(c.customers),
      ...r.horizons.map((h) => `${formatCents(c.ltv[h]?.cents ?? 0)}${format !== 'csv' && !c.ltv[h]?.complete ? '~' : ''}`),
      ...(format === 'csv' ? r.horizons.map((h) => String(c.ltv[h]?.complete ?? false)) : []),
    ]),
  };
}

/** The monthly triangle as JSON. */
export function triangleJson(r: TriangleReport): unknown {
  return {
    timeZone: r.zone, groupBy: r.groupBy, asOf: new Date(r.asOf).toISOString(),
    triangle: r.rows.map((row) => ({ cohort: row.cohort, ...(r.groupBy ? { group: row.group } : {}), customers: row.customers, months: row.months.map((m) => ({ value: formatCents(m.cents), complete: m.complete })) })),
  };
}

/** The monthly triangle as a grid (columns: months since acquisition). */
export function triangleGrid(r: TriangleReport, format: Format): Grid {
  const width = Math.max(0, ...r.rows.map((row) => row.months.length));
  return {
    columns: ['cohort', ...(r.groupBy ? [r.groupBy] : []), 'customers', ...Array.from({ length: width }, (_, k) => `m${k}`)],
    rows: r.rows.map((row) => [row.cohort, ...(r.groupBy ? [row.group ?? ''] : []), String(row.customers), ...Array.from({ length: width }, (_, k) => {
      const m = row.months[k];
      return m ? `${formatCents(m.cents)}${format !== 'csv' && !m.complete ? '~' : ''}` : '';
    })]),
  };
}

/** Retention as JSON. */
export function retentionJson(r: RetentionReport): unknown {
  return {
    from: r.from, to: r.to, timeZone: r.zone, groupBy: r.groupBy,
    rows: r.rows.map((row) => ({ ...(r.groupBy ? { group: row.group } : {}), initialPurchases: row.initialPurchases, cycles: row.cycles.map((c) => ({ ...c, retention: fraction(c.retention), rebillRate: fraction(c.rebillRate) })) })),
  };
}

/** Retention as a grid: one row per (group,) cycle. */
export function retentionGrid(r: RetentionReport, format: Format): Grid {
  const rt = (x: number | null) => (format === 'csv' ? String(fraction(x) ?? '') : pct(x));
  return {
    columns: [...(r.groupBy ? [r.groupBy] : []), 'cycle', 'initial', 'approvals', 'retention', 'rebill_rate', 'cancellations'],
    rows: r.rows.flatMap((row) => row.cycles.map((c) => [...(r.groupBy ? [row.group ?? ''] : []), String(c.cycle), String(row.initialPurchases), String(c.approvals), rt(c.retention), rt(c.rebillRate), String(c.cancellations)])),
  };
}

/** MID health as JSON. */
export function midsJson(r: MidReport): unknown {
  return {
    from: r.from, to: r.to, timeZone: r.zone, groupBy: r.groupBy, thresholds: r.thresholds,
    rows: r.rows.map((m) => ({ ...m, ...(r.groupBy ? {} : { group: undefined }), chargebackAmount: formatCents(m.chargebackCents), chargebackCents: undefined, visaRatio: fraction(m.visaRatio), mastercardRatio: fraction(m.mastercardRatio) })),
  };
}

/** MID health as a grid. */
export function midsGrid(r: MidReport, format: Format): Grid {
  const rt = (x: number | null) => (format === 'csv' ? String(fraction(x) ?? '') : pct(x));
  return {
    columns: ['mid', ...(r.groupBy ? [r.groupBy] : []), 'month', 'sales', 'prev_month_sales', 'chargebacks', 'chargeback_amount', 'visa_ratio', 'visa', 'mastercard_ratio', 'mastercard'],
    rows: r.rows.map((m) => [m.mid, ...(r.groupBy ? [m.group ?? ''] : []), m.month, String(m.sales), String(m.previousMonthSales), String(m.chargebacks), formatCents(m.chargebackCents), rt(m.visaRatio), m.visaHealth, rt(m.mastercardRatio), m.mastercardHealth]),
  };
}
