/**
 * Migration 22 (frozen: never edit an applied migration; add a new one): purchases_dirty, the purchases
 * whose subscription tables a deferred write left to recompute (purchases-dirty.ts), as facts_dirty lists
 * customers. Until now a refresh found them through the dirty customers: a connection with customers
 * still marked (a deferred run that has not refreshed yet) is marked rebuild_pending, so that its next
 * refresh rebuilds what those customers' purchases would have needed.
 */
import type { Migration } from './migration.js';

const statements = [
  `CREATE TABLE IF NOT EXISTS purchases_dirty (connection_id TEXT, purchase_id TEXT, PRIMARY KEY (connection_id, purchase_id))`,
  `INSERT INTO rebuild_pending (connection_id) SELECT DISTINCT connection_id FROM facts_dirty ON CONFLICT DO NOTHING`,
];

export default {
  version: 22,
  name: 'dirty purchases',
  duckdb: statements,
  postgres: statements,
} satisfies Migration;
