/**
 * The store's tables as they stand after the last migration, described once, with the row types derived
 * from them (after Kysely's column-type.ts): a misspelt column in a row fails to compile. The DDL that
 * built them is frozen in migrations/; a contract test checks the two agree on both engines.
 *
 * Column types are logical: `instant` is a UTC timestamp (JS: epoch milliseconds), `bigint` holds cents
 * and CRM integer ids (JS: safe integers), `date` is a calendar date "YYYY-MM-DD" in the account zone,
 * `json` is a sanitised copy of the CRM record (JS: its text).
 */
import { DIMENSION_SPECS, DIMENSIONS, EVENT_MEASURES, FIRST_SALE_MEASURES, MEASURES, type MoneyEvent } from '../ledger/index.js';

export type ColumnType = 'text' | 'bigint' | 'int' | 'bool' | 'instant' | 'date' | 'json';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** A cell value as the engines accept and return it. */
export type Value = string | number | boolean | null;
/** A row keyed by column name, as the drivers move it. */
export type Row = Record<string, Value>;

/** A table: its columns in order, its key, and (typed) each column's logical type. */
export interface TableSpec<C extends Record<string, ColumnType> = Record<string, ColumnType>, K extends string = string> {
  name: string;
  /** Primary-key columns; every synced table starts with connection_id. */
  key: readonly K[];
  columns: ColumnSpec[];
  types: C;
}

function table<const C extends Record<string, ColumnType>, const K extends keyof C & string>(name: string, key: readonly K[], types: C): TableSpec<C, K> {
  return { name, key, types, columns: Object.entries(types).map(([n, type]) => ({ name: n, type })) };
}

type JsOf<T extends ColumnType> = T extends 'text' | 'date' | 'json' ? string : T extends 'bool' ? boolean : number;

/** A row as read back: every column, NULL where empty. */
export type Selectable<T extends TableSpec> = { [P in keyof T['types']]: JsOf<T['types'][P]> | null };

/** A row to write: the key required, every other column optional (absent is NULL). */
export type Insertable<T extends TableSpec> = { [P in T['key'][number]]: JsOf<T['types'][P]> } & {
  [P in Exclude<keyof T['types'], T['key'][number]>]?: JsOf<T['types'][P]> | null;
};

/** A synced row as a page carries it: the connection id is given once per page, not per row. */
export type PageRow<T extends TableSpec> = Omit<Insertable<T>, 'connection_id'>;

const attribution = { campaign_id: 'bigint', product_id: 'bigint', aff_id: 'text', source_value1: 'text' } as const;

export const CONNECTIONS = table('connections', ['connection_id'], {
  connection_id: 'text',
  name: 'text',
  brand: 'text',
  base_url: 'text',
  login_id: 'text',
  // AES-256-GCM sealed password (secrets.ts); never the password itself.
  password_sealed: 'text',
  account_name: 'text',
  account_username: 'text',
  timezone: 'text',
  frequency: 'text',
  created_at: 'instant',
  // ISO 4217: the currency of amounts that name none (a bare `$`), and the reports' default (migration 8).
  base_currency: 'text',
});

export const CAMPAIGNS = table('campaigns', ['connection_id', 'campaign_id'], { connection_id: 'text', campaign_id: 'bigint', name: 'text', campaign_type: 'text', raw: 'json' });

export const PRODUCTS = table('products', ['connection_id', 'product_id'], { connection_id: 'text', product_id: 'bigint', name: 'text', sku: 'text', price_cents: 'bigint', raw: 'json' });

export const CUSTOMERS = table('customers', ['connection_id', 'customer_id'], {
  connection_id: 'text',
  customer_id: 'bigint',
  email: 'text',
  first_name: 'text',
  last_name: 'text',
  country: 'text',
  state: 'text',
  date_created: 'instant',
  date_updated: 'instant',
  raw: 'json',
});

export const ORDERS = table('orders', ['connection_id', 'order_id'], {
  connection_id: 'text',
  order_id: 'text',
  customer_id: 'bigint',
  order_status: 'text',
  order_type: 'text',
  total_cents: 'bigint',
  ...attribution,
  date_created: 'instant',
  date_updated: 'instant',
  raw: 'json',
  currency: 'text',
  coupon_code: 'text',
  // The campaign product of the order's first item (the id a legacy import and a coupon name).
  campaign_product_id: 'bigint',
  // The order's UTMSource: a source of customers in the economics report (migration 14).
  utm_source: 'text',
});

export const TRANSACTIONS = table('transactions', ['connection_id', 'transaction_id'], {
  connection_id: 'text',
  transaction_id: 'bigint',
  order_id: 'text',
  customer_id: 'bigint',
  purchase_id: 'text',
  parent_txn_id: 'bigint',
  txn_type: 'text',
  response_type: 'text',
  total_cents: 'bigint',
  billing_cycle: 'int',
  merchant_id: 'bigint',
  ...attribution,
  is_chargedback: 'bool',
  // The CRM's chargebackAmount of this transaction (a copy; the ledger's chargeback event is the measure).
  chargeback_cents: 'bigint',
  chargeback_date: 'date',
  card_bin: 'text',
  card_last4: 'text',
  date_created: 'instant',
  date_updated: 'instant',
  raw: 'json',
  currency: 'text',
  card_type: 'text',
});

export const PURCHASES = table('purchases', ['connection_id', 'purchase_id'], {
  connection_id: 'text',
  purchase_id: 'text',
  customer_id: 'bigint',
  order_id: 'text',
  product_id: 'bigint',
  campaign_id: 'bigint',
  status: 'text',
  billing_cycle: 'int',
  billing_interval_days: 'int',
  next_bill_date: 'date',
  price_cents: 'bigint',
  merchant_id: 'bigint',
  date_created: 'instant',
  date_updated: 'instant',
  raw: 'json',
  currency: 'text',
  campaign_product_id: 'bigint',
});

/** Coupons (coupon/query), keyed by the code an order carries. */
export const COUPONS = table('coupons', ['connection_id', 'coupon_code'], { connection_id: 'text', coupon_code: 'text', coupon_id: 'bigint', name: 'text', campaign_id: 'bigint', raw: 'json' });

/** MIDs (gateways) by the CRM's merchantId, with the name and descriptor transactions carry. */
export const MIDS = table('mids', ['connection_id', 'merchant_id'], { connection_id: 'text', merchant_id: 'bigint', name: 'text', descriptor: 'text' });

/** Which purchase a transaction belongs to, from the purchases' own transaction lists (attribution). */
/**
 * An order's line items (migration 10): which product each bills, for what amount (price x quantity +
 * shipping + tax), and its subscription. A transaction that names no product takes the one item of its
 * order whose amount is its own (store/attribution.ts).
 */
export const ORDER_ITEMS = table('order_items', ['connection_id', 'order_id', 'item_no'], {
  connection_id: 'text',
  order_id: 'text',
  item_no: 'int',
  product_id: 'bigint',
  campaign_product_id: 'bigint',
  purchase_id: 'text',
  amount_cents: 'bigint',
});

export const PURCHASE_TRANSACTIONS = table('purchase_transactions', ['connection_id', 'transaction_id'], { connection_id: 'text', transaction_id: 'bigint', purchase_id: 'text' });

/**
 * Records the sync could not read, set aside with the reason and their (masked) copy: the rest of their
 * page is stored, and every later run tries them again (docs/sync.md, "Quarantine").
 */
export const QUARANTINE = table('quarantine', ['connection_id', 'stream', 'record_key'], {
  connection_id: 'text',
  stream: 'text',
  record_key: 'text',
  reason: 'text',
  raw: 'text',
  first_seen: 'instant',
  last_seen: 'instant',
  attempts: 'int',
});

/** What a money event says of its sale besides its kind, instant and amount: its customer, order and attribution (the margin ledger copies it). */
const eventContext = {
  customer_id: 'bigint',
  order_id: 'text',
  purchase_id: 'text',
  ...attribution,
  merchant_id: 'bigint',
  billing_cycle: 'int',
  is_initial: 'bool',
  currency: 'text',
  coupon_code: 'text',
} as const;

/** The money-event ledger (ledger/events.ts). event_id is "<kind>:<transactionId>", so re-deriving is idempotent. */
export const MONEY_EVENTS = table('money_events', ['connection_id', 'event_id'], {
  connection_id: 'text',
  event_id: 'text',
  kind: 'text',
  transaction_id: 'bigint',
  instant: 'instant',
  amount_cents: 'bigint',
  ...eventContext,
  attribution: 'text',
  // The card's network and first 6 digits, a decline's response text or a chargeback's reason code, and
  // the retry number within recycle billing (ledger/cards.ts; migration 12).
  card_brand: 'text',
  card_bin: 'text',
  reason: 'text',
  recycle_number: 'int',
});

/** Compile-time: the ledger's event and the money_events table name the same columns. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : never;
const eventColumnsMatch: SameKeys<MoneyEvent, PageRow<typeof MONEY_EVENTS>> = true;
void eventColumnsMatch;

/** A table whose other columns are generated from the ledger's declarations: typed loosely beyond its key. */
type Generated<K extends Record<string, ColumnType>> = K & Record<string, ColumnType>;

function eventColumnType(column: string): ColumnType {
  const t = (MONEY_EVENTS.types as Record<string, ColumnType>)[column];
  if (!t) throw new Error(`money_events has no column ${column}`);
  return t;
}

/**
 * Customer-level columns generated from the ledger's declarations: the first-touch attribution of each
 * dimension kept per customer, and every measure kept per customer.
 */
const factColumns: Record<string, ColumnType> = {
  // The currency of the first sale: the customer's measures and cohort count their events in it.
  currency: 'text',
  first_sale_at: 'instant',
  first_order_id: 'text',
  ...Object.fromEntries(DIMENSIONS.flatMap((d) => {
    const s = DIMENSION_SPECS[d];
    return s.fact && s.fact !== s.event ? [[s.fact, eventColumnType(s.event)]] : [];
  })),
  ...Object.fromEntries(EVENT_MEASURES.filter(([, m]) => m.perCustomer).map(([, m]) => [m.column, m.agg === 'count' ? 'int' : 'bigint'])),
  [MEASURES.net.column]: 'bigint',
  last_event_at: 'instant',
  // The first approved sale of a subscription (a sale with a purchase) in the currency; NULL: never subscribed (the Forecast's one-time buyers).
  subscribed_at: 'instant',
  // First sale before the data's coverage (a rebill, or an older sale or customer record): in no cohort.
  acquired_before: 'bool',
};

/** One row per customer with a sale: what cohort reports need without rescanning the ledger (docs/metrics.md, "Performance"). */
export const CUSTOMER_FACTS = table('customer_facts', ['connection_id', 'customer_id'], { connection_id: 'text', customer_id: 'bigint', ...factColumns } as Generated<{ connection_id: 'text'; customer_id: 'bigint' }>);

/** Customers whose facts a deferred write left to recompute (refreshDirtyFacts); committed with their pages. */
export const FACTS_DIRTY = table('facts_dirty', ['connection_id', 'customer_id'], { connection_id: 'text', customer_id: 'bigint' });

/** Purchases whose subscription tables a deferred write left to recompute (purchases-dirty.ts; migration 22). */
export const PURCHASES_DIRTY = table('purchases_dirty', ['connection_id', 'purchase_id'], { connection_id: 'text', purchase_id: 'text' });

export const SYNC_RUNS = table('sync_runs', ['run_id'], {
  run_id: 'text',
  connection_id: 'text',
  mode: 'text',
  scope: 'text',
  status: 'text',
  started_at: 'instant',
  finished_at: 'instant',
  records: 'bigint',
  pages: 'bigint',
  retries: 'bigint',
  error: 'text',
});

/** Page markers: a page's marker commits in the same transaction as its rows (the per-page checkpoint). */
export const SYNC_PAGES = table('sync_pages', ['connection_id', 'scope', 'stream', 'window_key', 'page'], {
  connection_id: 'text',
  scope: 'text',
  stream: 'text',
  window_key: 'text',
  page: 'int',
  total_results: 'bigint',
  records: 'bigint',
  max_updated: 'text',
});

/** Per-stream incremental checkpoint: the account-local date through which dateUpdated has been walked. */
export const SYNC_CHECKPOINTS = table('sync_checkpoints', ['connection_id', 'stream'], { connection_id: 'text', stream: 'text', updated_through: 'date', updated_at: 'instant' });

/*
 * Pre-aggregates (docs/metrics.md, "Performance"): kept by the store in the same transactions that change the ledger and the
 * facts (ledger-writer.ts, aggregates.ts), so a committed state never has them disagree. Every figure they
 * hold is a sum or a count placed at one instant, bucketed by 15-minute UTC slot: every local midnight of
 * every zone is such a boundary, so a viewer-zone day, week or month is a whole number of slots.
 */

/** The totals of every event and first-sale measure per connection and 15-minute slot (the measure table's columns). */
export const EVENT_SLOTS = table('event_slots', ['connection_id', 'currency', 'slot'], {
  connection_id: 'text',
  currency: 'text',
  slot: 'instant',
  ...Object.fromEntries([...EVENT_MEASURES, ...FIRST_SALE_MEASURES].map(([, m]) => [m.column, 'bigint' as ColumnType])),
} as Generated<{ connection_id: 'text'; currency: 'text'; slot: 'instant' }>);

/** Customers per connection and 15-minute slot of their first sale (from customer_facts). */
export const COHORT_SLOTS = table('cohort_slots', ['connection_id', 'currency', 'slot'], { connection_id: 'text', currency: 'text', slot: 'instant', customers: 'bigint', last_first_sale_at: 'instant' });

/** Net revenue of those customers by whole days since each one's own first sale. */
export const COHORT_AGES = table('cohort_ages', ['connection_id', 'currency', 'slot', 'age_days'], { connection_id: 'text', currency: 'text', slot: 'instant', age_days: 'int', net_cents: 'bigint' });

/** The instant of each order's first sale in the ledger (store/order-first-sales.ts, migration 18). */
export const ORDER_FIRST_SALES = table('order_first_sales', ['connection_id', 'order_id'], { connection_id: 'text', order_id: 'text', first_sale_at: 'instant' });
/**
 * Sale, decline, chargeback and reversal events per connection, currency, UTC day, MID, network, cycle,
 * retry, kind and reason: their count and amount (attempt-days.ts; migration 16). Absent key values are
 * stored as U+0001 (text) or -1 (numbers).
 */
export const ATTEMPT_DAYS = table('attempt_days', ['connection_id', 'currency', 'day', 'kind', 'merchant_id', 'card_brand', 'billing_cycle', 'recycle_number', 'reason'], {
  connection_id: 'text',
  currency: 'text',
  day: 'int',
  kind: 'text',
  merchant_id: 'bigint',
  card_brand: 'text',
  billing_cycle: 'int',
  recycle_number: 'int',
  reason: 'text',
  events: 'bigint',
  cents: 'bigint',
});

/** Each chargeback event with its scope and the instant of its transaction's first sale (chargeback-sales.ts; migration 19). */
export const CHARGEBACK_SALES = table('chargeback_sales', ['connection_id', 'event_id'], {
  connection_id: 'text',
  event_id: 'text',
  transaction_id: 'bigint',
  instant: 'instant',
  currency: 'text',
  merchant_id: 'bigint',
  billing_cycle: 'int',
  reason: 'text',
  amount_cents: 'bigint',
  sale_instant: 'instant',
  /** What the refunds and voids of the transactions whose parent it is returned (null: none; migration 23). */
  refund_cents: 'bigint',
});

/**
 * Each refund, void and chargeback event with the instant the CRM basis books it at (refund-sales.ts;
 * migration 32): a refund or void on its parent sale's creation, a chargeback on its own transaction's,
 * its own instant when that transaction is not stored (analytics/sql.ts bookedSql).
 */
export const REFUND_SALES = table('refund_sales', ['connection_id', 'event_id'], {
  connection_id: 'text',
  event_id: 'text',
  transaction_id: 'bigint',
  kind: 'text',
  instant: 'instant',
  currency: 'text',
  campaign_id: 'bigint',
  amount_cents: 'bigint',
  /** The stored parent of the event's transaction (null: none, or the transaction is not stored). */
  parent_txn_id: 'bigint',
  /** The instant the CRM basis books it at: its sale's date_created, else its own instant (never null). */
  booked_at: 'instant',
  /** A chargeback whose stored transaction no longer carries the flag (the CRM cleared it); false otherwise. */
  cleared: 'bool',
});

/** Each rebill save paired with each first decline of its rebill: the save's scope and both instants (rebill-saves.ts; migration 19). */
export const REBILL_SAVES = table('rebill_saves', ['connection_id', 'event_id', 'decline_event_id'], {
  connection_id: 'text',
  event_id: 'text',
  decline_event_id: 'text',
  purchase_id: 'text',
  billing_cycle: 'int',
  currency: 'text',
  merchant_id: 'bigint',
  recycle_number: 'int',
  instant: 'instant',
  decline_instant: 'instant',
});

/** Sale and chargeback events per connection, currency, month key, kind, MID and network: their count and amount (mid-months.ts; migration 19). */
export const MID_MONTHS = table('mid_months', ['connection_id', 'currency', 'month_key', 'kind', 'merchant_id', 'card_brand'], {
  connection_id: 'text',
  currency: 'text',
  month_key: 'bigint',
  kind: 'text',
  merchant_id: 'bigint',
  card_brand: 'text',
  events: 'bigint',
  cents: 'bigint',
});
/**
 * Every event measure, the orders and the new (and earlier) customers per connection, currency, UTC day,
 * breakdown dimension and value (breakdown-days.ts; migration 20): what a breakdown by one dimension reads
 * for the whole UTC days of its range. Absent values are stored as -1 (num_value) and U+0001 (text_value).
 */
export const BREAKDOWN_DAYS = table('breakdown_days', ['connection_id', 'currency', 'day', 'dimension', 'num_value', 'text_value'], {
  connection_id: 'text',
  currency: 'text',
  day: 'int',
  dimension: 'text',
  num_value: 'bigint',
  text_value: 'text',
  ...Object.fromEntries([...EVENT_MEASURES, ...FIRST_SALE_MEASURES].map(([, m]) => [m.column, 'bigint' as ColumnType])),
} as Generated<{ connection_id: 'text'; currency: 'text'; day: 'int'; dimension: 'text'; num_value: 'bigint'; text_value: 'text' }>);

/**
 * cohort_slots and cohort_ages per customer breakdown dimension (first touch) and value, keyed by the
 * month key of the first sale (cohort-groups.ts; migration 30). Absent values are stored as -1 (num_value)
 * and U+0001 (text_value).
 */
export const COHORT_GROUP_SIZES = table('cohort_group_sizes', ['connection_id', 'currency', 'dimension', 'num_value', 'text_value', 'cohort_key'], {
  connection_id: 'text', currency: 'text', dimension: 'text', num_value: 'bigint', text_value: 'text', cohort_key: 'bigint', customers: 'bigint', last_first_sale_at: 'instant',
});
export const COHORT_GROUP_AGES = table('cohort_group_ages', ['connection_id', 'currency', 'dimension', 'num_value', 'text_value', 'cohort_key', 'age_days'], {
  connection_id: 'text', currency: 'text', dimension: 'text', num_value: 'bigint', text_value: 'text', cohort_key: 'bigint', age_days: 'int', net_cents: 'bigint',
});

/**
 * Each customer's net revenue by whole days since their own first sale, with that first sale (customer-ages.ts;
 * migration 33): the edges of a cohort range that splits a month's core read the customers first sold in
 * the edge from here instead of the ledger. Inserted in first-sale order (DuckDB skips row groups by
 * min/max); PostgreSQL has an index on first_sale_at.
 */
export const CUSTOMER_AGES = table('customer_ages', ['connection_id', 'customer_id', 'age_days'], {
  connection_id: 'text', customer_id: 'bigint', age_days: 'int', first_sale_at: 'instant', net_cents: 'bigint',
});

/** Scratch tables of the maintenance (filled and emptied inside one write transaction). */
export const AGG_AGE_DELTA = table('agg_age_delta', ['connection_id', 'currency', 'slot', 'age_days'], { connection_id: 'text', currency: 'text', slot: 'instant', age_days: 'int', net_cents: 'bigint' });
export const AGG_GROUP_AGE_DELTA = table('agg_group_age_delta', [...COHORT_GROUP_AGES.key], { ...COHORT_GROUP_AGES.types });
export const AGG_TOUCHED_SLOTS = table('agg_touched_slots', ['connection_id', 'currency', 'slot'], { connection_id: 'text', currency: 'text', slot: 'instant' });

/** The cohort triangle's net revenue by first-sale key (or slot: by_slot) and event key (epoch ms; cohort-months.ts). Migration 17. */
export const COHORT_MONTHS = table('cohort_months', ['connection_id', 'currency', 'by_slot', 'cohort_key', 'event_key'], { connection_id: 'text', currency: 'text', by_slot: 'bool', cohort_key: 'bigint', event_key: 'bigint', net_cents: 'bigint' });
export const AGG_MONTH_DELTA = table('agg_month_delta', ['connection_id', 'currency', 'by_slot', 'cohort_key', 'event_key'], { connection_id: 'text', currency: 'text', by_slot: 'bool', cohort_key: 'bigint', event_key: 'bigint', net_cents: 'bigint' });

/** The subscriptions' cycles kept at write time (subscription-cycles.ts; migration 15). */
/** What each of their rows copies from its purchase's initial sale. */
const subscriptionStart = { started_at: 'instant', currency: 'text', ...attribution, merchant_id: 'bigint', coupon_code: 'text' } as const;
export const SUBSCRIPTION_ATTEMPTS = table('subscription_attempts', ['connection_id', 'purchase_id', 'cycle', 'retry'], {
  connection_id: 'text', purchase_id: 'text', cycle: 'int', retry: 'int', customer_id: 'bigint', ...subscriptionStart, instant: 'instant', prev_at: 'instant', outcome: 'text', is_last: 'bool',
});
export const SUBSCRIPTION_CYCLES = table('subscription_cycles', ['connection_id', 'purchase_id', 'cycle'], {
  connection_id: 'text', purchase_id: 'text', cycle: 'int', customer_id: 'bigint', ...subscriptionStart, last_ok: 'int', attempts: 'int', first_at: 'instant', ok_at: 'instant', ok_retry: 'int', first_soft: 'int',
  last_soft: 'int', prev_ok_at: 'instant', refunds: 'int', refund_cents: 'bigint', chargebacks: 'int', chargeback_cents: 'bigint', sales: 'int', sales_cents: 'bigint', reversed_cents: 'bigint',
});
export const SUBSCRIPTION_STARTS = table('subscription_starts', ['connection_id', 'purchase_id'], {
  connection_id: 'text', purchase_id: 'text', customer_id: 'bigint', ...subscriptionStart,
  last_ok: 'int', last_try: 'int', last_ok_at: 'instant',
});
/** Rebills ahead's observed rates kept at write time (rebill-rates.ts; migration 24). */
export const REBILL_TRIES = table('rebill_tries', ['connection_id', 'purchase_id', 'currency', 'cycle'], {
  connection_id: 'text', purchase_id: 'text', currency: 'text', cycle: 'int', first_ok: 'int', first_soft: 'int', ok: 'int', open: 'int', held: 'int',
});
export const REBILL_RATES = table('rebill_rates', ['connection_id', 'currency', 'cycle'], {
  connection_id: 'text', currency: 'text', cycle: 'int', first_attempts: 'bigint', first_ok: 'bigint', first_soft: 'bigint', saved: 'bigint', lost: 'bigint',
});
export const REBILL_DUE = table('rebill_due', ['connection_id', 'currency', 'day', 'cycle', 'recycling'], {
  connection_id: 'text', currency: 'text', day: 'date', cycle: 'int', recycling: 'int', subscriptions: 'bigint', list_cents: 'bigint',
});
/** The scratch of rebill_tries' refresh (rebill-rates.ts; migration 26), empty between transactions. */
export const AGG_REBILL_TRIES = table('agg_rebill_tries', [], { ...REBILL_TRIES.types });
export const AGG_TOUCHED_PURCHASES = table('agg_touched_purchases', ['connection_id', 'purchase_id'], { connection_id: 'text', purchase_id: 'text' });
export const AGG_TOUCHED_EVENTS = table('agg_touched_events', [], {
  connection_id: 'text', purchase_id: 'text', event_id: 'text', kind: 'text', instant: 'instant', amount_cents: 'bigint', customer_id: 'bigint', billing_cycle: 'int',
  currency: 'text', campaign_id: 'bigint', product_id: 'bigint', aff_id: 'text', source_value1: 'text', merchant_id: 'bigint', coupon_code: 'text', transaction_id: 'bigint', outcome: 'text', parent_cycle: 'int',
});

/** Retention's counts and the purchase terms they were counted under (retention-days.ts; migration 21). */
const retentionDay = {
  connection_id: 'text', zone: 'text', currency: 'text', day: 'int', product_id: 'bigint', part: 'text', last_ok: 'int', last_try: 'int', ok_day: 'int', cancelled: 'int', next_bill: 'text',
  cycle: 'int', days: 'int', saved_by: 'int', retry: 'int', outcome: 'text', cnt: 'bigint', soft: 'bigint', recycling: 'bigint', lost: 'bigint', saved_soft: 'bigint', refunds: 'bigint',
  refund_cents: 'bigint', chargebacks: 'bigint', cb_cents: 'bigint', sales: 'bigint', sales_cents: 'bigint', reversed_cents: 'bigint',
} as const;
/** `kh`: the hash of a kept row's key (migration 31; SqlDialect.keyHash), by which the refresh's merge finds its rows. */
export const RETENTION_DAYS = table('retention_days', ['connection_id', 'zone', 'currency', 'day', 'product_id', 'part', 'last_ok', 'last_try', 'ok_day', 'cancelled', 'next_bill', 'cycle', 'days', 'saved_by', 'retry', 'outcome'], { ...retentionDay, kh: 'bigint' });
/**
 * The same counts by breakdown (retention-days.ts; migration 29): per `family` (campaign, affiliate, mid,
 * coupon), the initial sale's value of the family's dimensions (the affiliate's with its sub-affiliate), the
 * other attribution columns NULL.
 */
const retentionGroup = { ...retentionDay, family: 'text', campaign_id: 'bigint', aff_id: 'text', source_value1: 'text', merchant_id: 'bigint', coupon_code: 'text' } as const;
export const RETENTION_GROUPS = table('retention_groups', [...RETENTION_DAYS.key, 'family', 'campaign_id', 'aff_id', 'source_value1', 'merchant_id', 'coupon_code'], { ...retentionGroup, kh: 'bigint' });
/** The refresh's delta of both: `family` '' for retention_days' rows. */
export const AGG_RETENTION_DELTA = table('agg_retention_delta', [], { ...retentionGroup, rid: 'bigint' });
export const RETENTION_STAMPS = table('retention_stamps', ['connection_id', 'purchase_id'], { connection_id: 'text', purchase_id: 'text', zone: 'text', cancelled: 'int', next_bill: 'text', recycling: 'int' });
/** The refresh's stages of the touched purchases' subscription rows, before and after (retention-days.ts; migration 21). */
export const AGG_TOUCHED_STARTS = table('agg_touched_starts', [], { ...SUBSCRIPTION_STARTS.types, rid: 'bigint' });
export const AGG_TOUCHED_CYCLES = table('agg_touched_cycles', [], { ...SUBSCRIPTION_CYCLES.types, rid: 'bigint' });
export const AGG_TOUCHED_ATTEMPTS = table('agg_touched_attempts', [], { ...SUBSCRIPTION_ATTEMPTS.types, rid: 'bigint' });
/** Purchases whose record a deferred write stored: their stamps and counts made again at the refresh (retention-days.ts; migration 21). */
export const PURCHASES_RESTAMP = table('purchases_restamp', ['connection_id', 'purchase_id'], { connection_id: 'text', purchase_id: 'text' });
export const AGG_TOUCHED_STAMPS = table('agg_touched_stamps', [], { ...RETENTION_STAMPS.types, rid: 'bigint' });

/**
 * Connections whose customer facts and pre-aggregates a backfill's writes left behind the ledger
 * (deferRebuild): committed with its pages, removed by the rebuild at the end of the run. While a
 * connection is listed, reports read the ledger, not its aggregates.
 */
export const REBUILD_PENDING = table('rebuild_pending', ['connection_id'], { connection_id: 'text' });

/**
 * What a connection's data covers: the days its backfills walked (account-local dates) and its as-of,
 * the CRM's "now" at its last complete sync (docs/sync.md, "Coverage"). Migration 9.
 */
export const COVERAGE = table('coverage', ['connection_id'], { connection_id: 'text', from_date: 'date', to_date: 'date', as_of: 'instant' });

/**
 * MID health alert rules (docs/metrics.md, "MID health"), per connection: a MID's own rule (`mid` its
 * merchantId) or the connection's default (`mid` "*"). A rule fires for a month whose ratio (`metric`:
 * visa, mastercard or any) is at least `threshold_ppm` millionths with at least `min_count` disputes.
 * Migration 12.
 */
export const MID_ALERT_RULES = table('mid_alert_rules', ['connection_id', 'mid'], {
  connection_id: 'text',
  mid: 'text',
  metric: 'text',
  threshold_ppm: 'bigint',
  min_count: 'bigint',
  updated_at: 'instant',
});

/*
 * Costs as data (docs/economics.md, migration 14): each rate version is keyed by what it applies to, its
 * currency and the date it takes effect (account calendar). "Every campaign", "every MID" and "every
 * sub-affiliate" are stored as 0, 0 and '' (a key column cannot be NULL).
 */
export const PRODUCT_COSTS = table('product_costs', ['connection_id', 'product_id', 'campaign_id', 'currency', 'effective_from'], {
  connection_id: 'text', product_id: 'bigint', campaign_id: 'bigint', currency: 'text', effective_from: 'date', cost_cents: 'bigint', fulfilment_cents: 'bigint',
});
export const PROCESSING_COSTS = table('processing_costs', ['connection_id', 'merchant_id', 'currency', 'effective_from'], {
  connection_id: 'text', merchant_id: 'bigint', currency: 'text', effective_from: 'date', rate_ppm: 'bigint', fixed_cents: 'bigint', chargeback_cents: 'bigint', refund_cents: 'bigint',
});
export const AFFILIATE_PAYOUTS = table('affiliate_payouts', ['connection_id', 'aff_id', 'sub_aff_id', 'cycle', 'currency', 'effective_from'], {
  connection_id: 'text', aff_id: 'text', sub_aff_id: 'text', cycle: 'int', currency: 'text', effective_from: 'date', cpa_cents: 'bigint',
});
/** Ad spend per day and source of customers; importing the same row again changes nothing (its key). */
export const AD_SPEND = table('ad_spend', ['connection_id', 'day', 'source_kind', 'source', 'platform', 'currency'], {
  connection_id: 'text', day: 'date', source_kind: 'text', source: 'text', platform: 'text', currency: 'text', spend_cents: 'bigint',
});
/** Every change to the costs: who, when, through what (cli, web, api) and from where (a file), the row before and after (JSON). */
export const COST_CHANGES = table('cost_changes', ['connection_id', 'change_id'], {
  connection_id: 'text', change_id: 'bigint', changed_at: 'instant', actor: 'text', via: 'text', origin: 'text', kind: 'text', item: 'text', old_value: 'text', new_value: 'text',
});
/**
 * The margin ledger: the costs each sale, refund and chargeback carries (ledger/costs.ts), beside it,
 * with its attribution; a cost column is NULL when no rate applied. Kept with the customer facts.
 */
export const COST_EVENTS = table('cost_events', ['connection_id', 'event_id'], {
  connection_id: 'text',
  event_id: 'text',
  event_kind: 'text',
  transaction_id: 'bigint',
  instant: 'instant',
  ...eventContext,
  product_cents: 'bigint',
  fulfilment_cents: 'bigint',
  txn_fee_cents: 'bigint',
  rate_fee_cents: 'bigint',
  refund_fee_cents: 'bigint',
  chargeback_fee_cents: 'bigint',
  payout_cents: 'bigint',
  // Minus the sum of the costs: the money the costs take, signed as a ledger amount.
  amount_cents: 'bigint',
});

/** The cost tables (migration 14), by name. */
export const COST_TABLES = {
  product_costs: PRODUCT_COSTS,
  processing_costs: PROCESSING_COSTS,
  affiliate_payouts: AFFILIATE_PAYOUTS,
  ad_spend: AD_SPEND,
  cost_changes: COST_CHANGES,
  cost_events: COST_EVENTS,
} as const;

/** Tables holding CRM copies, keyed by (connection_id, CRM id). */
export const ENTITY_TABLES = {
  campaigns: CAMPAIGNS,
  products: PRODUCTS,
  coupons: COUPONS,
  customers: CUSTOMERS,
  orders: ORDERS,
  transactions: TRANSACTIONS,
  purchases: PURCHASES,
} as const;

export type EntityTableName = keyof typeof ENTITY_TABLES;

/** The tables a reader may list (tests, verification), by name. */
export const READABLE_TABLES = {
  ...ENTITY_TABLES,
  connections: CONNECTIONS,
  money_events: MONEY_EVENTS,
  customer_facts: CUSTOMER_FACTS,
  facts_dirty: FACTS_DIRTY,
  purchases_dirty: PURCHASES_DIRTY,
  rebuild_pending: REBUILD_PENDING,
  sync_runs: SYNC_RUNS,
  sync_pages: SYNC_PAGES,
  sync_checkpoints: SYNC_CHECKPOINTS,
  event_slots: EVENT_SLOTS,
  cohort_slots: COHORT_SLOTS,
  cohort_ages: COHORT_AGES,
  order_first_sales: ORDER_FIRST_SALES,
  cohort_months: COHORT_MONTHS,
  attempt_days: ATTEMPT_DAYS,
  mid_months: MID_MONTHS,
  rebill_saves: REBILL_SAVES,
  chargeback_sales: CHARGEBACK_SALES,
  refund_sales: REFUND_SALES,
  breakdown_days: BREAKDOWN_DAYS,
  cohort_group_sizes: COHORT_GROUP_SIZES,
  cohort_group_ages: COHORT_GROUP_AGES,
  customer_ages: CUSTOMER_AGES,
  mids: MIDS,
  purchase_transactions: PURCHASE_TRANSACTIONS,
  order_items: ORDER_ITEMS,
  quarantine: QUARANTINE,
  coverage: COVERAGE,
  mid_alert_rules: MID_ALERT_RULES,
  ...COST_TABLES,
  subscription_attempts: SUBSCRIPTION_ATTEMPTS,
  subscription_cycles: SUBSCRIPTION_CYCLES,
  subscription_starts: SUBSCRIPTION_STARTS,
  rebill_tries: REBILL_TRIES,
  rebill_rates: REBILL_RATES,
  rebill_due: REBILL_DUE,
  retention_days: RETENTION_DAYS,
  retention_groups: RETENTION_GROUPS,
  retention_stamps: RETENTION_STAMPS,
} as const;

export type ReadableTable = keyof typeof READABLE_TABLES;

/** Every table the current schema has (the contract test compares them with the database), scratch tables included. */
export const ALL_TABLES: TableSpec[] = [...Object.values(READABLE_TABLES), AGG_AGE_DELTA, AGG_GROUP_AGE_DELTA, AGG_TOUCHED_SLOTS, AGG_MONTH_DELTA, AGG_TOUCHED_PURCHASES, AGG_TOUCHED_EVENTS, AGG_RETENTION_DELTA, AGG_TOUCHED_STARTS, AGG_TOUCHED_CYCLES, AGG_TOUCHED_ATTEMPTS, AGG_TOUCHED_STAMPS, PURCHASES_RESTAMP, AGG_REBILL_TRIES];
