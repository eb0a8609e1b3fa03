/**
 * Migration 20 (frozen: never edit an applied migration; add a new one): breakdown_days, every event
 * measure, the orders and the new customers per UTC day, breakdown dimension and value (breakdown-days.ts). Created
 * empty; every connection is marked rebuild_pending, so reports read the ledger until the next refresh
 * rebuilds it with the other pre-aggregates.
 */
import type { Migration } from './migration.js';

const create = `CREATE TABLE IF NOT EXISTS breakdown_days (connection_id TEXT, currency TEXT, day INTEGER, dimension TEXT, num_value BIGINT, text_value TEXT,
  gross_cents BIGINT, refunds_cents BIGINT, chargebacks_cents BIGINT, sale_count BIGINT, chargeback_count BIGINT, initial_approved BIGINT, initial_declined BIGINT,
  rebill_approved BIGINT, rebill_declined BIGINT, orders BIGINT, new_customers BIGINT, earlier_customers BIGINT,
  PRIMARY KEY (connection_id, currency, day, dimension, num_value, text_value))`;
const pending = `INSERT INTO rebuild_pending (connection_id) SELECT connection_id FROM connections ON CONFLICT DO NOTHING`;

export default {
  version: 20,
  name: 'breakdowns by UTC day',
  duckdb: [create, pending],
  postgres: [create, `CREATE INDEX IF NOT EXISTS breakdown_days_dimension_day ON breakdown_days (dimension, day)`, pending],
} satisfies Migration;
