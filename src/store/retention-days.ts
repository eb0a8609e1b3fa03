/**
 * Retention's counts kept at write time (docs/store.md, "Retention days"; migration 21): what the
 * retention report (src/analytics/retention.ts) reads of the subscription tables (subscription-cycles.ts)
 * and of the purchases, already counted per connection, account zone, currency, start day and product, so
 * a year's report sums a few thousand rows instead of reading a million subscriptions, their cycles and
 * their attempts:
 * - retention_stamps: per purchase with a start, what the report asks of its purchase record (cancelled,
 *   the CRM's next bill date while it has not ended, in recycle billing) and the zone its days were
 *   counted in (the connection's at the time): the counts below are this purchase's under these values;
 * - retention_days: per connection, zone, currency, day the subscription started (that zone's calendar
 *   day, as days since 1970-01-01, as `ok_day`), product and `part`, the report's own terms: `kind` (highest approved and attempted cycles, the
 *   day of the last approval, cancelled, next bill date), `gap` (a cycle's days from the previous cycle's
 *   approval to its first attempt), `cycle` (declines, recycling, saves by retry), `money` (refunds and
 *   chargebacks of a cycle's charge), `rebill` (a rebill cycle's approved sales, their gross and what was
 *   taken back from them: the Forecast's money per rebill; migration 28) and `retry` (rebill attempts by
 *   retry, outcome and days after the one before), each with its count (`cnt`: the subscriptions, cycles or attempts counted) and sums;
 * - retention_groups (migration 29): the same counts once per family of breakdowns (RETENTION_FAMILIES:
 *   campaign, affiliate with sub-affiliate, MID, coupon), keyed by the initial sale's values of the family's
 *   columns as well, for a report grouped or filtered by them.
 * Every day is an account-zone day (the stamp's zone): the report reads the table only when the viewer's
 * zone is every connection's and the rows' zone is theirs (a connection whose timezone changed is read
 * from the subscription tables until its next rebuild).
 *
 * Kept with the subscription tables: the refresh that recomputes some purchases' subscription rows
 * (refreshSubscriptionCyclesSql) stages their rows and takes their counts out before (under their stamps),
 * counts the new rows it fills into the stages (under new stamps from `purchases`), nets the two by each
 * row's own columns (what did not change cancels), then adds the difference to the tables by key, never reading a whole table but to stage the rows it deletes; a purchase
 * record written (ledger-writer.ts) names its purchase for that refresh as an event does. Rebuilt with the
 * other pre-aggregates (aggregates.ts rebuildAggregatesSql).
 */
import type { SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { RETENTION_STAMPS, SUBSCRIPTION_ATTEMPTS, SUBSCRIPTION_CYCLES, SUBSCRIPTION_STARTS } from './tables.js';

/** Statuses of a purchase that has ended: its next bill date no longer says when a cycle is due (retention.ts ENDED). */
const ENDED_SQL = ['CANCELLED', 'COMPLETE', 'RECYCLE_FAILED', 'ONE_TIME', 'INACTIVE'].map((x) => `'${x}'`).join(', ');

/** The columns a row is counted by, then its counts (summed). */
export const RETENTION_KEYS = ['connection_id', 'zone', 'currency', 'day', 'product_id', 'part', 'last_ok', 'last_try', 'ok_day', 'cancelled', 'next_bill', 'cycle', 'days', 'saved_by', 'retry', 'outcome'] as const;
export const RETENTION_COUNTS = ['cnt', 'soft', 'recycling', 'lost', 'saved_soft', 'refunds', 'refund_cents', 'chargebacks', 'cb_cents', 'sales', 'sales_cents', 'reversed_cents'] as const;
const KEYS = RETENTION_KEYS.join(', ');
const SUMS = (sign: string) => RETENTION_COUNTS.map((c) => `${sign}SUM(${c}) AS ${c}`).join(', ');

/** The initial sale's attribution a subscription row carries besides its product (the families' columns). */
export const RETENTION_ATTRIBUTION = ['campaign_id', 'aff_id', 'source_value1', 'merchant_id', 'coupon_code'] as const;
/**
 * The breakdowns retention_groups keeps (migration 29), each the attribution columns its rows carry (the
 * others NULL): a report grouped or filtered by these dimensions, the connection and the product reads the
 * family's rows. The affiliate keeps its sub-affiliate (the CRM's "source", affiliate > sub-affiliate).
 */
export const RETENTION_FAMILIES = {
  campaign: ['campaign_id'],
  affiliate: ['aff_id', 'source_value1'],
  mid: ['merchant_id'],
  coupon: ['coupon_code'],
} as const satisfies Record<string, readonly (typeof RETENTION_ATTRIBUTION)[number][]>;
export type RetentionFamily = keyof typeof RETENTION_FAMILIES;
/** retention_groups' key: retention_days' with the family and its values. */
const GROUP_KEY_COLUMNS: readonly string[] = [...RETENTION_KEYS, 'family', ...RETENTION_ATTRIBUTION];
const GROUP_KEYS = GROUP_KEY_COLUMNS.join(', ');
/** retention_days' rows in agg_retention_delta: family ''. */
const PLAIN = "''";

/** Where contributionsSql reads the subscription rows and their stamps: tables, or subqueries (with their alias added). */
interface Sources { starts: string; cycles: string; attempts: string; stamps: string }
const TABLES: Sources = { starts: 'subscription_starts', cycles: 'subscription_cycles', attempts: 'subscription_attempts', stamps: 'retention_stamps' };

/**
 * The rows each purchase adds, one per start, gap, counted cycle, cycle with money, and rebill attempt,
 * ungrouped: of the purchases `scope` joins (a join clause on alias `x`, the subscription table's row), under
 * their stamps (alias st). Each row's days are its instants' calendar days in the stamp's zone: the start's
 * (`day`), the last approval's (`ok_day`, of a kind), and the days between two instants (`days`: a gap's
 * from the previous approval to the first attempt, a retry's from the attempt before).
 */
function contributionsSql(d: SqlDialect, scope: string, from: Sources = TABLES): string {
  const stamped = (table: Exclude<keyof Sources, 'stamps'>, alias: string) => `${from[table]} ${alias} ${scope.replaceAll('x.', `${alias}.`)} JOIN ${from.stamps} st ON st.connection_id = ${alias}.connection_id AND st.purchase_id = ${alias}.purchase_id`;
  type Column = 'last_ok' | 'last_try' | 'cancelled' | 'next_bill' | 'cycle' | 'saved_by' | 'retry' | 'outcome' | 'at_i' | 'before_i' | (typeof RETENTION_COUNTS)[number];
  const own = ['last_ok', 'last_try', 'cancelled', 'next_bill', 'cycle', 'saved_by', 'retry', 'outcome', 'at_i', 'before_i'] as const;
  const type = (k: string) => (k === 'next_bill' || k === 'outcome' ? 'TEXT' : k === 'at_i' || k === 'before_i' ? d.columnType('instant') : 'INTEGER');
  // `at_i` and `before_i`: the instants of ok_day (at_i) or of days (at_i minus before_i).
  const row = (alias: string, part: string, v: Partial<Record<Column, string>>) =>
    `SELECT ${alias}.connection_id, st.zone, ${alias}.currency, ${alias}.started_at, ${alias}.product_id, ${RETENTION_ATTRIBUTION.map((c) => `${alias}.${c}`).join(', ')}, '${part}' AS part, ${own.map((k) => `CAST(${v[k] ?? 'NULL'} AS ${type(k)}) AS ${k}`).join(', ')},
       ${RETENTION_COUNTS.map((c) => `CAST(${v[c] ?? (c === 'cnt' ? '1' : '0')} AS BIGINT) AS ${c}`).join(', ')}`;
  const declined = 'a.ok_at IS NULL AND a.last_ok < a.cycle';
  const recycling = 'a.ok_at IS NULL AND a.last_ok = a.cycle - 1 AND st.recycling = 1';
  const rows = [
    // The subscription: what decides when its cycles fall due.
    `${row('s', 'kind', { last_ok: 's.last_ok', last_try: 's.last_try', at_i: 's.last_ok_at', cancelled: 'st.cancelled', next_bill: 'st.next_bill' })} FROM ${stamped('starts', 's')}`,
    // A cycle's gap from the previous cycle's approval (the gap book's rows).
    `${row('a', 'gap', { cycle: 'a.cycle', at_i: 'a.first_at', before_i: 'a.prev_ok_at' })} FROM ${stamped('cycles', 'a')}
     WHERE a.cycle >= 2 AND a.attempts > 0 AND a.prev_ok_at IS NOT NULL`,
    // A cycle saved by a retry or declined (the others count nothing here).
    `${row('a', 'cycle', {
      cycle: 'a.cycle', saved_by: 'CASE WHEN a.ok_retry > 0 THEN a.ok_retry END',
      soft: `CASE WHEN ${declined} AND a.last_soft = 1 THEN 1 ELSE 0 END`,
      recycling: `CASE WHEN ${declined} AND a.last_soft = 1 AND ${recycling} THEN 1 ELSE 0 END`,
      lost: `CASE WHEN ${declined} AND a.first_soft = 1 AND NOT (a.last_soft = 1 AND ${recycling}) THEN 1 ELSE 0 END`,
      saved_soft: 'CASE WHEN a.ok_retry > 0 AND a.first_soft = 1 THEN 1 ELSE 0 END',
    })} FROM ${stamped('cycles', 'a')} WHERE a.attempts > 0 AND (a.ok_retry > 0 OR (${declined}))`,
    // The refunds and chargebacks of a cycle's charge.
    `${row('a', 'money', {
      cycle: 'a.cycle', refunds: 'CASE WHEN a.refunds > 0 THEN 1 ELSE 0 END', refund_cents: 'a.refund_cents', chargebacks: 'CASE WHEN a.chargebacks > 0 THEN 1 ELSE 0 END', cb_cents: 'a.chargeback_cents',
    })} FROM ${stamped('cycles', 'a')} WHERE a.refunds <> 0 OR a.refund_cents <> 0 OR a.chargebacks <> 0 OR a.chargeback_cents <> 0`,
    // A rebill's money (cycle 2 and later, migration 28): its approved sales, their gross, and what was taken
    // back from them (the Forecast's observed net per paid rebill).
    `${row('a', 'rebill', { cycle: 'a.cycle', sales: 'a.sales', sales_cents: 'a.sales_cents', reversed_cents: 'a.reversed_cents' })} FROM ${stamped('cycles', 'a')}
     WHERE a.cycle >= 2 AND (a.sales <> 0 OR a.sales_cents <> 0 OR a.reversed_cents <> 0)`,
    // A rebill attempt, by retry and outcome, with the days since the attempt before.
    `${row('t', 'retry', { retry: 't.retry', outcome: 't.outcome', at_i: 't.instant', before_i: 't.prev_at' })} FROM ${stamped('attempts', 't')}
     WHERE t.cycle >= 2`,
  ].join('\n     UNION ALL ');
  // Days since 1970-01-01 of an instant's calendar date in the row's zone. PostgreSQL converts each row;
  // DuckDB's zone conversion costs too much per row (about 10 µs: four minutes for the 25 million instants of a 10,000,000-transaction store), so it
  // converts each distinct 15-minute UTC slot of the rows (zones move their offsets on such boundaries)
  // once and adds the offset to every instant of the slot.
  const dayNumber = (date: string) => `CAST(CAST(${date} AS DATE) - DATE '1970-01-01' AS INTEGER)`;
  const counted = (day: (column: string) => string, from: string) => `SELECT r.connection_id, r.zone, r.currency, ${day('started_at')} AS day, r.product_id, ${RETENTION_ATTRIBUTION.map((c) => `r.${c}`).join(', ')}, r.part, r.last_ok, r.last_try,
       CASE WHEN r.part = 'kind' THEN ${day('at_i')} END AS ok_day, r.cancelled, r.next_bill, r.cycle, CASE WHEN r.part = 'kind' THEN NULL ELSE ${day('at_i')} - ${day('before_i')} END AS days,
       r.saved_by, r.retry, r.outcome, ${RETENTION_COUNTS.map((c) => `r.${c}`).join(', ')}
     FROM ${from}`;
  if (d.name !== 'duckdb') return counted((c) => dayNumber(d.localTimestamp(`r.${c}`, 'r.zone')), `(${rows}) r`);
  const offsets = `SELECT zone, q, ${d.localTimestamp('q', 'zone')} - q AS o FROM (SELECT DISTINCT zone, ${d.slot('i')} AS q FROM (
         SELECT zone, started_at AS i FROM r0 UNION ALL SELECT zone, at_i FROM r0 WHERE at_i IS NOT NULL UNION ALL SELECT zone, before_i FROM r0 WHERE before_i IS NOT NULL) i) q`;
  return `WITH r0 AS MATERIALIZED (${rows}), o AS MATERIALIZED (${offsets})
     ${counted((c) => dayNumber(`r.${c} + o_${c}.o`), `r0 r ${['started_at', 'at_i', 'before_i'].map((c) => `LEFT JOIN o o_${c} ON o_${c}.zone = r.zone AND o_${c}.q = ${d.slot(`r.${c}`)}`).join(' ')}`)}`;
}

/**
 * The stamps of the purchases with a start that `scope` joins (on alias x: subscription_starts): the
 * connection's zone, the purchase record's terms as the report reads them. `recycling` is NULL without a
 * status (no record): the report's test of it is then neither true nor false, as it was on `purchases`.
 */
function stampsSql(scope: string, starts = 'subscription_starts', into = 'retention_stamps'): string {
  return `INSERT INTO ${into} (connection_id, purchase_id, zone, cancelled, next_bill, recycling)
     SELECT s.connection_id, s.purchase_id, ${TERMS.zone}, ${TERMS.cancelled},
       ${TERMS.next_bill},
       ${TERMS.recycling}
     FROM ${starts} s ${scope.replaceAll('x.', 's.')}
     JOIN connections c ON c.connection_id = s.connection_id
     LEFT JOIN purchases pu ON pu.connection_id = s.connection_id AND pu.purchase_id = s.purchase_id`;
}

/** A stamp's values from the connection (c) and the purchase record (pu). */
const TERMS = {
  zone: 'c.timezone',
  cancelled: "CASE WHEN UPPER(pu.status) = 'CANCELLED' THEN 1 ELSE 0 END",
  next_bill: `CASE WHEN UPPER(pu.status) IN (${ENDED_SQL}) OR pu.next_bill_date IS NULL THEN NULL ELSE SUBSTR(CAST(pu.next_bill_date AS TEXT), 1, 10) END`,
  recycling: "CASE WHEN pu.status IS NULL THEN NULL WHEN REPLACE(UPPER(TRIM(pu.status)), ' ', '_') = 'RECYCLE_BILLING' THEN 1 ELSE 0 END",
};

/** A row's own columns: retention_days' key and the initial sale's attribution (what every family is summed from). */
const OWN = `${KEYS}, ${RETENTION_ATTRIBUTION.join(', ')}`;
/** The fine sums of `rows` (contributionsSql), with `sign`: the rows of a subscription's cycles alike become one. */
const fineSql = (rows: string, sign: '' | '-') => `SELECT ${OWN}, ${SUMS(sign)} FROM (${rows}) x GROUP BY ${OWN}`;
/** Whether a sum of counts changes anything (a net delta may count no row and still move money). */
const ANY_SUM = RETENTION_COUNTS.map((c) => `SUM(${c}) <> 0`).join(' OR ');
/**
 * The refresh's fine sums of the counts taken out (countsOutSql), kept in agg_retention_delta under this
 * family until the counts come back in (countsInSql): the two are netted there before any family's copy.
 */
const OUT = "'~'";

/**
 * Grouped counts of fine sums (`fine`: fineSql's columns) into agg_retention_delta, once per family and
 * once plain (family ''): each fine sum is counted under every family, its columns the family's, and
 * summed again (five times the sums rather than five times the rows); sums that change nothing left out.
 */
function countsIntoDelta(fine: string): string {
  const families = Object.entries(RETENTION_FAMILIES) as [RetentionFamily, readonly string[]][];
  const column = (c: string) => `CASE ${families.filter(([, cols]) => cols.includes(c)).map(([f]) => `WHEN f.family = '${f}' THEN y.${c}`).join(' ')} END AS ${c}`;
  const expanded = `SELECT ${RETENTION_KEYS.map((k) => `y.${k}`).join(', ')}, f.family, ${RETENTION_ATTRIBUTION.map(column).join(', ')}, ${RETENTION_COUNTS.map((c) => `y.${c}`).join(', ')}
     FROM (${fine}) y CROSS JOIN (VALUES (${PLAIN}), ${families.map(([f]) => `('${f}')`).join(', ')}) f(family)`;
  return `INSERT INTO agg_retention_delta (${GROUP_KEYS}, ${RETENTION_COUNTS.join(', ')}) SELECT ${GROUP_KEYS}, ${SUMS('')} FROM (${expanded}) x GROUP BY ${GROUP_KEYS} HAVING ${ANY_SUM}`;
}

/**
 * The counts in (rows) less the counts out staged before (family OUT), netted by their own columns: a
 * touched purchase's rows that did not change (its earlier cycles, mostly) cancel here, so only what
 * changed is copied to the families and merged (an incremental sync's delta: a few rows per purchase, not
 * twice all of them).
 */
const netSql = (rows: string) => `SELECT ${OWN}, ${SUMS('')} FROM (
       SELECT ${OWN}, ${RETENTION_COUNTS.join(', ')} FROM agg_retention_delta WHERE connection_id = $1 AND family = ${OUT}
       UNION ALL ${fineSql(rows, '')}) n
     GROUP BY ${OWN} HAVING ${ANY_SUM}`;

/**
 * agg_retention_delta's rows (of connection $1, or every connection) summed into the two tables: retention_days'
 * (family '') and retention_groups', each row with its key's hash (`kh`, SqlDialect.keyHash: what the merge
 * finds it by), the latter in report order when `ordered` (the rebuild's whole table; a refresh appends a few
 * rows, whose sort would cost it a third of its merge).
 */
const fromDeltaSql = (d: SqlDialect, where: string, ordered: boolean) => [
  `INSERT INTO retention_days (${KEYS}, ${RETENTION_COUNTS.join(', ')}, kh) SELECT ${KEYS}, ${SUMS('')}, ${d.keyHash(RETENTION_KEYS)} FROM agg_retention_delta WHERE ${where} AND family = ${PLAIN} GROUP BY ${KEYS} HAVING SUM(cnt) <> 0`,
  // In the order a report reads them (a family's part over a range of days): DuckDB's zone maps and
  // PostgreSQL's bitmap scans then read a report's rows, not every row group or page (by MID at 10M,
  // 169-232 ms against 254-315 on DuckDB; 0.97-1.05 s against 1.95-2.3 on PostgreSQL).
  `INSERT INTO retention_groups (${GROUP_KEYS}, ${RETENTION_COUNTS.join(', ')}, kh) SELECT ${GROUP_KEYS}, ${SUMS('')}, ${d.keyHash(GROUP_KEY_COLUMNS)} FROM agg_retention_delta WHERE ${where} AND family <> ${PLAIN} GROUP BY ${GROUP_KEYS} HAVING SUM(cnt) <> 0${ordered ? `
     ORDER BY family, part, day` : ''}`,
];

/**
 * Statements that rebuild the three tables (stamps, counts, counts by family) from the subscription tables
 * and purchases (run after those are rebuilt): of every connection, or (byConnection) of the connection
 * given as $1. The counts are made once, into the delta, then copied to their tables.
 */
export function rebuildRetentionDaysSql(d: SqlDialect, byConnection: boolean): string[] {
  const scope = byConnection ? 'JOIN connections k ON k.connection_id = $1 AND x.connection_id = $1' : '';
  const where = byConnection ? 'connection_id = $1' : 'TRUE';
  return [
    `DELETE FROM retention_days WHERE ${where}`,
    `DELETE FROM retention_groups WHERE ${where}`,
    `DELETE FROM retention_stamps WHERE ${where}`,
    `DELETE FROM agg_retention_delta WHERE ${where}`,
    stampsSql(scope),
    countsIntoDelta(fineSql(contributionsSql(d, scope), '')),
    ...fromDeltaSql(d, where, true),
    `DELETE FROM agg_retention_delta WHERE ${where}`,
  ];
}

/** The touched purchases of connection $1 (refreshSubscriptionCyclesSql's agg_touched_purchases), as a join on alias x. */
const TOUCHED = 'JOIN agg_touched_purchases k ON k.connection_id = $1 AND x.connection_id = $1 AND k.purchase_id = x.purchase_id';

/** The refresh's stages of the touched purchases' rows of each subscription table (migration 21), by the table's name. */
export const RETENTION_STAGES = { subscription_starts: 'agg_touched_starts', subscription_cycles: 'agg_touched_cycles', subscription_attempts: 'agg_touched_attempts' } as const;
type SubscriptionTable = keyof typeof RETENTION_STAGES;
const STAGED = Object.keys(RETENTION_STAGES) as SubscriptionTable[];
const SPECS = { subscription_starts: SUBSCRIPTION_STARTS, subscription_cycles: SUBSCRIPTION_CYCLES, subscription_attempts: SUBSCRIPTION_ATTEMPTS };
const COLUMNS = (t: SubscriptionTable) => SPECS[t].columns.map((c) => c.name);
/**
 * What the counts may read of a row staged before: all but the customer and whether it is the last
 * attempt (fewer columns, a cheaper pass on DuckDB, which decompresses each projected column of every row
 * before the join drops it); the attribution is read since the counts are kept by family (migration 29).
 */
const COUNTED = (t: SubscriptionTable) => COLUMNS(t).filter((c) => !['customer_id', 'is_last'].includes(c));
const stage = (t: string) => `(SELECT * FROM ${t} WHERE connection_id = $1)`;
/** The stages as contributionsSql's sources. */
const STAGES: Sources = {
  starts: stage('agg_touched_starts'), cycles: stage('agg_touched_cycles'), attempts: stage('agg_touched_attempts'), stamps: stage('agg_touched_stamps'),
};
const STAMPS = RETENTION_STAMPS.columns.map((c) => c.name).join(', ');
const emptyStages = [...STAGED.map((t) => RETENTION_STAGES[t]), 'agg_touched_stamps'].map((t) => `DELETE FROM ${t} WHERE connection_id = $1`);

/**
 * Run by the refresh instead of deleting the touched purchases' subscription rows: the rows are staged
 * (one pass over each table, reading only what the counts read) with their stamps, their counts leave
 * (staged in agg_retention_delta, negated, as fine sums: family OUT), then the rows go (by the rowids staged on DuckDB, a pass over
 * the rowids alone; by the touched purchases on PostgreSQL, through the tables' keys) and so do the stamps.
 * The stages are emptied for the rows the refresh fills into them (stagedRowsSql copies them to the tables).
 */
export function retentionDaysBeforeSql(d: SqlDialect): string[] {
  const duck = d.name === 'duckdb';
  return [
    ...countsOutSql(d),
    ...STAGED.map((t) => duck
      ? `DELETE FROM ${t} WHERE connection_id = $1 AND rowid IN (SELECT rid FROM ${RETENTION_STAGES[t]} WHERE connection_id = $1)`
      : `DELETE FROM ${t} USING agg_touched_purchases k WHERE ${t}.connection_id = $1 AND k.connection_id = $1 AND k.purchase_id = ${t}.purchase_id`),
    ...emptyStages,
  ];
}

/** The touched purchases' rows and stamps staged, their counts out (negated fine sums, in agg_retention_delta under family OUT), their stamps deleted. */
function countsOutSql(d: SqlDialect): string[] {
  const duck = d.name === 'duckdb';
  return [
    ...STAGED.map((t) => `INSERT INTO ${RETENTION_STAGES[t]} (${COUNTED(t).join(', ')}, rid) SELECT ${COUNTED(t).map((c) => `x.${c}`).join(', ')}, ${duck ? 'x.rowid' : 'NULL'} FROM ${t} x ${TOUCHED}`),
    `INSERT INTO agg_touched_stamps (${STAMPS}, rid) SELECT ${STAMPS.split(', ').map((c) => `x.${c}`).join(', ')}, ${duck ? 'x.rowid' : 'NULL'} FROM retention_stamps x ${TOUCHED}`,
    `INSERT INTO agg_retention_delta (${OWN}, family, ${RETENTION_COUNTS.join(', ')}) SELECT ${OWN}, ${OUT}, ${RETENTION_COUNTS.join(', ')} FROM (${fineSql(contributionsSql(d, '', STAGES), '-')}) x`,
    duck
      ? 'DELETE FROM retention_stamps WHERE connection_id = $1 AND rowid IN (SELECT rid FROM agg_touched_stamps WHERE connection_id = $1)'
      : 'DELETE FROM retention_stamps USING agg_touched_purchases k WHERE retention_stamps.connection_id = $1 AND k.connection_id = $1 AND k.purchase_id = retention_stamps.purchase_id',
  ];
}

/**
 * The purchases staged in agg_touched_purchases (RESTAMPED_SQL: a record written, not its events): only
 * their stamps and counts change, not their subscription rows. Their rows are staged and counted out
 * under their old stamps, stamped again from `purchases`, and counted back in from the same stages (a
 * refresh without the events, the deletes and the fill).
 */
export function restampSql(d: SqlDialect): string[] {
  return [
    ...countsOutSql(d),
    'DELETE FROM agg_touched_stamps WHERE connection_id = $1',
    ...countsInSql(d),
    'DELETE FROM agg_touched_purchases WHERE connection_id = $1',
  ];
}

/**
 * Stages in agg_touched_purchases the marked purchases of connection $1 to restamp: those with a stamp
 * whose record now says otherwise (or whose connection changed zone), and not dirty (recomputed whole).
 */
const RESTAMPED_SQL = `INSERT INTO agg_touched_purchases (connection_id, purchase_id) SELECT r.connection_id, r.purchase_id FROM purchases_restamp r
     JOIN retention_stamps st ON st.connection_id = $1 AND st.purchase_id = r.purchase_id
     JOIN connections c ON c.connection_id = $1
     LEFT JOIN purchases pu ON pu.connection_id = $1 AND pu.purchase_id = r.purchase_id
     WHERE r.connection_id = $1 AND NOT EXISTS (SELECT 1 FROM purchases_dirty p WHERE p.connection_id = $1 AND p.purchase_id = r.purchase_id)
       AND (${(Object.keys(TERMS) as (keyof typeof TERMS)[]).map((k) => `st.${k} IS DISTINCT FROM ${TERMS[k]}`).join(' OR ')})`;

/** Restamps connection $1's marked purchases whose terms changed (restampSql), then empties the marks. */
async function restamp(ctx: StoreContext, connectionId: string): Promise<void> {
  await ctx.db.exec(RESTAMPED_SQL, [connectionId]);
  const [r] = await ctx.db.query('SELECT COUNT(*) AS n FROM agg_touched_purchases WHERE connection_id = $1', [connectionId]);
  if (Number(r?.n ?? 0) > 0) for (const sql of restampSql(ctx.db.sql)) await ctx.db.exec(sql, [connectionId]);
  await ctx.db.exec(CLEAR_RESTAMP_SQL, [connectionId]);
}

/**
 * A write of these purchase records (inside its transaction): their stamps and counts made again now, or
 * (defer) the purchases marked for the refresh (facts.ts refreshDirty runs restampSql).
 */
export async function restampPurchases(ctx: StoreContext, connectionId: string, purchases: ReadonlySet<string>, defer: boolean): Promise<void> {
  if (purchases.size === 0) return;
  await ctx.db.exec(`INSERT INTO purchases_restamp (connection_id, purchase_id) SELECT $1, x.id FROM (${await ctx.db.textSet('key', [...purchases])}) AS x(id) ON CONFLICT DO NOTHING`, [connectionId]);
  if (!defer) await restamp(ctx, connectionId);
}

/** The statements that copy the touched purchases' rows, filled into the stages, to the subscription tables. */
export function stagedRowsSql(): string[] {
  return STAGED.map((t) => `INSERT INTO ${t} (${COLUMNS(t).join(', ')}) SELECT ${COLUMNS(t).join(', ')} FROM ${RETENTION_STAGES[t]} WHERE connection_id = $1`);
}

/**
 * Run by the refresh after the touched purchases' subscription rows are filled again (into the stages):
 * their new stamps (staged, then copied), their counts from the stages, then the merge by key: the
 * table's rows of the keys the delta names (found by their key's hash) join it, leave the table, and come
 * back summed (a key counting nothing is dropped). Its cost follows the touched purchases and the keys they count under, not the days
 * they touch.
 */
export function retentionDaysAfterSql(d: SqlDialect): string[] {
  return countsInSql(d);
}

/** The staged purchases' new stamps (staged, then copied), their counts in from the stages netted with those out (netSql), the merge by key into both tables; the stages emptied. */
function countsInSql(d: SqlDialect): string[] {
  const duck = d.name === 'duckdb';
  // The merge of one table: its rows of the keys the delta names (family '' for retention_days), found by
  // their key's hash (one column read of every row, not the key's sixteen or twenty-two), are copied to the
  // delta (with their rowid on DuckDB), leave the table, and come back summed. A row of another key with the
  // same hash goes out and comes back unchanged; the copy and the delete find the same rows (the copy adds
  // no hash to the delta's).
  const merge = (table: 'retention_days' | 'retention_groups') => {
    const plain = table === 'retention_days';
    const cols = plain ? RETENTION_KEYS : GROUP_KEY_COLUMNS;
    const family = `family ${plain ? '=' : '<>'} ${PLAIN}`;
    const hashes = `(SELECT DISTINCT ${d.keyHash(cols)} FROM agg_retention_delta WHERE connection_id = $1 AND ${family})`;
    return [
      `INSERT INTO agg_retention_delta (${[...cols, ...(plain ? ['family'] : []), ...RETENTION_COUNTS].join(', ')}, rid)
     SELECT ${[...cols.map((c) => `r.${c}`), ...(plain ? [PLAIN] : []), ...RETENTION_COUNTS.map((c) => `r.${c}`)].join(', ')}, ${duck ? 'r.rowid' : 'NULL'}
     FROM ${table} r WHERE r.connection_id = $1 AND r.kh IN ${hashes}`,
      duck
        ? `DELETE FROM ${table} WHERE connection_id = $1 AND rowid IN (SELECT rid FROM agg_retention_delta WHERE connection_id = $1 AND ${family} AND rid IS NOT NULL)`
        : `DELETE FROM ${table} WHERE connection_id = $1 AND kh IN ${hashes}`,
    ];
  };
  return [
    stampsSql('', stage('agg_touched_starts'), 'agg_touched_stamps'),
    `INSERT INTO retention_stamps (${STAMPS}) SELECT ${STAMPS} FROM agg_touched_stamps WHERE connection_id = $1`,
    countsIntoDelta(netSql(contributionsSql(d, '', STAGES))),
    `DELETE FROM agg_retention_delta WHERE connection_id = $1 AND family = ${OUT}`,
    ...merge('retention_days'),
    ...merge('retention_groups'),
    ...fromDeltaSql(d, 'connection_id = $1', false),
    'DELETE FROM agg_retention_delta WHERE connection_id = $1',
    ...emptyStages,
  ];
}

/** Run by the refresh (facts.ts refreshDirty) before the dirty purchases': restampSql when connection $1 has marks. */
export async function restampMarked(ctx: StoreContext, connectionId: string): Promise<void> {
  const [r] = await ctx.db.query('SELECT COUNT(*) AS n FROM purchases_restamp WHERE connection_id = $1', [connectionId]);
  if (Number(r?.n ?? 0) > 0) await restamp(ctx, connectionId);
}

/** Empties connection $1's marks (the end-of-backfill rebuild stamps every purchase again). */
export const CLEAR_RESTAMP_SQL = 'DELETE FROM purchases_restamp WHERE connection_id = $1';
