/**
 * Migration 25 (frozen: never edit an applied migration; add a new one): on PostgreSQL, a
 * `(connection_id, customer_id)` index on `transactions`, `orders` and `purchases`, for one customer's
 * page (analytics/customer.ts), which reads a customer's rows of each. Without them each was a
 * sequential scan of the whole table: 3.2 s for the page at 10,000,000 transactions (docs/metrics.md).
 * `money_events` has had its own since migration 1, `customers` and `customer_facts` are keyed by it.
 * DuckDB: nothing (no secondary indexes in this store; its scans of one customer's rows are fast).
 */
import type { Migration } from './migration.js';

export default {
  version: 25,
  name: 'customer lookup indexes',
  duckdb: [],
  postgres: [
    `CREATE INDEX IF NOT EXISTS transactions_connection_id_customer_id ON transactions (connection_id, customer_id)`,
    `CREATE INDEX IF NOT EXISTS orders_connection_id_customer_id ON orders (connection_id, customer_id)`,
    `CREATE INDEX IF NOT EXISTS purchases_connection_id_customer_id ON purchases (connection_id, customer_id)`,
  ],
} satisfies Migration;
