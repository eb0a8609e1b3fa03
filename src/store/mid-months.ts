/**
 * mid_months (docs/store.md, "MID health by month key"): the ledger's sale and chargeback events counted
 * (and their amounts summed) per connection, currency, month key (cohort-months.ts' monthKeyOf), MID and
 * card network: what MID health (analytics/mids.ts) groups by. A month key has the same calendar month
 * as the instants it stands for in EVERY time zone (its 15-minute slot in the 26-hour band around a UTC
 * month start, else the month's core start), so the months of any account's zone are whole sets of keys:
 * the report reads a range of keys and no ledger edge at all.
 *
 * Kept as the other pre-aggregates are (aggregates.ts): every ledger event removed or added moves its
 * own cell by one, in the same transaction (attempt-days.ts' AttemptCellDeltas, applied by
 * ledger-writer.ts); rebuilt by rebuildAggregates() and the end-of-backfill rebuild; read only while the
 * connection's aggregates are not behind (rebuild_pending).
 * Absent key values are stored as attempt_days stores them (NONE_TEXT, NONE_NUMBER).
 */
import type { StoreContext } from './driver.js';
import type { SqlDialect } from './dialect.js';
import { applyAttemptCells, NONE_NUMBER, type AttemptCells, type AttemptFacts } from './attempt-days.js';
import { monthKeySql } from './cohort-months.js';
import { MID_MONTHS } from './tables.js';

/** The ledger kinds the table counts. */
export const MID_MONTH_KINDS = ['sale', 'chargeback'] as const;
const KIND_SET: ReadonlySet<string> = new Set(MID_MONTH_KINDS);

const MID_MONTH_CELLS: AttemptCells = {
  spec: MID_MONTHS,
  kinds: KIND_SET,
  keyColumns: ['currency', 'month_key', 'kind', 'merchant_id', 'card_brand'],
};
const COLS = MID_MONTHS.columns.map((c) => c.name);

/** Adds the removed and added events of one write to mid_months (connection `connectionId`), dropping cells left empty. */
export async function applyMidMonths(ctx: StoreContext, connectionId: string, removed: readonly AttemptFacts[], added: readonly AttemptFacts[]): Promise<void> {
  await applyAttemptCells(ctx, MID_MONTH_CELLS, connectionId, removed, added);
}

/**
 * Statements that rebuild mid_months from money_events: of every connection, or (byConnection) of the
 * connection given as $1. Inserted in key order, so a range of months is a contiguous run of rows.
 */
export function rebuildMidMonthsSql(d: SqlDialect, byConnection: boolean): string[] {
  const w = byConnection ? 'e.connection_id = $1' : 'TRUE';
  return [
    `DELETE FROM mid_months WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO mid_months (${COLS.join(', ')})
     SELECT e.connection_id, COALESCE(e.currency, CHR(1)), ${monthKeySql(d, 'e.instant')}, e.kind, COALESCE(e.merchant_id, ${NONE_NUMBER}), COALESCE(e.card_brand, CHR(1)), COUNT(*), SUM(e.amount_cents)
     FROM money_events e WHERE ${w} AND e.kind IN (${MID_MONTH_KINDS.map((k) => `'${k}'`).join(', ')})
     GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 3, 1`,
  ];
}
