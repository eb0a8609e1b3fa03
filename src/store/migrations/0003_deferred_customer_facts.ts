/** Migration 3 (frozen: never edit an applied migration; add a new one): deferred customer facts. */
import type { Migration } from './migration.js';

export default {
  version: 3,
  name: 'deferred customer facts',
  duckdb: [
    `CREATE TABLE IF NOT EXISTS facts_dirty (connection_id TEXT, customer_id BIGINT, PRIMARY KEY (connection_id, customer_id))`,
  ],
  postgres: [
    `CREATE TABLE IF NOT EXISTS facts_dirty (connection_id TEXT, customer_id BIGINT, PRIMARY KEY (connection_id, customer_id))`,
  ],
} satisfies Migration;
