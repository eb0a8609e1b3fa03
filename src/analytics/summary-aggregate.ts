/**
 * PROTOTYPE of the pre-aggregate that answers the summary and the series in milliseconds at 10M events
 * (DESIGN §5): the ledger's additive totals per connection and 15-minute UTC slot. Not kept by sync yet;
 * this file holds its DDL, the SQL that (re)builds it, and the totals reader the reports use with
 * `{ source: 'aggregate' }` (docs/metrics.md, "Performance").
 *
 * Why it is exact: every figure is a sum or a count placed at one instant (an event; an order's first
 * sale; a customer's first sale), and every local midnight of every zone is a 15-minute boundary of UTC,
 * so a viewer-zone range or period is a whole number of slots.
 */
import type { Store } from '../store/store.js';
import { filterSql, instantParam, Params, slotSql, type Engine } from './sql.js';
import type { TotalsByBucket, TotalsQuery } from './totals.js';
import { emptyTotals } from './totals.js';

/** DDL of the slot table. */
export function eventSlotsDdl(engine: Engine): string[] {
  const ts = engine === 'postgres' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  return [
    `CREATE TABLE IF NOT EXISTS event_slots (connection_id TEXT, slot ${ts}, gross_cents BIGINT, refund_cents BIGINT, chargeback_cents BIGINT,
       sale_count BIGINT, chargeback_count BIGINT, initial_approved BIGINT, initial_declined BIGINT, rebill_approved BIGINT, rebill_declined BIGINT,
       orders BIGINT, new_customers BIGINT, PRIMARY KEY (connection_id, slot))`,
  ];
}

/** Statements that rebuild the slot table from the ledger and the facts (sync would redo only touched slots). */
export function rebuildEventSlotsSql(engine: Engine): string[] {
  const z = (n: number) => Array.from({ length: n }, () => '0').join(', ');
  return [
    'DELETE FROM event_slots',
    `INSERT INTO event_slots
     SELECT connection_id, slot, SUM(g), SUM(r), SUM(cb), SUM(s), SUM(cbn), SUM(io), SUM(id), SUM(ro), SUM(rd), SUM(o), SUM(nc) FROM (
       SELECT connection_id, ${slotSql(engine, 'instant')} AS slot,
         SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END) AS g,
         SUM(CASE WHEN kind IN ('refund', 'void', 'chargeback') THEN -amount_cents ELSE 0 END) AS r,
         SUM(CASE WHEN kind = 'chargeback' THEN -amount_cents ELSE 0 END) AS cb,
         COUNT(CASE WHEN kind = 'sale' THEN 1 END) AS s,
         COUNT(CASE WHEN kind = 'chargeback' THEN 1 END) AS cbn,
         COUNT(CASE WHEN kind = 'sale' AND is_initial THEN 1 END) AS io,
         COUNT(CASE WHEN kind = 'decline' AND is_initial THEN 1 END) AS id,
         COUNT(CASE WHEN kind = 'sale' AND NOT is_initial THEN 1 END) AS ro,
         COUNT(CASE WHEN kind = 'decline' AND NOT is_initial THEN 1 END) AS rd,
         0 AS o, 0 AS nc
       FROM money_events GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, ${slotSql(engine, 'first_at')}, ${z(9)}, COUNT(*), 0
       FROM (SELECT connection_id, order_id, MIN(instant) AS first_at FROM money_events WHERE kind = 'sale' GROUP BY connection_id, order_id) o GROUP BY 1, 2
       UNION ALL
       SELECT connection_id, ${slotSql(engine, 'first_sale_at')}, ${z(10)}, COUNT(*) FROM customer_facts GROUP BY 1, 2
     ) x GROUP BY 1, 2`,
  ];
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** readTotals over the slot table: event basis, no breakdown but the connection. */
export async function readTotalsFromSlots(store: Store, q: TotalsQuery): Promise<TotalsByBucket> {
  if (q.basis !== 'event' || q.groupBy || q.filters.some((f) => f.dimension !== 'connection')) {
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
