/**
 * Customer facts (tables.ts customer_facts): per customer, the first sale and its attribution, and every
 * measure the ledger keeps per customer, recomputed from the ledger whenever a customer's events change
 * (now, or later for customers marked dirty), with the pre-aggregates that depend on them moved in the
 * same transaction; and with them the subscription tables of the purchases whose events changed (now, or
 * later for purchases marked dirty). All of it runs inside a caller's transaction.
 */
import { EVENT_MEASURES, FIRST_TOUCH, kindSql, MEASURES, measureSql, moneySql } from '../ledger/index.js';
import { applyCustomerBreakdowns, CUSTOMER_RETURNING, recomputeBreakdownDaysOf } from './breakdown-days.js';
import { applyAgeDeltasSql, applySlotDeltas, type FirstSale, COHORT_SLOTS_WHOLE, rebuildAggregatesSql, recomputeAllCohortSlotsSql, recomputeCohortSlotsSql, slotOf, SlotDeltas, stageCustomerAgesSql } from './aggregates.js';
import { applyMonthDeltasSql, stageCustomerMonthsSql } from './cohort-months.js';
import { moveCustomerAges } from './customer-ages.js';
import { applyGroupSizes, FACT_SALE_VALUES, GROUP_FACTS_RETURNING, groupValuesOf, groupValuesOfSale, moveGroupAges } from './cohort-groups.js';
import { resolveAttribution } from './attribution.js';
import { withFreshStatistics } from './dialect.js';
import { CostEvents } from './costs.js';
import { refreshSubscriptionCycles } from './subscription-cycles.js';
import { CLEAR_DIRTY_PURCHASES_SQL, COUNT_DIRTY_PURCHASES_SQL, DIRTY_PURCHASES_SQL, markPurchasesDirty } from './purchases-dirty.js';
import { CLEAR_RESTAMP_SQL, restampMarked } from './retention-days.js';
import type { StoreContext } from './driver.js';
import { startOfLocalDay } from '../core/time.js';
import { AGG_TOUCHED_SLOTS, CUSTOMER_FACTS, type ColumnType, type Row, type Value } from './tables.js';

/** The measures kept per customer, as [column, SQL aggregate over the customer's money events]. */
const PER_CUSTOMER: [string, string][] = [
  ...EVENT_MEASURES.filter(([, m]) => m.perCustomer).map(([n, m]): [string, string] => [m.column, measureSql(n)]),
  [MEASURES.net.column, measureSql('net')],
];

/**
 * Whether a refresh after this many records of a run is small enough for one DuckDB thread: its many
 * small statements are done sooner on one than on several (the end of the sync bench's 16,538-record
 * backfill: 60 to 65 ms against 72 to 86 ms; at 110,761 records the same either way), and a ledger
 * under one row group (122,880 rows) is scanned by one thread anyway. The run's records stand for the
 * work: counting the ledger first cost more than the gain. PostgreSQL ignores the hint.
 */
export function small(records: number | undefined): boolean {
  return records !== undefined && records < 122_880;
}

export class Facts {
  /** The margin ledger follows the facts: recomputed for the same customers, rebuilt with them. */
  private readonly costs: CostEvents;

  constructor(private readonly ctx: StoreContext) {
    this.costs = new CostEvents(ctx);
  }

  private get db() {
    return this.ctx.db;
  }

  /**
   * The query part reading these customers' first sales: rows of k 'c', id (as text), m (epoch ms), c
   * (currency), b (acquired before) and their first-touch values as v0.. (FACT_SALE_VALUES: the columns of
   * breakdown-days.ts orderSalesSql, so both go in one UNION ALL); groupValuesOfSale reads them.
   */
  async firstSalesSql(customers: Set<number>): Promise<string> {
    return `SELECT 'c' AS k, CAST(customer_id AS TEXT) AS id, ${this.db.sql.epochMs('first_sale_at')} AS m, currency AS c, acquired_before AS b, ${FACT_SALE_VALUES} FROM customer_facts
      WHERE connection_id = $1 AND customer_id IN (${await this.db.idSet('cust', [...customers])})`;
  }

  /** The first sale of each of these customers that has facts, by customer id. */
  async firstSales(connectionId: string, customers: Set<number>): Promise<Map<number, FirstSale>> {
    const first = new Map<number, FirstSale>();
    if (customers.size === 0) return first;
    for (const r of await this.db.query(await this.firstSalesSql(customers), [connectionId])) first.set(Number(r.id), { ms: Number(r.m), currency: String(r.c), acquiredBefore: r.b === true, values: groupValuesOfSale(r) });
    return first;
  }

  /**
   * Recomputes these customers' facts and these purchases' subscription tables (subscription-cycles.ts)
   * now, or marks them dirty for refreshDirty (facts_dirty, purchases_dirty).
   */
  async touch(connectionId: string, customers: ReadonlySet<number>, purchases: ReadonlySet<string>, defer: boolean): Promise<void> {
    if (!defer) {
      if (customers.size > 0) await this.refresh(connectionId, customers);
      if (purchases.size > 0) await refreshSubscriptionCycles(this.ctx, connectionId, await this.db.textSet('key', [...purchases]));
      return;
    }
    await markPurchasesDirty(this.ctx, connectionId, purchases);
    if (customers.size === 0) return;
    const ids = await this.db.idSet('cust', [...customers]);
    await this.db.exec(
      `INSERT INTO facts_dirty (connection_id, customer_id) SELECT $1, x.id FROM (${ids}) AS x(id) ON CONFLICT DO NOTHING`,
      [connectionId],
    );
  }

  /**
   * The facts of the connection's dirty customers and the aggregates they feed, and the subscription
   * tables of its dirty purchases, or, after deferRebuild writes, all of its facts and aggregates; returns
   * how many customers' facts were recomputed.
   */
  async refreshDirty(connectionId: string): Promise<number> {
    // Orders and purchases stored since their transactions give those events their product, purchase,
    // campaign and coupon: the customers whose events gained them have their facts (first touch) redone.
    const attributed = await resolveAttribution(this.ctx, connectionId);
    await this.touch(connectionId, attributed.customers, attributed.purchases, true);
    const [marks] = await this.db.query(
      `SELECT (SELECT COUNT(*) FROM facts_dirty WHERE connection_id = $1) AS dirty,
         (${COUNT_DIRTY_PURCHASES_SQL}) AS purchases,
         (SELECT COUNT(*) FROM rebuild_pending WHERE connection_id = $1) AS behind`,
      [connectionId],
    );
    const dirty = Number(marks?.dirty ?? 0);
    const purchases = Number(marks?.purchases ?? 0);
    const behind = Number(marks?.behind ?? 0) > 0;
    if (behind) {
      // A backfill's writes left everything derived from the ledger behind: every fact of the connection,
      // then every aggregate, each in one grouped pass (what a backfill's facts_dirty would have listed
      // is most of the connection, and the aggregates are rebuilt whole anyway).
      for (const sql of this.db.sql.rebuildSettingsSql()) await this.db.exec(sql);
      await this.db.exec('DELETE FROM customer_facts WHERE connection_id = $1', [connectionId]);
      // The facts read the ledger and the customers the backfill just wrote: the planner's statistics of them
      // first, as for the aggregates below (on tables autovacuum has not analyzed yet, PostgreSQL planned this
      // insert on an empty ledger: 100 s instead of 1 s for 10,000 customers).
      for (const table of ['money_events', 'customers']) for (const sql of this.db.sql.analyzeSql(table)) await this.db.exec(sql);
      await this.insert(connectionId, 'TRUE');
      // The aggregates read the facts just refilled: the planner's statistics of them first (withFreshStatistics).
      for (const sql of this.db.sql.analyzeSql('customer_facts')) await this.db.exec(sql);
      for (const s of withFreshStatistics(this.db.sql, rebuildAggregatesSql(this.db.sql, true))) await this.db.exec(s.sql, s.analyze ? [] : [connectionId]);
      await this.costs.rebuild(connectionId);
      await this.db.exec('DELETE FROM rebuild_pending WHERE connection_id = $1', [connectionId]);
      if (dirty > 0) await this.db.exec('DELETE FROM facts_dirty WHERE connection_id = $1', [connectionId]);
      if (purchases > 0) await this.db.exec(CLEAR_DIRTY_PURCHASES_SQL, [connectionId]);
      await this.db.exec(CLEAR_RESTAMP_SQL, [connectionId]);
      const [facts] = await this.db.query('SELECT COUNT(*) AS n FROM customer_facts WHERE connection_id = $1', [connectionId]);
      return Number(facts?.n ?? 0);
    }
    // Attribution filled events in place: breakdown_days of their days is recomputed.
    await recomputeBreakdownDaysOf(this.ctx, connectionId, attributed);
    if (dirty > 0) {
      // One pass over the ledger for all of them: far cheaper than a pass per page batch.
      const ids = await this.db.query('SELECT customer_id FROM facts_dirty WHERE connection_id = $1', [connectionId]);
      await this.refresh(connectionId, new Set(ids.map((r) => Number(r.customer_id))));
      await this.db.exec('DELETE FROM facts_dirty WHERE connection_id = $1', [connectionId]);
    }
    // The purchases whose records alone were written: their stamps (retention-days.ts), before the marks below go.
    await restampMarked(this.ctx, connectionId);
    // The purchases the run's events named, each once, whichever batches named it.
    if (purchases > 0) {
      await refreshSubscriptionCycles(this.ctx, connectionId, DIRTY_PURCHASES_SQL);
      await this.db.exec(CLEAR_DIRTY_PURCHASES_SQL, [connectionId]);
    }
    return dirty;
  }

  /** The first instant of the connection's coverage (docs/sync.md, "Coverage"); null while it has none. */
  private async coverageStart(connectionId: string): Promise<number | null> {
    const [r] = await this.db.query('SELECT c.timezone, v.from_date FROM connections c JOIN coverage v ON v.connection_id = c.connection_id WHERE c.connection_id = $1', [connectionId]);
    return r && r.from_date ? startOfLocalDay(String(r.from_date), String(r.timezone)) : null;
  }

  /**
   * Inserts the facts of connection $1's customers matching `which` (a condition on money_events) from the
   * ledger. A customer's currency is their first sale's; their measures count their events in it. A
   * customer was acquired before the coverage when their first synced sale is a rebill (cycle 2 or later),
   * or precedes the coverage, or their own record was created before it. `subscribed_at` is their first
   * approved sale of a subscription (a sale with a purchase) in that currency, NULL when they have none.
   */
  private async insert(connectionId: string, which: string): Promise<void> {
    const cast = (c: string) => `CAST(a.${c} AS ${this.db.sql.columnType((CUSTOMER_FACTS.types as Record<string, ColumnType>)[c] ?? 'bigint')})`;
    const measures = PER_CUSTOMER.map(([c]) => c);
    const params: Value[] = [connectionId];
    const start = await this.coverageStart(connectionId);
    let before = 'f.billing_cycle > 1';
    if (start !== null) {
      const at = this.db.sql.instantParam((v) => (params.push(v), `$${params.length}`), start);
      before = `(f.billing_cycle > 1 OR f.instant < ${at}
          OR EXISTS (SELECT 1 FROM customers cu WHERE cu.connection_id = $1 AND cu.customer_id = a.customer_id AND cu.date_created < ${at}))`;
    }
    await this.db.exec(
      `INSERT INTO customer_facts (connection_id, customer_id, currency, first_sale_at, ${FIRST_TOUCH.map(([f]) => f).join(', ')}, ${measures.join(', ')}, last_event_at, subscribed_at, acquired_before)
       SELECT a.connection_id, a.customer_id, a.currency, f.instant, ${FIRST_TOUCH.map(([, e]) => `f.${e}`).join(', ')}, ${measures.map(cast).join(', ')}, a.last_at, a.subscribed_at, ${before}
       FROM (
         SELECT connection_id, customer_id, currency, ${PER_CUSTOMER.map(([c, sql]) => `${sql} AS ${c}`).join(', ')}, MAX(instant) AS last_at,
           MIN(CASE WHEN kind = 'sale' AND purchase_id IS NOT NULL THEN instant END) AS subscribed_at
         FROM money_events
         WHERE connection_id = $1 AND ${which} AND ${moneySql()}
         GROUP BY connection_id, customer_id, currency
       ) a
       JOIN (
         SELECT customer_id, currency, instant, billing_cycle, ${FIRST_TOUCH.map(([, e]) => e).join(', ')},
           ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY instant, event_id) AS rn
         FROM money_events
         WHERE connection_id = $1 AND ${which} AND ${kindSql(MEASURES.sales.kinds)}
       ) f ON f.customer_id = a.customer_id AND f.currency = a.currency AND f.rn = 1`,
      params,
    );
  }

  /** Recomputes these customers' facts and what follows them (the subscription tables follow purchases: touch). */
  private async refresh(connectionId: string, customers: ReadonlySet<number>): Promise<void> {
    const ids = await this.db.idSet('cust', [...customers].sort((a, b) => a - b));
    const ms = (c: string) => this.db.sql.epochMs(c);
    // Their cohort_ages contribution under the old facts leaves; under the new ones it comes back (below).
    await this.db.exec(stageCustomerAgesSql(this.db.sql, ids, -1), [connectionId]);
    await this.db.exec(stageCustomerMonthsSql(this.db.sql, ids, -1), [connectionId]);
    const first = (r: Row): FirstSale => ({ ms: Number(r.f), currency: String(r.c), acquiredBefore: r.b === true });
    const oldRows = await this.db.query(`DELETE FROM customer_facts WHERE connection_id = $1 AND customer_id IN (${ids}) RETURNING ${ms('first_sale_at')} AS f, currency AS c, acquired_before AS b, ${CUSTOMER_RETURNING}, ${GROUP_FACTS_RETURNING}`, [connectionId]);
    await this.insert(connectionId, `customer_id IN (${ids})`);
    const newRows = await this.db.query(`SELECT ${ms('first_sale_at')} AS f, currency AS c, acquired_before AS b, ${CUSTOMER_RETURNING}, ${GROUP_FACTS_RETURNING} FROM customer_facts WHERE connection_id = $1 AND customer_id IN (${ids})`, [connectionId]);
    const [oldFirst, newFirst] = [oldRows.map(first), newRows.map(first)];
    // breakdown_days' new customers by first touch move with them (breakdown-days.ts).
    const touch = (r: Row) => ({ ...first(r), acquiredBefore: r.b === true, row: r });
    await applyCustomerBreakdowns(this.ctx, connectionId, oldRows.map(touch), newRows.map(touch));
    await this.db.exec(stageCustomerAgesSql(this.db.sql, ids, 1), [connectionId]);
    for (const sql of applyAgeDeltasSql()) await this.db.exec(sql, [connectionId]);
    await this.db.exec(stageCustomerMonthsSql(this.db.sql, ids, 1), [connectionId]);
    for (const sql of applyMonthDeltasSql()) await this.db.exec(sql, [connectionId]);
    // cohort_group_ages and cohort_group_sizes: the customers whose cells changed move (cohort-groups.ts).
    await moveGroupAges(this.ctx, connectionId, oldRows, newRows);
    // customer_ages: the customers whose first sale, currency or acquired-before changed are recomputed (customer-ages.ts).
    await moveCustomerAges(this.ctx, connectionId, oldRows, newRows);
    const grouped = (r: Row) => ({ ...first(r), values: groupValuesOf(r) });
    await applyGroupSizes(this.ctx, connectionId, oldRows.map(grouped), newRows.map(grouped));
    await this.moved(connectionId, oldFirst, newFirst);
    await this.costs.refresh(connectionId, ids);
  }

  /**
   * Facts recomputed: new_customers moves from the old first-sale slots to the new ones, and cohort_slots
   * of all those slots are recomputed from the facts (cohort_ages moved in refresh).
   */
  private async moved(connectionId: string, oldFirst: FirstSale[], newFirst: FirstSale[]): Promise<void> {
    const d = new SlotDeltas();
    const measure = (f: FirstSale) => (f.acquiredBefore ? 'earlierCustomers' : 'newCustomers');
    for (const f of oldFirst) d.count(measure(f), f, -1);
    for (const f of newFirst) d.count(measure(f), f, 1);
    await applySlotDeltas(this.ctx, connectionId, d.rows(connectionId));
    const slots = new Map<string, Row>();
    for (const f of [...oldFirst, ...newFirst]) {
      const slot = slotOf(f.ms);
      slots.set(`${f.currency}|${slot}`, { connection_id: connectionId, currency: f.currency, slot });
    }
    if (slots.size === 0) return;
    if (slots.size > COHORT_SLOTS_WHOLE) {
      for (const sql of recomputeAllCohortSlotsSql(this.db.sql)) await this.db.exec(sql, [connectionId]);
      return;
    }
    await this.db.insert(AGG_TOUCHED_SLOTS, [...slots.values()]);
    for (const sql of recomputeCohortSlotsSql(this.db.sql)) await this.db.exec(sql, [connectionId]);
  }
}
