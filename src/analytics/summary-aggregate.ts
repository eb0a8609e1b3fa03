/**
 * The summary and the series over the store's event_slots pre-aggregate (DESIGN §5): the ledger's
 * additive totals per connection and 15-minute UTC slot, kept by the store at write time (schema.ts,
 * docs/store.md). Reports read it whenever a query has no breakdown but the connection (summary.ts).
 *
 * Why it is exact: every figure is a sum or a count placed at one instant (an event; an order's first
 * sale; a customer's first sale), and every local midnight of every zone is a 15-minute boundary of UTC,
 * so a viewer-zone range or period is a whole number of slots.
 */
import type { Store } from '../store/store.js';
import { filterSql, instantParam, Params } from './sql.js';
import type { TotalsByBucket, TotalsQuery } from './totals.js';
import { emptyTotals } from './totals.js';

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** True when the slot aggregate answers a totals query: event basis, no breakdown but the connection. */
export function slotsAnswer(q: Pick<TotalsQuery, 'basis' | 'filters' | 'groupBy'>): boolean {
  return q.basis === 'event' && !q.groupBy && q.filters.every((f) => f.dimension === 'connection');
}

/**
 * True while a backfill has left some connection's pre-aggregates behind its ledger (the store's
 * rebuild_pending, until the run's end rebuilds them, or the next run after a crash): reports that would
 * read the aggregates read the ledger instead, which is always current.
 */
export async function aggregatesBehind(store: Store): Promise<boolean> {
  return (await store.query('SELECT connection_id FROM rebuild_pending LIMIT 1')).length > 0;
}

/** readTotals over the slot table: event basis, no breakdown but the connection. */
export async function readTotalsFromSlots(store: Store, q: TotalsQuery): Promise<TotalsByBucket> {
  if (!slotsAnswer(q)) {
    throw new RangeError('the slot aggregate answers the event basis without breakdowns (but the connection)');
  }
  const p = new Params();
  const bucket = q.bucket('s.slot', p);
  const rows = await store.query(
    `SELECT ${bucket} AS bucket, SUM(gross_cents) AS g, SUM(refund_cents) AS r, SUM(chargeback_cents) AS cb, SUM(sale_count) AS s, SUM(chargeback_count) AS cbn,
       SUM(initial_approved) AS io, SUM(initial_declined) AS id, SUM(rebill_approved) AS ro, SUM(rebill_declined) AS rd, SUM(orders) AS o, SUM(new_customers) AS nc
     FROM event_slots s WHERE s.slot >= ${instantParam(store.engine, p, q.startMs)} AND s.slot < ${instantParam(store.engine, p, q.endMs)}${filterSql(q.filters, () => 's.connection_id', p)}
     GROUP BY 1`,
    p.values,
  );
  const out: TotalsByBucket = new Map();
  for (const r of rows) {
    const t = emptyTotals();
    Object.assign(t, {
      grossCents: n(r.g), refundCents: n(r.r), chargebackCents: n(r.cb), saleCount: n(r.s), chargebackCount: n(r.cbn), initialApproved: n(r.io),
      initialDeclined: n(r.id), rebillApproved: n(r.ro), rebillDeclined: n(r.rd), orders: n(r.o), newCustomers: n(r.nc),
    });
    out.set(String(r.bucket), new Map([['(none)', t]]));
  }
  return out;
}
