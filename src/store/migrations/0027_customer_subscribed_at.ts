/**
 * Migration 27 (frozen: never edit an applied migration; add a new one): `customer_facts.subscribed_at`,
 * the instant of the customer's first approved sale of a subscription (a sale with a purchase) in their
 * currency, NULL when they never had one. The Forecast's one-time buyers are the customers acquired in
 * the range with none before the as-of (analytics/forecast-repeat.ts): with the instant kept beside the
 * first sale, they are read from the facts alone, where every report used to take the range's customers
 * less the customers with a subscription start (a set difference of about a million rows each at
 * 10,000,000 transactions: 4 to 6 s on PostgreSQL, docs/metrics.md). Filled here from the ledger for
 * the facts there are; the facts' refresh (store/facts.ts) keeps it from then on.
 */
import type { Migration } from './migration.js';

const fill = `UPDATE customer_facts SET subscribed_at = s.at
  FROM (SELECT connection_id, customer_id, currency, MIN(instant) AS at FROM money_events
        WHERE kind = 'sale' AND purchase_id IS NOT NULL GROUP BY connection_id, customer_id, currency) s
  WHERE s.connection_id = customer_facts.connection_id AND s.customer_id = customer_facts.customer_id AND s.currency = customer_facts.currency`;

export default {
  version: 27,
  name: 'customer subscribed at',
  duckdb: [`ALTER TABLE customer_facts ADD COLUMN IF NOT EXISTS subscribed_at TIMESTAMP`, fill],
  postgres: [
    `ALTER TABLE customer_facts ADD COLUMN IF NOT EXISTS subscribed_at TIMESTAMPTZ`,
    fill,
    // The customers who never subscribed, by first sale: the one-time buyers of a range are an index read
    // (most merchants' customers subscribe: a scan of the range's facts read a million rows for none).
    `CREATE INDEX IF NOT EXISTS customer_facts_never_subscribed ON customer_facts (first_sale_at) WHERE subscribed_at IS NULL`,
  ],
} satisfies Migration;
