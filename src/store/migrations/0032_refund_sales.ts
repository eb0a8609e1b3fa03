/**
 * Migration 32 (frozen: never edit an applied migration; add a new one): refund_sales, every refund, void
 * and chargeback event with the instant the CRM basis books it at (a refund or void on its parent sale's
 * date_created, a chargeback on its transaction's, its own instant when that is not stored) and whether a
 * chargeback's transaction no longer carries the flag (src/store/refund-sales.ts), which reconciliation
 * reads by range instead of every refund and chargeback of the ledger with their transactions. Filled
 * here from money_events and transactions (the statement of its rebuild at the time of writing, the same
 * on both engines): a store upgraded with current pre-aggregates keeps them, and one behind
 * (rebuild_pending) rebuilds it with the rest. Made afresh (DROP first): the fill is whole. PostgreSQL: by booked instant and by own instant (the
 * range read), by transaction and by parent (the upkeep).
 */
import type { Migration } from './migration.js';

const create = (instant: string) => `CREATE TABLE refund_sales (connection_id TEXT, event_id TEXT, transaction_id BIGINT, kind TEXT, instant ${instant}, currency TEXT,
  campaign_id BIGINT, amount_cents BIGINT, parent_txn_id BIGINT, booked_at ${instant}, cleared BOOLEAN, PRIMARY KEY (connection_id, event_id))`;

const fill = `INSERT INTO refund_sales (connection_id, event_id, transaction_id, kind, instant, currency, campaign_id, amount_cents, parent_txn_id, booked_at, cleared) WITH e AS (SELECT e.connection_id, e.event_id, e.transaction_id, e.kind, e.instant, e.currency, e.campaign_id, e.amount_cents
       FROM money_events e WHERE e.kind IN ('refund', 'void', 'chargeback') AND TRUE),
     t AS (SELECT t.connection_id, t.transaction_id, t.parent_txn_id, t.date_created, t.is_chargedback FROM transactions t
       WHERE t.transaction_id IN (SELECT transaction_id FROM e)),
     pt AS (SELECT pt.connection_id, pt.transaction_id, pt.date_created FROM transactions pt
       WHERE pt.transaction_id IN (SELECT parent_txn_id FROM t))
     SELECT e.connection_id, e.event_id, e.transaction_id, e.kind, e.instant, e.currency, e.campaign_id, e.amount_cents, t.parent_txn_id,
       CASE WHEN e.kind = 'chargeback' THEN COALESCE(t.date_created, e.instant) ELSE COALESCE(pt.date_created, e.instant) END AS booked_at,
       (e.kind = 'chargeback' AND t.transaction_id IS NOT NULL AND t.is_chargedback IS NOT TRUE) AS cleared
     FROM e LEFT JOIN t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
       LEFT JOIN pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id ORDER BY e.instant`;

export default {
  version: 32,
  name: 'refunds and chargebacks with the day they are booked on',
  duckdb: [`DROP TABLE IF EXISTS refund_sales`, create('TIMESTAMP'), fill],
  postgres: [
    `DROP TABLE IF EXISTS refund_sales`,
    create('TIMESTAMPTZ'),
    fill,
    `CREATE INDEX IF NOT EXISTS refund_sales_connection_id_booked_at ON refund_sales (connection_id, booked_at)`,
    `CREATE INDEX IF NOT EXISTS refund_sales_connection_id_instant ON refund_sales (connection_id, instant)`,
    `CREATE INDEX IF NOT EXISTS refund_sales_connection_id_transaction_id ON refund_sales (connection_id, transaction_id)`,
    `CREATE INDEX IF NOT EXISTS refund_sales_connection_id_parent_txn_id ON refund_sales (connection_id, parent_txn_id)`,
  ],
} satisfies Migration;
