/**
 * Migration 24 (frozen: never edit an applied migration; add a new one): rebills ahead's tables kept at
 * write time (src/store/rebill-rates.ts; docs/store.md, "Rebills ahead's tables"): rebill_tries and
 * rebill_rates, the observed rates per purchase, currency and rebill cycle and their sums per cycle, and
 * rebill_due, the live subscriptions per next bill date, cycle and recycling. Made and filled from the
 * ledger and the purchases (the statements of their rebuild at the time of writing), so a store upgraded
 * with current pre-aggregates keeps them; a connection a backfill left behind is rebuilt whole at its
 * next refresh anyway. rebill_tries has no key on DuckDB (written whole per purchase, never upserted: see
 * migration 15).
 */
import type { Migration } from './migration.js';

const tries = (key: string) => `CREATE TABLE rebill_tries (connection_id TEXT, purchase_id TEXT, currency TEXT, cycle INTEGER, first_ok INTEGER, first_soft INTEGER, ok INTEGER, open INTEGER, held INTEGER${key})`;
const rates = `CREATE TABLE rebill_rates (connection_id TEXT, currency TEXT, cycle INTEGER, first_attempts BIGINT, first_ok BIGINT, first_soft BIGINT, saved BIGINT, lost BIGINT,
  PRIMARY KEY (connection_id, currency, cycle))`;
const fillTries = `INSERT INTO rebill_tries (connection_id, purchase_id, currency, cycle, first_ok, first_soft, ok, open, held)
  SELECT z.connection_id, z.purchase_id, z.currency, z.cycle, z.first_ok, z.first_soft, z.ok, z.open,
    CASE WHEN z.open = 1 AND (pu.status IS NULL OR REPLACE(UPPER(TRIM(pu.status)), ' ', '_') = 'RECYCLE_BILLING') THEN 1 ELSE 0 END
  FROM (
    SELECT connection_id, purchase_id, currency, cycle, first_ok, first_soft, ok,
      CASE WHEN first_soft = 1 AND ok = 0 AND last_soft = 1
        AND cycle = MAX(CASE WHEN ok = 1 THEN cycle ELSE 1 END) OVER (PARTITION BY connection_id, purchase_id, currency) + 1 THEN 1 ELSE 0 END AS open
    FROM (
      SELECT connection_id, purchase_id, currency, cycle,
        MAX(CASE WHEN ord = 1 AND outcome = 'ok' THEN 1 ELSE 0 END) AS first_ok,
        MAX(CASE WHEN ord = 1 AND outcome = 'soft' THEN 1 ELSE 0 END) AS first_soft,
        MAX(CASE WHEN outcome = 'ok' THEN 1 ELSE 0 END) AS ok,
        MAX(CASE WHEN rev = 1 AND outcome = 'soft' THEN 1 ELSE 0 END) AS last_soft
      FROM (SELECT e.connection_id, e.purchase_id, e.currency, e.billing_cycle AS cycle,
              CASE WHEN e.kind = 'sale' THEN 'ok' WHEN REPLACE(UPPER(TRIM(t.response_type)), ' ', '_') = 'SOFT_DECLINE' THEN 'soft' ELSE 'hard' END AS outcome,
              ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id, e.currency, e.billing_cycle ORDER BY e.instant, e.event_id) AS ord,
              ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id, e.currency, e.billing_cycle ORDER BY e.instant DESC, e.event_id DESC) AS rev
            FROM money_events e LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
            WHERE e.kind IN ('sale', 'decline') AND e.purchase_id IS NOT NULL AND e.billing_cycle >= 2 AND e.currency IS NOT NULL) x
      GROUP BY connection_id, purchase_id, currency, cycle) y) z
  LEFT JOIN purchases pu ON pu.connection_id = z.connection_id AND pu.purchase_id = z.purchase_id`;
const due = `CREATE TABLE rebill_due (connection_id TEXT, currency TEXT, day TEXT, cycle INTEGER, recycling INTEGER, subscriptions BIGINT, list_cents BIGINT,
  PRIMARY KEY (connection_id, currency, day, cycle, recycling))`;
const fillDue = `INSERT INTO rebill_due (connection_id, currency, day, cycle, recycling, subscriptions, list_cents)
  SELECT pu.connection_id, COALESCE(pu.currency, ''), pu.next_bill_date, COALESCE(pu.billing_cycle, 1) + 1,
    CASE WHEN REPLACE(UPPER(TRIM(pu.status)), ' ', '_') = 'RECYCLE_BILLING' THEN 1 ELSE 0 END, COUNT(*), SUM(COALESCE(pu.price_cents, 0))
  FROM purchases pu WHERE REPLACE(UPPER(TRIM(pu.status)), ' ', '_') IN ('ACTIVE', 'TRIAL', 'RECYCLE_BILLING') AND pu.next_bill_date IS NOT NULL GROUP BY 1, 2, 3, 4, 5`;
const fillRates = `INSERT INTO rebill_rates (connection_id, currency, cycle, first_attempts, first_ok, first_soft, saved, lost)
  SELECT connection_id, currency, cycle, COUNT(*), SUM(first_ok), SUM(first_soft), SUM(CASE WHEN first_soft = 1 AND ok = 1 THEN 1 ELSE 0 END),
    SUM(CASE WHEN first_soft = 1 AND ok = 0 AND held = 0 THEN 1 ELSE 0 END)
  FROM rebill_tries GROUP BY connection_id, currency, cycle`;

const drop = ['DROP TABLE IF EXISTS rebill_tries', 'DROP TABLE IF EXISTS rebill_rates', 'DROP TABLE IF EXISTS rebill_due'];

export default {
  version: 24,
  name: 'rebill rates kept at write time',
  duckdb: [...drop, tries(''), rates, due, fillTries, fillRates, fillDue],
  postgres: [...drop, tries(', PRIMARY KEY (connection_id, purchase_id, currency, cycle)'), rates, due, fillTries, fillRates, fillDue],
} satisfies Migration;
