/**
 * The summary and the series over the store's event_slots pre-aggregate (docs/metrics.md, "Performance"): the ledger's
 * additive totals per connection, currency and 15-minute UTC slot, kept by the store at write time (store/tables.ts,
 * docs/store.md). Reports read it whenever a query has no breakdown but the connection (summary.ts).
 *
 * Why it is exact: every figure is a sum or a count placed at one instant (an event; an order's first
 * sale; a customer's first sale), and every local midnight of every zone is a 15-minute boundary of UTC,
 * so a viewer-zone range or period is a whole number of slots.
 */
import { TOTAL_COLUMNS, TOTALS } from '../ledger/index.js';
import type { ReportReader } from '../store/store.js';
import { filterSql, Params } from './sql.js';
import { NOT_GROUPED, slot, type TotalsByBucket, type TotalsQuery } from './totals.js';
import { groupId, groupOf } from './dimensions.js';

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** True when the slot aggregate answers a totals query: event basis, no breakdown or filter but the connection. */
export function slotsAnswer(q: Pick<TotalsQuery, 'basis' | 'filters' | 'groupBy'>): boolean {
  return q.basis === 'event' && (!q.groupBy || q.groupBy === 'connection') && q.filters.every((f) => f.dimension === 'connection');
}

/** readTotals over the slot table: event basis, no breakdown but the connection. */
export async function readTotalsFromSlots(store: ReportReader, q: TotalsQuery): Promise<TotalsByBucket> {
  if (!slotsAnswer(q)) {
    throw new RangeError('the slot aggregate answers the event basis without breakdowns (but the connection)');
  }
  const p = new Params();
  const bucket = q.bucket('s.slot', p);
  // Grouped by the connection: an order and a customer are of one connection, so its slots' counts are the group's.
  const grouped = q.groupBy === 'connection';
  const rows = await store.query(
    `SELECT ${bucket} AS bucket, ${grouped ? 's.connection_id' : 'NULL'} AS grp, ${TOTALS.map((name) => `SUM(${TOTAL_COLUMNS[name]}) AS "${name}"`).join(', ')}
     FROM event_slots s WHERE s.slot >= ${store.sql.instantParam(p.add, q.startMs)} AND s.slot < ${store.sql.instantParam(p.add, q.endMs)} AND s.currency = ${p.add(q.currency)}${filterSql(q.filters, () => 's.connection_id', p)}
     GROUP BY 1, 2`,
    p.values,
  );
  const out: TotalsByBucket = new Map();
  for (const r of rows) {
    const t = slot(out, String(r.bucket), grouped ? groupId(groupOf('connection', null, r.grp)) : NOT_GROUPED);
    for (const name of TOTALS) t[name] += n(r[name]);
  }
  return out;
}
