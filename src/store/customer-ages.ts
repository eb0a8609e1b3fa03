/**
 * customer_ages (tables.ts, migration 33; docs/store.md "Each customer's net by age"): each customer's net
 * revenue by whole days since their own first sale, with that first sale, of the customers cohort LTV
 * counts (not acquired before the coverage; events in the customer's currency). Cohort LTV by month with a
 * breakdown (analytics/cohorts.ts cohortReportFromGroups) reads the month keys inside its range from
 * cohort_group_ages, and the first sales between a range bound and its month's core (the "edges") from
 * here joined to the customers' facts, instead of a scan of every money event. Kept in first-sale order
 * by the rebuild (DuckDB skips the row groups outside an edge by their min/max; PostgreSQL has an index on
 * first_sale_at: an edge reads every connection's first sales in it); rows written later for old
 * customers (a rebill's new age) land in later row groups, which a rebuild puts back in order.
 *
 * Kept as cohort_group_ages is, in the write's transaction: an event added or removed moves its customer's
 * (age) cell under the customer's facts as they stand (CustomerAgeDeltas, in ledger-writer.ts'
 * eventsChanged with GroupAgeDeltas); a customer whose facts a refresh recomputed and whose first sale,
 * currency or acquired-before changed (or who gained or lost their facts) has their rows recomputed from
 * the ledger under the new facts (moveCustomerAges); one whose facts stayed the same was moved by the
 * events already. Rebuilt by rebuildCustomerAgesSql with the other pre-aggregates.
 */
import { measureSql, moneySql, netOf } from '../ledger/index.js';
import { DAY } from '../core/time.js';
import { ageDaysSql, type SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import type { EventFacts, FirstSale } from './slots.js';
import { addCountCells } from './attempt-days.js';
import { CUSTOMER_AGES, type Row, type TableSpec } from './tables.js';

const KEY = CUSTOMER_AGES.key.slice(1);
const COLS = CUSTOMER_AGES.columns.map((c) => c.name).join(', ');

/** Deltas of customer_ages cells (one connection). */
export class CustomerAgeDeltas {
  private readonly cells = new Map<string, Row>();

  /** An event of customer `customerId` (first sale `first`) added (+1) or removed (-1): as GroupAgeDeltas, per customer. */
  event(customerId: number, first: FirstSale, e: EventFacts, sign: 1 | -1): void {
    if (e.currency !== first.currency || first.acquiredBefore) return;
    const net = sign * netOf(e);
    if (net === 0) return;
    const age = Math.floor((e.instant - first.ms) / DAY);
    const k = `${customerId}|${age}`;
    const c = this.cells.get(k) ?? { customer_id: customerId, age_days: age, first_sale_at: first.ms, net_cents: 0 };
    c.net_cents = Number(c.net_cents) + net;
    this.cells.set(k, c);
  }

  rows(connectionId: string): Row[] {
    return [...this.cells.values()].filter((c) => c.net_cents !== 0).map((c) => ({ connection_id: connectionId, ...c }));
  }
}

/** Adds CustomerAgeDeltas rows to customer_ages, dropping cells left at zero. */
export async function applyCustomerAgeDeltas(ctx: StoreContext, connectionId: string, deltas: CustomerAgeDeltas): Promise<void> {
  await addCountCells(ctx, CUSTOMER_AGES, KEY, connectionId, deltas.rows(connectionId), ['net_cents']);
}

/** customer_ages rows (table order) of the facts and events matching `where` (aliases f, e); cells summing to zero left out. */
function agesSql(d: SqlDialect, where: string): string {
  return `SELECT f.connection_id, f.customer_id, ${ageDaysSql(d, 'e.instant', 'f.first_sale_at')} AS age_days, f.first_sale_at, ${measureSql('net', 'e')} AS net_cents
     FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND ${moneySql('e')} AND NOT f.acquired_before
     WHERE ${where} GROUP BY f.connection_id, f.customer_id, f.first_sale_at, 3 HAVING ${measureSql('net', 'e')} <> 0`;
}

/** What a refresh reads back of each customer's facts for moveCustomerAges: as moveGroupAges (f, c, b and the id as `id`). */
const IDS: TableSpec = { name: 'agg_customer_age_ids', key: [], types: {}, columns: [{ name: 'id', type: 'bigint' }] };

/**
 * Recomputes customer_ages for the customers whose facts a refresh recomputed (`before` the old facts rows,
 * `after` the new, read with f (first sale, epoch ms), c (currency), b (acquired before) and id) and whose
 * cells change: first sale, currency or acquired before changed, or facts gained or lost. Their rows go,
 * and come back from the ledger as it stands under the new facts.
 */
export async function moveCustomerAges(ctx: StoreContext, connectionId: string, before: readonly Row[], after: readonly Row[]): Promise<void> {
  const keyOf = (r: Row) => JSON.stringify([Number(r.f), r.c, r.b === true]);
  const oldKeys = new Map(before.map((r) => [Number(r.id), keyOf(r)]));
  const newKeys = new Map(after.map((r) => [Number(r.id), keyOf(r)]));
  const changed = new Set<number>();
  for (const [id, k] of oldKeys) if (newKeys.get(id) !== k) changed.add(id);
  for (const [id, k] of newKeys) if (oldKeys.get(id) !== k) changed.add(id);
  if (changed.size === 0) return;
  const ids = await ctx.db.rowSet(IDS, [...changed].sort((a, b) => a - b).map((id) => ({ id })));
  await ctx.db.exec(`DELETE FROM customer_ages WHERE connection_id = $1 AND customer_id IN (SELECT id FROM (${ids}) AS i)`, [connectionId]);
  await ctx.db.exec(`INSERT INTO customer_ages (${COLS}) ${agesSql(ctx.db.sql, `f.connection_id = $1 AND f.customer_id IN (SELECT id FROM (${ids}) AS i)`)}`, [connectionId]);
}

/**
 * Statements that rebuild customer_ages from customer_facts and money_events: of every connection, or
 * (byConnection) of connection $1; inserted in first-sale order (an edge reads one window of first sales).
 * On DuckDB the DELETE removes each row from the primary key's index one by one: 45 s for 7,000,000 rows at
 * 10,000,000 transactions (the insert 10-18 s), against a whole rebuild of about 15 minutes there. A swap
 * of tables instead (a new table filled, the old dropped, the new renamed) took 12-13 s but once read back
 * no rows in the same process: not used.
 */
export function rebuildCustomerAgesSql(d: SqlDialect, byConnection: boolean): string[] {
  return [
    `DELETE FROM customer_ages WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO customer_ages (${COLS}) SELECT * FROM (${agesSql(d, byConnection ? 'f.connection_id = $1' : 'TRUE')}) c ORDER BY first_sale_at, customer_id, age_days`,
  ];
}
