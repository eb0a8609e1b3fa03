/**
 * The query engine shared by every `<resource>/query` endpoint: paging, dateRangeType, date windows,
 * id lookups that lift the date requirement, filters, sorting, the success envelope and the empty-result
 * error. Each endpoint only declares its table, ids and filters (endpoints.ts).
 */
import { parseRequestDate, parseRequestTime, requestWindow } from './dates.js';
import { apiError, MESSAGES, type ApiResponse } from './envelope.js';
import { rowsInWindow } from './indexes.js';
import type { Merchant } from './model.js';
import type { ApiRecord, View } from './records.js';

export type Params = Record<string, string>;

/** A filter parameter: optional allowed values (checked case-insensitively) and the row test. */
export interface Filter<R> {
  values?: readonly string[];
  test(row: R, value: string, m: Merchant): boolean;
}

/** An id parameter: finds rows directly, and lifts the date-range requirement. */
export interface IdParam<R> {
  lookup(m: Merchant, value: string): readonly R[];
}

/** What an endpoint declares; the engine does the rest. */
export interface EndpointSpec<R> {
  path: string;
  /** Plural noun of the "No <entity> matching those parameters could be found" message. */
  entity: string;
  table(m: Merchant): readonly R[];
  id(row: R): number;
  dates: Record<string, (row: R) => number>;
  ids: Record<string, IdParam<R>>;
  filters: Record<string, Filter<R>>;
  datesRequired: boolean;
  render(m: Merchant, row: R, params: Params, view: View): ApiRecord;
  /** When set, `data` is an object keyed by this value (campaign/query) instead of an array. */
  keyOf?: (row: R) => string;
}

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;
const NOT_ECHOED = new Set(['loginId', 'password']);

interface CacheEntry {
  version: number;
  rows: unknown[];
}
// Per merchant, so two sandboxes in one process (tests) never share results.
const resultCaches = new WeakMap<Merchant, Map<string, CacheEntry>>();
const CACHE_SIZE = 64;

/** Runs one query against the merchant and returns the CRM's envelope (records rendered in `view`). */
export function runQuery<R>(m: Merchant, spec: EndpointSpec<R>, params: Params, useCache = true, view: View = 'served'): ApiResponse {
  const page = positiveInt(params.page, 1);
  // Above 200 the sandbox clamps rather than failing (docs/sandbox.md): the reference does not know.
  const perPage = Math.min(MAX_PAGE_SIZE, positiveInt(params.resultsPerPage, DEFAULT_PAGE_SIZE));
  const sortDir = params.sortDir === '0' ? 0 : 1;
  const sortBy = params.sortBy === 'dateUpdated' && spec.dates.dateUpdated ? 'dateUpdated' : 'dateCreated';
  const rangeType = params.dateRangeType === undefined || params.dateRangeType === '' ? 'dateCreated' : params.dateRangeType;
  const rangeKey = spec.dates[rangeType];
  if (!rangeKey) return apiError(MESSAGES.invalidValue('dateRangeType', rangeType));

  const cacheKey = `${spec.path}|${Object.keys(params)
    .filter((k) => k !== 'page' && !NOT_ECHOED.has(k))
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&')}`;
  let rows: R[];
  let resultCache = resultCaches.get(m);
  if (!resultCache) {
    resultCache = new Map();
    resultCaches.set(m, resultCache);
  }
  const hit = resultCache.get(cacheKey);
  if (useCache && hit && hit.version === m.version && hit.rows.length > 0) {
    rows = hit.rows as R[];
  } else {
    const found = select(m, spec, params, rangeKey);
    if (typeof found === 'string') return apiError(found);
    rows = found;
    const sortKey = spec.dates[sortBy] ?? spec.dates.dateCreated;
    if (sortKey) {
      rows.sort((a, b) => {
        const d = sortKey(a) - sortKey(b) || spec.id(a) - spec.id(b);
        return sortDir === 1 ? d : -d;
      });
    }
    if (useCache) {
      if (resultCache.size >= CACHE_SIZE) resultCache.delete(resultCache.keys().next().value as string);
      resultCache.set(cacheKey, { version: m.version, rows });
    }
  }
  if (rows.length === 0) return apiError(MESSAGES.noMatch(spec.entity));

  const slice = rows.slice((page - 1) * perPage, page * perPage);
  let data: unknown;
  if (spec.keyOf) {
    const keyed: Record<string, ApiRecord> = {};
    for (const r of slice) keyed[spec.keyOf(r)] = spec.render(m, r, params, view);
    data = keyed;
  } else {
    data = slice.map((r) => spec.render(m, r, params, view));
  }
  const queryArgs: Record<string, unknown> = { page, sortDir, resultsPerPage: perPage, sortBy };
  for (const [k, v] of Object.entries(params)) {
    if (!NOT_ECHOED.has(k) && !(k in queryArgs)) queryArgs[k] = v;
  }
  queryArgs.dateRangeType = rangeType;
  return {
    result: 'SUCCESS',
    message: { totalResults: rows.length, resultsPerPage: perPage, page, data, params: null, errors: null, sortBy, sortDir, queryArgs },
  };
}

function positiveInt(text: string | undefined, fallback: number): number {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return fallback;
  const n = Number(text);
  return n >= 1 ? n : fallback;
}

/**
 * The request's date window in the account zone (startDate/endDate, startTime/endTime), null when it
 * sends no dates, or the error message for a bad one.
 */
export function dateWindow(m: Merchant, params: Params): { from: number; to: number } | null | string {
  const has = (k: string) => params[k] !== undefined && params[k] !== '';
  if (!has('startDate') && !has('endDate')) return null;
  if (!has('startDate') || !has('endDate')) return MESSAGES.dateRangeRequired;
  const s = parseRequestDate(params.startDate as string);
  if (!s) return MESSAGES.invalidDate('startDate', params.startDate as string);
  const e = parseRequestDate(params.endDate as string);
  if (!e) return MESSAGES.invalidDate('endDate', params.endDate as string);
  let st: number | null = null;
  let et: number | null = null;
  if (has('startTime')) {
    st = parseRequestTime(params.startTime as string);
    if (st === null) return MESSAGES.invalidValue('startTime', params.startTime as string);
  }
  if (has('endTime')) {
    et = parseRequestTime(params.endTime as string);
    if (et === null) return MESSAGES.invalidValue('endTime', params.endTime as string);
  }
  return requestWindow(s, e, m.config.timezone, st, et);
}

/** The matching rows, or an error message. */
function select<R>(m: Merchant, spec: EndpointSpec<R>, params: Params, rangeKey: (r: R) => number): R[] | string {
  const has = (k: string) => params[k] !== undefined && params[k] !== '';
  const window = dateWindow(m, params);
  if (typeof window === 'string') return window;
  const idParams = Object.keys(spec.ids).filter(has);
  if (!window && idParams.length === 0 && spec.datesRequired) return MESSAGES.dateRangeRequired;

  for (const [name, f] of Object.entries(spec.filters)) {
    if (!has(name) || !f.values) continue;
    const v = (params[name] as string).trim().toUpperCase().replace(/ /g, '_');
    if (!f.values.includes(v)) return MESSAGES.invalidValue(name, params[name] as string);
  }

  let rows: R[];
  if (idParams.length > 0) {
    rows = [...(spec.ids[idParams[0] as string] as IdParam<R>).lookup(m, (params[idParams[0] as string] as string).trim())];
    for (const name of idParams.slice(1)) {
      const allowed = new Set((spec.ids[name] as IdParam<R>).lookup(m, (params[name] as string).trim()));
      rows = rows.filter((r) => allowed.has(r));
    }
    if (window) {
      const { from, to } = window;
      rows = rows.filter((r) => rangeKey(r) >= from && rangeKey(r) < to);
    }
  } else if (window) {
    const rangeName = params.dateRangeType || 'dateCreated';
    rows = rowsInWindow(m, `${spec.path}:${rangeName}`, spec.table(m), rangeKey, spec.id, window.from, window.to);
  } else {
    rows = [...spec.table(m)];
  }
  const active = Object.entries(spec.filters).filter(([name]) => has(name));
  if (active.length > 0) {
    rows = rows.filter((r) => active.every(([name, f]) => f.test(r, (params[name] as string).trim(), m)));
  }
  return rows;
}
