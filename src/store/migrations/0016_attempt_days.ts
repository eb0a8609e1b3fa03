/**
 * Migration 16 (frozen: never edit an applied migration; add a new one): attempt_days, the sale,
 * decline, chargeback and reversal events per UTC day and the dimensions of MID health, declines and
 * chargebacks (attempt-days.ts). Created empty; every connection is marked rebuild_pending, so reports
 * read the ledger until the next refresh rebuilds it with the other pre-aggregates.
 */
import type { Migration } from './migration.js';

const create = `CREATE TABLE IF NOT EXISTS attempt_days (connection_id TEXT, currency TEXT, day INTEGER, kind TEXT, merchant_id BIGINT, card_brand TEXT, billing_cycle INTEGER,
  recycle_number INTEGER, reason TEXT, events BIGINT, cents BIGINT,
  PRIMARY KEY (connection_id, currency, day, kind, merchant_id, card_brand, billing_cycle, recycle_number, reason))`;
const pending = `INSERT INTO rebuild_pending (connection_id) SELECT connection_id FROM connections ON CONFLICT DO NOTHING`;

export default {
  version: 16,
  name: 'attempts and disputes by UTC day',
  duckdb: [create, pending],
  postgres: [create, `CREATE INDEX IF NOT EXISTS attempt_days_connection_id_day ON attempt_days (connection_id, day)`, pending],
} satisfies Migration;
