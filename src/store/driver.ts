/**
 * What an engine provides to the shared store code: statements with $1.. parameters, transactions, bulk
 * loads, staged sets, and its SQL dialect. Everything else (connections, pages, ledger, facts,
 * pre-aggregates, sync state) is the same code on both engines, written against this.
 */
import type { SqlDialect } from './dialect.js';
import type { Row, TableSpec, Value } from './tables.js';

/** How one report statement is run. */
export interface QueryOptions {
  /**
   * PostgreSQL: plan it without nested-loop joins, `SET LOCAL enable_nestloop = off` in a transaction of
   * its own (the connection's setting is untouched); for statements over CTEs, whose results carry no
   * statistics (src/analytics/retention.ts says why). DuckDB ignores it.
   */
  noNestedLoops?: boolean;
}

export interface SqlDriver {
  readonly sql: SqlDialect;
  /** Runs one statement. */
  exec(sql: string, params?: Value[]): Promise<void>;
  /** Runs a query; rows come back with bigint as number and instants as epoch ms. */
  query(sql: string, params?: Value[], opts?: QueryOptions): Promise<Row[]>;
  /**
   * Runs a read-only query on a connection of the engine's own, outside every transaction, so it needs
   * no turn in the store's lock: a report's statements run beside a sync's writes and beside each other
   * (docs/store.md, "Reads beside writes"). Absent (DuckDB: one connection), reads take their turn.
   */
  read?(sql: string, params?: Value[], opts?: QueryOptions): Promise<Row[]>;
  /**
   * Upserts rows by the spec's key (rows have unique keys). `constants`: columns with one value for
   * every row (the connection id), given once and taking precedence over the rows' own.
   */
  upsert(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<void>;
  /** Inserts rows known to be absent (their keys were just deleted): skips the conflict check. */
  insert(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<void>;
  /**
   * Runs fn inside one transaction (callers are already serialised). `serial`: a batch of small
   * statements, which an engine may run on one thread (DuckDB does).
   */
  transaction<T>(fn: () => Promise<T>, opts?: { serial?: boolean }): Promise<T>;
  /**
   * Makes a set of integer ids available to the next statements as a subquery (`IN (<returned sql>)`).
   * Large IN lists of constants are slow on DuckDB; a staged table joins fast.
   */
  idSet(name: 'txn' | 'cust' | 'aux', ids: number[]): Promise<string>;
  /** The same for a set of text keys (order ids): a subquery of one text column. */
  textSet(name: 'order' | 'key', values: string[]): Promise<string>;
  /**
   * Makes rows available to the next statements of the same transaction as a subquery with the spec's
   * columns and column types (`FROM (<returned sql>) AS d`).
   */
  rowSet(spec: TableSpec, rows: Row[]): Promise<string>;
  close(): Promise<void>;
}

/** Serialises async work: DuckDB has one connection, and serial writes keep PostgreSQL free of deadlocks. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** What every part of a store shares: the engine's driver and the one lock that serialises its use. */
export interface StoreContext {
  db: SqlDriver;
  lock: Mutex;
}

/**
 * A value as an SQL literal: for the statements DuckDB queues inside a write transaction, and for rows
 * PostgreSQL inlines (rowSet). Only the store's write path inlines values, and they are connection ids,
 * event ids and numbers; strings are quoted by doubling `'`, all that a standard string literal needs
 * (in PostgreSQL with standard_conforming_strings, on by default since 9.1).
 */
export function sqlLiteral(v: Value): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
    return String(v);
  }
  if (v.includes('\0')) throw new RangeError('a NUL character cannot go into an SQL literal');
  return `'${v.replaceAll("'", "''")}'`;
}

/** Integer ids only, so they can be inlined into SQL safely. */
export function idList(ids: Iterable<number>): string {
  const out: string[] = [];
  for (const id of ids) {
    if (!Number.isSafeInteger(id)) throw new RangeError(`not an integer id: ${id}`);
    out.push(String(id));
  }
  return out.join(',');
}

/**
 * Removes duplicate keys, keeping the last row (a page may repeat a record when the CRM shifts pages).
 * Key columns in `constants` are the same for every row and are left out of the comparison.
 */
export function dedupeByKey<R extends Row>(spec: TableSpec, rows: R[], constants?: Row): R[] {
  if (rows.length < 2) return rows;
  const key = constants ? spec.key.filter((k) => !(k in constants)) : spec.key;
  const byKey = new Map<Value | undefined, R>();
  if (key.length === 1) {
    // One key column (a CRM id): its value is the map key, with no string built per row.
    const k = key[0] as string;
    for (const r of rows) byKey.set(r[k], r);
  } else {
    for (const r of rows) byKey.set(key.map((k) => String(r[k])).join('\u0001'), r);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}
