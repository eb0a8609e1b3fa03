/**
 * Migration 18 (frozen: never edit an applied migration; add a new one): each order's first sale
 * (store/order-first-sales.ts), filled from the ledger as it stands; kept by the writes from then on.
 */
import type { Migration } from './migration.js';

const fill = [
  `DELETE FROM order_first_sales WHERE TRUE`,
  `INSERT INTO order_first_sales (connection_id, order_id, first_sale_at)
   SELECT connection_id, order_id, MIN(instant) FROM money_events WHERE kind = 'sale' AND order_id IS NOT NULL GROUP BY connection_id, order_id`,
];

export default {
  version: 18,
  name: 'order_first_sales',
  duckdb: [`CREATE TABLE IF NOT EXISTS order_first_sales (connection_id TEXT, order_id TEXT, first_sale_at TIMESTAMP, PRIMARY KEY (connection_id, order_id))`, ...fill],
  postgres: [
    `CREATE TABLE IF NOT EXISTS order_first_sales (connection_id TEXT, order_id TEXT, first_sale_at TIMESTAMPTZ, PRIMARY KEY (connection_id, order_id))`,
    // The orders figure reads the orders that began in a range (PostgreSQL only: DuckDB has no secondary indexes here).
    `CREATE INDEX IF NOT EXISTS order_first_sales_connection_id_first_sale_at ON order_first_sales (connection_id, first_sale_at)`,
    ...fill,
  ],
} satisfies Migration;
