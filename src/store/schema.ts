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

/*
 * Pre-aggregates (DESIGN §5): kept by the store in the same transactions that change the ledger and the
 * facts (sql-store.ts, aggregates.ts), so a committed state never has them disagree. Every figure they
 * hold is a sum or a count placed at one instant, bucketed by 15-minute UTC slot: every local midnight
 * of every zone is such a boundary, so a viewer-zone day, week or month is a whole number of slots.
 */
const aggCounts = ['gross_cents', 'refund_cents', 'chargeback_cents', 'sale_count', 'chargeback_count', 'initial_approved', 'initial_declined', 'rebill_approved', 'rebill_declined', 'orders', 'new_customers'];

/** The summary's additive totals per connection and 15-minute slot (events at their instant; orders at their first sale; new customers at theirs). */
export const EVENT_SLOTS: TableSpec = {
  name: 'event_slots',
  key: ['connection_id', 'slot'],
  columns: [c('connection_id', 'text'), c('slot', 'instant'), ...aggCounts.map((n) => c(n, 'bigint'))],
};

/** Customers per connection and 15-minute slot of their first sale (from customer_facts). */
export const COHORT_SLOTS: TableSpec = {
  name: 'cohort_slots',
  key: ['connection_id', 'slot'],
  columns: [c('connection_id', 'text'), c('slot', 'instant'), c('customers', 'bigint'), c('last_first_sale_at', 'instant')],
};

/** Net revenue of those customers by whole days since each one's own first sale. */
export const COHORT_AGES: TableSpec = {
  name: 'cohort_ages',
  key: ['connection_id', 'slot', 'age_days'],
  columns: [c('connection_id', 'text'), c('slot', 'instant'), c('age_days', 'int'), c('net_cents', 'bigint')],
};

/**
 * The event_slots deltas' scratch table, as migration 4 created it; migration 5 drops it (the deltas
 * are staged by the engine since: SqlDriver.rowSet).
 */
const AGG_SLOT_DELTA_V4: TableSpec = { ...EVENT_SLOTS, name: 'agg_slot_delta' };
/** Scratch tables of the maintenance (filled and emptied inside one write transaction). */
export const AGG_AGE_DELTA: TableSpec = { ...COHORT_AGES, name: 'agg_age_delta' };
export const AGG_TOUCHED_SLOTS: TableSpec = { name: 'agg_touched_slots', key: ['connection_id', 'slot'], columns: [c('connection_id', 'text'), c('slot', 'instant')] };
export const AGG_TOUCHED_ORDERS: TableSpec = { name: 'agg_touched_orders', key: ['connection_id', 'order_id'], columns: [c('connection_id', 'text'), c('order_id', 'text')] };

/**
 * Connections whose customer facts and pre-aggregates a backfill's writes left behind the ledger
 * (deferRebuild): committed with its pages, removed by the rebuild at the end of the run (refreshDirtyFacts,
 * completeRun). While a connection is listed, reports read the ledger, not its aggregates. Migration 6.
 */
export const REBUILD_PENDING: TableSpec = { name: 'rebuild_pending', key: ['connection_id'], columns: [c('connection_id', 'text')] };

/** Aggregate tables (readable) and their scratch tables, created by migration 4. */
export const AGGREGATE_TABLES: TableSpec[] = [EVENT_SLOTS, COHORT_SLOTS, COHORT_AGES];
export const AGGREGATE_SCRATCH_TABLES: TableSpec[] = [AGG_AGE_DELTA, AGG_TOUCHED_SLOTS, AGG_TOUCHED_ORDERS];

/** The 15-minute UTC slot of an instant expression. */
export function slotSql(dialect: Dialect, expr: string): string {
  return dialect === 'postgres' ? `date_bin('15 minutes', ${expr}, TIMESTAMPTZ '2000-01-01 00:00:00+00')` : `time_bucket(INTERVAL '15 minutes', ${expr})`;
}

/** An instant expression as epoch milliseconds. */
export function epochMsSql(dialect: Dialect, expr: string): string {
  return dialect === 'postgres' ? `CAST(ROUND(EXTRACT(EPOCH FROM ${expr}) * 1000) AS BIGINT)` : `epoch_ms(${expr})`;
}

/** Whole days from a customer's first sale to an event: floor((event - first) / 1 day). */
export function ageDaysSql(dialect: Dialect, eventExpr: string, firstExpr: string): string {
  return `CAST(FLOOR((${epochMsSql(dialect, eventExpr)} - ${epochMsSql(dialect, firstExpr)}) / 86400000.0) AS INTEGER)`;
}

/** Inserts the cohort_slots rows of the customer_facts matching `where`, one grouped pass (no join). */
export function cohortSlotsFromFactsSql(dialect: Dialect, where: string): string {
  return `INSERT INTO cohort_slots (connection_id, slot, customers, last_first_sale_at)
     SELECT connection_id, ${slotSql(dialect, 'first_sale_at')}, COUNT(*), MAX(first_sale_at) FROM customer_facts WHERE ${where} GROUP BY 1, 2`;
}

/**
 * Statements that rebuild every aggregate from money_events and customer_facts: of every connection, or
 * (byConnection) of the connection given as $1. Sales without an order id are no order.
 */
export function rebuildAggregatesSql(dialect: Dialect, byConnection: boolean): { sql: string; connectionParam: boolean }[] {
  const w = (alias = '') => (byConnection ? `${alias}connection_id = $1` : 'TRUE');
  const z = (n: number) => Array.from({ length: n }, () => '0').join(', ');
  const slot = (e: string) => slotSql(dialect, e);
  const q = (sql: string) => ({ sql, connectionParam: byConnection });
  return [
    q(`DELETE FROM event_slots WHERE ${w()}`),
    q(`DELETE FROM cohort_slots WHERE ${w()}`),
    q(`DELETE FROM cohort_ages WHERE ${w()}`),
    q(`INSERT INTO event_slots (connection_id, slot, ${aggCounts.join(', ')})
     SELECT connection_id, slot, SUM(g), SUM(r), SUM(cb), SUM(s), SUM(cbn), SUM(io), SUM(id), SUM(ro), SUM(rd), SUM(o), SUM(nc) FROM (
       SELECT connection_id, ${slot('instant')} AS slot,
         SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END) AS g,
         SUM(CASE WHEN kind IN ('refund', 'void', 'chargeback') THEN -amount_cents ELSE 0 END) AS r,
         SUM(CASE WHEN kind = 'chargeback' THEN -amount_cents ELSE 0 END) AS cb,
         COUNT(CASE WHEN kind = 'sale' THEN 1 END) AS s,
         COUNT(CASE WHEN kind = 'chargeback' THEN 1 END) AS cbn,
         COUNT(CASE WHEN kind = 'sale' AND is_initial THEN 1 END) AS io,
         COUNT(CASE WHEN kind = 'decline' AND is_initial THEN 1 END) AS id,
         COUNT(CASE WHEN kind = 'sale' AND NOT is_initial THEN 1 END) AS ro,
         COUNT(CASE WHEN kind = 'decline' AND NOT is_initial THEN 1 END) AS rd,
         0 AS o, 0 AS nc
       FROM money_events WHERE ${w()} GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, ${slot('first_at')}, ${z(9)}, COUNT(*), 0
       FROM (SELECT connection_id, order_id, MIN(instant) AS first_at FROM money_events WHERE ${w()} AND kind = 'sale' AND order_id IS NOT NULL GROUP BY connection_id, order_id) o GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, ${slot('first_sale_at')}, ${z(10)}, COUNT(*) FROM customer_facts WHERE ${w()} GROUP BY 1, 2
     ) x GROUP BY 1, 2`),
    q(cohortSlotsFromFactsSql(dialect, w())),
    q(`INSERT INTO cohort_ages (connection_id, slot, age_days, net_cents)
       SELECT f.connection_id, ${slot('f.first_sale_at')}, ${ageDaysSql(dialect, 'e.instant', 'f.first_sale_at')}, SUM(e.amount_cents)
       FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.kind <> 'decline'
       WHERE ${w('f.')} GROUP BY 1, 2, 3`),
  ];
}

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
export type ReadableTable =
  | EntityTableName
  | 'connections'
  | 'money_events'
  | 'customer_facts'
  | 'facts_dirty'
  | 'rebuild_pending'
  | 'sync_runs'
  | 'sync_pages'
  | 'sync_checkpoints'
  | 'event_slots'
  | 'cohort_slots'
  | 'cohort_ages';

/** Looks up a table spec by name. */
export function tableSpec(name: ReadableTable): TableSpec {
  const spec = [...ALL_TABLES, ...AGGREGATE_TABLES, REBUILD_PENDING].find((t) => t.name === name);
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
  {
    version: 4,
    name: 'report pre-aggregates and range indexes',
    statements: (dialect) => [
      ...[...AGGREGATE_TABLES, AGG_SLOT_DELTA_V4, ...AGGREGATE_SCRATCH_TABLES].flatMap((t) => createTableSql(t, dialect)),
      // PostgreSQL: report ranges (the ledger path), aggregate maintenance (first sale of an order).
      ...(dialect === 'postgres'
        ? [
            'CREATE INDEX IF NOT EXISTS money_events_connection_id_instant ON money_events (connection_id, instant)',
            'CREATE INDEX IF NOT EXISTS customer_facts_connection_id_first_sale_at ON customer_facts (connection_id, first_sale_at)',
            'CREATE INDEX IF NOT EXISTS money_events_connection_id_order_id ON money_events (connection_id, order_id)',
          ]
        : []),
      // Backfill from the ledger and facts an existing database already holds.
      ...rebuildAggregatesSql(dialect, false).map((s) => s.sql),
    ],
  },
  {
    version: 5,
    name: 'event_slots deltas staged by the engine',
    statements: () => ['DROP TABLE IF EXISTS agg_slot_delta'],
  },
  {
    version: 6,
    name: 'facts and pre-aggregates rebuilt at the end of a backfill',
    statements: (dialect) => createTableSql(REBUILD_PENDING, dialect),
  },
];
