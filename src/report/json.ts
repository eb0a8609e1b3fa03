/**
 * The one JSON rendering of every report (docs/api.md, "Reports"): `konduit report --format json` prints
 * these bodies and GET /api/reports/:name answers them, so the two cannot disagree; the dashboard imports
 * the types. Money is a decimal string ("1234.50", docs/metrics.md), rates are fractions rounded to 6 places,
 * counts are numbers. Every key is present whatever the query: `group` is null when not grouped.
 */
import { formatCents } from '../core/money.js';
import {
  MONEY_FIGURES, RATE_FIGURES,
  type Basis, type CohortReport, type ComparedFigures, type Dimension, type Figures, type MidMonth, type MidReport, type Period, type RetentionReport, type SeriesReport, type SummaryReport, type TriangleReport,
} from '../analytics/index.js';

/** Money: a decimal string with two decimals, e.g. "1234.50" or "-10.00". */
export type Money = string;
/** A rate: a fraction rounded to 6 places (0.25 = 25%); null when it has no denominator ("no data"). */
export type Rate = number | null;

/**
 * A figure's JSON type follows its analytics type: money (branded cents) becomes a decimal string, every
 * other figure keeps its number (rates rounded), null where the figure can be null.
 */
type FigureJson<T> = '__brand' extends keyof NonNullable<T> ? Money | Extract<T, null> : T;

/** One period's figures (docs/metrics.md defines each). */
export type FiguresJson = { [K in keyof Figures]: FigureJson<Figures[K]> };

/** Each figure of the range next to the previous range of the same length. */
export type ComparedJson = {
  [K in keyof Figures]: { current: FiguresJson[K]; previous: FiguresJson[K]; change: FiguresJson[K] | null; changeRatio: Rate };
};

/** GET /api/reports/summary, `konduit report summary --format json`. */
export interface SummaryJson {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  timeZone: string;
  basis: Basis;
  groupBy: Dimension | null;
  /** The whole range (every group together). */
  total: ComparedJson;
  /** One entry per group value when grouped ("(none)" for a missing value), else empty. */
  groups: { group: string; figures: ComparedJson }[];
}

/** One period (and group) of a series. */
export type SeriesPointJson = { period: string; start: string; group: string | null } & FiguresJson;

/** GET /api/reports/series, `konduit report series --format json`. */
export interface SeriesJson {
  from: string;
  to: string;
  by: Period;
  timeZone: string;
  basis: Basis;
  groupBy: Dimension | null;
  points: SeriesPointJson[];
}

/** An LTV cell: complete only when its horizon (or month) has passed for every member. */
export interface LtvCellJson {
  value: Money;
  complete: boolean;
}

/** GET /api/reports/cohorts, `konduit report cohorts --format json`. */
export interface CohortsJson {
  by: Period;
  timeZone: string;
  groupBy: Dimension | null;
  horizons: number[];
  /** The instant completeness was judged at (ISO 8601). */
  asOf: string;
  cohorts: { cohort: string; start: string; group: string | null; customers: number; netToDate: Money; ltv: Record<string, LtvCellJson> }[];
}

/** GET /api/reports/triangle, `konduit report cohorts --triangle --format json`. */
export interface TriangleJson {
  timeZone: string;
  groupBy: Dimension | null;
  asOf: string;
  rows: { cohort: string; group: string | null; customers: number; months: LtvCellJson[] }[];
}

/** GET /api/reports/retention, `konduit report retention --format json`. */
export interface RetentionJson {
  from: string;
  to: string;
  timeZone: string;
  groupBy: Dimension | null;
  rows: { group: string | null; initialPurchases: number; cycles: { cycle: number; approvals: number; retention: Rate; rebillRate: Rate; cancellations: number }[] }[];
}

/** One MID's month: the analytics row with its amount as money and its ratios rounded. */
export type MidMonthJson = Omit<MidMonth, 'chargebackCents'> & { chargebackAmount: Money; visaRatio: Rate; mastercardRatio: Rate };

/** GET /api/reports/mids, `konduit report mids --format json`. */
export interface MidsJson {
  from: string;
  to: string;
  timeZone: string;
  groupBy: Dimension | null;
  /** Fractions, ascending. */
  thresholds: number[];
  rows: MidMonthJson[];
}

/** Each report's JSON body, by its name (the route GET /api/reports/:name). */
export interface ReportJson {
  summary: SummaryJson;
  series: SeriesJson;
  cohorts: CohortsJson;
  triangle: TriangleJson;
  retention: RetentionJson;
  mids: MidsJson;
}

/** Rendering options shared by every report. */
export interface RenderOptions {
  /** Connection id -> name: a report grouped by connection shows names. */
  connectionNames?: ReadonlyMap<string, string>;
}

/** Rounds a rate to 6 places; null stays null. */
export function fraction(r: number | null): Rate {
  return r === null ? null : Math.round(r * 1e6) / 1e6;
}

function money(c: number | null): Money | null {
  return c === null ? null : formatCents(c);
}

function figureJson(k: keyof Figures, v: number | null): string | number | null {
  if (MONEY_FIGURES.has(k)) return money(v);
  if (RATE_FIGURES.has(k)) return fraction(v);
  return v;
}

/** A period's figures as JSON. */
export function figuresJson(f: Figures): FiguresJson {
  return Object.fromEntries((Object.keys(f) as (keyof Figures)[]).map((k) => [k, figureJson(k, f[k])])) as FiguresJson;
}

/** Compared figures as JSON: {FIGURE: {current, previous, change, changeRatio}}. */
export function comparedJson(f: ComparedFigures): ComparedJson {
  return Object.fromEntries(
    (Object.keys(f) as (keyof Figures)[]).map((k) => [k, { current: figureJson(k, f[k].current), previous: figureJson(k, f[k].previous), change: figureJson(k, f[k].change), changeRatio: fraction(f[k].changeRatio) }]),
  ) as ComparedJson;
}

/** The printed group of a row: a connection's name instead of its id when grouped by connection. */
function groupName(groupBy: Dimension | null, group: string | null, o: RenderOptions): string | null {
  if (group === null || groupBy !== 'connection') return group;
  return o.connectionNames?.get(group) ?? group;
}

/** Summary as JSON: the ungrouped report gives `total`, the grouped one (if any) `groups`. */
export function summaryJson(total: SummaryReport, grouped: SummaryReport | null, o: RenderOptions = {}): SummaryJson {
  const first = total.rows[0];
  if (!first) throw new RangeError('an ungrouped summary has one row');
  return {
    from: total.from, to: total.to, previousFrom: total.previousFrom, previousTo: total.previousTo, timeZone: total.zone, basis: total.basis, groupBy: grouped?.groupBy ?? null,
    total: comparedJson(first.figures),
    groups: grouped ? grouped.rows.map((row) => ({ group: groupName(grouped.groupBy, row.group, o) ?? '(none)', figures: comparedJson(row.figures) })) : [],
  };
}

/** Series as JSON: one point per period (and group), the figures beside the period. */
export function seriesJson(r: SeriesReport, o: RenderOptions = {}): SeriesJson {
  return {
    from: r.from, to: r.to, by: r.by, timeZone: r.zone, basis: r.basis, groupBy: r.groupBy,
    points: r.points.map((p) => ({ period: p.period, start: p.start, group: groupName(r.groupBy, p.group, o), ...figuresJson(p.figures) })),
  };
}

/** Cohorts as JSON: LTV per horizon keyed by the number of days ("30"). */
export function cohortsJson(r: CohortReport, o: RenderOptions = {}): CohortsJson {
  return {
    by: r.by, timeZone: r.zone, groupBy: r.groupBy, horizons: r.horizons, asOf: new Date(r.asOf).toISOString(),
    cohorts: r.cohorts.map((c) => ({
      cohort: c.cohort, start: c.start, group: groupName(r.groupBy, c.group, o), customers: c.customers, netToDate: formatCents(c.netToDate),
      ltv: Object.fromEntries(r.horizons.map((h) => [String(h), { value: formatCents(c.ltv[h]?.cents ?? 0), complete: c.ltv[h]?.complete ?? false }])),
    })),
  };
}

/** The monthly triangle as JSON: months[k] is the cumulative LTV through k months after acquisition. */
export function triangleJson(r: TriangleReport, o: RenderOptions = {}): TriangleJson {
  return {
    timeZone: r.zone, groupBy: r.groupBy, asOf: new Date(r.asOf).toISOString(),
    rows: r.rows.map((row) => ({ cohort: row.cohort, group: groupName(r.groupBy, row.group, o), customers: row.customers, months: row.months.map((m) => ({ value: formatCents(m.cents), complete: m.complete })) })),
  };
}

/** Retention as JSON: one row per group, its cycles in order. */
export function retentionJson(r: RetentionReport, o: RenderOptions = {}): RetentionJson {
  return {
    from: r.from, to: r.to, timeZone: r.zone, groupBy: r.groupBy,
    rows: r.rows.map((row) => ({
      group: groupName(r.groupBy, row.group, o), initialPurchases: row.initialPurchases,
      cycles: row.cycles.map((c) => ({ cycle: c.cycle, approvals: c.approvals, retention: fraction(c.retention), rebillRate: fraction(c.rebillRate), cancellations: c.cancellations })),
    })),
  };
}

/** MID health as JSON: one row per MID (and group) per month. */
export function midsJson(r: MidReport, o: RenderOptions = {}): MidsJson {
  return {
    from: r.from, to: r.to, timeZone: r.zone, groupBy: r.groupBy, thresholds: r.thresholds,
    rows: r.rows.map((m) => ({
      mid: m.mid, group: groupName(r.groupBy, m.group, o), month: m.month, sales: m.sales, previousMonthSales: m.previousMonthSales, chargebacks: m.chargebacks, chargebackAmount: formatCents(m.chargebackCents),
      visaRatio: fraction(m.visaRatio), visaHealth: m.visaHealth, mastercardRatio: fraction(m.mastercardRatio), mastercardHealth: m.mastercardHealth,
    })),
  };
}
