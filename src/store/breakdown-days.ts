/**
 * breakdown_days (tables.ts, migration 20; docs/store.md, "Breakdowns by UTC day"): every event measure
 * and the orders figure per connection, currency, UTC day, breakdown dimension (all but the connection,
 * which event_slots answers) and value. A breakdown by one dimension (analytics/totals-days.ts) reads the
 * whole UTC days inside its range here and the partial days at its edges from the ledger: every zone's
 * local midnight is an instant, so the split is exact whatever the viewer's zone (as attempt_days).
 *
 * The orders figure of a group (MEASURES.orders) counts an order in the period of its first sale of that
 * group: so each row counts the (order, value) pairs whose first sale with that value of the dimension
 * falls on its day. Per dimension, not per combination of dimensions: a breakdown filtered by another
 * dimension reads the ledger.
 *
 * Kept as the other pre-aggregates are (aggregates.ts), in the transaction of the ledger write: every event
 * removed or added moves its cell of each dimension (BreakdownDayDeltas), and an order whose sales
 * changed moves each of its (order, value) first sales from the old day to the new one, computed from the
 * order's other stored sales (read between the write's delete and insert); rebuilt by rebuildAggregates()
 * and the end-of-backfill rebuild; read only while the connection's aggregates are not behind.
 */
import { addEvent, DIMENSION_SPECS, DIMENSIONS, EVENT_MEASURES, kindSql, measureSql, MEASURES, TOTAL_COLUMNS, TOTALS, type Dimension, type MoneyEvent, type TotalName } from '../ledger/index.js';
import { addCountCells, ATTEMPT_RETURNING, NONE_NUMBER, NONE_TEXT, utcDayOf } from './attempt-days.js';
import type { SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { BREAKDOWN_DAYS, type Row } from './tables.js';
import { DAY } from '../core/time.js';

/** The dimensions the table keeps: every breakdown but the connection. */
export const DAY_DIMENSIONS: readonly Dimension[] = DIMENSIONS.filter((d) => d !== 'connection');

/** The ledger columns of the kept dimensions a delete's RETURNING must add to ATTEMPT_RETURNING (which has the MID and the cycle). */
export const BREAKDOWN_COLUMNS: readonly string[] = DAY_DIMENSIONS.map((d) => DIMENSION_SPECS[d].event).filter((c) => !ATTEMPT_RETURNING.split(', ').includes(c));
/** BREAKDOWN_COLUMNS as a RETURNING list. */
export const BREAKDOWN_RETURNING = BREAKDOWN_COLUMNS.join(', ');

/** What the maintenance reads of a ledger event (instant in epoch ms). */
export type BreakdownFacts = Pick<MoneyEvent, 'kind' | 'instant' | 'amount_cents' | 'is_initial' | 'currency' | 'order_id'> & Partial<Record<string, unknown>>;

const COUNTED: readonly TotalName[] = TOTALS;
const COLUMNS = COUNTED.map((n) => TOTAL_COLUMNS[n]);

/**
 * The dimensions of the new-customer counts: first touch, the facts' columns (the billing cycle has none:
 * a breakdown by cycle counts its new customers from the facts and their first sale, totals.ts).
 */
export const CUSTOMER_DIMENSIONS: readonly Dimension[] = DAY_DIMENSIONS.filter((d) => DIMENSION_SPECS[d].fact !== null);
/** The facts' first-touch columns of those dimensions, as a facts refresh reads them back (customerBreakdownsOf). */
export const CUSTOMER_RETURNING = CUSTOMER_DIMENSIONS.map((d) => DIMENSION_SPECS[d].fact).join(', ');

/** A customer's facts as the maintenance reads them: first sale (epoch ms), currency, acquired before, first-touch columns. */
export type CustomerFacts = { ms: number; currency: string; acquiredBefore: boolean; row: Row };
const SALE_KINDS: readonly string[] = MEASURES.sales.kinds;

/** A dimension's value of an event as the key stores it: [num_value, text_value]. */
export function keyValue(d: Dimension, v: unknown): [number, string] {
  const absent = v === null || v === undefined || (DIMENSION_SPECS[d].numeric && Number(v) === NONE_NUMBER);
  if (DIMENSION_SPECS[d].numeric) return [absent ? NONE_NUMBER : Number(v), NONE_TEXT];
  return [NONE_NUMBER, absent ? NONE_TEXT : String(v)];
}

/** Deltas of breakdown_days cells (one connection). */
export class BreakdownDayDeltas {
  private readonly cells = new Map<string, { key: Row; totals: Partial<Record<TotalName, number>> }>();

  private cell(currency: string, day: number, d: Dimension, value: unknown): Partial<Record<TotalName, number>> {
    const [num, text] = keyValue(d, value);
    const k = JSON.stringify([currency, day, d, num, text]);
    let c = this.cells.get(k);
    if (!c) this.cells.set(k, (c = { key: { currency, day, dimension: d, num_value: num, text_value: text }, totals: {} }));
    return c.totals;
  }

  /** A ledger event added (+1) or removed (-1): its cell of every dimension. */
  event(e: BreakdownFacts, sign: 1 | -1): void {
    const day = utcDayOf(e.instant);
    for (const d of DAY_DIMENSIONS) addEvent(this.cell(e.currency, day, d, e[DIMENSION_SPECS[d].event]), e, sign);
  }

  /** A customer's facts added (+1) or removed (-1): new or earlier customers, on their first sale's day, by first touch. */
  customer(f: CustomerFacts, sign: 1 | -1): void {
    const day = utcDayOf(f.ms);
    for (const d of CUSTOMER_DIMENSIONS) {
      const t = this.cell(f.currency, day, d, f.row[DIMENSION_SPECS[d].fact as string]);
      const m = f.acquiredBefore ? 'earlierCustomers' : 'newCustomers';
      t[m] = (t[m] ?? 0) + sign;
    }
  }

  /** An (order, value) first sale added (+1) or removed (-1) at `ms`. */
  order(currency: string, ms: number, d: Dimension, value: unknown, sign: 1 | -1): void {
    const t = this.cell(currency, utcDayOf(ms), d, value);
    t.orders = (t.orders ?? 0) + sign;
  }

  rows(connectionId: string): Row[] {
    const out: Row[] = [];
    for (const { key, totals } of this.cells.values()) {
      if (!COUNTED.some((n) => (totals[n] ?? 0) !== 0)) continue;
      const row: Row = { connection_id: connectionId, ...key };
      COUNTED.forEach((n, i) => (row[COLUMNS[i] as string] = totals[n] ?? 0));
      out.push(row);
    }
    return out;
  }
}

/** An order's stored sale as the maintenance reads it back: instant (epoch ms), currency, and each of DAY_DIMENSIONS' values. */
export type OrderSale = { instant: number; currency: string; values: unknown[] };

/** Per (currency, dimension, value) of an order's sales: the earliest instant. */
function firstsOf(sales: readonly OrderSale[]): Map<string, { currency: string; d: Dimension; value: unknown; ms: number }> {
  const out = new Map<string, { currency: string; d: Dimension; value: unknown; ms: number }>();
  for (const s of sales) {
    DAY_DIMENSIONS.forEach((d, i) => {
      const value = s.values[i];
      const k = JSON.stringify([s.currency, d, keyValue(d, value)]);
      const f = out.get(k);
      if (!f || s.instant < f.ms) out.set(k, { currency: s.currency, d, value, ms: s.instant });
    });
  }
  return out;
}

const saleOf = (e: BreakdownFacts): OrderSale => ({ instant: e.instant, currency: e.currency, values: DAY_DIMENSIONS.map((d) => e[DIMENSION_SPECS[d].event] ?? null) });
const saleKey = (s: OrderSale) => JSON.stringify([s.instant, s.currency, DAY_DIMENSIONS.map((d, i) => keyValue(d, s.values[i]))]);

/** The orders whose sales one write changes, by order id: the sales it removes (`gone`) and adds (`come`). */
export type ChangedOrders = [string, { gone: OrderSale[]; come: OrderSale[] }][];

/**
 * The orders whose sales one write changes (those it removes differ from those it adds), with those
 * sales: the orders whose other stored sales applyBreakdownDays needs (read them with orderSalesSql to
 * read them once, and pass both).
 */
export function changedOrders(removed: readonly BreakdownFacts[], added: readonly BreakdownFacts[]): ChangedOrders {
  const byOrder = new Map<string, { gone: OrderSale[]; come: OrderSale[] }>();
  for (const [list, side] of [[removed, 'gone'], [added, 'come']] as const) {
    for (const e of list) {
      if (!SALE_KINDS.includes(e.kind) || e.order_id === null) continue;
      let o = byOrder.get(e.order_id);
      if (!o) byOrder.set(e.order_id, (o = { gone: [], come: [] }));
      o[side].push(saleOf(e));
    }
  }
  // An order re-written with the same sales (an incremental look-back's common case) moves nothing.
  return [...byOrder].filter(([, o]) => JSON.stringify(o.gone.map(saleKey).sort()) !== JSON.stringify(o.come.map(saleKey).sort()));
}

/**
 * A query part (connection $1) reading every stored sale of the orders of `orders` (a subquery of order
 * ids), one row each: k 'o', id (the order), m (epoch ms), c (currency), b (NULL), then v0.. (each of
 * DAY_DIMENSIONS' values); a customer's first sale in the same UNION ALL carries their first-touch values in
 * them (cohort-groups.ts FACT_SALE_VALUES). orderSaleOf reads a row.
 */
export function orderSalesSql(d: SqlDialect, orders: string): string {
  const cols = DAY_DIMENSIONS.map((dim, i) => `e.${DIMENSION_SPECS[dim].event} AS v${i}`).join(', ');
  return `SELECT 'o' AS k, e.order_id AS id, ${d.epochMs('e.instant')} AS m, e.currency AS c, CAST(NULL AS BOOLEAN) AS b, ${cols} FROM money_events e
    WHERE e.connection_id = $1 AND ${kindSql(MEASURES.sales.kinds, 'e')} AND e.order_id IN (${orders})`;
}

/** A row of orderSalesSql as a sale. */
export function orderSaleOf(r: Row): OrderSale {
  return { instant: Number(r.m), currency: String(r.c), values: DAY_DIMENSIONS.map((_, i) => r[`v${i}`] ?? null) };
}

/**
 * Keeps breakdown_days for one write: `removed` (deleted already) and `added` (not stored yet) ledger
 * events of connection `connectionId`. Called between the write's delete and its insert: an order whose
 * sales changed (`changed`, changedOrders of the same events unless the caller computed it already) is
 * read back (its other sales) unless `known` has it (`known`: the stored sales of the orders the caller
 * read already with orderSalesSql, an entry for each, empty when it has none).
 */
export async function applyBreakdownDays(
  ctx: StoreContext,
  connectionId: string,
  removed: readonly BreakdownFacts[],
  added: readonly BreakdownFacts[],
  known?: ReadonlyMap<string, readonly OrderSale[]>,
  changed: ChangedOrders = changedOrders(removed, added),
): Promise<void> {
  const deltas = new BreakdownDayDeltas();
  for (const e of removed) deltas.event(e, -1);
  for (const e of added) deltas.event(e, 1);
  // Orders: the sales each write removes and adds, by order.
  const ask = changed.map(([id]) => id).filter((id) => !known?.has(id));
  const rest = new Map<string, readonly OrderSale[]>(known ?? []);
  if (ask.length > 0) {
    const read = new Map<string, OrderSale[]>();
    for (const r of await ctx.db.query(orderSalesSql(ctx.db.sql, await ctx.db.textSet('order', ask)), [connectionId])) {
      const list = read.get(String(r.id)) ?? [];
      list.push(orderSaleOf(r));
      read.set(String(r.id), list);
    }
    for (const [id, list] of read) rest.set(id, list);
  }
  for (const [id, o] of changed) {
    const others = rest.get(id) ?? [];
    const before = firstsOf([...others, ...o.gone]);
    const after = firstsOf([...others, ...o.come]);
    for (const [k, f] of before) if (after.get(k)?.ms !== f.ms) deltas.order(f.currency, f.ms, f.d, f.value, -1);
    for (const [k, f] of after) if (before.get(k)?.ms !== f.ms) deltas.order(f.currency, f.ms, f.d, f.value, 1);
  }
  await applyDeltas(ctx, connectionId, deltas);
}

/** Moves the new-customer counts of customers whose facts a refresh recomputed: `before` the old facts, `after` the new. */
export async function applyCustomerBreakdowns(ctx: StoreContext, connectionId: string, before: readonly CustomerFacts[], after: readonly CustomerFacts[]): Promise<void> {
  const deltas = new BreakdownDayDeltas();
  for (const f of before) deltas.customer(f, -1);
  for (const f of after) deltas.customer(f, 1);
  await applyDeltas(ctx, connectionId, deltas);
}

/** Adds the deltas to breakdown_days, dropping cells left at zero (addCountCells, with every total column). */
async function applyDeltas(ctx: StoreContext, connectionId: string, deltas: BreakdownDayDeltas): Promise<void> {
  await addCountCells(ctx, BREAKDOWN_DAYS, BREAKDOWN_DAYS.key.slice(1), connectionId, deltas.rows(connectionId), COLUMNS);
}

/** The kept value columns of a ledger row set grouped by GROUPING SETS of one dimension each of `dims` (alias-free). */
export function groupedKeySql(dims: readonly Dimension[] = DAY_DIMENSIONS): { dimension: string; num: string; text: string } {
  const g = (d: Dimension) => `GROUPING(${DIMENSION_SPECS[d].event}) = 0`;
  const num = dims.filter((d) => DIMENSION_SPECS[d].numeric);
  const text = dims.filter((d) => !DIMENSION_SPECS[d].numeric);
  return {
    dimension: `CASE ${dims.map((d) => `WHEN ${g(d)} THEN '${d}'`).join(' ')} END`,
    num: `COALESCE(CASE ${num.map((d) => `WHEN ${g(d)} THEN CAST(${DIMENSION_SPECS[d].event} AS BIGINT)`).join(' ')} END, ${NONE_NUMBER})`,
    text: `COALESCE(CASE ${text.map((d) => `WHEN ${g(d)} THEN CAST(${DIMENSION_SPECS[d].event} AS TEXT)`).join(' ')} END, CHR(1))`,
  };
}

/** A value inlined as an SQL literal (instants' text only: the statement takes no parameters but $1). */
const literal = (v: unknown) => `'${String(v)}'`;

/** The UTC day number of an instant expression. */
const daySql = (d: SqlDialect, expr: string) => `CAST(FLOOR(${d.epochMs(expr)} / ${DAY}.0) AS INTEGER)`;

/**
 * Statements that rebuild breakdown_days from money_events: of every connection, or (byConnection) of
 * connection $1; inserted in day order (a range of days is a run of rows for DuckDB's min/max skipping).
 * The event measures: one pass of the ledger, one GROUPING SET per dimension. The orders: each order's
 * sales grouped once (o); an order of one sale (most of them) is counted by its one sale's values, and
 * only the sales of orders of several sales are grouped by (order, value) per dimension: seven groupings
 * of every order would hold seven times as many groups as there are orders.
 */
export function rebuildBreakdownDaysSql(d: SqlDialect, byConnection: boolean, days?: readonly number[]): string[] {
  const w = byConnection ? 'connection_id = $1' : 'TRUE';
  // Only the UTC days `days` (of connection $1): their events, the (order, value) pairs whose first sale is
  // on one of them (orders with a sale on them, all their sales read), the customers whose first sale is.
  const list = days ? days.map((x) => String(Math.trunc(x))).join(', ') : '';
  const near = (expr: string) =>
    days ? ` AND ${expr} >= ${d.instantParam(literal, Math.min(...days) * DAY)} AND ${expr} < ${d.instantParam(literal, (Math.max(...days) + 1) * DAY)} AND ${daySql(d, expr)} IN (${list})` : '';
  const cols = DAY_DIMENSIONS.map((dim) => DIMENSION_SPECS[dim].event);
  const sets = (lead: string) => cols.map((c) => `(${lead}, ${c})`).join(', ');
  const k = groupedKeySql();
  /** Every total column, 0 but those given. */
  const totals = (own: Partial<Record<string, string>>) => COLUMNS.map((c) => `${own[c] ?? '0'} AS ${c}`).join(', ');
  const sale = `${w} AND ${kindSql(MEASURES.sales.kinds)} AND order_id IS NOT NULL`;
  const events = `SELECT connection_id, currency, day, ${k.dimension} AS dimension, ${k.num} AS num_value, ${k.text} AS text_value,
       ${totals(Object.fromEntries(EVENT_MEASURES.map(([n]) => [MEASURES[n].column, measureSql(n)])))}
     FROM (SELECT *, ${daySql(d, 'instant')} AS day FROM money_events WHERE ${w}${near('instant')}) e GROUP BY GROUPING SETS (${sets('connection_id, currency, day')})`;
  // Orders of one sale: that sale's values (MIN of one row), counted on its day.
  const single = `SELECT connection_id, currency, day, ${k.dimension} AS dimension, ${k.num} AS num_value, ${k.text} AS text_value, ${totals({ [MEASURES.orders.column]: 'COUNT(*)' })}
     FROM (SELECT connection_id, currency, ${daySql(d, 'first_at')} AS day, ${cols.join(', ')} FROM o WHERE n = 1) s GROUP BY GROUPING SETS (${sets('connection_id, currency, day')})`;
  // Orders of several sales: each (order, value) pair's first sale, per dimension.
  const firsts = `SELECT connection_id, currency, order_id, ${k.dimension} AS dimension, ${k.num} AS num_value, ${k.text} AS text_value, MIN(instant) AS first_at
     FROM money_events WHERE ${sale} AND (connection_id, currency, order_id) IN (SELECT connection_id, currency, order_id FROM o WHERE n > 1)
     GROUP BY GROUPING SETS (${sets('connection_id, currency, order_id')})`;
  const several = `SELECT connection_id, currency, ${daySql(d, 'first_at')} AS day, dimension, num_value, text_value, ${totals({ [MEASURES.orders.column]: 'COUNT(*)' })}
     FROM (${firsts}) f GROUP BY 1, 2, 3, 4, 5, 6`;
  const onDays = days ? ` AND order_id IN (SELECT order_id FROM money_events WHERE ${sale}${near('instant')})` : '';
  const o = `SELECT connection_id, currency, order_id, COUNT(*) AS n, MIN(instant) AS first_at, ${cols.map((c) => `MIN(${c}) AS ${c}`).join(', ')}
     FROM money_events WHERE ${sale}${onDays} GROUP BY 1, 2, 3`;
  // New customers by first touch (the facts' columns under the ledger's names), on their first sale's day.
  const kc = groupedKeySql(CUSTOMER_DIMENSIONS);
  const customers = `SELECT connection_id, currency, day, ${kc.dimension} AS dimension, ${kc.num} AS num_value, ${kc.text} AS text_value,
       ${totals({ [MEASURES.newCustomers.column]: 'COUNT(CASE WHEN NOT acquired_before THEN 1 END)', [MEASURES.earlierCustomers.column]: 'COUNT(CASE WHEN acquired_before THEN 1 END)' })}
     FROM (SELECT connection_id, currency, ${daySql(d, 'first_sale_at')} AS day, acquired_before,
             ${CUSTOMER_DIMENSIONS.map((dim) => `${DIMENSION_SPECS[dim].fact} AS ${DIMENSION_SPECS[dim].event}`).join(', ')} FROM customer_facts WHERE ${w}${near('first_sale_at')}) c
     GROUP BY GROUPING SETS (${CUSTOMER_DIMENSIONS.map((dim) => `(connection_id, currency, day, ${DIMENSION_SPECS[dim].event})`).join(', ')})`;
  return [
    `DELETE FROM breakdown_days WHERE ${w}${days ? ` AND day IN (${list})` : ''}`,
    `INSERT INTO breakdown_days (connection_id, currency, day, dimension, num_value, text_value, ${COLUMNS.join(', ')})
     WITH o AS MATERIALIZED (${o})
     SELECT connection_id, currency, day, dimension, num_value, text_value, ${COLUMNS.map((c) => `SUM(${c})`).join(', ')}
     FROM (${events} UNION ALL ${single} UNION ALL ${several} UNION ALL ${customers}) x${days ? ` WHERE x.day IN (${list})` : ''} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 3, 1, 2, 4`,
  ];
}

/**
 * Recomputes breakdown_days of connection `connectionId` on the UTC days an attribution fill
 * (attribution.ts) can have moved, after it filled events' product, campaign and coupon in place (no
 * ledger write to move their cells): the filled events' own days (`days`), and the days of the sales of
 * their orders (`orders`): an (order, value) pair's first sale is one of its order's sales, and a fill
 * can move it to any of them (the order's other sales keep the value the filled one lost). The new
 * customers by first touch follow the facts (applyCustomerBreakdowns).
 */
export async function recomputeBreakdownDaysOf(ctx: StoreContext, connectionId: string, filled: { days: ReadonlySet<number>; orders: ReadonlySet<string> }): Promise<void> {
  const days = new Set(filled.days);
  if (filled.orders.size > 0) {
    const orders = await ctx.db.textSet('order', [...filled.orders]);
    const rows = await ctx.db.query(`SELECT DISTINCT ${daySql(ctx.db.sql, 'instant')} AS day FROM money_events WHERE connection_id = $1 AND ${kindSql(MEASURES.sales.kinds)} AND order_id IN (${orders})`, [connectionId]);
    for (const r of rows) days.add(Number(r.day));
  }
  if (days.size === 0) return;
  for (const sql of rebuildBreakdownDaysSql(ctx.db.sql, true, [...days].sort((a, b) => a - b))) await ctx.db.exec(sql, [connectionId]);
}

/** breakdown_days' value of dimension `d` as the ledger holds it (absent values NULL again), for alias `alias`. */
export function breakdownValueSql(d: Dimension, alias: string): string {
  return DIMENSION_SPECS[d].numeric ? `NULLIF(${alias}.num_value, ${NONE_NUMBER})` : `NULLIF(${alias}.text_value, CHR(1))`;
}
