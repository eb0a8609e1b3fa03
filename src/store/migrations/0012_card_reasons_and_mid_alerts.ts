/**
 * Migration 12 (frozen: never edit an applied migration; add a new one): what the declines, chargebacks
 * and MID health reports need of each event. Money events carry the card's network and first 6 digits,
 * a decline's response text or a chargeback's reason code, and the retry number within recycle billing;
 * the network and BIN of events already stored are taken from their transactions (the reasons and retry
 * numbers come with the next sync of each transaction). MID alert rules get a table of their own.
 */
import type { Migration } from './migration.js';

// The network as ledger/cards.ts reads it, from the stored card type and BIN (frozen here as SQL).
const brand = `CASE
    WHEN UPPER(REGEXP_REPLACE(COALESCE(t.card_type, ''), '[^A-Za-z]', '', 'g')) IN ('VISA', 'VISAELECTRON', 'ELECTRON', 'VI') THEN 'VISA'
    WHEN UPPER(REGEXP_REPLACE(COALESCE(t.card_type, ''), '[^A-Za-z]', '', 'g')) IN ('MASTERCARD', 'MASTER', 'MC', 'MAESTRO') THEN 'MASTERCARD'
    WHEN UPPER(REGEXP_REPLACE(COALESCE(t.card_type, ''), '[^A-Za-z]', '', 'g')) IN ('AMEX', 'AMERICANEXPRESS', 'AX') THEN 'AMEX'
    WHEN UPPER(REGEXP_REPLACE(COALESCE(t.card_type, ''), '[^A-Za-z]', '', 'g')) IN ('DISCOVER', 'DISC', 'DI') THEN 'DISCOVER'
    WHEN LENGTH(t.card_bin) = 6 AND SUBSTR(t.card_bin, 1, 1) = '4' THEN 'VISA'
    WHEN LENGTH(t.card_bin) = 6 AND (SUBSTR(t.card_bin, 1, 2) BETWEEN '51' AND '55' OR SUBSTR(t.card_bin, 1, 4) BETWEEN '2221' AND '2720') THEN 'MASTERCARD'
    WHEN LENGTH(t.card_bin) = 6 AND SUBSTR(t.card_bin, 1, 2) IN ('34', '37') THEN 'AMEX'
    WHEN LENGTH(t.card_bin) = 6 AND (SUBSTR(t.card_bin, 1, 4) = '6011' OR SUBSTR(t.card_bin, 1, 2) = '65' OR SUBSTR(t.card_bin, 1, 3) BETWEEN '644' AND '649') THEN 'DISCOVER'
    WHEN TRIM(COALESCE(t.card_type, '')) <> '' THEN SUBSTR(UPPER(TRIM(t.card_type)), 1, 40)
  END`;

const columns = [
  `ALTER TABLE money_events ADD COLUMN card_brand TEXT`,
  `ALTER TABLE money_events ADD COLUMN card_bin TEXT`,
  `ALTER TABLE money_events ADD COLUMN reason TEXT`,
  `ALTER TABLE money_events ADD COLUMN recycle_number INTEGER`,
];
const fill = `UPDATE money_events SET card_brand = x.brand, card_bin = x.bin
  FROM (SELECT t.connection_id, t.transaction_id, ${brand} AS brand, CASE WHEN LENGTH(t.card_bin) = 6 THEN t.card_bin END AS bin FROM transactions t) x
  WHERE x.connection_id = money_events.connection_id AND x.transaction_id = money_events.transaction_id`;

export default {
  version: 12,
  name: 'card networks, reasons and MID alert rules',
  duckdb: [
    ...columns,
    fill,
    `CREATE TABLE mid_alert_rules (connection_id TEXT, mid TEXT, metric TEXT, threshold_ppm BIGINT, min_count BIGINT, updated_at TIMESTAMP, PRIMARY KEY (connection_id, mid))`,
  ],
  postgres: [
    ...columns,
    fill,
    `CREATE TABLE mid_alert_rules (connection_id TEXT, mid TEXT, metric TEXT, threshold_ppm BIGINT, min_count BIGINT, updated_at TIMESTAMPTZ, PRIMARY KEY (connection_id, mid))`,
  ],
} satisfies Migration;
