/**
 * Migration 33 (frozen: never edit an applied migration; add a new one): customer_ages, each customer's net
 * revenue by whole days since their own first sale, with that first sale (src/store/customer-ages.ts;
 * docs/store.md "Each customer's net by age"), which cohort LTV by a breakdown reads for the first sales
 * between a range bound and its month's core instead of a scan of the ledger. Filled here from
 * customer_facts and money_events in first-sale order (the statement of its rebuild at the time of writing,
 * per engine): a store upgraded with current pre-aggregates keeps it, and one behind (rebuild_pending)
 * rebuilds it with the rest. Made afresh (DROP first): the fill is whole. PostgreSQL: an index on first_sale_at, the edges' read (of every connection).
 */
import type { Migration } from './migration.js';

const create = (instant: string) => `CREATE TABLE customer_ages (connection_id TEXT, customer_id BIGINT, age_days INTEGER, first_sale_at ${instant}, net_cents BIGINT,
  PRIMARY KEY (connection_id, customer_id, age_days))`;

const duckdbFill = "INSERT INTO customer_ages (connection_id, customer_id, age_days, first_sale_at, net_cents) SELECT * FROM (SELECT f.connection_id, f.customer_id, CAST(FLOOR((epoch_ms(e.instant) - epoch_ms(f.first_sale_at)) / 86400000.0) AS INTEGER) AS age_days, f.first_sale_at, SUM(CASE WHEN e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') THEN e.amount_cents ELSE 0 END) AS net_cents FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') AND NOT f.acquired_before WHERE TRUE GROUP BY f.connection_id, f.customer_id, f.first_sale_at, 3 HAVING SUM(CASE WHEN e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') THEN e.amount_cents ELSE 0 END) <> 0) c ORDER BY first_sale_at, customer_id, age_days";

const postgresFill = "INSERT INTO customer_ages (connection_id, customer_id, age_days, first_sale_at, net_cents) SELECT * FROM (SELECT f.connection_id, f.customer_id, CAST(FLOOR((CAST(ROUND(EXTRACT(EPOCH FROM e.instant) * 1000) AS BIGINT) - CAST(ROUND(EXTRACT(EPOCH FROM f.first_sale_at) * 1000) AS BIGINT)) / 86400000.0) AS INTEGER) AS age_days, f.first_sale_at, SUM(CASE WHEN e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') THEN e.amount_cents ELSE 0 END) AS net_cents FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') AND NOT f.acquired_before WHERE TRUE GROUP BY f.connection_id, f.customer_id, f.first_sale_at, 3 HAVING SUM(CASE WHEN e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') THEN e.amount_cents ELSE 0 END) <> 0) c ORDER BY first_sale_at, customer_id, age_days";

export default {
  version: 33,
  name: 'customer ages',
  duckdb: ['DROP TABLE IF EXISTS customer_ages', create('TIMESTAMP'), duckdbFill],
  postgres: ['DROP TABLE IF EXISTS customer_ages', create('TIMESTAMPTZ'), 'CREATE INDEX customer_ages_first_sale ON customer_ages (first_sale_at)', postgresFill],
} satisfies Migration;
