/**
 * Migration 28 (frozen: never edit an applied migration; add a new one): retention's counts (migration 21)
 * keep the rebills' money too, as a part `rebill`: per connection, account zone, currency, start day,
 * product and cycle (2 and later), the cycles' approved sales (`sales`), their gross (`sales_cents`) and
 * what was taken back from them (`reversed_cents`), as subscription_cycles has them. The Forecast's observed
 * net per paid rebill sums these rows instead of the range's subscription cycles (about 3,000,000 at
 * 10,000,000 transactions: 0.8 s on PostgreSQL, a parallel scan of the whole table; docs/metrics.md).
 * Filled here from the subscription tables and the stamps, as the rebuild of retention-days.ts counts the
 * part at the time of writing (each start's day in the stamp's zone); the refresh keeps it from then on.
 * The other parts' rows get 0 in the new counts, as the refresh writes them.
 */
import type { Migration } from './migration.js';

const columns = (table: string) => ['sales', 'sales_cents', 'reversed_cents'].map((c) => `ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${c} BIGINT DEFAULT 0`);

const fill = (day: string) => `INSERT INTO retention_days (connection_id, zone, currency, day, product_id, part, cycle, cnt, soft, recycling, lost, saved_soft,
    refunds, refund_cents, chargebacks, cb_cents, sales, sales_cents, reversed_cents)
  SELECT a.connection_id, st.zone, a.currency, ${day} AS day, a.product_id, 'rebill', a.cycle, COUNT(*), 0, 0, 0, 0, 0, 0, 0, 0,
    SUM(a.sales), SUM(a.sales_cents), SUM(a.reversed_cents)
  FROM subscription_cycles a JOIN retention_stamps st ON st.connection_id = a.connection_id AND st.purchase_id = a.purchase_id
  WHERE a.cycle >= 2 AND (a.sales <> 0 OR a.sales_cents <> 0 OR a.reversed_cents <> 0)
  GROUP BY a.connection_id, st.zone, a.currency, 4, a.product_id, a.cycle`;

export default {
  version: 28,
  name: 'retention rebill money',
  duckdb: [
    ...columns('retention_days'),
    ...columns('agg_retention_delta'),
    fill(`CAST(CAST(timezone(st.zone, timezone('UTC', a.started_at)) AS DATE) - DATE '1970-01-01' AS INTEGER)`),
  ],
  postgres: [
    ...columns('retention_days'),
    ...columns('agg_retention_delta'),
    fill(`CAST(CAST((a.started_at AT TIME ZONE st.zone) AS DATE) - DATE '1970-01-01' AS INTEGER)`),
  ],
} satisfies Migration;
