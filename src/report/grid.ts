/**
 * Tables and CSV for `konduit report`, built from the JSON bodies of json.ts so that the three formats
 * show the same values: money as the JSON's decimal strings; rates as the JSON's fractions in CSV and as
 * percentages in tables; an incomplete LTV cell ends with "~" in tables and has a `_complete` column in
 * CSV.
 */
import { csvText } from '../core/csv.js';
import { RATE_FIGURES, type Figures } from '../analytics/index.js';
import type { Rate, ReportJson } from './json.js';
import type { RenderedReport } from './run.js';

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

/** The figures shown by summary and series tables, in order. */
export const SHOWN: (keyof Figures)[] = [
  'grossRevenue', 'refunds', 'chargebacks', 'netRevenue', 'orders', 'newCustomers', 'aov',
  'initialApprovalRate', 'rebillApprovalRate', 'refundRate', 'chargebackRate',
];

const pct = (r: Rate): string => (r === null ? '-' : `${(r * 100).toFixed(2)}%`);

/** A rate cell: the fraction in CSV, a percentage in tables. */
function rateCell(r: Rate, format: Format): string {
  return format === 'csv' ? String(r ?? '') : pct(r);
}

/** A figure's cell: the JSON value, a rate as a percentage in tables; no value is "-" (table) or empty (CSV). */
function figureCell(k: keyof Figures, v: string | number | null, format: Format): string {
  if (RATE_FIGURES.has(k)) return rateCell(v as Rate, format);
  return v === null ? (format === 'csv' ? '' : '-') : String(v);
}

/** An LTV cell: "~" marks an incomplete one in tables (CSV has a column for completeness). */
const ltvCell = (c: { value: string; complete: boolean } | undefined, format: Format): string => (c ? `${c.value}${format !== 'csv' && !c.complete ? '~' : ''}` : '');

/** The group column's header and cells, present only when the report is grouped. */
const groupCol = (groupBy: string | null) => (groupBy ? [groupBy] : []);
const groupCell = (groupBy: string | null, group: string | null) => (groupBy ? [group ?? ''] : []);

/** Summary: one row per figure (current, previous, change), or one row per group. */
export function summaryGrid(r: ReportJson['summary'], format: Format): Grid {
  if (!r.groupBy) {
    const f = r.total;
    const change = (k: keyof Figures) => {
      const c = f[k].change;
      if (RATE_FIGURES.has(k) && format !== 'csv') return c === null ? '-' : `${((c as number) * 100).toFixed(2)}pp`;
      return figureCell(k, c, format);
    };
    return {
      columns: ['metric', `${r.from}..${r.to}`, `${r.previousFrom}..${r.previousTo}`, 'change', 'change %'],
      rows: SHOWN.map((k) => [k, figureCell(k, f[k].current, format), figureCell(k, f[k].previous, format), change(k), rateCell(f[k].changeRatio, format)]),
    };
  }
  return { columns: [r.groupBy, ...SHOWN], rows: r.groups.map((g) => [g.group, ...SHOWN.map((k) => figureCell(k, g.figures[k].current, format))]) };
}

/** Series: one row per period (and group). */
export function seriesGrid(r: ReportJson['series'], format: Format): Grid {
  return {
    columns: ['period', ...groupCol(r.groupBy), ...SHOWN],
    rows: r.points.map((p) => [p.period, ...groupCell(r.groupBy, p.group), ...SHOWN.map((k) => figureCell(k, p[k], format))]),
  };
}

/** Cohorts: one row per cohort (and group), a column per horizon. */
export function cohortsGrid(r: ReportJson['cohorts'], format: Format): Grid {
  return {
    columns: ['cohort', ...groupCol(r.groupBy), 'customers', ...r.horizons.map((h) => `${h}d`), ...(format === 'csv' ? r.horizons.map((h) => `${h}d_complete`) : [])],
    rows: r.cohorts.map((c) => [
      c.cohort, ...groupCell(r.groupBy, c.group), String(c.customers),
      ...r.horizons.map((h) => ltvCell(c.ltv[String(h)], format)),
      ...(format === 'csv' ? r.horizons.map((h) => String(c.ltv[String(h)]?.complete ?? false)) : []),
    ]),
  };
}

/** The monthly triangle: a column per month since acquisition (m0, m1, ...). */
export function triangleGrid(r: ReportJson['triangle'], format: Format): Grid {
  const width = Math.max(0, ...r.rows.map((row) => row.months.length));
  const months = Array.from({ length: width }, (_, k) => k);
  return {
    columns: ['cohort', ...groupCol(r.groupBy), 'customers', ...months.map((k) => `m${k}`)],
    rows: r.rows.map((row) => [row.cohort, ...groupCell(r.groupBy, row.group), String(row.customers), ...months.map((k) => ltvCell(row.months[k], format))]),
  };
}

/** Retention: one row per (group and) cycle. */
export function retentionGrid(r: ReportJson['retention'], format: Format): Grid {
  return {
    columns: [...groupCol(r.groupBy), 'cycle', 'initial', 'approvals', 'retention', 'rebill_rate', 'cancellations'],
    rows: r.rows.flatMap((row) => row.cycles.map((c) => [...groupCell(r.groupBy, row.group), String(c.cycle), String(row.initialPurchases), String(c.approvals), rateCell(c.retention, format), rateCell(c.rebillRate, format), String(c.cancellations)])),
  };
}

/** MID health: one row per MID (and group) per month. */
export function midsGrid(r: ReportJson['mids'], format: Format): Grid {
  return {
    columns: ['mid', ...groupCol(r.groupBy), 'month', 'sales', 'prev_month_sales', 'chargebacks', 'chargeback_amount', 'visa_ratio', 'visa', 'mastercard_ratio', 'mastercard'],
    rows: r.rows.map((m) => [m.mid, ...groupCell(r.groupBy, m.group), m.month, String(m.sales), String(m.previousMonthSales), String(m.chargebacks), m.chargebackAmount, rateCell(m.visaRatio, format), m.visaHealth, rateCell(m.mastercardRatio, format), m.mastercardHealth]),
  };
}

/** Prints a rendered report in a format: its JSON body, or its grid as a table or CSV. */
export function formatReport(r: RenderedReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(r.body, null, 2)}\n`;
  const grid = (() => {
    switch (r.name) {
      case 'summary': return summaryGrid(r.body, format);
      case 'series': return seriesGrid(r.body, format);
      case 'cohorts': return cohortsGrid(r.body, format);
      case 'triangle': return triangleGrid(r.body, format);
      case 'retention': return retentionGrid(r.body, format);
      case 'mids': return midsGrid(r.body, format);
    }
  })();
  return format === 'csv' ? gridToCsv(grid) : gridToTable(grid);
}
