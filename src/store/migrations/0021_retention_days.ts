/**
 * Migration 21 (frozen: never edit an applied migration; add a new one): retention's counts kept at
 * write time (retention-days.ts; docs/store.md "Retention days"), which the retention report sums instead
 * of reading every subscription of its range. Filled here from the subscription tables and purchases (the
 * statements of its rebuild at the time of writing, per engine): a store upgraded with current
 * pre-aggregates keeps them, and one behind rebuilds them with the rest.
 */
import type { Migration } from './migration.js';

const counts = `currency TEXT, day INTEGER, product_id BIGINT, part TEXT, last_ok INTEGER, last_try INTEGER, ok_day INTEGER, cancelled INTEGER, next_bill TEXT,
  cycle INTEGER, days INTEGER, saved_by INTEGER, retry INTEGER, outcome TEXT, cnt BIGINT, soft BIGINT, recycling BIGINT, lost BIGINT, saved_soft BIGINT, refunds BIGINT,
  refund_cents BIGINT, chargebacks BIGINT, cb_cents BIGINT`;
// No keys: the counts are written whole per day (many key columns are NULL by part), the stamps whole per purchase.
const statements = [
  `CREATE TABLE retention_days (connection_id TEXT, zone TEXT, ${counts})`,
  `CREATE TABLE agg_retention_delta (connection_id TEXT, zone TEXT, ${counts}, rid BIGINT)`,
  `CREATE TABLE retention_stamps (connection_id TEXT, purchase_id TEXT, zone TEXT, cancelled INTEGER, next_bill TEXT, recycling INTEGER)`,
];
// The refresh's stages of the touched purchases' subscription rows (no keys: filled and emptied whole),
// the columns of migration 15's tables and `rid` (the row's DuckDB rowid when staged from a table): their
// rows before (counted, then the refresh deletes them by rid) and after (filled from the staged events,
// counted, then copied to the tables); and of their stamps. agg_retention_delta's `rid`: the rowid of a
// retention_days row it took in, deleted by it.
const stages = (instant: string) => [
  // Purchases whose record a deferred write stored (their stamps to make again at the refresh).
  `CREATE TABLE purchases_restamp (connection_id TEXT, purchase_id TEXT, PRIMARY KEY (connection_id, purchase_id))`,
  `CREATE TABLE agg_touched_stamps (connection_id TEXT, purchase_id TEXT, zone TEXT, cancelled INTEGER, next_bill TEXT, recycling INTEGER, rid BIGINT)`,
  `CREATE TABLE agg_touched_attempts (connection_id TEXT, purchase_id TEXT, cycle INTEGER, retry INTEGER, customer_id BIGINT, started_at ${instant}, currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT,
     instant ${instant}, prev_at ${instant}, outcome TEXT, is_last BOOLEAN, rid BIGINT)`,
  `CREATE TABLE agg_touched_cycles (connection_id TEXT, purchase_id TEXT, cycle INTEGER, customer_id BIGINT, started_at ${instant}, currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT,
     last_ok INTEGER, attempts INTEGER, first_at ${instant}, ok_at ${instant},
     ok_retry INTEGER, first_soft INTEGER, last_soft INTEGER, prev_ok_at ${instant}, refunds INTEGER, refund_cents BIGINT, chargebacks INTEGER, chargeback_cents BIGINT,
     sales INTEGER, sales_cents BIGINT, reversed_cents BIGINT, rid BIGINT)`,
  `CREATE TABLE agg_touched_starts (connection_id TEXT, purchase_id TEXT, customer_id BIGINT, started_at ${instant}, currency TEXT, campaign_id BIGINT, product_id BIGINT, aff_id TEXT, source_value1 TEXT, merchant_id BIGINT, coupon_code TEXT,
     last_ok INTEGER, last_try INTEGER, last_ok_at ${instant}, rid BIGINT)`,
];

// The fill: rebuildRetentionDaysSql(dialect, false) of retention-days.ts as written, without its deletes.
const stampsFill = `INSERT INTO retention_stamps (connection_id, purchase_id, zone, cancelled, next_bill, recycling)
     SELECT s.connection_id, s.purchase_id, c.timezone, CASE WHEN UPPER(pu.status) = 'CANCELLED' THEN 1 ELSE 0 END,
       CASE WHEN UPPER(pu.status) IN ('CANCELLED', 'COMPLETE', 'RECYCLE_FAILED', 'ONE_TIME', 'INACTIVE') OR pu.next_bill_date IS NULL THEN NULL ELSE SUBSTR(CAST(pu.next_bill_date AS TEXT), 1, 10) END,
       CASE WHEN pu.status IS NULL THEN NULL WHEN REPLACE(UPPER(TRIM(pu.status)), ' ', '_') = 'RECYCLE_BILLING' THEN 1 ELSE 0 END
     FROM subscription_starts s 
     JOIN connections c ON c.connection_id = s.connection_id
     LEFT JOIN purchases pu ON pu.connection_id = s.connection_id AND pu.purchase_id = s.purchase_id`;
// The rows each purchase adds (the same on both engines but for the instants' type).
const parts = (instant: string) => `SELECT s.connection_id, st.zone, s.currency, s.started_at, s.product_id, 'kind' AS part, CAST(s.last_ok AS INTEGER) AS last_ok, CAST(s.last_try AS INTEGER) AS last_try, CAST(st.cancelled AS INTEGER) AS cancelled, CAST(st.next_bill AS TEXT) AS next_bill, CAST(NULL AS INTEGER) AS cycle, CAST(NULL AS INTEGER) AS saved_by, CAST(NULL AS INTEGER) AS retry, CAST(NULL AS TEXT) AS outcome, CAST(s.last_ok_at AS ${instant}) AS at_i, CAST(NULL AS ${instant}) AS before_i,
       CAST(1 AS BIGINT) AS cnt, CAST(0 AS BIGINT) AS soft, CAST(0 AS BIGINT) AS recycling, CAST(0 AS BIGINT) AS lost, CAST(0 AS BIGINT) AS saved_soft, CAST(0 AS BIGINT) AS refunds, CAST(0 AS BIGINT) AS refund_cents, CAST(0 AS BIGINT) AS chargebacks, CAST(0 AS BIGINT) AS cb_cents FROM subscription_starts s  JOIN retention_stamps st ON st.connection_id = s.connection_id AND st.purchase_id = s.purchase_id
     UNION ALL SELECT a.connection_id, st.zone, a.currency, a.started_at, a.product_id, 'gap' AS part, CAST(NULL AS INTEGER) AS last_ok, CAST(NULL AS INTEGER) AS last_try, CAST(NULL AS INTEGER) AS cancelled, CAST(NULL AS TEXT) AS next_bill, CAST(a.cycle AS INTEGER) AS cycle, CAST(NULL AS INTEGER) AS saved_by, CAST(NULL AS INTEGER) AS retry, CAST(NULL AS TEXT) AS outcome, CAST(a.first_at AS ${instant}) AS at_i, CAST(a.prev_ok_at AS ${instant}) AS before_i,
       CAST(1 AS BIGINT) AS cnt, CAST(0 AS BIGINT) AS soft, CAST(0 AS BIGINT) AS recycling, CAST(0 AS BIGINT) AS lost, CAST(0 AS BIGINT) AS saved_soft, CAST(0 AS BIGINT) AS refunds, CAST(0 AS BIGINT) AS refund_cents, CAST(0 AS BIGINT) AS chargebacks, CAST(0 AS BIGINT) AS cb_cents FROM subscription_cycles a  JOIN retention_stamps st ON st.connection_id = a.connection_id AND st.purchase_id = a.purchase_id
     WHERE a.cycle >= 2 AND a.attempts > 0 AND a.prev_ok_at IS NOT NULL
     UNION ALL SELECT a.connection_id, st.zone, a.currency, a.started_at, a.product_id, 'cycle' AS part, CAST(NULL AS INTEGER) AS last_ok, CAST(NULL AS INTEGER) AS last_try, CAST(NULL AS INTEGER) AS cancelled, CAST(NULL AS TEXT) AS next_bill, CAST(a.cycle AS INTEGER) AS cycle, CAST(CASE WHEN a.ok_retry > 0 THEN a.ok_retry END AS INTEGER) AS saved_by, CAST(NULL AS INTEGER) AS retry, CAST(NULL AS TEXT) AS outcome, CAST(NULL AS ${instant}) AS at_i, CAST(NULL AS ${instant}) AS before_i,
       CAST(1 AS BIGINT) AS cnt, CAST(CASE WHEN a.ok_at IS NULL AND a.last_ok < a.cycle AND a.last_soft = 1 THEN 1 ELSE 0 END AS BIGINT) AS soft, CAST(CASE WHEN a.ok_at IS NULL AND a.last_ok < a.cycle AND a.last_soft = 1 AND a.ok_at IS NULL AND a.last_ok = a.cycle - 1 AND st.recycling = 1 THEN 1 ELSE 0 END AS BIGINT) AS recycling, CAST(CASE WHEN a.ok_at IS NULL AND a.last_ok < a.cycle AND a.first_soft = 1 AND NOT (a.last_soft = 1 AND a.ok_at IS NULL AND a.last_ok = a.cycle - 1 AND st.recycling = 1) THEN 1 ELSE 0 END AS BIGINT) AS lost, CAST(CASE WHEN a.ok_retry > 0 AND a.first_soft = 1 THEN 1 ELSE 0 END AS BIGINT) AS saved_soft, CAST(0 AS BIGINT) AS refunds, CAST(0 AS BIGINT) AS refund_cents, CAST(0 AS BIGINT) AS chargebacks, CAST(0 AS BIGINT) AS cb_cents FROM subscription_cycles a  JOIN retention_stamps st ON st.connection_id = a.connection_id AND st.purchase_id = a.purchase_id WHERE a.attempts > 0 AND (a.ok_retry > 0 OR (a.ok_at IS NULL AND a.last_ok < a.cycle))
     UNION ALL SELECT a.connection_id, st.zone, a.currency, a.started_at, a.product_id, 'money' AS part, CAST(NULL AS INTEGER) AS last_ok, CAST(NULL AS INTEGER) AS last_try, CAST(NULL AS INTEGER) AS cancelled, CAST(NULL AS TEXT) AS next_bill, CAST(a.cycle AS INTEGER) AS cycle, CAST(NULL AS INTEGER) AS saved_by, CAST(NULL AS INTEGER) AS retry, CAST(NULL AS TEXT) AS outcome, CAST(NULL AS ${instant}) AS at_i, CAST(NULL AS ${instant}) AS before_i,
       CAST(1 AS BIGINT) AS cnt, CAST(0 AS BIGINT) AS soft, CAST(0 AS BIGINT) AS recycling, CAST(0 AS BIGINT) AS lost, CAST(0 AS BIGINT) AS saved_soft, CAST(CASE WHEN a.refunds > 0 THEN 1 ELSE 0 END AS BIGINT) AS refunds, CAST(a.refund_cents AS BIGINT) AS refund_cents, CAST(CASE WHEN a.chargebacks > 0 THEN 1 ELSE 0 END AS BIGINT) AS chargebacks, CAST(a.chargeback_cents AS BIGINT) AS cb_cents FROM subscription_cycles a  JOIN retention_stamps st ON st.connection_id = a.connection_id AND st.purchase_id = a.purchase_id WHERE a.refunds <> 0 OR a.refund_cents <> 0 OR a.chargebacks <> 0 OR a.chargeback_cents <> 0
     UNION ALL SELECT t.connection_id, st.zone, t.currency, t.started_at, t.product_id, 'retry' AS part, CAST(NULL AS INTEGER) AS last_ok, CAST(NULL AS INTEGER) AS last_try, CAST(NULL AS INTEGER) AS cancelled, CAST(NULL AS TEXT) AS next_bill, CAST(NULL AS INTEGER) AS cycle, CAST(NULL AS INTEGER) AS saved_by, CAST(t.retry AS INTEGER) AS retry, CAST(t.outcome AS TEXT) AS outcome, CAST(t.instant AS ${instant}) AS at_i, CAST(t.prev_at AS ${instant}) AS before_i,
       CAST(1 AS BIGINT) AS cnt, CAST(0 AS BIGINT) AS soft, CAST(0 AS BIGINT) AS recycling, CAST(0 AS BIGINT) AS lost, CAST(0 AS BIGINT) AS saved_soft, CAST(0 AS BIGINT) AS refunds, CAST(0 AS BIGINT) AS refund_cents, CAST(0 AS BIGINT) AS chargebacks, CAST(0 AS BIGINT) AS cb_cents FROM subscription_attempts t  JOIN retention_stamps st ON st.connection_id = t.connection_id AND st.purchase_id = t.purchase_id
     WHERE t.cycle >= 2`;
const duckdbFill = [
  stampsFill,
  `INSERT INTO retention_days (connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome, cnt, soft, recycling, lost, saved_soft, refunds, refund_cents, chargebacks, cb_cents) SELECT connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome, SUM(cnt) AS cnt, SUM(soft) AS soft, SUM(recycling) AS recycling, SUM(lost) AS lost, SUM(saved_soft) AS saved_soft, SUM(refunds) AS refunds, SUM(refund_cents) AS refund_cents, SUM(chargebacks) AS chargebacks, SUM(cb_cents) AS cb_cents FROM (WITH r0 AS MATERIALIZED (${parts('TIMESTAMP')}), o AS MATERIALIZED (SELECT zone, q, timezone(zone, timezone('UTC', q)) - q AS o FROM (SELECT DISTINCT zone, time_bucket(INTERVAL '15 minutes', i) AS q FROM (
         SELECT zone, started_at AS i FROM r0 UNION ALL SELECT zone, at_i FROM r0 WHERE at_i IS NOT NULL UNION ALL SELECT zone, before_i FROM r0 WHERE before_i IS NOT NULL) i) q)
     SELECT r.connection_id, r.zone, r.currency, CAST(CAST(r.started_at + o_started_at.o AS DATE) - DATE '1970-01-01' AS INTEGER) AS day, r.product_id, r.part, r.last_ok, r.last_try,
       CASE WHEN r.part = 'kind' THEN CAST(CAST(r.at_i + o_at_i.o AS DATE) - DATE '1970-01-01' AS INTEGER) END AS ok_day, r.cancelled, r.next_bill, r.cycle, CASE WHEN r.part = 'kind' THEN NULL ELSE CAST(CAST(r.at_i + o_at_i.o AS DATE) - DATE '1970-01-01' AS INTEGER) - CAST(CAST(r.before_i + o_before_i.o AS DATE) - DATE '1970-01-01' AS INTEGER) END AS days,
       r.saved_by, r.retry, r.outcome, r.cnt, r.soft, r.recycling, r.lost, r.saved_soft, r.refunds, r.refund_cents, r.chargebacks, r.cb_cents
     FROM r0 r LEFT JOIN o o_started_at ON o_started_at.zone = r.zone AND o_started_at.q = time_bucket(INTERVAL '15 minutes', r.started_at) LEFT JOIN o o_at_i ON o_at_i.zone = r.zone AND o_at_i.q = time_bucket(INTERVAL '15 minutes', r.at_i) LEFT JOIN o o_before_i ON o_before_i.zone = r.zone AND o_before_i.q = time_bucket(INTERVAL '15 minutes', r.before_i)) x GROUP BY connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome HAVING SUM(cnt) <> 0`,
];
const postgresFill = [
  stampsFill,
  `INSERT INTO retention_days (connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome, cnt, soft, recycling, lost, saved_soft, refunds, refund_cents, chargebacks, cb_cents) SELECT connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome, SUM(cnt) AS cnt, SUM(soft) AS soft, SUM(recycling) AS recycling, SUM(lost) AS lost, SUM(saved_soft) AS saved_soft, SUM(refunds) AS refunds, SUM(refund_cents) AS refund_cents, SUM(chargebacks) AS chargebacks, SUM(cb_cents) AS cb_cents FROM (SELECT r.connection_id, r.zone, r.currency, CAST(CAST((r.started_at AT TIME ZONE r.zone) AS DATE) - DATE '1970-01-01' AS INTEGER) AS day, r.product_id, r.part, r.last_ok, r.last_try,
       CASE WHEN r.part = 'kind' THEN CAST(CAST((r.at_i AT TIME ZONE r.zone) AS DATE) - DATE '1970-01-01' AS INTEGER) END AS ok_day, r.cancelled, r.next_bill, r.cycle, CASE WHEN r.part = 'kind' THEN NULL ELSE CAST(CAST((r.at_i AT TIME ZONE r.zone) AS DATE) - DATE '1970-01-01' AS INTEGER) - CAST(CAST((r.before_i AT TIME ZONE r.zone) AS DATE) - DATE '1970-01-01' AS INTEGER) END AS days,
       r.saved_by, r.retry, r.outcome, r.cnt, r.soft, r.recycling, r.lost, r.saved_soft, r.refunds, r.refund_cents, r.chargebacks, r.cb_cents
     FROM (${parts('TIMESTAMPTZ')}) r) x GROUP BY connection_id, zone, currency, day, product_id, part, last_ok, last_try, ok_day, cancelled, next_bill, cycle, days, saved_by, retry, outcome HAVING SUM(cnt) <> 0`,
];


export default {
  version: 21,
  name: 'retention days kept at write time',
  duckdb: [...statements, ...stages('TIMESTAMP'), ...duckdbFill],
  postgres: [
    ...statements,
    ...stages('TIMESTAMPTZ'),
    ...postgresFill,
    `CREATE INDEX IF NOT EXISTS retention_days_connection_id_day ON retention_days (connection_id, day)`,
    `CREATE INDEX IF NOT EXISTS retention_stamps_connection_id_purchase_id ON retention_stamps (connection_id, purchase_id)`,
  ],
} satisfies Migration;
