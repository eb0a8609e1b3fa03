/**
 * Retention by rebill cycle (docs/metrics.md, "Retention"): the subscriptions whose initial (cycle 1) sale
 * falls in the range, followed cycle by cycle up to the data's as-of. Per cycle N:
 * - due: subscriptions whose cycle N was due by the as-of: billed (approved or declined), or its bill
 *   date passed; the rest are pending (not yet due), the CRM's Pending column;
 * - approvals: subscriptions with an approved cycle-N sale; declined: attempted at cycle N, not approved;
 * - retention = approvals / due; rebill rate = approvals / the cycle N-1 approvals of the same due base;
 * - cancellations: cancelled subscriptions whose last approved cycle is N.
 * A cycle with pending subscriptions is incomplete. Counted per subscription (purchase), breakdowns by the
 * initial sale's attribution, in the initial sale's currency.
 *
 * A cycle's bill date: the CRM's own next bill date for a live subscription's next cycle; otherwise the
 * day of its last approved sale plus, per later cycle, the gap its product shows from one cycle's
 * approval to the next cycle's first attempt (the median over the range's subscriptions), so a cancelled
 * subscription counts as lost exactly when its peers' same cycle falls due, not earlier.
 */
import { addDays, localDate } from '../core/time.js';
import type { ReportReader } from '../store/store.js';
import { rate } from './arith.js';
import { compareGroups, groupFromId, groupId, groupOf, type Dimension, type Group } from './dimensions.js';
import { checkReportRange, instantRange } from './range.js';
import { eventCol, filterSql, groupSelect, Params } from './sql.js';
import { reportZone, type RangeQuery } from './summary.js';

export interface CycleRow {
  cycle: number;
  /** Subscriptions whose cycle was due by the as-of (billed, or its bill date passed). */
  due: number;
  /** Subscriptions with an approved sale at this cycle. */
  approvals: number;
  /** Due subscriptions attempted at this cycle and not approved by the as-of. */
  declined: number;
  /** Subscriptions whose cycle was not yet due by the as-of. */
  pending: number;
  /** approvals / due. */
  retention: number | null;
  /** approvals / the previous cycle's approvals among the due (null for cycle 1). */
  rebillRate: number | null;
  /** Cancelled subscriptions whose last approved cycle is this one. */
  cancellations: number;
  /** No subscription is pending at this cycle: its figures are final. */
  complete: boolean;
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
  /** The instant due dates were judged at (epoch ms): the data's as-of. */
  asOf: number;
  rows: RetentionRow[];
}

/** A retention query: the range of initial sales, and the instant to judge what is due at. */
export interface RetentionQuery extends RangeQuery {
  /** The data's as-of (epoch ms); default the clock. */
  asOf?: number;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).slice(0, 10));

/** Statuses of a subscription that has ended: its next bill date no longer says when a cycle is due. */
const ENDED = new Set(['CANCELLED', 'COMPLETE', 'RECYCLE_FAILED', 'ONE_TIME', 'INACTIVE']);

/** Days assumed between cycles when nothing in the data says (a monthly subscription). */
const DEFAULT_GAP_DAYS = 30;

/** Subscriptions of one kind: what decides when each of their cycles falls due. */
interface SubGroup {
  group: string;
  connectionId: string;
  product: string;
  /** Highest approved cycle, highest attempted cycle. */
  lastOk: number;
  lastTry: number;
  /** Account-zone day of the approval of lastOk. */
  okDate: string;
  /** The CRM's next bill date, for a subscription that has not ended. */
  nextBill: string | null;
  cancelled: boolean;
  count: number;
}

/** The median of a histogram (value -> count): the lower middle value. */
function lowerMedian(h: Map<number, number>): number | undefined {
  const values = [...h.keys()].sort((a, b) => a - b);
  const total = [...h.values()].reduce((a, b) => a + b, 0);
  let seen = 0;
  for (const v of values) {
    seen += h.get(v) ?? 0;
    if (seen * 2 >= total) return v;
  }
  return undefined;
}

/**
 * Gap in days from cycle N-1's approval to cycle N's first attempt, per (connection, product) and per
 * connection: the product's own median; for N >= 3 the product's nearest earlier rebill gap (rebills
 * keep one interval); else the connection's median for N; else a month.
 */
function gapBook(rows: Record<string, unknown>[]): (connectionId: string, product: string, cycle: number) => number {
  const hist = new Map<string, Map<number, number>>();
  const add = (k: string, days: number, count: number) => {
    let h = hist.get(k);
    if (!h) hist.set(k, (h = new Map()));
    h.set(days, (h.get(days) ?? 0) + count);
  };
  for (const r of rows) {
    add(`${String(r.connection_id)}|${String(r.product_id)}|${n(r.cycle)}`, n(r.days), n(r.cnt));
    add(`${String(r.connection_id)}||${n(r.cycle)}`, n(r.days), n(r.cnt));
  }
  const median = new Map([...hist].map(([k, h]) => [k, lowerMedian(h) ?? DEFAULT_GAP_DAYS]));
  return (c, p, cycle) => {
    const own = median.get(`${c}|${p}|${cycle}`);
    if (own !== undefined) return own;
    for (let k = cycle - 1; k >= 3; k--) {
      const earlier = median.get(`${c}|${p}|${k}`);
      if (earlier !== undefined) return earlier;
    }
    return median.get(`${c}||${cycle}`) ?? DEFAULT_GAP_DAYS;
  };
}

/**
 * Retention of the subscriptions started in [from, to] in the report's currency (their initial sale's),
 * judged at the as-of. A billing-cycle filter limits the cycles listed.
 */
export async function retentionReport(store: ReportReader, q: RetentionQuery): Promise<RetentionReport> {
  if (q.groupBy === 'cycle') throw new RangeError('retention is already broken down by billing cycle; group it by another field');
  checkReportRange(q);
  const asOf = q.asOf ?? Date.now();
  const zone = reportZone({ ...q, basis: 'event' });
  const r = instantRange(q.from, q.to, zone);
  const p = new Params();
  const e = eventCol('e');
  const cycleFilter = (q.filters ?? []).find((f) => f.dimension === 'cycle');
  const others = (q.filters ?? []).filter((f) => f.dimension !== 'cycle');
  // A subscription's first cycle-1 sale decides whether it started in range, its currency, its product
  // and how it is attributed. The gaps between cycles are a product's schedule, whatever the currency:
  // they are read from every subscription started in range (`started`), the report's are those in its
  // currency (`subs`).
  const started = `SELECT connection_id, purchase_id, product_id, grp_conn, grp, currency FROM (
      SELECT e.connection_id, e.purchase_id, e.product_id, e.instant, e.currency, ${groupSelect(q.groupBy ?? null, e)},
        ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id ORDER BY e.instant, e.event_id) AS rn
      FROM money_events e
      WHERE e.kind = 'sale' AND e.billing_cycle = 1 AND e.purchase_id IS NOT NULL${filterSql(others, e, p)}) x
    WHERE rn = 1 AND instant >= ${store.sql.instantParam(p.add, r.startMs)} AND instant < ${store.sql.instantParam(p.add, r.endMs)}`;
  const subs = `SELECT * FROM started WHERE currency = ${p.add(q.currency)}`;
  // Per subscription and cycle: its first attempt and its first approval.
  const attempts = `SELECT e.connection_id, e.purchase_id, e.billing_cycle AS cycle, MIN(e.instant) AS first_at, MIN(CASE WHEN e.kind = 'sale' THEN e.instant END) AS ok_at
      FROM started s JOIN money_events e ON e.connection_id = s.connection_id AND e.purchase_id = s.purchase_id
      WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL GROUP BY 1, 2, 3`;
  const day = (expr: string) => `CAST(${store.sql.localTimestamp(expr, 'c.timezone')} AS DATE)`;
  const head = `WITH started AS (${started}), subs AS (${subs}), att AS (${attempts}),
     per AS (SELECT connection_id, purchase_id, MAX(CASE WHEN ok_at IS NOT NULL THEN cycle END) AS last_ok, MAX(cycle) AS last_try FROM att GROUP BY 1, 2)`;
  const [kinds, gaps] = await Promise.all([
    store.query(
      `${head}
       SELECT s.grp_conn, s.grp, s.connection_id, s.product_id, pe.last_ok, pe.last_try, CAST(${day('a.ok_at')} AS TEXT) AS ok_date,
         pu.status, pu.next_bill_date, COUNT(*) AS cnt
       FROM subs s
       JOIN per pe ON pe.connection_id = s.connection_id AND pe.purchase_id = s.purchase_id
       JOIN att a ON a.connection_id = pe.connection_id AND a.purchase_id = pe.purchase_id AND a.cycle = pe.last_ok
       JOIN connections c ON c.connection_id = s.connection_id
       LEFT JOIN purchases pu ON pu.connection_id = s.connection_id AND pu.purchase_id = s.purchase_id
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`,
      p.values,
    ),
    store.query(
      `${head}
       SELECT s.connection_id, s.product_id, a.cycle, ${day('a.first_at')} - ${day('b.ok_at')} AS days, COUNT(*) AS cnt
       FROM started s
       JOIN att a ON a.connection_id = s.connection_id AND a.purchase_id = s.purchase_id AND a.cycle >= 2
       JOIN att b ON b.connection_id = a.connection_id AND b.purchase_id = a.purchase_id AND b.cycle = a.cycle - 1 AND b.ok_at IS NOT NULL
       JOIN connections c ON c.connection_id = s.connection_id
       GROUP BY 1, 2, 3, 4`,
      p.values,
    ),
  ]);
  const gap = gapBook(gaps);
  const zones = new Map((await store.query(`SELECT connection_id, timezone FROM connections`)).map((c) => [String(c.connection_id), String(c.timezone)]));
  const asOfDate = new Map<string, string>();
  const asOfDay = (c: string) => {
    let d = asOfDate.get(c);
    if (d === undefined) asOfDate.set(c, (d = localDate(asOf, zones.get(c) ?? zone)));
    return d;
  };

  const byGroup = new Map<string, SubGroup[]>();
  for (const row of kinds) {
    const g = q.groupBy ? groupId(groupOf(q.groupBy, row.grp_conn, row.grp)) : '';
    const status = row.status === null || row.status === undefined ? null : String(row.status).toUpperCase();
    const list = byGroup.get(g) ?? [];
    list.push({
      group: g, connectionId: String(row.connection_id), product: String(row.product_id), lastOk: n(row.last_ok), lastTry: n(row.last_try),
      okDate: text(row.ok_date) ?? '', nextBill: status !== null && ENDED.has(status) ? null : text(row.next_bill_date),
      cancelled: status === 'CANCELLED', count: n(row.cnt),
    });
    byGroup.set(g, list);
  }
  if (!q.groupBy && byGroup.size === 0) byGroup.set('', []);

  /** The highest cycle of these subscriptions due by the as-of (their cycles up to it were all due). */
  const dueThrough = (s: SubGroup, upTo: number): number => {
    let through = Math.max(s.lastOk, s.lastTry);
    const today = asOfDay(s.connectionId);
    let date = s.okDate;
    for (let cycle = s.lastOk + 1; cycle <= upTo; cycle++) {
      date = addDays(date, gap(s.connectionId, s.product, cycle));
      if (cycle <= through) continue;
      const billDate = cycle === s.lastOk + 1 && s.nextBill !== null ? s.nextBill : date;
      if (billDate >= today) break;
      through = cycle;
    }
    return through;
  };

  const wanted = cycleFilter ? new Set(cycleFilter.values.map(Number)) : null;
  const rows: RetentionRow[] = [...byGroup.entries()]
    .map(([g, list]): [Group | null, SubGroup[]] => [q.groupBy ? groupFromId(g) : null, list])
    .sort(([a], [b]) => (a && b ? compareGroups(a, b) : 0))
    .map(([group, list]) => {
      const maxCycle = Math.max(1, ...list.map((s) => s.lastTry));
      const initial = list.reduce((a, s) => a + s.count, 0);
      const cycles: CycleRow[] = [];
      const through = list.map((s) => dueThrough(s, maxCycle));
      for (let c = 1; c <= maxCycle; c++) {
        let due = 0, approvals = 0, declined = 0, prevDue = 0, cancellations = 0;
        list.forEach((s, i) => {
          const isDue = (through[i] ?? 0) >= c;
          if (isDue) due += s.count;
          if (s.lastOk >= c) approvals += s.count;
          else if (s.lastTry >= c) declined += s.count;
          if (isDue && s.lastOk >= c - 1) prevDue += s.count;
          if (s.cancelled && s.lastOk === c) cancellations += s.count;
        });
        if (wanted && !wanted.has(c)) continue;
        cycles.push({
          cycle: c, due, approvals, declined, pending: initial - due,
          retention: rate(approvals, due), rebillRate: c === 1 ? null : rate(approvals, prevDue), cancellations, complete: due === initial,
        });
      }
      return { group, initialPurchases: initial, cycles };
    });
  return { from: q.from, to: q.to, zone, currency: q.currency, groupBy: q.groupBy ?? null, asOf, rows };
}
