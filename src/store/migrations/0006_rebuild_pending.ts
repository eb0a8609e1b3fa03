/** Migration 6 (frozen: never edit an applied migration; add a new one): facts and pre-aggregates rebuilt at the end of a backfill. */
import type { Migration } from './migration.js';

export default {
  version: 6,
  name: 'facts and pre-aggregates rebuilt at the end of a backfill',
  duckdb: [
    `CREATE TABLE IF NOT EXISTS rebuild_pending (connection_id TEXT, PRIMARY KEY (connection_id))`,
  ],
  postgres: [
    `CREATE TABLE IF NOT EXISTS rebuild_pending (connection_id TEXT, PRIMARY KEY (connection_id))`,
  ],
} satisfies Migration;
