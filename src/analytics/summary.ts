/**
 * Summary (a range against the previous range of the same length) and series (the same figures per
 * day, ISO week or month), on the event basis or the CRM basis (docs/metrics.md).
 */
import type { ReportReader } from '../store/store.js';
import { compareGroups, groupFromId, type Dimension, type Filter, type Group } from './dimensions.js';
import { compareFigures, figuresOf, type ComparedFigures, type Figures } from './figures.js';
import { checkReportRange, instantRange, periodKey, periodsOf, previousRange, type Period } from './range.js';
import type { Basis } from './sql.js';
import { readTotalsFromSlots, slotsAnswer } from './summary-aggregate.js';
import { daysAnswer, readTotalsFromDays } from './totals-days.js';
import { emptyTotals, NOT_GROUPED, readTotals, type TotalsByBucket, type TotalsQuery } from './totals.js';
import type { ReportWarning } from './coverage.js';
import { compareMargin, costWarnings, emptyCostTotals, marginOf, readCostTotals, type ComparedMargin, type CostTotalsByBucket, type MarginFigures } from './margin.js';

/** What every report is scoped by. */
export interface ReportScope {
  /** Viewer time zone (IANA) that cuts days, weeks and months. */
  tz: string;
  /**
   * ISO 4217: the one currency the report answers for (docs/metrics.md, "Currency"). Only events in it
   * are summed and only customers whose first sale is in it are counted: amounts are never added across
   * currencies.
   */
  currency: string;
  filters?: Filter[];
  groupBy?: Dimension | null;
  /** 'event' (default) or 'crm'. */
  basis?: Basis;
  /** The account's zone; required for the CRM basis, whose days are the account's. */
  accountZone?: string;
  /** The margin basis (docs/economics.md): the costs of the margin ledger beside revenue. */
  margin?: boolean;
}

/** A date range report's scope: inclusive local dates. */
export interface RangeQuery extends ReportScope {
  from: string;
  to: string;
}

/** The zone a report cuts days in: the viewer's, or the account's on the CRM basis. */
export function reportZone(q: Pick<ReportScope, 'tz' | 'basis' | 'accountZone'>): string {
  if ((q.basis ?? 'event') === 'event') return q.tz;
  if (!q.accountZone) throw new RangeError('the CRM basis needs the account time zone');
  return q.accountZone;
}

export interface SummaryRow {
  /** The group (its connection and value), or null when not grouped. */
  group: Group | null;
  figures: ComparedFigures;
  /** The margin basis's figures (null unless asked for). */
  margin: ComparedMargin | null;
}

export interface SummaryReport {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  zone: string;
  basis: Basis;
  currency: string;
  groupBy: Dimension | null;
  rows: SummaryRow[];
  /** What the margin basis could not find (costs missing); empty on the revenue basis. */
  warnings: ReportWarning[];
}

/**
 * Where totals come from: by default the slot pre-aggregate (summary-aggregate.ts) whenever it answers the
 * query (event basis, no breakdown but the connection) and no backfill has left it behind, else the
 * ledger. 'ledger' forces the ledger (the bench and the equality tests); 'aggregate' forces the aggregate
 * and throws when it cannot answer.
 */
export interface TotalsSource {
  source?: 'ledger' | 'aggregate';
}

async function totalsOf(store: ReportReader, q: TotalsQuery, o: TotalsSource): Promise<TotalsByBucket> {
  // A breakdown by a dimension other than the connection reads breakdown_days (totals-days.ts).
  const slots = slotsAnswer(q);
  const days = !slots && daysAnswer(q);
  const source = o.source ?? ((slots || days) && !(await store.aggregatesBehind()) ? 'aggregate' : 'ledger');
  if (source === 'ledger') return readTotals(store, q);
  return days ? readTotalsFromDays(store, q) : readTotalsFromSlots(store, q);
}

/** Every group the totals hold, in order ([groupId, group]); the one group, null, when not grouped. */
function groupsOf(totals: TotalsByBucket, groupBy: Dimension | null | undefined): [string, Group | null][] {
  if (!groupBy) return [[NOT_GROUPED, null]];
  const ids = new Set<string>();
  for (const m of totals.values()) for (const id of m.keys()) ids.add(id);
  return [...ids].map((id): [string, Group] => [id, groupFromId(id)]).sort(([, a], [, b]) => compareGroups(a, b));
}

/** A bucket's margin figures from its cost totals and its revenue figures. */
function marginOfBucket(costs: CostTotalsByBucket, bucket: string, id: string, f: Figures, currency: string): MarginFigures {
  return marginOf(costs.get(bucket)?.get(id) ?? emptyCostTotals(), f, currency);
}

/** The summary of [from, to] and of the previous period of the same length. */
export async function summaryReport(store: ReportReader, q: RangeQuery, o: TotalsSource = {}): Promise<SummaryReport> {
  checkReportRange(q);
  const zone = reportZone(q);
  const basis = q.basis ?? 'event';
  const cur = instantRange(q.from, q.to, zone);
  const prevDates = previousRange(q.from, q.to);
  const prev = instantRange(prevDates.from, prevDates.to, zone);
  const tq: TotalsQuery = {
    basis,
    currency: q.currency,
    startMs: prev.startMs,
    endMs: cur.endMs,
    bucket: (expr, p) => `CASE WHEN ${expr} >= ${store.sql.instantParam(p.add, cur.startMs)} THEN 'cur' ELSE 'prev' END`,
    filters: q.filters ?? [],
    groupBy: q.groupBy ?? null,
    bounds: [prev.startMs, cur.startMs, cur.endMs],
  };
  const totals = await totalsOf(store, tq, o);
  const costs = q.margin ? await readCostTotals(store, tq) : null;
  const rows: SummaryRow[] = groupsOf(totals, q.groupBy).map(([id, group]) => {
    const current = figuresOf(totals.get('cur')?.get(id) ?? emptyTotals(), q.currency);
    const previous = figuresOf(totals.get('prev')?.get(id) ?? emptyTotals(), q.currency);
    return {
      group,
      figures: compareFigures(current, previous),
      margin: costs ? compareMargin(marginOfBucket(costs, 'cur', id, current, q.currency), marginOfBucket(costs, 'prev', id, previous, q.currency)) : null,
    };
  });
  const warnings = costs ? costWarnings(costs.get('cur')?.values() ?? [], rows.reduce((n, r) => n + (r.figures.saleCount.current ?? 0), 0)) : [];
  return { from: q.from, to: q.to, previousFrom: prevDates.from, previousTo: prevDates.to, zone, basis, currency: q.currency, groupBy: q.groupBy ?? null, rows, warnings };
}

export interface SeriesPoint {
  /** YYYY-MM-DD, YYYY-Www or YYYY-MM. */
  period: string;
  /** First local date of the period. */
  start: string;
  group: Group | null;
  figures: Figures;
  /** The margin basis's figures (null unless asked for). */
  margin: MarginFigures | null;
}

export interface SeriesReport {
  from: string;
  to: string;
  by: Period;
  zone: string;
  basis: Basis;
  currency: string;
  groupBy: Dimension | null;
  /** Every period of the range (empty ones included), each group within it. */
  points: SeriesPoint[];
  /** What the margin basis could not find (costs missing); empty on the revenue basis. */
  warnings: ReportWarning[];
}

/**
 * The figures per period over [from, to]. Edge periods are clipped to the range: a week that starts
 * before `from` counts only the days from `from`.
 */
export async function seriesReport(store: ReportReader, q: RangeQuery & { by: Period }, o: TotalsSource = {}): Promise<SeriesReport> {
  checkReportRange(q, q.by);
  const zone = reportZone(q);
  const basis = q.basis ?? 'event';
  const r = instantRange(q.from, q.to, zone);
  const tq: TotalsQuery = {
    basis,
    currency: q.currency,
    startMs: r.startMs,
    endMs: r.endMs,
    bucket: (expr, p) => store.sql.periodStartInRange(p.add, expr, zone, q.by, r.startMs, r.endMs),
    filters: q.filters ?? [],
    groupBy: q.groupBy ?? null,
    // Each period's first instant (the first clipped to the range).
    bounds: [r.startMs, ...periodsOf(q.from, q.to, q.by).slice(1).map((period) => instantRange(period.start, period.start, zone).startMs), r.endMs],
  };
  const totals = await totalsOf(store, tq, o);
  const costs = q.margin ? await readCostTotals(store, tq) : null;
  const groups = groupsOf(totals, q.groupBy);
  const points: SeriesPoint[] = [];
  for (const period of periodsOf(q.from, q.to, q.by)) {
    for (const [id, group] of groups) {
      const figures = figuresOf(totals.get(period.start)?.get(id) ?? emptyTotals(), q.currency);
      points.push({ period: periodKey(period.start, q.by), start: period.start, group, figures, margin: costs ? marginOfBucket(costs, period.start, id, figures, q.currency) : null });
    }
  }
  const warnings = costs ? costWarnings([...costs.values()].flatMap((g) => [...g.values()]), points.reduce((n, p) => n + p.figures.saleCount, 0)) : [];
  return { from: q.from, to: q.to, by: q.by, zone, basis, currency: q.currency, groupBy: q.groupBy ?? null, points, warnings };
}
