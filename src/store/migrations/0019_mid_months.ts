/**
 * Migration 19 (frozen: never edit an applied migration; add a new one): mid_months, the sale and
 * chargeback events per connection, currency, month key, kind, MID and card network (src/store/mid-months.ts),
 * filled here from the ledger (the same statement as its rebuild at the time of writing), so no connection is
 * left behind: a store upgraded with current pre-aggregates keeps them.
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

export default {
  version: 19,
  name: 'sales and chargebacks by MID, network and month key',
  duckdb: [create, fill(duckdbKey)],
  postgres: [create, fill(postgresKey)],
} satisfies Migration;
