/**
 * Cohort LTV (docs/metrics.md): customers grouped by the period of their first sale in the viewer's zone;
 * cumulative net revenue per customer at horizons in days after each customer's own first sale; and the
 * same as a triangle by calendar months since acquisition. Cohort membership and breakdowns use the
 * customer's facts (first-touch attribution), so a customer is in exactly one cohort and one group.
 */
import type { Cents } from '../core/money.js';
import { UsageError } from '../core/errors.js';
import { DAY, FIRST_YEAR, LAST_YEAR, localDate, startOfLocalDay } from '../core/time.js';
import { coreEnd, coreStart, isKeyBound } from '../store/cohort-months.js';
import { breakdownValueSql } from '../store/breakdown-days.js';
import { GROUP_DIMENSIONS } from '../store/cohort-groups.js';
import type { ReportReader } from '../store/store.js';
import { divRoundMinor } from './arith.js';
import { compareGroups, groupFromId, groupId, groupOf, type Dimension, type Group } from './dimensions.js';
import { checkReportRange, instantRange, nextPeriodStart, periodKey, periodStart, type Period } from './range.js';
import { factCol, filterSql, firstSaleJoin, groupSelect, inListSql, Params, plusDaysSql } from './sql.js';
import { allConnectionIds } from './attempt-source.js';
import { DEFAULT_HORIZONS, MAX_HORIZON_DAYS, MAX_HORIZONS } from './defaults.js';
import { reportZone, type RangeQuery } from './summary.js';

/** One cell: net LTV per customer in cents; complete only when the horizon has passed for every member. */
export interface LtvCell {
  cents: Cents;
  complete: boolean;
}

export interface CohortRow {
  /** YYYY-MM-DD, YYYY-Www or YYYY-MM. */
  cohort: string;
  /** First local date of the cohort period. */
  start: string;
  group: Group | null;
  customers: number;
  /** Net revenue of the cohort up to now (all events so far), in cents. */
  netToDate: Cents;
  /** Horizon in days -> cell. */
  ltv: Record<number, LtvCell>;
}

export interface CohortReport {
  by: Period;
  zone: string;
  currency: string;
  groupBy: Dimension | null;
  horizons: number[];
  /** The instant completeness was judged at (epoch ms). */
  asOf: number;
  cohorts: CohortRow[];
  /** LTV and net to date on the margin basis: revenue less the costs of the margin ledger. */
  margin: boolean;
}

/** A cohort report's scope: cohorts whose first sales fall in [from, to]. */
export interface CohortQuery extends RangeQuery {
  by: Period;
  horizons?: number[];
  /** "Now" for completeness (epoch ms); default the clock. */
  asOf?: number;
  /** Read only the events before this instant (epoch ms), as if the data ended there (a forecast's backtest); the ledger answers. */
  until?: number;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Customer-side FROM/WHERE shared by the cohort queries: facts in range and in the report's currency (a
 * customer's is their first sale's), filtered, with breakdown (`group`: the grp_conn and grp columns).
 */
function cohortBase(store: ReportReader, q: CohortQuery, zone: string, p: Params, windows?: Windows): { from: string; where: string; bucket: string; group: string } {
  const r = instantRange(q.from, q.to, zone);
  const filters = q.filters ?? [];
  const needsFirst = q.groupBy === 'cycle' || filters.some((f) => f.dimension === 'cycle');
  const f = factCol('f', 'fs');
  const bucket = store.sql.periodStartInRange(p.add, 'f.first_sale_at', zone, q.by, r.startMs, r.endMs);
  // A customer acquired before the data's coverage joins no cohort (docs/metrics.md, "Coverage").
  // `windows`: only the first sales in these parts of the range (cohortReportFromGroups' edges).
  // A window's first sales by connection too: PostgreSQL reads them through (connection_id, first_sale_at) only so.
  const conns = windows ? `${inListSql('f.connection_id', windows.connections, p)} AND ` : '';
  const parts = (windows?.ranges ?? [[r.startMs, r.endMs]]).map(([lo, hi]) => `${conns}f.first_sale_at >= ${store.sql.instantParam(p.add, lo)} AND f.first_sale_at < ${store.sql.instantParam(p.add, hi)}`);
  const when = parts.length === 1 ? parts[0] : `(${parts.map((x) => `(${x})`).join(' OR ')})`;
  const where = `${when} AND f.currency = ${p.add(q.currency)} AND NOT f.acquired_before${filterSql(filters, f, p)}`;
  return { from: `customer_facts f ${needsFirst ? firstSaleJoin('f', 'fs') : ''}`, where, bucket, group: groupSelect(q.groupBy ?? null, f) };
}

/** A cohort's customers' money events: those in their own currency (docs/metrics.md, "Currency"). */
const COHORT_EVENTS = `JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND e.kind <> 'decline'`;

/**
 * The same on the margin basis (docs/economics.md): the money events and, signed the same way, the costs
 * the margin ledger books with them, so a sum of amounts is margin.
 */
const COHORT_MARGIN_EVENTS = `JOIN (SELECT connection_id, customer_id, currency, instant, amount_cents FROM money_events WHERE kind <> 'decline'
    UNION ALL SELECT connection_id, customer_id, currency, instant, amount_cents FROM cost_events) e
  ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency`;

const cohortEvents = (q: Pick<CohortQuery, 'margin'>) => (q.margin ? COHORT_MARGIN_EVENTS : COHORT_EVENTS);

/** The key of a cohort row read with cohortBase's columns: bucket and group. */
function cohortKey(q: Pick<CohortQuery, 'groupBy'>, r: Record<string, unknown>): string {
  return `${String(r.bucket)}|${q.groupBy ? groupId(groupOf(q.groupBy, r.grp_conn, r.grp)) : ''}`;
}

/** Cohort keys in order: by period, then group. */
function byCohort(a: { start: string; group: Group | null }, b: { start: string; group: Group | null }): number {
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.group && b.group ? compareGroups(a.group, b.group) : 0;
}

interface CohortSize {
  start: string;
  group: Group | null;
  customers: number;
  lastFirstMs: number;
}

/** Cohort sizes and the latest first sale of each cohort (for completeness). */
/** Parts of a range (cohortReportFromGroups' edges) and every connection of the store. */
interface Windows {
  ranges: readonly (readonly [number, number])[];
  connections: readonly string[];
}

async function cohortSizes(store: ReportReader, q: CohortQuery, zone: string, windows?: Windows): Promise<Map<string, CohortSize>> {
  const p = new Params();
  const b = cohortBase(store, q, zone, p, windows);
  const rows = await store.query(
    `SELECT ${b.bucket} AS bucket, ${b.group}, COUNT(*) AS customers, ${store.sql.epochMs('MAX(f.first_sale_at)')} AS last_first
     FROM ${b.from} WHERE ${b.where} GROUP BY 1, 2, 3`,
    p.values,
  );
  const out = new Map<string, CohortSize>();
  for (const r of rows) {
    const key = cohortKey(q, r);
    out.set(key, { start: String(r.bucket), group: q.groupBy ? groupFromId(key.slice(key.indexOf('|') + 1)) : null, customers: n(r.customers), lastFirstMs: n(r.last_first) });
  }
  return new Map([...out.entries()].sort(([, a], [, b]) => byCohort(a, b)));
}

/** True when the cohort pre-aggregate answers a query: no breakdown but the connection. */
export function cohortAggregateAnswers(q: Pick<CohortQuery, 'groupBy' | 'filters'>): boolean {
  return !q.groupBy && (q.filters ?? []).every((f) => f.dimension === 'connection');
}

/** An as-of instant in the supported years (a triangle row has a cell per month up to it). */
function checkAsOf(asOf: number | undefined): void {
  if (asOf === undefined) return;
  const year = Number.isFinite(asOf) ? new Date(asOf).getUTCFullYear() : NaN;
  if (!(year >= FIRST_YEAR && year <= LAST_YEAR)) throw new UsageError(`as-of must be a date from ${FIRST_YEAR}-01-01 to ${LAST_YEAR}-12-31`);
}

function horizonsOf(q: CohortQuery): number[] {
  const horizons = [...new Set(q.horizons ?? DEFAULT_HORIZONS)].sort((a, b) => a - b);
  for (const h of horizons) if (!Number.isSafeInteger(h) || h <= 0) throw new RangeError(`a horizon is a positive whole number of days, got ${h}`);
  if (horizons.length > MAX_HORIZONS) throw new UsageError(`${horizons.length} horizons given; a cohort report answers at most ${MAX_HORIZONS}`);
  const longest = horizons[horizons.length - 1] ?? 0;
  if (longest > MAX_HORIZON_DAYS) throw new UsageError(`a horizon of ${longest} days is longer than ${MAX_HORIZON_DAYS} days (100 years)`);
  return horizons;
}

/**
 * Cohort LTV at horizons (days), per cohort period and group: from the store's cohort pre-aggregate
 * (cohort_slots, cohort_ages) when the query has no breakdown but the connection, from the per-dimension
 * ones (cohort_group_sizes, cohort_group_ages) for monthly cohorts with one customer breakdown
 * (cohortGroupsDimension), when no backfill has left them behind (aggregatesBehind); else from the ledger
 * and the facts. `source` forces one ('aggregate'
 * throws when it cannot answer).
 */
export async function cohortReport(store: ReportReader, q: CohortQuery, o: { source?: 'ledger' | 'aggregate' | 'groups' } = {}): Promise<CohortReport> {
  checkReportRange(q, q.by);
  checkAsOf(q.asOf);
  horizonsOf(q);
  // The aggregates keep net revenue only: the margin basis reads the ledger and the margin ledger.
  const kept = q.until === undefined && !q.margin && (cohortAggregateAnswers(q) || cohortGroupsDimension(q) !== null);
  const source = o.source ?? (kept && !(await store.aggregatesBehind()) ? (cohortAggregateAnswers(q) ? 'aggregate' : 'groups') : 'ledger');
  if (source === 'aggregate') return cohortReportFromAggregate(store, q);
  return source === 'groups' ? cohortReportFromGroups(store, q) : cohortReportFromLedger(store, q);
}

/** Cohort LTV over the ledger and the facts (every breakdown). */
export async function cohortReportFromLedger(store: ReportReader, q: CohortQuery): Promise<CohortReport> {
  const zone = reportZone({ ...q, basis: 'event' });
  const horizons = horizonsOf(q);
  const asOf = q.asOf ?? Date.now();
  const cells = await ledgerCells(store, q, zone, horizons);
  return cohortReportOf(q, zone, horizons, asOf, cells);
}

/** A cohort's sums before they are divided: its customers, latest first sale, net before each horizon and to date. */
interface CohortCell {
  start: string;
  group: Group | null;
  customers: number;
  lastFirstMs: number;
  h: number[];
  total: number;
}

/** Cohort cells: each cohort's size with its sums (`h0`.. per horizon and `total`, rows keyed by cohortKey; none: 0). */
function cellsOf(q: CohortQuery, horizons: number[], sizes: Map<string, CohortSize>, rows: Record<string, unknown>[]): Map<string, CohortCell> {
  const sumsByKey = new Map(rows.map((r) => [cohortKey(q, r), r]));
  return new Map(
    [...sizes.entries()].map(([key, s]) => {
      const r = sumsByKey.get(key);
      return [key, { start: s.start, group: s.group, customers: s.customers, lastFirstMs: s.lastFirstMs, h: horizons.map((_, i) => n(r?.[`h${i}`])), total: n(r?.total) }];
    }),
  );
}

/** The cells of the first sales in `windows` (default the whole range) from the ledger and the facts, by cohortKey. */
async function ledgerCells(store: ReportReader, q: CohortQuery, zone: string, horizons: number[], windows?: Windows): Promise<Map<string, CohortCell>> {
  const sizes = await cohortSizes(store, q, zone, windows);
  const p = new Params();
  const b = cohortBase(store, q, zone, p, windows);
  const sums = horizons.map((h, i) => `SUM(CASE WHEN e.instant < ${plusDaysSql('f.first_sale_at', h)} THEN e.amount_cents ELSE 0 END) AS h${i}`);
  const rows = await store.query(
    `SELECT ${b.bucket} AS bucket, ${b.group}, ${sums.join(', ')}, SUM(e.amount_cents) AS total
     FROM ${b.from} ${cohortEvents(q)}
     WHERE ${b.where}${q.until === undefined ? '' : ` AND e.instant < ${store.sql.instantParam(p.add, q.until)}`} GROUP BY 1, 2, 3`,
    p.values,
  );
  return cellsOf(q, horizons, sizes, rows);
}

/**
 * The cells of the first sales in `windows` (the edges of cohortReportFromGroups) from customer_ages
 * (store/customer-ages.ts: each customer's net by age, with their first sale) joined to the facts: as
 * ledgerCells, whose sums of `instant < first_sale_at + H days` are `age_days < H`, but reading only the
 * customers first sold in the windows (the table is kept in first-sale order) instead of every money event.
 */
async function edgeCells(store: ReportReader, q: CohortQuery, zone: string, horizons: number[], ranges: readonly (readonly [number, number])[]): Promise<Map<string, CohortCell>> {
  const windows: Windows = { ranges, connections: await allConnectionIds(store) };
  const sizes = await cohortSizes(store, q, zone, windows);
  const p = new Params();
  const b = cohortBase(store, q, zone, p, windows);
  const parts = ranges.map(([lo, hi]) => `a.first_sale_at >= ${store.sql.instantParam(p.add, lo)} AND a.first_sale_at < ${store.sql.instantParam(p.add, hi)}`);
  const when = parts.length === 1 ? parts[0] : `(${parts.map((x) => `(${x})`).join(' OR ')})`;
  const sums = horizons.map((h, i) => `SUM(CASE WHEN a.age_days < ${h} THEN a.net_cents ELSE 0 END) AS h${i}`);
  // Summed per customer first where the engine is faster so (SqlDialect.sumPerCustomerFirst): the bucket
  // and the group are then computed once per customer, not per age; else joined first and summed once.
  const rows = await store.query(
    store.sql.sumPerCustomerFirst
      ? `SELECT ${b.bucket} AS bucket, ${b.group}, ${horizons.map((_, i) => `SUM(a.h${i}) AS h${i}`).join(', ')}, SUM(a.total) AS total
     FROM ${b.from} JOIN (SELECT a.connection_id, a.customer_id, ${sums.join(', ')}, SUM(a.net_cents) AS total FROM customer_ages a WHERE ${when} GROUP BY a.connection_id, a.customer_id) a
       ON a.connection_id = f.connection_id AND a.customer_id = f.customer_id
     WHERE ${b.where} GROUP BY 1, 2, 3`
      : `SELECT ${b.bucket} AS bucket, ${b.group}, ${sums.join(', ')}, SUM(a.net_cents) AS total
     FROM ${b.from} JOIN customer_ages a ON a.connection_id = f.connection_id AND a.customer_id = f.customer_id
     WHERE (${b.where}) AND ${when} GROUP BY 1, 2, 3`,
    p.values,
  );
  return cellsOf(q, horizons, sizes, rows);
}

/** The report of cohort cells: those with customers, by period then group, each horizon's sum divided by the cohort's customers. */
function cohortReportOf(q: CohortQuery, zone: string, horizons: number[], asOf: number, cells: Map<string, CohortCell>): CohortReport {
  const cohorts: CohortRow[] = [...cells.values()]
    .filter((c) => c.customers > 0)
    .sort(byCohort)
    .map((c) => {
      const ltv: Record<number, LtvCell> = {};
      horizons.forEach((h, i) => {
        ltv[h] = { cents: divRoundMinor(c.h[i] ?? 0, c.customers, q.currency) ?? 0, complete: c.lastFirstMs + h * DAY <= asOf };
      });
      return { cohort: periodKey(c.start, q.by), start: c.start, group: c.group, customers: c.customers, netToDate: c.total, ltv };
    });
  return { by: q.by, zone, currency: q.currency, groupBy: q.groupBy ?? null, horizons, asOf, cohorts, margin: q.margin === true };
}

/**
 * The dimension of cohort_group_sizes/cohort_group_ages (store/cohort-groups.ts) whose rows answer a
 * query, or null: monthly cohorts of net revenue up to now, with a breakdown or filters on one customer
 * dimension the tables keep (a first-touch one: not the billing cycle), besides the connection. A
 * breakdown by the connection alone sums any dimension's rows (every customer has one value of each).
 */
export function cohortGroupsDimension(q: Pick<CohortQuery, 'by' | 'groupBy' | 'filters' | 'margin' | 'until'>): Dimension | null {
  if (q.by !== 'month' || q.margin || q.until !== undefined) return null;
  const dims = new Set<Dimension>();
  if (q.groupBy && q.groupBy !== 'connection') dims.add(q.groupBy);
  for (const f of q.filters ?? []) if (f.dimension !== 'connection') dims.add(f.dimension);
  if (dims.size > 1) return null;
  const [d] = [...dims];
  if (d === undefined) return q.groupBy === 'connection' ? (GROUP_DIMENSIONS[0] ?? null) : null;
  return GROUP_DIMENSIONS.includes(d) ? d : null;
}

/**
 * Cohort LTV by month with a breakdown from cohort_group_sizes and cohort_group_ages (cohortGroupsDimension
 * says which queries; throws for others), equal to the ledger's: the rows of the month keys inside the
 * range (a core key is one calendar month in every zone, a band key a 15-minute slot: each is read with
 * its month in the viewer zone by comparing it with the local starts of the months), and the first sales
 * outside whole keys (a range bound inside a month's core) from customer_ages joined to the facts (edgeCells).
 * `age_days < H` is `instant < first_sale_at + H days` (cohortReportFromAggregate).
 */
export async function cohortReportFromGroups(store: ReportReader, q: CohortQuery): Promise<CohortReport> {
  const dim = cohortGroupsDimension(q);
  if (dim === null) throw new RangeError('the cohort group tables answer monthly cohorts with a breakdown or filters on one customer dimension and the connection');
  const zone = reportZone({ ...q, basis: 'event' });
  const horizons = horizonsOf(q);
  const asOf = q.asOf ?? Date.now();
  const r = instantRange(q.from, q.to, zone);
  const aggLo = isKeyBound(r.startMs) ? r.startMs : coreEnd(r.startMs);
  const aggHi = isKeyBound(r.endMs) ? r.endMs : coreStart(r.endMs);
  const edges: [number, number][] = [];
  if (aggLo >= aggHi) edges.push([r.startMs, r.endMs]);
  else {
    if (aggLo > r.startMs) edges.push([r.startMs, aggLo]);
    if (aggHi < r.endMs) edges.push([aggHi, r.endMs]);
  }
  const cells = edges.length > 0 ? await edgeCells(store, q, zone, horizons, edges) : new Map<string, CohortCell>();
  if (aggLo < aggHi) {
    // The local start of every month of the range after its first: a key's month is the last one it reaches.
    const first = monthIndex(r.from);
    const starts: [number, number][] = [];
    for (let m = monthIndex(r.to); m > first; m--) starts.push([m, startOfLocalDay(monthDate(m), zone)]);
    const monthOf = starts.length === 0 ? String(first) : `CASE ${starts.map(([m, ms]) => `WHEN s.cohort_key >= ${ms} THEN ${m}`).join(' ')} ELSE ${first} END`;
    const col = (d: Dimension) => (d === 'connection' ? 's.connection_id' : breakdownValueSql(d, 's'));
    const read = async (table: string, measures: string) => {
      const p = new Params();
      const where = `s.dimension = ${p.add(dim)} AND s.currency = ${p.add(q.currency)} AND s.cohort_key >= ${aggLo} AND s.cohort_key < ${aggHi}${filterSql(q.filters ?? [], col, p)}`;
      return store.query(`SELECT ${monthOf} AS m, ${groupSelect(q.groupBy ?? null, col)}, ${measures} FROM ${table} s WHERE ${where} GROUP BY 1, 2, 3`, p.values);
    };
    const sums = horizons.map((h, i) => `SUM(CASE WHEN s.age_days < ${h} THEN s.net_cents ELSE 0 END) AS h${i}`);
    const sizeRows = await read('cohort_group_sizes', `SUM(s.customers) AS customers, ${store.sql.epochMs('MAX(s.last_first_sale_at)')} AS last_first`);
    const sumRows = await read('cohort_group_ages', `${sums.join(', ')}, SUM(s.net_cents) AS total`);
    const cell = (row: Record<string, unknown>): CohortCell => {
      const start = monthDate(n(row.m));
      const key = cohortKey(q, { ...row, bucket: start });
      let c = cells.get(key);
      if (!c) cells.set(key, (c = { start, group: q.groupBy ? groupOf(q.groupBy, row.grp_conn, row.grp) : null, customers: 0, lastFirstMs: -Infinity, h: horizons.map(() => 0), total: 0 }));
      return c;
    };
    for (const row of sizeRows) {
      const c = cell(row);
      c.customers += n(row.customers);
      c.lastFirstMs = Math.max(c.lastFirstMs, n(row.last_first));
    }
    for (const row of sumRows) {
      const c = cell(row);
      horizons.forEach((_, i) => (c.h[i] = (c.h[i] ?? 0) + n(row[`h${i}`])));
      c.total += n(row.total);
    }
  }
  return cohortReportOf(q, zone, horizons, asOf, cells);
}

export interface TriangleRow {
  /** YYYY-MM of acquisition. */
  cohort: string;
  group: Group | null;
  customers: number;
  /** Index k = calendar months since the acquisition month: cumulative net per customer through month k. */
  months: LtvCell[];
}

export interface TriangleReport {
  zone: string;
  currency: string;
  groupBy: Dimension | null;
  asOf: number;
  rows: TriangleRow[];
  /** On the margin basis. */
  margin: boolean;
}

function monthIndex(date: string): number {
  return Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
}

/**
 * The span of the ledger's instants ([first, last + 1 ms), epoch ms), with the margin ledger's for
 * `margin`: where an offset table of a zone holds for every event (SqlDialect.localDateInRange). Read
 * per connection, so an engine with an index on (connection_id, instant) answers from it.
 */
async function ledgerSpan(store: ReportReader, margin: boolean): Promise<{ startMs: number; endMs: number }> {
  const ends = (table: string) =>
    `SELECT ${store.sql.epochMs(`(SELECT MIN(x.instant) FROM ${table} x WHERE x.connection_id = c.connection_id)`)} AS lo,
       ${store.sql.epochMs(`(SELECT MAX(x.instant) FROM ${table} x WHERE x.connection_id = c.connection_id)`)} AS hi FROM connections c`;
  const rows = await store.query(`SELECT MIN(lo) AS lo, MAX(hi) AS hi FROM (${ends('money_events')}${margin ? ` UNION ALL ${ends('cost_events')}` : ''}) s`);
  const lo = rows[0]?.lo;
  const hi = rows[0]?.hi;
  // No events: the range's own ends (nothing is read).
  if (lo === null || lo === undefined || hi === null || hi === undefined) return { startMs: Infinity, endMs: -Infinity };
  return { startMs: n(lo), endMs: n(hi) + 1 };
}

/** Net revenue per cohort (cohortKey) and k, the calendar months since the cohort's month. */
type MonthSums = Map<string, Map<number, number>>;

function addMonth(sums: MonthSums, key: string, k: number, cents: number): void {
  let m = sums.get(key);
  if (!m) sums.set(key, (m = new Map()));
  m.set(k, (m.get(k) ?? 0) + cents);
}

/**
 * The triangle's sums over the ledger and the facts (every breakdown and the margin basis): each event of
 * the cohorts' customers by its calendar month in the viewer zone.
 */
async function triangleSumsFromLedger(store: ReportReader, q: CohortQuery, zone: string): Promise<MonthSums> {
  const sums: MonthSums = new Map();
  const p = new Params();
  const b = cohortBase(store, q, zone, p);
  // Each event's calendar month (year * 12 + month - 1) in the viewer zone, by an offset table over the
  // span of the ledger (no zone database call per event); k is counted here from the cohort's month.
  const r = instantRange(q.from, q.to, zone);
  const span = await ledgerSpan(store, q.margin === true);
  const local = store.sql.localDateInRange(p.add, 'e.instant', zone, Math.min(span.startMs, r.startMs), Math.max(span.endMs, r.endMs));
  const rows = await store.query(
    `SELECT ${b.bucket} AS bucket, ${b.group}, EXTRACT(YEAR FROM ${local}) * 12 + EXTRACT(MONTH FROM ${local}) - 1 AS m, SUM(e.amount_cents) AS cents
     FROM ${b.from} ${cohortEvents(q)}
     WHERE ${b.where} GROUP BY 1, 2, 3, 4`,
    p.values,
  );
  // An event before its customer's first sale (a refund dated earlier) counts in month 0.
  for (const row of rows) addMonth(sums, cohortKey(q, row), Math.max(n(row.m) - monthIndex(String(row.bucket)), 0), n(row.cents));
  return sums;
}

/** True when the triangle pre-aggregate (cohort_months) answers a query: as cohort LTV's, and not on the margin basis. */
export function triangleAggregateAnswers(q: Pick<CohortQuery, 'groupBy' | 'filters' | 'margin'>): boolean {
  return cohortAggregateAnswers(q) && !q.margin;
}

/**
 * The triangle's cohort sizes and sums from the pre-aggregates (cohort_slots, cohort_months; the store's
 * cohort-months.ts explains the keys): every cohort and event key is read with its month in the viewer
 * zone, found by comparing it with the local starts of the months. A range bound inside a month's core
 * (a range not of whole months in the viewer zone) splits that core's month key: the part of that core
 * inside the range is read from the rows kept by first-sale slot (at most two partial cores).
 */
async function triangleFromAggregate(store: ReportReader, q: CohortQuery, zone: string, asOf: number): Promise<{ sizes: Map<string, CohortSize>; sums: MonthSums }> {
  const r = instantRange(q.from, q.to, zone);
  const aggLo = isKeyBound(r.startMs) ? r.startMs : coreEnd(r.startMs);
  const aggHi = isKeyBound(r.endMs) ? r.endMs : coreStart(r.endMs);
  // [lo, hi) windows of cohort keys: by month key, and by slot (inside split cores only).
  const monthWindows: [number, number][] = aggLo < aggHi ? [[aggLo, aggHi]] : [];
  const slotWindows: [number, number][] = [];
  if (aggLo >= aggHi) slotWindows.push([r.startMs, r.endMs]);
  else {
    if (aggLo > r.startMs) slotWindows.push([r.startMs, aggLo]);
    if (aggHi < r.endMs) slotWindows.push([aggHi, r.endMs]);
  }
  // The local start of every month from the range's first to the one after "now" (an event of a later
  // month is in no shown cell; one before the cohort's month counts in month 0).
  const first = monthIndex(r.from);
  const last = Math.max(monthIndex(r.to), monthIndex(localDate(asOf, zone)) + 1);
  const starts: [number, number][] = [];
  for (let m = last; m > first; m--) starts.push([m, startOfLocalDay(monthDate(m), zone)]);
  const monthOf = (col: string) => (starts.length === 0 ? String(first) : `CASE ${starts.map(([m, ms]) => `WHEN ${col} >= ${ms} THEN ${m}`).join(' ')} ELSE ${first} END`);
  const p = new Params();
  const conn = filterSql(q.filters ?? [], () => 's.connection_id', p);
  const currency = p.add(q.currency);
  const wanted = [...monthWindows.map((w) => ['NOT s.by_slot', w] as const), ...slotWindows.map((w) => ['s.by_slot', w] as const)].map(
    ([flag, [lo, hi]]) => `(${flag} AND s.cohort_key >= ${lo} AND s.cohort_key < ${hi})`,
  );
  const rows = await store.query(
    `SELECT ${monthOf('s.cohort_key')} AS c, ${monthOf('s.event_key')} AS m, SUM(s.net_cents) AS cents FROM cohort_months s
     WHERE s.currency = ${currency}${conn} AND (${wanted.join(' OR ')}) GROUP BY 1, 2`,
    p.values,
  );
  const sums: MonthSums = new Map();
  // An event before its customer's first sale (a refund dated earlier) counts in month 0.
  for (const row of rows) addMonth(sums, `${monthDate(n(row.c))}|`, Math.max(n(row.m) - n(row.c), 0), n(row.cents));
  // Sizes: cohort_slots by viewer-zone day (integer arithmetic), rolled up to months here.
  const sp = new Params();
  const day = store.sql.localDay(sp.add, 's.slot', zone, r.startMs, r.endMs);
  const where = `s.slot >= ${store.sql.instantParam(sp.add, r.startMs)} AND s.slot < ${store.sql.instantParam(sp.add, r.endMs)} AND s.currency = ${sp.add(q.currency)}${filterSql(q.filters ?? [], () => 's.connection_id', sp)}`;
  const sizeRows = await store.query(`SELECT ${day} AS d, SUM(s.customers) AS customers FROM cohort_slots s WHERE ${where} GROUP BY 1`, sp.values);
  const byMonth = new Map<string, number>();
  for (const row of sizeRows) {
    const start = periodStart(store.sql.dayOf(row.d), 'month');
    byMonth.set(start, (byMonth.get(start) ?? 0) + n(row.customers));
  }
  const sizes = new Map<string, CohortSize>();
  for (const [start, customers] of [...byMonth.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (customers > 0) sizes.set(`${start}|`, { start, group: null, customers, lastFirstMs: 0 });
  }
  return { sizes, sums };
}

/** "YYYY-MM-01" of a month index (year * 12 + month - 1). */
function monthDate(m: number): string {
  return `${String(Math.floor(m / 12)).padStart(4, '0')}-${String((m % 12) + 1).padStart(2, '0')}-01`;
}

/**
 * The cohort triangle by month: monthly cohorts (viewer zone); cell k holds net revenue per customer of
 * events in the acquisition month through k calendar months later, complete once that month has ended.
 * Cells of months that have not started are left out. From the pre-aggregate (cohort_months) when it
 * answers (triangleAggregateAnswers) and no backfill has left it behind, else from the ledger; `source`
 * forces one ('aggregate' throws when it cannot answer).
 */
export async function cohortTriangle(store: ReportReader, q: Omit<CohortQuery, 'by' | 'horizons'>, o: { source?: 'ledger' | 'aggregate' } = {}): Promise<TriangleReport> {
  const cq: CohortQuery = { ...q, by: 'month' };
  checkReportRange(cq, 'month');
  checkAsOf(q.asOf);
  const zone = reportZone({ ...q, basis: 'event' });
  const asOf = q.asOf ?? Date.now();
  if (o.source === 'aggregate' && !triangleAggregateAnswers(q)) throw new RangeError('the triangle aggregate keeps net revenue without breakdowns but the connection');
  const source = o.source ?? (triangleAggregateAnswers(q) && !(await store.aggregatesBehind()) ? 'aggregate' : 'ledger');
  const { sizes, sums: byKey } =
    source === 'aggregate' ? await triangleFromAggregate(store, cq, zone, asOf) : { sizes: await cohortSizes(store, cq, zone), sums: await triangleSumsFromLedger(store, cq, zone) };
  const nowMonth = monthIndex(localDate(asOf, zone));
  const out: TriangleRow[] = [...sizes.entries()].map(([key, s]) => {
    const perMonth = byKey.get(key) ?? new Map<number, number>();
    const months: LtvCell[] = [];
    let cum = 0;
    let monthStart = periodStart(s.start, 'month');
    for (let k = 0; monthIndex(s.start) + k <= nowMonth; k++) {
      cum += perMonth.get(k) ?? 0;
      const next = nextPeriodStart(monthStart, 'month');
      months.push({ cents: divRoundMinor(cum, s.customers, q.currency) ?? 0, complete: startOfLocalDay(next, zone) <= asOf });
      monthStart = next;
    }
    return { cohort: s.start.slice(0, 7), group: s.group, customers: s.customers, months };
  });
  return { zone, currency: q.currency, groupBy: q.groupBy ?? null, asOf, rows: out, margin: q.margin === true };
}

/**
 * Cohort LTV over the store's pre-aggregate (schema.ts: cohort_slots, cohort_ages), equal to the ledger's
 * for queries without breakdowns (a connection filter is the only one the aggregate keeps); throws for
 * other filters or a group-by. Exact: `instant < first_sale_at + H days` is `age_days < H` with
 * age_days = floor((instant - first_sale_at) / 1 day), and every local midnight of every zone is on a
 * 15-minute boundary of UTC, so a first-sale slot falls in the viewer-zone period of its customers.
 */
export async function cohortReportFromAggregate(store: ReportReader, q: CohortQuery): Promise<CohortReport> {
  if (!cohortAggregateAnswers(q)) throw new RangeError('the cohort aggregate keeps no breakdowns but the connection');
  if (q.margin) throw new RangeError('the cohort aggregate keeps net revenue, not margin');
  const zone = reportZone({ ...q, basis: 'event' });
  const horizons = horizonsOf(q);
  const asOf = q.asOf ?? Date.now();
  const r = instantRange(q.from, q.to, zone);
  const p = new Params();
  const where = `s.slot >= ${store.sql.instantParam(p.add, r.startMs)} AND s.slot < ${store.sql.instantParam(p.add, r.endMs)} AND s.currency = ${p.add(q.currency)}${filterSql(q.filters ?? [], () => 's.connection_id', p)}`;
  // Group by viewer-zone day with integer arithmetic (at most a few hundred groups), roll days up here.
  const day = store.sql.localDay(p.add, 's.slot', zone, r.startMs, r.endMs);
  const sums = horizons.map((h, i) => `SUM(CASE WHEN s.age_days < ${h} THEN s.net_cents ELSE 0 END) AS h${i}`);
  const sizeRows = await store.query(
    `SELECT ${day} AS d, SUM(s.customers) AS customers, ${store.sql.epochMs('MAX(s.last_first_sale_at)')} AS last_first FROM cohort_slots s WHERE ${where} GROUP BY 1`,
    p.values,
  );
  const sumRows = await store.query(`SELECT ${day} AS d, ${sums.join(', ')}, SUM(s.net_cents) AS total FROM cohort_ages s WHERE ${where} GROUP BY 1`, p.values);
  const acc = new Map<string, { customers: number; lastFirst: number; h: number[]; total: number }>();
  const cell = (d: unknown) => {
    const start = periodStart(store.sql.dayOf(d), q.by);
    let a = acc.get(start);
    if (!a) acc.set(start, (a = { customers: 0, lastFirst: -Infinity, h: horizons.map(() => 0), total: 0 }));
    return a;
  };
  for (const row of sizeRows) {
    const a = cell(row.d);
    a.customers += n(row.customers);
    a.lastFirst = Math.max(a.lastFirst, n(row.last_first));
  }
  for (const row of sumRows) {
    const a = cell(row.d);
    horizons.forEach((_, i) => (a.h[i] = (a.h[i] ?? 0) + n(row[`h${i}`])));
    a.total += n(row.total);
  }
  const cohorts: CohortRow[] = [...acc.entries()]
    .filter(([, a]) => a.customers > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([start, a]) => {
      const ltv: Record<number, LtvCell> = {};
      horizons.forEach((h, i) => {
        ltv[h] = { cents: divRoundMinor(a.h[i] ?? 0, a.customers, q.currency) ?? 0, complete: a.lastFirst + h * DAY <= asOf };
      });
      return { cohort: periodKey(start, q.by), start, group: null, customers: a.customers, netToDate: a.total, ltv };
    });
  return { by: q.by, zone, currency: q.currency, groupBy: null, horizons, asOf, cohorts, margin: false };
}
