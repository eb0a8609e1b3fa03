/**
 * The store's seams. Each consumer sees the narrow interface it needs: the CLI and the server manage
 * connections (ConnectionStore); sync writes pages and keeps its state (SyncStore = LedgerWriter &
 * SyncState); analytics reads (ReportReader). Both engines (engines/duckdb, engines/postgres) implement
 * all of them as one Store and pass the same contract suite (test/contracts/store.contract.ts).
 */
import type { MoneyEvent } from '../ledger/index.js';
import type { CostStore } from './costs.js';
import type { SqlDialect } from './dialect.js';
import type { QueryOptions } from './driver.js';
import type { ENTITY_TABLES, EntityTableName, MIDS, ORDER_ITEMS, PageRow, PURCHASE_TRANSACTIONS, READABLE_TABLES, ReadableTable, Row, Selectable, Value } from './tables.js';

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
  /** ISO 4217 code of amounts that name no currency (a bare `$`), and the reports' default; USD unless set. */
  baseCurrency?: string;
}

/** A stored connection, with its password opened again for the CRM client. */
export interface Connection extends NewConnection {
  connectionId: string;
  createdAt: number;
  baseCurrency: string;
}

/** What listing shows: never the password. */
export type ConnectionSummary = Omit<Connection, 'password'>;

/** Whether this store's key opens a connection's sealed password ('undecryptable': saved under another key). */
export type CredentialsState = 'ok' | 'undecryptable';

/** A connection without its password, and whether the password can be opened. */
export interface ConnectionInfo extends ConnectionSummary {
  credentials: CredentialsState;
}

/** What an update of a saved connection changes; an absent field stays as it is. */
export interface ConnectionChanges {
  /** A new password, sealed with the store's current key. */
  password?: string;
  frequency?: Frequency;
  timezone?: string;
  baseCurrency?: string;
}

/** Connections: saved with their password sealed (secrets.ts), listed without it. */
export interface ConnectionStore {
  /** Saves a new connection (password sealed); throws when the name exists. */
  saveConnection(c: NewConnection): Promise<Connection>;
  /** A connection by name, password opened (CredentialsUndecryptableError when this key cannot); null when unknown. */
  getConnection(name: string): Promise<Connection | null>;
  /** All connections without passwords, by name. */
  listConnections(): Promise<ConnectionSummary[]>;
  /** Removes a connection and every row synced for it; false when unknown. */
  removeConnection(name: string): Promise<boolean>;
  /** A connection by name without opening its password (which may be undecryptable); null when unknown. */
  connectionInfo(name: string): Promise<ConnectionInfo | null>;
  /**
   * Changes a saved connection (a new password is sealed with the current key, so it also mends one saved
   * under another key); the connection as it is now, or null when unknown. Its synced data is kept.
   */
  updateConnection(name: string, changes: ConnectionChanges): Promise<ConnectionInfo | null>;
}

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
  events: MoneyEvent[];
}

/** Rows of the tables a page feeds besides its own: the MIDs named on transactions, the purchases' transactions, the orders' items. */
export interface RelatedRows {
  mids?: PageRow<typeof MIDS>[];
  purchase_transactions?: PageRow<typeof PURCHASE_TRANSACTIONS>[];
  order_items?: PageRow<typeof ORDER_ITEMS>[];
}

/** A record of a page that could not be read: set aside with the reason (quarantine), the page stored without it. */
export interface QuarantinedRecord {
  /** Its id when readable, else a digest of its content. */
  recordKey: string;
  reason: string;
  /** Its sanitised, masked copy (what a later run reads again). */
  raw: string;
}

/** Everything one fetched page changes, written in ONE transaction; rows are typed by their table. */
export type PageWrite = {
  [T in EntityTableName]: {
    connectionId: string;
    table: T;
    rows: PageRow<(typeof ENTITY_TABLES)[T]>[];
    ledger?: LedgerChange;
    related?: RelatedRows;
    quarantined?: QuarantinedRecord[];
    /** Customers whose facts must be redone with this page (their own record arrived: docs/sync.md, "Coverage"). */
    touchCustomers?: number[];
    marker?: PageMarker;
  };
}[EntityTableName];

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

/** Writes CRM pages and the ledger, and keeps the customer facts and report pre-aggregates that follow from it. */
export interface LedgerWriter {
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
   * Rebuilds the report pre-aggregates (event_slots, cohort_slots, cohort_ages) of one connection, or of
   * all, from the ledger and the facts. Writes keep them current on their own; this is for data loaded
   * around the store (bulk generation in the bench) and for repair.
   */
  rebuildAggregates(connectionId?: string): Promise<void>;
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

/** Sales, and those a report cannot place: without a product, and rebills without their purchase. */
export interface AttributionCoverage {
  sales: number;
  withoutProduct: number;
  rebillsWithoutPurchase: number;
}

/**
 * What a connection's data covers (docs/sync.md, "Coverage"): the days its backfills walked,
 * account-local, and its as-of, the CRM's "now" at its last complete sync (epoch ms).
 */
export interface Coverage {
  from: string;
  to: string;
  asOf: number | null;
}

/** A change of coverage: each bound widens it (from earlier, to and asOf later), null leaves it. */
export interface CoverageChange {
  from: string | null;
  to: string | null;
  asOf: number | null;
}

/** A run that ended well, as completeRun records it. */
export interface CompletedRun {
  runId: string;
  connectionId: string;
  /** The scope whose page markers are dropped. */
  scope: string;
  /** The incremental checkpoints to set, by stream (account-local "YYYY-MM-DD"). */
  checkpoints: Record<string, string>;
  /** What the data now covers, widened in the same transaction. */
  coverage?: CoverageChange;
  result: SyncRunResult;
}

/** A sync's own state: page markers (resume), incremental checkpoints, and the record of its runs. */
export interface SyncState {
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
  /** A connection's coverage; null before its first backfill. */
  coverage(connectionId: string): Promise<Coverage | null>;
  /** Widens a connection's coverage (a running backfill's frontier, newest days first). */
  extendCoverage(connectionId: string, c: CoverageChange): Promise<void>;
  /**
   * Records the ledger refers to but the store lacks, at most `limit` of each: parents of refunds, voids
   * and captures, and customers with events but no record of their own (a run fetches them by id).
   */
  missingRecords(connectionId: string, limit: number): Promise<{ transactions: number[]; customers: number[] }>;
  /** How much of a connection's ledger is attributed (docs/sync.md, "Attribution"). */
  attributionCoverage(connectionId: string): Promise<AttributionCoverage>;
  /** The records of a connection set aside as unreadable, by stream, with their copies (a run reads them again). */
  quarantined(connectionId: string): Promise<{ stream: string; recordKey: string; reason: string; raw: string; attempts: number }[]>;
  /**
   * Ends a run that succeeded, in ONE transaction: the refresh of LedgerWriter.refreshDirtyFacts, the
   * checkpoints moved, the scope's page markers dropped and the run recorded. A crash before it commits
   * leaves the run resumable as it was; returns the refresh's count.
   */
  completeRun(c: CompletedRun): Promise<number>;
}

/** What the sync engine writes through. */
export type SyncStore = LedgerWriter & SyncState;

/** A MID alert rule as stored (docs/metrics.md, "MID health"). */
export interface MidAlertRuleRow {
  connectionId: string;
  /** The MID's merchantId, or "*": the connection's default for MIDs without a rule of their own. */
  mid: string;
  /** Which ratio it compares: Visa's VAMP ratio, Mastercard's, either, or every network's together (total). */
  metric: 'visa' | 'mastercard' | 'any' | 'total';
  /** The threshold in millionths (9000 = 0.9%). */
  thresholdPpm: number;
  /** Fewest disputes or chargebacks in the month for the rule to fire. */
  minCount: number;
  updatedAt: number;
}

/** MID alert rules, per connection (the CLI's `konduit mids alerts`, the API's /api/mid-alerts). */
export interface MidAlertStore {
  /** The rules of one connection, or of all, by connection and MID. */
  midAlertRules(connectionId?: string): Promise<MidAlertRuleRow[]>;
  /** Sets (or replaces) the rule of a MID of a connection. */
  setMidAlertRule(rule: Omit<MidAlertRuleRow, 'updatedAt'>): Promise<void>;
  /** Removes a MID's rule; false when it had none. */
  removeMidAlertRule(connectionId: string, mid: string): Promise<boolean>;
}

export type { QueryOptions };

/** What reports read: read-only SQL over the ledger, facts and pre-aggregates, in the engine's dialect. */
export interface ReportReader {
  /** The engine's SQL dialect (dialect.ts). */
  readonly sql: SqlDialect;
  /**
   * Runs a read-only SQL query ($1.. parameters); bigint comes back as number, instant columns as the
   * engine returns them (read epoch milliseconds with `sql.epochMs`).
   */
  query(sql: string, params?: Value[], opts?: QueryOptions): Promise<Row[]>;
  /** The coverage of each of these connections that has one (docs/sync.md, "Coverage"). */
  coverages(connectionIds: readonly string[]): Promise<Map<string, Coverage>>;
  /**
   * True while a backfill has left some connection's pre-aggregates behind its ledger (until the run's
   * end rebuilds them, or the next run after a crash): reports that would read them read the ledger.
   */
  aggregatesBehind(): Promise<boolean>;
}

/** The store as a whole: its lifecycle, and rows read back whole (tests, verification). */
export interface Store extends ConnectionStore, LedgerWriter, SyncState, ReportReader, CostStore, MidAlertStore {
  readonly engine: 'duckdb' | 'postgres';
  /** Applies pending migrations; returns the schema version. */
  migrate(): Promise<number>;
  /** The applied schema version (0 before migrate). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
  /** Row count of a table for a connection. */
  countRows(table: ReadableTable, connectionId: string): Promise<number>;
  /** All rows of a table for a connection, ordered by key (tests, verification; not for large reports). */
  readRows<T extends ReadableTable>(table: T, connectionId: string): Promise<Selectable<(typeof READABLE_TABLES)[T]>[]>;
}

/** Options every engine takes through its constructor. */
export interface StoreOptions {
  /** 32-byte key that seals connection passwords (secrets.ts). */
  secretKey: Uint8Array;
}
