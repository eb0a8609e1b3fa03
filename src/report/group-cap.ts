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
export async function capOf(store: ReportReader, d: Dimension | null | undefined, q: CapQuery, limit: number): Promise<Cap | null> {
  if (!d || d === 'connection' || d === 'cycle') return null;
  const filters = q.filters ?? [];
  // The listed values travel as a filter beside the request's own.
  const n = Math.min(limit, MAX_FILTER_VALUES - filters.reduce((k, f) => k + f.values.length, 0));
  if (n < 1) return null;
  const ranked: RankedGroups = await rankGroups(store, d, { from: q.from, to: q.to, zone: q.tz, currency: q.currency, filters }, n);
  if (ranked.values <= n) return null;
  return { dimension: d, top: ranked.top, rest: ranked.values - ranked.top.length };
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
