/**
 * Migration 23 (frozen: never edit an applied migration; add a new one): chargeback_sales gains
 * refund_cents, what the refunds and voids of each chargeback's transaction returned (the events of the
 * transactions whose parent it is; src/store/chargeback-sales.ts), so the chargebacks report reads
 * them without scanning the stored transactions. The table is made again with the column and filled from
 * the ledger (the statements of its rebuild at the time of writing): a store upgraded with current
 * pre-aggregates keeps them.
 */
import type { Migration } from './migration.js';

const create = (instant: string) => `CREATE TABLE chargeback_sales (connection_id TEXT, event_id TEXT, transaction_id BIGINT, instant ${instant}, currency TEXT,
  merchant_id BIGINT, billing_cycle INTEGER, reason TEXT, amount_cents BIGINT, sale_instant ${instant}, refund_cents BIGINT, PRIMARY KEY (connection_id, event_id))`;
const fill = `INSERT INTO chargeback_sales (connection_id, event_id, transaction_id, instant, currency, merchant_id, billing_cycle, reason, amount_cents, sale_instant, refund_cents)
  SELECT c.connection_id, c.event_id, c.transaction_id, c.instant, c.currency, c.merchant_id, c.billing_cycle, c.reason, c.amount_cents,
    (SELECT MIN(s.instant) FROM money_events s WHERE s.connection_id = c.connection_id AND s.transaction_id = c.transaction_id AND s.kind = 'sale') AS sale_instant,
    (SELECT SUM(-x.amount_cents) FROM transactions t JOIN money_events x ON x.connection_id = t.connection_id AND x.transaction_id = t.transaction_id AND x.kind IN ('refund', 'void')
      WHERE t.connection_id = c.connection_id AND t.parent_txn_id = c.transaction_id) AS refund_cents
  FROM money_events c WHERE c.kind = 'chargeback' ORDER BY c.instant`;

export default {
  version: 23,
  name: 'chargebacks with the refunds of their sale',
  duckdb: [`DROP TABLE IF EXISTS chargeback_sales`, create('TIMESTAMP'), fill],
  postgres: [
    `DROP TABLE IF EXISTS chargeback_sales`,
    create('TIMESTAMPTZ'),
    fill,
    `CREATE INDEX IF NOT EXISTS chargeback_sales_instant ON chargeback_sales (instant)`,
    `CREATE INDEX IF NOT EXISTS chargeback_sales_connection_id_transaction_id ON chargeback_sales (connection_id, transaction_id)`,
  ],
} satisfies Migration;
