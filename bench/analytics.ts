/**
 * Analytics at scale (docs/metrics.md, "Performance"): 10,000,000 transactions / 2,000,000 customers generated in bulk with
 * SQL (generate_series) straight into the ledger and the facts, on DuckDB and on PostgreSQL; then the
 * summary and cohort reports are timed next to plain SQL over the raw transactions (the baseline), in
 * the same run; MID health, declines and chargebacks next to plain SQL over the ledger. `npm run bench -- analytics` (KONDUIT_BENCH_CUSTOMERS to change the size: 5 transactions
 * per customer; KONDUIT_BENCH_ENGINES=duckdb or postgres for one engine).
 *
 * The shipped report functions are timed as the CLI and the server call them (summaryReport and
 * cohortReport without a breakdown read the store's pre-aggregates, docs/store.md), next to the same
 * functions forced onto the ledger + facts, and the run checks that both give the same figures. The bulk
 * generation bypasses the store's writes, so the pre-aggregates are rebuilt once after it (timed).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import pg from 'pg';
import { chargebackReport } from '../src/analytics/chargebacks.js';
import { cohortReport } from '../src/analytics/cohorts.js';
import { declineReport } from '../src/analytics/declines.js';
import { midReport } from '../src/analytics/mids.js';
import { rebillsReport } from '../src/analytics/rebills.js';
import { retentionReport } from '../src/analytics/retention.js';
import { rebuildRetentionDaysSql } from '../src/store/retention-days.js';
import { summaryReport } from '../src/analytics/summary.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../src/store/engines/postgres/postgres-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { Store } from '../src/store/store.js';

const CUSTOMERS = Number(process.env.KONDUIT_BENCH_CUSTOMERS ?? 2_000_000);
const PG_URL = process.env.KONDUIT_TEST_PG ?? 'postgres://konduit:konduit@127.0.0.1:5432/konduit_test';
const ZONE = 'America/New_York';
const DAY_S = 86_400;

export type Engine = 'duckdb' | 'postgres';

function ts(engine: Engine, seconds: string): string {
  return engine === 'postgres' ? `(TIMESTAMPTZ '2024-01-01 00:00:00+00' + make_interval(secs => ${seconds}))` : `(TIMESTAMP '2024-01-01 00:00:00' + to_seconds(CAST(${seconds} AS BIGINT)))`;
}

const BRAND = `CASE customer_id % 3 WHEN 0 THEN 'VISA' WHEN 1 THEN 'MASTERCARD' ELSE 'AMEX' END`;
const BIN = `CASE customer_id % 3 WHEN 0 THEN '4' WHEN 1 THEN '5' ELSE '3' END || LPAD(CAST(customer_id % 2000 AS TEXT), 5, '0')`;
const DECLINE_TEXT = `CASE transaction_id % 4 WHEN 0 THEN 'Insufficient funds' WHEN 1 THEN 'Do Not Honor' WHEN 2 THEN 'Issuer unavailable' ELSE 'Card reported stolen' END`;
const REASON_CODE = `CASE transaction_id % 8 WHEN 0 THEN '10.4' WHEN 1 THEN '13.1' WHEN 2 THEN '13.2' WHEN 3 THEN '13.3' WHEN 4 THEN '4837' WHEN 5 THEN '4853' WHEN 6 THEN '4855' ELSE '4863' END`;

/**
 * Bulk generation: 5 transactions per customer over two years from 2024-01-01 (initial sale, 3 rebills, a
 * refund or an initial decline), for the connection `connectionId`.
 */
export function generateSql(engine: Engine, customers: number, connectionId = 'bench'): string[] {
  if (!/^[\w-]+$/.test(connectionId)) throw new RangeError(`not a connection id: ${connectionId}`);
  const text = engine === 'postgres' ? 'TEXT' : 'VARCHAR';
  const t0 = '((c * 7919) % 63072000)';
  const offset = `(CASE WHEN k = 0 THEN 0 WHEN k IN (1, 2, 3) THEN k * ${30 * DAY_S} + k * 3600 WHEN c % 10 = 3 THEN ${40 * DAY_S} ELSE -3600 END)`;
  const refund = 'k = 4 AND c % 10 = 3';
  const cb = 'k = 0 AND c % 100 = 7';
  return [
    `INSERT INTO transactions (connection_id, transaction_id, order_id, customer_id, purchase_id, parent_txn_id, txn_type, response_type, total_cents, billing_cycle,
       merchant_id, campaign_id, product_id, aff_id, source_value1, is_chargedback, chargeback_cents, chargeback_date, date_created, date_updated)
     SELECT '${connectionId}', c * 5 + k, 'O' || CAST(c AS ${text}) || '-' || CAST(k AS ${text}), c, 'P' || CAST(c AS ${text}),
       CASE WHEN ${refund} THEN c * 5 END,
       CASE WHEN ${refund} THEN 'REFUND' ELSE 'SALE' END,
       CASE WHEN k = 0 OR (${refund}) THEN 'SUCCESS' WHEN k = 4 THEN 'SOFT_DECLINE' WHEN (c * 31 + k * 17) % 100 < 80 THEN 'SUCCESS' ELSE 'SOFT_DECLINE' END,
       CASE WHEN k = 0 THEN 4999 WHEN ${refund} THEN 1999 WHEN k = 4 THEN 4999 ELSE 2999 END,
       CASE WHEN k IN (1, 2, 3) THEN k + 1 ELSE 1 END,
       500 + c % 7, 1 + c % 20, 100 + c % 10, 'A' || CAST(c % 50 AS ${text}), 'S' || CAST(c % 200 AS ${text}),
       ${cb}, CASE WHEN ${cb} THEN 4999 END, CASE WHEN ${cb} THEN CAST(CAST(${ts(engine, `${t0} + ${60 * DAY_S}`)} AS DATE) AS ${text}) END,
       ${ts(engine, `${t0} + ${offset}`)}, ${ts(engine, `${t0} + ${offset}`)}
     FROM generate_series(CAST(0 AS BIGINT), CAST(${customers - 1} AS BIGINT)) g(c) CROSS JOIN generate_series(CAST(0 AS BIGINT), CAST(4 AS BIGINT)) h(k)`,
    // The ledger, by the rules of docs/metrics.md (the chargeback at 12:00 of its date in the account zone ~ 17:00 UTC),
    // written in time order as a sync writes it (a backfill walks day windows; each window's pages in order), not
    // in customer order: the physical order decides what a range of instants reads (PostgreSQL's heap pages,
    // DuckDB's row groups).
    // Cards: a customer's network and BIN by its id (Visa, Mastercard, Amex), four decline texts, retries 0-2 on rebills, eight reason codes (docs/metrics.md, "The ledger").
    `INSERT INTO money_events (connection_id, event_id, kind, transaction_id, instant, amount_cents, customer_id, order_id, purchase_id, campaign_id, product_id, aff_id, source_value1, merchant_id, billing_cycle, is_initial,
       card_brand, card_bin, reason, recycle_number)
     SELECT connection_id, kind || ':' || CAST(transaction_id AS ${text}), kind, transaction_id, date_created, CASE WHEN kind = 'refund' THEN -total_cents ELSE total_cents END,
       customer_id, order_id, purchase_id, campaign_id, product_id, aff_id, source_value1, merchant_id, billing_cycle, billing_cycle <= 1,
       ${BRAND}, ${BIN}, CASE WHEN kind = 'decline' THEN ${DECLINE_TEXT} END, CASE WHEN billing_cycle >= 2 THEN CAST(transaction_id % 3 AS INTEGER) ELSE 0 END
     FROM (SELECT t.*, CASE WHEN response_type <> 'SUCCESS' THEN 'decline' WHEN txn_type = 'REFUND' THEN 'refund' ELSE 'sale' END AS kind FROM transactions t) x
     ORDER BY date_created`,
    `INSERT INTO money_events (connection_id, event_id, kind, transaction_id, instant, amount_cents, customer_id, order_id, purchase_id, campaign_id, product_id, aff_id, source_value1, merchant_id, billing_cycle, is_initial,
       card_brand, card_bin, reason, recycle_number)
     SELECT connection_id, 'chargeback:' || CAST(transaction_id AS ${text}), 'chargeback', transaction_id, CAST(chargeback_date AS DATE) + INTERVAL '17 hours', -chargeback_cents,
       customer_id, order_id, purchase_id, campaign_id, product_id, aff_id, source_value1, merchant_id, billing_cycle, true,
       ${BRAND}, ${BIN}, ${REASON_CODE}, 0
     FROM transactions WHERE is_chargedback ORDER BY chargeback_date`,
    // Facts as the store keeps them; the first sale is transaction c*5 by construction.
    `INSERT INTO customer_facts (connection_id, customer_id, first_sale_at, first_order_id, first_campaign_id, first_product_id, first_aff_id, first_source_value1, first_merchant_id,
       sale_count, gross_cents, refunds_cents, chargebacks_cents, net_cents, last_event_at)
     SELECT a.connection_id, a.customer_id, f.instant, f.order_id, f.campaign_id, f.product_id, f.aff_id, f.source_value1, f.merchant_id,
       CAST(a.sales AS INTEGER), CAST(a.gross AS BIGINT), CAST(a.refunds + a.cbs AS BIGINT), CAST(a.cbs AS BIGINT), CAST(a.gross - a.refunds - a.cbs AS BIGINT), a.last_at
     FROM (SELECT connection_id, customer_id, SUM(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS sales, SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END) AS gross,
             SUM(CASE WHEN kind IN ('refund', 'void') THEN -amount_cents ELSE 0 END) AS refunds, SUM(CASE WHEN kind = 'chargeback' THEN -amount_cents ELSE 0 END) AS cbs, MAX(instant) AS last_at
           FROM money_events WHERE kind <> 'decline' GROUP BY connection_id, customer_id) a
     JOIN money_events f ON f.connection_id = a.connection_id AND f.event_id = 'sale:' || CAST(a.customer_id * 5 AS ${text})`,
  ];
}

/** Plain SQL over the raw transactions: what a report costs without the ledger and the facts. */
function baselineCohortSql(engine: Engine): string {
  const local = (e: string) => (engine === 'postgres' ? `(${e} AT TIME ZONE '${ZONE}')` : `timezone('${ZONE}', timezone('UTC', ${e}))`);
  const hs = [1, 7, 14, 30, 60, 90, 180, 365].map((h) => `SUM(CASE WHEN ev.at < fs.first_at + INTERVAL '${h} days' THEN ev.amt ELSE 0 END) AS h${h}`);
  return `WITH fs AS (SELECT customer_id, MIN(date_created) AS first_at FROM transactions WHERE response_type = 'SUCCESS' AND txn_type IN ('SALE', 'CAPTURE') GROUP BY customer_id),
    ev AS (SELECT customer_id, date_created AS at, CASE WHEN txn_type IN ('SALE', 'CAPTURE') THEN total_cents ELSE -total_cents END AS amt FROM transactions WHERE response_type = 'SUCCESS'
           UNION ALL SELECT customer_id, CAST(chargeback_date AS DATE) + INTERVAL '17 hours', -chargeback_cents FROM transactions WHERE is_chargedback)
    SELECT date_trunc('month', ${local('fs.first_at')}) AS cohort, COUNT(DISTINCT fs.customer_id) AS customers, ${hs.join(', ')}
    FROM fs JOIN ev ON ev.customer_id = fs.customer_id GROUP BY 1 ORDER BY 1`;
}

function baselineSummarySql(): string {
  // June 2025 and May 2025 in New York (EDT), as the summary report compares them.
  return `SELECT CASE WHEN d >= TIMESTAMP '2025-06-01 04:00:00' THEN 'cur' ELSE 'prev' END AS period,
      SUM(CASE WHEN kind = 'sale' THEN amt ELSE 0 END) AS gross, SUM(CASE WHEN kind <> 'sale' THEN amt ELSE 0 END) AS refunds,
      COUNT(DISTINCT CASE WHEN kind = 'sale' THEN order_id END) AS orders
    FROM (SELECT date_created AS d, order_id, CASE WHEN txn_type = 'SALE' THEN 'sale' ELSE 'refund' END AS kind, total_cents AS amt FROM transactions WHERE response_type = 'SUCCESS'
          UNION ALL SELECT CAST(chargeback_date AS DATE) + INTERVAL '17 hours', order_id, 'chargeback', chargeback_cents FROM transactions WHERE is_chargedback) x
    WHERE d >= TIMESTAMP '2025-05-02 04:00:00' AND d < TIMESTAMP '2025-07-01 04:00:00' GROUP BY 1`;
}

/** Sales and chargebacks per MID, month (New York) and network over the year and its look-back: MID health's counts, in one pass. */
function baselineMidsSql(engine: Engine): string {
  const local = engine === 'postgres' ? `(instant AT TIME ZONE '${ZONE}')` : `timezone('${ZONE}', instant)`;
  return `SELECT merchant_id, date_trunc('month', ${local}) AS m, card_brand, COUNT(CASE WHEN kind = 'sale' THEN 1 END) AS sales, COUNT(CASE WHEN kind = 'chargeback' THEN 1 END) AS cbs
    FROM money_events WHERE kind IN ('sale', 'chargeback') AND instant >= TIMESTAMP '2023-12-01 05:00:00' AND instant < TIMESTAMP '2026-01-01 05:00:00' GROUP BY 1, 2, 3`;
}

/** June 2025's attempts and declines by MID and reason (New York). */
function baselineDeclinesSql(): string {
  return `SELECT merchant_id, reason, COUNT(*) AS attempts, COUNT(CASE WHEN kind = 'decline' THEN 1 END) AS declines FROM money_events
    WHERE kind IN ('sale', 'decline') AND instant >= TIMESTAMP '2025-06-01 04:00:00' AND instant < TIMESTAMP '2025-07-01 04:00:00' GROUP BY 1, 2`;
}

/** 2025's chargebacks by reason code and MID (New York). */
function baselineChargebacksSql(): string {
  return `SELECT reason, merchant_id, COUNT(*) AS n, SUM(amount_cents) AS cents FROM money_events
    WHERE kind = 'chargeback' AND instant >= TIMESTAMP '2025-01-01 05:00:00' AND instant < TIMESTAMP '2026-01-01 05:00:00' GROUP BY 1, 2`;
}

export async function time<T>(runs: number, f: () => Promise<T>, warmUp = true): Promise<{ ms: number; value: T }> {
  let value = warmUp ? await f() : (undefined as T);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    value = await f();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)] ?? 0, value };
}

export const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);

async function benchEngine(engine: Engine): Promise<void> {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (engine === 'duckdb') {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-bench-analytics-'));
    store = await openDuckDbStore(join(dir, 'bench.duckdb'), { secretKey: generateKey() });
    cleanup = async () => rm(dir, { recursive: true, force: true });
  } else {
    const schema = `kb_analytics_${process.pid}`;
    store = await openPostgresStore(PG_URL, { secretKey: generateKey(), schema });
    cleanup = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    };
  }
  try {
    await store.migrate();
    let t = performance.now();
    // The account the reports cut months and days in (its zone).
    await store.query(`INSERT INTO connections (connection_id, name, brand, timezone, frequency, base_currency) VALUES ('bench', 'bench', 'konnektive', '${ZONE}', 'daily', 'USD')`);
    for (const sql of generateSql(engine, CUSTOMERS)) await store.query(sql);
    const txns = Number((await store.query('SELECT COUNT(*) AS n FROM transactions'))[0]?.n);
    const events = Number((await store.query('SELECT COUNT(*) AS n FROM money_events'))[0]?.n);
    const facts = Number((await store.query('SELECT COUNT(*) AS n FROM customer_facts'))[0]?.n);
    console.log(`[${engine}] generated ${txns.toLocaleString()} transactions, ${events.toLocaleString()} ledger events, ${facts.toLocaleString()} customers in ${fmt(performance.now() - t)}`);
    // The PostgreSQL range indexes come with the schema (migration 4); the aggregates from one rebuild.
    t = performance.now();
    await store.rebuildAggregates();
    const slots = Number((await store.query('SELECT COUNT(*) AS n FROM event_slots'))[0]?.n);
    const ages = Number((await store.query('SELECT COUNT(*) AS n FROM cohort_ages'))[0]?.n);
    const attemptDays = Number((await store.query('SELECT COUNT(*) AS n FROM attempt_days'))[0]?.n);
    console.log(`[${engine}] pre-aggregates rebuilt from scratch in ${fmt(performance.now() - t)} (${slots.toLocaleString()} slots, ${ages.toLocaleString()} cohort age rows, ${attemptDays.toLocaleString()} attempt_days rows)`);
    if (engine === 'postgres') await store.query('ANALYZE');

    const runs = 5;
    const target = engine === 'duckdb' ? 150 : 2000;
    const verdict = (ms: number) => (ms <= target ? `under the ${fmt(target)} target` : `OVER the ${fmt(target)} target`);
    const line = (label: string, ms: number, extra = '') => console.log(`[${engine}] ${label.padEnd(62)} ${fmt(ms).padStart(9)}  ${extra}`);
    const june = { from: '2025-06-01', to: '2025-06-30', tz: ZONE, currency: 'USD' };
    const year = { from: '2025-01-01', to: '2025-12-31', tz: ZONE, currency: 'USD' };
    const sAgg = await time(runs, () => summaryReport(store, june));
    const sAggYear = await time(runs, () => summaryReport(store, year));
    const sLedger = await time(engine === 'duckdb' ? 3 : 1, () => summaryReport(store, june, { source: 'ledger' }), engine === 'duckdb');
    const baseSummary = await time(engine === 'duckdb' ? 3 : 1, () => store.query(baselineSummarySql()), engine === 'duckdb');
    const same = JSON.stringify(sAgg.value) === JSON.stringify(sLedger.value);
    line('summaryReport (shipped), 30 days vs previous 30', sAgg.ms, verdict(sAgg.ms));
    line('summaryReport (shipped), a year vs previous year', sAggYear.ms, verdict(sAggYear.ms));
    line('summaryReport forced onto the ledger + facts, 30 days vs 30', sLedger.ms, `${verdict(sLedger.ms)}; same figures as the aggregate: ${same}`);
    line('  baseline: plain SQL over the transactions, 30 days vs 30', baseSummary.ms, `(shipped report ${(baseSummary.ms / sAgg.ms).toFixed(0)}x faster)`);
    const cq = { from: '2024-01-01', to: '2025-12-31', tz: ZONE, currency: 'USD', by: 'month' as const, asOf: Date.UTC(2026, 6, 1) };
    const cAgg = await time(runs, () => cohortReport(store, cq));
    const cAggWeek = await time(runs, () => cohortReport(store, { ...cq, by: 'week' }));
    const cAggKolkata = await time(runs, () => cohortReport(store, { ...cq, tz: 'Asia/Kolkata' }));
    line('cohortReport (shipped) by month (24 x 8 horizons)', cAgg.ms, verdict(cAgg.ms));
    line('cohortReport (shipped) by week (105 x 8 horizons)', cAggWeek.ms, verdict(cAggWeek.ms));
    line('cohortReport (shipped) by month, viewer Asia/Kolkata', cAggKolkata.ms, verdict(cAggKolkata.ms));
    const cLedger = await time(1, () => cohortReport(store, cq, { source: 'ledger' }), false);
    const baseCohort = await time(1, () => store.query(baselineCohortSql(engine)), false);
    const sameC = JSON.stringify(cAgg.value.cohorts) === JSON.stringify(cLedger.value.cohorts);
    line('cohortReport forced onto the ledger + facts, by month', cLedger.ms, `${verdict(cLedger.ms)}; same cells as the aggregate: ${sameC}`);
    line('  baseline: plain SQL over the transactions, cohort LTV', baseCohort.ms, `(shipped report ${(baseCohort.ms / cAgg.ms).toFixed(0)}x faster)`);
    // MID health (by network, 12 months + 12 of look-back), declines and chargebacks (their pre-aggregates), beside plain SQL over the ledger.
    const mids = await time(runs, () => midReport(store, { ...year, now: Date.UTC(2026, 0, 1) }));
    const baseMids = await time(runs, () => store.query(baselineMidsSql(engine)));
    line('midReport (shipped), 12 months by MID and network', mids.ms, `${verdict(mids.ms)}; ${mids.value.rows.length} MID-months`);
    line('  baseline: plain SQL, sales and chargebacks by MID, month, network', baseMids.ms, `(shipped report ${(mids.ms / baseMids.ms).toFixed(1)}x the baseline)`);
    for (const by of ['mid', 'bin'] as const) {
      const d = await time(runs, () => declineReport(store, { ...june, by }));
      line(`declineReport (shipped), 30 days by ${by}, reasons and recycling`, d.ms, `${verdict(d.ms)}; ${d.value.total.attempts.toLocaleString()} attempts`);
    }
    const baseDeclines = await time(runs, () => store.query(baselineDeclinesSql()));
    line('  baseline: plain SQL, attempts and declines by MID and reason', baseDeclines.ms, '');
    const cbs = await time(runs, () => chargebackReport(store, year));
    line('chargebackReport (shipped), a year, four cuts with refunds beside', cbs.ms, `${verdict(cbs.ms)}; ${cbs.value.total.chargebacks.toLocaleString()} chargebacks`);
    const baseCbs = await time(runs, () => store.query(baselineChargebacksSql()));
    line('  baseline: plain SQL, chargebacks by reason and MID', baseCbs.ms, `(shipped report ${(cbs.ms / baseCbs.ms).toFixed(1)}x the baseline)`);
    // The three reports on their pre-aggregates (mid_months; attempt_days and edges, rebill_saves, chargeback_sales): the same figures as the ledger alone.
    const sameMids = JSON.stringify(mids.value) === JSON.stringify(await midReport(store, { ...year, now: Date.UTC(2026, 0, 1), source: 'ledger' }));
    const sameDeclines = JSON.stringify(await declineReport(store, { ...june, by: 'mid', source: 'aggregate' })) === JSON.stringify(await declineReport(store, { ...june, by: 'mid', source: 'ledger' }));
    const sameCbs = JSON.stringify(await chargebackReport(store, { ...year, source: 'aggregate' })) === JSON.stringify(await chargebackReport(store, { ...year, source: 'ledger' }));
    console.log(`[${engine}] MID health, declines, chargebacks equal the ledger-only path: ${sameMids}, ${sameDeclines}, ${sameCbs}`);
    await benchSubscriptions(store, engine, line, verdict);
    await benchMaintenance(store, engine, line, cq, june);
  } finally {
    await store.close();
    await cleanup();
  }
}

/**
 * A purchase per customer of generateSql's ledger (its purchase id, product and campaign), for the reports
 * that read subscriptions (retention, rebills ahead): every tenth cancelled, every twentieth in recycle
 * billing, the rest active; the live ones due on a day of the 120 from 2025-12-01 (by customer id), at
 * their fourth cycle, list price 29.99 USD. Plain rows: no pre-aggregate reads them.
 */
export function subscriptionsSql(engine: Engine, customers: number, connectionId = 'bench'): string {
  if (!/^[\w-]+$/.test(connectionId)) throw new RangeError(`not a connection id: ${connectionId}`);
  const text = engine === 'postgres' ? 'TEXT' : 'VARCHAR';
  const due = `(DATE '2025-12-01' + CAST(c % 120 AS INTEGER))`;
  return `INSERT INTO purchases (connection_id, purchase_id, customer_id, product_id, campaign_id, status, billing_cycle, next_bill_date, price_cents, currency)
     SELECT '${connectionId}', 'P' || CAST(c AS ${text}), c, 100 + c % 10, 1 + c % 20, CASE WHEN c % 10 = 5 THEN 'CANCELLED' WHEN c % 20 = 9 THEN 'RECYCLE_BILLING' ELSE 'ACTIVE' END, 4,
       CASE WHEN c % 10 = 5 THEN NULL ELSE ${due} END, 2999, 'USD'
     FROM generate_series(CAST(0 AS BIGINT), CAST(${customers - 1} AS BIGINT)) g(c)`;
}

/**
 * The CRM's records of generateSql's customers, for the one-customer page: a customer row each (name and
 * e-mail from the id, created at the first transaction) and an order per sale transaction (its order id,
 * amount, campaign and date; COMPLETE when approved, DECLINED else). Plain rows: no pre-aggregate reads them.
 */
export function customerRecordsSql(engine: Engine, connectionId = 'bench'): string[] {
  if (!/^[\w-]+$/.test(connectionId)) throw new RangeError(`not a connection id: ${connectionId}`);
  const text = engine === 'postgres' ? 'TEXT' : 'VARCHAR';
  return [
    `INSERT INTO customers (connection_id, customer_id, email, first_name, last_name, country, date_created, date_updated)
     SELECT connection_id, customer_id, 'c' || CAST(customer_id AS ${text}) || '@example.com', 'First' || CAST(customer_id % 1000 AS ${text}), 'Last' || CAST(customer_id AS ${text}), 'US',
       MIN(date_created), MIN(date_created)
     FROM transactions WHERE connection_id = '${connectionId}' GROUP BY connection_id, customer_id`,
    `INSERT INTO orders (connection_id, order_id, customer_id, order_status, order_type, total_cents, campaign_id, date_created, date_updated, currency)
     SELECT connection_id, order_id, customer_id, CASE WHEN response_type = 'SUCCESS' THEN 'COMPLETE' ELSE 'DECLINED' END,
       CASE WHEN billing_cycle >= 2 THEN 'RECURRING' ELSE 'NEW_SALE' END, total_cents, campaign_id, date_created, date_created, 'USD'
     FROM transactions WHERE connection_id = '${connectionId}' AND txn_type = 'SALE'`,
  ];
}

/**
 * Retention and rebills ahead (docs/metrics.md): a purchase per customer is added (every tenth cancelled,
 * every twentieth in recycle billing, the rest active with a next bill date spread over the 120 days
 * after 2025-12-01), then the shipped reports are timed next to plain SQL that counts the same base
 * (approvals per cycle of the subscriptions started in 2025; live subscriptions due per window).
 */
async function benchSubscriptions(store: Store, engine: Engine, line: (label: string, ms: number, extra?: string) => void, verdict: (ms: number) => string): Promise<void> {
  // The connection 'bench' is the one benchEngine created before generating the ledger.
  await store.query(subscriptionsSql(engine, CUSTOMERS, 'bench'));
  // Written by SQL, not through the store: retention's counts, which follow the purchase records, are made again.
  for (const sql of rebuildRetentionDaysSql(store.sql, false)) await store.query(sql);
  if (engine === 'postgres') await store.query('ANALYZE');
  const asOf = Date.UTC(2025, 11, 1, 17);
  const rq = { from: '2025-01-01', to: '2025-12-31', tz: ZONE, currency: 'USD', asOf };
  const ret = await time(1, () => retentionReport(store, rq));
  const retAff = await time(1, () => retentionReport(store, { ...rq, groupBy: 'affiliate', subgroupBy: 'subaffiliate' }), false);
  const retBase = await time(1, () =>
    store.query(`WITH s AS (SELECT purchase_id FROM transactions WHERE billing_cycle = 1 AND response_type = 'SUCCESS' AND txn_type = 'SALE'
         AND date_created >= TIMESTAMP '2025-01-01 05:00:00' AND date_created < TIMESTAMP '2026-01-01 05:00:00')
       SELECT t.billing_cycle, COUNT(DISTINCT CASE WHEN t.response_type = 'SUCCESS' THEN t.purchase_id END) AS approvals, COUNT(DISTINCT t.purchase_id) AS attempted
       FROM s JOIN transactions t ON t.purchase_id = s.purchase_id GROUP BY 1 ORDER BY 1`),
  );
  line(`retentionReport (shipped), subscriptions started in a year (${ret.value.rows[0]?.initialPurchases.toLocaleString()})`, ret.ms, verdict(ret.ms));
  line('retentionReport, affiliate > sub-affiliate', retAff.ms, verdict(retAff.ms));
  line('  baseline: plain SQL, approvals and attempts per cycle', retBase.ms, `(shipped report ${(ret.ms / retBase.ms).toFixed(0)}x the baseline's time)`);
  const reb = await time(3, () => rebillsReport(store, { currency: 'USD', asOf }));
  const rebBase = await time(3, () =>
    store.query(`SELECT w.d, COUNT(*) AS n, SUM(price_cents) AS list FROM purchases p CROSS JOIN (VALUES (7), (30), (60), (90)) w(d)
       WHERE p.status IN ('ACTIVE', 'TRIAL', 'RECYCLE_BILLING') AND CAST(p.next_bill_date AS DATE) >= DATE '2025-12-01' AND CAST(p.next_bill_date AS DATE) < DATE '2025-12-01' + w.d GROUP BY 1 ORDER BY 1`),
  );
  line(`rebillsReport (shipped), 7/30/60/90 days (${reb.value.windows.at(-1)?.subscriptions.toLocaleString()} due in 90)`, reb.ms, verdict(reb.ms));
  line('  baseline: plain SQL, live subscriptions due per window', rebBase.ms, `(shipped report ${(reb.ms / rebBase.ms).toFixed(0)}x the baseline's time)`);
}

/**
 * What keeping the pre-aggregates costs a sync at this size: batches as the sync engine commits them
 * (32 pages of 100 transactions, facts deferred; half rebills of existing customers, half new customers),
 * then the end-of-run facts refresh, which recomputes the touched cohort slots. Afterwards the shipped
 * reports must still equal the ledger path.
 */
async function benchMaintenance(
  store: Store,
  engine: Engine,
  line: (label: string, ms: number, extra?: string) => void,
  cq: { from: string; to: string; tz: string; currency: string; by: 'month'; asOf: number },
  june: { from: string; to: string; tz: string; currency: string },
): Promise<void> {
  let next = CUSTOMERS * 10;
  const batch = () =>
    Array.from({ length: 32 }, () => {
      const ids: number[] = [];
      const events = Array.from({ length: 100 }, (_, i) => {
        const id = next++;
        ids.push(id);
        const existing = i % 2 === 0;
        const customer = existing ? (id * 7919) % CUSTOMERS : CUSTOMERS + id;
        return {
          event_id: `sale:${id}`, kind: 'sale' as const, transaction_id: id, instant: Date.UTC(2025, 8, 1) + (id % 1000) * 3_600_000, amount_cents: 2999,
          customer_id: customer, order_id: `N${id}`, purchase_id: null, campaign_id: 1, product_id: 100, aff_id: 'A1', source_value1: null, merchant_id: 500,
          billing_cycle: existing ? 2 : 1, is_initial: !existing, currency: 'USD', coupon_code: null, attribution: 'own/-',
        };
      });
      return { connectionId: 'bench', table: 'transactions' as const, rows: [], ledger: { transactionIds: ids, events } };
    });
  const w = await time(3, () => store.writePages(batch(), { deferFacts: true }), false);
  line('maintenance: writePages, 32 pages x 100 transactions, deferred', w.ms, '(ledger + event_slots + cohort_ages deltas)');
  const t = performance.now();
  const n = await store.refreshDirtyFacts('bench');
  line(`maintenance: refreshDirtyFacts of ${n.toLocaleString()} customers`, performance.now() - t, '(facts + new customers + cohort slots recomputed)');
  const sameS = JSON.stringify(await summaryReport(store, { ...june, from: '2025-09-01', to: '2025-10-31' })) === JSON.stringify(await summaryReport(store, { ...june, from: '2025-09-01', to: '2025-10-31' }, { source: 'ledger' }));
  const sameC = JSON.stringify((await cohortReport(store, cq)).cohorts) === JSON.stringify((await cohortReport(store, cq, { source: 'ledger' })).cohorts);
  console.log(`[${engine}] after the writes, shipped reports equal the ledger path: summary ${sameS}, cohorts ${sameC}`);
}

export default async function bench(): Promise<void> {
  const engines = (process.env.KONDUIT_BENCH_ENGINES ?? 'duckdb,postgres').split(',') as Engine[];
  console.log(`analytics at ${(CUSTOMERS * 5).toLocaleString()} transactions / ${CUSTOMERS.toLocaleString()} customers`);
  for (const e of engines) {
    await benchEngine(e);
    // Timings on a shared machine are only as good as its load: print it next to them.
    console.log(`[${e}] load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  }
}
