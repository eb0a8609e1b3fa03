/**
 * attempt_days (docs/store.md, "Attempts and disputes by UTC day"): the ledger's sale, decline,
 * chargeback and chargeback-reversal events counted (and their amounts summed) per connection,
 * currency, UTC day and the dimensions that MID health, declines and chargebacks group by: MID, card
 * network, billing cycle, retry number and reason (a decline's response text, a chargeback's reason
 * code). Every zone's local midnight is some instant, so a report over any instant range reads the
 * whole UTC days inside it here and the at most two partial days at its edges from the ledger
 * (analytics/attempt-source.ts): exact whatever the viewer's zone.
 *
 * Kept as the other pre-aggregates are (aggregates.ts): every ledger event removed or added moves its
 * own cell by one, in the same transaction (AttemptCellDeltas, applied by ledger-writer.ts); rebuilt by
 * rebuildAggregates() and the end-of-backfill rebuild; read only while the connection's aggregates are
 * not behind (rebuild_pending).
 *
 * A primary key cannot hold NULL on either engine: an absent text is stored as NONE_TEXT (U+0001, which
 * no CRM text carries) and an absent number as NONE_NUMBER (-1: MIDs, cycles and retries are never
 * negative); readers turn them back into NULL (attemptDaysColumnsSql).
 */
import { DAY } from '../core/time.js';
import { type MoneyEvent } from '../ledger/index.js';
import type { SqlDialect } from './dialect.js';
import type { StoreContext } from './driver.js';
import { monthKeyOf } from './cohort-months.js';
import { ATTEMPT_DAYS, type Row, type TableSpec } from './tables.js';

/** The ledger kinds the table counts. */
export const ATTEMPT_KINDS = ['sale', 'decline', 'chargeback', 'chargeback_reversal'] as const;
const KIND_SET: ReadonlySet<string> = new Set(ATTEMPT_KINDS);
export const ATTEMPT_KINDS_SQL = ATTEMPT_KINDS.map((k) => `'${k}'`).join(', ');

/** An absent text (reason, network, currency) as stored in the key. */
export const NONE_TEXT = '\u0001';
/** An absent number (MID, billing cycle, retry) as stored in the key. */
export const NONE_NUMBER = -1;

/** The UTC day number (days since 1970-01-01) of an instant in epoch ms. */
export const utcDayOf = (ms: number): number => Math.floor(ms / DAY);

/** What the maintenance reads of a ledger event (instant in epoch ms). */
export type AttemptFacts = Pick<MoneyEvent, 'kind' | 'instant' | 'amount_cents' | 'currency' | 'merchant_id' | 'card_brand' | 'billing_cycle' | 'recycle_number' | 'reason'>;

/** The columns a delete's RETURNING must add for AttemptFacts (beside kind, instant, amount_cents, currency). */
export const ATTEMPT_RETURNING = 'merchant_id, card_brand, billing_cycle, recycle_number, reason';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The AttemptFacts columns of a deleted row (RETURNING ATTEMPT_RETURNING). */
export function attemptFactsOf(r: Row): Pick<AttemptFacts, 'merchant_id' | 'card_brand' | 'billing_cycle' | 'recycle_number' | 'reason'> {
  return { merchant_id: num(r.merchant_id), card_brand: str(r.card_brand), billing_cycle: num(r.billing_cycle) ?? NONE_NUMBER, recycle_number: num(r.recycle_number), reason: str(r.reason) };
}

/**
 * The columns a table counting ledger attempts may key its cells by, with an event's value as the tables
 * store it (absent values as NONE_TEXT, NONE_NUMBER): its time cell is the UTC day (attempt_days) or the
 * month key (mid_months, cohort-months.ts' monthKeyOf).
 */
const STORED = {
  currency: (e: AttemptFacts) => e.currency ?? NONE_TEXT,
  day: (e: AttemptFacts) => utcDayOf(e.instant),
  month_key: (e: AttemptFacts) => monthKeyOf(e.instant),
  kind: (e: AttemptFacts) => e.kind,
  merchant_id: (e: AttemptFacts) => e.merchant_id ?? NONE_NUMBER,
  card_brand: (e: AttemptFacts) => e.card_brand ?? NONE_TEXT,
  billing_cycle: (e: AttemptFacts) => e.billing_cycle ?? NONE_NUMBER,
  recycle_number: (e: AttemptFacts) => e.recycle_number ?? NONE_NUMBER,
  reason: (e: AttemptFacts) => e.reason ?? NONE_TEXT,
} satisfies Record<string, (e: AttemptFacts) => string | number>;

/** A table counting ledger attempts per connection (attempt_days, mid_months): the kinds it counts, its key columns in order. */
export interface AttemptCells {
  spec: TableSpec;
  kinds: ReadonlySet<string>;
  keyColumns: readonly (keyof typeof STORED)[];
}

/** Deltas of one connection's cells of an AttemptCells table. */
export class AttemptCellDeltas {
  private readonly cells = new Map<string, Row & { events: number; cents: number }>();

  constructor(private readonly table: AttemptCells) {}

  /** A ledger event added (+1) or removed (-1); kinds the table does not count are ignored. */
  event(e: AttemptFacts, sign: 1 | -1): void {
    const { kinds, keyColumns } = this.table;
    if (!kinds.has(e.kind)) return;
    const key: Row = {};
    for (const c of keyColumns) key[c] = STORED[c](e);
    const k = JSON.stringify(keyColumns.map((c) => key[c]));
    const c = this.cells.get(k) ?? { ...key, events: 0, cents: 0 };
    c.events += sign;
    c.cents += sign * e.amount_cents;
    this.cells.set(k, c);
  }

  rows(connectionId: string): Row[] {
    return [...this.cells.values()].filter((c) => c.events !== 0 || c.cents !== 0).map((c) => ({ connection_id: connectionId, ...c }));
  }
}

/** Adds the removed and added events of one write to an AttemptCells table (connection `connectionId`), dropping cells left empty. */
export async function applyAttemptCells(ctx: StoreContext, table: AttemptCells, connectionId: string, removed: readonly AttemptFacts[], added: readonly AttemptFacts[]): Promise<void> {
  const deltas = new AttemptCellDeltas(table);
  for (const e of removed) deltas.event(e, -1);
  for (const e of added) deltas.event(e, 1);
  await addCountCells(ctx, table.spec, table.keyColumns, connectionId, deltas.rows(connectionId));
}

const ATTEMPT_DAY_CELLS: AttemptCells = {
  spec: ATTEMPT_DAYS,
  kinds: KIND_SET,
  keyColumns: ['currency', 'day', 'kind', 'merchant_id', 'card_brand', 'billing_cycle', 'recycle_number', 'reason'],
};

const COLS = ATTEMPT_DAYS.columns.map((c) => c.name);

/** Adds the removed and added events of one write to attempt_days (connection `connectionId`), dropping cells left empty. */
export async function applyAttemptDays(ctx: StoreContext, connectionId: string, removed: readonly AttemptFacts[], added: readonly AttemptFacts[]): Promise<void> {
  await applyAttemptCells(ctx, ATTEMPT_DAY_CELLS, connectionId, removed, added);
}

/**
 * Adds delta rows (the `measures` to add per key: events and cents unless given) to a counting table keyed
 * by connection_id and `keyColumns` (attempt_days, mid_months, breakdown_days), dropping the cells whose
 * measures are all left at zero.
 */
export async function addCountCells(ctx: StoreContext, spec: TableSpec, keyColumns: readonly string[], connectionId: string, rows: Row[], measures: readonly string[] = ['events', 'cents']): Promise<void> {
  if (rows.length === 0) return;
  const t = spec.name;
  const cols = spec.columns.map((c) => c.name);
  const set = await ctx.db.rowSet(spec, rows);
  await ctx.db.exec(
    `INSERT INTO ${t} (${cols.join(', ')}) SELECT CAST($1 AS TEXT), ${cols.slice(1).join(', ')} FROM (${set}) AS d
     ON CONFLICT (connection_id, ${keyColumns.join(', ')}) DO UPDATE SET ${measures.map((c) => `${c} = ${t}.${c} + EXCLUDED.${c}`).join(', ')}`,
    [connectionId],
  );
  const match = keyColumns.map((c) => `d.${c} = ${t}.${c}`).join(' AND ');
  await ctx.db.exec(`DELETE FROM ${t} WHERE connection_id = $1 AND ${measures.map((c) => `${c} = 0`).join(' AND ')} AND EXISTS (SELECT 1 FROM (${set}) AS d WHERE ${match})`, [connectionId]);
}

/** The key columns of a ledger row (alias `e`) as attempt_days stores them. */
function keyOfEventSql(d: SqlDialect): string {
  return [
    `COALESCE(e.currency, CHR(1))`,
    `CAST(FLOOR(${d.epochMs('e.instant')} / ${DAY}.0) AS INTEGER)`,
    'e.kind',
    `COALESCE(e.merchant_id, ${NONE_NUMBER})`,
    `COALESCE(e.card_brand, CHR(1))`,
    `COALESCE(e.billing_cycle, ${NONE_NUMBER})`,
    `COALESCE(e.recycle_number, ${NONE_NUMBER})`,
    `COALESCE(e.reason, CHR(1))`,
  ].join(', ');
}

/**
 * Statements that rebuild attempt_days from money_events: of every connection, or (byConnection) of the
 * connection given as $1. Inserted in day order, so a range of days is a contiguous run of rows (DuckDB
 * skips the rest by its row groups' min/max).
 */
export function rebuildAttemptDaysSql(d: SqlDialect, byConnection: boolean): string[] {
  const w = byConnection ? 'e.connection_id = $1' : 'TRUE';
  return [
    `DELETE FROM attempt_days WHERE ${byConnection ? 'connection_id = $1' : 'TRUE'}`,
    `INSERT INTO attempt_days (${COLS.join(', ')})
     SELECT e.connection_id, ${keyOfEventSql(d)}, COUNT(*), SUM(e.amount_cents)
     FROM money_events e WHERE ${w} AND e.kind IN (${ATTEMPT_KINDS_SQL})
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 ORDER BY 3, 1, 2`,
  ];
}

/** attempt_days' columns as the ledger names them (absent values NULL again), for a source union with money_events. */
export function attemptDaysColumnsSql(alias: string): Record<'connection_id' | 'currency' | 'kind' | 'merchant_id' | 'card_brand' | 'billing_cycle' | 'recycle_number' | 'reason', string> {
  return {
    connection_id: `${alias}.connection_id`,
    currency: `NULLIF(${alias}.currency, CHR(1))`,
    kind: `${alias}.kind`,
    merchant_id: `NULLIF(${alias}.merchant_id, ${NONE_NUMBER})`,
    card_brand: `NULLIF(${alias}.card_brand, CHR(1))`,
    billing_cycle: `NULLIF(${alias}.billing_cycle, ${NONE_NUMBER})`,
    recycle_number: `NULLIF(${alias}.recycle_number, ${NONE_NUMBER})`,
    reason: `NULLIF(${alias}.reason, CHR(1))`,
  };
}
