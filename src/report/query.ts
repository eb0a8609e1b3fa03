/**
 * A report request, checked once for `konduit report` and GET /api/reports/:name alike: one zod schema
 * per report names the parameters it takes and checks each value; then the defaults are filled in and
 * what needs the store's connections is resolved. A problem is an issue with a stable code (the API's
 * `error.code`) rendered into one message whose only difference between the two surfaces is how a
 * parameter is spelled (`groupBy` or `--group-by`).
 */
import { z } from 'zod';
import { checkInput, InputError, spell, type Surface } from '../core/input.js';
import { addDays, isValidTimeZone, localDate, parseWall, startOfLocalDay } from '../core/time.js';
import { namedRange, RANGE_NAMES, type RangeName } from '../core/ranges.js';
import { DIMENSION_SPECS, DIMENSIONS, parseDimension, type Dimension, type Filter, type FilterValue } from '../analytics/dimensions.js';
import { CHARGEBACK_VIEWS, couponCodeKnown, DECLINE_VIEWS, MAX_VALUES, namesOf, valuesNamed, type Basis, type ChargebackView, type DeclineView, type NamedValue, type Period, type RangeQuery } from '../analytics/index.js';
import { MAX_HORIZON_DAYS, MAX_HORIZONS } from '../analytics/defaults.js';
import { MAX_REBILL_WINDOW } from '../analytics/rebills.js';
import type { ConnectionSummary, ReportReader } from '../store/store.js';
import { SOURCE_KINDS, type SourceKind } from '../ledger/costs.js';
import { DEFAULT_GROUP_LIMIT, MAX_GROUP_LIMIT } from './group-cap.js';

export const REPORT_NAMES = ['summary', 'series', 'cohorts', 'triangle', 'retention', 'mids', 'declines', 'chargebacks', 'rebills', 'economics', 'forecast'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** The codes a report request can be refused with. */
export type ReportIssueCode = 'invalid_parameter' | 'unknown_parameter' | 'unknown_connection' | 'ambiguous_currency' | 'unknown_value' | 'outside_coverage';

export type { Surface };

/** A parameter as a query string carries it: once, or repeated. An empty value counts as absent. */
const given = z.union([z.string(), z.array(z.string())]);
const lastOf = (v: string | string[]) => (Array.isArray(v) ? v[v.length - 1] : v) || undefined;
const allOf = (v: string | string[]) => (Array.isArray(v) ? v : [v]).filter((s) => s !== '');

/** A single-valued parameter (the last of repeated values counts, as in the API before). */
const single = <T extends z.ZodType<unknown, string>>(inner: T) => given.transform(lastOf).pipe(inner.optional()).optional();
/** A repeatable parameter. */
const many = <T extends z.ZodType<unknown, string>>(inner: T) => given.transform(allOf).pipe(z.array(inner)).optional();
const list = (s: string) => s.split(',').map((x) => x.trim());

const date = z.string().refine((s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && parseWall(s) !== null);
const dimension = (allowed: readonly Dimension[]) => z.string().transform((s) => parseDimension(s) ?? '').pipe(z.enum(allowed as [Dimension, ...Dimension[]]));
/**
 * FIELD:VALUE (FIELD=VALUE is accepted too, the CLI's former spelling): the first ':' or '=' splits. The
 * value is read once the store's connections are known (parseReportQuery): an id, CONNECTION:ID, or a
 * name; a billing cycle is a whole number.
 */
const filter = z.string().transform((s, ctx) => {
  const i = s.search(/[:=]/);
  const d = i > 0 ? parseDimension(s.slice(0, i)) : null;
  const text = s.slice(i + 1).trim();
  if (d === null || text === '' || (d === 'cycle' && !Number.isSafeInteger(/^\d+$/.test(text) ? Number(text) : NaN))) {
    ctx.addIssue({ code: 'custom', message: 'filter' });
    return z.NEVER;
  }
  return { dimension: d, text };
});
/** An ISO 4217 code, any case. */
const currency = z.string().trim().regex(/^[A-Za-z]{3}$/).transform((s) => s.toUpperCase());
const horizons = z.string().transform(list).pipe(z.array(z.string().regex(/^\d{1,5}$/).transform(Number).pipe(z.number().int().positive().max(MAX_HORIZON_DAYS))).min(1).max(MAX_HORIZONS));
/** A yes/no switch: true, false, 1, 0, yes or no (a bare `--alerts` is true). */
const flag = z.string().trim().toLowerCase().pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'])).transform((s) => s === 'true' || s === '1' || s === 'yes');

// Rebills ahead's windows: whole days, ascending (analytics/rebills.ts checks the bounds).
const windows = z.string().transform(list).pipe(z.array(z.string().regex(/^\d{1,3}$/).transform(Number).pipe(z.number().int().positive().max(MAX_REBILL_WINDOW))).min(1).max(12))
  .refine((w) => w.every((x, i) => i === 0 || x > (w[i - 1] ?? 0)));

const COMMON = {
  from: single(date),
  to: single(date),
  tz: single(z.string().refine(isValidTimeZone)),
  groupBy: single(dimension(DIMENSIONS)),
  filter: many(filter),
  connection: many(z.string()),
  currency: single(currency),
  range: single(z.enum(RANGE_NAMES)),
};
/** The reports with rows of their own (per MID, per reason): no group-by. */
const { groupBy: _grouped, ...UNGROUPED } = COMMON;
const basis = single(z.enum(['event', 'crm']));
/** The margin basis (docs/economics.md): true or false (the CLI's --margin). */
const margin = single(z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'));
const source = single(z.enum(SOURCE_KINDS));
const by = single(z.enum(['day', 'week', 'month']));
const asOf = single(date);
/** Most groups a breakdown lists (report/group-cap.ts): the first by rank, the rest pooled in one row. */
const limit = single(z.string().regex(/^\d{1,4}$/).transform(Number).pipe(z.number().int().min(1).max(MAX_GROUP_LIMIT)));

/** The parameters each report takes, checked (GET /api/reports/:name's query; the CLI's flags). */
export const REPORT_PARAMS = {
  summary: z.strictObject({ ...COMMON, basis, margin, limit }),
  series: z.strictObject({ ...COMMON, basis, by, margin, limit }),
  cohorts: z.strictObject({ ...COMMON, by, horizons: single(horizons), asOf, margin, limit }),
  triangle: z.strictObject({ ...COMMON, asOf, margin, limit }),
  // Retention is already by billing cycle.
  retention: z.strictObject({ ...COMMON, groupBy: single(dimension(DIMENSIONS.filter((d) => d !== 'cycle'))), subgroupBy: single(dimension(DIMENSIONS.filter((d) => d !== 'cycle'))), asOf, limit }),
  // MID health is per MID (the networks' programs), in the account's months; `alerts` lists the rules that fire.
  mids: z.strictObject({ ...UNGROUPED, alerts: single(flag) }),
  declines: z.strictObject({ ...UNGROUPED, by: single(z.enum(DECLINE_VIEWS)) }),
  chargebacks: z.strictObject({ ...UNGROUPED, by: single(z.enum(CHARGEBACK_VIEWS)) }),
  // Rebills ahead looks forward from the data's as-of (or an earlier day): no range, no breakdown.
  rebills: z.strictObject({ tz: COMMON.tz, connection: COMMON.connection, currency: COMMON.currency, windows: single(windows), asOf }),
  // Spend is recorded per source, so economics is per source: no group-by, no filter but the connection.
  economics: z.strictObject({ from: COMMON.from, to: COMMON.to, range: COMMON.range, tz: COMMON.tz, connection: COMMON.connection, currency: COMMON.currency, by, source, horizons: single(horizons), asOf }),
  // A forecast is by billing cycle too; `backtest` fits on the data before that day instead.
  forecast: z.strictObject({ ...COMMON, groupBy: single(dimension(DIMENSIONS.filter((d) => d !== 'cycle'))), asOf, backtest: single(date), limit }),
} satisfies Record<ReportName, z.ZodType>;

/** The query parameters of a report as a client sends them. */
export type ReportParams<N extends ReportName> = z.input<(typeof REPORT_PARAMS)[N]>;
type ParamName = keyof typeof COMMON | 'basis' | 'by' | 'horizons' | 'alerts' | 'asOf' | 'subgroupBy' | 'windows' | 'margin' | 'source' | 'backtest' | 'limit';

/** The checked values of any report's parameters. */
interface Checked {
  from?: string;
  to?: string;
  tz?: string;
  groupBy?: Dimension;
  filter?: { dimension: Dimension; text: string }[];
  connection?: string[];
  currency?: string;
  range?: RangeName;
  basis?: Basis;
  /** A period (series, cohorts) or a view (declines, chargebacks). */
  by?: string;
  horizons?: number[];
  alerts?: boolean;
  asOf?: string;
  subgroupBy?: Dimension;
  windows?: number[];
  margin?: boolean;
  source?: SourceKind;
  backtest?: string;
  limit?: number;
}

const DATE = 'a date YYYY-MM-DD, e.g. 2026-01-31';
/** What each parameter must be; `{name}` is a parameter, spelled for the surface. */
const EXPECTED: Record<ParamName, (report: ReportName) => string> = {
  from: () => DATE,
  to: () => DATE,
  asOf: () => DATE,
  backtest: () => `${DATE}, before the data's as-of: the forecast is fitted on the data before it and compared with what came after`,
  tz: () => 'an IANA time zone name such as America/New_York or Europe/Berlin',
  basis: () => 'event or crm',
  by: (r) => (r === 'declines' ? `one of ${DECLINE_VIEWS.join(', ')}` : r === 'chargebacks' ? `one of ${CHARGEBACK_VIEWS.join(', ')}` : 'day, week or month'),
  groupBy: (r) => (r === 'retention' || r === 'forecast' ? `one of ${DIMENSIONS.filter((d) => d !== 'cycle').join(', ')} (${r === 'forecast' ? 'a forecast' : 'retention'} is already by billing cycle)` : `one of ${DIMENSIONS.join(', ')}`),
  subgroupBy: () => `one of ${DIMENSIONS.filter((d) => d !== 'cycle').join(', ')}, other than groupBy, e.g. subaffiliate inside affiliate`,
  filter: () =>
    `FIELD:VALUE with FIELD one of ${DIMENSIONS.join(', ')}; VALUE an id (every connection's), CONNECTION:ID, or a name (campaign, product, mid, coupon), e.g. campaign:3, campaign:shop:3 or "campaign:Glow Serum Store"; cycle takes a whole number`,
  connection: () => 'a connection name',
  currency: () => 'an ISO 4217 currency code such as USD, MXN or CLP',
  horizons: () => `positive whole numbers of days up to ${MAX_HORIZON_DAYS}, at most ${MAX_HORIZONS} of them, comma-separated, e.g. 7,30,90`,
  range: () => `one of ${RANGE_NAMES.join(', ')}`,
  limit: () => `a whole number of groups from 1 to ${MAX_GROUP_LIMIT}: the breakdown lists its first values by rank and pools the rest in one row (default ${DEFAULT_GROUP_LIMIT})`,
  windows: () => `whole numbers of days up to ${MAX_REBILL_WINDOW}, ascending, at most 12, comma-separated, e.g. 7,30,60,90`,
  margin: () => 'true or false',
  source: () => `one of ${SOURCE_KINDS.join(', ')}`,
  alerts: () => 'true or false',
};

/** A refused report request: `code` and `param` for programs, the message for people. */
export class ReportQueryError extends InputError {
  declare readonly code: ReportIssueCode;
  constructor(code: ReportIssueCode, param: string, message: string, hint?: string) {
    super(code, param, message, hint);
  }
}

function reportLabel(name: ReportName, surface: Surface): string {
  if (surface === 'api') return `the ${name} report`;
  return `konduit report ${name === 'triangle' ? 'cohorts --triangle' : name}`;
}

/**
 * A filter value given by name (or, for a coupon, by code or name), resolved against the store's names
 * by `resolveNames` (runReport calls it): every (connection, id) it names joins the dimension's filter.
 */
export interface NamedFilter {
  dimension: Dimension;
  text: string;
  /** The connections it is looked up in (CONNECTION:NAME, or those reported); null for every one. */
  connectionIds: string[] | null;
  /** The filter as given (for the message when nothing has that name). */
  given: string;
}

/**
 * A query string checked by a schema (core/input.ts): its values, or a ReportQueryError naming the first
 * parameter at fault (`unknown_parameter` for one the schema does not take, listing those it takes;
 * otherwise `invalid_parameter`, saying what it must be: `expected(param)`). `label` names what was asked.
 */
function checkParams<S extends z.ZodObject>(
  schema: S,
  params: Readonly<Record<string, string | string[] | undefined>>,
  surface: Surface,
  label: string,
  expected: (param: string) => string,
  hint?: string,
): z.output<S> {
  try {
    return checkInput(schema, params, { surface, label, expected, repeatable: ['filter', 'connection'], hint });
  } catch (err) {
    if (err instanceof InputError) throw new ReportQueryError(err.code as ReportIssueCode, err.param, err.message, err.hint);
    throw err;
  }
}

/** Everything a report request asks for, checked, with its defaults. */
export interface ParsedReport {
  name: ReportName;
  q: RangeQuery;
  /** Filter values given by name, still to resolve (resolveNames). */
  named?: NamedFilter[];
  /** Who asked, for the spelling of a message about a name (default api). */
  surface?: Surface;
  by: Period;
  horizons?: number[];
  /** The view of a declines or chargebacks report (which table the CLI prints). */
  view?: DeclineView | ChargebackView;
  /** MID health: list the alert rules that fire (the CLI exits 1 when one does). */
  alerts?: boolean;
  /** Completeness is judged at this instant (epoch ms) instead of now. */
  asOf?: number;
  /** Retention: a second breakdown inside each group. */
  subgroupBy?: Dimension;
  /** Rebills ahead: the windows in days. */
  windows?: number[];
  /** Where the economics report reads each customer's source (default affiliate). */
  source?: SourceKind;
  /** The forecast's backtest: fit on the data before this instant (epoch ms), compare with what came after. */
  backtest?: number;
  /** Most groups a breakdown lists (report/group-cap.ts); default DEFAULT_GROUP_LIMIT. */
  limit?: number;
}

/** What parsing needs besides the parameters. */
export interface ReportContext {
  surface: Surface;
  /**
   * The store's connections (names and ids resolve to ids; their zones decide the CRM basis); null checks
   * everything else, before the store is opened.
   */
  connections: readonly ConnectionSummary[] | null;
  /** The zone when `tz` is not given: UTC for the API, the system zone for the CLI. */
  defaultTz: string;
  /** "Now" for the default `to` (epoch ms); default the clock. */
  now?: number;
}

/** The default `from` of the monthly reports: the first day of the month 335 days before the first of `to`'s month. */
function monthsBefore(to: string): string {
  return `${addDays(`${to.slice(0, 7)}-01`, -335).slice(0, 7)}-01`;
}

/**
 * Checks a report request and fills its defaults: `range` (core/ranges.ts) sets `from`, ending on `to`;
 * without either, summary, series and declines cover the last 30 days ending `to`; cohorts, triangle,
 * retention, MIDs and chargebacks the calendar months from the first of the month 11 months before
 * `to`'s month (12 months' cohorts, whole but the last); MIDs with `alerts` the month before `to`'s and
 * `to`'s; `to` defaults to today in `tz`.
 * Throws ReportQueryError (a usage error, exit code 2 in the CLI, 400 in the API).
 */
export function parseReportQuery(name: ReportName, params: Readonly<Record<string, string | string[] | undefined>>, ctx: ReportContext): ParsedReport {
  const s = (p: string) => spell(p, ctx.surface);
  // The CLI's hint: the command's help lists what each flag takes.
  const help = ctx.surface === 'cli' ? `See ${reportLabel(name, 'cli')} --help.` : undefined;
  const invalid = (param: ParamName, got: string, expected: string, code: ReportIssueCode = 'invalid_parameter', hint = help) =>
    new ReportQueryError(code, param, `${s(param)} "${got}" is not valid: expected ${expected}`, hint);
  const v: Checked = checkParams(REPORT_PARAMS[name], params, ctx.surface, reportLabel(name, ctx.surface), (param) => EXPECTED[param as ParamName](name), help);
  const tz = v.tz ?? ctx.defaultTz;
  if (v.range && v.from) throw invalid('from', v.from, `no ${s('from')} with ${s('range')} (the range sets its first day; ${s('to')} may set its last)`);
  const to = v.to ?? localDate(ctx.now ?? Date.now(), tz);
  const from =
    v.from ??
    (v.range
      ? namedRange(v.range, to).from
      : name === 'summary' || name === 'series' || name === 'declines'
        ? namedRange('last-30-days', to).from
        : name === 'mids' && v.alerts
          ? `${addDays(`${to.slice(0, 7)}-01`, -1).slice(0, 7)}-01`
          : monthsBefore(to));
  if (from > to) throw invalid('from', from, `a date on or before ${s('to')} (${to})`, 'invalid_parameter', `Swap them: ${s('from')} ${to} ${s('to')} ${from}.`);

  const filters = new Map<Dimension, Filter>();
  const add = (dimension: Dimension, value: FilterValue) => {
    const f = filters.get(dimension) ?? { dimension, values: [] };
    f.values.push(value);
    filters.set(dimension, f);
  };
  const conns = ctx.connections;
  const connectionId = (param: 'connection' | 'filter', text: string, got: string) => {
    if (conns === null) return text;
    const c = conns.find((x) => x.name === text || x.connectionId === text);
    if (c) return c.connectionId;
    const names = conns.map((x) => x.name);
    throw new ReportQueryError(
      'unknown_connection', param,
      `${s(param)} "${got}" names no connection of this store: ${names.length > 0 ? `expected one of ${names.join(', ')}` : 'it has none yet; connect one first'}`,
      ctx.surface === 'cli' ? 'List them with: konduit connections' : undefined,
    );
  };
  const given = allOf(params.filter ?? []);
  const filterList = (v.filter ?? []).map((f, i) => ({ ...f, given: given[i] ?? '' }));
  for (const n of v.connection ?? []) add('connection', connectionId('connection', n, n));
  for (const f of filterList) if (f.dimension === 'connection') add('connection', connectionId('filter', f.text, f.given));
  const selectedIds = (filters.get('connection')?.values as string[] | undefined) ?? null;
  const named: NamedFilter[] = [];
  for (const f of filterList) {
    if (f.dimension === 'connection') continue;
    if (f.dimension === 'cycle' || conns === null) {
      add(f.dimension, f.dimension === 'cycle' ? Number(f.text) : f.text);
      continue;
    }
    // CONNECTION:VALUE: that connection's own value (the key of a report's group).
    const scope = scopeOf(f.text, conns);
    const text = scope ? scope.rest : f.text;
    const value = (v: string | number): FilterValue => (scope ? { connectionId: scope.connectionId, value: v } : v);
    if (DIMENSION_SPECS[f.dimension].numeric && /^\d+$/.test(text)) {
      if (!Number.isSafeInteger(Number(text))) throw invalid('filter', f.given, `a ${f.dimension} id: ids are whole numbers up to ${Number.MAX_SAFE_INTEGER}`);
      add(f.dimension, value(Number(text)));
    }
    else if (f.dimension === 'affiliate' || f.dimension === 'subaffiliate') add(f.dimension, value(text));
    else named.push({ dimension: f.dimension, text, connectionIds: scope ? [scope.connectionId] : selectedIds, given: f.given });
  }
  const selected = selectedIds ?? conns?.map((c) => c.connectionId) ?? [];
  const reported = (conns ?? []).filter((c) => selected.includes(c.connectionId));
  const zones = [...new Set(reported.map((c) => c.timezone))];
  const basis: Basis = v.basis ?? 'event';
  if (basis === 'crm' && zones.length > 1) {
    throw invalid('basis', basis, `event when the connections are in different account time zones (${zones.join(', ')}); select one with ${s('connection')}`);
  }
  if (v.subgroupBy !== undefined && (v.groupBy === undefined || v.subgroupBy === v.groupBy)) {
    throw invalid('subgroupBy', v.subgroupBy, `a field other than ${s('groupBy')}, given with ${s('groupBy')} (e.g. ${s('groupBy')} affiliate ${s('subgroupBy')} subaffiliate)`);
  }
  const bases = [...new Set(reported.map((c) => c.baseCurrency))].sort();
  if (v.currency === undefined && bases.length > 1) {
    const each = reported.map((c) => `${c.name} ${c.baseCurrency}`).join(', ');
    throw new ReportQueryError(
      'ambiguous_currency', 'currency',
      `the connections reported have different base currencies (${each}) and a report is in one currency: choose it with ${s('currency')} (${bases.join(' or ')}), or select connections with ${s('connection')}`,
      help,
    );
  }
  return {
    name,
    q: { from, to, tz, currency: v.currency ?? bases[0] ?? 'USD', filters: [...filters.values()], groupBy: v.groupBy ?? null, basis, accountZone: zones[0] ?? tz, ...(v.margin ? { margin: true } : {}) },
    named,
    surface: ctx.surface,
    by: name === 'declines' || name === 'chargebacks' ? 'day' : ((v.by as Period | undefined) ?? (name === 'cohorts' || name === 'triangle' || name === 'economics' ? 'month' : 'day')),
    view: name === 'declines' ? ((v.by as DeclineView | undefined) ?? 'mid') : name === 'chargebacks' ? ((v.by as ChargebackView | undefined) ?? 'reason') : undefined,
    ...(name === 'economics' ? { source: v.source ?? 'affiliate' } : {}),
    horizons: v.horizons,
    alerts: v.alerts,
    asOf: v.asOf === undefined ? undefined : startOfLocalDay(v.asOf, tz),
    ...(v.subgroupBy !== undefined ? { subgroupBy: v.subgroupBy } : {}),
    ...(v.windows !== undefined ? { windows: v.windows } : {}),
    ...(v.backtest !== undefined ? { backtest: startOfLocalDay(v.backtest, tz) } : {}),
    ...(v.limit !== undefined ? { limit: v.limit } : {}),
  };
}

/** CONNECTION:REST, CONNECTION a connection's name or id (the longest that matches); null otherwise. */
function scopeOf(text: string, conns: readonly ConnectionSummary[]): { connectionId: string; rest: string } | null {
  let best: { connectionId: string; rest: string; len: number } | null = null;
  for (const c of conns) {
    for (const k of [c.name, c.connectionId]) {
      if (text.startsWith(`${k}:`) && text.length > k.length + 1 && (!best || k.length > best.len)) best = { connectionId: c.connectionId, rest: text.slice(k.length + 1), len: k.length };
    }
  }
  return best && { connectionId: best.connectionId, rest: best.rest };
}

/**
 * Resolves the filter values a request gave by name (`named`) into the (connection, id) pairs the
 * store's names give them: a campaign's, product's, MID's (or its descriptor) or coupon's name, ignoring
 * case; a coupon is first looked up by its code. Several matches are all kept (the same name in two
 * accounts); none is a ReportQueryError `unknown_value` listing close names.
 */
export async function resolveNames(store: ReportReader, p: ParsedReport): Promise<ParsedReport> {
  if (!p.named || p.named.length === 0) return p;
  const filters = new Map(p.q.filters?.map((f) => [f.dimension, { dimension: f.dimension, values: [...f.values] }]) ?? []);
  const add = (d: Dimension, values: FilterValue[]) => filters.set(d, { dimension: d, values: [...(filters.get(d)?.values ?? []), ...values] });
  let connectionNames: ReadonlyMap<string, string> | null = null;
  for (const n of p.named) {
    if (n.dimension === 'coupon' && (await couponCodeKnown(store, n.text, n.connectionIds))) {
      add(n.dimension, n.connectionIds?.length === 1 ? [{ connectionId: n.connectionIds[0] as string, value: n.text }] : [n.text]);
      continue;
    }
    const { matches, close } = await valuesNamed(store, n.dimension, n.text, n.connectionIds);
    if (matches.length > 0) {
      add(n.dimension, matches);
      continue;
    }
    connectionNames ??= new Map([...(await namesOf(store, 'connection', null))].map(([k, v]) => [JSON.parse(k)[0] as string, v]));
    const label = DIMENSION_SPECS[n.dimension].label.toLowerCase();
    const where = n.connectionIds === null ? '' : ` of ${n.connectionIds.map((id) => connectionNames?.get(id) ?? id).join(', ')}`;
    const show = (c: NamedValue) => `"${c.name ?? c.id}" (${connectionNames?.get(c.connectionId ?? '') ?? c.connectionId}:${c.id})`;
    throw new ReportQueryError(
      'unknown_value', 'filter',
      `${spell('filter', p.surface ?? 'api')} "${n.given}": no ${label}${where} has that ${DIMENSION_SPECS[n.dimension].numeric ? 'id or name' : n.dimension === 'coupon' ? 'code or name' : 'name'}${close.length > 0 ? `; close: ${close.map(show).join(', ')}` : ''}`,
    );
  }
  return { ...p, q: { ...p.q, filters: [...filters.values()] }, named: [] };
}

/** GET /api/dimensions/:dimension/values's query: connections (names or ids), a search text, a limit. */
export const VALUES_PARAMS = z.strictObject({
  connection: many(z.string()),
  search: single(z.string().max(100)),
  limit: single(z.string().regex(/^\d{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(MAX_VALUES))),
});

/** A checked request for a dimension's values. */
export interface DimensionValuesQuery {
  dimension: Dimension;
  /** The connections listed (null: every one). */
  connectionIds: string[] | null;
  search?: string;
  limit?: number;
}

/** Checks a request for a dimension's values (a filter picker's list); a ReportQueryError (400) otherwise. */
export function parseValuesQuery(dimension: string, params: Readonly<Record<string, string | string[] | undefined>>, connections: readonly ConnectionSummary[]): DimensionValuesQuery {
  const d = parseDimension(dimension);
  if (!d) throw new ReportQueryError('invalid_parameter', 'dimension', `the dimension "${dimension}" is not valid: expected one of ${DIMENSIONS.join(', ')}`);
  const expected: Record<string, string> = { connection: 'a connection name', search: 'at most 100 characters', limit: `a whole number from 1 to ${MAX_VALUES}` };
  const v = checkParams(VALUES_PARAMS, params, 'api', `the ${d} values`, (p) => expected[p] ?? '');
  const ids = (v.connection ?? []).map((n) => {
    const c = connections.find((x) => x.name === n || x.connectionId === n);
    if (!c) throw new ReportQueryError('unknown_connection', 'connection', `connection "${n}" names no connection of this store: expected one of ${connections.map((x) => x.name).join(', ')}`);
    return c.connectionId;
  });
  return { dimension: d, connectionIds: ids.length > 0 ? ids : null, search: v.search, limit: v.limit };
}
