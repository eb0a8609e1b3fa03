/**
 * Migration 9 (frozen: never edit an applied migration; add a new one): what the data covers. Each
 * connection's coverage (the first and last day its backfills walked, and its as-of: the CRM's "now" at
 * its last complete sync); customers acquired before the coverage (their first sale precedes it) are
 * flagged, counted apart from new customers, and join no cohort.
 */
import type { Migration } from './migration.js';

const common = [
  `ALTER TABLE customer_facts ADD COLUMN acquired_before BOOLEAN DEFAULT FALSE`,
  `UPDATE customer_facts SET acquired_before = FALSE`,
  `ALTER TABLE event_slots ADD COLUMN earlier_customers BIGINT DEFAULT 0`,
  `UPDATE event_slots SET earlier_customers = 0`,
];

export default {
  version: 9,
  name: 'coverage',
  duckdb: [`CREATE TABLE coverage (connection_id TEXT, from_date TEXT, to_date TEXT, as_of TIMESTAMP, PRIMARY KEY (connection_id))`, ...common],
  postgres: [`CREATE TABLE coverage (connection_id TEXT, from_date TEXT, to_date TEXT, as_of TIMESTAMPTZ, PRIMARY KEY (connection_id))`, ...common],
} satisfies Migration;
