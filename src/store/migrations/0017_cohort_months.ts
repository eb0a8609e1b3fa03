/**
 * Migration 17 (frozen: never edit an applied migration; add a new one): the cohort triangle's
 * pre-aggregate cohort_months (net revenue by first-sale key, or first-sale slot, and event key: src/store/cohort-months.ts)
 * and its scratch table. Existing data is not converted here: every connection is marked rebuild_pending,
 * so reports read the ledger until its next refresh rebuilds its facts and every pre-aggregate.
 */
import type { Migration } from './migration.js';

const statements = [
  `CREATE TABLE cohort_months (connection_id TEXT, currency TEXT, by_slot BOOLEAN, cohort_key BIGINT, event_key BIGINT, net_cents BIGINT, PRIMARY KEY (connection_id, currency, by_slot, cohort_key, event_key))`,
  `CREATE TABLE agg_month_delta (connection_id TEXT, currency TEXT, by_slot BOOLEAN, cohort_key BIGINT, event_key BIGINT, net_cents BIGINT, PRIMARY KEY (connection_id, currency, by_slot, cohort_key, event_key))`,
  `INSERT INTO rebuild_pending (connection_id) SELECT connection_id FROM connections ON CONFLICT DO NOTHING`,
];

export default {
  version: 17,
  name: 'the cohort triangle pre-aggregate',
  duckdb: statements,
  postgres: statements,
} satisfies Migration;
