/**
 * Migration 19 (frozen: never edit an applied migration; add a new one): mid_months, the sale and
 * chargeback events per connection, currency, month key, kind, MID and card network (src/store/mid-months.ts),
 * rebill_saves, each rebill save paired with each first decline of its rebill (src/store/rebill-saves.ts),
 * and chargeback_sales, each chargeback with its transaction's first sale (src/store/chargeback-sales.ts); all
 * filled here from the ledger (the same statements as their rebuild at the time of writing), so no
 * connection is left behind: a store upgraded with current pre-aggregates keeps them. PostgreSQL: the
 * ledger by purchase (the pairs' upkeep reads a write's purchases), the new tables by instant, and the
 * transactions by parent (the chargebacks report finds the refunds of the charged-back sales by it).
 */
import type { Migration } from './migration.js';

const create = `CREATE TABLE IF NOT EXISTS mid_months (connection_id TEXT, currency TEXT, month_key BIGINT, kind TEXT, merchant_id BIGINT, card_brand TEXT,
  events BIGINT, cents BIGINT, PRIMARY KEY (connection_id, currency, month_key, kind, merchant_id, card_brand))`;

const fill = (monthKey: string) => `INSERT INTO mid_months (connection_id, currency, month_key, kind, merchant_id, card_brand, events, cents)
  SELECT e.connection_id, COALESCE(e.currency, CHR(1)), ${monthKey}, e.kind, COALESCE(e.merchant_id, -1), COALESCE(e.card_brand, CHR(1)), COUNT(*), SUM(e.amount_cents)
  FROM money_events e WHERE e.kind IN ('sale', 'chargeback')
  GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 3, 1`;

const duckdbKey = `CASE WHEN CAST(CAST(date_trunc('month', ((e.instant + INTERVAL '840 minutes') + to_minutes(CAST(0 AS BIGINT)))) AS DATE) AS VARCHAR) <> CAST(CAST(date_trunc('month', ((e.instant - INTERVAL '720 minutes') + to_minutes(CAST(0 AS BIGINT)))) AS DATE) AS VARCHAR) THEN epoch_ms(time_bucket(INTERVAL '15 minutes', e.instant)) ELSE CAST(CAST(CAST(CAST(date_trunc('month', (e.instant + to_minutes(CAST(0 AS BIGINT)))) AS DATE) AS VARCHAR) AS DATE) - DATE '1970-01-01' AS BIGINT) * 86400000 + 43200000 END`;
const postgresKey = `CASE WHEN CAST(CAST(date_trunc('month', ((e.instant + INTERVAL '840 minutes') AT TIME ZONE 'UTC')) AS DATE) AS TEXT) <> CAST(CAST(date_trunc('month', ((e.instant - INTERVAL '720 minutes') AT TIME ZONE 'UTC')) AS DATE) AS TEXT) THEN CAST(ROUND(EXTRACT(EPOCH FROM date_bin('15 minutes', e.instant, TIMESTAMPTZ '2000-01-01 00:00:00+00')) * 1000) AS BIGINT) ELSE CAST(CAST(CAST(CAST(date_trunc('month', (e.instant AT TIME ZONE 'UTC')) AS DATE) AS TEXT) AS DATE) - DATE '1970-01-01' AS BIGINT) * 86400000 + 43200000 END`;

const createSaves = (instant: string) => `CREATE TABLE IF NOT EXISTS rebill_saves (connection_id TEXT, event_id TEXT, decline_event_id TEXT, purchase_id TEXT, billing_cycle INTEGER, currency TEXT,
  merchant_id BIGINT, recycle_number INTEGER, instant ${instant}, decline_instant ${instant}, PRIMARY KEY (connection_id, event_id, decline_event_id))`;
const fillSaves = `INSERT INTO rebill_saves (connection_id, event_id, decline_event_id, purchase_id, billing_cycle, currency, merchant_id, recycle_number, instant, decline_instant)
  SELECT e.connection_id, e.event_id, d.event_id, e.purchase_id, e.billing_cycle, e.currency, e.merchant_id, e.recycle_number, e.instant, d.instant
  FROM money_events e JOIN money_events d ON d.connection_id = e.connection_id AND d.purchase_id = e.purchase_id AND d.billing_cycle = e.billing_cycle
    AND d.kind = 'decline' AND COALESCE(d.recycle_number, 0) = 0 AND d.instant < e.instant
  WHERE e.kind = 'sale' AND e.billing_cycle >= 2 AND e.recycle_number >= 1 ORDER BY e.instant`;

const createChargebacks = (instant: string) => `CREATE TABLE IF NOT EXISTS chargeback_sales (connection_id TEXT, event_id TEXT, transaction_id BIGINT, instant ${instant}, currency TEXT,
  merchant_id BIGINT, billing_cycle INTEGER, reason TEXT, amount_cents BIGINT, sale_instant ${instant}, PRIMARY KEY (connection_id, event_id))`;
const fillChargebacks = `INSERT INTO chargeback_sales (connection_id, event_id, transaction_id, instant, currency, merchant_id, billing_cycle, reason, amount_cents, sale_instant)
  SELECT c.connection_id, c.event_id, c.transaction_id, c.instant, c.currency, c.merchant_id, c.billing_cycle, c.reason, c.amount_cents,
    (SELECT MIN(s.instant) FROM money_events s WHERE s.connection_id = c.connection_id AND s.transaction_id = c.transaction_id AND s.kind = 'sale') AS sale_instant
  FROM money_events c WHERE c.kind = 'chargeback' ORDER BY c.instant`;

export default {
  version: 19,
  name: 'sales and chargebacks by MID, network and month key; rebill saves with their first declines; chargebacks with their sale',
  duckdb: [create, fill(duckdbKey), createSaves('TIMESTAMP'), fillSaves, createChargebacks('TIMESTAMP'), fillChargebacks],
  postgres: [
    create,
    fill(postgresKey),
    createSaves('TIMESTAMPTZ'),
    fillSaves,
    `CREATE INDEX IF NOT EXISTS rebill_saves_instant ON rebill_saves (instant)`,
    `CREATE INDEX IF NOT EXISTS rebill_saves_connection_id_purchase_id ON rebill_saves (connection_id, purchase_id)`,
    `CREATE INDEX IF NOT EXISTS money_events_connection_id_purchase_id ON money_events (connection_id, purchase_id)`,
    createChargebacks('TIMESTAMPTZ'),
    fillChargebacks,
    `CREATE INDEX IF NOT EXISTS chargeback_sales_instant ON chargeback_sales (instant)`,
    `CREATE INDEX IF NOT EXISTS chargeback_sales_connection_id_transaction_id ON chargeback_sales (connection_id, transaction_id)`,
    `CREATE INDEX IF NOT EXISTS transactions_parent_txn_id ON transactions (parent_txn_id)`,
  ],
} satisfies Migration;
