/**
 * cohort_months: the cohort triangle's pre-aggregate (docs/store.md, "Pre-aggregates"), the sibling of
 * cohort_ages. Net revenue per (connection, currency, cohort key, event key): the cohort key stands for
 * the customer's first sale, the event key for the event's instant, each chosen so that it has the same
 * calendar month as the instant it stands for in EVERY time zone:
 *
 * - Every zone's offset lies within -12 h .. +14 h of UTC, so an instant t of UTC month [B, N) has a
 *   local month other than the UTC one only when t + 14 h >= N (a zone ahead of UTC is already in the next
 *   month) or t - 12 h < B (a zone behind it is still in the previous one): the band [N - 14 h, N) and
 *   [B, B + 12 h). Outside it (the month's core, [B + 12 h, N - 14 h)) every zone sees month M, and the
 *   key is B + 12 h, the core's first instant: one key for most of a month.
 * - Inside the band the key is the instant's 15-minute UTC slot: every local midnight of every zone
 *   (offsets are whole quarter hours) falls on a slot boundary, so a slot lies in one local month.
 *
 * Keys are epoch milliseconds (BIGINT). The triangle (analytics/cohorts.ts) reads a key's month in the
 * viewer's zone; a range of whole viewer months (bounds at local midnights of a 1st, inside a band or on
 * its edge) selects cohort keys exactly. A range bound inside a core (a range not of whole months) splits
 * that core's cohort key, so the customers first sold in a core are kept a second time by the slot of
 * their first sale (rows with by_slot; event keys as above): a report reads those rows for the part of a
 * split core inside its range, and the month keys (NOT by_slot) for the rest. Kept like cohort_ages (aggregates.ts): an event added or removed
 * moves its cell under its customer's facts as they stand (MonthDeltas); a customer whose facts are
 * recomputed moves their whole contribution (stageCustomerMonthsSql with -1, then +1); rebuilt by
 * rebuildCohortMonthsSql. Only events in the customer's currency, declines aside, of customers acquired
 * within the data's coverage count, as in cohort_ages.
 */
import { HOUR } from '../core/time.js';
import { measureSql, moneySql, netOf } from '../ledger/index.js';
import type { AddParam, SqlDialect } from './dialect.js';
import type { SqlDriver } from './driver.js';
import { slotOf, type EventFacts, type FirstSale } from './slots.js';
import { AGG_MONTH_DELTA, COHORT_MONTHS, type Row } from './tables.js';


/** How far ahead of UTC a zone's clock can be (Pacific/Kiritimati, +14:00). */
export const MAX_AHEAD_MS = 14 * HOUR;
/** How far behind UTC a zone's clock can be (Etc/GMT+12, -12:00). */
export const MAX_BEHIND_MS = 12 * HOUR;

/** The UTC month start (epoch ms) of an instant, and the next one. */
function utcMonth(ms: number): { start: number; next: number } {
  const d = new Date(ms);
  return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), next: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}

/** The key (epoch ms) of an instant: its UTC month's core start outside the band, else its 15-minute slot. */
export function monthKeyOf(ms: number): number {
  if (ms >= coreStart(ms) && ms < coreEnd(ms)) return coreStart(ms);
  return slotOf(ms);
}

/** The first instant (epoch ms) of the core of the UTC month holding `ms`: its key. */
export function coreStart(ms: number): number {
  return utcMonth(ms).start + MAX_BEHIND_MS;
}

/** The end (epoch ms, exclusive) of the core of the UTC month holding `ms`: where its next band starts. */
export function coreEnd(ms: number): number {
  return utcMonth(ms).next - MAX_AHEAD_MS;
}

/**
 * Whether a range bound (epoch ms) splits no key: a cohort key `k` then lies in [startMs, endMs) exactly
 * when every first sale it stands for does. True for a bound on a slot boundary inside a band or at a
 * core's start, so for every local midnight of the 1st of a month in every zone.
 */
export function isKeyBound(ms: number): boolean {
  return monthKeyOf(ms) === ms;
}

/** Deltas of cohort_months rows (one connection), as AgeDeltas keeps cohort_ages'. */
export class MonthDeltas {
  private readonly cells = new Map<string, { currency: string; bySlot: boolean; cohort: number; event: number; cents: number }>();

  /** An event of a customer whose first sale is `first`, added (+1) or removed (-1). */
  event(first: FirstSale, e: EventFacts, sign: 1 | -1): void {
    if (e.currency !== first.currency || first.acquiredBefore) return;
    const event = monthKeyOf(e.instant);
    const cohort = monthKeyOf(first.ms);
    this.add(first.currency, false, cohort, event, sign * netOf(e));
    // A first sale in a core is kept by its slot too (a range bound may split the core).
    const slot = slotOf(first.ms);
    if (cohort === coreStart(first.ms)) this.add(first.currency, true, slot, event, sign * netOf(e));
  }

  private add(currency: string, bySlot: boolean, cohort: number, event: number, cents: number): void {
    const k = `${currency}|${bySlot}|${cohort}|${event}`;
    const c = this.cells.get(k) ?? { currency, bySlot, cohort, event, cents: 0 };
    c.cents += cents;
    this.cells.set(k, c);
  }

  rows(connectionId: string): Row[] {
    return [...this.cells.values()]
      .filter((c) => c.cents !== 0)
      .map((c) => ({ connection_id: connectionId, currency: c.currency, by_slot: c.bySlot, cohort_key: c.cohort, event_key: c.event, net_cents: c.cents }));
  }
}

/** Adds the staged agg_month_delta rows of connection $1 to cohort_months, drops cells left at zero, clears the stage. */
export function applyMonthDeltasSql(): string[] {
  const cols = COHORT_MONTHS.columns.map((c) => c.name).join(', ');
  return [
    `INSERT INTO cohort_months (${cols}) SELECT ${cols} FROM agg_month_delta WHERE connection_id = $1
     ON CONFLICT (connection_id, currency, by_slot, cohort_key, event_key) DO UPDATE SET net_cents = cohort_months.net_cents + EXCLUDED.net_cents`,
    `DELETE FROM cohort_months WHERE connection_id = $1 AND net_cents = 0 AND EXISTS (SELECT 1 FROM agg_month_delta d
       WHERE d.connection_id = cohort_months.connection_id AND d.currency = cohort_months.currency AND d.by_slot = cohort_months.by_slot AND d.cohort_key = cohort_months.cohort_key AND d.event_key = cohort_months.event_key)`,
    'DELETE FROM agg_month_delta WHERE connection_id = $1',
  ];
}

/**
 * Applies the events removed and added by a ledger write to cohort_months, under the first sales of
 * their customers (`first`, by customer id: the facts as they stand), in the write's transaction.
 */
export async function applyMonthEvents(
  db: SqlDriver,
  connectionId: string,
  changes: readonly (readonly [readonly (EventFacts & { customer_id: number | null })[], 1 | -1])[],
  first: ReadonlyMap<number, FirstSale>,
): Promise<void> {
  const d = new MonthDeltas();
  for (const [list, sign] of changes) {
    for (const e of list) {
      const f = e.customer_id !== null ? first.get(e.customer_id) : undefined;
      if (f !== undefined) d.event(f, e, sign);
    }
  }
  const rows = d.rows(connectionId);
  if (rows.length === 0) return;
  await db.insert(AGG_MONTH_DELTA, rows);
  for (const sql of applyMonthDeltasSql()) await db.exec(sql, [connectionId]);
}

/** A zone name as an SQL literal (the key's months are read in UTC: no parameter needed). */
const literal: AddParam = (v) => {
  if (v !== 'UTC') throw new RangeError(`cohort-months: only the UTC zone is inlined, got ${String(v)}`);
  return `'UTC'`;
};

/**
 * SQL of monthKeyOf over an instant expression: in the band when the UTC months of `t + 14 h` and
 * `t - 12 h` differ (the band around a month start is 26 hours, a month at least 28 days), else the
 * month's start (a date: whole days since 1970) plus 12 hours. UTC has one offset, so the dialect reads
 * the month without a zone table; the bounds given to it are unused.
 */
export function monthKeySql(d: SqlDialect, t: string): string {
  return `CASE WHEN ${inBandSql(d, t)} THEN ${d.epochMs(d.slot(t))} ELSE CAST(CAST(${utcMonthSql(d, t)} AS DATE) - DATE '1970-01-01' AS BIGINT) * 86400000 + ${MAX_BEHIND_MS} END`;
}

const utcMonthSql = (d: SqlDialect, x: string) => d.periodStartInRange(literal, x, 'UTC', 'month', 0, 1);

/** SQL condition: the instant expression lies in a band (see monthKeySql). */
function inBandSql(d: SqlDialect, t: string): string {
  return `${utcMonthSql(d, `(${t} + INTERVAL '${MAX_AHEAD_MS / 60_000} minutes')`)} <> ${utcMonthSql(d, `(${t} - INTERVAL '${MAX_BEHIND_MS / 60_000} minutes')`)}`;
}

/**
 * The cohort_months rows (columns in table order) of the facts and events of FACT_EVENTS matching
 * `where`, net times `sign`: one pass over the join by first-sale slot and event key, then rolled up to
 * month keys (a slot lies in one key: the band's edges are on slot boundaries) and kept by slot for first
 * sales in a core.
 */
function cellsSql(d: SqlDialect, where: string, sign: string): string {
  const bySlot = `SELECT f.connection_id, f.currency, ${d.slot('f.first_sale_at')} AS slot, ${monthKeySql(d, 'e.instant')} AS event_key, ${sign}${measureSql('net', 'e')} AS net_cents
     FROM ${FACT_EVENTS} WHERE ${where} GROUP BY 1, 2, 3, 4`;
  return `WITH s AS MATERIALIZED (${bySlot})
     SELECT connection_id, currency, FALSE AS by_slot, ${monthKeySql(d, 's.slot')} AS cohort_key, event_key, SUM(net_cents) AS net_cents FROM s GROUP BY 1, 2, 3, 4, 5
     UNION ALL SELECT connection_id, currency, TRUE, ${d.epochMs('s.slot')}, event_key, net_cents FROM s WHERE NOT (${inBandSql(d, 's.slot')})`;
}

/** Facts joined to their customers' money events in the customer's currency (aliases f and e), as cohort_ages'. */
const FACT_EVENTS = `customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND ${moneySql('e')} AND NOT f.acquired_before`;

/**
 * A customer's whole cohort_months contribution, for the customers in `ids` of connection $1, added to
 * agg_month_delta with `sign`: -1 before their facts are recomputed, +1 after (then applyMonthDeltasSql).
 */
export function stageCustomerMonthsSql(d: SqlDialect, ids: string, sign: 1 | -1): string {
  return `INSERT INTO agg_month_delta (connection_id, currency, by_slot, cohort_key, event_key, net_cents)
     SELECT * FROM (${cellsSql(d, `f.connection_id = $1 AND f.customer_id IN (${ids})`, `${sign} * `)}) c
     ON CONFLICT (connection_id, currency, by_slot, cohort_key, event_key) DO UPDATE SET net_cents = agg_month_delta.net_cents + EXCLUDED.net_cents`;
}

/**
 * Statements that rebuild cohort_months from money_events and customer_facts: of every connection, or
 * (byConnection) of connection $1. A cell summing to zero is left out, as the maintenance drops it.
 */
export function rebuildCohortMonthsSql(d: SqlDialect, byConnection: boolean): string[] {
  const w = (alias = '') => (byConnection ? `${alias}connection_id = $1` : 'TRUE');
  return [
    `DELETE FROM cohort_months WHERE ${w()}`,
    `INSERT INTO cohort_months (connection_id, currency, by_slot, cohort_key, event_key, net_cents)
       SELECT * FROM (${cellsSql(d, w('f.'), '')}) c WHERE c.net_cents <> 0`,
  ];
}
