/**
 * DuckDB engine: the embedded default (a file, ./konduit.duckdb unless told otherwise). Bulk upserts go
 * through the Appender into a staging table, then one INSERT OR REPLACE: far faster than statements
 * per row, and the primary key still guarantees no duplicate.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR, type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { EnvironmentError, errorMessage } from '../../../core/errors.js';
import { sqlLiteral, type SqlDriver } from '../../driver.js';
import { SqlStore } from '../../sql-store.js';
import type { StoreOptions } from '../../store.js';
import type { Row, TableSpec, Value } from '../../tables.js';
import { duckdbDialect } from './dialect.js';
import { resultRows } from './rows.js';

function param(v: Value): DuckDBValue {
  return v;
}

type StageType = 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'VARCHAR';
const STAGE_TYPES: Record<StageType, DuckDBType> = { DOUBLE, INTEGER, BOOLEAN, VARCHAR };
/** Stage rows kept between write transactions before the stages are emptied (see DuckDriver.stagedRows). */
const STAGE_ROWS_KEPT = 50_000;
/** Rows per data chunk (DuckDB's standard vector size). */
const CHUNK_ROWS = 2048;

function stageType(t: TableSpec['columns'][number]['type']): StageType {
  return t === 'instant' || t === 'bigint' ? 'DOUBLE' : t === 'int' ? 'INTEGER' : t === 'bool' ? 'BOOLEAN' : 'VARCHAR';
}

/** `$1`.. placeholders replaced by literals (see sqlLiteral). */
export function inlineParams(sql: string, params: Value[]): string {
  if (params.length === 0) return sql;
  return sql.replace(/\$(\d+)(?!\d)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i < 0 || i >= params.length) throw new RangeError(`no value for $${n}`);
    return sqlLiteral(params[i] as Value);
  });
}

/** The DuckDB SqlDriver (exported for its own tests; the store is opened with openDuckDbStore). */
export class DuckDriver implements SqlDriver {
  readonly sql = duckdbDialect;
  private readonly staged = new Set<string>();
  /**
   * Inside a write transaction, statements whose result nobody reads are queued and sent with the next
   * query (or the COMMIT) as one multi-statement string: one trip through the thread pool instead of
   * one per statement, and no prepare/bind round trips. A parameterised statement costs four or more
   * such trips in @duckdb/node-api, each waiting for an event loop busy with parsing CRM pages
   * (docs/store.md, "Writes"). Until BEGIN has gone out, appends to the temp stages commit on their
   * own; stages are scratch, and a rollback empties them.
   */
  private pending: string[] = [];
  private inTransaction = false;
  /**
   * Stage and id-set rows carry the number of the load that appended them (`_gen`), so an append never
   * has to wait for a queued statement that empties the stage: statements read their own generation,
   * and stages are emptied after a COMMIT once they hold STAGE_ROWS_KEPT rows.
   */
  private gen = 0;
  private readonly used = new Set<string>();
  /**
   * Rows appended to stages since they were last emptied. A statement reads only its own generation,
   * so emptying them can wait until they hold this many rows: a DELETE per stage per COMMIT (seven for
   * a page of transactions) was a steady share of a small batch's statements.
   */
  private stagedRows = 0;
  /** DuckDB's thread count as last set (-1: unknown after a failed script, so the next use sets it). */
  private threadsNow: number;

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
    /** DuckDB's thread count as opened (restored by the first statement after serial transactions). */
    private readonly threads: number,
  ) {
    this.threadsNow = threads;
  }

  /**
   * The statement that sets DuckDB's thread count to n, or none when it is set already. A serial
   * transaction leaves one thread set for the next one (a sync's batches follow each other); anything
   * else puts every thread back first. Setting it costs about 2 ms, twice per batch when restored each time.
   */
  private threadsFor(n: number): string[] {
    if (this.threadsNow === n) return [];
    this.threadsNow = n;
    return [`SET threads = ${n}`];
  }

  /** Outside a transaction: every thread back before a statement (after a serial transaction). */
  private async allThreads(): Promise<void> {
    for (const sql of this.threadsFor(this.threads)) await this.conn.run(sql);
  }

  async exec(sql: string, params: Value[] = []): Promise<void> {
    if (this.inTransaction) {
      this.pending.push(inlineParams(sql, params));
      return;
    }
    await this.allThreads();
    await this.conn.run(sql, params.length > 0 ? params.map(param) : undefined);
  }

  async query(sql: string, params: Value[] = []): Promise<Row[]> {
    if (this.inTransaction) {
      // Queued statements go first, in the same trip; the result is the last statement's.
      const script = [...this.pending, inlineParams(sql, params)].join(';\n');
      this.pending = [];
      return resultRows(await this.conn.run(script));
    }
    await this.allThreads();
    return resultRows(await this.conn.run(sql, params.length > 0 ? params.map(param) : undefined));
  }

  async idSet(name: 'txn' | 'cust' | 'aux', ids: number[]): Promise<string> {
    for (const id of ids) if (!Number.isSafeInteger(id)) throw new RangeError(`not an integer id: ${id}`);
    return this.oneColumnSet(`ids_${name}`, 'bigint', ids);
  }

  async textSet(name: 'order' | 'key', values: string[]): Promise<string> {
    // A temp table without a key: no index upkeep, and it never reaches the WAL (a keyed scratch table
    // in the database, filled and emptied per batch, measured as costly as the lookup itself).
    return this.oneColumnSet(`set_${name}`, 'text', values);
  }

  /** Values staged as the rows of a one-column spec; the subquery reads that column back. */
  private async oneColumnSet(name: string, type: 'bigint' | 'text', values: (number | string)[]): Promise<string> {
    const { select, from } = await this.stage({ name, key: [], columns: [{ name: 'v', type }], types: { v: type } }, values.map((v) => ({ v })));
    return `SELECT ${select[0] as string} ${from}`;
  }

  /** Statements that empty every stage and set used since the last call. */
  private clearUsed(): string[] {
    const out = [...this.used].map((t) => `DELETE FROM ${t}`);
    this.used.clear();
    this.stagedRows = 0;
    return out;
  }

  async transaction<T>(fn: () => Promise<T>, opts: { serial?: boolean } = {}): Promise<T> {
    // A sync batch is many small statements: on one thread DuckDB spends 15% to 25% less CPU on them
    // (no hand-offs to a worker thread that has little to do), CPU the page parsing and the CRM share
    // on a small machine. Reports and fact refreshes keep every thread.
    const threads = opts.serial === true ? 1 : this.threads;
    // BEGIN is queued too: it travels with the transaction's first query or with its COMMIT.
    this.pending = [...this.threadsFor(threads), 'BEGIN TRANSACTION'];
    this.inTransaction = true;
    try {
      const out = await fn();
      const clear = this.stagedRows >= STAGE_ROWS_KEPT ? this.clearUsed() : [];
      const script = [...this.pending, 'COMMIT', ...clear].join(';\n');
      this.pending = [];
      this.inTransaction = false;
      await this.conn.run(script);
      return out;
    } catch (err) {
      this.pending = [];
      this.inTransaction = false;
      // Harmless when the failure was the COMMIT itself (DuckDB has rolled back already).
      await this.conn.run('ROLLBACK').catch(() => undefined);
      // Whether a queued SET ran before the failure is unknown: the next use sets the count again.
      this.threadsNow = -1;
      for (const t of this.clearUsed()) await this.conn.run(t).catch(() => undefined);
      // A staging table created inside the failed transaction is gone with it.
      this.staged.clear();
      throw err;
    }
  }

  /** A stage for the spec's columns less the constant ones (each combination has its own stage). */
  private stageFor(spec: TableSpec, constants: Row | undefined): { stage: string; columns: TableSpec['columns'] } {
    const omit = constants ? spec.columns.filter((c) => c.name in constants).map((c) => c.name) : [];
    if (omit.length === 0) return { stage: `stage_${spec.name}`, columns: spec.columns };
    return { stage: `stage_${spec.name}__${omit.join('_')}`, columns: spec.columns.filter((c) => !omit.includes(c.name)) };
  }

  private async ensureStage(stage: string, columns: TableSpec['columns']): Promise<void> {
    if (this.staged.has(stage)) return;
    // Staging holds instants as epoch ms and BIGINTs as DOUBLE (exact for every safe integer, which is
    // all we store: cents, CRM ids), JSON as text: column types a data chunk fills without a BigInt
    // per value.
    const cols = [...columns.map((c) => `${c.name} ${stageType(c.type)}`), '_gen INTEGER'];
    await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${stage} (${cols.join(', ')})`);
    this.staged.add(stage);
  }

  async upsert(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<void> {
    await this.load(spec, rows, 'upsert', constants);
  }

  async insert(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<void> {
    await this.load(spec, rows, 'insert', constants);
  }

  /**
   * The rows as a subquery with the spec's columns and types, staged (as for a load) for the statements
   * of this transaction: no literal per value for DuckDB to parse (the event_slots upsert of a few
   * hundred deltas measured 12 ms a statement with them inlined as VALUES, about 8 ms staged).
   */
  async rowSet(spec: TableSpec, rows: Row[]): Promise<string> {
    const { select, from } = await this.stage(spec, rows);
    return `SELECT ${select.map((e, i) => `${e} AS ${(spec.columns[i] as TableSpec['columns'][number]).name}`).join(', ')} ${from}`;
  }

  private async load(spec: TableSpec, rows: readonly Row[], how: 'upsert' | 'insert', constants?: Row): Promise<void> {
    if (rows.length === 0) return;
    const { select, from } = await this.stage(spec, rows, constants);
    const cols = spec.columns.map((c) => c.name).join(', ');
    let move: string;
    if (how === 'insert') {
      move = `INSERT INTO ${spec.name} (${cols}) SELECT ${select.join(', ')} ${from}`;
    } else if (spec.name === 'connections') {
      // A second unique index (name) rules out INSERT OR REPLACE; connections are written rarely.
      const nonKey = spec.columns.map((c) => c.name).filter((n) => !spec.key.includes(n));
      move = `INSERT INTO ${spec.name} (${cols}) SELECT ${select.join(', ')} ${from} ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET ${nonKey.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`;
    } else {
      // INSERT OR REPLACE measured ~6x faster than ON CONFLICT DO UPDATE on DuckDB 1.5 (docs/store.md).
      move = `INSERT OR REPLACE INTO ${spec.name} (${cols}) SELECT ${select.join(', ')} ${from}`;
    }
    await this.exec(move);
  }

  /**
   * Appends the rows to their stage under a new generation; returns the select list (in the spec's
   * column order) and the FROM clause that read them back.
   */
  private async stage(spec: TableSpec, rows: readonly Row[], constants?: Row): Promise<{ select: string[]; from: string }> {
    // Constant columns (the connection id) are not staged per row: they go into the move as literals.
    const { stage, columns } = this.stageFor(spec, constants);
    await this.ensureStage(stage, columns);
    const gen = ++this.gen;
    const appender: DuckDBAppender = await this.conn.createAppender(stage, 'main', 'temp');
    try {
      // Column by column into data chunks: numbers and flags are written to the vectors' memory from
      // JS, one native call per column instead of one per value (the per-value Appender calls measured
      // as the largest JS cost of a store batch).
      const types = [...columns.map((c) => STAGE_TYPES[stageType(c.type)]), INTEGER];
      const size = CHUNK_ROWS;
      for (let from = 0; from < rows.length; from += size) {
        const n = Math.min(size, rows.length - from);
        const chunk = DuckDBDataChunk.create(types, n);
        for (let ci = 0; ci < columns.length; ci++) {
          const col = columns[ci] as TableSpec['columns'][number];
          const vector = chunk.getColumnVector(ci);
          const name = col.name;
          switch (stageType(col.type)) {
            case 'DOUBLE':
            case 'INTEGER':
              for (let i = 0; i < n; i++) {
                const v = (rows[from + i] as Row)[name];
                vector.setItem(i, v === null || v === undefined ? null : Number(v));
              }
              break;
            case 'BOOLEAN':
              for (let i = 0; i < n; i++) {
                const v = (rows[from + i] as Row)[name];
                vector.setItem(i, v === null || v === undefined ? null : Boolean(v));
              }
              break;
            default:
              for (let i = 0; i < n; i++) {
                const v = (rows[from + i] as Row)[name];
                vector.setItem(i, v === null || v === undefined ? null : String(v));
              }
          }
          vector.flush();
        }
        const gv = chunk.getColumnVector(columns.length);
        for (let i = 0; i < n; i++) gv.setItem(i, gen);
        gv.flush();
        appender.appendDataChunk(chunk);
      }
      appender.flushSync();
    } catch (err) {
      // Drop anything half-appended so closing does not fail on it; the caller's transaction rolls back.
      appender.clear();
      throw err;
    } finally {
      appender.closeSync();
    }
    const select = spec.columns.map((c) =>
      constants && c.name in constants
        ? sqlLiteral(constants[c.name] as Value)
        : c.type === 'instant'
          ? `epoch_ms(CAST(${c.name} AS BIGINT))`
          : c.type === 'bigint'
            ? `CAST(${c.name} AS BIGINT)`
            : c.name,
    );
    // The rows are read by their own generation, so the stage is emptied later, with the others (clearUsed).
    this.used.add(stage);
    this.stagedRows += rows.length;
    return { select, from: `FROM ${stage} WHERE _gen = ${gen}` };
  }

  async close(): Promise<void> {
    await this.conn.run('CHECKPOINT').catch(() => undefined);
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** Opens (creating when missing) a DuckDB store file; run migrate() before use. */
export async function openDuckDbStore(path: string, options: StoreOptions): Promise<SqlStore> {
  const onDisk = path !== ':memory:';
  if (onDisk) await mkdir(dirname(path), { recursive: true });
  const created = onDisk && !existsSync(path);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path);
  } catch (err) {
    throw new EnvironmentError(
      `cannot open the DuckDB store ${path}: ${errorMessage(err)}`,
      'Another konduit process may hold it open (DuckDB allows one writer), or the path is not writable.',
    );
  }
  // The store holds customers' data: a new file is its owner's alone (0600) before anything is written
  // to it. (Its WAL is created later, with the process's umask: the CLI runs with 077.)
  if (created) await chmod(path, 0o600);
  const conn = await instance.connect();
  // The default 16 MB WAL threshold checkpoints on almost every bulk commit of raw CRM records, which
  // measured as the largest single cost of a sync; checkpoint less often (and on close) instead.
  await conn.run("SET checkpoint_threshold = '512MB'");
  // A scan reads an ART index (rebill-rates.ts' lookups by purchase, migration 26) only for fewer rows than
  // 0.1% of the table's: each row it fetches costs tens of microseconds, so in a small table a scan is
  // cheaper (DuckDB's default also takes the index for up to 2,048 rows whatever the table's size).
  await conn.run('SET index_scan_max_count = 0');
  const threads = Number((await conn.runAndReadAll("SELECT current_setting('threads') AS n")).getRowObjectsJS()[0]?.n ?? 1);
  return new SqlStore(new DuckDriver(instance, conn, threads), options);
}
