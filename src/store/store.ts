/**
 * The Store interface: the one seam between sync/analytics and a database engine. Both engines
 * (engines/duckdb, engines/postgres) pass the same contract suite (store.contract.ts).
 */
import type { EntityTableName, ReadableTable, Row, Value } from './schema.js';

export type Brand = 'konnektive' | 'checkoutchamp';
export type Frequency = 'hourly' | '6h' | '12h' | 'daily';

/** A connection as the caller supplies it (the password in clear, only in memory). */
export interface NewConnection {
  name: string;
  brand: Brand;
  baseUrl: string;
  loginId: string;
  password: string;
  accountName: string;
  accountUsername: string;
  timezone: string;
  frequency: Frequency;
}

/** A stored connection, with its password opened again for the CRM client. */
export interface Connection extends NewConnection {
  connectionId: string;
  createdAt: number;
}

/** What listing shows: never the password. */
export type ConnectionSummary = Omit<Connection, 'password'>;

/** A page's checkpoint marker: this page of this window of this stream is stored. */
export interface PageMarker {
  stream: string;
  /** The sync scope the marker belongs to, e.g. "backfill:2025-01-01..2025-03-31". */
  scope: string;
  windowKey: string;
  page: number;
  totalResults: number;
  records: number;
  /** Latest dateUpdated (account-local wall string) seen on the page, for the incremental checkpoint. */
  maxUpdated: string | null;
}

/** Ledger changes for the transactions of a page: their events are replaced wholesale. */
export interface LedgerChange {
  transactionIds: number[];
  events: Row[];
}

/** Everything one fetched page changes, written in ONE transaction. */
export interface PageWrite {
  connectionId: string;
  table: EntityTableName;
  rows: Row[];
  ledger?: LedgerChange;
  marker?: PageMarker;
}

export interface SyncRunRecord {
  runId: string;
  connectionId: string;
  mode: 'backfill' | 'incremental';
  scope: string;
  startedAt: number;
}

export interface SyncRunResult {
  status: 'ok' | 'failed' | 'cancelled';
  finishedAt: number;
  records: number;
  pages: number;
  retries: number;
  error?: string;
}

/** A run that ended well, as completeRun records it. */
export interface CompletedRun {
  runId: string;
  connectionId: string;
  /** The scope whose page markers are dropped. */
  scope: string;
  /** The incremental checkpoints to set, by stream (account-local "YYYY-MM-DD"). */
  checkpoints: Record<string, string>;
  result: SyncRunResult;
}

/** What a group commit may leave for refreshDirtyFacts (docs/store.md, "Deferred work"). */
export interface WriteOptions {
  /**
   * The customers whose events changed are marked dirty (in the same transaction) instead of their
   * facts being recomputed per write.
   */
  deferFacts?: boolean;
  /**
   * The ledger alone changes: no customer facts, no report pre-aggregates are kept per write. The
   * connection is marked (rebuild_pending, in the same transaction), and refreshDirtyFacts rebuilds all
   * of its facts and aggregates, each in one grouped pass; reports read the ledger meanwhile. Cheaper
   * when a run writes much of the connection's ledger (a backfill).
   */
  deferRebuild?: boolean;
}

export interface Store {
  readonly engine: 'duckdb' | 'postgres';
  /** Applies pending migrations; returns the schema version. */
  migrate(): Promise<number>;
  /** The applied schema version (0 before migrate). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;

  /** Saves a new connection (password sealed); throws when the name exists. */
  saveConnection(c: NewConnection): Promise<Connection>;
  /** A connection by name, password opened; null when unknown. */
  getConnection(name: string): Promise<Connection | null>;
  /** All connections without passwords, by name. */
  listConnections(): Promise<ConnectionSummary[]>;
  /** Removes a connection and every row synced for it; false when unknown. */
  removeConnection(name: string): Promise<boolean>;
  /** Changes how often a connection is synced (the dashboard's setting, read by `konduit sync --watch`); false when unknown. */
  setFrequency(name: string, frequency: Frequency): Promise<boolean>;

  /**
   * Upserts a page's rows, replaces its ledger events, refreshes customer facts, keeps the report
   * pre-aggregates (docs/store.md) and writes its marker, atomically.
   */
  writePage(w: PageWrite): Promise<void>;
  /**
   * Writes several pages in ONE transaction (group commit); later pages win where they overlap. See
   * WriteOptions for what can wait for refreshDirtyFacts.
   */
  writePages(ws: PageWrite[], opts?: WriteOptions): Promise<void>;
  /**
   * Recomputes the facts of every customer marked dirty; returns how many. The report pre-aggregates that
   * depend on facts (new customers, cohort_slots, cohort_ages) follow in the same transaction. When a
   * write deferred the rebuild (deferRebuild), every fact and aggregate of the connection is rebuilt
   * there instead, each in one pass.
   */
  refreshDirtyFacts(connectionId: string, opts?: { /** Records the run has written: a hint of the work's size. */ records?: number }): Promise<number>;
  /**
   * Ends a run that succeeded, in ONE transaction: refreshDirtyFacts, the checkpoints moved, the scope's
   * page markers dropped and the run recorded. A crash before it commits leaves the run resumable as it
   * was; returns refreshDirtyFacts' count.
   */
  completeRun(c: CompletedRun): Promise<number>;
  /**
   * Rebuilds the report pre-aggregates (event_slots, cohort_slots, cohort_ages) of one connection, or of
   * all, from the ledger and the facts. Writes keep them current on their own; this is for data loaded
   * around the store (bulk generation in the bench) and for repair.
   */
  rebuildAggregates(connectionId?: string): Promise<void>;
  /** Page markers of a scope (what a resumed sync may skip). */
  pageMarkers(connectionId: string, scope: string): Promise<PageMarker[]>;
  /** Drops a finished scope's markers. */
  clearScope(connectionId: string, scope: string): Promise<void>;
  /** A stream's incremental checkpoint date (account-local "YYYY-MM-DD"), or null. */
  getCheckpoint(connectionId: string, stream: string): Promise<string | null>;
  /** Sets a stream's incremental checkpoint date. */
  setCheckpoint(connectionId: string, stream: string, updatedThrough: string): Promise<void>;

  /**
   * Records a run as 'running'. The caller holds the connection's sync lock, so the connection's earlier
   * runs still marked 'running' were stopped without finishing (killed, crashed): they become 'interrupted'.
   */
  startRun(run: SyncRunRecord): Promise<void>;
  finishRun(runId: string, result: SyncRunResult): Promise<void>;

  /** Row count of a table for a connection. */
  countRows(table: ReadableTable, connectionId: string): Promise<number>;
  /** All rows of a table for a connection, ordered by key (tests, verification; not for large reports). */
  readRows(table: ReadableTable, connectionId: string): Promise<Row[]>;

  /**
   * Runs a read-only SQL query ($1.. parameters) for reports; bigint comes back as number, instant columns
   * as the engine returns them (use `instantMsSql` to read epoch milliseconds portably).
   */
  query(sql: string, params?: Value[]): Promise<Row[]>;
  /** SQL expression reading an instant column or expression as epoch milliseconds in this engine. */
  instantMsSql(expr: string): string;
}

/** Options every engine takes through its constructor. */
export interface StoreOptions {
  /** 32-byte key that seals connection passwords (secrets.ts). */
  secretKey: Uint8Array;
}
