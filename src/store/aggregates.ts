/**
 * The report pre-aggregates (tables.ts: event_slots, cohort_slots, cohort_ages; docs/store.md
 * "Pre-aggregates"), kept from the ledger's measure table. The write paths (ledger-writer.ts, facts.ts)
 * collect what a transaction changed as exact deltas per slot and apply them with the SQL below in that
 * same transaction:
 * - a ledger event removed or added moves its own slot's totals (ledger addEvent), and its customer's
 *   cohort_ages cell (its net) under the facts as they stand (none without facts);
 * - an order whose sales changed moves from the slot of its old first sale to that of its new one;
 * - a customer whose facts are recomputed moves new_customers and their whole cohort_ages contribution
 *   from the old first-sale slot to the new one, and cohort_slots of both slots are recomputed from the
 *   facts (a latest first sale is a MAX, not a delta).
 */
import { DAY } from '../core/time.js';
import { addEvent, EVENT_MEASURES, FIRST_SALE_MEASURES, kindSql, TOTAL_COLUMNS, measureSql, MEASURES, moneySql, netOf, TOTALS, type TotalName } from '../ledger/index.js';
import { rebuildAttemptDaysSql } from './attempt-days.js';
import { rebuildBreakdownDaysSql } from './breakdown-days.js';
import { ageDaysSql, type SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { rebuildOrderFirstSalesSql } from './order-first-sales.js';
import { rebuildSubscriptionCyclesSql } from './subscription-cycles.js';
import { COHORT_AGES, EVENT_SLOTS, type Row } from './tables.js';
import { rebuildCohortMonthsSql } from './cohort-months.js';
import { slotOf, type EventFacts, type FirstSale } from './slots.js';
import { rebuildMidMonthsSql } from './mid-months.js';
import { rebuildRebillSavesSql } from './rebill-saves.js';
import { rebuildChargebackSalesSql } from './chargeback-sales.js';
import { rebuildRefundSalesSql } from './refund-sales.js';
import { rebuildRebillRatesSql } from './rebill-rates.js';
import { rebuildRetentionDaysSql } from './retention-days.js';
import { rebuildCohortGroupsSql } from './cohort-groups.js';
import { rebuildCustomerAgesSql } from './customer-ages.js';

export { SLOT_MS, slotOf, type EventFacts, type FirstSale } from './slots.js';

const COLUMN = TOTAL_COLUMNS;
/** event_slots' total columns, in table order. */
const COLUMNS = TOTALS.map((n) => COLUMN[n]);

/** Deltas of event_slots rows, keyed by currency and slot (one connection). */
export class SlotDeltas {
  private readonly cells = new Map<string, { currency: string; slot: number; totals: Partial<Record<TotalName, number>> }>();

  private row(currency: string, slot: number): Partial<Record<TotalName, number>> {
    const k = `${currency}|${slot}`;
    let c = this.cells.get(k);
    if (!c) this.cells.set(k, (c = { currency, slot, totals: {} }));
    return c.totals;
  }

  /** An event added (+1) or removed (-1). */
  event(e: EventFacts, sign: 1 | -1): void {
    addEvent(this.row(e.currency, slotOf(e.instant)), e, sign);
  }

  /** An order or a customer (first sale at `at`) added or removed. */
  count(measure: 'orders' | 'newCustomers' | 'earlierCustomers', at: FirstSale, sign: 1 | -1): void {
    const r = this.row(at.currency, slotOf(at.ms));
    r[measure] = (r[measure] ?? 0) + sign;
  }

  /** Non-zero deltas as event_slots rows (the totals to add). */
  rows(connectionId: string): Row[] {
    const out: Row[] = [];
    for (const { currency, slot, totals: r } of this.cells.values()) {
      if (!TOTALS.some((n) => (r[n] ?? 0) !== 0)) continue;
      const row: Row = { connection_id: connectionId, currency, slot };
      for (const n of TOTALS) row[COLUMN[n]] = r[n] ?? 0;
      out.push(row);
    }
    return out;
  }
}

/** Deltas of cohort_ages rows (one connection). */
export class AgeDeltas {
  private readonly cells = new Map<string, { currency: string; slot: number; age: number; cents: number }>();

  /**
   * An event of a customer whose first sale is `first`, added or removed: its net moves the cell. Only
   * events in the customer's currency count toward their cohort (docs/metrics.md, "Currency").
   */
  event(first: FirstSale, e: EventFacts, sign: 1 | -1): void {
    if (e.currency !== first.currency || first.acquiredBefore) return;
    // A decline's net is 0: its cell, if it has nothing else, is dropped by rows().
    const net = netOf(e);
    const slot = slotOf(first.ms);
    const age = Math.floor((e.instant - first.ms) / DAY);
    const k = `${first.currency}|${slot}|${age}`;
    const c = this.cells.get(k) ?? { currency: first.currency, slot, age, cents: 0 };
    c.cents += sign * net;
    this.cells.set(k, c);
  }

  rows(connectionId: string): Row[] {
    return [...this.cells.values()].filter((c) => c.cents !== 0).map((c) => ({ connection_id: connectionId, currency: c.currency, slot: c.slot, age_days: c.age, net_cents: c.cents }));
  }
}

/**
 * Adds slot deltas to event_slots and drops rows left all zero. `deltas` is a subquery of SlotDeltas
 * rows (SqlDriver.rowSet) of connection $1, read twice in the same transaction.
 */
export function addSlotDeltasSql(deltas: string): string[] {
  return [
    `INSERT INTO event_slots (connection_id, currency, slot, ${COLUMNS.join(', ')}) SELECT CAST($1 AS TEXT), currency, slot, ${COLUMNS.join(', ')} FROM (${deltas}) AS d
     ON CONFLICT (connection_id, currency, slot) DO UPDATE SET ${COLUMNS.map((n) => `${n} = event_slots.${n} + EXCLUDED.${n}`).join(', ')}`,
    `DELETE FROM event_slots WHERE connection_id = $1 AND ${COLUMNS.map((n) => `${n} = 0`).join(' AND ')}
       AND EXISTS (SELECT 1 FROM (${deltas}) AS d WHERE d.currency = event_slots.currency AND d.slot = event_slots.slot)`,
  ];
}

/** Adds the staged agg_age_delta rows of connection $1 to cohort_ages, drops cells left at zero, clears the stage. */
export function applyAgeDeltasSql(): string[] {
  const cols = COHORT_AGES.columns.map((c) => c.name).join(', ');
  return [
    `INSERT INTO cohort_ages (${cols}) SELECT ${cols} FROM agg_age_delta WHERE connection_id = $1
     ON CONFLICT (connection_id, currency, slot, age_days) DO UPDATE SET net_cents = cohort_ages.net_cents + EXCLUDED.net_cents`,
    `DELETE FROM cohort_ages WHERE connection_id = $1 AND net_cents = 0 AND EXISTS (SELECT 1 FROM agg_age_delta d
       WHERE d.connection_id = cohort_ages.connection_id AND d.currency = cohort_ages.currency AND d.slot = cohort_ages.slot AND d.age_days = cohort_ages.age_days)`,
    'DELETE FROM agg_age_delta WHERE connection_id = $1',
  ];
}

/** Facts joined to their customers' money events in the customer's currency (aliases f and e), the cohort_ages source. */
const FACT_EVENTS = `customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND ${moneySql('e')} AND NOT f.acquired_before`;

/**
 * A customer's whole cohort_ages contribution (their events under their facts as they stand), for the
 * customers in `ids` of connection $1, added to agg_age_delta with `sign`: run with -1 before their facts
 * are recomputed and +1 after, it moves them from the old first-sale cells to the new ones.
 */
export function stageCustomerAgesSql(d: SqlDialect, ids: string, sign: 1 | -1): string {
  return `INSERT INTO agg_age_delta (connection_id, currency, slot, age_days, net_cents)
     SELECT f.connection_id, f.currency, ${d.slot('f.first_sale_at')}, ${ageDaysSql(d, 'e.instant', 'f.first_sale_at')}, ${sign} * ${measureSql('net', 'e')}
     FROM ${FACT_EVENTS}
     WHERE f.connection_id = $1 AND f.customer_id IN (${ids}) GROUP BY 1, 2, 3, 4
     ON CONFLICT (connection_id, currency, slot, age_days) DO UPDATE SET net_cents = agg_age_delta.net_cents + EXCLUDED.net_cents`;
}

/** Inserts the cohort_slots rows of the customer_facts matching `where`, one grouped pass (no join). */
function cohortSlotsFromFactsSql(d: SqlDialect, where: string): string {
  return `INSERT INTO cohort_slots (connection_id, currency, slot, customers, last_first_sale_at)
     SELECT connection_id, currency, ${d.slot('first_sale_at')}, COUNT(*), MAX(first_sale_at) FROM customer_facts WHERE ${where} AND NOT acquired_before GROUP BY 1, 2, 3`;
}

/**
 * Touched first-sale slots past which cohort_slots of the whole connection are recomputed in one pass
 * over its facts (recomputeAllCohortSlotsSql) instead of slot by slot.
 */
export const COHORT_SLOTS_WHOLE = 2_000;

/**
 * Recomputes every cohort_slots row of connection $1 from customer_facts in one grouped pass, with no
 * join: what the end of a first backfill needs (its refresh touches a slot for nearly every quarter
 * hour of the range). The slot-by-slot join below, planned by PostgreSQL from tables that grew inside
 * the same transaction, became a nested loop of every fact against every touched slot: more than a
 * minute and a half, then cancelled, for 271,539 facts at the 1,000,000-transaction scale run.
 */
export function recomputeAllCohortSlotsSql(d: SqlDialect): string[] {
  return ['DELETE FROM cohort_slots WHERE connection_id = $1', cohortSlotsFromFactsSql(d, 'connection_id = $1')];
}

/**
 * Recomputes cohort_slots (customers, latest first sale: a MAX is not a delta) of the slots staged in
 * agg_touched_slots for connection $1 from customer_facts alone, then clears the stage.
 */
export function recomputeCohortSlotsSql(d: SqlDialect): string[] {
  return [
    `DELETE FROM cohort_slots WHERE connection_id = $1 AND EXISTS (SELECT 1 FROM agg_touched_slots t
       WHERE t.connection_id = cohort_slots.connection_id AND t.currency = cohort_slots.currency AND t.slot = cohort_slots.slot)`,
    `INSERT INTO cohort_slots (connection_id, currency, slot, customers, last_first_sale_at)
     SELECT t.connection_id, t.currency, t.slot, COUNT(*), MAX(f.first_sale_at) FROM agg_touched_slots t
       JOIN customer_facts f ON f.connection_id = t.connection_id AND f.currency = t.currency AND ${d.inSlot('f.first_sale_at', 't.slot')} AND NOT f.acquired_before
     WHERE t.connection_id = $1 GROUP BY 1, 2, 3`,
    'DELETE FROM agg_touched_slots WHERE connection_id = $1',
  ];
}

/**
 * Statements that rebuild every aggregate from money_events and customer_facts: of every connection, or
 * (byConnection) of the connection given as $1. A cohort_ages cell that sums to zero is left out, as the
 * write-time maintenance drops it. Every total is placed at its own instant: event measures
 * at the event, orders at their first sale (a sale without an order id is no order), new customers at
 * their first sale (facts). Run them after the engine's settings for a whole rebuild (SqlDialect.rebuildSettingsSql).
 */
export function rebuildAggregatesSql(d: SqlDialect, byConnection: boolean): string[] {
  const w = (alias = '') => (byConnection ? `${alias}connection_id = $1` : 'TRUE');
  const sums = COLUMNS.map((c) => `SUM(${c})`).join(', ');
  /** One branch of the union: `values` for the named totals, 0 for the rest. */
  const branch = (values: Partial<Record<TotalName, string>>) => TOTALS.map((n) => `${values[n] ?? '0'} AS ${COLUMN[n]}`).join(', ');
  const events = Object.fromEntries(EVENT_MEASURES.map(([n]) => [n, measureSql(n)]));
  /** Where each first-sale measure counts from: an order's first sale in the ledger, a customer's in the facts. */
  // An order's sales are in one currency (the order's): its first sale's slot and that currency.
  const firstSales = FIRST_SALE_MEASURES.map(([n, m]) =>
    m.of === 'order'
      ? `SELECT connection_id, currency, ${d.slot('first_at')}, ${branch({ [n]: 'COUNT(*)' })}
       FROM (SELECT connection_id, order_id, MIN(currency) AS currency, MIN(instant) AS first_at FROM money_events WHERE ${w()} AND ${kindSql(MEASURES.sales.kinds)} AND order_id IS NOT NULL GROUP BY connection_id, order_id) o GROUP BY 1, 2, 3`
      : `SELECT connection_id, currency, ${d.slot('first_sale_at')}, ${branch({ [n]: 'COUNT(*)' })} FROM customer_facts WHERE ${w()} AND ${m.acquired === 'before' ? '' : 'NOT '}acquired_before GROUP BY 1, 2, 3`,
  );
  return [
    `DELETE FROM event_slots WHERE ${w()}`,
    `DELETE FROM cohort_slots WHERE ${w()}`,
    `DELETE FROM cohort_ages WHERE ${w()}`,
    `INSERT INTO event_slots (connection_id, currency, slot, ${COLUMNS.join(', ')})
     SELECT connection_id, currency, slot, ${sums} FROM (
       SELECT connection_id, currency, ${d.slot('instant')} AS slot, ${branch(events)}
       FROM money_events WHERE ${w()} GROUP BY 1, 2, 3
       ${firstSales.map((q) => `UNION ALL ${q}`).join('\n       ')}
     ) x GROUP BY 1, 2, 3`,
    cohortSlotsFromFactsSql(d, w()),
    `INSERT INTO cohort_ages (connection_id, currency, slot, age_days, net_cents)
       SELECT f.connection_id, f.currency, ${d.slot('f.first_sale_at')}, ${ageDaysSql(d, 'e.instant', 'f.first_sale_at')}, ${measureSql('net', 'e')}
       FROM ${FACT_EVENTS}
       WHERE ${w('f.')} GROUP BY 1, 2, 3, 4
       HAVING ${measureSql('net', 'e')} <> 0`,
    ...rebuildOrderFirstSalesSql(byConnection),
    ...rebuildCohortMonthsSql(d, byConnection),
    ...rebuildCohortGroupsSql(d, byConnection),
    ...rebuildCustomerAgesSql(d, byConnection),
    ...rebuildAttemptDaysSql(d, byConnection),
    ...rebuildMidMonthsSql(d, byConnection),
    ...rebuildRebillSavesSql(byConnection),
    ...rebuildChargebackSalesSql(byConnection),
    ...rebuildRefundSalesSql(byConnection),
    ...rebuildBreakdownDaysSql(d, byConnection),
    ...rebuildSubscriptionCyclesSql(byConnection),
    ...rebuildRebillRatesSql(byConnection),
    ...rebuildRetentionDaysSql(d, byConnection),
  ];
}

/** Applies SlotDeltas rows (staged by the engine: rowSet, not inlined literals) to event_slots. */
export async function applySlotDeltas(ctx: StoreContext, connectionId: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const deltas = await ctx.db.rowSet(EVENT_SLOTS, rows);
  for (const sql of addSlotDeltasSql(deltas)) await ctx.db.exec(sql, [connectionId]);
}
