/**
 * Incremental maintenance of the report pre-aggregates (schema.ts: event_slots, cohort_slots,
 * cohort_ages; docs/store.md "Pre-aggregates"). The write paths of sql-store.ts collect what a
 * transaction changed here, as exact deltas per slot, and apply them with the SQL below in that same
 * transaction:
 * - a ledger event removed or added moves its own slot's sums and counts, and its customer's cohort_ages
 *   cell under the facts as they stand (none without facts);
 * - an order whose sales changed moves from the slot of its old first sale to that of its new one;
 * - a customer whose facts are recomputed moves new_customers and their whole cohort_ages contribution
 *   from the old first-sale slot to the new one, and cohort_slots of both slots are recomputed from the
 *   facts (a latest first sale is a MAX, not a delta).
 */
import { DAY } from '../core/time.js';
import { ageDaysSql, COHORT_AGES, cohortSlotsFromFactsSql, EVENT_SLOTS, slotSql, type Dialect, type Row } from './schema.js';

export const SLOT_MS = 15 * 60_000;

/** The 15-minute UTC slot (epoch ms) of an instant. */
export const slotOf = (ms: number): number => Math.floor(ms / SLOT_MS) * SLOT_MS;

const COUNTS = EVENT_SLOTS.columns.map((c) => c.name).filter((n) => n !== 'connection_id' && n !== 'slot');

/** A ledger event as the maintenance reads it (instant in epoch ms). */
export interface EventFacts {
  kind: string;
  instant: number;
  amount_cents: number;
  is_initial: boolean;
}

/** Deltas of event_slots rows, keyed by slot (one connection). */
export class SlotDeltas {
  private readonly bySlot = new Map<number, Record<string, number>>();

  private row(slot: number): Record<string, number> {
    let r = this.bySlot.get(slot);
    if (!r) this.bySlot.set(slot, (r = Object.fromEntries(COUNTS.map((n) => [n, 0]))));
    return r;
  }

  /** An event added (+1) or removed (-1). */
  event(e: EventFacts, sign: 1 | -1): void {
    const r = this.row(slotOf(e.instant));
    const cents = sign * e.amount_cents;
    const add = (k: string, v: number) => (r[k] = (r[k] ?? 0) + v);
    if (e.kind === 'sale') {
      add('gross_cents', cents);
      add('sale_count', sign);
      add(e.is_initial ? 'initial_approved' : 'rebill_approved', sign);
    } else if (e.kind === 'decline') {
      add(e.is_initial ? 'initial_declined' : 'rebill_declined', sign);
    } else if (e.kind === 'refund' || e.kind === 'void' || e.kind === 'chargeback') {
      add('refund_cents', -cents);
      if (e.kind === 'chargeback') {
        add('chargeback_cents', -cents);
        add('chargeback_count', sign);
      }
    }
  }

  /** An order (first sale at ms) or a new customer (first sale at ms) added or removed. */
  count(column: 'orders' | 'new_customers', ms: number, sign: 1 | -1): void {
    const r = this.row(slotOf(ms));
    r[column] = (r[column] ?? 0) + sign;
  }

  /** Non-zero deltas as event_slots rows (the counts to add). */
  rows(connectionId: string): Row[] {
    const out: Row[] = [];
    for (const [slot, r] of this.bySlot) if (COUNTS.some((k) => r[k] !== 0)) out.push({ connection_id: connectionId, slot, ...r });
    return out;
  }
}

/** Deltas of cohort_ages rows (one connection). */
export class AgeDeltas {
  private readonly cells = new Map<string, { slot: number; age: number; cents: number }>();

  /** An event of a customer whose first sale is at firstMs, added or removed. */
  event(firstMs: number, e: EventFacts, sign: 1 | -1): void {
    if (e.kind === 'decline') return;
    const slot = slotOf(firstMs);
    const age = Math.floor((e.instant - firstMs) / DAY);
    const k = `${slot}|${age}`;
    const c = this.cells.get(k) ?? { slot, age, cents: 0 };
    c.cents += sign * e.amount_cents;
    this.cells.set(k, c);
  }

  rows(connectionId: string): Row[] {
    return [...this.cells.values()].filter((c) => c.cents !== 0).map((c) => ({ connection_id: connectionId, slot: c.slot, age_days: c.age, net_cents: c.cents }));
  }
}

/**
 * Adds slot deltas to event_slots and drops rows left all zero. `deltas` is a subquery of SlotDeltas
 * rows (SqlDriver.rowSet) of connection $1, read twice in the same transaction.
 */
export function addSlotDeltasSql(deltas: string): string[] {
  const cols = EVENT_SLOTS.columns.map((c) => c.name).join(', ');
  return [
    `INSERT INTO event_slots (${cols}) SELECT CAST($1 AS TEXT), ${EVENT_SLOTS.columns.filter((c) => c.name !== 'connection_id').map((c) => c.name).join(', ')} FROM (${deltas}) AS d
     ON CONFLICT (connection_id, slot) DO UPDATE SET ${COUNTS.map((n) => `${n} = event_slots.${n} + EXCLUDED.${n}`).join(', ')}`,
    `DELETE FROM event_slots WHERE connection_id = $1 AND slot IN (SELECT slot FROM (${deltas}) AS d) AND ${COUNTS.map((n) => `${n} = 0`).join(' AND ')}`,
  ];
}

/** Adds the staged agg_age_delta rows of connection $1 to cohort_ages, drops cells left at zero, clears the stage. */
export function applyAgeDeltasSql(): string[] {
  const cols = COHORT_AGES.columns.map((c) => c.name).join(', ');
  return [
    `INSERT INTO cohort_ages (${cols}) SELECT ${cols} FROM agg_age_delta WHERE connection_id = $1
     ON CONFLICT (connection_id, slot, age_days) DO UPDATE SET net_cents = cohort_ages.net_cents + EXCLUDED.net_cents`,
    `DELETE FROM cohort_ages WHERE connection_id = $1 AND net_cents = 0 AND EXISTS (SELECT 1 FROM agg_age_delta d
       WHERE d.connection_id = cohort_ages.connection_id AND d.slot = cohort_ages.slot AND d.age_days = cohort_ages.age_days)`,
    'DELETE FROM agg_age_delta WHERE connection_id = $1',
  ];
}

/**
 * A customer's whole cohort_ages contribution (their events under their facts as they stand), for the
 * customers in `ids` of connection $1, added to agg_age_delta with `sign`: run with -1 before their facts
 * are recomputed and +1 after, it moves them from the old first-sale cells to the new ones.
 */
export function stageCustomerAgesSql(dialect: Dialect, ids: string, sign: 1 | -1): string {
  const slot = slotSql(dialect, 'f.first_sale_at');
  const age = ageDaysSql(dialect, 'e.instant', 'f.first_sale_at');
  return `INSERT INTO agg_age_delta (connection_id, slot, age_days, net_cents)
     SELECT f.connection_id, ${slot}, ${age}, ${sign} * SUM(e.amount_cents)
     FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.kind <> 'decline'
     WHERE f.connection_id = $1 AND f.customer_id IN (${ids}) GROUP BY 1, 2, 3
     ON CONFLICT (connection_id, slot, age_days) DO UPDATE SET net_cents = agg_age_delta.net_cents + EXCLUDED.net_cents`;
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
export function recomputeAllCohortSlotsSql(dialect: Dialect): string[] {
  return ['DELETE FROM cohort_slots WHERE connection_id = $1', cohortSlotsFromFactsSql(dialect, 'connection_id = $1')];
}

/**
 * Recomputes cohort_slots (customers, latest first sale: a MAX is not a delta) of the slots staged in
 * agg_touched_slots for connection $1 from customer_facts alone, then clears the stage. PostgreSQL reaches
 * the facts of a slot by the (connection_id, first_sale_at) index (a range); DuckDB, without secondary
 * indexes, hash-joins on the slot.
 */
export function recomputeCohortSlotsSql(dialect: Dialect): string[] {
  const inSlot =
    dialect === 'postgres'
      ? `f.connection_id = t.connection_id AND f.first_sale_at >= t.slot AND f.first_sale_at < t.slot + INTERVAL '15 minutes'`
      : `f.connection_id = t.connection_id AND ${slotSql(dialect, 'f.first_sale_at')} = t.slot`;
  return [
    'DELETE FROM cohort_slots WHERE connection_id = $1 AND slot IN (SELECT slot FROM agg_touched_slots WHERE connection_id = $1)',
    `INSERT INTO cohort_slots (connection_id, slot, customers, last_first_sale_at)
     SELECT t.connection_id, t.slot, COUNT(*), MAX(f.first_sale_at) FROM agg_touched_slots t JOIN customer_facts f ON ${inSlot}
     WHERE t.connection_id = $1 GROUP BY 1, 2`,
    'DELETE FROM agg_touched_slots WHERE connection_id = $1',
  ];
}
