/**
 * Migration 21 (frozen: never edit an applied migration; add a new one): retention's counts kept at
 * write time (retention-days.ts; docs/store.md "Retention days"), which the retention report sums instead
 * of reading every subscription of its range. Filled here from the subscription tables and purchases (the
 * statements of its rebuild at the time of writing, per engine): a store upgraded with current
 * pre-aggregates keeps them, and one behind rebuilds them with the rest.
 */
import { duckdbDialect } from '../engines/duckdb/dialect.js';
import { postgresDialect } from '../engines/postgres/dialect.js';
import { rebuildRetentionDaysSql } from '../retention-days.js';
import type { Migration } from './migration.js';

const counts = `currency TEXT, day INTEGER, product_id BIGINT, part TEXT, last_ok INTEGER, last_try INTEGER, ok_day INTEGER, cancelled INTEGER, next_bill TEXT,
  cycle INTEGER, days INTEGER, saved_by INTEGER, retry INTEGER, outcome TEXT, cnt BIGINT, soft BIGINT, recycling BIGINT, lost BIGINT, saved_soft BIGINT, refunds BIGINT,
  refund_cents BIGINT, chargebacks BIGINT, cb_cents BIGINT`;
// No keys: the counts are written whole per day (many key columns are NULL by part), the stamps whole per purchase.
const statements = [
  `CREATE TABLE retention_days (connection_id TEXT, zone TEXT, ${counts})`,
  `CREATE TABLE agg_retention_delta (connection_id TEXT, zone TEXT, ${counts})`,
  `CREATE TABLE retention_stamps (connection_id TEXT, purchase_id TEXT, zone TEXT, cancelled INTEGER, next_bill TEXT, recycling INTEGER)`,
];

export default {
  version: 21,
  name: 'retention days kept at write time',
  duckdb: [...statements, ...rebuildRetentionDaysSql(duckdbDialect, false)],
  postgres: [
    ...statements,
    ...rebuildRetentionDaysSql(postgresDialect, false),
    `CREATE INDEX IF NOT EXISTS retention_days_connection_id_day ON retention_days (connection_id, day)`,
    `CREATE INDEX IF NOT EXISTS retention_stamps_connection_id_purchase_id ON retention_stamps (connection_id, purchase_id)`,
  ],
} satisfies Migration;
