/**
 * PROTOTYPE of the pre-aggregate that makes cohort LTV answer in milliseconds at 10M events (DESIGN §5).
 * It is not kept by sync yet: this file holds its DDL, the SQL that (re)builds it from the ledger and the
 * facts, and the cohort query over it, so the bench can measure it and the store owner can adopt it
 * (docs/metrics.md, "Performance"). Until then, reports use cohortReport over the ledger.
 *
 * Why it is exact: a horizon test `instant < first_sale_at + H days` equals `age_days < H` with
 * age_days = floor((instant - first_sale_at) / 1 day); and every local midnight of every zone falls on a
 * 15-minute boundary of UTC, so bucketing a 15-minute slot of first_sale_at puts each customer in the
 * same viewer-zone period as their own first sale would.
 */
import type { Store } from '../store/store.js';
import { divRound } from './arith.js';
import { DEFAULT_HORIZONS, type CohortQuery, type CohortReport, type CohortRow, type LtvCell } from './cohorts.js';
import { instantRange, periodKey, periodStart } from './range.js';
import { filterSql, instantParam, localDayOf, localDaySql, Params, slotSql, type Engine } from './sql.js';
import { DAY } from '../core/time.js';

/** DDL of the two aggregate tables (per connection and 15-minute slot of first sale). */
export function cohortAggregateDdl(engine: Engine): string[] {
  const ts = engine === 'postgres' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
  return [
    `CREATE TABLE IF NOT EXISTS cohort_slots (connection_id TEXT, slot ${ts}, customers BIGINT, last_first_sale_at ${ts}, PRIMARY KEY (connection_id, slot))`,
    `CREATE TABLE IF NOT EXISTS cohort_ages (connection_id TEXT, slot ${ts}, age_days INTEGER, net_cents BIGINT, PRIMARY KEY (connection_id, slot, age_days))`,
  ];
}

/**
 * Statements that rebuild the aggregate from customer_facts and money_events. At sync time the same SQL
 * runs restricted to the slots of the customers a page touched (delete those slots, re-insert them).
 */
export function rebuildCohortAggregateSql(store: Pick<Store, 'engine' | 'instantMsSql'>): string[] {
  const slot = slotSql(store.engine, 'f.first_sale_at');
  const age = `CAST(FLOOR((${store.instantMsSql('e.instant')} - ${store.instantMsSql('f.first_sale_at')}) / 86400000.0) AS INTEGER)`;
  return [
    'DELETE FROM cohort_slots',
    'DELETE FROM cohort_ages',
    `INSERT INTO cohort_slots SELECT f.connection_id, ${slot}, COUNT(*), MAX(f.first_sale_at) FROM customer_facts f GROUP BY 1, 2`,
    `INSERT INTO cohort_ages SELECT f.connection_id, ${slot}, ${age}, SUM(e.amount_cents)
       FROM customer_facts f JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.kind <> 'decline'
       GROUP BY 1, 2, 3`,
  ];
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * cohortReport over the aggregate: the same result for queries without breakdowns (a connection filter is
 * the only one the aggregate keeps). Throws for other filters or a group-by.
 */
export async function cohortReportFromAggregate(store: Store, q: CohortQuery): Promise<CohortReport> {
  if (q.groupBy || (q.filters ?? []).some((f) => f.dimension !== 'connection')) throw new RangeError('the cohort aggregate keeps no breakdowns but the connection');
  const zone = q.tz;
  const horizons = [...new Set(q.horizons ?? DEFAULT_HORIZONS)].sort((a, b) => a - b);
  const asOf = q.asOf ?? Date.now();
  const r = instantRange(q.from, q.to, zone);
  const p = new Params();
  const where = `s.slot >= ${instantParam(store.engine, p, r.startMs)} AND s.slot < ${instantParam(store.engine, p, r.endMs)}${filterSql(q.filters ?? [], () => 's.connection_id', p)}`;
  // Group by viewer-zone day with integer arithmetic (at most a few hundred groups), roll days up here.
  const day = localDaySql(store.engine, p, 's.slot', zone, r.startMs, r.endMs);
  const sums = horizons.map((h, i) => `SUM(CASE WHEN s.age_days < ${h} THEN s.net_cents ELSE 0 END) AS h${i}`);
  const sizeRows = await store.query(
    `SELECT ${day} AS d, SUM(s.customers) AS customers, ${store.instantMsSql('MAX(s.last_first_sale_at)')} AS last_first FROM cohort_slots s WHERE ${where} GROUP BY 1`,
    p.values,
  );
  const sumRows = await store.query(`SELECT ${day} AS d, ${sums.join(', ')}, SUM(s.net_cents) AS total FROM cohort_ages s WHERE ${where} GROUP BY 1`, p.values);
  const acc = new Map<string, { customers: number; lastFirst: number; h: number[]; total: number }>();
  const cell = (d: unknown) => {
    const start = periodStart(localDayOf(d), q.by);
    let a = acc.get(start);
    if (!a) acc.set(start, (a = { customers: 0, lastFirst: -Infinity, h: horizons.map(() => 0), total: 0 }));
    return a;
  };
  for (const row of sizeRows) {
    const a = cell(row.d);
    a.customers += n(row.customers);
    a.lastFirst = Math.max(a.lastFirst, n(row.last_first));
  }
  for (const row of sumRows) {
    const a = cell(row.d);
    horizons.forEach((_, i) => (a.h[i] = (a.h[i] ?? 0) + n(row[`h${i}`])));
    a.total += n(row.total);
  }
  const cohorts: CohortRow[] = [...acc.entries()]
    .filter(([, a]) => a.customers > 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([start, a]) => {
      const ltv: Record<number, LtvCell> = {};
      horizons.forEach((h, i) => {
        ltv[h] = { cents: divRound(a.h[i] ?? 0, a.customers) ?? 0, complete: a.lastFirst + h * DAY <= asOf };
      });
      return { cohort: periodKey(start, q.by), start, group: null, customers: a.customers, netToDate: a.total, ltv };
    });
  return { by: q.by, zone, groupBy: null, horizons, asOf, cohorts };
}
