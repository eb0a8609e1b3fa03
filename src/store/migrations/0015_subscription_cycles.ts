/**
 * Migration 15 (frozen: never edit an applied migration; add a new one): the subscriptions' cycles kept at
 * write time (subscription-cycles.ts; docs/store.md, "Subscription cycles"), which retention and the
 * subscription fates read instead of numbering the ledger's attempts at every report. Every connection is
 * marked for a rebuild: until its next refresh fills them, the reports read the ledger.
 */
import type { Migration } from './migration.js';

/**
 * The tables; `key` is the primary key clause of each (PostgreSQL), or nothing (DuckDB: an ART index
 * made the rebuild's delete of every row take minutes, 5 min 1 s for 8.4 million attempts at 2,000,000
 * transactions, and these tables are only ever written whole per purchase, never upserted).
 */
const tables = (instant: string, key: (columns: string) => string) => [
  `CREATE TABLE subscription_attempts (connection_id TEXT, purchase_id TEXT, cycle INTEGER, retry INTEGER, customer_id BIGINT, started_at ${instant}, currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT,
     instant ${instant}, prev_at ${instant}, outcome TEXT, is_last BOOLEAN${key('connection_id, purchase_id, cycle, retry')})`,
  `CREATE TABLE subscription_cycles (connection_id TEXT, purchase_id TEXT, cycle INTEGER, customer_id BIGINT, started_at ${instant}, currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT,
     last_ok INTEGER, attempts INTEGER, first_at ${instant}, ok_at ${instant},
     ok_retry INTEGER, first_soft INTEGER, last_soft INTEGER, prev_ok_at ${instant}, refunds INTEGER, refund_cents BIGINT, chargebacks INTEGER, chargeback_cents BIGINT,
     sales INTEGER, sales_cents BIGINT, reversed_cents BIGINT${key('connection_id, purchase_id, cycle')})`,
  `CREATE TABLE subscription_starts (connection_id TEXT, purchase_id TEXT, customer_id BIGINT, started_at ${instant}, currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT,
     last_ok INTEGER, last_try INTEGER, last_ok_at ${instant}${key('connection_id, purchase_id')})`,
  `CREATE TABLE agg_touched_purchases (connection_id TEXT, purchase_id TEXT${key('connection_id, purchase_id')})`,
  // The events of the touched purchases, staged once per refresh (no key: filled and emptied whole).
  `CREATE TABLE agg_touched_events (connection_id TEXT, purchase_id TEXT, event_id TEXT, kind TEXT, instant ${instant}, amount_cents BIGINT, customer_id BIGINT, billing_cycle INTEGER,
     currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT, transaction_id BIGINT, outcome TEXT, parent_cycle INTEGER)`,
  `INSERT INTO rebuild_pending (connection_id) SELECT connection_id FROM connections ON CONFLICT DO NOTHING`,
];

export default {
  version: 15,
  name: 'subscription cycles kept at write time',
  duckdb: tables('TIMESTAMP', () => ''),
  postgres: [
    ...tables('TIMESTAMPTZ', (columns) => `, PRIMARY KEY (${columns})`),
    `CREATE INDEX IF NOT EXISTS subscription_starts_connection_id_started_at ON subscription_starts (connection_id, started_at)`,
    `CREATE INDEX IF NOT EXISTS subscription_starts_connection_id_customer_id ON subscription_starts (connection_id, customer_id)`,
    `CREATE INDEX IF NOT EXISTS subscription_cycles_connection_id_customer_id ON subscription_cycles (connection_id, customer_id)`,
    `CREATE INDEX IF NOT EXISTS subscription_attempts_connection_id_customer_id ON subscription_attempts (connection_id, customer_id)`,
    `CREATE INDEX IF NOT EXISTS subscription_cycles_connection_id_started_at ON subscription_cycles (connection_id, started_at)`,
    `CREATE INDEX IF NOT EXISTS subscription_attempts_connection_id_started_at ON subscription_attempts (connection_id, started_at)`,
    // A refresh reads the touched purchases' events by purchase (subscription-cycles.ts): without it, a
    // pass over the whole ledger at every write of facts.
    `CREATE INDEX IF NOT EXISTS money_events_connection_id_purchase_id ON money_events (connection_id, purchase_id)`,
  ],
} satisfies Migration;
