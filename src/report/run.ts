/**
 * Runs a checked report request against the store and renders its JSON body: the one place that maps a
 * report name to its analytics function, for the CLI and the HTTP API alike. Besides the report it reads
 * the currencies of the range (the body's `otherCurrencies`) and the names of the values it shows.
 */
import {
  checkCoverage, chargebackReport, cohortReport, forecastBacktest, forecastReport, cohortTriangle, completenessAt, currenciesInRange, declineReport, reportCoverage, dimensionValues, economicsReport, midReport, namesOf, noCostsWarning, rebillsReport, retentionReport, seriesReport, summaryReport,
  groupFromId, type ChargebackView, type DeclineView, type Dimension, type Filter, type NamedValue, type Programs, type ReportWarning,
} from '../analytics/index.js';
import type { ReportReader } from '../store/store.js';
import { chargebacksJson, cohortsJson, declinesJson, economicsJson, forecastJson, midsJson, rebillsJson, retentionJson, seriesJson, SOURCE_DIMENSION, summaryJson, triangleJson, type RenderContext, type ReportJson } from './json.js';
import { ReportQueryError, resolveNames, type DimensionValuesQuery, type ParsedReport, type ReportName } from './query.js';

/** A report's name with its JSON body. */
export type RenderedReport = { [N in ReportName]: { name: N; body: ReportJson[N] } }[ReportName];

/** The connections a query's filters select (null: every one). */
function connectionsOf(filters: readonly Filter[] | undefined): string[] | null {
  const f = filters?.find((x) => x.dimension === 'connection');
  return f ? f.values.map(String) : null;
}

/** Connection id -> name, as the store has them. */
async function connectionNames(store: ReportReader): Promise<Map<string, string>> {
  return new Map([...(await namesOf(store, 'connection', null))].map(([id, name]) => [groupFromId(id).value ?? '', name]));
}

/** What a report run takes besides the request: settings the CLI and the server read (docs/metrics.md). */
export interface RunOptions {
  /** The card networks' program parameters (MID health); default the published ones. */
  programs?: Programs;
}

/** Runs the report `p` asks for and renders it. */
export async function runReport(store: ReportReader, parsed: ParsedReport, opts: RunOptions = {}): Promise<RenderedReport> {
  const p = await resolveNames(store, parsed);
  const { q } = p;
  const connections = connectionsOf(q.filters);
  // What the data covers decides completeness (its as-of, not the clock) and whether the range is in it.
  const coverage = await reportCoverage(store, connections);
  // Rebills ahead looks forward from the as-of: no range to hold against the coverage, only its warnings.
  const check = p.name === 'rebills' ? { outside: null, warnings: checkCoverage(coverage, q).warnings.filter((w) => w.code === 'backfill_running') } : checkCoverage(coverage, q);
  if (check.outside) throw new ReportQueryError('outside_coverage', 'from', check.outside.message, check.outside.hint);
  const asOf = completenessAt(coverage, p.asOf);
  const ctx: RenderContext = {
    coverage,
    warnings: check.warnings,
    connectionNames: await connectionNames(store),
    currencies: await currenciesInRange(store, q),
    names: q.groupBy ? await namesOf(store, q.groupBy, connections) : p.name === 'economics' ? await namesOf(store, SOURCE_DIMENSION[p.source ?? 'affiliate'], connections) : undefined,
    midNames: p.name === 'mids' || p.name === 'declines' || p.name === 'chargebacks' ? await namesOf(store, 'mid', connections) : undefined,
    subgroupNames: p.subgroupBy ? await namesOf(store, p.subgroupBy, connections) : undefined,
  };
  // The margin basis says which costs it lacked beside the coverage's warnings.
  const warn = (more: readonly ReportWarning[]) => (ctx.warnings = [...check.warnings, ...more]);
  switch (p.name) {
    case 'summary': {
      const total = await summaryReport(store, { ...q, groupBy: null });
      const grouped = q.groupBy ? await summaryReport(store, q) : null;
      warn(total.warnings);
      return { name: p.name, body: summaryJson(total, grouped, ctx) };
    }
    case 'series': {
      const r = await seriesReport(store, { ...q, by: p.by });
      warn(r.warnings);
      return { name: p.name, body: seriesJson(r, ctx) };
    }
    case 'cohorts':
      if (q.margin) warn(await noCostsWarning(store, q.filters));
      return { name: p.name, body: cohortsJson(await cohortReport(store, { ...q, by: p.by, horizons: p.horizons, asOf }), ctx) };
    case 'triangle':
      if (q.margin) warn(await noCostsWarning(store, q.filters));
      return { name: p.name, body: triangleJson(await cohortTriangle(store, { ...q, asOf }), ctx) };
    case 'economics': {
      const r = await economicsReport(store, { ...q, by: p.by, source: p.source ?? 'affiliate', horizons: p.horizons, asOf });
      warn([...(await noCostsWarning(store, q.filters)), ...r.warnings]);
      return { name: p.name, body: economicsJson(r, q, ctx) };
    }
    case 'retention':
      return { name: p.name, body: retentionJson(await retentionReport(store, { ...q, asOf, subgroupBy: p.subgroupBy ?? null }), ctx) };
    case 'mids': {
      // Each connection's months end at its own as-of (its running month projected).
      const asOfs = new Map(coverage.connections.map((c) => [c.connectionId, c.asOf]));
      return { name: p.name, body: midsJson(await midReport(store, { ...q, programs: opts.programs, asOfs }), ctx, p.alerts ? 'alerts' : 'months') };
    }
    case 'declines':
      return { name: p.name, body: declinesJson(await declineReport(store, { ...q, by: p.view as DeclineView | undefined }), ctx) };
    case 'chargebacks':
      return { name: p.name, body: chargebacksJson(await chargebackReport(store, { ...q, by: p.view as ChargebackView | undefined }), ctx) };
    case 'rebills':
      return { name: p.name, body: rebillsJson(await rebillsReport(store, { currency: q.currency, filters: q.filters, asOf, windows: p.windows }), ctx) };
    case 'forecast': {
      if (p.backtest === undefined) return { name: p.name, body: forecastJson(await forecastReport(store, { ...q, asOf }), ctx) };
      const b = await forecastBacktest(store, { ...q, asOf }, p.backtest);
      return { name: p.name, body: forecastJson(b.forecast, ctx, b) };
    }
  }
}

/** GET /api/dimensions/:dimension/values: a dimension's values with their names, per connection. */
export interface DimensionValuesJson {
  dimension: Dimension;
  values: {
    /** What a filter takes to select exactly this value: "<connection>:<id>" (the cycle alone for a cycle). */
    value: string;
    /** The connection's name; null for a billing cycle. */
    connection: string | null;
    id: string;
    name: string | null;
  }[];
  /** More values match than were listed (narrow with `search`). */
  truncated: boolean;
}

/** Lists a dimension's values with their names for a filter picker. */
export async function listValues(store: ReportReader, q: DimensionValuesQuery): Promise<DimensionValuesJson> {
  const r = await dimensionValues(store, q.dimension, { connectionIds: q.connectionIds, search: q.search, limit: q.limit });
  const names = await connectionNames(store);
  const connection = (v: NamedValue) => (v.connectionId === null ? null : (names.get(v.connectionId) ?? v.connectionId));
  return {
    dimension: q.dimension,
    values: r.values.map((v) => {
      const c = connection(v);
      return { value: q.dimension === 'connection' ? (c ?? v.id) : c === null ? v.id : `${c}:${v.id}`, connection: c, id: v.id, name: v.name };
    }),
    truncated: r.truncated,
  };
}
