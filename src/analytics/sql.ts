/**
 * SQL building shared by the reports: numbered parameters, instants as parameters, the viewer-zone
 * calendar cut (`AT TIME ZONE`, which DuckDB's ICU and PostgreSQL both implement), filters, and the
 * event source of each basis. Everything a user typed reaches SQL as a parameter, never as text.
 */
import type { Store } from '../store/store.js';
import type { Value } from '../store/schema.js';
import { EVENT_COLUMN, FACT_COLUMN, type Dimension, type Filter } from './dimensions.js';
import { offsetMinutesAt } from '../core/time.js';
import type { Period } from './range.js';

export type Engine = Store['engine'];

/** Collects $1.. parameters while a statement is built. */
export class Params {
  readonly values: Value[] = [];

  /** Adds a value and returns its placeholder. */
  add(v: Value): string {
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** A UTC instant (epoch ms) as a typed SQL parameter: DuckDB keeps naive UTC TIMESTAMPs, PostgreSQL TIMESTAMPTZ. */
export function instantParam(engine: Engine, p: Params, ms: number): string {
  const text = new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  return `CAST(${p.add(text)} AS ${engine === 'postgres' ? 'TIMESTAMPTZ' : 'TIMESTAMP'})`;
}

/** The wall-clock timestamp of an instant column in a zone (zone given as a placeholder). */
export function localTimestampSql(engine: Engine, expr: string, zone: string): string {
  // DuckDB's TIMESTAMP is naive: mark it UTC first, then read it in the zone.
  return engine === 'postgres' ? `(${expr} AT TIME ZONE ${zone})` : `timezone(${zone}, timezone('UTC', ${expr}))`;
}

/** The first local date ("YYYY-MM-DD" text) of the period holding an instant, in a zone. */
export function periodStartSql(engine: Engine, expr: string, zone: string, period: Period): string {
  const local = localTimestampSql(engine, expr, zone);
  const truncated = period === 'day' ? local : `date_trunc('${period}', ${local})`;
  return `CAST(CAST(${truncated} AS DATE) AS ${engine === 'postgres' ? 'TEXT' : 'VARCHAR'})`;
}

/** `expr` plus whole days, exact (instants are UTC in both engines, so a day is 24 hours). */
export function plusDaysSql(expr: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`not a whole number of days: ${days}`);
  return `(${expr} + INTERVAL '${days} days')`;
}

/** AND-joined conditions for filters on columns chosen by `column`; '' when there are none. */
export function filterSql(filters: readonly Filter[], column: (d: Dimension) => string, p: Params): string {
  return filters
    .filter((f) => f.values.length > 0)
    .map((f) => ` AND ${column(f.dimension)} IN (${f.values.map((v) => p.add(v)).join(', ')})`)
    .join('');
}

/** Ledger column of a dimension, qualified by an alias. */
export function eventCol(alias: string): (d: Dimension) => string {
  return (d) => `${alias}.${EVENT_COLUMN[d]}`;
}

/**
 * Facts column of a dimension, qualified by an alias; the billing cycle comes from the first sale event
 * (alias `firstAlias`), joined by `firstSaleJoin` when a report needs it.
 */
export function factCol(alias: string, firstAlias: string): (d: Dimension) => string {
  return (d) => (d === 'cycle' ? `${firstAlias}.billing_cycle` : `${alias}.${FACT_COLUMN[d]}`);
}

/** Joins a customer's first sale event (the one the facts were taken from) as `alias`. */
export function firstSaleJoin(facts: string, alias: string): string {
  return `JOIN (SELECT connection_id, customer_id, instant, order_id, MIN(billing_cycle) AS billing_cycle FROM money_events WHERE kind = 'sale'
      GROUP BY connection_id, customer_id, instant, order_id) ${alias}
    ON ${alias}.connection_id = ${facts}.connection_id AND ${alias}.customer_id = ${facts}.customer_id
      AND ${alias}.instant = ${facts}.first_sale_at AND ${alias}.order_id = ${facts}.first_order_id`;
}

/** Where refunds and chargebacks are dated: on their own date (event) or on the sale's (crm). */
export type Basis = 'event' | 'crm';

/**
 * The events of a basis, with `at` the instant each is booked at. On the CRM basis a chargeback is booked
 * at its transaction's creation (the sale it flags) and a refund or void at its parent transaction's;
 * one with no stored parent stays on its own date.
 */
export function eventSourceSql(basis: Basis): string {
  if (basis === 'event') return `(SELECT e.*, e.instant AS at FROM money_events e)`;
  return `(SELECT e.*, CASE
        WHEN e.kind = 'chargeback' THEN COALESCE(t.date_created, e.instant)
        WHEN e.kind IN ('refund', 'void') THEN COALESCE(pt.date_created, e.instant)
        ELSE e.instant END AS at
      FROM money_events e
      LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
      LEFT JOIN transactions pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id)`;
}


/** A zone's UTC offset changes in [startMs, endMs): the offset in force from each instant on. */
export function offsetChanges(zone: string, startMs: number, endMs: number): { from: number; minutes: number }[] {
  const out = [{ from: startMs, minutes: offsetMinutesAt(startMs, zone) }];
  const step = 6 * 3_600_000;
  for (let t = startMs; t < endMs; t += step) {
    const next = Math.min(t + step, endMs);
    const before = offsetMinutesAt(t, zone);
    if (offsetMinutesAt(next, zone) === before) continue;
    // Bisect to the minute at which the offset changes (changes fall on whole minutes).
    let lo = t;
    let hi = next;
    while (hi - lo > 60_000) {
      const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
      if (offsetMinutesAt(mid, zone) === before) lo = mid;
      else hi = mid;
    }
    out.push({ from: hi, minutes: offsetMinutesAt(hi, zone) });
  }
  return out;
}

/** The zone's UTC offset in minutes at `expr` (an instant in [startMs, endMs)), as a CASE over its changes. */
function offsetMinutesSql(engine: Engine, p: Params, expr: string, zone: string, startMs: number, endMs: number): string {
  const changes = offsetChanges(zone, startMs, endMs);
  const first = changes[0]?.minutes ?? 0;
  const arms = changes.slice(1).reverse().map((c) => `WHEN ${expr} >= ${instantParam(engine, p, c.from)} THEN ${c.minutes}`);
  return arms.length === 0 ? String(first) : `CASE ${arms.join(' ')} ELSE ${first} END`;
}

/**
 * periodStartSql for instants known to lie in [startMs, endMs). On DuckDB the zone's offset changes in
 * that window are computed here and applied with a CASE, which is plain arithmetic per row instead of
 * an ICU conversion (the conversion costs about a microsecond a row: seconds over millions of rows).
 */
export function periodStartInRangeSql(engine: Engine, p: Params, expr: string, zone: string, period: Period, startMs: number, endMs: number): string {
  if (engine === 'postgres') return periodStartSql(engine, expr, p.add(zone), period);
  const local = `(${expr} + to_minutes(CAST(${offsetMinutesSql(engine, p, expr, zone, startMs, endMs)} AS BIGINT)))`;
  const truncated = period === 'day' ? local : `date_trunc('${period}', ${local})`;
  return `CAST(CAST(${truncated} AS DATE) AS VARCHAR)`;
}

/**
 * The viewer-zone calendar day of an instant in [startMs, endMs), cheapest form per engine: DuckDB an
 * integer day number (epoch days, by integer arithmetic), PostgreSQL the date text. Read it back with
 * localDayOf. Grouping by day and rolling days up in code beats calendar functions on every row.
 */
export function localDaySql(engine: Engine, p: Params, expr: string, zone: string, startMs: number, endMs: number): string {
  if (engine === 'postgres') return periodStartSql(engine, expr, p.add(zone), 'day');
  return `((epoch_ms(${expr}) + (${offsetMinutesSql(engine, p, expr, zone, startMs, endMs)}) * 60000) // 86400000)`;
}

/** "YYYY-MM-DD" from a localDaySql value. */
export function localDayOf(v: unknown): string {
  return typeof v === 'number' ? new Date(v * 86_400_000).toISOString().slice(0, 10) : String(v);
}
