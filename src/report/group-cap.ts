/**
 * Breakdowns with many values (docs/metrics.md, "Breakdowns with many values"): a report lists at most
 * `limit` groups of its breakdown (and of retention's second one), the first by rank (analytics/group-rank.ts),
 * and pools every other value in one row whose group carries `rest`, the number of values it holds. The
 * listed groups are the report run with a filter selecting them; the pooled row is the report run without
 * the breakdown and with the opposite filter. The two filters partition the rows, so every figure of the
 * pooled row is the report's own on those rows: distinct counts, rates and the forecast's fit included,
 * never a sum of rounded figures.
 */
import { rankGroups, groupsFilter, type RankedGroups } from '../analytics/group-rank.js';
import { groupId, MAX_FILTER_VALUES, type Dimension, type Filter, type Group } from '../analytics/index.js';
import { UsageError } from '../core/errors.js';
import type { ReportReader } from '../store/store.js';

/**
 * Most groups a request may ask for, and the default: the listed values travel as a filter, and filters
 * hold at most MAX_FILTER_VALUES. A merchant's campaigns, affiliates and their sub-ids are listed whole up
 * to it (the CRM's own reports list them all); a click id per customer is not.
 */
export const MAX_GROUP_LIMIT = MAX_FILTER_VALUES;
/** Groups a report lists when the request names no limit. */
export const DEFAULT_GROUP_LIMIT = MAX_GROUP_LIMIT;

/** The ranked values of a breakdown that has more than `limit`: the listed ones and how many are pooled. */
export interface Cap {
  dimension: Dimension;
  top: Group[];
  /** The values pooled in the row of the rest (at most; report/json.ts GroupJson.rest). */
  rest: number;
}

/** What a cap needs of a request. */
export interface CapQuery {
  from: string;
  to: string;
  tz: string;
  currency: string;
  filters?: readonly Filter[];
}

/** Whether rows hold more groups than `limit` (a report asks for a cap only then). */
export function overLimit(groups: Iterable<Group | null>, limit: number): boolean {
  const seen = new Set<string>();
  for (const g of groups) {
    seen.add(g === null ? '' : groupId(g));
    if (seen.size > limit) return true;
  }
  return false;
}

/**
 * The cap of breakdown `d` for this request: its first values by rank (analytics/group-rank.ts), as many as
 * the limit and the filters' room allow, or null when they are all listed (never for the connection or
 * the billing cycle, whose values are few).
 */
export async function capOf(store: ReportReader, d: Dimension | null | undefined, q: CapQuery, limit: number, o: { current?: boolean } = {}): Promise<Cap | null> {
  if (!d || d === 'connection' || d === 'cycle') return null;
  const filters = q.filters ?? [];
  // The listed values travel as a filter beside the request's own.
  const n = Math.min(limit, MAX_FILTER_VALUES - filters.reduce((k, f) => k + f.values.length, 0));
  if (n < 1) return null;
  const ranked: RankedGroups = await rankGroups(store, d, { from: q.from, to: q.to, zone: q.tz, currency: q.currency, filters }, n, o);
  if (ranked.values <= n) return null;
  return { dimension: d, top: ranked.top, rest: ranked.values - ranked.top.length };
}

/**
 * Dimensions whose values are the account's own text, as many as its visitors (a click id in the
 * sub-affiliate, a coupon code per customer): a report by them is ranked before it runs, so a breakdown of a
 * million values never builds a million groups. The others (campaigns, products, MIDs: the account's
 * catalog) run first and are capped only when they return more groups than the limit.
 */
export const UNBOUNDED: ReadonlySet<Dimension> = new Set(['affiliate', 'subaffiliate', 'coupon']);

/**
 * Whether a breakdown by `d` is ranked before its report runs: an UNBOUNDED dimension, filtered by the
 * connection at most, with the kept tables current (the rank then reads `breakdown_days`; a filter on another
 * field or a backfill would send it to the ledger, and a filter narrows the groups anyway: such a report runs
 * first, as a catalog field's does).
 */
export async function rankFirst(store: ReportReader, d: Dimension | null | undefined, filters: readonly Filter[] | undefined): Promise<boolean> {
  // Behind a backfill the rank would read the ledger too: the report runs first then, as a filtered one does.
  return !!d && UNBOUNDED.has(d) && (filters ?? []).every((f) => f.dimension === 'connection') && !(await store.aggregatesBehind());
}

/**
 * Runs a report (`run`) broken down by `d`, capped at `limit` groups: ranked first when `rankFirst`; else run
 * whole, and capped when `groupsOf` finds more groups than the limit (`run` may answer null for "more than the
 * limit" before doing the work, as the forecast does before fitting). A capped report is `run` of the listed
 * values, with `addRest` given `run` of the others, not grouped; both are run `capped` (the listed values may
 * be a few more groups than the limit: the missing value of each connection is one).
 */
export async function cappedRun<Q extends CapQuery & { groupBy?: Dimension | null }, R>(
  store: ReportReader, q: Q, d: Dimension | null | undefined, limit: number,
  run: (x: Q, capped: boolean) => Promise<R | null>, groupsOf: (r: R) => Iterable<Group | null>, addRest: (r: R, rest: R, cap: Cap) => void,
): Promise<R> {
  const whole = async () => {
    const r = await run(q, false);
    if (r === null) throw new UsageError(`the breakdown has more than ${limit} groups, and the filters hold too many values to list them by`, 'Filter by fewer values, or raise the limit.');
    return r;
  };
  let cap: Cap | null = null;
  if (await rankFirst(store, d, q.filters)) cap = await capOf(store, d, q, limit, { current: true });
  else {
    const first = await run(q, false);
    if (first !== null && !overLimit(groupsOf(first), limit)) return first;
    cap = await capOf(store, d, q, limit);
    if (!cap) return first ?? whole();
  }
  if (!cap) return whole();
  const listed = await run({ ...q, filters: cappedFilters(q.filters, cap, 'listed') }, true);
  const rest = await run({ ...q, groupBy: null, filters: cappedFilters(q.filters, cap, 'rest') }, true);
  if (listed === null || rest === null) throw new RangeError('a capped report answered "over the limit"');
  addRest(listed, rest, cap);
  return listed;
}

/** The filters selecting a cap's listed values (`listed`) or its rest, beside the request's own. */
export function cappedFilters(filters: readonly Filter[] | undefined, cap: Cap, part: 'listed' | 'rest'): Filter[] {
  return [...(filters ?? []), groupsFilter(cap.dimension, cap.top, part === 'rest')];
}

/** The group of the pooled row. */
export function restGroup(cap: Cap): Group {
  return { connectionId: null, value: null, rest: cap.rest };
}

/** A row's group relabelled as the cap's pooled row (the rest run is not grouped: its rows' group is null). */
export function asRest<T extends { group: Group | null }>(rows: readonly T[], cap: Cap): T[] {
  return rows.map((r) => ({ ...r, group: restGroup(cap) }));
}
