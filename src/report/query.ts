/**
 * A report request, checked once for `konduit report` and GET /api/reports/:name alike: one zod schema
 * per report names the parameters it takes and checks each value; then the defaults are filled in and
 * what needs the store's connections is resolved. A problem is an issue with a stable code (the API's
 * `error.code`) rendered into one message whose only difference between the two surfaces is how a
 * parameter is spelled (`groupBy` or `--group-by`).
 */
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { addDays, isValidTimeZone, localDate, parseWall, startOfLocalDay } from '../core/time.js';
import { DIMENSIONS, filterValue, parseDimension, type Dimension, type Filter } from '../analytics/dimensions.js';
import type { Basis, Period, RangeQuery } from '../analytics/index.js';
import { MAX_HORIZON_DAYS, MAX_HORIZONS } from '../analytics/defaults.js';
import type { ConnectionSummary } from '../store/store.js';

export const REPORT_NAMES = ['summary', 'series', 'cohorts', 'triangle', 'retention', 'mids'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

/** The codes a report request can be refused with. */
export type ReportIssueCode = 'invalid_parameter' | 'unknown_parameter' | 'unknown_connection';

/** Who asked: the parameters' spelling in messages (`asOf` or `--as-of`). */
export type Surface = 'api' | 'cli';

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
/** FIELD:VALUE (FIELD=VALUE is accepted too, the CLI's former spelling): the first ':' or '=' splits. */
const filter = z.string().transform((s, ctx) => {
  const i = s.search(/[:=]/);
  const d = i > 0 ? parseDimension(s.slice(0, i)) : null;
  const text = s.slice(i + 1);
  const value = d === null ? null : d === 'connection' ? text : filterValue(d, text);
  if (d === null || value === null || text === '') {
    ctx.addIssue({ code: 'custom', message: 'filter' });
    return z.NEVER;
  }
  return { dimension: d, value };
});
const horizons = z.string().transform(list).pipe(z.array(z.string().regex(/^\d{1,5}$/).transform(Number).pipe(z.number().int().positive().max(MAX_HORIZON_DAYS))).min(1).max(MAX_HORIZONS));
// A percentage becomes a fraction by moving the decimal point ("0.9" -> 0.009), never by a float division
// that would print as 0.009000000000000001.
const thresholds = z.string().transform(list).pipe(z.array(z.string().regex(/^\d{1,3}(\.\d+)?$/).transform((s) => Number(`${s}e-2`))).length(3))
  .refine((t) => t.every((x, i) => i === 0 || x >= (t[i - 1] ?? 0)));

const COMMON = {
  from: single(date),
  to: single(date),
  tz: single(z.string().refine(isValidTimeZone)),
  groupBy: single(dimension(DIMENSIONS)),
  filter: many(filter),
  connection: many(z.string()),
};
const basis = single(z.enum(['event', 'crm']));
const by = single(z.enum(['day', 'week', 'month']));
const asOf = single(date);

/** The parameters each report takes, checked (GET /api/reports/:name's query; the CLI's flags). */
export const REPORT_PARAMS = {
  summary: z.strictObject({ ...COMMON, basis }),
  series: z.strictObject({ ...COMMON, basis, by }),
  cohorts: z.strictObject({ ...COMMON, by, horizons: single(horizons), asOf }),
  triangle: z.strictObject({ ...COMMON, asOf }),
  // Retention is already by billing cycle.
  retention: z.strictObject({ ...COMMON, groupBy: single(dimension(DIMENSIONS.filter((d) => d !== 'cycle'))) }),
  mids: z.strictObject({ ...COMMON, thresholds: single(thresholds) }),
} satisfies Record<ReportName, z.ZodType>;

/** The query parameters of a report as a client sends them. */
export type ReportParams<N extends ReportName> = z.input<(typeof REPORT_PARAMS)[N]>;
type ParamName = keyof typeof COMMON | 'basis' | 'by' | 'horizons' | 'thresholds' | 'asOf';

/** The checked values of any report's parameters. */
interface Checked {
  from?: string;
  to?: string;
  tz?: string;
  groupBy?: Dimension;
  filter?: { dimension: Dimension; value: string | number }[];
  connection?: string[];
  basis?: Basis;
  by?: Period;
  horizons?: number[];
  thresholds?: number[];
  asOf?: string;
}

const DATE = 'a date YYYY-MM-DD, e.g. 2026-01-31';
/** What each parameter must be; `{name}` is a parameter, spelled for the surface. */
const EXPECTED: Record<ParamName, (report: ReportName) => string> = {
  from: () => DATE,
  to: () => DATE,
  asOf: () => DATE,
  tz: () => 'an IANA time zone name such as America/New_York or Europe/Berlin',
  basis: () => 'event or crm',
  by: () => 'day, week or month',
  groupBy: (r) => (r === 'retention' ? `one of ${DIMENSIONS.filter((d) => d !== 'cycle').join(', ')} (retention is already by billing cycle)` : `one of ${DIMENSIONS.join(', ')}`),
  filter: () => `FIELD:VALUE with FIELD one of ${DIMENSIONS.join(', ')} (campaign, product, mid and cycle take whole numbers), e.g. campaign:3`,
  connection: () => 'a connection name',
  horizons: () => `positive whole numbers of days up to ${MAX_HORIZON_DAYS}, at most ${MAX_HORIZONS} of them, comma-separated, e.g. 7,30,90`,
  thresholds: () => 'three percentages, ascending, comma-separated, e.g. 0.9,1.0,1.5',
};

/** A refused report request: `code` and `param` for programs, the message for people. */
export class ReportQueryError extends UsageError {
  constructor(
    readonly code: ReportIssueCode,
    readonly param: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

function spell(param: string, surface: Surface): string {
  return surface === 'api' ? param : `--${param.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function reportLabel(name: ReportName, surface: Surface): string {
  if (surface === 'api') return `the ${name} report`;
  return `konduit report ${name === 'triangle' ? 'cohorts --triangle' : name}`;
}

/** Everything a report request asks for, checked, with its defaults. */
export interface ParsedReport {
  name: ReportName;
  q: RangeQuery;
  by: Period;
  horizons?: number[];
  /** Fractions, ascending. */
  thresholds?: number[];
  /** Completeness is judged at this instant (epoch ms) instead of now. */
  asOf?: number;
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
 * Checks a report request and fills its defaults: summary and series cover the 30 days ending `to`;
 * cohorts, triangle, retention and MIDs the 12 months ending `to`; `to` defaults to today in `tz`.
 * Throws ReportQueryError (a usage error, exit code 2 in the CLI, 400 in the API).
 */
export function parseReportQuery(name: ReportName, params: Readonly<Record<string, string | string[] | undefined>>, ctx: ReportContext): ParsedReport {
  const s = (p: string) => spell(p, ctx.surface);
  const invalid = (param: ParamName, got: string, expected: string, code: ReportIssueCode = 'invalid_parameter') =>
    new ReportQueryError(code, param, `${s(param)} "${got}" is not valid: expected ${expected}`);
  const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  const parsed = REPORT_PARAMS[name].safeParse(defined);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue?.code === 'unrecognized_keys') {
      const param = issue.keys[0] ?? '';
      const takes = Object.keys(REPORT_PARAMS[name].shape).map(s).join(', ');
      throw new ReportQueryError('unknown_parameter', param, `${s(param)} does not apply to ${reportLabel(name, ctx.surface)}: expected one of ${takes}`);
    }
    const param = String(issue?.path[0]) as ParamName;
    const raw = defined[param] ?? '';
    // A repeatable parameter's issue names the value at fault; a single one's (a list) is the whole value.
    const at = param === 'filter' || param === 'connection' ? issue?.path[1] : undefined;
    const got = typeof at === 'number' ? allOf(raw)[at] : lastOf(raw);
    throw invalid(param, got ?? '', EXPECTED[param](name));
  }
  const v: Checked = parsed.data;
  const tz = v.tz ?? ctx.defaultTz;
  const to = v.to ?? localDate(ctx.now ?? Date.now(), tz);
  const from = v.from ?? (name === 'summary' || name === 'series' ? addDays(to, -29) : monthsBefore(to));
  if (from > to) throw invalid('from', from, `a date on or before ${s('to')} (${to})`);

  const filters = new Map<Dimension, Filter>();
  const add = (dimension: Dimension, value: string | number) => {
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
    );
  };
  for (const n of v.connection ?? []) add('connection', connectionId('connection', n, n));
  for (const [i, f] of (v.filter ?? []).entries()) {
    add(f.dimension, f.dimension === 'connection' ? connectionId('filter', String(f.value), allOf(params.filter ?? [])[i] ?? '') : f.value);
  }
  const selected = filters.get('connection')?.values ?? conns?.map((c) => c.connectionId) ?? [];
  const zones = [...new Set((conns ?? []).filter((c) => selected.includes(c.connectionId)).map((c) => c.timezone))];
  const basis: Basis = v.basis ?? 'event';
  if (basis === 'crm' && zones.length > 1) {
    throw invalid('basis', basis, `event when the connections are in different account time zones (${zones.join(', ')}); select one with ${s('connection')}`);
  }
  return {
    name,
    q: { from, to, tz, filters: [...filters.values()], groupBy: v.groupBy ?? null, basis, accountZone: zones[0] ?? tz },
    by: v.by ?? (name === 'cohorts' || name === 'triangle' ? 'month' : 'day'),
    horizons: v.horizons,
    thresholds: v.thresholds,
    asOf: v.asOf === undefined ? undefined : startOfLocalDay(v.asOf, tz),
  };
}
