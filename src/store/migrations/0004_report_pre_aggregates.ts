/** Migration 4 (frozen: never edit an applied migration; add a new one): report pre-aggregates and range indexes. */
import type { Migration } from './migration.js';

export default {
  version: 4,
  name: 'report pre-aggregates and range indexes',
  duckdb: [
    `CREATE TABLE IF NOT EXISTS event_slots (connection_id TEXT, slot TIMESTAMP, gross_cents BIGINT, refund_cents BIGINT, chargeback_cents BIGINT, sale_count BIGINT, chargeback_count BIGINT, initial_approved BIGINT, initial_declined BIGINT, rebill_approved BIGINT, rebill_declined BIGINT, orders BIGINT, new_customers BIGINT, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS cohort_slots (connection_id TEXT, slot TIMESTAMP, customers BIGINT, last_first_sale_at TIMESTAMP, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS cohort_ages (connection_id TEXT, slot TIMESTAMP, age_days INTEGER, net_cents BIGINT, PRIMARY KEY (connection_id, slot, age_days))`,
    `CREATE TABLE IF NOT EXISTS agg_slot_delta (connection_id TEXT, slot TIMESTAMP, gross_cents BIGINT, refund_cents BIGINT, chargeback_cents BIGINT, sale_count BIGINT, chargeback_count BIGINT, initial_approved BIGINT, initial_declined BIGINT, rebill_approved BIGINT, rebill_declined BIGINT, orders BIGINT, new_customers BIGINT, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS agg_age_delta (connection_id TEXT, slot TIMESTAMP, age_days INTEGER, net_cents BIGINT, PRIMARY KEY (connection_id, slot, age_days))`,
    `CREATE TABLE IF NOT EXISTS agg_touched_slots (connection_id TEXT, slot TIMESTAMP, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS agg_touched_orders (connection_id TEXT, order_id TEXT, PRIMARY KEY (connection_id, order_id))`,
    `DELETE FROM event_slots WHERE TRUE`,
    `DELETE FROM cohort_slots WHERE TRUE`,
    `DELETE FROM cohort_ages WHERE TRUE`,
    `INSERT INTO event_slots (connection_id, slot, gross_cents, refund_cents, chargeback_cents, sale_count, chargeback_count, initial_approved, initial_declined, rebill_approved, rebill_declined, orders, new_customers)
     SELECT connection_id, slot, SUM(g), SUM(r), SUM(cb), SUM(s), SUM(cbn), SUM(io), SUM(id), SUM(ro), SUM(rd), SUM(o), SUM(nc) FROM (
       SELECT connection_id, time_bucket(INTERVAL '15 minutes', instant) AS slot,
         SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END) AS g,
         SUM(CASE WHEN kind IN ('refund', 'void', 'chargeback') THEN -amount_cents ELSE 0 END) AS r,
         SUM(CASE WHEN kind = 'chargeback' THEN -amount_cents ELSE 0 END) AS cb,
         COUNT(CASE WHEN kind = 'sale' THEN 1 END) AS s,
         COUNT(CASE WHEN kind = 'chargeback' THEN 1 END) AS cbn,
         COUNT(CASE WHEN kind = 'sale' AND is_initial THEN 1 END) AS io,
         COUNT(CASE WHEN kind = 'decline' AND is_initial THEN 1 END) AS id,
         COUNT(CASE WHEN kind = 'sale' AND NOT is_initial THEN 1 END) AS ro,
         COUNT(CASE WHEN kind = 'decline' AND NOT is_initial THEN 1 END) AS rd,
         0 AS o, 0 AS nc
       FROM money_events WHERE TRUE GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, time_bucket(INTERVAL '15 minutes', first_at), 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), 0
       FROM (SELECT connection_id, order_id, MIN(instant) AS first_at FROM money_events WHERE TRUE AND kind = 'sale' AND order_id IS NOT NULL GROUP BY connection_id, order_id) o GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, time_bucket(INTERVAL '15 minutes', first_sale_at), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*) FROM customer_facts WHERE TRUE GROUP BY 1, 2
     ) x GROUP BY 1, 2`,
    `INSERT INTO cohort_slots (connection_id, slot, customers, last_first_sale_at)
     SELECT connection_id, time_bucket(INTERVAL '15 minutes', first_sale_at), COUNT(*), MAX(first_sale_at) FROM customer_facts WHERE TRUE GROUP BY 1, 2`,
    `INSERT INTO cohort_ages (connection_id, slot, age_days, net_cents)
       SELECT f.connection_id, time_bucket(INTERVAL '15 minutes', f.first_sale_at), CAST(FLOOR((epoch_ms(e.instant) - epoch_ms(f.first_sale_at)) / 86400000.0) AS INTEGER), SUM(e.amount_cents)
       FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.kind <> 'decline'
       WHERE TRUE GROUP BY 1, 2, 3`,
  ],
  postgres: [
    `CREATE TABLE IF NOT EXISTS event_slots (connection_id TEXT, slot TIMESTAMPTZ, gross_cents BIGINT, refund_cents BIGINT, chargeback_cents BIGINT, sale_count BIGINT, chargeback_count BIGINT, initial_approved BIGINT, initial_declined BIGINT, rebill_approved BIGINT, rebill_declined BIGINT, orders BIGINT, new_customers BIGINT, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS cohort_slots (connection_id TEXT, slot TIMESTAMPTZ, customers BIGINT, last_first_sale_at TIMESTAMPTZ, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS cohort_ages (connection_id TEXT, slot TIMESTAMPTZ, age_days INTEGER, net_cents BIGINT, PRIMARY KEY (connection_id, slot, age_days))`,
    `CREATE TABLE IF NOT EXISTS agg_slot_delta (connection_id TEXT, slot TIMESTAMPTZ, gross_cents BIGINT, refund_cents BIGINT, chargeback_cents BIGINT, sale_count BIGINT, chargeback_count BIGINT, initial_approved BIGINT, initial_declined BIGINT, rebill_approved BIGINT, rebill_declined BIGINT, orders BIGINT, new_customers BIGINT, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS agg_age_delta (connection_id TEXT, slot TIMESTAMPTZ, age_days INTEGER, net_cents BIGINT, PRIMARY KEY (connection_id, slot, age_days))`,
    `CREATE TABLE IF NOT EXISTS agg_touched_slots (connection_id TEXT, slot TIMESTAMPTZ, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS agg_touched_orders (connection_id TEXT, order_id TEXT, PRIMARY KEY (connection_id, order_id))`,
    `CREATE INDEX IF NOT EXISTS money_events_connection_id_instant ON money_events (connection_id, instant)`,
    `CREATE INDEX IF NOT EXISTS customer_facts_connection_id_first_sale_at ON customer_facts (connection_id, first_sale_at)`,
    `CREATE INDEX IF NOT EXISTS money_events_connection_id_order_id ON money_events (connection_id, order_id)`,
    `DELETE FROM event_slots WHERE TRUE`,
    `DELETE FROM cohort_slots WHERE TRUE`,
    `DELETE FROM cohort_ages WHERE TRUE`,
    `INSERT INTO event_slots (connection_id, slot, gross_cents, refund_cents, chargeback_cents, sale_count, chargeback_count, initial_approved, initial_declined, rebill_approved, rebill_declined, orders, new_customers)
     SELECT connection_id, slot, SUM(g), SUM(r), SUM(cb), SUM(s), SUM(cbn), SUM(io), SUM(id), SUM(ro), SUM(rd), SUM(o), SUM(nc) FROM (
       SELECT connection_id, date_bin('15 minutes', instant, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS slot,
         SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END) AS g,
         SUM(CASE WHEN kind IN ('refund', 'void', 'chargeback') THEN -amount_cents ELSE 0 END) AS r,
         SUM(CASE WHEN kind = 'chargeback' THEN -amount_cents ELSE 0 END) AS cb,
         COUNT(CASE WHEN kind = 'sale' THEN 1 END) AS s,
         COUNT(CASE WHEN kind = 'chargeback' THEN 1 END) AS cbn,
         COUNT(CASE WHEN kind = 'sale' AND is_initial THEN 1 END) AS io,
         COUNT(CASE WHEN kind = 'decline' AND is_initial THEN 1 END) AS id,
         COUNT(CASE WHEN kind = 'sale' AND NOT is_initial THEN 1 END) AS ro,
         COUNT(CASE WHEN kind = 'decline' AND NOT is_initial THEN 1 END) AS rd,
         0 AS o, 0 AS nc
       FROM money_events WHERE TRUE GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, date_bin('15 minutes', first_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*), 0
       FROM (SELECT connection_id, order_id, MIN(instant) AS first_at FROM money_events WHERE TRUE AND kind = 'sale' AND order_id IS NOT NULL GROUP BY connection_id, order_id) o GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, date_bin('15 minutes', first_sale_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, COUNT(*) FROM customer_facts WHERE TRUE GROUP BY 1, 2
     ) x GROUP BY 1, 2`,
    `INSERT INTO cohort_slots (connection_id, slot, customers, last_first_sale_at)
     SELECT connection_id, date_bin('15 minutes', first_sale_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), COUNT(*), MAX(first_sale_at) FROM customer_facts WHERE TRUE GROUP BY 1, 2`,
    `INSERT INTO cohort_ages (connection_id, slot, age_days, net_cents)
       SELECT f.connection_id, date_bin('15 minutes', f.first_sale_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), CAST(FLOOR((CAST(ROUND(EXTRACT(EPOCH FROM e.instant) * 1000) AS BIGINT) - CAST(ROUND(EXTRACT(EPOCH FROM f.first_sale_at) * 1000) AS BIGINT)) / 86400000.0) AS INTEGER), SUM(e.amount_cents)
       FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.kind <> 'decline'
       WHERE TRUE GROUP BY 1, 2, 3`,
  ],
} satisfies Migration;
