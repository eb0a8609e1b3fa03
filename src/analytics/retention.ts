/**
 * Retention by rebill cycle (docs/metrics.md, Konnektive's definition): subscriptions whose initial (cycle 1)
 * sale falls in the range; per cycle N, the subscriptions with an approved cycle-N sale; retention =
 * cycle N approvals / initial subscriptions; rebill rate = cycle N approvals / cycle N-1 approvals;
 * cancellations = cancelled subscriptions whose last approved cycle is N. Counted per subscription
 * (purchase), breakdowns by the initial sale's attribution.
 */
import type { ReportReader } from '../store/store.js';
import { rate } from './arith.js';
import { compareGroups, groupFromId, groupId, groupOf, type Dimension, type Group } from './dimensions.js';
import { checkReportRange, instantRange } from './range.js';
import { eventCol, filterSql, groupSelect, Params } from './sql.js';
import { reportZone, type RangeQuery } from './summary.js';

export interface CycleRow {
  cycle: number;
  /** Subscriptions with an approved sale at this cycle. */
  approvals: number;
  /** approvals / initial subscriptions. */
  retention: number | null;
  /** approvals / the previous cycle's approvals (null for cycle 1). */
  rebillRate: number | null;
  /** Cancelled subscriptions whose last approved cycle is this one. */
  cancellations: number;
}

export interface RetentionRow {
  group: Group | null;
  initialPurchases: number;
  cycles: CycleRow[];
}

export interface RetentionReport {
  from: string;
  to: string;
  zone: string;
  currency: string;
  groupBy: Dimension | null;
  rows: RetentionRow[];
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Retention of the subscriptions started in [from, to] in the report's currency (their initial sale's).
 * A billing-cycle filter limits the cycles listed.
 */
export async function retentionReport(store: ReportReader, q: RangeQuery): Promise<RetentionReport> {
  if (q.groupBy === 'cycle') throw new RangeError('retention is already broken down by billing cycle; group it by another field');
  checkReportRange(q);
  const zone = reportZone({ ...q, basis: 'event' });
  const r = instantRange(q.from, q.to, zone);
  const p = new Params();
  const e = eventCol('e');
  const cycleFilter = (q.filters ?? []).find((f) => f.dimension === 'cycle');
  const others = (q.filters ?? []).filter((f) => f.dimension !== 'cycle');
  // A subscription's first cycle-1 sale decides whether it started in range, its currency, and how it is
  // attributed.
  const inRange = `SELECT connection_id, purchase_id, grp_conn, grp FROM (
      SELECT e.connection_id, e.purchase_id, e.instant, e.currency, ${groupSelect(q.groupBy ?? null, e)},
        ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id ORDER BY e.instant, e.event_id) AS rn
      FROM money_events e
      WHERE e.kind = 'sale' AND e.billing_cycle = 1 AND e.purchase_id IS NOT NULL${filterSql(others, e, p)}) x
    WHERE rn = 1 AND instant >= ${store.sql.instantParam(p.add, r.startMs)} AND instant < ${store.sql.instantParam(p.add, r.endMs)} AND currency = ${p.add(q.currency)}`;
  const rows = await store.query(
    `WITH subs AS (${inRange}),
     approved AS (
       SELECT DISTINCT s.grp_conn, s.grp, s.connection_id, s.purchase_id, e.billing_cycle AS cycle
       FROM subs s JOIN money_events e ON e.connection_id = s.connection_id AND e.purchase_id = s.purchase_id AND e.kind = 'sale'),
     last_cycle AS (
       SELECT a.grp_conn, a.grp, a.connection_id, a.purchase_id, MAX(a.cycle) AS cycle FROM approved a
       JOIN purchases pu ON pu.connection_id = a.connection_id AND pu.purchase_id = a.purchase_id AND pu.status = 'CANCELLED'
       GROUP BY a.grp_conn, a.grp, a.connection_id, a.purchase_id)
     SELECT 'a' AS what, grp_conn, grp, cycle, COUNT(*) AS cnt FROM approved GROUP BY grp_conn, grp, cycle
     UNION ALL SELECT 'c' AS what, grp_conn, grp, cycle, COUNT(*) AS cnt FROM last_cycle GROUP BY grp_conn, grp, cycle`,
    p.values,
  );
  const groups = new Map<string, { approvals: Map<number, number>; cancels: Map<number, number> }>();
  for (const row of rows) {
    const g = q.groupBy ? groupId(groupOf(q.groupBy, row.grp_conn, row.grp)) : '';
    let v = groups.get(g);
    if (!v) groups.set(g, (v = { approvals: new Map(), cancels: new Map() }));
    (row.what === 'a' ? v.approvals : v.cancels).set(n(row.cycle), n(row.cnt));
  }
  if (!q.groupBy && groups.size === 0) groups.set('', { approvals: new Map(), cancels: new Map() });
  const wanted = cycleFilter ? new Set(cycleFilter.values.map(Number)) : null;
  const out: RetentionRow[] = [...groups.entries()]
    .map(([g, v]): [Group | null, typeof v] => [q.groupBy ? groupFromId(g) : null, v])
    .sort(([a], [b]) => (a && b ? compareGroups(a, b) : 0))
    .map(([group, v]) => {
      const initial = v.approvals.get(1) ?? 0;
      const maxCycle = Math.max(1, ...v.approvals.keys(), ...v.cancels.keys());
      const cycles: CycleRow[] = [];
      for (let c = 1; c <= maxCycle; c++) {
        const approvals = v.approvals.get(c) ?? 0;
        const prev = c === 1 ? null : (v.approvals.get(c - 1) ?? 0);
        if (wanted && !wanted.has(c)) continue;
        cycles.push({ cycle: c, approvals, retention: rate(approvals, initial), rebillRate: prev === null ? null : rate(approvals, prev), cancellations: v.cancels.get(c) ?? 0 });
      }
      return { group, initialPurchases: initial, cycles };
    });
  return { from: q.from, to: q.to, zone, currency: q.currency, groupBy: q.groupBy ?? null, rows: out };
}
