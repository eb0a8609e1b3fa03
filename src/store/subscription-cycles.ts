/**
 * The subscriptions' cycles kept at write time (docs/store.md, "Subscription cycles"): what retention
 * (src/analytics/retention.ts) and the forecasts' subscription fates need of the ledger, worked out once
 * per purchase instead of at every report:
 * - subscription_attempts: every attempt (sale or decline) of a purchase's billing cycle, numbered in the
 *   ledger's order (retry 0 the first attempt, retry k the attempt after k others; by instant, then
 *   event id), its outcome (ok, soft: a SOFT_DECLINE, hard: any other decline), whether it is the cycle's
 *   last, and the instant of the attempt before it;
 * - subscription_cycles: per purchase and cycle, the first attempt, the first approval and the retry that
 *   gave it, whether the first and the last attempt were soft declines, the previous cycle's approval; and
 *   in the currency of the purchase's initial sale: the refunds and voids (counted at their parent sale's
 *   cycle) and chargebacks net of reversals of the cycle's charge, and the sales and reversals booked at
 *   the cycle itself;
 * - subscription_starts: per purchase with an approved cycle-1 sale, that initial sale (the first by
 *   instant, then event id): its instant, currency, customer and attribution, and the purchase's highest
 *   approved and attempted cycles.
 * What depends on the report (range, zone, breakdown) or on the as-of (what is due, the purchase's status
 * and next bill date) stays at query time.
 *
 * Kept with the customer facts (facts.ts): the purchases a ledger write names (the purchase of every event
 * it removes or stores; purchases-dirty.ts) are recomputed from money_events in the same transaction, or,
 * deferred, at the refresh that recomputes the facts (staged in agg_touched_purchases); everything is
 * rebuilt by rebuildAggregates() and the end-of-backfill rebuild (aggregates.ts rebuildAggregatesSql).
 */
import { attemptOutcomeSql, softDeclineSql as SOFT, withFreshStatistics, type SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { refreshRebillRatesSql } from './rebill-rates.js';
import { RETENTION_STAGES, retentionDaysAfterSql, retentionDaysBeforeSql, stagedRowsSql } from './retention-days.js';

/** The response class of an attempt (e: money_events, t: its transaction). */
const OUTCOME = attemptOutcomeSql('e', 't');

/** The money_events columns the tables are computed from (besides an attempt's outcome and a refund's parent cycle). */
const EVENT_COLUMNS = ['connection_id', 'purchase_id', 'event_id', 'kind', 'instant', 'amount_cents', 'customer_id', 'billing_cycle', 'currency', 'campaign_id', 'product_id', 'aff_id', 'source_value1', 'merchant_id', 'coupon_code'] as const;

/**
 * The events of money_events rows `m` with what the tables need of their transactions: `outcome`, an
 * attempt's response class (OUTCOME), and `parent_cycle`, the billing cycle of a refund's or void's parent
 * transaction (NULL when it has none).
 */
const eventsWithTransactions = (events: string) => `(SELECT ${EVENT_COLUMNS.map((c) => `e.${c}`).join(', ')}, ${OUTCOME} AS outcome, CASE WHEN e.kind IN ('refund', 'void') THEN pt.billing_cycle END AS parent_cycle
     FROM ${events} e
     LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
     LEFT JOIN transactions pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id)`;

/**
 * What every row of the three tables copies from its purchase's initial sale, so that a report reads each
 * table alone: its instant, its currency, and the attribution the breakdowns group by (money_events'
 * column names, so a report's dimension columns apply to any of the tables).
 */
export const START_COLUMNS = ['started_at', 'currency', 'campaign_id', 'product_id', 'aff_id', 'source_value1', 'merchant_id', 'coupon_code'] as const;
const START = START_COLUMNS.join(', ');
const startOf = (alias: string) => START_COLUMNS.map((c) => `${alias}.${c}`).join(', ');

/** The window of one purchase's attempts at one cycle, in the ledger's order. */
const TRIES = '(PARTITION BY e.connection_id, e.purchase_id, e.billing_cycle ORDER BY e.instant, e.event_id)';
/** The window of one purchase's cycles. */
const CYCLES = '(PARTITION BY c.connection_id, c.purchase_id ORDER BY c.cycle)';

/** The purchases' initial sales among `events` (their first approved cycle-1 sale, by instant then event id), with START_COLUMNS. */
function firstSalesSql(events: string): string {
  return `(SELECT connection_id, purchase_id, customer_id, instant AS started_at, currency, campaign_id, product_id, aff_id, source_value1, merchant_id, coupon_code FROM (
       SELECT e.*, ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id ORDER BY e.instant, e.event_id) AS rn
       FROM ${events} e WHERE e.kind = 'sale' AND e.billing_cycle = 1) x
     WHERE rn = 1)`;
}

/**
 * Statements that fill the three tables from the events of the purchases to (re)compute, every event of
 * each: `events`, a source of money_events rows, and `attempts`, one that adds `outcome` and
 * `parent_cycle` (eventsWithTransactions; both may be the same). `starts` is where the attempts and
 * cycles read their purchase's initial sale: subscription_starts once filled, or firstSalesSql of the
 * same events. Their rows must have been deleted first. Only purchases with an approved cycle-1 sale (a
 * start) have rows.
 */
function fillSql(events: string, attempts: string, starts: string, into: (table: (typeof TABLES)[number]) => string = (t) => t): string[] {
  return [
    // The initial sale, with the purchase's highest approved and attempted cycles and the first approval
    // of the highest approved.
    `INSERT INTO ${into('subscription_starts')} (connection_id, purchase_id, customer_id, ${START}, last_ok, last_try, last_ok_at)
     SELECT f.connection_id, f.purchase_id, f.customer_id, ${startOf('f')}, l.last_ok, l.last_try, l.last_ok_at
     FROM ${firstSalesSql(events)} f
     JOIN (SELECT connection_id, purchase_id, MAX(last_ok) AS last_ok, MAX(billing_cycle) AS last_try,
             MIN(CASE WHEN kind = 'sale' AND billing_cycle = last_ok THEN instant END) AS last_ok_at
           FROM (SELECT e.connection_id, e.purchase_id, e.kind, e.billing_cycle, e.instant,
                   MAX(CASE WHEN e.kind = 'sale' THEN e.billing_cycle END) OVER (PARTITION BY e.connection_id, e.purchase_id) AS last_ok
                 FROM ${events} e WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL) a
           GROUP BY connection_id, purchase_id) l ON l.connection_id = f.connection_id AND l.purchase_id = f.purchase_id`,
    `INSERT INTO ${into('subscription_attempts')} (connection_id, purchase_id, cycle, retry, customer_id, ${START}, instant, prev_at, outcome, is_last)
     SELECT e.connection_id, e.purchase_id, e.billing_cycle, ROW_NUMBER() OVER ${TRIES} - 1, e.customer_id, ${startOf('s')}, e.instant, LAG(e.instant) OVER ${TRIES}, e.outcome,
       LEAD(e.event_id) OVER ${TRIES} IS NULL
     FROM ${attempts} e
     JOIN ${starts} s ON s.connection_id = e.connection_id AND s.purchase_id = e.purchase_id
     WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL`,
    // Per cycle, from its attempts (numbered as above, here again over the same events: reading them back
    // from subscription_attempts would scan the whole table for a few purchases) and its money.
    `INSERT INTO ${into('subscription_cycles')} (connection_id, purchase_id, cycle, customer_id, ${START}, last_ok, attempts, first_at, ok_at, ok_retry, first_soft, last_soft, prev_ok_at,
       refunds, refund_cents, chargebacks, chargeback_cents, sales, sales_cents, reversed_cents)
     SELECT c.connection_id, c.purchase_id, c.cycle, s.customer_id, ${startOf('s')}, MAX(CASE WHEN c.ok_at IS NOT NULL THEN c.cycle END) OVER (PARTITION BY c.connection_id, c.purchase_id),
       c.attempts, c.first_at, c.ok_at, c.ok_retry, c.first_soft, c.last_soft,
       CASE WHEN LAG(c.cycle) OVER ${CYCLES} = c.cycle - 1 THEN LAG(c.ok_at) OVER ${CYCLES} END,
       c.refunds, c.refund_cents, c.chargebacks, c.chargeback_cents, c.sales, c.sales_cents, c.reversed_cents
     FROM (
       SELECT connection_id, purchase_id, cycle, SUM(attempts) AS attempts, MIN(first_at) AS first_at, MIN(ok_at) AS ok_at, MIN(ok_retry) AS ok_retry,
         MAX(first_soft) AS first_soft, MAX(last_soft) AS last_soft, SUM(refunds) AS refunds, SUM(refund_cents) AS refund_cents, SUM(chargebacks) AS chargebacks,
         SUM(chargeback_cents) AS chargeback_cents, SUM(sales) AS sales, SUM(sales_cents) AS sales_cents, SUM(reversed_cents) AS reversed_cents
       FROM (
         SELECT x.connection_id, x.purchase_id, x.cycle, 1 AS attempts, x.instant AS first_at, CASE WHEN x.outcome = 'ok' THEN x.instant END AS ok_at,
           CASE WHEN x.outcome = 'ok' THEN x.retry END AS ok_retry, CASE WHEN x.retry = 0 AND x.outcome = 'soft' THEN 1 ELSE 0 END AS first_soft,
           CASE WHEN x.is_last AND x.outcome = 'soft' THEN 1 ELSE 0 END AS last_soft,
           0 AS refunds, 0 AS refund_cents, 0 AS chargebacks, 0 AS chargeback_cents, 0 AS sales, 0 AS sales_cents, 0 AS reversed_cents
         FROM (SELECT e.connection_id, e.purchase_id, e.billing_cycle AS cycle, e.instant, e.outcome, ROW_NUMBER() OVER ${TRIES} - 1 AS retry, LEAD(e.event_id) OVER ${TRIES} IS NULL AS is_last
               FROM ${attempts} e WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL) x
         UNION ALL
         -- The money of a cycle's charge, in the initial sale's currency: refunds and voids at their parent
         -- sale's cycle, chargebacks net of reversals at their own.
         SELECT e.connection_id, e.purchase_id, COALESCE(CASE WHEN e.kind IN ('refund', 'void') THEN e.parent_cycle END, e.billing_cycle), 0, NULL, NULL, NULL, 0, 0,
           CASE WHEN e.kind IN ('refund', 'void') THEN 1 ELSE 0 END, CASE WHEN e.kind IN ('refund', 'void') THEN -e.amount_cents ELSE 0 END,
           CASE WHEN e.kind = 'chargeback' THEN 1 WHEN e.kind = 'chargeback_reversal' THEN -1 ELSE 0 END,
           CASE WHEN e.kind IN ('chargeback', 'chargeback_reversal') THEN -e.amount_cents ELSE 0 END, 0, 0, 0
         FROM ${attempts} e
         JOIN ${starts} s ON s.connection_id = e.connection_id AND s.purchase_id = e.purchase_id AND s.currency = e.currency
         WHERE e.kind IN ('refund', 'void', 'chargeback', 'chargeback_reversal')
         UNION ALL
         -- The sales booked at the cycle and what was taken back from them (refunds, voids, chargebacks at their own cycle).
         SELECT e.connection_id, e.purchase_id, e.billing_cycle, 0, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0,
           CASE WHEN e.kind = 'sale' THEN 1 ELSE 0 END, CASE WHEN e.kind = 'sale' THEN e.amount_cents ELSE 0 END,
           CASE WHEN e.kind IN ('refund', 'void', 'chargeback') THEN e.amount_cents ELSE 0 END
         FROM ${events} e
         JOIN ${starts} s ON s.connection_id = e.connection_id AND s.purchase_id = e.purchase_id AND s.currency = e.currency
         WHERE e.kind IN ('sale', 'refund', 'void', 'chargeback')
       ) u
       WHERE cycle IS NOT NULL
       GROUP BY connection_id, purchase_id, cycle
     ) c
     JOIN ${starts} s ON s.connection_id = c.connection_id AND s.purchase_id = c.purchase_id`,
  ];
}

const TABLES = ['subscription_starts', 'subscription_attempts', 'subscription_cycles'] as const;

/**
 * Statements that rebuild the tables from money_events: of every connection, or (byConnection) of the
 * connection given as $1.
 */
export function rebuildSubscriptionCyclesSql(byConnection: boolean): string[] {
  const w = (alias: string) => (byConnection ? `${alias}.connection_id = $1` : 'TRUE');
  return [
    ...TABLES.map((t) => `DELETE FROM ${t} WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`),
    ...fillSql(`(SELECT * FROM money_events m WHERE ${w('m')} AND m.purchase_id IS NOT NULL)`, eventsWithTransactions(`(SELECT * FROM money_events m WHERE ${w('m')} AND m.purchase_id IS NOT NULL)`), `(SELECT * FROM subscription_starts s WHERE ${w('s')})`),
  ];
}

/**
 * Recomputes, inside the caller's transaction, these purchases of connection $1 (`purchases`: a subquery
 * of purchase ids; the purchases a ledger write named, purchases-dirty.ts). What it costs follows the
 * purchases touched, not the tables: the purchases are staged once (agg_touched_purchases), their events
 * with their transactions' detail once (agg_touched_events, one pass over money_events), each table's rows
 * of them are staged in one join and deleted by the stage (retention-days.ts: retention's counts are taken
 * from the stages), and filled again from the staged events into the stages, then copied; only the
 * staging passes over the tables whole (DuckDB: no index).
 */
export function refreshSubscriptionCyclesSql(purchases: string, d: SqlDialect): string[] {
  const staged = '(SELECT * FROM agg_touched_events WHERE connection_id = $1)';
  const mine = (t: string) => `(SELECT x.* FROM ${t} x JOIN agg_touched_purchases k ON k.connection_id = x.connection_id AND k.purchase_id = x.purchase_id WHERE x.connection_id = $1)`;
  return [
    `INSERT INTO agg_touched_purchases (connection_id, purchase_id) SELECT DISTINCT $1, x.id FROM (${purchases}) AS x(id) WHERE x.id IS NOT NULL`,
    // Their events, then what their transactions say (joined this way round, the hash tables are the
    // staged events', not the transactions').
    `INSERT INTO agg_touched_events (${EVENT_COLUMNS.join(', ')}, transaction_id, outcome)
     SELECT ${EVENT_COLUMNS.map((c) => `e.${c}`).join(', ')}, e.transaction_id, CASE WHEN e.kind = 'sale' THEN 'ok' ELSE 'hard' END FROM ${mine('money_events')} e`,
    `UPDATE agg_touched_events SET outcome = 'soft' FROM transactions t
     WHERE agg_touched_events.connection_id = $1 AND agg_touched_events.kind = 'decline' AND t.connection_id = $1 AND t.transaction_id = agg_touched_events.transaction_id
       AND ${SOFT('t')}`,
    `UPDATE agg_touched_events SET parent_cycle = pt.billing_cycle FROM transactions t JOIN transactions pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id
     WHERE agg_touched_events.connection_id = $1 AND agg_touched_events.kind IN ('refund', 'void') AND t.connection_id = $1 AND t.transaction_id = agg_touched_events.transaction_id`,
    // Their rows go, staged first: retention's counts (retention-days.ts) lose what they counted, and get
    // back after what the new rows count (filled into the stages, then copied to the tables).
    ...retentionDaysBeforeSql(d),
    // The starts the attempts and cycles copy: worked out again from the staged events (as inserted).
    ...fillSql(staged, staged, firstSalesSql(staged), (t) => RETENTION_STAGES[t]),
    ...stagedRowsSql(),
    // The rebill rates of the same purchases, from the same staged events (rebill-rates.ts).
    ...refreshRebillRatesSql(staged),
    ...retentionDaysAfterSql(d),
    'DELETE FROM agg_touched_events WHERE connection_id = $1',
    'DELETE FROM agg_touched_purchases WHERE connection_id = $1',
  ];
}

/**
 * The refresh's statements with PostgreSQL's statistics of each scratch stage (`agg_...`) refreshed right after
 * a fill that a later statement reads (dialect.ts withFreshStatistics, stages only: a real table is not
 * sampled at every refresh). The stages are filled and emptied by every refresh, so PostgreSQL planned their
 * joins on whatever autovacuum last saw of them (often an empty stage): at 60,000 customers an incremental
 * sync's refresh joined the staged events and starts by nested loops, 91 s for the cycles' fill alone.
 */
export const withStageStatistics = (d: SqlDialect, statements: string[]) => withFreshStatistics(d, statements, (table) => table.startsWith('agg_'));

/** Runs refreshSubscriptionCyclesSql in the caller's transaction. */
export async function refreshSubscriptionCycles(ctx: StoreContext, connectionId: string, purchases: string): Promise<void> {
  for (const s of withStageStatistics(ctx.db.sql, refreshSubscriptionCyclesSql(purchases, ctx.db.sql))) await ctx.db.exec(s.sql, s.analyze ? [] : [connectionId]);
}
