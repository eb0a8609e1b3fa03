/**
 * Acquisition economics (docs/economics.md): per source of customers (campaign, affiliate,
 * sub-affiliate or UTM source of each customer's first sale) and cohort (the period of that first sale,
 * viewer's zone): new customers, ad spend recorded against the source in the period, CAC = spend / new
 * customers, margin LTV at each horizon (revenue less the costs of the margin ledger, per customer, within
 * H days of each customer's first sale), LTV:CAC, the payback day (the first horizon where margin LTV
 * reaches CAC) and ROAS at 7, 30 and 90 days (net revenue in that time / spend). Sources are ranked by
 * payback, each with the cohorts behind it.
 *
 * A cell is complete when its horizon has passed for every member by the data's as-of. Where it has not,
 * margin LTV is projected from the observed curve (chain ladder): the cohort's last complete value plus,
 * per later horizon, the increment per customer that the source's cohorts complete at it showed (all
 * sources' when none of its own is), marked projected. The forecast models plug in here
 * (`Projection`); until then the observed curve is the projection.
 */
import type { Cents } from '../core/money.js';
import { DAY } from '../core/time.js';
import { UsageError } from '../core/errors.js';
import type { SourceKind } from '../ledger/costs.js';
import type { ReportReader } from '../store/store.js';
import { divRound, divRoundMinor, rate } from './arith.js';
import type { ReportWarning } from './coverage.js';
import { DEFAULT_HORIZONS, MAX_HORIZON_DAYS, MAX_HORIZONS } from './defaults.js';
import { compareGroups, groupId, type Filter, type Group } from './dimensions.js';
import { checkReportRange, instantRange, periodKey, periodStart, type Period } from './range.js';
import { filterSql, Params, plusDaysSql } from './sql.js';
import { reportZone, type RangeQuery } from './summary.js';

/** The ROAS horizons (days). */
export const ROAS_HORIZONS = [7, 30, 90] as const;

export interface EconomicsQuery extends RangeQuery {
  /** Cohort period (default month). */
  by: Period;
  /** Where a customer's source is read (default affiliate). */
  source: SourceKind;
  /** Margin LTV horizons in days (default the cohort report's). */
  horizons?: number[];
  /** "Now" for completeness (epoch ms); default the clock. */
  asOf?: number;
  /** Replaces the observed-curve projection (the forecast models' hook). */
  projection?: Projection;
}

/** Margin LTV at one horizon: per customer, in cents; projected when not observed in full. */
export interface EconomicsCell {
  cents: Cents;
  complete: boolean;
  projected: boolean;
  /** Margin LTV / CAC (null without spend). */
  ltvToCac: number | null;
}

export interface RoasCell {
  /** Net revenue within the horizon / spend (null without spend). */
  value: number | null;
  complete: boolean;
}

/**
 * Where payback stands: reached at an observed horizon, reached only by the projection, not reached
 * (below CAC at every horizon with a value, through `paybackThrough`; or spend brought no customer),
 * unknown (no horizon has a value), or no spend recorded (no CAC to pay back).
 */
export type PaybackStatus = 'reached' | 'projected' | 'not_reached' | 'unknown' | 'no_spend';

export interface Payback {
  /** The first horizon (days) whose margin LTV reaches CAC. */
  day: number;
  projected: boolean;
}

/** A source's figures over a cohort (or over every cohort of the range: `cohort` null). */
export interface EconomicsRow {
  cohort: string | null;
  start: string | null;
  customers: number;
  /** Spend recorded against the source in the period (null: none recorded). */
  spendCents: Cents | null;
  cacCents: Cents | null;
  /** Horizon -> cell; null when the horizon is neither observed nor projectable. */
  ltv: Record<number, EconomicsCell | null>;
  payback: Payback | null;
  paybackStatus: PaybackStatus;
  /** The last horizon with a margin LTV (observed or projected): "not reached" means not by this day. */
  paybackThrough: number | null;
  roas: Record<number, RoasCell>;
  /** Margin and net revenue of these customers so far. */
  marginToDate: Cents;
  revenueToDate: Cents;
}

export interface EconomicsSource {
  /** The source: its connection and value (null value: customers without one, e.g. no affiliate). */
  source: Group;
  total: EconomicsRow;
  cohorts: EconomicsRow[];
}

export interface EconomicsReport {
  by: Period;
  zone: string;
  currency: string;
  sourceKind: SourceKind;
  horizons: number[];
  asOf: number;
  /** Ranked: the soonest payback first (observed before projected), then by LTV:CAC, then sources without spend. */
  sources: EconomicsSource[];
  warnings: ReportWarning[];
}

/**
 * How an incomplete horizon is projected: given the sums of the cohorts complete at horizon index i
 * (their margin increment from horizon i-1 to i, and their customers), the increment expected of
 * `customers` customers, in hundredths. The default is the observed curve's (chain ladder); a forecast
 * model may replace it.
 */
export type Projection = (pool: { increment: number; customers: number } | null, i: number, customers: number) => number | null;

/** The observed curve: the pooled increment per customer times the customers, rounded once (halves away from zero); none without a pool. */
export const observedCurve: Projection = (pool, _i, customers) => (pool && pool.customers > 0 ? divRound(pool.increment * customers, pool.customers) : null);

/** The customer column of each source kind (facts `f`, the first order `o`). */
const SOURCE_COLUMN: Record<SourceKind, string> = {
  campaign: 'CAST(f.first_campaign_id AS TEXT)',
  affiliate: 'f.first_aff_id',
  subaffiliate: 'f.first_source_value1',
  utm: 'o.utm_source',
};

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function horizonsOf(q: EconomicsQuery): number[] {
  const horizons = [...new Set(q.horizons ?? DEFAULT_HORIZONS)].sort((a, b) => a - b);
  for (const h of horizons) if (!Number.isSafeInteger(h) || h <= 0) throw new RangeError(`a horizon is a positive whole number of days, got ${h}`);
  if (horizons.length > MAX_HORIZONS) throw new UsageError(`${horizons.length} horizons given; a report answers at most ${MAX_HORIZONS}`);
  if ((horizons[horizons.length - 1] ?? 0) > MAX_HORIZON_DAYS) throw new UsageError(`a horizon is at most ${MAX_HORIZON_DAYS} days`);
  return horizons;
}

/** The connections a query's filters select (economics takes no other filter). */
function connectionFilter(filters: readonly Filter[] | undefined): Filter[] {
  const other = (filters ?? []).find((f) => f.dimension !== 'connection');
  if (other) throw new UsageError(`the economics report takes no ${other.dimension} filter: spend is recorded per source, not per ${other.dimension}`);
  return [...(filters ?? [])];
}

/** One (cohort, source) as read: customers, margin and revenue sums, the latest first sale. */
interface Cohort {
  start: string;
  key: string;
  source: Group;
  customers: number;
  lastFirstMs: number;
  /** Margin sums at each horizon, net revenue sums at each ROAS horizon, to date. */
  margin: number[];
  revenue: number[];
  marginToDate: number;
  revenueToDate: number;
  spend: number | null;
}

/** Acquisition economics per source and cohort (the module's comment defines every figure). */
export async function economicsReport(store: ReportReader, q: EconomicsQuery): Promise<EconomicsReport> {
  checkReportRange(q, q.by);
  const filters = connectionFilter(q.filters);
  const zone = reportZone({ ...q, basis: 'event' });
  const horizons = horizonsOf(q);
  const asOf = q.asOf ?? Date.now();
  const r = instantRange(q.from, q.to, zone);
  const src = SOURCE_COLUMN[q.source];
  const base = (p: Params) => {
    const bucket = store.sql.periodStartInRange(p.add, 'f.first_sale_at', zone, q.by, r.startMs, r.endMs);
    // A customer acquired before the data's coverage is in no cohort (docs/metrics.md, "Coverage").
    const where = `f.first_sale_at >= ${store.sql.instantParam(p.add, r.startMs)} AND f.first_sale_at < ${store.sql.instantParam(p.add, r.endMs)} AND f.currency = ${p.add(q.currency)} AND NOT f.acquired_before${filterSql(filters, () => 'f.connection_id', p)}`;
    const from = `customer_facts f${q.source === 'utm' ? ' LEFT JOIN orders o ON o.connection_id = f.connection_id AND o.order_id = f.first_order_id' : ''}`;
    return { bucket, where, from };
  };
  const cohorts = new Map<string, Cohort>();
  const keyOf = (start: string, conn: unknown, value: unknown) => `${start}|${groupId({ connectionId: text(conn), value: text(value) })}`;
  const cohortOf = (start: string, conn: unknown, value: unknown): Cohort => {
    const key = keyOf(start, conn, value);
    let c = cohorts.get(key);
    if (!c) {
      const source = { connectionId: text(conn), value: text(value) };
      cohorts.set(key, (c = { start, key: groupId(source), source, customers: 0, lastFirstMs: -Infinity, margin: horizons.map(() => 0), revenue: ROAS_HORIZONS.map(() => 0), marginToDate: 0, revenueToDate: 0, spend: null }));
    }
    return c;
  };
  {
    const p = new Params();
    const b = base(p);
    const rows = await store.query(
      `SELECT ${b.bucket} AS bucket, f.connection_id AS conn, ${src} AS src, COUNT(*) AS customers, ${store.sql.epochMs('MAX(f.first_sale_at)')} AS last_first
       FROM ${b.from} WHERE ${b.where} GROUP BY 1, 2, 3`,
      p.values,
    );
    for (const row of rows) {
      const c = cohortOf(String(row.bucket), row.conn, row.src);
      c.customers = num(row.customers);
      c.lastFirstMs = num(row.last_first);
    }
  }
  {
    // Money events (c = 0) and the costs the margin ledger books with them (c = 1), in the customer's currency.
    const p = new Params();
    const b = base(p);
    const within = (h: number) => `e.instant < ${plusDaysSql('f.first_sale_at', h)}`;
    const sums = [
      ...horizons.map((h, i) => `SUM(CASE WHEN ${within(h)} THEN e.amount_cents ELSE 0 END) AS m${i}`),
      ...ROAS_HORIZONS.map((h, i) => `SUM(CASE WHEN e.c = 0 AND ${within(h)} THEN e.amount_cents ELSE 0 END) AS r${i}`),
      'SUM(e.amount_cents) AS m_all',
      'SUM(CASE WHEN e.c = 0 THEN e.amount_cents ELSE 0 END) AS r_all',
    ];
    const rows = await store.query(
      `SELECT ${b.bucket} AS bucket, f.connection_id AS conn, ${src} AS src, ${sums.join(', ')}
       FROM ${b.from}
       JOIN (SELECT connection_id, customer_id, currency, instant, amount_cents, 0 AS c FROM money_events WHERE kind <> 'decline'
             UNION ALL SELECT connection_id, customer_id, currency, instant, amount_cents, 1 AS c FROM cost_events) e
         ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency
       WHERE ${b.where} GROUP BY 1, 2, 3`,
      p.values,
    );
    for (const row of rows) {
      const c = cohortOf(String(row.bucket), row.conn, row.src);
      horizons.forEach((_, i) => (c.margin[i] = num(row[`m${i}`])));
      ROAS_HORIZONS.forEach((_, i) => (c.revenue[i] = num(row[`r${i}`])));
      c.marginToDate = num(row.m_all);
      c.revenueToDate = num(row.r_all);
    }
  }
  let spendRows = 0;
  {
    const p = new Params();
    const rows = await store.query(
      `SELECT s.connection_id AS conn, s.day AS day, s.source AS src, SUM(s.spend_cents) AS spend FROM ad_spend s
       WHERE s.source_kind = ${p.add(q.source)} AND s.currency = ${p.add(q.currency)} AND s.day >= ${p.add(q.from)} AND s.day <= ${p.add(q.to)}${filterSql(filters, () => 's.connection_id', p)}
       GROUP BY 1, 2, 3`,
      p.values,
    );
    spendRows = rows.length;
    for (const row of rows) {
      const c = cohortOf(periodStart(String(row.day), q.by), row.conn, row.src);
      c.spend = (c.spend ?? 0) + num(row.spend);
    }
  }
  const complete = (c: Cohort, h: number) => c.customers > 0 && c.lastFirstMs + h * DAY <= asOf;
  // The observed curve's increments per horizon, pooled per source and over every source.
  const pools = new Map<string, { increment: number; customers: number }[]>();
  const all = horizons.map(() => ({ increment: 0, customers: 0 }));
  for (const c of cohorts.values()) {
    let mine = pools.get(c.key);
    if (!mine) pools.set(c.key, (mine = horizons.map(() => ({ increment: 0, customers: 0 }))));
    horizons.forEach((h, i) => {
      if (!complete(c, h)) return;
      const inc = (c.margin[i] ?? 0) - (i > 0 ? (c.margin[i - 1] ?? 0) : 0);
      for (const pool of [mine as { increment: number; customers: number }[], all]) {
        const x = pool[i] as { increment: number; customers: number };
        x.increment += inc;
        x.customers += c.customers;
      }
    });
  }
  const project = q.projection ?? observedCurve;
  /** Margin sums per horizon (observed when complete, else projected), with flags; null where neither. */
  const curveOf = (c: Cohort): ({ sum: number; complete: boolean; projected: boolean } | null)[] => {
    const out: ({ sum: number; complete: boolean; projected: boolean } | null)[] = [];
    let prev: { sum: number; projected: boolean } | null = { sum: 0, projected: false };
    horizons.forEach((h, i) => {
      if (complete(c, h)) {
        const cell = { sum: c.margin[i] ?? 0, complete: true, projected: false };
        out.push(cell);
        prev = cell;
        return;
      }
      const own = pools.get(c.key)?.[i];
      const increment = c.customers === 0 ? null : project(own && own.customers > 0 ? own : (all[i] ?? null), i, c.customers);
      if (prev === null || increment === null) {
        out.push(null);
        prev = null;
        return;
      }
      const cell = { sum: prev.sum + increment, complete: false, projected: true };
      out.push(cell);
      prev = cell;
    });
    return out;
  };
  const rowOf = (parts: Cohort[], cohort: string | null, start: string | null): EconomicsRow => {
    const customers = parts.reduce((s, c) => s + c.customers, 0);
    const spends = parts.map((c) => c.spend).filter((x): x is number => x !== null);
    const spend = spends.length > 0 ? spends.reduce((a, b) => a + b, 0) : null;
    const curves = parts.map(curveOf);
    const ltv: Record<number, EconomicsCell | null> = {};
    let payback: Payback | null = null;
    horizons.forEach((h, i) => {
      const cells = curves.map((cv) => cv[i] ?? null);
      if (customers === 0 || cells.some((x, k) => x === null && (parts[k]?.customers ?? 0) > 0)) {
        ltv[h] = null;
        return;
      }
      const sum = cells.reduce((s, x) => s + (x?.sum ?? 0), 0);
      const projected = cells.some((x) => x?.projected === true);
      ltv[h] = {
        cents: divRoundMinor(sum, customers, q.currency) ?? 0,
        complete: cells.every((x, k) => x?.complete === true || (parts[k]?.customers ?? 0) === 0),
        projected,
        ltvToCac: spend === null ? null : rate(sum, spend),
      };
      if (payback === null && spend !== null && sum >= spend) payback = { day: h, projected };
    });
    const roas: Record<number, RoasCell> = {};
    ROAS_HORIZONS.forEach((h, i) => {
      const revenue = parts.reduce((s, c) => s + (c.revenue[i] ?? 0), 0);
      roas[h] = { value: spend === null ? null : rate(revenue, spend), complete: parts.every((c) => c.customers === 0 || complete(c, h)) };
    });
    const found = payback as Payback | null;
    const known = horizons.filter((h) => ltv[h] !== null);
    const paybackThrough = known.length > 0 ? (known[known.length - 1] as number) : null;
    const paybackStatus: PaybackStatus =
      spend === null ? 'no_spend' : found ? (found.projected ? 'projected' : 'reached') : customers === 0 || paybackThrough !== null ? 'not_reached' : 'unknown';
    return {
      cohort, start, customers, spendCents: spend, cacCents: spend === null ? null : divRoundMinor(spend, customers, q.currency), ltv, payback, paybackStatus, paybackThrough, roas,
      marginToDate: parts.reduce((s, c) => s + c.marginToDate, 0), revenueToDate: parts.reduce((s, c) => s + c.revenueToDate, 0),
    };
  };
  const bySource = new Map<string, Cohort[]>();
  for (const c of cohorts.values()) bySource.set(c.key, [...(bySource.get(c.key) ?? []), c]);
  const sources: EconomicsSource[] = [...bySource.values()].map((parts) => {
    parts.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    return {
      source: (parts[0] as Cohort).source,
      total: rowOf(parts, null, null),
      cohorts: parts.map((c) => rowOf([c], periodKey(c.start, q.by), c.start)),
    };
  });
  sources.sort(rankSources(horizons));
  const warnings: ReportWarning[] = [];
  if (spendRows === 0) warnings.push({ code: 'spend_missing', message: `no ad spend is recorded against any ${q.source} in ${q.currency} from ${q.from} to ${q.to}: CAC, payback and ROAS need it (konduit costs import, or the Costs page)` });
  return { by: q.by, zone, currency: q.currency, sourceKind: q.source, horizons, asOf, sources, warnings };
}

/** The last horizon with a value, and its LTV:CAC. */
function lastRatio(s: EconomicsSource, horizons: number[]): number | null {
  for (let i = horizons.length - 1; i >= 0; i--) {
    const cell = s.total.ltv[horizons[i] as number];
    if (cell) return cell.ltvToCac;
  }
  return null;
}

/** Sources with a payback first (soonest, observed before projected), then by LTV:CAC, then those without spend; ties by source. */
function rankSources(horizons: number[]): (a: EconomicsSource, b: EconomicsSource) => number {
  const tier = (s: EconomicsSource) => (s.total.payback ? 0 : s.total.spendCents !== null ? 1 : 2);
  return (a, b) => {
    const ta = tier(a);
    const tb = tier(b);
    if (ta !== tb) return ta - tb;
    const pa = a.total.payback;
    const pb = b.total.payback;
    if (pa && pb && (pa.day !== pb.day || pa.projected !== pb.projected)) return pa.day - pb.day || (pa.projected ? 1 : -1);
    const ra = lastRatio(a, horizons) ?? -Infinity;
    const rb = lastRatio(b, horizons) ?? -Infinity;
    if (ra !== rb) return rb - ra;
    if (ta === 2 && a.total.marginToDate !== b.total.marginToDate) return b.total.marginToDate - a.total.marginToDate;
    return compareGroups(a.source, b.source);
  };
}

