/**
 * cohort_group_sizes and cohort_group_ages (tables.ts, migration 30; docs/store.md, "Cohorts by
 * breakdown"): cohort_slots and cohort_ages per breakdown dimension of a customer (first touch: the facts'
 * columns; every breakdown but the connection and the billing cycle) and value, so that cohort LTV by
 * month with a breakdown (analytics/cohorts.ts cohortReportFromGroups) reads them instead of joining the
 * facts to the ledger. A customer is in exactly one value of each dimension (an absent value is stored as
 * NONE_NUMBER or NONE_TEXT, as breakdown_days does).
 *
 * Keyed not by the 15-minute first-sale slot (at 10,000,000 transactions that is about one row per
 * customer and age: 7,000,000 rows for the affiliate alone) but by the month key of cohort-months.ts
 * (monthKeyOf: the core of a UTC month, which is one calendar month in every zone, or the 15-minute slot
 * in the 26-hour band around a month start): about 250,000 age rows for the affiliate. A month report
 * reads the keys inside its range and the first sales outside whole keys (a range bound inside a core) from
 * the ledger.
 *
 * Kept as cohort_slots and cohort_ages are (aggregates.ts), in the write's transaction: an event added or
 * removed moves its age cell of every dimension under its customer's facts as they stand (GroupAgeDeltas,
 * the customer's first-touch values read with their first sale: Facts.firstSalesSql); a customer whose
 * facts a refresh recomputed moves, when those facts changed, their whole age contribution out under the
 * old facts and in under the new (moveGroupAges; one whose facts stayed the same was moved by the events
 * already) and their size cells (applyGroupSizes: counts are deltas, a latest first sale grows by
 * GREATEST, and a key that lost a customer is recomputed from the facts); rebuilt by rebuildCohortGroupsSql.
 */
import { DIMENSION_SPECS, measureSql, moneySql, netOf, type Dimension } from '../ledger/index.js';
import { DAY } from '../core/time.js';
import { CUSTOMER_DIMENSIONS, DAY_DIMENSIONS, groupedKeySql, keyValue } from './breakdown-days.js';
import { coreEnd, coreStart, monthKeyOf, monthKeySql } from './cohort-months.js';
import { ageDaysSql, type SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { SLOT_MS, type EventFacts, type FirstSale } from './slots.js';
import { addCountCells } from './attempt-days.js';
import { COHORT_GROUP_AGES, COHORT_GROUP_SIZES, type Row, type TableSpec } from './tables.js';

/** The dimensions kept: a customer's first-touch ones (the facts' columns). */
export const GROUP_DIMENSIONS: readonly Dimension[] = CUSTOMER_DIMENSIONS;

/** A customer's first-touch values by dimension, as the facts hold them. */
export type GroupValues = Partial<Record<Dimension, unknown>>;

/** The first-touch values of a facts row read with its fact columns (DIMENSION_SPECS[d].fact). */
export function groupValuesOf(r: Record<string, unknown>): GroupValues {
  return Object.fromEntries(GROUP_DIMENSIONS.map((d) => [d, r[DIMENSION_SPECS[d].fact as string] ?? null]));
}

/**
 * The facts' first-touch columns as orderSalesSql's value columns (v0.., DAY_DIMENSIONS' order, NULL for
 * the billing cycle, which the facts do not hold): a customer's first sale row (Facts.firstSalesSql) goes
 * in the same UNION ALL as the orders' sales.
 */
export const FACT_SALE_VALUES = DAY_DIMENSIONS.map((d, i) => {
  const s = DIMENSION_SPECS[d];
  return `CAST(${s.fact ?? 'NULL'} AS ${s.numeric ? 'BIGINT' : 'TEXT'}) AS v${i}`;
}).join(', ');

/** The first-touch values of a row read with FACT_SALE_VALUES. */
export function groupValuesOfSale(r: Record<string, unknown>): GroupValues {
  return Object.fromEntries(GROUP_DIMENSIONS.map((d) => [d, r[`v${DAY_DIMENSIONS.indexOf(d)}`] ?? null]));
}

/** The [lo, hi) instants (epoch ms) of the first sales a month key stands for. */
export function keyWindow(key: number): [number, number] {
  return key === coreStart(key) ? [key, coreEnd(key)] : [key, key + SLOT_MS];
}

const AGE_KEY = COHORT_GROUP_AGES.key.slice(1);
const SIZE_KEY = COHORT_GROUP_SIZES.key.slice(1);

/** Deltas of cohort_group_ages cells (one connection). */
export class GroupAgeDeltas {
  private readonly cells = new Map<string, Row>();

  /** An event of a customer (first sale `first`, first touch `values`) added (+1) or removed (-1): as AgeDeltas, per dimension. */
  event(first: FirstSale, values: GroupValues, e: EventFacts, sign: 1 | -1): void {
    if (e.currency !== first.currency || first.acquiredBefore) return;
    const net = sign * netOf(e);
    if (net === 0) return;
    const key = monthKeyOf(first.ms);
    const age = Math.floor((e.instant - first.ms) / DAY);
    for (const d of GROUP_DIMENSIONS) {
      const [num, text] = keyValue(d, values[d]);
      const k = JSON.stringify([first.currency, d, num, text, key, age]);
      const c = this.cells.get(k) ?? { currency: first.currency, dimension: d, num_value: num, text_value: text, cohort_key: key, age_days: age, net_cents: 0 };
      c.net_cents = Number(c.net_cents) + net;
      this.cells.set(k, c);
    }
  }

  rows(connectionId: string): Row[] {
    return [...this.cells.values()].filter((c) => c.net_cents !== 0).map((c) => ({ connection_id: connectionId, ...c }));
  }
}

/** Adds GroupAgeDeltas rows to cohort_group_ages, dropping cells left at zero. */
export async function applyGroupAgeDeltas(ctx: StoreContext, connectionId: string, deltas: GroupAgeDeltas): Promise<void> {
  await addCountCells(ctx, COHORT_GROUP_AGES, AGE_KEY, connectionId, deltas.rows(connectionId), ['net_cents']);
}

/** The fact columns under the ledger's names (what groupedKeySql groups), alias f. */
const FACT_VALUES = GROUP_DIMENSIONS.map((d) => `f.${DIMENSION_SPECS[d].fact} AS ${DIMENSION_SPECS[d].event}`).join(', ');
const sets = (lead: string) => GROUP_DIMENSIONS.map((d) => `(${lead}, ${DIMENSION_SPECS[d].event})`).join(', ');

/** Facts (`facts`: customer_facts or rows of its columns) joined to their customers' money events in the customer's currency, as cohort_ages' (aliases f and e). */
const factEvents = (facts = 'customer_facts f') =>
  `${facts} JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND ${moneySql('e')} AND NOT f.acquired_before`;

/** cohort_group_ages rows (table order) of the facts and events matching `where` (aliases f, e), net times `sign`. */
function agesSql(d: SqlDialect, where: string, sign = '', facts?: string): string {
  const k = groupedKeySql(GROUP_DIMENSIONS);
  // Per customer-level cell first (one pass of the join), then one grouping set per dimension.
  return `SELECT connection_id, currency, ${k.dimension} AS dimension, ${k.num} AS num_value, ${k.text} AS text_value, cohort_key, age_days, ${sign}SUM(net_cents) AS net_cents
     FROM (SELECT f.connection_id, f.currency, ${monthKeySql(d, 'f.first_sale_at')} AS cohort_key, ${ageDaysSql(d, 'e.instant', 'f.first_sale_at')} AS age_days, ${FACT_VALUES}, ${measureSql('net', 'e')} AS net_cents
       FROM ${factEvents(facts)} WHERE ${where} GROUP BY 1, 2, 3, 4, ${GROUP_DIMENSIONS.map((_, i) => i + 5).join(', ')}) c
     GROUP BY GROUPING SETS (${sets('connection_id, currency, cohort_key, age_days')})`;
}

/** cohort_group_sizes rows (table order) of the facts matching `where` (alias f), `from` joined as given. */
function sizesSql(d: SqlDialect, from: string, where: string, key = monthKeySql(d, 'f.first_sale_at')): string {
  const k = groupedKeySql(GROUP_DIMENSIONS);
  return `SELECT connection_id, currency, ${k.dimension} AS dimension, ${k.num} AS num_value, ${k.text} AS text_value, cohort_key, COUNT(*) AS customers, MAX(first_sale_at) AS last_first_sale_at
     FROM (SELECT f.connection_id, f.currency, ${key} AS cohort_key, f.first_sale_at, ${FACT_VALUES} FROM ${from} WHERE ${where} AND NOT f.acquired_before) c
     GROUP BY GROUPING SETS (${sets('connection_id, currency, cohort_key')})`;
}

/**
 * The whole cohort_group_ages contribution (their events under the facts given) of the customers of
 * connection $1 whose facts are `facts` (FROM items with alias f: customer_facts, or rows of its columns),
 * added to agg_group_age_delta with `sign` (as stageCustomerAgesSql).
 */
function stageGroupAgesSql(d: SqlDialect, facts: string, where: string, sign: 1 | -1): string {
  const cols = COHORT_GROUP_AGES.columns.map((c) => c.name).join(', ');
  return `INSERT INTO agg_group_age_delta (${cols})
     SELECT * FROM (${agesSql(d, `f.connection_id = $1${where}`, sign === -1 ? '-' : '', facts)}) c
     ON CONFLICT (${COHORT_GROUP_AGES.key.join(', ')}) DO UPDATE SET net_cents = agg_group_age_delta.net_cents + EXCLUDED.net_cents`;
}

/** What a refresh reads back of each customer's facts for moveGroupAges beyond breakdown-days.ts' CUSTOMER_RETURNING (which has the first-touch columns): the customer id as `id`. */
export const GROUP_FACTS_RETURNING = 'customer_id AS id';

/** Rows of customer_facts' columns that decide a customer's cells (the old facts of a refresh, staged). */
const OLD_FACTS: TableSpec = {
  name: 'agg_group_old_facts',
  key: [],
  types: {},
  columns: [
    { name: 'connection_id', type: 'text' },
    { name: 'customer_id', type: 'bigint' },
    { name: 'currency', type: 'text' },
    { name: 'first_sale_at', type: 'instant' },
    { name: 'acquired_before', type: 'bool' },
    ...GROUP_DIMENSIONS.map((d) => ({ name: DIMENSION_SPECS[d].fact as string, type: (DIMENSION_SPECS[d].numeric ? 'bigint' : 'text') as 'bigint' | 'text' })),
  ],
};
const IDS: TableSpec = { name: 'agg_group_ids', key: [], types: {}, columns: [{ name: 'id', type: 'bigint' }] };

/**
 * Moves cohort_group_ages for customers whose facts a refresh recomputed (`before`: the old facts rows, read
 * with f, c, b, CUSTOMER_RETURNING and GROUP_FACTS_RETURNING; `after`: the new): only the customers whose cells change (first
 * sale, currency, acquired before or a first-touch value), out under their old facts and in under their new
 * ones, against the ledger as it stands. A customer whose facts stay the same keeps their cells: the events
 * written since moved them already (GroupAgeDeltas).
 */
export async function moveGroupAges(ctx: StoreContext, connectionId: string, before: readonly Row[], after: readonly Row[]): Promise<void> {
  const keyOf = (r: Row) => JSON.stringify([Number(r.f), r.c, r.b === true, GROUP_DIMENSIONS.map((d) => keyValue(d, r[DIMENSION_SPECS[d].fact as string]))]);
  const oldKeys = new Map(before.map((r) => [Number(r.id), keyOf(r)]));
  const newKeys = new Map(after.map((r) => [Number(r.id), keyOf(r)]));
  const gone = before.filter((r) => r.b !== true && newKeys.get(Number(r.id)) !== keyOf(r));
  const come = after.filter((r) => r.b !== true && oldKeys.get(Number(r.id)) !== keyOf(r));
  if (gone.length === 0 && come.length === 0) return;
  const d = ctx.db.sql;
  if (gone.length > 0) {
    const rows = gone.map((r) => ({
      connection_id: connectionId, customer_id: Number(r.id), currency: r.c, first_sale_at: Number(r.f), acquired_before: false,
      ...Object.fromEntries(GROUP_DIMENSIONS.map((x) => [DIMENSION_SPECS[x].fact as string, r[DIMENSION_SPECS[x].fact as string] ?? null])),
    })) as Row[];
    await ctx.db.exec(stageGroupAgesSql(d, `(${await ctx.db.rowSet(OLD_FACTS, rows)}) f`, '', -1), [connectionId]);
  }
  if (come.length > 0) {
    const ids = await ctx.db.rowSet(IDS, come.map((r) => ({ id: Number(r.id) })));
    await ctx.db.exec(stageGroupAgesSql(d, 'customer_facts f', ` AND f.customer_id IN (SELECT id FROM (${ids}) AS i)`, 1), [connectionId]);
  }
  for (const sql of applyGroupAgeDeltasSql()) await ctx.db.exec(sql, [connectionId]);
}

/** Adds the staged agg_group_age_delta rows of connection $1 to cohort_group_ages, drops cells left at zero, clears the stage. */
export function applyGroupAgeDeltasSql(): string[] {
  const cols = COHORT_GROUP_AGES.columns.map((c) => c.name).join(', ');
  const match = AGE_KEY.map((c) => `d.${c} = cohort_group_ages.${c}`).join(' AND ');
  return [
    `INSERT INTO cohort_group_ages (${cols}) SELECT ${cols} FROM agg_group_age_delta WHERE connection_id = $1 AND net_cents <> 0
     ON CONFLICT (${COHORT_GROUP_AGES.key.join(', ')}) DO UPDATE SET net_cents = cohort_group_ages.net_cents + EXCLUDED.net_cents`,
    `DELETE FROM cohort_group_ages WHERE connection_id = $1 AND net_cents = 0 AND EXISTS (SELECT 1 FROM agg_group_age_delta d WHERE d.connection_id = cohort_group_ages.connection_id AND ${match})`,
    'DELETE FROM agg_group_age_delta WHERE connection_id = $1',
  ];
}

/** A customer's facts as the size maintenance reads them. */
export type GroupFacts = FirstSale & { values: GroupValues };

/** The month keys (with currency) whose sizes are recomputed from the facts: [currency, key, lo, hi]. */
const KEYS_SPEC: TableSpec = { name: 'agg_group_keys', key: [], types: {}, columns: [{ name: 'currency', type: 'text' }, { name: 'cohort_key', type: 'bigint' }, { name: 'lo', type: 'instant' }, { name: 'hi', type: 'instant' }] };

/**
 * Moves cohort_group_sizes for customers whose facts a refresh recomputed (`before` the old facts, `after`
 * the new): per cell the first sales that left and came (a customer whose facts did not change leaves and
 * comes back: nothing moves). A cell that only gained customers adds their count and raises its latest
 * first sale (GREATEST); a month key of which a cell lost one is recomputed from the facts (a MAX is not a delta).
 */
export async function applyGroupSizes(ctx: StoreContext, connectionId: string, before: readonly GroupFacts[], after: readonly GroupFacts[]): Promise<void> {
  const cells = new Map<string, { row: Row; gone: number[]; come: number[] }>();
  const add = (f: GroupFacts, side: 'gone' | 'come') => {
    if (f.acquiredBefore) return;
    const key = monthKeyOf(f.ms);
    for (const d of GROUP_DIMENSIONS) {
      const [num, text] = keyValue(d, f.values[d]);
      const k = JSON.stringify([f.currency, d, num, text, key]);
      let c = cells.get(k);
      if (!c) cells.set(k, (c = { row: { connection_id: connectionId, currency: f.currency, dimension: d, num_value: num, text_value: text, cohort_key: key }, gone: [], come: [] }));
      c[side].push(f.ms);
    }
  };
  for (const f of before) add(f, 'gone');
  for (const f of after) add(f, 'come');
  const recompute = new Map<string, Row>();
  const grow: Row[] = [];
  for (const c of cells.values()) {
    // A first sale that left and came back cancels out (counted, not searched: a cell may hold thousands).
    const back = new Map<number, number>();
    for (const ms of c.come) back.set(ms, (back.get(ms) ?? 0) + 1);
    const gone = c.gone.filter((ms) => {
      const k = back.get(ms) ?? 0;
      if (k === 0) return true;
      back.set(ms, k - 1);
      return false;
    });
    const come = [...back].flatMap(([ms, k]) => Array.from({ length: k }, () => ms));
    const key = Number(c.row.cohort_key);
    if (gone.length > 0) {
      const [lo, hi] = keyWindow(key);
      recompute.set(`${String(c.row.currency)}|${key}`, { currency: c.row.currency as string, cohort_key: key, lo, hi });
    } else if (come.length > 0) grow.push({ ...c.row, customers: come.length, last_first_sale_at: Math.max(...come) });
  }
  const kept = grow.filter((r) => !recompute.has(`${String(r.currency)}|${Number(r.cohort_key)}`));
  if (kept.length > 0) {
    const cols = COHORT_GROUP_SIZES.columns.map((c) => c.name);
    const set = await ctx.db.rowSet(COHORT_GROUP_SIZES, kept);
    await ctx.db.exec(
      `INSERT INTO cohort_group_sizes (${cols.join(', ')}) SELECT CAST($1 AS TEXT), ${cols.slice(1).join(', ')} FROM (${set}) AS d
       ON CONFLICT (${COHORT_GROUP_SIZES.key.join(', ')}) DO UPDATE SET customers = cohort_group_sizes.customers + EXCLUDED.customers,
         last_first_sale_at = GREATEST(cohort_group_sizes.last_first_sale_at, EXCLUDED.last_first_sale_at)`,
      [connectionId],
    );
  }
  if (recompute.size === 0) return;
  const keys = await ctx.db.rowSet(KEYS_SPEC, [...recompute.values()]);
  const cols = COHORT_GROUP_SIZES.columns.map((c) => c.name).join(', ');
  await ctx.db.exec(`DELETE FROM cohort_group_sizes WHERE connection_id = $1 AND EXISTS (SELECT 1 FROM (${keys}) AS d WHERE d.currency = cohort_group_sizes.currency AND d.cohort_key = cohort_group_sizes.cohort_key)`, [connectionId]);
  await ctx.db.exec(
    `INSERT INTO cohort_group_sizes (${cols}) ${sizesSql(ctx.db.sql, `customer_facts f JOIN (${keys}) AS d ON d.currency = f.currency AND f.first_sale_at >= d.lo AND f.first_sale_at < d.hi`, 'f.connection_id = $1', 'd.cohort_key')}`,
    [connectionId],
  );
}

/**
 * Statements that rebuild cohort_group_sizes and cohort_group_ages from customer_facts and money_events: of
 * every connection, or (byConnection) of connection $1; inserted in dimension and key order (a report
 * reads one dimension's run of keys: DuckDB skips the rest by min/max). A cell summing to zero is left out.
 */
export function rebuildCohortGroupsSql(d: SqlDialect, byConnection: boolean): string[] {
  const w = byConnection ? 'f.connection_id = $1' : 'TRUE';
  const sizeCols = COHORT_GROUP_SIZES.columns.map((c) => c.name).join(', ');
  const ageCols = COHORT_GROUP_AGES.columns.map((c) => c.name).join(', ');
  return [
    `DELETE FROM cohort_group_sizes WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `DELETE FROM cohort_group_ages WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO cohort_group_sizes (${sizeCols}) SELECT * FROM (${sizesSql(d, 'customer_facts f', w)}) c ORDER BY dimension, cohort_key`,
    `INSERT INTO cohort_group_ages (${ageCols}) SELECT * FROM (${agesSql(d, w)}) c WHERE c.net_cents <> 0 ORDER BY dimension, cohort_key`,
  ];
}
