/**
 * Migration 14 (frozen: never edit an applied migration; add a new one): unit economics. The merchant's
 * costs as data, per connection, each version dated and in its currency: product cost and fulfilment
 * per product (or campaign product), processing fees per MID, affiliate payouts per cycle, ad spend per
 * day and source; every change to them in cost_changes (who, when, through what, before and after).
 * The margin ledger cost_events holds, beside each sale, refund and chargeback, the costs it carries
 * (docs/economics.md). Orders keep their UTM source (a source of customers in the economics report).
 */
import type { Migration } from './migration.js';

const tables = (instant: string) => [
  `CREATE TABLE product_costs (connection_id TEXT, product_id BIGINT, campaign_id BIGINT, currency TEXT, effective_from TEXT, cost_cents BIGINT, fulfilment_cents BIGINT,
     PRIMARY KEY (connection_id, product_id, campaign_id, currency, effective_from))`,
  `CREATE TABLE processing_costs (connection_id TEXT, merchant_id BIGINT, currency TEXT, effective_from TEXT, rate_ppm BIGINT, fixed_cents BIGINT, chargeback_cents BIGINT, refund_cents BIGINT,
     PRIMARY KEY (connection_id, merchant_id, currency, effective_from))`,
  `CREATE TABLE affiliate_payouts (connection_id TEXT, aff_id TEXT, sub_aff_id TEXT, cycle INTEGER, currency TEXT, effective_from TEXT, cpa_cents BIGINT,
     PRIMARY KEY (connection_id, aff_id, sub_aff_id, cycle, currency, effective_from))`,
  `CREATE TABLE ad_spend (connection_id TEXT, day TEXT, source_kind TEXT, source TEXT, platform TEXT, currency TEXT, spend_cents BIGINT,
     PRIMARY KEY (connection_id, day, source_kind, source, platform, currency))`,
  `CREATE TABLE cost_changes (connection_id TEXT, change_id BIGINT, changed_at ${instant}, actor TEXT, via TEXT, origin TEXT, kind TEXT, item TEXT, old_value TEXT, new_value TEXT,
     PRIMARY KEY (connection_id, change_id))`,
  `CREATE TABLE cost_events (connection_id TEXT, event_id TEXT, event_kind TEXT, transaction_id BIGINT, instant ${instant}, customer_id BIGINT, order_id TEXT, purchase_id TEXT,
     campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, billing_cycle INTEGER, is_initial BOOLEAN, currency TEXT, coupon_code TEXT,
     product_cents BIGINT, fulfilment_cents BIGINT, txn_fee_cents BIGINT, rate_fee_cents BIGINT, refund_fee_cents BIGINT, chargeback_fee_cents BIGINT, payout_cents BIGINT, amount_cents BIGINT,
     PRIMARY KEY (connection_id, event_id))`,
  `ALTER TABLE orders ADD COLUMN utm_source TEXT`,
];

export default {
  version: 14,
  name: 'costs, ad spend and the margin ledger',
  duckdb: tables('TIMESTAMP'),
  postgres: [
    ...tables('TIMESTAMPTZ'),
    `CREATE INDEX IF NOT EXISTS cost_events_connection_id_customer_id ON cost_events (connection_id, customer_id)`,
    `CREATE INDEX IF NOT EXISTS cost_events_connection_id_instant ON cost_events (connection_id, instant)`,
  ],
} satisfies Migration;
