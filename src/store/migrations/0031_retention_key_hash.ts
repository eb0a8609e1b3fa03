/**
 * Migration 31 (frozen: never edit an applied migration; add a new one): retention_days and
 * retention_groups keep the hash of each row's key in `kh` (retention-days.ts; docs/store.md "Retention
 * days"), written with the row. The refresh's merge finds a table's rows of the delta's keys by that one
 * column instead of joining every row on sixteen or twenty-two columns, which read the whole table's keys
 * and counts at each refresh (retention_groups: 4.4 million rows at 10,000,000 transactions). Filled here
 * with each engine's hash of the key as it is at the time of writing (SqlDialect.keyHash); PostgreSQL
 * indexes it with the connection.
 */
import type { Migration } from './migration.js';

const DAYS_KEY = ['connection_id', 'zone', 'currency', 'day', 'product_id', 'part', 'last_ok', 'last_try', 'ok_day', 'cancelled', 'next_bill', 'cycle', 'days', 'saved_by', 'retry', 'outcome'];
const GROUPS_KEY = [...DAYS_KEY, 'family', 'campaign_id', 'aff_id', 'source_value1', 'merchant_id', 'coupon_code'];
const TABLES: [string, string[]][] = [['retention_days', DAYS_KEY], ['retention_groups', GROUPS_KEY]];

export default {
  version: 31,
  name: 'retention key hash',
  duckdb: TABLES.flatMap(([t, key]) => [
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS kh BIGINT`,
    `UPDATE ${t} SET kh = CAST(hash(${key.join(', ')}) >> 1 AS BIGINT)`,
  ]),
  postgres: TABLES.flatMap(([t, key]) => [
    `ALTER TABLE ${t} ADD COLUMN IF NOT EXISTS kh BIGINT`,
    `UPDATE ${t} SET kh = hashtextextended(CAST(ROW(${key.join(', ')}) AS TEXT), 0)`,
    `CREATE INDEX IF NOT EXISTS ${t}_connection_id_kh ON ${t} (connection_id, kh)`,
  ]),
} satisfies Migration;
