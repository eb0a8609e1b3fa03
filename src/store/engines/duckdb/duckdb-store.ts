/**
 * DuckDB engine: the embedded default (a file, ./konduit.duckdb unless told otherwise). Bulk upserts go
 * through the Appender into a staging table, then one INSERT OR REPLACE: far faster than statements
 * per row, and the primary key still guarantees no duplicate.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BOOLEAN, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, VARCHAR, type DuckDBAppender, type DuckDBConnection, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { EnvironmentError, errorMessage } from '../../../core/errors.js';
import type { Row, TableSpec, Value } from '../../schema.js';
import { SqlStore, type SqlDriver } from '../../sql-store.js';
import type { StoreOptions } from '../../store.js';

function toJs(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.getTime();
  return String(v);
}

function param(v: Value): DuckDBValue {
  return v;
}

type StageType = 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'VARCHAR';
const STAGE_TYPES: Record<StageType, DuckDBType> = { DOUBLE, INTEGER, BOOLEAN, VARCHAR };
/** Rows per data chunk (DuckDB's standard vector size). */
const CHUNK_ROWS = 2048;

function stageType(t: TableSpec['columns'][number]['type']): StageType {
  return t === 'instant' || t === 'bigint' ? 'DOUBLE' : t === 'int' ? 'INTEGER' : t === 'bool' ? 'BOOLEAN' : 'VARCHAR';
}

class DuckDriver implements SqlDriver {
  readonly dialect = 'duckdb' as const;
  private readonly staged = new Set<string>();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  async exec(sql: string, params: Value[] = []): Promise<void> {
    await this.conn.run(sql, params.map(param));
  }

  async query(sql: string, params: Value[] = []): Promise<Row[]> {
    const reader = await this.conn.runAndReadAll(sql, params.map(param));
    return reader.getRowObjectsJS().map((r) => {
      const out: Row = {};
      for (const [k, v] of Object.entries(r)) out[k] = toJs(v);
      return out;
    });
  }

  instantMs(column: string): string {
    return `epoch_ms(${column})`;
  }

  async idSet(name: 'txn' | 'cust' | 'aux', ids: number[]): Promise<string> {
    const table = `ids_${name}`;
    // Temp tables live outside transactions' rollback concerns only once created; create lazily like stages.
    if (!this.staged.has(table)) {
      await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${table} (id BIGINT)`);
      this.staged.add(table);
    }
    await this.conn.run(`DELETE FROM ${table}`);
    const ap = await this.conn.createAppender(table, 'main', 'temp');
    try {
      for (const id of ids) {
        if (!Number.isSafeInteger(id)) throw new RangeError(`not an integer id: ${id}`);
        ap.appendBigInt(BigInt(id));
        ap.endRow();
      }
      ap.flushSync();
    } finally {
      ap.closeSync();
    }
    return `SELECT id FROM ${table}`;
  }

  async textSet(name: 'order', values: string[]): Promise<string> {
    // A temp table without a key: no index upkeep, and it never reaches the WAL (a keyed scratch table
    // in the database, filled and emptied per batch, measured as costly as the lookup itself).
    const table = `set_${name}`;
    if (!this.staged.has(table)) {
      await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${table} (v VARCHAR)`);
      this.staged.add(table);
    }
    await this.conn.run(`DELETE FROM ${table}`);
    const ap = await this.conn.createAppender(table, 'main', 'temp');
    try {
      for (const v of values) {
        ap.appendVarchar(v);
        ap.endRow();
      }
      ap.flushSync();
    } finally {
      ap.closeSync();
    }
    return `SELECT v FROM ${table}`;
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.conn.run('BEGIN TRANSACTION');
    try {
      const out = await fn();
      await this.conn.run('COMMIT');
      return out;
    } catch (err) {
      await this.conn.run('ROLLBACK').catch(() => undefined);
      // A staging table created inside the failed transaction is gone with it.
      this.staged.clear();
      throw err;
    }
  }

  private stageName(spec: TableSpec): string {
    return `stage_${spec.name}`;
  }

  private async ensureStage(spec: TableSpec): Promise<void> {
    if (this.staged.has(spec.name)) return;
    // Staging holds instants as epoch ms and BIGINTs as DOUBLE (exact for every safe integer, which is
    // all we store: cents, CRM ids), JSON as text: column types a data chunk fills without a BigInt
    // per value.
    const cols = spec.columns.map((c) => `${c.name} ${stageType(c.type)}`);
    await this.conn.run(`CREATE TEMP TABLE IF NOT EXISTS ${this.stageName(spec)} (${cols.join(', ')})`);
    this.staged.add(spec.name);
  }

  async upsert(spec: TableSpec, rows: Row[]): Promise<void> {
    await this.load(spec, rows, 'upsert');
  }

  async insert(spec: TableSpec, rows: Row[]): Promise<void> {
    await this.load(spec, rows, 'insert');
  }

  private async load(spec: TableSpec, rows: Row[], how: 'upsert' | 'insert'): Promise<void> {
    if (rows.length === 0) return;
    await this.ensureStage(spec);
    const stage = this.stageName(spec);
    const appender: DuckDBAppender = await this.conn.createAppender(stage, 'main', 'temp');
    try {
      // Column by column into data chunks: numbers and flags are written to the vectors' memory from
      // JS, one native call per column instead of one per value (the per-value Appender calls measured
      // as the largest JS cost of a store batch).
      const types = spec.columns.map((c) => STAGE_TYPES[stageType(c.type)]);
      const size = CHUNK_ROWS;
      for (let from = 0; from < rows.length; from += size) {
        const n = Math.min(size, rows.length - from);
        const chunk = DuckDBDataChunk.create(types, n);
        for (let ci = 0; ci < spec.columns.length; ci++) {
          const col = spec.columns[ci] as TableSpec['columns'][number];
          const vector = chunk.getColumnVector(ci);
          const name = col.name;
          switch (stageType(col.type)) {
            case 'DOUBLE':
              for (let i = 0; i < n; i++) {
                const v = (rows[from + i] as Row)[name];
                vector.setItem(i, v === null || v === undefined ? null : Number(v));
              }
              break;
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
    const select = spec.columns.map((c) => (c.type === 'instant' ? `epoch_ms(CAST(${c.name} AS BIGINT))` : c.type === 'bigint' ? `CAST(${c.name} AS BIGINT)` : c.name));
    const cols = spec.columns.map((c) => c.name).join(', ');
    let move: string;
    if (how === 'insert') {
      move = `INSERT INTO ${spec.name} (${cols}) SELECT ${select.join(', ')} FROM ${stage}`;
    } else if (spec.name === 'connections') {
      // A second unique index (name) rules out INSERT OR REPLACE; connections are written rarely.
      const nonKey = spec.columns.map((c) => c.name).filter((n) => !spec.key.includes(n));
      move = `INSERT INTO ${spec.name} (${cols}) SELECT ${select.join(', ')} FROM ${stage} ON CONFLICT (${spec.key.join(', ')}) DO UPDATE SET ${nonKey.map((n) => `${n} = EXCLUDED.${n}`).join(', ')}`;
    } else {
      // INSERT OR REPLACE measured ~6x faster than ON CONFLICT DO UPDATE on DuckDB 1.5 (docs/store.md).
      move = `INSERT OR REPLACE INTO ${spec.name} (${cols}) SELECT ${select.join(', ')} FROM ${stage}`;
    }
    try {
      // One round trip for the move and the stage's reset: each statement costs a trip through the
      // thread pool and back to a busy event loop, which measured as a large share of a small batch.
      await this.conn.run(`${move}; DELETE FROM ${stage}`);
    } catch (err) {
      await this.conn.run(`DELETE FROM ${stage}`).catch(() => undefined);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.conn.run('CHECKPOINT').catch(() => undefined);
    this.conn.closeSync();
    this.instance.closeSync();
  }
}

/** Opens (creating when missing) a DuckDB store file; run migrate() before use. */
export async function openDuckDbStore(path: string, options: StoreOptions): Promise<SqlStore> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(path);
  } catch (err) {
    throw new EnvironmentError(
      `cannot open the DuckDB store ${path}: ${errorMessage(err)}`,
      'Another konduit process may hold it open (DuckDB allows one writer), or the path is not writable.',
    );
  }
  const conn = await instance.connect();
  // The default 16 MB WAL threshold checkpoints on almost every bulk commit of raw CRM records, which
  // measured as the largest single cost of a sync; checkpoint less often (and on close) instead.
  await conn.run("SET checkpoint_threshold = '512MB'");
  return new SqlStore(new DuckDriver(instance, conn), options);
}
