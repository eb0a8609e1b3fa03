/**
 * DuckDB's SQL dialect. Instants are naive TIMESTAMPs holding UTC; zone arithmetic over many rows is done
 * with offsets computed in JS (an ICU conversion costs about a microsecond a row: seconds over millions).
 */
import { offsetChanges } from '../../../core/time.js';
import { columnTypeOf, instantText, type AddParam, type CalendarUnit, type SqlDialect } from '../../dialect.js';

/** The zone's UTC offset in minutes at `expr` (an instant in [startMs, endMs)), as a CASE over its changes. */
function offsetMinutesSql(add: AddParam, expr: string, zone: string, startMs: number, endMs: number): string {
  const changes = offsetChanges(zone, startMs, endMs);
  const first = changes[0]?.minutes ?? 0;
  const arms = changes.slice(1).reverse().map((c) => `WHEN ${expr} >= ${duckdbDialect.instantParam(add, c.from)} THEN ${c.minutes}`);
  return arms.length === 0 ? String(first) : `CASE ${arms.join(' ')} ELSE ${first} END`;
}

/** The smallest range holding all of `ranges` (ascending, as inDayParts receives them), as a conjunction. */
function hull(add: AddParam, expr: string, ranges: readonly (readonly [number, number])[]): string {
  const from = Math.min(...ranges.map(([s]) => s));
  const to = Math.max(...ranges.map(([, e]) => e));
  return `${expr} >= CAST(${add(instantText(from))} AS TIMESTAMP) AND ${expr} < CAST(${add(instantText(to))} AS TIMESTAMP)`;
}

/** Up to this many ranges, inDayParts tests them as they are (see SqlDialect.inDayParts). */
const FEW_RANGES = 4;

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  sumPerCustomerFirst: true,
  // JSON as VARCHAR, not JSON: a JSON column validates every document on insert (measurable CPU per raw
  // record) while json_extract works on VARCHAR alike.
  columnType: (type) => columnTypeOf(type, { instant: 'TIMESTAMP', json: 'VARCHAR' }),
  epochMs: (expr) => `epoch_ms(${expr})`,
  instantParam: (add, ms) => `CAST(${add(instantText(ms))} AS TIMESTAMP)`,
  slot: (expr) => `time_bucket(INTERVAL '15 minutes', ${expr})`,
  // Without secondary indexes DuckDB hash-joins on the slot.
  inSlot: (instant, slot) => `time_bucket(INTERVAL '15 minutes', ${instant}) = ${slot}`,
  // The TIMESTAMP is naive: mark it UTC first, then read it in the zone.
  localTimestamp: (expr, zone) => `timezone(${zone}, timezone('UTC', ${expr}))`,
  periodStartInRange(add, expr, zone, unit: CalendarUnit, startMs, endMs) {
    const local = `(${expr} + to_minutes(CAST(${offsetMinutesSql(add, expr, zone, startMs, endMs)} AS BIGINT)))`;
    const truncated = unit === 'day' ? local : `date_trunc('${unit}', ${local})`;
    return `CAST(CAST(${truncated} AS DATE) AS VARCHAR)`;
  },
  // An integer day number (epoch days, by integer arithmetic): grouping by it and rolling days up in
  // code beats calendar functions on every row.
  localDay: (add, expr, zone, startMs, endMs) => `((epoch_ms(${expr}) + (${offsetMinutesSql(add, expr, zone, startMs, endMs)}) * 60000) // 86400000)`,
  // A year's two edges: 0.13-0.38 s as two ranges against 0.56-1.2 s by day number at 10M events (load 16).
  // DuckDB skips row groups by their min/max only for a conjunction: the OR of the ranges alone reads the
  // whole table, so the ranges' hull is ANDed before it (a 30-day summary's three edges at 10M: 180-475 ms
  // without, 16-28 ms with, load 8; docs/metrics.md, "Breakdowns' edges by the ranges' hull").
  inDayParts: (add, expr, startMs, endMs, days, ranges) =>
    ranges.length <= FEW_RANGES
      ? `(${hull(add, expr, ranges)} AND (${ranges.map(([s, e]) => `(${expr} >= CAST(${add(instantText(s))} AS TIMESTAMP) AND ${expr} < CAST(${add(instantText(e))} AS TIMESTAMP))`).join(' OR ')}))`
      : `(${expr} >= CAST(${add(instantText(startMs))} AS TIMESTAMP) AND ${expr} < CAST(${add(instantText(endMs))} AS TIMESTAMP) AND CAST(epoch_ms(${expr}) // 86400000 AS INTEGER) IN (${days.map((d) => String(Math.trunc(d))).join(', ')}))`,
  dayOf: (v) => (typeof v === 'number' ? new Date(v * 86_400_000).toISOString().slice(0, 10) : String(v)),
  localDateInRange: (add, expr, zone, startMs, endMs) => `CAST(${expr} + to_minutes(CAST(${offsetMinutesSql(add, expr, zone, startMs, endMs)} AS BIGINT)) AS DATE)`,
  ledgerSpansSql: () => `SELECT c.connection_id, c.timezone, epoch_ms(m.lo) AS lo, epoch_ms(m.hi) AS hi FROM connections c
     LEFT JOIN (SELECT connection_id, MIN(instant) AS lo, MAX(instant) AS hi FROM money_events GROUP BY connection_id) m ON m.connection_id = c.connection_id`,
  rebuildSettingsSql: () => [],
  analyzeSql: () => [],
  rowsByKeys: (table, columns, column, keys) => `(WITH k AS MATERIALIZED (SELECT ${columns} FROM ${table} WHERE ${column} IN (${keys})) SELECT * FROM k)`,
  // hash() is a UBIGINT of any values; halved into BIGINT's range.
  keyHash: (columns) => `CAST(hash(${columns.join(', ')}) >> 1 AS BIGINT)`,
};
