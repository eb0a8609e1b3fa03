/**
 * PostgreSQL engine (for larger installs: `--db postgres://...`). Bulk upserts send one array per
 * column and unnest them server-side (INSERT ... SELECT FROM unnest(...) ON CONFLICT DO UPDATE): one
 * statement per page whatever its size, and no 65,535-parameter limit.
 */
import pg from 'pg';
import { EnvironmentError, errorMessage } from '../../../core/errors.js';
import { idList, sqlLiteral, type SqlDriver } from '../../driver.js';
import { SqlStore } from '../../sql-store.js';
import type { QueryOptions, StoreOptions } from '../../store.js';
import type { Row, TableSpec, Value } from '../../tables.js';
import { postgresDialect } from './dialect.js';

// BIGINT arrives as a string by default; every BIGINT we store is a safe integer (cents, CRM ids).
const BIGINT_OID = 20;
const NUMERIC_OID = 1700;

type Column = TableSpec['columns'][number];

/** The element type a column travels in as an array: instants as epoch ms, JSON as text. */
const arrayType = (t: Column['type']) => (t === 'instant' ? 'BIGINT' : t === 'json' ? 'TEXT' : postgresDialect.columnType(t));

/** A column read back from an unnested array (`alias`.name) as the column's own type. */
const fromArray = (c: Column, alias: string) =>
  c.type === 'instant' ? `to_timestamp(${alias}.${c.name} / 1000.0)` : c.type === 'json' ? `${alias}.${c.name}::jsonb` : `${alias}.${c.name}`;

/** The PostgreSQL SqlDriver (connectPostgres opens one; openPostgresStore wraps it in a store). */
export class PgDriver implements SqlDriver {
  readonly sql = postgresDialect;

  constructor(
    private readonly client: pg.Client,
    private readonly schema: string | undefined,
    /** Connections for report reads (SqlDriver.read), opened as needed, and the settings each gets first. */
    private readonly readers: { pool: pg.Pool; settings: string },
  ) {}

  /** Readers given their settings (the pool's clients are reused: each is set once). */
  private readonly set = new WeakSet<pg.PoolClient>();

  async read(sql: string, params: Value[] = [], opts?: QueryOptions): Promise<Row[]> {
    // A reader the server closed (a restart, an idle timeout, an administrator) is dropped and the read
    // asked again, on another, until one more time than there are readers: after a restart every idle one
    // is gone. A statement the server refused is the caller's error at once.
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.readOn(sql, params, opts);
      } catch (err) {
        if (!lostConnection(err) || attempt >= READERS) throw err;
      }
    }
  }

  private async readOn(sql: string, params: Value[], opts?: QueryOptions): Promise<Row[]> {
    const c = await this.readers.pool.connect();
    let failed: Error | undefined;
    try {
      if (!this.set.has(c)) {
        await c.query(this.readers.settings);
        this.set.add(c);
      }
      if (!opts?.noNestedLoops) return (await c.query({ text: sql, values: params })).rows as Row[];
      // The setting lives as long as the statement's own transaction.
      await c.query('BEGIN');
      try {
        await c.query('SET LOCAL enable_nestloop = off');
        const rows = (await c.query({ text: sql, values: params })).rows as Row[];
        await c.query('COMMIT');
        return rows;
      } catch (err) {
        await c.query('ROLLBACK').catch((e: unknown) => (failed = e as Error));
        throw err;
      }
    } catch (err) {
      // A reader is not reused after its settings or rollback failed, or after it lost its connection.
      if (!this.set.has(c) || lostConnection(err)) failed ??= err as Error;
      throw err;
    } finally {
      c.release(failed);
    }
  }

  async exec(sql: string, params: Value[] = []): Promise<void> {
    await this.client.query(sql, params);
  }

  async query(sql: string, params: Value[] = [], opts?: QueryOptions): Promise<Row[]> {
    if (opts?.noNestedLoops) {
      // The setting lives as long as the statement's own transaction; nothing else runs on the connection meanwhile (the store's lock).
      return this.transaction(async () => {
        await this.client.query('SET LOCAL enable_nestloop = off');
        return (await this.client.query({ text: sql, values: params })).rows as Row[];
      });
    }
    const res = await this.client.query({ text: sql, values: params });
    return res.rows as Row[];
  }

  async idSet(_name: 'txn' | 'cust' | 'aux', ids: number[]): Promise<string> {
    return ids.length === 0 ? 'SELECT NULL::bigint WHERE false' : `SELECT unnest('{${idList(ids)}}'::bigint[])`;
  }

  async textSet(_name: 'order' | 'key', values: string[]): Promise<string> {
    // Inlined like idSet: one array literal (pgArray), read as one constant.
    if (values.length === 0) return 'SELECT NULL::text WHERE false';
    return `SELECT unnest(${sqlLiteral(pgArray(values))}::text[])`;
  }

  async rowSet(spec: TableSpec, rows: Row[]): Promise<string> {
    // Inlined like idSet: one array literal per column, unnested. PostgreSQL reads an array literal as
    // one constant, where a VALUES list of literals costs a parse per value (70,000 event_slots deltas
    // measured 4 s as VALUES).
    const arrays = spec.columns.map((c) => `${sqlLiteral(pgArray(rows.map((r) => r[c.name] ?? null)))}::${arrayType(c.type)}[]`);
    const select = spec.columns.map((c) => `${fromArray(c, 'd')} AS ${c.name}`);
    return `SELECT ${select.join(', ')} FROM unnest(${arrays.join(', ')}) AS d(${spec.columns.map((c) => c.name).join(', ')})`;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.client.query('BEGIN');
    try {
      const out = await fn();
      await this.client.query('COMMIT');
      return out;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async upsert(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<void> {
    await this.load(spec, rows, true, constants);
  }

  async insert(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<void> {
    await this.load(spec, rows, false, constants);
  }

  private async load(spec: TableSpec, rows: readonly Row[], upsert: boolean, constants?: Row): Promise<void> {
    if (rows.length === 0) return;
    const names = spec.columns.map((c) => c.name);
    const arrays = spec.columns.map((c) => (constants && c.name in constants ? rows.map(() => constants[c.name] ?? null) : rows.map((r) => r[c.name] ?? null)));
    const unnest = spec.columns.map((c, i) => `$${i + 1}::${arrayType(c.type)}[]`).join(', ');
    const select = spec.columns.map((c) => fromArray(c, 's')).join(', ');
    const nonKey = names.filter((n) => !spec.key.includes(n));
    const conflict = nonKey.length > 0 ? `DO UPDATE SET ${nonKey.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}` : 'DO NOTHING';
    const onConflict = upsert ? ` ON CONFLICT (${spec.key.join(', ')}) ${conflict}` : '';
    await this.client.query(`INSERT INTO ${spec.name} (${names.join(', ')}) SELECT ${select} FROM unnest(${unnest}) AS s(${names.join(', ')})${onConflict}`, arrays);
  }

  async close(): Promise<void> {
    await this.readers.pool.end();
    await this.client.end();
  }

  get schemaName(): string | undefined {
    return this.schema;
  }
}

/** Options of the PostgreSQL engine. */
export interface PostgresStoreOptions extends StoreOptions {
  /** A schema to create and use (tests use a fresh one per file); default: the connection's search_path. */
  schema?: string;
}

/** Connects to PostgreSQL (failing loudly when unreachable); run migrate() before use. */
export async function openPostgresStore(url: string, options: PostgresStoreOptions): Promise<SqlStore> {
  return new SqlStore(await connectPostgres(url, options.schema), options);
}

/** The driver on a new connection: BIGINT read as numbers, instants in UTC, in `schema` when given. */
export async function connectPostgres(url: string, schema?: string): Promise<PgDriver> {
  const types = {
    getTypeParser: (oid: number, format?: 'text' | 'binary') =>
      oid === BIGINT_OID || oid === NUMERIC_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'),
  };
  const client = new pg.Client({ connectionString: url, types });
  try {
    await client.connect();
  } catch (err) {
    throw new EnvironmentError(
      `cannot connect to PostgreSQL at ${url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}: ${errorMessage(err)}`,
      'Check that the server runs and the URL (user, password, database) is right.',
    );
  }
  if (schema) {
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new RangeError(`bad schema name ${schema}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
  }
  await client.query("SET TIME ZONE 'UTC'");
  // No JIT compilation: a report statement over millions of ledger rows costs enough for the planner to
  // compile it (jit_above_cost), and compiling took 3.3 s of MID health's 5.3 s at 2,000,000 transactions
  // for no gain in execution; every statement here is an interactive report or a write (docs/metrics.md).
  await client.query('SET jit = off');
  // 64 MB per sort or hash instead of the server's default 4 MB: a report's grouping of a few hundred thousand kept
  // rows (retention's kinds at 10,000,000 transactions: 132,373 rows) sorted on disk at 4 MB. The store's connection
  // and its readers (READERS) are at most four, each running a few such nodes at once; the whole rebuild raises it
  // further for its own transaction.
  await client.query("SET work_mem = '64MB'");
  const readers = new pg.Pool({
    connectionString: url,
    types,
    max: READERS,
    idleTimeoutMillis: READER_IDLE_MS,
    // Idle readers never keep a command from exiting.
    allowExitOnIdle: true,
  });
  // A reader that fails while idle (the server restarted) leaves the pool; the next read opens another.
  readers.on('error', () => undefined);
  // Each reader is given this connection's settings before its first read (the URL's own options, a
  // search_path say, apply to both). The schema exists by now.
  const settings = [...(schema ? [`SET search_path TO ${schema}`] : []), "SET TIME ZONE 'UTC'", 'SET jit = off', "SET work_mem = '64MB'"].join('; ');
  return new PgDriver(client, schema, { pool: readers, settings });
}

/**
 * Whether an error is the connection's, not the statement's: no answer from the server at all, or its
 * classes 08 (connection exception) and 57P (operator intervention: shutdown, terminated backend).
 */
function lostConnection(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError)) return err instanceof Error;
  return /^(08|57P)/.test(err.code ?? '');
}

/**
 * Report reads' own connections (docs/store.md, "Reads beside writes"): a forecast's three reports at once,
 * with room for another page's request; each store opens them as it needs them and closes them when idle.
 */
const READERS = 3;
const READER_IDLE_MS = 10_000;

/**
 * A PostgreSQL array literal of the values (`{1,NULL,"a \\"b\\""}`): strings double-quoted, their `"` and
 * `\` escaped with a backslash, so any text survives; the caller quotes the whole as an SQL string literal.
 */
export function pgArray(values: Value[]): string {
  const item = (v: Value): string => {
    if (v === null) return 'NULL';
    if (typeof v === 'boolean') return v ? 't' : 'f';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new RangeError(`not a finite number: ${v}`);
      return String(v);
    }
    return `"${v.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
  };
  return `{${values.map(item).join(',')}}`;
}
