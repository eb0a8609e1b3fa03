/**
 * Runs a checked report request against the store and renders its JSON body: the one place that maps a
 * report name to its analytics function, for the CLI and the HTTP API alike. Besides the report it reads
 * the currencies of the range (the body's `otherCurrencies`) and the names of the values it shows.
 */
import {
  checkCoverage, chargebackReport, cohortReport, forecastBacktest, forecastReport, cohortTriangle, completenessAt, currenciesInRange, declineReport, reportCoverage, dimensionValues, economicsReport, midReport, namesOf, noCostsWarning, rebillsReport, retentionReport, seriesReport, summaryReport,
  groupFromId, groupId, GroupsOverLimit, type ChargebackView, type DeclineView, type Dimension, type Filter, type Group, type NamedValue, type Programs, type RangeQuery, type ReportWarning, type RetentionReport,
} from '../analytics/index.js';
import type { ReportReader } from '../store/store.js';
import { chargebacksJson, cohortsJson, declinesJson, economicsJson, forecastJson, midsJson, rebillsJson, retentionJson, seriesJson, SOURCE_DIMENSION, summaryJson, triangleJson, type RenderContext, type ReportJson } from './json.js';
import { ReportQueryError, resolveNames, type DimensionValuesQuery, type ParsedReport, type ReportName } from './query.js';
import { asRest, capOf, cappedFilters, cappedRun, DEFAULT_GROUP_LIMIT, overLimit, rankFirst, restGroup, type Cap } from './group-cap.js';

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
  // A breakdown of more groups than the request's limit (group-cap.ts): its first values by rank are the
  // report filtered to them, the others one last row, the report filtered to them and not grouped.
  const limit = p.limit ?? DEFAULT_GROUP_LIMIT;
  const capped = <R>(run: (x: RangeQuery, capped: boolean) => Promise<R | null>, groupsOf: (r: R) => Iterable<Group | null>, addRest: (r: R, rest: R, cap: Cap) => void) =>
    cappedRun(store, q, q.groupBy, limit, run, groupsOf, addRest);
  switch (p.name) {
    case 'summary': {
      const total = await summaryReport(store, { ...q, groupBy: null });
      const grouped = q.groupBy
        ? await capped((x) => summaryReport(store, x), (r) => r.rows.map((x) => x.group), (r, rest, cap) => r.rows.push(...asRest(rest.rows, cap)))
        : null;
      warn(total.warnings);
      return { name: p.name, body: summaryJson(total, grouped, ctx) };
    }
    case 'series': {
      const r = await capped((x) => seriesReport(store, { ...x, by: p.by }), (r) => r.points.map((x) => x.group), (r, rest, cap) => r.points.push(...asRest(rest.points, cap)));
      warn(r.warnings);
      return { name: p.name, body: seriesJson(r, ctx) };
    }
    case 'cohorts': {
      if (q.margin) warn(await noCostsWarning(store, q.filters));
      const r = await capped((x) => cohortReport(store, { ...x, by: p.by, horizons: p.horizons, asOf }), (r) => r.cohorts.map((x) => x.group), (r, rest, cap) => r.cohorts.push(...asRest(rest.cohorts, cap)));
      return { name: p.name, body: cohortsJson(r, ctx) };
    }
    case 'triangle': {
      if (q.margin) warn(await noCostsWarning(store, q.filters));
      const r = await capped((x) => cohortTriangle(store, { ...x, asOf }), (r) => r.rows.map((x) => x.group), (r, rest, cap) => r.rows.push(...asRest(rest.rows, cap)));
      return { name: p.name, body: triangleJson(r, ctx) };
    }
    case 'economics': {
      const r = await economicsReport(store, { ...q, by: p.by, source: p.source ?? 'affiliate', horizons: p.horizons, asOf });
      warn([...(await noCostsWarning(store, q.filters)), ...r.warnings]);
      return { name: p.name, body: economicsJson(r, q, ctx) };
    }
    case 'retention':
      return { name: p.name, body: retentionJson(await cappedRetention(store, q, asOf, p.subgroupBy ?? null, limit), ctx) };
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
      if (p.backtest === undefined) {
        // Its models are fitted once its statements say how many groups there are: never beyond the limit.
        // A capped run fits the listed groups, which may be a few past the limit (each account's missing value).
        const fit = (x: RangeQuery, capped: boolean) => forecastReport(store, { ...x, asOf }, capped ? {} : { maxGroups: limit }).catch((err: unknown) => {
          if (err instanceof GroupsOverLimit) return null;
          throw err;
        });
        const r = await capped(fit, (r) => r.groups.map((x) => x.group), (r, rest, cap) => r.groups.push(...asRest(rest.groups, cap)));
        return { name: p.name, body: forecastJson(r, ctx) };
      }
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

/**
 * Retention with its breakdowns capped (group-cap.ts): a group breakdown of more values than `limit` lists
 * its first ones and one row of the rest; a subgroup breakdown of more, within each group, its listed values
 * and one row of the others, each group itself read whole (without its subgroups).
 */
async function cappedRetention(store: ReportReader, q: RangeQuery, asOf: number, sub: Dimension | null, limit: number): Promise<RetentionReport> {
  const key = (g: Group | null) => (g === null ? '' : groupId(g));
  const withSubgroups = async (x: RangeQuery): Promise<RetentionReport> => {
    const read = (y: RangeQuery, subgroupBy: Dimension | null) => retentionReport(store, { ...y, asOf, subgroupBy });
    if (!sub || !x.groupBy) return read(x, null);
    let subCap: Cap | null;
    if (await rankFirst(store, sub, x.filters)) subCap = await capOf(store, sub, x, limit, { current: true });
    else {
      const first = await read(x, sub);
      if (!overLimit(first.rows.flatMap((r) => (r.subgroups ?? []).map((s) => s.group)), limit)) return first;
      subCap = await capOf(store, sub, x, limit);
      if (!subCap) return first;
    }
    if (!subCap) return read(x, sub);
    const whole = await read(x, null);
    const subs = new Map((await read({ ...x, filters: cappedFilters(x.filters, subCap, 'listed') }, sub)).rows.map((r) => [key(r.group), r.subgroups ?? []]));
    const others = new Map((await read({ ...x, filters: cappedFilters(x.filters, subCap, 'rest') }, null)).rows.map((r) => [key(r.group), { ...r, group: restGroup(subCap) }]));
    return {
      ...whole, subgroupBy: sub,
      rows: whole.rows.map((r) => {
        const other = others.get(key(r.group));
        return { ...r, subgroups: [...(subs.get(key(r.group)) ?? []), ...(other ? [other] : [])] };
      }),
    };
  };
  return cappedRun(store, q, q.groupBy, limit, withSubgroups, (r) => r.rows.map((x) => x.group), (r, rest, cap) => r.rows.push(...asRest(rest.rows, cap)));
}
