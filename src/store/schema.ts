/**
 * The store's tables, described once. Both engines generate their DDL and their bulk upserts from these
 * specs, so a column added here reaches DuckDB and PostgreSQL alike (through a new migration).
 *
 * Column types are logical: `instant` is a UTC timestamp (JS: epoch milliseconds), `bigint` holds cents
 * and CRM integer ids (JS: safe integers), `date` is a calendar date "YYYY-MM-DD" in the account zone,
 * `json` is a sanitised copy of the CRM record.
 */

export type ColumnType = 'text' | 'bigint' | 'int' | 'bool' | 'instant' | 'date' | 'json';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

export interface TableSpec {
  name: string;
  /** Primary-key columns; every synced table starts with connection_id. */
  key: string[];
  columns: ColumnSpec[];
  /** Extra (non-unique) indexes, as column lists. */
  indexes?: string[][];
}

/** A cell value as the engines accept and return it. */
export type Value = string | number | boolean | null;
/** A row keyed by column name. */
export type Row = Record<string, Value>;

const c = (name: string, type: ColumnType): ColumnSpec => ({ name, type });

const attribution = [c('campaign_id', 'bigint'), c('product_id', 'bigint'), c('aff_id', 'text'), c('source_value1', 'text')];

export const CONNECTIONS: TableSpec = {
  name: 'connections',
  key: ['connection_id'],
  columns: [
    c('connection_id', 'text'),
    c('name', 'text'),
    c('brand', 'text'),
    c('base_url', 'text'),
    c('login_id', 'text'),
    // AES-256-GCM sealed password (secrets.ts); never the password itself.
    c('password_sealed', 'text'),
    c('account_name', 'text'),
    c('account_username', 'text'),
    c('timezone', 'text'),
    c('frequency', 'text'),
    c('created_at', 'instant'),
  ],
};

export const CAMPAIGNS: TableSpec = {
  name: 'campaigns',
  key: ['connection_id', 'campaign_id'],
  columns: [c('connection_id', 'text'), c('campaign_id', 'bigint'), c('name', 'text'), c('campaign_type', 'text'), c('raw', 'json')],
};

export const PRODUCTS: TableSpec = {
  name: 'products',
  key: ['connection_id', 'product_id'],
  columns: [c('connection_id', 'text'), c('product_id', 'bigint'), c('name', 'text'), c('sku', 'text'), c('price_cents', 'bigint'), c('raw', 'json')],
};

export const CUSTOMERS: TableSpec = {
  name: 'customers',
  key: ['connection_id', 'customer_id'],
  columns: [
    c('connection_id', 'text'),
    c('customer_id', 'bigint'),
    c('email', 'text'),
    c('first_name', 'text'),
    c('last_name', 'text'),
    c('country', 'text'),
    c('state', 'text'),
    c('date_created', 'instant'),
    c('date_updated', 'instant'),
    c('raw', 'json'),
  ],
};

export const ORDERS: TableSpec = {
  name: 'orders',
  key: ['connection_id', 'order_id'],
  columns: [
    c('connection_id', 'text'),
    c('order_id', 'text'),
    c('customer_id', 'bigint'),
    c('order_status', 'text'),
    c('order_type', 'text'),
    c('total_cents', 'bigint'),
    ...attribution,
    c('date_created', 'instant'),
    c('date_updated', 'instant'),
    c('raw', 'json'),
  ],
};

export const TRANSACTIONS: TableSpec = {
  name: 'transactions',
  key: ['connection_id', 'transaction_id'],
  columns: [
    c('connection_id', 'text'),
    c('transaction_id', 'bigint'),
    c('order_id', 'text'),
    c('customer_id', 'bigint'),
    c('purchase_id', 'text'),
    c('parent_txn_id', 'bigint'),
    c('txn_type', 'text'),
    c('response_type', 'text'),
    c('total_cents', 'bigint'),
    c('billing_cycle', 'int'),
    c('merchant_id', 'bigint'),
    ...attribution,
    c('is_chargedback', 'bool'),
    c('chargeback_cents', 'bigint'),
    c('chargeback_date', 'date'),
    c('card_bin', 'text'),
    c('card_last4', 'text'),
    c('date_created', 'instant'),
    c('date_updated', 'instant'),
    c('raw', 'json'),
  ],
};

export const PURCHASES: TableSpec = {
  name: 'purchases',
  key: ['connection_id', 'purchase_id'],
  columns: [
    c('connection_id', 'text'),
    c('purchase_id', 'text'),
    c('customer_id', 'bigint'),
    c('order_id', 'text'),
    c('product_id', 'bigint'),
    c('campaign_id', 'bigint'),
    c('status', 'text'),
    c('billing_cycle', 'int'),
    c('billing_interval_days', 'int'),
    c('next_bill_date', 'date'),
    c('price_cents', 'bigint'),
    c('merchant_id', 'bigint'),
    c('date_created', 'instant'),
    c('date_updated', 'instant'),
    c('raw', 'json'),
  ],
};

/** The money-event ledger (DESIGN §2). event_id is "<kind>:<transactionId>", so re-deriving is idempotent. */
export const MONEY_EVENTS: TableSpec = {
  name: 'money_events',
  key: ['connection_id', 'event_id'],
  columns: [
    c('connection_id', 'text'),
    c('event_id', 'text'),
    // sale | refund | void | chargeback | decline (a declined sale attempt: counted, never summed)
    c('kind', 'text'),
    c('transaction_id', 'bigint'),
    c('instant', 'instant'),
    c('amount_cents', 'bigint'),
    c('customer_id', 'bigint'),
    c('order_id', 'text'),
    c('purchase_id', 'text'),
    ...attribution,
    c('merchant_id', 'bigint'),
    c('billing_cycle', 'int'),
    c('is_initial', 'bool'),
  ],
  indexes: [['connection_id', 'transaction_id'], ['connection_id', 'customer_id']],
};

/** One row per customer with a sale: what cohort reports need without rescanning the ledger (DESIGN §5). */
export const CUSTOMER_FACTS: TableSpec = {
  name: 'customer_facts',
  key: ['connection_id', 'customer_id'],
  columns: [
    c('connection_id', 'text'),
    c('customer_id', 'bigint'),
    c('first_sale_at', 'instant'),
    c('first_order_id', 'text'),
    ...attribution.map((col) => c(`first_${col.name}`, col.type)),
    c('first_merchant_id', 'bigint'),
    c('sale_count', 'int'),
    c('gross_cents', 'bigint'),
    c('refund_cents', 'bigint'),
    c('chargeback_cents', 'bigint'),
    c('net_cents', 'bigint'),
    c('last_event_at', 'instant'),
  ],
};

/** Customers whose facts a deferred write left to recompute (refreshDirtyFacts); committed with their pages. */
export const FACTS_DIRTY: TableSpec = {
  name: 'facts_dirty',
  key: ['connection_id', 'customer_id'],
  columns: [c('connection_id', 'text'), c('customer_id', 'bigint')],
};

export const SYNC_RUNS: TableSpec = {
  name: 'sync_runs',
  key: ['run_id'],
  columns: [
    c('run_id', 'text'),
    c('connection_id', 'text'),
    c('mode', 'text'),
    c('scope', 'text'),
    c('status', 'text'),
    c('started_at', 'instant'),
    c('finished_at', 'instant'),
    c('records', 'bigint'),
    c('pages', 'bigint'),
    c('retries', 'bigint'),
    c('error', 'text'),
  ],
};

/** Page markers: a page's marker commits in the same transaction as its rows (the per-page checkpoint). */
export const SYNC_PAGES: TableSpec = {
  name: 'sync_pages',
  key: ['connection_id', 'scope', 'stream', 'window_key', 'page'],
  columns: [
    c('connection_id', 'text'),
    c('scope', 'text'),
    c('stream', 'text'),
    c('window_key', 'text'),
    c('page', 'int'),
    c('total_results', 'bigint'),
    c('records', 'bigint'),
    c('max_updated', 'text'),
  ],
};

/** Per-stream incremental checkpoint: the account-local date through which dateUpdated has been walked. */
export const SYNC_CHECKPOINTS: TableSpec = {
  name: 'sync_checkpoints',
  key: ['connection_id', 'stream'],
  columns: [c('connection_id', 'text'), c('stream', 'text'), c('updated_through', 'date'), c('updated_at', 'instant')],
};

/** Tables holding CRM copies, keyed by (connection_id, CRM id). */
export const ENTITY_TABLES = {
  campaigns: CAMPAIGNS,
  products: PRODUCTS,
  customers: CUSTOMERS,
  orders: ORDERS,
  transactions: TRANSACTIONS,
  purchases: PURCHASES,
} as const;

export type EntityTableName = keyof typeof ENTITY_TABLES;

/** Every table, in creation order. */
export const ALL_TABLES: TableSpec[] = [
  CONNECTIONS,
  CAMPAIGNS,
  PRODUCTS,
  CUSTOMERS,
  ORDERS,
  TRANSACTIONS,
  PURCHASES,
  MONEY_EVENTS,
  CUSTOMER_FACTS,
  FACTS_DIRTY,
  SYNC_RUNS,
  SYNC_PAGES,
  SYNC_CHECKPOINTS,
];

/** Tables a reader may list (tests, verification, analytics). */
export type ReadableTable = EntityTableName | 'connections' | 'money_events' | 'customer_facts' | 'facts_dirty' | 'sync_runs' | 'sync_pages' | 'sync_checkpoints';

/** Looks up a table spec by name. */
export function tableSpec(name: ReadableTable): TableSpec {
  const spec = ALL_TABLES.find((t) => t.name === name);
  if (!spec) throw new Error(`unknown table ${name}`);
  return spec;
}

/**
 * Versioned migrations. Version 1 creates every table above; later schema changes are appended as new
 * versions with explicit SQL per dialect, never by editing an applied one.
 */
export interface Migration {
  version: number;
  name: string;
  /** Returns the statements for a dialect. */
  statements(dialect: Dialect): string[];
}

export type Dialect = 'duckdb' | 'postgres';

/** SQL type of a logical column type in a dialect. */
export function sqlType(type: ColumnType, dialect: Dialect): string {
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
      return dialect === 'postgres' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
    case 'json':
      // DuckDB: VARCHAR, not JSON: a JSON column validates every document on insert (measurable CPU
      // per raw record) while json_extract works on VARCHAR alike.
      return dialect === 'postgres' ? 'JSONB' : 'VARCHAR';
  }
}

/** CREATE TABLE (and index) statements for a spec. */
export function createTableSql(t: TableSpec, dialect: Dialect): string[] {
  const cols = t.columns.map((col) => `${col.name} ${sqlType(col.type, dialect)}`);
  const out = [`CREATE TABLE IF NOT EXISTS ${t.name} (${cols.join(', ')}, PRIMARY KEY (${t.key.join(', ')}))`];
  // DuckDB's ART indexes slow bulk loads and its scans are fast; only PostgreSQL gets secondary indexes.
  if (dialect === 'postgres') {
    for (const idx of t.indexes ?? []) out.push(`CREATE INDEX IF NOT EXISTS ${t.name}_${idx.join('_')} ON ${t.name} (${idx.join(', ')})`);
  }
  return out;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    statements: (dialect) => ALL_TABLES.flatMap((t) => createTableSql(t, dialect)),
  },
  {
    version: 2,
    name: 'unique connection names',
    statements: () => ['CREATE UNIQUE INDEX IF NOT EXISTS connections_name ON connections (name)'],
  },
  {
    version: 3,
    name: 'deferred customer facts',
    statements: (dialect) => createTableSql(FACTS_DIRTY, dialect),
  },
];
