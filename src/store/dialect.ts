/**
 * What differs between the engines' SQL, in one interface: each engine states its dialect in one file
 * (engines/duckdb/dialect.ts, engines/postgres/dialect.ts). The store's shared SQL and the reports build
 * their statements through it and never test which engine they run on.
 */
import type { ColumnType, Value } from './tables.js';

/** Adds a parameter value and returns its placeholder ($n). */
export type AddParam = (v: Value) => string;

/** A calendar unit that reports cut time into. */
export type CalendarUnit = 'day' | 'week' | 'month';

export interface SqlDialect {
  readonly name: 'duckdb' | 'postgres';
  /**
   * Whether rows many per customer (customer_ages' ages) are best summed per customer before they are
   * joined to the customers' facts, or joined first and summed once by the report's keys. DuckDB: summed
   * first, so the bucket (a zone conversion) and the group are computed once per customer (a year's
   * split-month edges by MID: 29-39 ms against 48-66 joined first). PostgreSQL: joined first, a parallel
   * hash join of 280,186 age rows where summing them first was a 63 MB per-customer hash aggregate on
   * one core (259-276 ms against 302-352).
   */
  readonly sumPerCustomerFirst: boolean;
  /** SQL type of a logical column type (tables.ts). */
  columnType(type: ColumnType): string;
  /** An instant expression as epoch milliseconds (BIGINT). */
  epochMs(expr: string): string;
  /** A UTC instant (epoch ms) as a typed parameter. */
  instantParam(add: AddParam, ms: number): string;
  /** The 15-minute UTC slot of an instant expression (the pre-aggregates' bucket). */
  slot(expr: string): string;
  /** Condition: the instant expression `instant` falls in the 15-minute slot `slot`. */
  inSlot(instant: string, slot: string): string;
  /** The wall-clock timestamp of an instant expression in a zone (the zone given as a placeholder). */
  localTimestamp(expr: string, zone: string): string;
  /**
   * The first local date ("YYYY-MM-DD" text) of the day, week or month holding an instant known to lie
   * in [startMs, endMs), in `zone` (a zone name, added as a parameter where the engine needs one).
   */
  periodStartInRange(add: AddParam, expr: string, zone: string, unit: CalendarUnit, startMs: number, endMs: number): string;
  /**
   * The local calendar day of an instant in [startMs, endMs), in the cheapest form the engine has; read
   * it back with `dayOf`.
   */
  localDay(add: AddParam, expr: string, zone: string, startMs: number, endMs: number): string;
  /**
   * Condition: the instant expression lies in one of `ranges` (epoch ms, half-open), given as what they
   * are: the parts of the UTC days `days` (days since 1970-01-01) inside [startMs, endMs). PostgreSQL
   * reads the ranges through its (connection_id, instant) index; DuckDB, which has no such index,
   * tests a few ranges as they are (a range's first and last UTC day far apart would otherwise let most
   * of the ledger through to the day test) and many by the day number, far cheaper than a long OR.
   */
  inDayParts(add: AddParam, expr: string, startMs: number, endMs: number, days: readonly number[], ranges: readonly (readonly [number, number])[]): string;
  /** "YYYY-MM-DD" from a localDay value. */
  dayOf(v: unknown): string;
  /**
   * The local calendar date (a DATE: two of them subtract to whole days) of an instant known to lie in
   * [startMs, endMs), in `zone` (a zone name, added as a parameter where the engine needs one).
   */
  localDateInRange(add: AddParam, expr: string, zone: string, startMs: number, endMs: number): string;
  /**
   * A statement: every connection's id, timezone, and the first and last instant of its ledger (`lo`,
   * `hi`, epoch ms; NULL without events). PostgreSQL reads each through its (connection_id, instant)
   * index; DuckDB, which has none, in one pass over money_events (a subquery per connection would be
   * joined back by hash over the whole ledger twice).
   */
  ledgerSpansSql(): string;
  /**
   * Statements that set up the current transaction for a whole rebuild of the facts and aggregates
   * (docs/store.md, "What a whole rebuild costs"): PostgreSQL gives its sorts and hashes more memory,
   * for that transaction only; DuckDB needs nothing.
   */
  rebuildSettingsSql(): string[];
  /**
   * Statements that refresh the planner's statistics of `table` inside the current transaction, after a
   * rebuild statement refilled it and before later statements read it (withFreshStatistics, below): PostgreSQL
   * otherwise plans those reads on the statistics of the table as it was (docs/store.md, "What a whole
   * rebuild costs"); DuckDB needs nothing.
   */
  analyzeSql(table: string): string[];
  /**
   * The `columns` of the rows of `table` whose text column `column` is one of `keys` (SQL literals,
   * comma-separated), as a FROM item the caller filters further, read through the engine's index on that
   * column: DuckDB reads an ART index only when the key list is the scan's one filter, so its rows are
   * taken first (a materialized CTE, which the caller's conditions do not enter); PostgreSQL takes the
   * plain subquery with the caller's conditions (its keys lead with connection_id).
   */
  rowsByKeys(table: string, columns: string, column: string, keys: string): string;
  /**
   * A BIGINT hash of the values of `columns` (SQL expressions, in order; NULL a value of its own), the same
   * for the same values of the same types: a kept table's one-column stand-in for a long key, so a merge
   * finds its rows of a few keys by one column instead of comparing every column of every row. Not unique:
   * rows of another key with the same hash are found too, and a merge must take them out and back unchanged.
   */
  keyHash(columns: readonly string[]): string;
}

/** The SQL types both engines share; each dialect names its own instant and JSON types. */
export function columnTypeOf(type: ColumnType, own: { instant: string; json: string }): string {
  switch (type) {
    case 'text':
    case 'date':
      return 'TEXT';
    case 'bigint':
      return 'BIGINT';
    case 'int':
      return 'INTEGER';
    case 'bool':
      return 'BOOLEAN';
    case 'instant':
      return own.instant;
    case 'json':
      return own.json;
  }
}

/**
 * A CRM enum (a transaction's response type, a purchase's status) as one spelling: SOFT_DECLINE,
 * RECYCLE_BILLING. The CRM also serves display casings ("Soft Decline", "Recycle Billing"; docs/sync.md),
 * stored as served. The reports (analytics/sql.ts) and the tables kept for them compare with this one.
 */
export function enumSql(column: string): string {
  return `REPLACE(UPPER(TRIM(${column})), ' ', '_')`;
}

/** Whether the transaction row `t` was declined as recyclable (a SOFT_DECLINE, in any of the CRM's spellings). */
export const softDeclineSql = (t: string): string => `${enumSql(`${t}.response_type`)} = 'SOFT_DECLINE'`;

/**
 * The response class of a rebill attempt: 'ok' for an approved sale, 'soft' for a soft decline (softDeclineSql
 * of its transaction), 'hard' for any other decline (`e`: the money_events row, `t`: its transaction, LEFT
 * JOINed). The subscription tables and rebills ahead's kept tables classify attempts with this one expression.
 */
export const attemptOutcomeSql = (e: string, t: string): string => `CASE WHEN ${e}.kind = 'sale' THEN 'ok' WHEN ${softDeclineSql(t)} THEN 'soft' ELSE 'hard' END`;

/** An instant as the naive UTC timestamp text both engines parse ("2025-01-01 05:00:00.000"). */
export function instantText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Whole days from a customer's first sale to an event: floor((event - first) / 1 day). */
export function ageDaysSql(d: SqlDialect, eventExpr: string, firstExpr: string): string {
  return `CAST(FLOOR((${d.epochMs(eventExpr)} - ${d.epochMs(firstExpr)}) / 86400000.0) AS INTEGER)`;
}

/**
 * `statements` with the engine's statistics refresh (SqlDialect.analyzeSql) after each `INSERT INTO t` whose
 * table a later statement reads (FROM, JOIN or USING), of the tables `only` accepts (default all). A whole
 * rebuild deletes and refills its tables in one transaction, so PostgreSQL planned the later reads on the
 * statistics of the tables as they were before: at 10,000,000 transactions the subscription cycles' statement
 * joined the refilled subscription_starts (estimated at 1 row, 2,000,000 in fact) by a nested loop over 980,000
 * grouped cycles (at the default work_mem), and ran for over an hour. The incremental refresh of some purchases
 * (subscription-cycles.ts) has the same trap with its scratch stages alone (`agg_...`).
 * `analyze` marks the added statements (they take no parameters).
 */
export function withFreshStatistics(d: SqlDialect, statements: string[], only: (table: string) => boolean = () => true): { sql: string; analyze: boolean }[] {
  const out: { sql: string; analyze: boolean }[] = [];
  statements.forEach((sql, i) => {
    out.push({ sql, analyze: false });
    const table = /^\s*INSERT INTO (\w+)/.exec(sql)?.[1];
    if (table === undefined || !only(table)) return;
    const read = new RegExp(`\\b(FROM|JOIN|USING)\\s+${table}\\b`);
    if (statements.slice(i + 1).some((later) => read.test(later))) out.push(...d.analyzeSql(table).map((a) => ({ sql: a, analyze: true })));
  });
  return out;
}
