/**
 * The report endpoints' plumbing: query-string parameters -> an analytics query -> JSON. The figures
 * are the analytics module's (the same functions `konduit report` calls); this file only checks inputs
 * and renders money as decimal strings (DESIGN §2), so the dashboard and the CLI cannot disagree.
 */
import { formatCents } from '../core/money.js';
import { addDays, isValidTimeZone, localDate, parseWall } from '../core/time.js';
import {
  cohortReport, cohortTriangle, DEFAULT_HORIZONS, DEFAULT_THRESHOLDS, filterValue, MONEY_FIGURES, midReport, parseDimension, retentionReport, seriesReport, summaryReport,
  type Basis, type ComparedFigures, type Dimension, type Figures, type Filter, type Period, type RangeQuery,
} from '../analytics/index.js';
import type { ConnectionSummary, Store } from '../store/store.js';

/** A bad parameter: the route answers 400 with this message. */
export class BadRequest extends Error {}

export type ReportName = 'summary' | 'series' | 'cohorts' | 'triangle' | 'retention' | 'mids';
export const REPORTS: readonly ReportName[] = ['summary', 'series', 'cohorts', 'triangle', 'retention', 'mids'];

/** Query parameters as Hono gives them: each name to all its values. */
export type Params = Record<string, string[]>;

const one = (p: Params, name: string): string | undefined => p[name]?.[p[name].length - 1];

function date(p: Params, name: string): string | undefined {
  const v = one(p, name);
  if (v === undefined || v === '') return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !parseWall(v)) throw new BadRequest(`${name} must be a date YYYY-MM-DD, got "${v}"`);
  return v;
}

function choice<T extends string>(p: Params, name: string, allowed: readonly T[], fallback: T): T {
  const v = one(p, name);
  if (v === undefined || v === '') return fallback;
  if (!(allowed as readonly string[]).includes(v)) throw new BadRequest(`${name} must be one of ${allowed.join(', ')}, got "${v}"`);
  return v as T;
}

function numbers(p: Params, name: string, scale = 1): number[] | undefined {
  const v = one(p, name);
  if (v === undefined || v === '') return undefined;
  const out = v.split(',').map((s) => {
    const x = Number(s.trim());
    if (s.trim() === '' || !Number.isFinite(x) || x <= 0) throw new BadRequest(`${name}: "${s}" is not a positive number`);
    return x / scale;
  });
  return out;
}

/** Everything a report request asks for, checked. */
export interface ParsedReport {
  q: RangeQuery;
  by: Period;
  horizons?: number[];
  thresholds?: number[];
  asOf?: number;
}

/**
 * Parses a report request. Defaults follow `konduit report`: summary and series cover the 30 days ending
 * `to`; cohorts, retention and MIDs the 12 months ending `to`; `to` defaults to today in `tz`.
 */
export function parseReport(name: ReportName, p: Params, conns: ConnectionSummary[]): ParsedReport {
  const tz = one(p, 'tz') || 'UTC';
  if (!isValidTimeZone(tz)) throw new BadRequest(`tz: unknown time zone "${tz}"`);
  const basis = choice<Basis>(p, 'basis', ['event', 'crm'], 'event');
  if (basis === 'crm' && name !== 'summary' && name !== 'series') throw new BadRequest('basis=crm applies to summary and series only');
  const by = choice<Period>(p, 'by', ['day', 'week', 'month'], name === 'cohorts' || name === 'triangle' ? 'month' : 'day');
  const to = date(p, 'to') ?? localDate(Date.now(), tz);
  const from = date(p, 'from') ?? (name === 'summary' || name === 'series' ? addDays(to, -29) : `${addDays(`${to.slice(0, 7)}-01`, -335).slice(0, 7)}-01`);
  if (from > to) throw new BadRequest(`from ${from} is after to ${to}`);
  const g = one(p, 'groupBy');
  let groupBy: Dimension | null = null;
  if (g) {
    groupBy = parseDimension(g);
    if (!groupBy) throw new BadRequest(`groupBy: unknown field "${g}"`);
  }
  const filters = new Map<Dimension, Filter>();
  const add = (d: Dimension, v: string | number) => {
    const f = filters.get(d) ?? { dimension: d, values: [] };
    f.values.push(v);
    filters.set(d, f);
  };
  const byName = (n: string) => {
    const c = conns.find((x) => x.name === n || x.connectionId === n);
    if (!c) throw new BadRequest(`no connection named "${n}"`);
    return c.connectionId;
  };
  for (const n of p.connection ?? []) if (n) add('connection', byName(n));
  for (const f of p.filter ?? []) {
    const i = f.indexOf(':');
    const d = i > 0 ? parseDimension(f.slice(0, i)) : null;
    if (!d) throw new BadRequest(`filter must be FIELD:VALUE with a known field, got "${f}"`);
    const text = f.slice(i + 1);
    if (d === 'connection') {
      add(d, byName(text));
      continue;
    }
    const v = filterValue(d, text);
    if (v === null) throw new BadRequest(`filter ${f}: the value must be a whole number`);
    add(d, v);
  }
  const selected = filters.get('connection')?.values ?? conns.map((c) => c.connectionId);
  const zones = new Set(conns.filter((c) => selected.includes(c.connectionId)).map((c) => c.timezone));
  if (basis === 'crm' && zones.size > 1) throw new BadRequest('basis=crm needs connections that share one account time zone; filter by one connection');
  const asOfDate = date(p, 'asOf');
  return {
    q: { from, to, tz, filters: [...filters.values()], groupBy, basis, accountZone: [...zones][0] ?? tz },
    by,
    horizons: numbers(p, 'horizons')?.map(Math.round),
    thresholds: numbers(p, 'thresholds', 100),
    asOf: asOfDate ? Date.parse(`${asOfDate}T00:00:00Z`) : undefined,
  };
}

const money = (c: number | null) => (c === null ? null : formatCents(c));
const fraction = (r: number | null) => (r === null ? null : Math.round(r * 1e6) / 1e6);

function figureJson(k: keyof Figures, v: number | null): string | number | null {
  return MONEY_FIGURES.has(k) ? money(v) : typeof v === 'number' && !Number.isInteger(v) ? fraction(v) : v;
}

function figuresJson(f: Figures): Record<string, string | number | null> {
  return Object.fromEntries((Object.keys(f) as (keyof Figures)[]).map((k) => [k, figureJson(k, f[k])]));
}

function comparedJson(f: ComparedFigures): Record<string, { current: unknown; previous: unknown; change: unknown; changeRatio: number | null }> {
  return Object.fromEntries(
    (Object.keys(f) as (keyof Figures)[]).map((k) => [k, { current: figureJson(k, f[k].current), previous: figureJson(k, f[k].previous), change: figureJson(k, f[k].change), changeRatio: fraction(f[k].changeRatio) }]),
  );
}

/** Runs a report and returns its JSON body. */
export async function runReport(store: Store, name: ReportName, r: ParsedReport): Promise<unknown> {
  const { q } = r;
  switch (name) {
    case 'summary': {
      const total = await summaryReport(store, { ...q, groupBy: null });
      const grouped = q.groupBy ? await summaryReport(store, q) : null;
      return {
        from: total.from, to: total.to, previousFrom: total.previousFrom, previousTo: total.previousTo, timeZone: total.zone, basis: total.basis, groupBy: q.groupBy,
        total: total.rows[0] ? comparedJson(total.rows[0].figures) : null,
        groups: grouped ? grouped.rows.map((row) => ({ group: row.group, figures: comparedJson(row.figures) })) : [],
      };
    }
    case 'series': {
      const s = await seriesReport(store, { ...q, by: r.by });
      return { from: s.from, to: s.to, by: s.by, timeZone: s.zone, basis: s.basis, groupBy: s.groupBy, points: s.points.map((pt) => ({ period: pt.period, start: pt.start, group: pt.group, ...figuresJson(pt.figures) })) };
    }
    case 'cohorts': {
      const c = await cohortReport(store, { ...q, by: r.by, horizons: r.horizons ?? [...DEFAULT_HORIZONS], asOf: r.asOf });
      return {
        by: c.by, timeZone: c.zone, groupBy: c.groupBy, horizons: c.horizons, asOf: new Date(c.asOf).toISOString(),
        cohorts: c.cohorts.map((row) => ({
          cohort: row.cohort, start: row.start, group: row.group, customers: row.customers, netToDate: formatCents(row.netToDate),
          ltv: Object.fromEntries(c.horizons.map((h) => [String(h), { value: formatCents(row.ltv[h]?.cents ?? 0), complete: row.ltv[h]?.complete ?? false }])),
        })),
      };
    }
    case 'triangle': {
      const t = await cohortTriangle(store, { ...q, asOf: r.asOf });
      return { timeZone: t.zone, groupBy: t.groupBy, asOf: new Date(t.asOf).toISOString(), rows: t.rows.map((row) => ({ cohort: row.cohort, group: row.group, customers: row.customers, months: row.months.map((m) => ({ value: formatCents(m.cents), complete: m.complete })) })) };
    }
    case 'retention': {
      if (q.groupBy === 'cycle') throw new BadRequest('retention is already by billing cycle; group it by another field');
      const t = await retentionReport(store, q);
      return { from: t.from, to: t.to, timeZone: t.zone, groupBy: t.groupBy, rows: t.rows.map((row) => ({ group: row.group, initialPurchases: row.initialPurchases, cycles: row.cycles.map((c) => ({ ...c, retention: fraction(c.retention), rebillRate: fraction(c.rebillRate) })) })) };
    }
    case 'mids': {
      const m = await midReport(store, { ...q, thresholds: r.thresholds ?? [...DEFAULT_THRESHOLDS] });
      return {
        from: m.from, to: m.to, timeZone: m.zone, groupBy: m.groupBy, thresholds: m.thresholds,
        rows: m.rows.map((x) => ({ mid: x.mid, group: x.group, month: x.month, sales: x.sales, previousMonthSales: x.previousMonthSales, chargebacks: x.chargebacks, chargebackAmount: formatCents(x.chargebackCents), visaRatio: fraction(x.visaRatio), visaHealth: x.visaHealth, mastercardRatio: fraction(x.mastercardRatio), mastercardHealth: x.mastercardHealth })),
      };
    }
  }
}

/**
 * Report answers by query, kept for `ttlMs` and dropped whenever a sync of this server stores records,
 * so revisiting a page costs no query. Syncs run by another process (konduit sync --watch on
 * PostgreSQL) show up once an entry expires. Bounded by count and by the bytes of the answers' JSON
 * (`maxBytes`, the least recently computed dropped first); an answer larger than a quarter of it is
 * returned without being kept.
 */
export class ReportCache {
  private readonly entries = new Map<string, { at: number; body: unknown; bytes: number }>();
  private bytes = 0;
  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 200,
    private readonly maxBytes = 32 * 1024 * 1024,
  ) {}

  /** The cached answer for `key`, or the one `compute` gives (then cached). */
  async get(key: string, compute: () => Promise<unknown>): Promise<unknown> {
    const hit = this.entries.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.body;
    const body = await compute();
    this.drop(key);
    const bytes = Buffer.byteLength(JSON.stringify(body) ?? '');
    if (bytes > this.maxBytes / 4) return body;
    this.entries.set(key, { at: Date.now(), body, bytes });
    this.bytes += bytes;
    // Map order is insertion order: the first key is the least recently computed.
    while (this.entries.size > this.max || this.bytes > this.maxBytes) this.drop(this.entries.keys().next().value as string);
    return body;
  }

  /** Bytes of JSON the cache holds. */
  size(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.bytes;
  }
}
