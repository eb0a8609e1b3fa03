/**
 * A Store over an engine's SqlDriver: the seams of store.ts, each implemented once for both engines
 * (connections.ts, ledger-writer.ts, sync-state.ts), sharing one driver and one lock; plus the store's
 * lifecycle (frozen migrations) and its reads.
 */
import type { SqlDialect } from './dialect.js';
import { Mutex, type SqlDriver, type StoreContext } from './driver.js';
import { SqlConnections } from './connections.js';
import { SqlCosts, type ChangeAuthor, type CostChangeRecord, type CostChangeResult, type CostChangeSet, type CostKind } from './costs.js';
import { SqlLedgerWriter } from './ledger-writer.js';
import { SqlMidAlerts } from './mid-alerts.js';
import { MIGRATIONS } from './migrations/index.js';
import { readCoverages, SqlSyncState } from './sync-state.js';
import type {
  AttributionCoverage,
  CompletedRun,
  Coverage,
  CoverageChange,
  Connection,
  ConnectionChanges,
  ConnectionInfo,
  ConnectionSummary,
  NewConnection,
  MidAlertRuleRow,
  PageMarker,
  PageWrite,
  QueryOptions,
  Store,
  StoreOptions,
  SyncRunRecord,
  SyncRunResult,
  WriteOptions,
} from './store.js';
import type { Rates, SourceKind, SpendRow } from '../ledger/costs.js';
import { READABLE_TABLES, type ReadableTable, type Row, type Selectable, type Value } from './tables.js';

/** A statement that only reads: a SELECT, or a WITH whose CTEs only read (ReportReader.query's contract). */
const READ_ONLY = /^\s*(SELECT|WITH)\b/i;

export class SqlStore implements Store {
  private readonly ctx: StoreContext;
  private readonly connections: SqlConnections;
  private readonly writer: SqlLedgerWriter;
  private readonly state: SqlSyncState;
  private readonly costs: SqlCosts;
  private readonly alerts: SqlMidAlerts;

  constructor(
    private readonly db: SqlDriver,
    options: StoreOptions,
  ) {
    this.ctx = { db, lock: new Mutex() };
    this.connections = new SqlConnections(this.ctx, options.secretKey);
    this.writer = new SqlLedgerWriter(this.ctx);
    this.state = new SqlSyncState(this.ctx);
    this.costs = new SqlCosts(this.ctx);
    this.alerts = new SqlMidAlerts(this.ctx);
  }

  get engine(): 'duckdb' | 'postgres' {
    return this.db.sql.name;
  }

  get sql(): SqlDialect {
    return this.db.sql;
  }

  async migrate(): Promise<number> {
    return this.ctx.lock.run(async () => {
      await this.db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)');
      const applied = new Set((await this.db.query('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
      for (const m of MIGRATIONS) {
        if (applied.has(m.version)) continue;
        await this.db.transaction(async () => {
          for (const s of m[this.db.sql.name]) await this.db.exec(s);
          await this.db.exec('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, new Date().toISOString()]);
        });
      }
      return Math.max(0, ...MIGRATIONS.map((m) => m.version));
    });
  }

  async schemaVersion(): Promise<number> {
    try {
      const rows = await this.db.query('SELECT MAX(version) AS v FROM schema_migrations');
      return Number(rows[0]?.v ?? 0);
    } catch {
      return 0;
    }
  }

  async close(): Promise<void> {
    await this.ctx.lock.run(() => this.db.close());
  }

  // ConnectionStore
  saveConnection(c: NewConnection): Promise<Connection> {
    return this.connections.saveConnection(c);
  }
  getConnection(name: string): Promise<Connection | null> {
    return this.connections.getConnection(name);
  }
  listConnections(): Promise<ConnectionSummary[]> {
    return this.connections.listConnections();
  }
  removeConnection(name: string): Promise<boolean> {
    return this.connections.removeConnection(name);
  }
  connectionInfo(name: string): Promise<ConnectionInfo | null> {
    return this.connections.connectionInfo(name);
  }
  updateConnection(name: string, changes: ConnectionChanges): Promise<ConnectionInfo | null> {
    return this.connections.updateConnection(name, changes);
  }

  // LedgerWriter
  writePage(w: PageWrite): Promise<void> {
    return this.writer.writePage(w);
  }
  writePages(ws: PageWrite[], opts?: WriteOptions): Promise<void> {
    return this.writer.writePages(ws, opts);
  }
  refreshDirtyFacts(connectionId: string, opts?: { records?: number }): Promise<number> {
    return this.writer.refreshDirtyFacts(connectionId, opts);
  }
  rebuildAggregates(connectionId?: string): Promise<void> {
    return this.writer.rebuildAggregates(connectionId);
  }

  // SyncState
  pageMarkers(connectionId: string, scope: string): Promise<PageMarker[]> {
    return this.state.pageMarkers(connectionId, scope);
  }
  clearScope(connectionId: string, scope: string): Promise<void> {
    return this.state.clearScope(connectionId, scope);
  }
  getCheckpoint(connectionId: string, stream: string): Promise<string | null> {
    return this.state.getCheckpoint(connectionId, stream);
  }
  setCheckpoint(connectionId: string, stream: string, updatedThrough: string): Promise<void> {
    return this.state.setCheckpoint(connectionId, stream, updatedThrough);
  }
  startRun(run: SyncRunRecord): Promise<void> {
    return this.state.startRun(run);
  }
  finishRun(runId: string, result: SyncRunResult): Promise<void> {
    return this.state.finishRun(runId, result);
  }
  completeRun(c: CompletedRun): Promise<number> {
    return this.state.completeRun(c);
  }
  coverage(connectionId: string): Promise<Coverage | null> {
    return this.state.coverage(connectionId);
  }
  extendCoverage(connectionId: string, c: CoverageChange): Promise<void> {
    return this.state.extendCoverage(connectionId, c);
  }
  missingRecords(connectionId: string, limit: number): Promise<{ transactions: number[]; customers: number[] }> {
    return this.state.missingRecords(connectionId, limit);
  }
  coverages(connectionIds: readonly string[]): Promise<Map<string, Coverage>> {
    return readCoverages(this.ctx, connectionIds);
  }
  attributionCoverage(connectionId: string): Promise<AttributionCoverage> {
    return this.state.attributionCoverage(connectionId);
  }
  quarantined(connectionId: string): Promise<{ stream: string; recordKey: string; reason: string; raw: string; attempts: number }[]> {
    return this.state.quarantined(connectionId);
  }

  // CostStore
  rates(connectionId: string): Promise<Rates> {
    return this.costs.rates(connectionId);
  }
  spendRows(connectionId: string, q?: { from?: string; to?: string; sourceKind?: SourceKind }): Promise<SpendRow[]> {
    return this.costs.spendRows(connectionId, q);
  }
  applyCostChanges(connectionId: string, change: CostChangeSet, author: ChangeAuthor): Promise<CostChangeResult> {
    return this.costs.applyCostChanges(connectionId, change, author);
  }
  costChanges(connectionId: string, q?: { limit?: number; kind?: CostKind }): Promise<CostChangeRecord[]> {
    return this.costs.costChanges(connectionId, q);
  }
  rebuildCostEvents(connectionId?: string): Promise<void> {
    return this.costs.rebuildCostEvents(connectionId);
  }

  // MidAlertStore
  midAlertRules(connectionId?: string): Promise<MidAlertRuleRow[]> {
    return this.alerts.midAlertRules(connectionId);
  }
  setMidAlertRule(rule: Omit<MidAlertRuleRow, 'updatedAt'>): Promise<void> {
    return this.alerts.setMidAlertRule(rule);
  }
  removeMidAlertRule(connectionId: string, mid: string): Promise<boolean> {
    return this.alerts.removeMidAlertRule(connectionId, mid);
  }

  // ReportReader and reads
  async query(sql: string, params: Value[] = [], opts?: QueryOptions): Promise<Row[]> {
    // A SELECT goes to the engine's readers where it has them (SqlDriver.read); anything else, a test's
    // INSERT say, takes its turn with the writes on the store's own connection.
    if (this.db.read && READ_ONLY.test(sql)) return this.db.read(sql, params, opts);
    return this.ctx.lock.run(() => this.db.query(sql, params, opts));
  }

  async aggregatesBehind(): Promise<boolean> {
    return (await this.query('SELECT connection_id FROM rebuild_pending LIMIT 1')).length > 0;
  }

  async countRows(table: ReadableTable, connectionId: string): Promise<number> {
    const rows = await this.query(`SELECT COUNT(*) AS n FROM ${READABLE_TABLES[table].name} WHERE connection_id = $1`, [connectionId]);
    return Number(rows[0]?.n ?? 0);
  }

  async readRows<T extends ReadableTable>(table: T, connectionId: string): Promise<Selectable<(typeof READABLE_TABLES)[T]>[]> {
    const spec = READABLE_TABLES[table];
    const cols = spec.columns.map((c) => (c.type === 'instant' ? `${this.db.sql.epochMs(c.name)} AS ${c.name}` : c.type === 'json' ? `CAST(${c.name} AS TEXT) AS ${c.name}` : c.name));
    const rows = await this.query(`SELECT ${cols.join(', ')} FROM ${spec.name} WHERE connection_id = $1 ORDER BY ${spec.key.join(', ')}`, [connectionId]);
    return rows as Selectable<(typeof READABLE_TABLES)[T]>[];
  }
}
