/**
 * Rebills ahead's tables kept at write time (docs/store.md, "Rebills ahead's tables"): what rebills ahead
 * (src/analytics/rebills.ts; docs/metrics.md, "Rebills ahead") needs of the ledger's rebill attempts,
 * in the report's own definition, instead of numbering every attempt of the ledger at every report, and
 * of the live purchases (rebill_due, below) instead of scanning them all:
 * - rebill_tries: per purchase, currency and rebill cycle (2 and later) with an attempt (an approved sale
 *   or a decline), in the ledger's order of that purchase's attempts in that currency at that cycle (by
 *   instant, then event id): whether the first attempt was approved (first_ok) or a soft decline
 *   (first_soft, a SOFT_DECLINE of its transaction), whether any attempt was approved (ok), and `open`:
 *   a soft first decline never approved whose last attempt is a soft decline, at the cycle after the
 *   purchase's last approved one in that currency (cycle 1 when none); and `held`: an open cycle whose
 *   purchase leaves it undecided now (in recycle billing, or no status in the store), not counted lost;
 * - rebill_rates: per connection, currency and cycle, the sums of those rows: first attempts, first
 *   approved, first soft, saved (first soft and approved) and lost (first soft, never approved, not held).
 * Kept with the subscription tables (subscription-cycles.ts): the purchases a ledger write names are
 * recomputed from their staged events in the same refresh, their old rows' sums leaving rebill_rates and
 * the new ones' coming in; everything is rebuilt by rebuildAggregates() and the end-of-backfill rebuild
 * (aggregates.ts rebuildAggregatesSql). A write of purchase records moves their open cycles between lost
 * and held as their status says (keepRebillHolds, called by the writer after the upsert). Migration 24
 * creates and fills them; migration 26 adds the refresh's scratch (agg_rebill_tries) and, on DuckDB, the
 * index on purchases (purchase_id) the purchase writes read by.
 */

import { attemptOutcomeSql, enumSql } from './dialect.js';
import type { SqlDialect } from './dialect.js';
import { sqlLiteral, type StoreContext } from './driver.js';

const TRY_COLUMNS = 'connection_id, purchase_id, currency, cycle, first_ok, first_soft, ok, open, held';
const RATE_COLUMNS = 'connection_id, currency, cycle, first_attempts, first_ok, first_soft, saved, lost';
const COUNTS = ['first_attempts', 'first_ok', 'first_soft', 'saved', 'lost'] as const;

/**
 * Whether purchase row `pu` (LEFT JOINed: NULL when the store has none) leaves an open cycle undecided:
 * in recycle billing, or no status known (the ledger statement's NULL comparison in rebills.ts).
 */
const UNDECIDED = (pu: string) => `(${pu}.status IS NULL OR ${enumSql(`${pu}.status`)} = 'RECYCLE_BILLING')`;

/** rebill_rates' counts summed over rebill_tries rows (alias t), times `sign` (1, or a column of 1 and -1). */
const rateSums = (sign: 1 | string) => {
  const s = (x: string) => (sign === 1 ? `SUM(${x})` : `SUM(${sign} * ${x})`);
  return [
    sign === 1 ? 'COUNT(*)' : `SUM(${sign})`,
    s('t.first_ok'),
    s('t.first_soft'),
    s('CASE WHEN t.first_soft = 1 AND t.ok = 1 THEN 1 ELSE 0 END'),
    s('CASE WHEN t.first_soft = 1 AND t.ok = 0 AND t.held = 0 THEN 1 ELSE 0 END'),
  ].join(', ');
};

/**
 * The rebill_tries rows of `attempts`: rows of connection_id, purchase_id, currency, billing_cycle,
 * instant, event_id and outcome ('ok' an approved sale, 'soft' a soft decline, else 'hard'), every
 * attempt of each purchase given (filtered here to rebill cycles with a currency).
 */
function triesSql(attempts: string): string {
  const part = 'PARTITION BY a.connection_id, a.purchase_id, a.currency, a.billing_cycle';
  return `SELECT z.connection_id, z.purchase_id, z.currency, z.cycle, z.first_ok, z.first_soft, z.ok, z.open, CASE WHEN z.open = 1 AND ${UNDECIDED('pu')} THEN 1 ELSE 0 END
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
         FROM (SELECT a.connection_id, a.purchase_id, a.currency, a.billing_cycle AS cycle, a.outcome,
                 ROW_NUMBER() OVER (${part} ORDER BY a.instant, a.event_id) AS ord,
                 ROW_NUMBER() OVER (${part} ORDER BY a.instant DESC, a.event_id DESC) AS rev
               FROM ${attempts} a
               WHERE a.kind IN ('sale', 'decline') AND a.purchase_id IS NOT NULL AND a.billing_cycle >= 2 AND a.currency IS NOT NULL) x
         GROUP BY connection_id, purchase_id, currency, cycle) y) z
     LEFT JOIN purchases pu ON pu.connection_id = z.connection_id AND pu.purchase_id = z.purchase_id`;
}

/** Adds the sums of rebill_tries rows `from` (alias t) to rebill_rates, times `sign` (as rateSums). */
const addRatesSql = (from: string, sign: 1 | string) => `INSERT INTO rebill_rates (${RATE_COLUMNS})
     SELECT t.connection_id, t.currency, t.cycle, ${rateSums(sign)} FROM ${from} GROUP BY t.connection_id, t.currency, t.cycle
     ON CONFLICT (connection_id, currency, cycle) DO UPDATE SET ${COUNTS.map((c) => `${c} = rebill_rates.${c} + EXCLUDED.${c}`).join(', ')}`;

/**
 * Statements that rebuild both tables from money_events and their transactions: of every connection, or
 * (byConnection) of the connection given as $1.
 */
export function rebuildRebillRatesSql(byConnection: boolean): string[] {
  const w = (alias: string) => (byConnection ? `${alias}connection_id = $1` : 'TRUE');
  return [
    `DELETE FROM rebill_tries WHERE ${w('')}`,
    `DELETE FROM rebill_rates WHERE ${w('')}`,
    `INSERT INTO rebill_tries (${TRY_COLUMNS}) ${triesSql(`(SELECT e.connection_id, e.purchase_id, e.currency, e.billing_cycle, e.kind, e.instant, e.event_id,
         ${attemptOutcomeSql('e', 't')} AS outcome
       FROM money_events e LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
       WHERE ${w('e.')} AND e.kind IN ('sale', 'decline') AND e.purchase_id IS NOT NULL AND e.billing_cycle >= 2)`)}`,
    addRatesSql(`rebill_tries t WHERE ${w('t.')}`, 1),
    ...rebuildRebillDueSql(byConnection),
  ];
}

/**
 * Recomputes, inside refreshSubscriptionCyclesSql's statements, the purchases it staged for connection $1
 * (agg_touched_purchases) from their staged events (`staged`: agg_touched_events rows, whose outcome is
 * worked out as here): their new rows are staged (agg_rebill_tries); rebill_rates takes, in one upsert,
 * their old rows' sums out and the staged rows' sums in (the staged rows summed where they are, not read
 * back from rebill_tries); their old rows go, the staged ones take their place, and the cells left with
 * no first attempt go. rebill_tries is read twice (the old sums, the delete), each a join with the
 * touched purchases (it has no index on DuckDB: see keepRebillHoldsSql).
 */
export function refreshRebillRatesSql(staged: string): string[] {
  const cols = TRY_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ');
  const old = `SELECT -1 AS sign, ${cols} FROM rebill_tries t JOIN agg_touched_purchases k ON k.connection_id = t.connection_id AND k.purchase_id = t.purchase_id WHERE t.connection_id = $1`;
  const fresh = `SELECT 1 AS sign, ${cols} FROM agg_rebill_tries t WHERE t.connection_id = $1`;
  return [
    `INSERT INTO agg_rebill_tries (${TRY_COLUMNS}) ${triesSql(staged)}`,
    addRatesSql(`(${old} UNION ALL ${fresh}) t`, 'sign'),
    `DELETE FROM rebill_tries USING agg_touched_purchases k WHERE rebill_tries.connection_id = $1 AND k.connection_id = $1 AND k.purchase_id = rebill_tries.purchase_id`,
    `INSERT INTO rebill_tries (${TRY_COLUMNS}) SELECT ${TRY_COLUMNS} FROM agg_rebill_tries WHERE connection_id = $1`,
    'DELETE FROM agg_rebill_tries WHERE connection_id = $1',
    'DELETE FROM rebill_rates WHERE connection_id = $1 AND first_attempts = 0',
  ];
}

/**
 * Statements that follow a write of purchase records (connection `cid`, an SQL literal; `keys`: their ids
 * as SQL literals) into the open cycles of those purchases: each whose `held` (undecided) changed with the
 * status moves between lost and undecided in rebill_rates, and is updated. Their purchases are read by
 * index (SqlDialect.rowsByKeys); their rebill_tries rows by a scan on DuckDB (the key list filters it),
 * by key on PostgreSQL. An index on rebill_tries (purchase_id) read them for a tenth of the scan's cost
 * but made a whole rebuild of the table at 10M many times slower (stopped after 11 minutes, against 1.7
 * without): not kept (docs/metrics.md, "Rebills ahead's write-time cost at 10M").
 */
export function keepRebillHoldsSql(d: SqlDialect, cid: string, keys: string): string[] {
  const decided = (t: string) => `EXISTS (SELECT 1 FROM ${d.rowsByKeys('purchases', 'connection_id, purchase_id, status', 'purchase_id', keys)} pu WHERE pu.connection_id = ${t}.connection_id AND pu.purchase_id = ${t}.purchase_id AND NOT ${UNDECIDED('pu')})`;
  const now = (t: string) => `CASE WHEN ${decided(t)} THEN 0 ELSE 1 END`;
  const open = (t: string) => `${t}connection_id = ${cid} AND ${t}open = 1`;
  return [
    // An open cycle is lost exactly when not held: lost moves by old held - new held.
    `INSERT INTO rebill_rates (${RATE_COLUMNS})
     SELECT t.connection_id, t.currency, t.cycle, 0, 0, 0, 0, SUM(t.held - ${now('t')}) FROM rebill_tries t
     WHERE ${open('t.')} AND t.purchase_id IN (${keys})
     GROUP BY t.connection_id, t.currency, t.cycle
     ON CONFLICT (connection_id, currency, cycle) DO UPDATE SET lost = rebill_rates.lost + EXCLUDED.lost`,
    `UPDATE rebill_tries SET held = ${now('rebill_tries')} WHERE ${open('')} AND purchase_id IN (${keys})`,
  ];
}

/** The statuses of a subscription that will bill again (rebills.ts LIVE), as the report compares them. */
const LIVE_STATUS = `${enumSql('pu.status')} IN ('ACTIVE', 'TRIAL', 'RECYCLE_BILLING')`;
const DUE_COLUMNS = 'connection_id, currency, day, cycle, recycling, subscriptions, list_cents';
/** The purchases' columns dueSql reads. */
const DUE_READS = 'connection_id, purchase_id, currency, next_bill_date, billing_cycle, status, price_cents';

/**
 * rebill_due's rows of the live purchases among `from` rows (alias pu; `where` a condition on them),
 * times `sign`: per connection, currency ('' when the purchase has none: the connection's base currency
 * at query time), next bill date, cycle about to bill and whether in recycle billing, the count and list
 * price.
 */
const dueSql = (from: string, where: string, sign: 1 | -1) => `SELECT pu.connection_id, COALESCE(pu.currency, ''), pu.next_bill_date, COALESCE(pu.billing_cycle, 1) + 1,
       CASE WHEN ${enumSql('pu.status')} = 'RECYCLE_BILLING' THEN 1 ELSE 0 END, ${sign === 1 ? '' : '-'}COUNT(*), ${sign === 1 ? '' : '-'}SUM(COALESCE(pu.price_cents, 0))
     FROM ${from} pu WHERE ${where} AND ${LIVE_STATUS} AND pu.next_bill_date IS NOT NULL GROUP BY 1, 2, 3, 4, 5`;

/** Adds the dueSql rows of the purchases `from` matching `where` to rebill_due, times `sign`. */
const addDueSql = (from: string, where: string, sign: 1 | -1) => `INSERT INTO rebill_due (${DUE_COLUMNS}) ${dueSql(from, where, sign)}
     ON CONFLICT (connection_id, currency, day, cycle, recycling) DO UPDATE SET subscriptions = rebill_due.subscriptions + EXCLUDED.subscriptions, list_cents = rebill_due.list_cents + EXCLUDED.list_cents`;

/**
 * Before a write of purchase records (connection `cid`, `keys` their ids, both SQL literals): their rows
 * as stored leave rebill_due. Read by index, as keepRebillHoldsSql.
 */
export const leaveRebillDueSql = (d: SqlDialect, cid: string, keys: string) => [addDueSql(d.rowsByKeys('purchases', DUE_READS, 'purchase_id', keys), `pu.connection_id = ${cid}`, -1)];

/** After the write: their rows as written come back (cells left empty go: emptyRebillDueSql). */
export const enterRebillDueSql = (d: SqlDialect, cid: string, keys: string) => [addDueSql(d.rowsByKeys('purchases', DUE_READS, 'purchase_id', keys), `pu.connection_id = ${cid}`, 1)];

/** rebill_due's cells of connection `cid` left with no subscription. */
const emptyRebillDueSql = (cid: string) => `DELETE FROM rebill_due WHERE connection_id = ${cid} AND subscriptions = 0`;

/** Statements that rebuild rebill_due from purchases: of every connection, or (byConnection) of connection $1. */
export function rebuildRebillDueSql(byConnection: boolean): string[] {
  return [`DELETE FROM rebill_due WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`, `INSERT INTO rebill_due (${DUE_COLUMNS}) ${dueSql('purchases', byConnection ? 'pu.connection_id = $1' : 'TRUE', 1)}`];
}

/**
 * Purchases per statement of writingPurchases: DuckDB reads the purchases' index only for fewer rows than
 * 0.1% of the table's (as duckdb-store.ts sets it), 250 from 250,000 purchases up; a longer list, or a
 * smaller table, is read by a scan, still right.
 */
const KEYS_PER_STATEMENT = 250;

/**
 * Wraps a write of these purchase records of connection `connectionId` (`write`: the upsert), in the
 * caller's transaction: rebill_due follows their live status, next bill date, cycle and price, and their
 * open cycles their status (keepRebillHoldsSql). Their ids and the connection go into the statements as
 * literals (read by index: rowsByKeys), with no placeholders to replace.
 */
export async function writingPurchases(ctx: StoreContext, connectionId: string, purchases: readonly string[], write: () => Promise<void>): Promise<void> {
  if (purchases.length === 0) return write();
  const d = ctx.db.sql;
  const cid = sqlLiteral(connectionId);
  const ids = [...new Set(purchases)];
  const lists: string[] = [];
  for (let i = 0; i < ids.length; i += KEYS_PER_STATEMENT) lists.push(ids.slice(i, i + KEYS_PER_STATEMENT).map(sqlLiteral).join(', '));
  for (const keys of lists) for (const sql of leaveRebillDueSql(d, cid, keys)) await ctx.db.exec(sql);
  await write();
  for (const keys of lists) for (const sql of [...enterRebillDueSql(d, cid, keys), ...keepRebillHoldsSql(d, cid, keys)]) await ctx.db.exec(sql);
  await ctx.db.exec(emptyRebillDueSql(cid));
}
