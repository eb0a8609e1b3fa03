/**
 * Migration 10 (frozen: never edit an applied migration; add a new one): an order's line items, so a
 * transaction that names no product takes the item of its order it billed (store/attribution.ts). Stores
 * synced before it fill the table as their orders are read again (a backfill, or an order's update).
 */
import type { Migration } from './migration.js';

const create = `CREATE TABLE order_items (connection_id TEXT, order_id TEXT, item_no INTEGER, product_id BIGINT, campaign_product_id BIGINT, purchase_id TEXT, amount_cents BIGINT, PRIMARY KEY (connection_id, order_id, item_no))`;

export default {
  version: 10,
  name: 'order_items',
  duckdb: [create],
  postgres: [create],
} satisfies Migration;
