/**
 * mid_months (docs/store.md, "MID health by month key"): the ledger's sale and chargeback events counted
 * (and their amounts summed) per connection, currency, month key (cohort-months.ts' monthKeyOf), MID and
 * card network: what MID health (analytics/mids.ts) groups by. A month key has the same calendar month
 * as the instants it stands for in EVERY time zone (its 15-minute slot in the 26-hour band around a UTC
 * month start, else the month's core start), so the months of any account's zone are whole sets of keys:
 * the report reads a range of keys and no ledger edge at all.
 *
 * Kept as the other pre-aggregates are (aggregates.ts): every ledger event removed or added moves its
 * own cell by one, in the same transaction (ledger-writer.ts); rebuilt by rebuildAggregates() and the
 * end-of-backfill rebuild; read only while the connection's aggregates are not behind (rebuild_pending).
 * Absent key values are stored as attempt_days stores them (NONE_TEXT, NONE_NUMBER).
 */
import type { StoreContext } from './driver.js';
import type { SqlDialect } from './dialect.js';
import { addCountCells, NONE_NUMBER, NONE_TEXT, type AttemptFacts } from './attempt-days.js';
import { monthKeyOf, monthKeySql } from './cohort-months.js';
import { MID_MONTHS, type Row } from './tables.js';

/** The ledger kinds the table counts. */
export const MID_MONTH_KINDS = ['sale', 'chargeback'] as const;
const KIND_SET: ReadonlySet<string> = new Set(MID_MONTH_KINDS);

const KEY_COLUMNS = ['currency', 'month_key', 'kind', 'merchant_id', 'card_brand'] as const;
const COLS = MID_MONTHS.columns.map((c) => c.name);

/** Adds the removed and added events of one write to mid_months (connection `connectionId`), dropping cells left empty. */
export async function applyMidMonths(ctx: StoreContext, connectionId: string, removed: readonly AttemptFacts[], added: readonly AttemptFacts[]): Promise<void> {
  const cells = new Map<string, Row & { events: number; cents: number }>();
  for (const [list, sign] of [[removed, -1], [added, 1]] as const) {
    for (const e of list) {
      if (!KIND_SET.has(e.kind)) continue;
      const key: Row = { currency: e.currency ?? NONE_TEXT, month_key: monthKeyOf(e.instant), kind: e.kind, merchant_id: e.merchant_id ?? NONE_NUMBER, card_brand: e.card_brand ?? NONE_TEXT };
      const k = JSON.stringify(KEY_COLUMNS.map((c) => key[c]));
      const c = cells.get(k) ?? { ...key, events: 0, cents: 0 };
      c.events += sign;
      c.cents += sign * e.amount_cents;
      cells.set(k, c);
    }
  }
  await addCountCells(ctx, MID_MONTHS, KEY_COLUMNS, connectionId, [...cells.values()].filter((c) => c.events !== 0 || c.cents !== 0).map((c) => ({ connection_id: connectionId, ...c })));
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
