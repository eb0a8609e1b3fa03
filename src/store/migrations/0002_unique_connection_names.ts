/** Migration 2 (frozen: never edit an applied migration; add a new one): unique connection names. */
import type { Migration } from './migration.js';

export default {
  version: 2,
  name: 'unique connection names',
  duckdb: [
    `CREATE UNIQUE INDEX IF NOT EXISTS connections_name ON connections (name)`,
  ],
  postgres: [
    `CREATE UNIQUE INDEX IF NOT EXISTS connections_name ON connections (name)`,
  ],
} satisfies Migration;
