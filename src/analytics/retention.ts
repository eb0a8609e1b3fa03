/**
 * Retention by rebill cycle (docs/metrics.md, "Retention by rebill cycle"): the subscriptions whose
 * initial (cycle 1) sale falls in the range, followed cycle by cycle up to the data's as-of. Per cycle N:
 * - due: subscriptions whose cycle N was due by the as-of: billed (approved or declined), or its bill
 *   date passed; the rest are pending (not yet due), the CRM's Pending column;
 * - approvals: subscriptions with an approved cycle-N sale; declined: attempted at cycle N, not approved,
 *   split by the response of the last attempt into soft-declined (SOFT_DECLINE: recyclable; `recycling`
 *   those still in recycle billing) and hard-declined (the rest);
 * - recycle-saved: approved at N after one or more declines at N, by the retry that approved (the
 *   approving attempt's place among the cycle's attempts in the ledger: retry k follows k declines); the save rate: of the soft first declines no longer
 *   recycling, the share saved;
 * - retention = approvals / due; rebill rate = approvals / the cycle N-1 approvals of the same due base;
 * - cancellations: cancelled subscriptions whose last approved cycle is N; refunds and chargebacks: the
 *   subscriptions whose cycle-N charge was refunded (or voided) or charged back (net of reversals) by
 *   the as-of, with their amounts.
 * A cycle with pending subscriptions is incomplete. Counted per subscription (purchase), breakdowns by the
 * initial sale's attribution, in the initial sale's currency; `subgroupBy` nests a second breakdown in
 * each group (affiliate > sub-affiliate, the CRM's "source"). Every rebill attempt is also counted by its
 * retry number (`rebillAttempts`): what the first attempt and each recycle retry approve, and how many
 * days after the attempt before it each retry came.
 *
 * A cycle's bill date: the CRM's own next bill date for a live subscription's next cycle; otherwise the
 * day of its last approved sale plus, per later cycle, the gap its product shows from one cycle's
 * approval to the next cycle's first attempt (the median over the range's subscriptions), so a cancelled
 * subscription counts as lost exactly when its peers' same cycle falls due, not earlier.
 */
import type { Cents } from '../core/money.js';
import { addDays, localDate } from '../core/time.js';
import { RETENTION_FAMILIES, type RetentionFamily } from '../store/retention-days.js';
import type { ReportReader } from '../store/store.js';
import { rate } from './arith.js';
import { compareGroups, DIMENSION_SPECS, groupFromId, groupId, groupOf, type Dimension, type Filter, type Group } from './dimensions.js';
import { checkReportRange, instantRange, nextPeriodStart, periodsOf } from './range.js';
import { eventCol, filterSql, groupSelect, Params, enumSql } from './sql.js';
import { reportZone, type RangeQuery } from './summary.js';

/** Subscriptions saved at a cycle by one retry of recycle billing. */
export interface RecycleSave {
  /** 1 for the first retry after the cycle's first attempt, and so on. */
  retry: number;
  count: number;
}

export interface CycleRow {
  cycle: number;
  /** Subscriptions whose cycle was due by the as-of (billed, or its bill date passed). */
  due: number;
  /** Subscriptions with an approved sale at this cycle. */
  approvals: number;
  /** Due subscriptions attempted at this cycle and not approved by the as-of (softDeclined + hardDeclined). */
  declined: number;
  /** Declined, the last attempt a soft decline (recyclable). */
  softDeclined: number;
  /** Declined, the last attempt a hard decline (or a decline the CRM did not mark soft). */
  hardDeclined: number;
  /** Soft-declined subscriptions still in recycle billing at the as-of (they may yet be saved). */
  recycling: number;
  /** Subscriptions whose cycle was not yet due by the as-of. */
  pending: number;
  /** approvals / due. */
  retention: number | null;
  /** approvals / the previous cycle's approvals among the due (null for cycle 1). */
  rebillRate: number | null;
  /** Approved at this cycle after at least one decline at it. */
  recycleSaved: number;
  /** recycleSaved by the retry that approved, in order of the retry. */
  recycleSaves: RecycleSave[];
  /**
   * Of the subscriptions whose first attempt at this cycle was a soft decline and that are no longer
   * recycling, the share approved later at this cycle: what recycling saves of what it can try to save.
   */
  recycleSaveRate: number | null;
  /** Cancelled subscriptions whose last approved cycle is this one. */
  cancellations: number;
  /** Subscriptions whose charge of this cycle was refunded or voided (in part or in full) by the as-of. */
  refunds: number;
  /** What those refunds and voids took back (positive). */
  refundCents: Cents;
  /** Subscriptions whose charge of this cycle is charged back (a chargeback not reversed) by the as-of. */
  chargebacks: number;
  /** The chargebacks of this cycle's charges, less their reversals (positive). */
  chargebackCents: Cents;
  /** No subscription is pending at this cycle: its figures are final. */
  complete: boolean;
}

/** The rebill attempts (cycles 2 and later) of one retry number: the first attempt is retry 0. */
export interface RetryRow {
  retry: number;
  attempts: number;
  approved: number;
  softDeclined: number;
  hardDeclined: number;
  /** approved / attempts. */
  approvalRate: number | null;
  /**
   * For retries: the median number of days (account time) from the attempt before it; null for the first
   * attempt.
   */
  daysAfterPrevious: number | null;
}

export interface RetentionRow {
  group: Group | null;
  initialPurchases: number;
  cycles: CycleRow[];
  rebillAttempts: RetryRow[];
  /** With `subgroupBy`: this group's subscriptions broken down by the second field (no deeper). */
  subgroups: RetentionRow[] | null;
}

export interface RetentionReport {
  from: string;
  to: string;
  zone: string;
  currency: string;
  groupBy: Dimension | null;
  subgroupBy: Dimension | null;
  /** The instant due dates were judged at (epoch ms): the data's as-of. */
  asOf: number;
  rows: RetentionRow[];
}

/** A retention query: the range of initial sales, and the instant to judge what is due at. */
export interface RetentionQuery extends RangeQuery {
  /** The data's as-of (epoch ms); default the clock. */
  asOf?: number;
  /** A second breakdown inside each group (e.g. subaffiliate inside affiliate); needs groupBy. */
  subgroupBy?: Dimension | null;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v).slice(0, 10));

/** Statuses of a subscription that has ended: its next bill date no longer says when a cycle is due. */
const ENDED = new Set(['CANCELLED', 'COMPLETE', 'RECYCLE_FAILED', 'ONE_TIME', 'INACTIVE']);

/** Days assumed between cycles when nothing in the data says (a monthly subscription). */
const DEFAULT_GAP_DAYS = 30;

/** Subscriptions alike: how far they got and how far they were due. */
interface SubGroup {
  connectionId: string;
  product: string;
  /** Highest approved cycle, highest attempted cycle. */
  lastOk: number;
  lastTry: number;
  /**
   * The highest cycle due by the as-of, judged up to a cap (keptKindsSql, ledgerSubGroups): up to a lower
   * cycle N it is min(through, N), the loop of dueThroughBy stopped at N.
   */
  through: number;
  cancelled: boolean;
  count: number;
}

/** Subscriptions of one kind as the ledger's statement reads them: what decides when each of their cycles falls due. */
interface LedgerKind {
  connectionId: string;
  product: string;
  lastOk: number;
  lastTry: number;
  /** Account-zone day of the approval of lastOk. */
  okDate: string;
  /** The CRM's next bill date, for a subscription that has not ended. */
  nextBill: string | null;
}

/** Per cycle, what the attempts and the money of a group's subscriptions say besides due and approvals. */
interface CycleExtra {
  soft: number;
  recycling: number;
  saved: Map<number, number>;
  /** Saved after a soft first decline (the save rate's numerator); lost: soft first declines not saved, no longer recycling. */
  savedSoft: number;
  lostRecyclable: number;
  refunds: number;
  refundCents: number;
  chargebacks: number;
  chargebackCents: number;
}

/** Rebill attempts of one retry number: outcomes, and a histogram of days after the attempt before. */
interface RetryExtra {
  approved: number;
  soft: number;
  hard: number;
  days: Map<number, number>;
}

/** Everything known of the finest groups (group and subgroup), merged upwards for a group's row. */
interface Bucket {
  subs: SubGroup[];
  cycles: Map<number, CycleExtra>;
  retries: Map<number, RetryExtra>;
}

const emptyBucket = (): Bucket => ({ subs: [], cycles: new Map(), retries: new Map() });
const emptyCycle = (): CycleExtra => ({ soft: 0, recycling: 0, saved: new Map(), savedSoft: 0, lostRecyclable: 0, refunds: 0, refundCents: 0, chargebacks: 0, chargebackCents: 0 });

function cycleOf(b: Bucket, c: number): CycleExtra {
  let x = b.cycles.get(c);
  if (!x) b.cycles.set(c, (x = emptyCycle()));
  return x;
}

function retryOf(b: Bucket, r: number): RetryExtra {
  let x = b.retries.get(r);
  if (!x) b.retries.set(r, (x = { approved: 0, soft: 0, hard: 0, days: new Map() }));
  return x;
}

const addTo = (m: Map<number, number>, k: number, v: number) => m.set(k, (m.get(k) ?? 0) + v);

/** The buckets' union (a group's row from its subgroups'). */
function merged(list: Bucket[]): Bucket {
  const out = emptyBucket();
  for (const b of list) {
    out.subs.push(...b.subs);
    for (const [c, x] of b.cycles) {
      const y = cycleOf(out, c);
      y.soft += x.soft;
      y.recycling += x.recycling;
      y.lostRecyclable += x.lostRecyclable;
      y.savedSoft += x.savedSoft;
      y.refunds += x.refunds;
      y.refundCents += x.refundCents;
      y.chargebacks += x.chargebacks;
      y.chargebackCents += x.chargebackCents;
      for (const [r, k] of x.saved) addTo(y.saved, r, k);
    }
    for (const [r, x] of b.retries) {
      const y = retryOf(out, r);
      y.approved += x.approved;
      y.soft += x.soft;
      y.hard += x.hard;
      for (const [d, k] of x.days) addTo(y.days, d, k);
    }
  }
  return out;
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
 * The gap book's rows (gapBook): per connection, product and cycle from 2, the days from the previous
 * cycle's approval to the cycle's first attempt, over `head`'s `started` and `att`.
 */
function gapsSql(head: string, day: DaySql): string {
  return `${head}
       SELECT s.connection_id, s.product_id, a.cycle, ${day('a.first_at', 's.connection_id')} - ${day('b.ok_at', 's.connection_id')} AS days, COUNT(*) AS cnt
       FROM started s
       JOIN att a ON a.connection_id = s.connection_id AND a.purchase_id = s.purchase_id AND a.cycle >= 2
       JOIN att b ON b.connection_id = a.connection_id AND b.purchase_id = a.purchase_id AND b.cycle = a.cycle - 1 AND b.ok_at IS NOT NULL
       JOIN connections c ON c.connection_id = s.connection_id
       GROUP BY 1, 2, 3, 4`;
}

/** An instant expression's account-zone date (a DATE) in SQL, for the row's connection `connection`. */
type DaySql = (expr: string, connection: string) => string;

/**
 * The connections' clocks: each connection's account day at the as-of (the report zone for a connection
 * the store no longer has), and `daySql`, a statement's account-zone dates, cheap on every row: an offset
 * table per connection over the span of its ledger (no zone database call per row). `daySql` adds its
 * parameters to a copy of `p`: a statement built with it is run with that copy's values.
 */
async function accountClocks(store: ReportReader, asOf: number, zone: string) {
  const conns = await store.query(store.sql.ledgerSpansSql());
  const zones = new Map(conns.map((c) => [String(c.connection_id), String(c.timezone)]));
  const days = new Map<string, string>();
  const asOfDay = (c: string): string => {
    let d = days.get(c);
    if (d === undefined) days.set(c, (d = localDate(asOf, zones.get(c) ?? zone)));
    return d;
  };
  const withDays = <T>(p: Params, build: (day: DaySql, add: Params['add']) => T): [T, Params] => {
    const own = new Params();
    own.values.push(...p.values);
    const day: DaySql = (expr, connection) => {
      const arms = conns
        .filter((c) => c.lo !== null && c.lo !== undefined)
        .map((c) => `WHEN ${own.add(String(c.connection_id))} THEN ${store.sql.localDateInRange(own.add, expr, String(c.timezone), n(c.lo), n(c.hi) + 1)}`);
      return arms.length === 0 ? 'CAST(NULL AS DATE)' : `CASE ${connection} ${arms.join(' ')} END`;
    };
    return [build(day, own.add), own];
  };
  return { asOfDay, withDays, connections: conns.map((c) => String(c.connection_id)) };
}

/**
 * The highest cycle of subscriptions alike due by the as-of (their cycles up to it were all due): the
 * next cycle on the CRM's next bill date when known, later ones (and the next without it) on the gaps.
 */
function dueThroughBy(gap: (connectionId: string, product: string, cycle: number) => number, asOfDay: (connectionId: string) => string): (s: LedgerKind, upTo: number) => number {
  return (s, upTo) => {
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
}

/** Statuses of ENDED as SQL literals. */
const ENDED_SQL = [...ENDED].map((x) => `'${x}'`).join(', ');

/** A product's key in the gap book (gapBook's: String of the column, 'null' for none). */
const productKeySql = (expr: string) => `COALESCE(CAST(${expr} AS TEXT), 'null')`;

/**
 * What decides a kd row's due-through cycle, as join keys that match NULL to NULL: the book index and product
 * key, the cycles (-1 for none), the day of the last approval (the as-of's day and a flag for none: either
 * engine's day type) and the next bill date's test (-1 for none); named SCHEDULE_NAMES in kx.
 */
const SCHEDULE_KEYS = (a: string) => [`${a}.ci`, `${a}.bk`, `COALESCE(${a}.last_ok, -1)`, `COALESCE(${a}.last_try, -1)`, `COALESCE(${a}.ok_day, ${a}.today)`,
  `CASE WHEN ${a}.ok_day IS NULL THEN 1 ELSE 0 END`, `${a}.today`, `COALESCE(${a}.nb_passed, -1)`];
const SCHEDULE_NAMES = ['k_ci', 'k_bk', 'k_ok', 'k_try', 'k_day', 'k_noday', 'k_today', 'k_nb'];

/**
 * How a statement with keptKindsSql's CTEs and a breakdown runs: without nested-loop joins on PostgreSQL, as the ledger's
 * (LEDGER_PLAN): it joins the materialized `kd` and `kx`, which carry no statistics, on eight keys, and
 * PostgreSQL, estimating each at one row, looped over 105,000 kd rows per kx row (three minutes by MID at
 * 10,000,000 transactions) where a hash join takes milliseconds.
 */
const KINDS_PLAN = { noNestedLoops: true } as const;
/** KINDS_PLAN with a breakdown (kx); without one PostgreSQL plans the per-row path well as it is. */
const kindsPlan = (grouped: boolean) => (grouped ? KINDS_PLAN : undefined);

/**
 * The kept path's due dates, in SQL (what dueThroughBy does in code, there per subscription alike):
 * `head`, the CTEs of a statement that holds the gap book as a table, and `kinds`, a part that counts the
 * kept subscriptions `w` by their breakdown keys (`keys`), highest approved and attempted cycles, whether
 * cancelled, and `through`, the highest cycle due by the as-of up to the book's last cycle, its cap
 * (with `withProduct`, by connection and product as well; by `cohort`, a number per subscription whose
 * book's rows are its own: their connection index offset by the cohort times the connections).
 *
 * The book (`book`: connection index, product key, cycle, cumulative days) holds, per connection and per
 * product with gaps of its own ('*' for the others: the connection's medians, else a month), the days from
 * the approval of cycle 1 to the first attempt of each cycle up to `cap`, the sum of the gaps: cycle k of a
 * subscription whose last approval was at cycle j on day d is billed on d + cum(k) - cum(j), except the
 * next one (k = j + 1) on the CRM's next bill date when it has one (`nb_passed`: that date is before the
 * as-of's day). The subscription is due through the cycle before the first after its highest attempted
 * that was not billed by the as-of's day (`cx.today`), or through `cap` when there is none.
 *
 * With a breakdown (`grouped`), the due-through cycle is found once per distinct schedule (`kx`: book index,
 * product key, cycles, day of the last approval, the as-of's day, the next bill date's test), numbered
 * (`id`), and joined back to the `kd` rows by those columns (NULLs matched by a sentinel and a flag); without
 * one, the kd rows are nearly the schedules, and each is numbered and found by its number (the distinct and
 * the join back cost PostgreSQL 60-80 ms a year at 10M for nothing). Grouped by all of kd's columns
 * instead, PostgreSQL sorted the 82,000 rows of a year's kinds joined with their book on sixteen keys, text
 * ones among them, on a one-row estimate (0.37 s of 0.6 at 10,000,000 transactions); per kd row, a
 * breakdown's rows repeat the same schedules once per group (105,000 kd rows by MID, 420,000 joined with
 * their book), where the distinct schedules are as many as without a breakdown.
 */
function keptKindsSql(
  day: DaySql, add: Params['add'], w: KeptWhere, keys: (alias: string) => string, book: GapBookTable, cohort: ((alias: string) => string) | null, withProduct: boolean,
  grouped: boolean, kdSql?: (ci: (coh: string) => string) => string,
): { head: string; kinds: Part } {
  const conns = book.connections.map((c, i) => `(${i}, ${add(c.connectionId)}, ${add(c.today)}, ${add(c.today)})`);
  // A cohort's book is its own (readKept): its rows' connection index is offset by the cohort's number.
  const coh = cohort ? cohort('s') : '0';
  // A row's index in the book: its connection's, offset by its cohort's number (`c`: the cohort expression).
  const ciOf = (c: string) => (cohort ? `cx.ci + ${book.connections.length} * (${c})` : 'cx.ci');
  const ci = ciOf(coh);
  // Where the due-through cycle is found: per distinct schedule with a breakdown (kx), per kd row without.
  const x = grouped ? 'kx' : 'kd';
  const first = `(-1, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT))`;
  const lit = (k: string) => (/^(-?\d+|null|\*)$/.test(k) ? `'${k}'` : add(k));
  const rows = book.rows.map((r) => `(${r.ci}, ${lit(r.product)}, ${r.cycle}, ${r.cum})`);
  const head = `WITH cx0 (ci, connection_id, today, today_text) AS (VALUES ${[first, ...conns].join(', ')}),
     cx AS (SELECT ci, connection_id, CAST(today AS DATE) AS today, today_text FROM cx0 WHERE ci >= 0),
     book (ci, pkey, cycle, cum) AS (VALUES ${['(CAST(-1 AS INTEGER), CAST(NULL AS TEXT), CAST(0 AS INTEGER), CAST(0 AS INTEGER))', ...rows].join(', ')}),
     kd AS MATERIALIZED (SELECT ${grouped ? '' : 'ROW_NUMBER() OVER () AS id, '}k0.* FROM (${kdSql ? kdSql(ciOf) : `SELECT ${keys('s')}, s.connection_id, CAST(s.product_id AS TEXT) AS product_id, s.last_ok, s.last_try, ${ci} AS ci, COALESCE(pr.pkey, '*') AS bk,
         ${day('s.last_ok_at', 's.connection_id')} AS ok_day, cx.today,
         CASE WHEN UPPER(pu.status) = 'CANCELLED' THEN 1 ELSE 0 END AS cancelled,
         CASE WHEN UPPER(pu.status) IN (${ENDED_SQL}) OR pu.next_bill_date IS NULL THEN NULL WHEN SUBSTR(pu.next_bill_date, 1, 10) >= cx.today_text THEN 0 ELSE 1 END AS nb_passed,
         ${coh} AS coh, COUNT(*) AS cnt
       FROM subscription_starts s
       JOIN cx ON cx.connection_id = s.connection_id
       LEFT JOIN purchases pu ON pu.connection_id = s.connection_id AND pu.purchase_id = s.purchase_id
       LEFT JOIN (SELECT DISTINCT ci, pkey FROM book WHERE pkey <> '*') pr ON pr.ci = ${ci} AND pr.pkey = ${productKeySql('s.product_id')}
       WHERE ${w.subs('s')}
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15`}) k0),
     ${grouped ? `kx AS MATERIALIZED (SELECT ROW_NUMBER() OVER () AS id, x.* FROM (SELECT DISTINCT ${SCHEDULE_KEYS('kd').map((k, i) => `${k} AS ${SCHEDULE_NAMES[i]}`).join(', ')}, kd.ci, kd.bk, kd.last_ok, kd.last_try, kd.ok_day, kd.today, kd.nb_passed FROM kd) x),` : ''}
     kt AS (SELECT kd.grp_conn, kd.grp, kd.sub_conn, kd.sub_grp, kd.connection_id, kd.product_id, kd.last_ok, kd.last_try, kd.cancelled, kd.coh, kd.cnt, t.through
       FROM kd ${grouped ? `JOIN kx ON ${SCHEDULE_KEYS('kd').map((k, i) => `kx.${SCHEDULE_NAMES[i]} = ${k}`).join(' AND ')}` : ''}
       JOIN (SELECT ${x}.id,
           COALESCE(MIN(CASE WHEN b.cycle > ${x}.last_ok AND b.cycle > ${x}.last_try
             AND (CASE WHEN b.cycle = ${x}.last_ok + 1 AND ${x}.nb_passed IS NOT NULL THEN ${x}.nb_passed = 0 ELSE ${x}.ok_day + CAST(b.cum - b0.cum AS INTEGER) >= ${x}.today END)
             THEN b.cycle END) - 1, MAX(b.cycle)) AS through
         FROM ${x}
         JOIN book b0 ON b0.ci = ${x}.ci AND b0.pkey = ${x}.bk AND b0.cycle = ${x}.last_ok
         JOIN book b ON b.ci = ${x}.ci AND b.pkey = ${x}.bk
         GROUP BY ${x}.id) t ON t.id = ${x}.id)`;
  const by = withProduct ? 'connection_id, product_id, ' : '';
  return {
    head,
    kinds: ['kinds', [...(withProduct ? (['connection_id', 'product_id'] as const) : []), 'last_ok', 'last_try', 'through', 'cancelled', 'cohort', 'cnt'],
      `SELECT grp_conn, grp, sub_conn, sub_grp, ${by}last_ok, last_try, through, cancelled, coh AS cohort, SUM(cnt) AS cnt FROM kt GROUP BY grp_conn, grp, sub_conn, sub_grp, ${by}last_ok, last_try, through, cancelled, coh`],
  };
}

/** The gap book as a table for keptKindsSql: per connection, its account day at the as-of; per connection, product key ('*' the others) and cycle up to cap, the cumulative days from cycle 1. */
interface GapBookTable {
  connections: { connectionId: string; today: string }[];
  rows: { ci: number; product: string; cycle: number; cum: number }[];
}

function gapBookTable(connections: string[], gapRows: Record<string, unknown>[], gap: (c: string, p: string, cycle: number) => number, asOfDay: (c: string) => string, cap: number): GapBookTable {
  const products = new Map<string, Set<string>>();
  for (const r of gapRows) {
    const c = String(r.connection_id);
    let set = products.get(c);
    if (!set) products.set(c, (set = new Set()));
    set.add(String(r.product_id));
  }
  const rows: GapBookTable['rows'] = [];
  connections.forEach((c, ci) => {
    for (const product of ['*', ...(products.get(c) ?? [])]) {
      let cum = 0;
      for (let cycle = 1; cycle <= cap; cycle++) {
        if (cycle >= 2) cum += gap(c, product, cycle);
        if (!Number.isSafeInteger(cum)) throw new RangeError(`not a whole number of days: ${cum}`);
        rows.push({ ci, product, cycle, cum });
      }
    }
  });
  return { connections: connections.map((c) => ({ connectionId: c, today: asOfDay(c) })), rows };
}

/**
 * A `kind` row's day of last approval (`okDay`, SQL; days since 1970-01-01) as the due dates need it, for a
 * book (`book`) and an as-of day (`today`, the same for every connection): clamped into the only window
 * where it decides anything. keptKindsSql tests a day only as `ok_day + (cum(c) - cum(last_ok)) >= today`
 * for book cycles c > last_ok of one schedule, so with `lo` and `hi` the least and greatest such span of
 * the book, a day past `today - lo` passes every test and a day before `today - hi` fails every one: every
 * such day answers as `today - lo`, resp. `today - hi - 1`, does (NULL stays NULL: it fails them all as is).
 * The same due dates, from fewer distinct rows: the kinds are summed per day of last approval, and a year's
 * rows by MID at 10,000,000 transactions are 105,000 sums of which 18,000 stay distinct once clamped (most
 * subscriptions were last approved within a cycle of the as-of, or long before it). Unclamped without a
 * span (a book of one cycle: no test reads the day).
 */
function okDayClamp(okDay: string, book: GapBookTable, today: number): string {
  let lo = Infinity;
  let hi = -Infinity;
  const byKey = new Map<string, { cycle: number; cum: number }[]>();
  for (const r of book.rows) {
    const key = `${r.ci}\u0000${r.product}`;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(r);
  }
  for (const list of byKey.values()) {
    list.sort((a, b) => a.cycle - b.cycle);
    // The least and greatest cum(j) over the book's cycles j before c.
    let min = Infinity;
    let max = -Infinity;
    for (const r of list) {
      if (min !== Infinity) {
        lo = Math.min(lo, r.cum - max);
        hi = Math.max(hi, r.cum - min);
      }
      min = Math.min(min, r.cum);
      max = Math.max(max, r.cum);
    }
  }
  if (lo === Infinity) return okDay;
  const below = today - hi - 1;
  const above = today - lo;
  if (!Number.isSafeInteger(below) || !Number.isSafeInteger(above)) throw new RangeError(`not a whole number of days: ${below}, ${above}`);
  return `CASE WHEN ${okDay} < ${below} THEN ${below} WHEN ${okDay} > ${above} THEN ${above} ELSE ${okDay} END`;
}

/** The SELECT items of a second breakdown: `sub_conn` and `sub_grp` (NULL when there is none). */
function subgroupSelect(subgroupBy: Dimension | null, column: (d: Dimension) => string): string {
  if (!subgroupBy) return 'NULL AS sub_conn, NULL AS sub_grp';
  return `${DIMENSION_SPECS[subgroupBy].scoped ? column('connection') : 'NULL'} AS sub_conn, ${column(subgroupBy)} AS sub_grp`;
}

/** The columns of the retention statement's parts (unionOfParts), each with its SQL type. */
const PART_COLUMNS = {
  connection_id: 'TEXT', product_id: 'TEXT', last_ok: 'BIGINT', last_try: 'BIGINT', ok_date: 'TEXT', status: 'TEXT', next_bill_date: 'TEXT',
  cycle: 'BIGINT', days: 'BIGINT', saved_by: 'BIGINT', soft: 'BIGINT', recycling: 'BIGINT', lost: 'BIGINT', saved_soft: 'BIGINT',
  refunds: 'BIGINT', refund_cents: 'BIGINT', chargebacks: 'BIGINT', cb_cents: 'BIGINT', retry: 'BIGINT', outcome: 'TEXT', cnt: 'BIGINT',
  sales: 'BIGINT', gross: 'BIGINT', reversed: 'BIGINT', through: 'BIGINT', cancelled: 'BIGINT', cohort: 'BIGINT',
} as const;

/**
 * Several grouped SELECTs over the same CTEs (`head`) as one statement: each part's rows carry its name
 * in `part`, the breakdown keys, and the PART_COLUMNS it selects (typed alike in every part; NULL where
 * a part has none), so the engine computes the CTEs once for all of them.
 */
function unionOfParts(head: string, parts: [name: string, columns: (keyof typeof PART_COLUMNS)[], select: string][]): string {
  const columns = Object.entries(PART_COLUMNS) as [keyof typeof PART_COLUMNS, string][];
  return `${head}
     ${parts
       .map(([name, has, select]) => {
         const cols = columns.map(([c, type]) => `CAST(${has.includes(c) ? `x.${c}` : 'NULL'} AS ${type}) AS ${c}`);
         return `SELECT '${name}' AS part, x.grp_conn, x.grp, x.sub_conn, x.sub_grp, ${cols.join(', ')} FROM (${select}) x`;
       })
       .join('\n     UNION ALL ')}`;
}

type PartName = 'cycles' | 'money' | 'retries' | 'rebills';
type Part = [name: string, columns: (keyof typeof PART_COLUMNS)[], select: string];

/** Where a report reads its subscriptions: the kept tables (subscription-cycles.ts), or the ledger while they are behind. */
export type RetentionSource = 'aggregate' | 'ledger';

/** The kept tables read unless a rebuild is pending (the ledger is then ahead of them). */
async function sourceOf(store: ReportReader, forced: RetentionSource | undefined): Promise<RetentionSource> {
  return forced ?? ((await store.aggregatesBehind()) ? 'ledger' : 'aggregate');
}

/**
 * The conditions on a kept subscription table's rows (store/subscription-cycles.ts: each row carries its
 * purchase's initial sale) for a report, on the table's alias: the subscriptions started in
 * [startMs, endMs) matching `others` (`started`), and of those the ones in `currency` (`subs`). Each
 * statement gets its own (`on(p)`: the parameters go to `p`, once, whatever the aliases), as DuckDB
 * refuses a parameter a statement does not use.
 */
interface KeptWhere {
  started: (alias: string) => string;
  subs: (alias: string) => string;
}
type KeptScope = (p: Params, withCurrency: boolean) => KeptWhere;

function keptScope(store: ReportReader, startMs: number, endMs: number, currency: string, others: Filter[]): KeptScope {
  return (p, withCurrency) => {
    const started = `_k.started_at >= ${store.sql.instantParam(p.add, startMs)} AND _k.started_at < ${store.sql.instantParam(p.add, endMs)}${filterSql(others, eventCol('_k'), p)}`;
    const cur = withCurrency ? ` AND _k.currency = ${p.add(currency)}` : '';
    const on = (sql: string) => (alias: string) => sql.replaceAll('_k.', `${alias}.`);
    return {
      started: on(started),
      subs: on(`${started}${cur}`),
    };
  };
}

/**
 * The parts of a statement over the kept subscription tables (store/subscription-cycles.ts) for the
 * subscriptions `w` (keptWhere): the gaps read every currency, the other parts the report's. Each part
 * selects the same columns as the ledger's (unionOfParts), so what follows does not know the source.
 */
function keptParts(day: DaySql, w: KeptWhere, groupBy: Dimension | null, subgroupBy: Dimension | null, names: PartName[]): Part[] {
  const keys = keptKeys(groupBy, subgroupBy);
  const purchase = (alias: string) => `LEFT JOIN purchases pu ON pu.connection_id = ${alias}.connection_id AND pu.purchase_id = ${alias}.purchase_id`;
  const conn = (alias: string) => `JOIN connections c ON c.connection_id = ${alias}.connection_id`;
  const declined = 'a.ok_at IS NULL AND a.last_ok < a.cycle';
  const recycling = `a.ok_at IS NULL AND a.last_ok = a.cycle - 1 AND ${enumSql('a.status')} = 'RECYCLE_BILLING'`;
  // Built on demand: a part's day() conversions add parameters, which a statement without it must not have.
  const all: Record<PartName, () => Part> = {
    cycles: () => ['cycles', ['cycle', 'saved_by', 'soft', 'recycling', 'lost', 'saved_soft', 'cnt'], `SELECT ${keys('a')}, a.cycle, CASE WHEN a.ok_retry > 0 THEN a.ok_retry END AS saved_by,
         SUM(CASE WHEN ${declined} AND a.last_soft = 1 THEN 1 ELSE 0 END) AS soft,
         SUM(CASE WHEN ${declined} AND a.last_soft = 1 AND ${recycling} THEN 1 ELSE 0 END) AS recycling,
         SUM(CASE WHEN ${declined} AND a.first_soft = 1 AND NOT (a.last_soft = 1 AND ${recycling}) THEN 1 ELSE 0 END) AS lost,
         SUM(CASE WHEN a.ok_retry > 0 AND a.first_soft = 1 THEN 1 ELSE 0 END) AS saved_soft,
         COUNT(*) AS cnt
       FROM (
         -- Only the cycles saved by a retry or declined count here; only the declined need the purchase's status.
         SELECT a.*, CAST(NULL AS TEXT) AS status FROM subscription_cycles a WHERE ${w.subs('a')} AND a.attempts > 0 AND a.ok_retry > 0
         UNION ALL
         SELECT a.*, pu.status FROM subscription_cycles a ${purchase('a')} WHERE ${w.subs('a')} AND a.attempts > 0 AND a.ok_at IS NULL AND a.last_ok < a.cycle) a
       GROUP BY 1, 2, 3, 4, 5, 6`],
    money: () => ['money', ['cycle', 'refunds', 'refund_cents', 'chargebacks', 'cb_cents'], `SELECT ${keys('a')}, a.cycle,
         SUM(CASE WHEN a.refunds > 0 THEN 1 ELSE 0 END) AS refunds, SUM(a.refund_cents) AS refund_cents,
         SUM(CASE WHEN a.chargebacks > 0 THEN 1 ELSE 0 END) AS chargebacks, SUM(a.chargeback_cents) AS cb_cents
       FROM subscription_cycles a
       WHERE ${w.subs('a')} AND (a.refunds <> 0 OR a.refund_cents <> 0 OR a.chargebacks <> 0 OR a.chargeback_cents <> 0) GROUP BY 1, 2, 3, 4, 5`],
    retries: () => ['retries', ['retry', 'outcome', 'days', 'cnt'], `SELECT ${keys('t')}, t.retry, t.outcome,
         CASE WHEN t.prev_at IS NULL THEN NULL ELSE ${day('t.instant', 't.connection_id')} - ${day('t.prev_at', 't.connection_id')} END AS days, COUNT(*) AS cnt
       FROM subscription_attempts t ${conn('t')} WHERE ${w.subs('t')} AND t.cycle >= 2 GROUP BY 1, 2, 3, 4, 5, 6, 7`],
    // The rebills so far (cycle 2 and later): approved sales, their gross, and what was taken back from them.
    rebills: () => ['rebills', ['sales', 'gross', 'reversed'], `SELECT ${keys('a')}, SUM(a.sales) AS sales, SUM(a.sales_cents) AS gross, SUM(a.reversed_cents) AS reversed
       FROM subscription_cycles a WHERE ${w.subs('a')} AND a.cycle >= 2 GROUP BY 1, 2, 3, 4`],
  };
  return names.map((n) => all[n]());
}

/** The SELECT items of the breakdown keys of a kept table's rows (alias). */
function keptKeys(groupBy: Dimension | null, subgroupBy: Dimension | null): (alias: string) => string {
  return (alias) => `${groupSelect(groupBy, eventCol(alias))}, ${subgroupSelect(subgroupBy, eventCol(alias))}`;
}

/**
 * Reads the kept tables (store/subscription-cycles.ts) for the subscriptions `w` in two statements: the
 * gap book's rows (gapBook; a product's schedule, every currency) with the highest attempted cycle; then
 * one statement of the kinds (keptKindsSql: their due dates in SQL, up to that cycle plus `extra`) and the
 * parts `names`. Both return grouped rows: their number follows the breakdown, not the subscriptions.
 * `cohortEnds` (epoch ms, ascending, the last the scope's end) splits the subscriptions by when they
 * started into cohorts, each read as if alone (its own gap book and highest cycle; its kinds rows carry
 * its number in `cohort`, `gaps` holds its book): the same figures as one read per cohort, in one pass.
 */
async function readKept(
  store: ReportReader, clocks: Awaited<ReturnType<typeof accountClocks>>, scope: KeptScope,
  groupBy: Dimension | null, subgroupBy: Dimension | null, names: PartName[], extra: number, withProduct: boolean, cohortEnds: number[] = [],
) {
  // The cohort of a row (its number), its bounds added as the statement's parameters; none without cohorts.
  const split = cohortEnds.length > 1;
  const cohortOf = (add: Params['add']) => (alias: string) =>
    !split ? '0' : `CASE ${cohortEnds.slice(0, -1).map((end, i) => `WHEN ${alias}.started_at < ${store.sql.instantParam(add, end)} THEN ${i}`).join(' ')} ELSE ${cohortEnds.length - 1} END`;
  const gp = new Params();
  const started = scope(gp, false).started;
  const [gapSql, gapParams] = clocks.withDays(gp, (day, add) => `SELECT a.connection_id, a.product_id, a.cycle,
         ${day('a.first_at', 'a.connection_id')} - ${day('a.prev_ok_at', 'a.connection_id')} AS days, ${cohortOf(add)('a')} AS coh, COUNT(*) AS cnt
       FROM subscription_cycles a JOIN connections c ON c.connection_id = a.connection_id
       WHERE ${started('a')} AND a.cycle >= 2 AND a.attempts > 0 AND a.prev_ok_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5`);
  const tp = new Params();
  const topSql = `SELECT ${cohortOf(tp.add)('s')} AS coh, MAX(s.last_try) AS m FROM subscription_starts s WHERE ${scope(tp, true).subs('s')} GROUP BY 1`;
  const [gapRows, top] = await Promise.all([store.query(gapSql, gapParams.values), store.query(topSql, tp.values)]);
  const books = Array.from({ length: Math.max(1, cohortEnds.length) }, (_, k) => {
    const rows = gapRows.filter((r) => n(r.coh) === k);
    const gap = gapBook(rows);
    const cap = Math.max(1, n(top.find((r) => n(r.coh) === k)?.m)) + extra;
    return { gap, table: gapBookTable(clocks.connections, rows, gap, clocks.asOfDay, cap) };
  });
  const offset = clocks.connections.length;
  const book: GapBookTable = { connections: books[0]!.table.connections, rows: books.flatMap((b, k) => b.table.rows.map((r) => ({ ...r, ci: r.ci + offset * k }))) };
  const kp = new Params();
  const w = scope(kp, true);
  const [sql, params] = clocks.withDays(kp, (day, add) => {
    const k = keptKindsSql(day, add, w, keptKeys(groupBy, subgroupBy), book, split ? cohortOf(add) : null, withProduct, groupBy !== null);
    return unionOfParts(k.head, [k.kinds, ...keptParts(day, w, groupBy, subgroupBy, names)]);
  });
  // rangeGap: the whole scope's gap book (every cohort's rows together), built when asked.
  return { gap: books[0]!.gap, gaps: books.map((b) => b.gap), rangeGap: () => (split ? gapBook(gapRows) : books[0]!.gap), part: byPart(await store.query(sql, params.values, kindsPlan(groupBy !== null))) };
}

/** A kinds row of the kept statement (readKept) as subscriptions alike. */
function keptSubGroup(row: Record<string, unknown>): SubGroup {
  return {
    connectionId: String(row.connection_id), product: String(row.product_id), lastOk: n(row.last_ok), lastTry: n(row.last_try), through: n(row.through),
    cancelled: n(row.cancelled) === 1, count: n(row.cnt),
  };
}

/**
 * Kinds rows of a ledger statement as subscriptions alike, each due through the cycle dueThroughBy finds
 * up to `cap` (the highest attempted cycle of them all, plus `extra`). `status`: a row's purchase status
 * as the due dates read it (null: not known).
 */
function ledgerSubGroups(rows: Record<string, unknown>[], gap: (c: string, p: string, cycle: number) => number, asOfDay: (c: string) => string, extra: number, status: (row: Record<string, unknown>) => string | null): SubGroup[] {
  const dueThrough = dueThroughBy(gap, asOfDay);
  const cap = Math.max(1, ...rows.map((r) => n(r.last_try))) + extra;
  return rows.map((row) => {
    const st = status(row);
    const kind: LedgerKind = {
      connectionId: String(row.connection_id), product: String(row.product_id), lastOk: n(row.last_ok), lastTry: n(row.last_try),
      okDate: text(row.ok_date) ?? '', nextBill: st !== null && ENDED.has(st) ? null : text(row.next_bill_date),
    };
    return { ...kind, through: dueThrough(kind, cap), cancelled: st === 'CANCELLED', count: n(row.cnt) };
  });
}

/** A statement's rows by their part. */
function byPart(rows: Record<string, unknown>[]): (name: string) => Record<string, unknown>[] {
  const parts = new Map<string, Record<string, unknown>[]>();
  for (const row of rows) {
    const list = parts.get(String(row.part));
    if (list) list.push(row);
    else parts.set(String(row.part), [row]);
  }
  return (name) => parts.get(name) ?? [];
}

/**
 * Which of retention's kept counts answer a breakdown and filters (store/retention-days.ts): retention_days
 * when they name only the connection and the product (its own columns), else retention_groups' rows of the
 * one family that holds every other dimension named (campaign; affiliate and sub-affiliate; MID; coupon);
 * null when none does (e.g. campaign within MID): the subscription tables answer.
 */
interface CountsSource {
  table: 'retention_days' | 'retention_groups';
  family: RetentionFamily | null;
  /** The columns beyond retention_days' own that the breakdown selects (alias-free). */
  columns: string[];
}

function countsSource(groupBy: Dimension | null, subgroupBy: Dimension | null, filters: Filter[]): CountsSource | null {
  const own = ['connection_id', 'product_id'];
  const column = (d: Dimension) => DIMENSION_SPECS[d].event;
  const named = [...new Set([groupBy, subgroupBy, ...filters.map((f) => f.dimension)].filter((d): d is Dimension => d !== null).map(column))].filter((c) => !own.includes(c));
  const columns = [...new Set([groupBy, subgroupBy].filter((d): d is Dimension => d !== null).map(column))].filter((c) => !own.includes(c));
  if (named.length === 0) return { table: 'retention_days', family: null, columns };
  const family = (Object.keys(RETENTION_FAMILIES) as RetentionFamily[]).find((f) => named.every((c) => (RETENTION_FAMILIES[f] as readonly string[]).includes(c)));
  return family ? { table: 'retention_groups', family, columns } : null;
}

/** Days since 1970-01-01 of a calendar date ("YYYY-MM-DD"). */
const epochDay = (date: string): number => Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);

/** A breakdown and filters of a read of retention's counts (retentionDaysStart). */
interface CountsQuery {
  source: CountsSource;
  groupBy: Dimension | null;
  subgroupBy: Dimension | null;
  /** The filters but the cycle's. */
  filters: Filter[];
}

/**
 * What both readers of retention's counts (readRetentionDays, fatesFromRetentionDays) start from, for the
 * subscriptions started from `from` to `to` in `currency` matching `by`'s filters, each row numbered by
 * `cohortOf` (SQL over alias r: the cohort its start day falls in; '0' for one): the connections, the `gap`
 * rows (every currency) with their cohort, each cohort's highest attempted cycle, and the `kind` rows'
 * statement for keptKindsSql, from `by`'s table (`table`, with its family's condition). Null when the
 * counts cannot answer: a connection's zone is not the report's (the counts' days are its account days), or a
 * count was made in another zone than its connection's (its timezone changed since; both tables are written
 * by the same statements from the same stamps, so retention_days, the smaller, says it for both).
 */
async function retentionDaysStart(store: ReportReader, asOf: number, zone: string, from: string, to: string, currency: string, cohortOf: string, by: CountsQuery) {
  const conns = await store.query('SELECT connection_id, timezone FROM connections ORDER BY connection_id');
  if (conns.some((c) => String(c.timezone) !== zone)) return null;
  const { table, family, columns } = by.source;
  const days = (p: Params) => `r.day >= ${p.add(epochDay(from))} AND r.day <= ${p.add(epochDay(to))}`;
  // The family is one of RETENTION_FAMILIES' names, written out.
  const range = (p: Params) => `${days(p)}${family ? ` AND r.family = '${family}'` : ''}${filterSql(by.filters, eventCol('r'), p)}`;
  const fp = new Params();
  // The gap book and the highest cycle are the scope's, whatever the breakdown: without a filter,
  // retention_days' rows (a family's are the same counts, split finer: 13 times the rows for the affiliates').
  // A stale count is one whose zone is not its connection's; every connection's is `zone` here, so only the
  // rows of another zone are read (PostgreSQL: an index by zone, migration 35, for two ranges instead of
  // every row).
  const scope = by.filters.length === 0 ? 'retention_days' : table;
  const scoped = by.filters.length === 0 ? days : range;
  const first = byPart(await store.query(
    `SELECT 'gaps' AS part, ${cohortOf} AS coh, r.connection_id, CAST(r.product_id AS TEXT) AS product_id, r.cycle, r.days, SUM(r.cnt) AS cnt FROM ${scope} r
       WHERE r.part = 'gap' AND ${scoped(fp)} GROUP BY 2, r.connection_id, r.product_id, r.cycle, r.days
     UNION ALL SELECT 'top', ${cohortOf}, NULL, NULL, NULL, NULL, MAX(r.last_try) FROM ${scope} r WHERE r.part = 'kind' AND r.currency = ${fp.add(currency)} AND ${scoped(fp)} GROUP BY 2
     UNION ALL SELECT 'stale', NULL, NULL, NULL, NULL, NULL, COUNT(*) FROM retention_days r JOIN connections c ON c.connection_id = r.connection_id
       WHERE (r.zone < ${fp.add(zone)} OR r.zone > ${fp.add(zone)}) AND r.zone <> c.timezone`,
    fp.values,
  ));
  if (n(first('stale')[0]?.cnt) > 0) return null;
  const where = (p: Params) => `r.currency = ${p.add(currency)} AND ${range(p)}`;
  const keys = keptKeys(by.groupBy, by.subgroupBy);
  // The breakdown's own columns, carried through the kind rows' first sums.
  const extra = columns.map((c) => `r.${c}, `).join('');
  // Every connection's account day at the as-of (the zone is theirs): keptKindsSql's cx.today.
  const today = localDate(asOf, zone);
  return {
    table,
    ids: conns.map((c) => String(c.connection_id)),
    today,
    gapRows: first('gaps'),
    top: (k: number) => n(first('top').find((r) => n(r.coh) === k)?.cnt),
    keys,
    where,
    /**
     * The `kind` rows summed per what decides their due dates (keptKindsSql's kdSql), parameters in `p`:
     * summed first on the counts' own columns (`g`), then given their book's index and product key, so
     * the join and the casts run on the sums, not on every day's rows (a year at 10,000,000 transactions:
     * 132,000 rows into 16,000; 32-40 ms against 61-80 on DuckDB). Every connection's day at the as-of is
     * `today` (the zone is theirs), so a row's next bill is compared with it as a value: joining every
     * row with its connection's (cx) for it cost PostgreSQL a hash join of the 493,643 kind rows of a
     * year by MID (432 against 360 ms for the sums alone).
     */
    kindsSql: (p: Params, book: GapBookTable) => (ci: (coh: string) => string) => `SELECT ${keys('g')}, g.connection_id, CAST(g.product_id AS TEXT) AS product_id, g.last_ok, g.last_try, ${ci('g.coh')} AS ci,
         COALESCE(pr.pkey, '*') AS bk, g.ok_day, CAST(cx.today - DATE '1970-01-01' AS INTEGER) AS today, g.cancelled, g.nb_passed, g.coh, g.cnt
       FROM (SELECT ${extra}r.connection_id, r.product_id, r.last_ok, r.last_try, ${okDayClamp('r.ok_day', book, epochDay(today))} AS ok_day, r.cancelled,
           CASE WHEN r.next_bill IS NULL THEN NULL WHEN r.next_bill >= ${p.add(today)} THEN 0 ELSE 1 END AS nb_passed, ${cohortOf} AS coh, SUM(r.cnt) AS cnt
         FROM ${table} r
         WHERE r.part = 'kind' AND ${where(p)}
         GROUP BY ${Array.from({ length: 8 + columns.length }, (_, i) => i + 1).join(', ')}) g
       JOIN cx ON cx.connection_id = g.connection_id
       LEFT JOIN (SELECT DISTINCT ci, pkey FROM book WHERE pkey <> '*') pr ON pr.ci = ${ci('g.coh')} AND pr.pkey = ${productKeySql('g.product_id')}`,
  };
}

/** keptKindsSql's day conversion where none is needed (retention_days' days are already account days). */
const NO_DAYS: DaySql = () => {
  throw new Error('retention days need no zone conversion');
};
/** keptKindsSql's scope where the kind rows come from retention_days, not the subscription tables. */
const NO_SCOPE: KeptWhere = { started: () => 'FALSE', subs: () => 'FALSE' };

/**
 * The report's rows from retention's counts kept at write time (store/retention-days.ts) for the
 * subscriptions started from `from` to `to` (calendar days of `zone`) in `currency`, with no breakdown and
 * no filter but the cycle: the same parts as readKept's, summed from a few rows per day instead of every
 * subscription. Null when the counts cannot answer: a connection's zone is not the report's (the counts'
 * days are its account days), or a count was made in another zone than its connection's (its timezone
 * changed since; its days are another calendar's): the caller reads the subscription tables.
 */
async function readRetentionDays(store: ReportReader, asOf: number, zone: string, from: string, to: string, currency: string, by: CountsQuery): Promise<((name: string) => Record<string, unknown>[]) | null> {
  const start = await retentionDaysStart(store, asOf, zone, from, to, currency, '0', by);
  if (!start) return null;
  const { keys, where, table } = start;
  const book = gapBookTable(start.ids, start.gapRows, gapBook(start.gapRows), () => start.today, Math.max(1, start.top(0)));
  const kp = new Params();
  const k = keptKindsSql(NO_DAYS, kp.add, NO_SCOPE, keys, book, null, false, by.groupBy !== null, start.kindsSql(kp, book));
  const sql = unionOfParts(k.head, [
    k.kinds,
    ['cycles', ['cycle', 'saved_by', 'soft', 'recycling', 'lost', 'saved_soft', 'cnt'], `SELECT ${keys('r')}, r.cycle, r.saved_by, SUM(r.soft) AS soft, SUM(r.recycling) AS recycling,
         SUM(r.lost) AS lost, SUM(r.saved_soft) AS saved_soft, SUM(r.cnt) AS cnt
       FROM ${table} r WHERE r.part = 'cycle' AND ${where(kp)} GROUP BY 1, 2, 3, 4, 5, 6`],
    ['money', ['cycle', 'refunds', 'refund_cents', 'chargebacks', 'cb_cents'], `SELECT ${keys('r')}, r.cycle, SUM(r.refunds) AS refunds, SUM(r.refund_cents) AS refund_cents,
         SUM(r.chargebacks) AS chargebacks, SUM(r.cb_cents) AS cb_cents
       FROM ${table} r WHERE r.part = 'money' AND ${where(kp)} GROUP BY 1, 2, 3, 4, 5`],
    ['retries', ['retry', 'outcome', 'days', 'cnt'], `SELECT ${keys('r')}, r.retry, r.outcome, r.days, SUM(r.cnt) AS cnt
       FROM ${table} r WHERE r.part = 'retry' AND ${where(kp)} GROUP BY 1, 2, 3, 4, 5, 6, 7`],
  ]);
  return byPart(await store.query(sql, kp.values, kindsPlan(by.groupBy !== null)));
}

/**
 * The fates of the cohorts (cohortFates: consecutive parts of [from, to]) and, `withWhole`, the range's
 * groups, from retention's counts kept at write time (store/retention-days.ts) for a query its counts
 * answer (`by`: countsSource): each cohort's subscriptions are the `kind` rows of its start days,
 * its gap book the `gap` rows of those days (every currency), its highest cycle theirs; the range's gap
 * book is every cohort's gap rows together, its rebill money (`withWhole`) the `rebill` rows. The same
 * figures as readKept's one pass over the subscription tables, from a few rows per day. Null when the
 * counts cannot answer (readRetentionDays' conditions: a connection's zone is not the report's, or a count
 * was made in another zone).
 */
async function fatesFromRetentionDays(
  store: ReportReader, q: FatesQuery, asOf: number, zone: string, cohorts: FatesCohort[], withWhole: boolean, by: CountsQuery,
): Promise<{ byCohort: Map<string, FateGroup[]>; whole: FateGroup[] | null } | null> {
  // A row's cohort: the number of the cohort its start day falls in (whole numbers, written out).
  const cohortOf = cohorts.length < 2 ? '0' : `CASE ${cohorts.slice(0, -1).map((c, i) => `WHEN r.day <= ${epochDay(c.to)} THEN ${i}`).join(' ')} ELSE ${cohorts.length - 1} END`;
  const start = await retentionDaysStart(store, asOf, zone, q.from, q.to, q.currency, cohortOf, by);
  if (!start) return null;
  const { ids, gapRows, table } = start;
  const groupBy = by.groupBy;
  // Each cohort's own book, up to one cycle past its highest attempted (readKept's `extra` for the fates).
  const books = cohorts.map((_, k) => {
    const rows = gapRows.filter((r) => n(r.coh) === k);
    const gap = gapBook(rows);
    return { gap, table: gapBookTable(ids, rows, gap, () => start.today, Math.max(1, start.top(k)) + 1) };
  });
  const book: GapBookTable = { connections: books[0]!.table.connections, rows: books.flatMap((b, k) => b.table.rows.map((r) => ({ ...r, ci: r.ci + ids.length * k }))) };
  const kp = new Params();
  const k = keptKindsSql(NO_DAYS, kp.add, NO_SCOPE, start.keys, book, () => cohortOf, true, groupBy !== null, start.kindsSql(kp, book));
  // The range's rebill money: the counts' `rebill` rows of its start days (keptParts' `rebills`, summed).
  const rebills: Part[] = withWhole
    ? [['rebills', ['sales', 'gross', 'reversed'], `SELECT ${start.keys('r')}, SUM(r.sales) AS sales, SUM(r.sales_cents) AS gross, SUM(r.reversed_cents) AS reversed
         FROM ${table} r WHERE r.part = 'rebill' AND ${start.where(kp)} GROUP BY 1, 2, 3, 4`]]
    : [];
  const part = byPart(await store.query(unionOfParts(k.head, [k.kinds, ...rebills]), kp.values, kindsPlan(groupBy !== null)));
  const kinds = part('kinds');
  const byCohort = new Map<string, FateGroup[]>();
  cohorts.forEach((c, i) => {
    const mine = kinds.filter((row) => n(row.cohort) === i);
    byCohort.set(c.key, fateGroups(groupsAlike(groupBy, mine, mine.map(keptSubGroup)), books[i]!.gap, new Map()));
  });
  const whole = withWhole ? fateGroups(groupsAlike(groupBy, kinds, kinds.map(keptSubGroup)), gapBook(gapRows), moneyByGroup(groupBy, part('rebills'))) : null;
  return { byCohort, whole };
}

/**
 * How the ledger's statements (over the CTEs of this file) run: on PostgreSQL without nested-loop joins
 * (QueryOptions). They join materialized CTEs, which carry no statistics, so PostgreSQL guesses the rows of
 * every filter and multi-column join over them at a handful (the year's ~24,000 subscriptions estimated at
 * 1, their attempts at 5) and then joins them by nested loops over CTE scans, which have no index:
 * quadratic, over 5 minutes at 250,000 transactions. Without nested loops it hashes, linear whatever the
 * estimate. The kept tables' statements need no such option: real tables have statistics.
 */
const LEDGER_PLAN = { noNestedLoops: true } as const;

/**
 * Retention of the subscriptions started in [from, to] in the report's currency (their initial sale's),
 * judged at the as-of. A billing-cycle filter limits the cycles listed.
 */
export async function retentionReport(store: ReportReader, q: RetentionQuery, o: { source?: RetentionSource; days?: boolean } = {}): Promise<RetentionReport> {
  if (q.groupBy === 'cycle' || q.subgroupBy === 'cycle') throw new RangeError('retention is already broken down by billing cycle; group it by another field');
  if (q.subgroupBy && !q.groupBy) throw new RangeError('a subgroup breakdown needs a group breakdown (e.g. affiliate, then subaffiliate)');
  if (q.subgroupBy && q.subgroupBy === q.groupBy) throw new RangeError(`retention is already grouped by ${q.groupBy}; choose another field to break its groups down by`);
  checkReportRange(q);
  const asOf = q.asOf ?? Date.now();
  const groupBy = q.groupBy ?? null;
  const subgroupBy = q.subgroupBy ?? null;
  const zone = reportZone({ ...q, basis: 'event' });
  const r = instantRange(q.from, q.to, zone);
  const p = new Params();
  const e = eventCol('e');
  const cycleFilter = (q.filters ?? []).find((f) => f.dimension === 'cycle');
  const others = (q.filters ?? []).filter((f) => f.dimension !== 'cycle');
  const currency = p.add(q.currency);
  // A subscription's first cycle-1 sale decides whether it started in range, its currency, its product
  // and how it is attributed. The gaps between cycles are a product's schedule, whatever the currency:
  // they are read from every subscription started in range (`started`), the report's are those in its
  // currency (`subs`).
  const started = `SELECT connection_id, purchase_id, product_id, grp_conn, grp, sub_conn, sub_grp, currency FROM (
      SELECT e.connection_id, e.purchase_id, e.product_id, e.instant, e.currency, ${groupSelect(groupBy, e)}, ${subgroupSelect(subgroupBy, e)},
        ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id ORDER BY e.instant, e.event_id) AS rn
      FROM money_events e
      WHERE e.kind = 'sale' AND e.billing_cycle = 1 AND e.purchase_id IS NOT NULL${filterSql(others, e, p)}) x
    WHERE rn = 1 AND instant >= ${store.sql.instantParam(p.add, r.startMs)} AND instant < ${store.sql.instantParam(p.add, r.endMs)}`;
  const subs = `SELECT * FROM started WHERE currency = ${currency}`;
  // Every attempt (sale or decline) of those subscriptions, numbered within its cycle (ord 0 is the
  // first attempt, retry k the attempt after k declines; rev 1 the last), with the response the CRM gave.
  const tries = `SELECT e.connection_id, e.purchase_id, e.billing_cycle AS cycle, e.kind, e.instant, ${enumSql('t.response_type')} AS response,
        ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id, e.billing_cycle ORDER BY e.instant, e.event_id) - 1 AS ord,
        ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id, e.billing_cycle ORDER BY e.instant DESC, e.event_id DESC) AS rev,
        LAG(e.instant) OVER (PARTITION BY e.connection_id, e.purchase_id, e.billing_cycle ORDER BY e.instant, e.event_id) AS prev_at
      FROM started s JOIN money_events e ON e.connection_id = s.connection_id AND e.purchase_id = s.purchase_id
      LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
      WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL`;
  // Per subscription and cycle: its first attempt, its first approval, and how its attempts went.
  const attempts = `SELECT connection_id, purchase_id, cycle, MIN(instant) AS first_at, MIN(CASE WHEN kind = 'sale' THEN instant END) AS ok_at,
        MAX(CASE WHEN rev = 1 AND kind = 'decline' AND response = 'SOFT_DECLINE' THEN 1 ELSE 0 END) AS last_soft,
        MAX(CASE WHEN ord = 0 AND kind = 'decline' AND response = 'SOFT_DECLINE' THEN 1 ELSE 0 END) AS first_soft
      FROM tries GROUP BY 1, 2, 3`;
  // The retry that approved: the place of the cycle's first approval among its attempts (0: the first attempt).
  const saves = `SELECT connection_id, purchase_id, cycle, MIN(ord) AS ok_retry FROM tries WHERE kind = 'sale' GROUP BY 1, 2, 3`;
  const head = `WITH started AS MATERIALIZED (${started}), subs AS MATERIALIZED (${subs}), tries AS MATERIALIZED (${tries}), att AS MATERIALIZED (${attempts}),
     per AS MATERIALIZED (SELECT connection_id, purchase_id, MAX(CASE WHEN ok_at IS NOT NULL THEN cycle END) AS last_ok, MAX(cycle) AS last_try FROM att GROUP BY 1, 2)`;
  const keys = 's.grp_conn, s.grp, s.sub_conn, s.sub_grp';
  // Refunds, voids and chargebacks of each cycle's charge (a refund's cycle is its parent sale's).
  const moneyByCycle = `SELECT e.connection_id, e.purchase_id, COALESCE(CASE WHEN e.kind IN ('refund', 'void') THEN pt.billing_cycle END, e.billing_cycle) AS cycle,
        SUM(CASE WHEN e.kind IN ('refund', 'void') THEN 1 ELSE 0 END) AS refund_n, SUM(CASE WHEN e.kind IN ('refund', 'void') THEN -e.amount_cents ELSE 0 END) AS refund_cents,
        SUM(CASE WHEN e.kind = 'chargeback' THEN 1 WHEN e.kind = 'chargeback_reversal' THEN -1 ELSE 0 END) AS cb_n,
        SUM(CASE WHEN e.kind IN ('chargeback', 'chargeback_reversal') THEN -e.amount_cents ELSE 0 END) AS cb_cents
      FROM subs s JOIN money_events e ON e.connection_id = s.connection_id AND e.purchase_id = s.purchase_id
      LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
      LEFT JOIN transactions pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id
      WHERE e.kind IN ('refund', 'void', 'chargeback', 'chargeback_reversal') AND e.currency = ${currency}
      GROUP BY 1, 2, 3`;
  // Per subscription and cycle: declined or not, still recycling, the retry that saved it.
  const perCycle = `SELECT a.connection_id, a.purchase_id, a.cycle,
        CASE WHEN a.ok_at IS NULL AND pe.last_ok < a.cycle THEN 1 ELSE 0 END AS declined,
        CASE WHEN a.ok_at IS NULL AND pe.last_ok = a.cycle - 1 AND ${enumSql('pu.status')} = 'RECYCLE_BILLING' THEN 1 ELSE 0 END AS in_recycling,
        a.last_soft, a.first_soft,
        CASE WHEN sv.ok_retry > 0 THEN sv.ok_retry END AS saved_by
      FROM att a
      JOIN per pe ON pe.connection_id = a.connection_id AND pe.purchase_id = a.purchase_id
      LEFT JOIN sv ON sv.connection_id = a.connection_id AND sv.purchase_id = a.purchase_id AND sv.cycle = a.cycle
      LEFT JOIN purchases pu ON pu.connection_id = a.connection_id AND pu.purchase_id = a.purchase_id`;
  const source = await sourceOf(store, o.source);
  // Retention's counts kept per day answer a breakdown and filters they keep (countsSource; unless `days`
  // is false, or they cannot: readRetentionDays), with no statement over the subscriptions themselves.
  const counts = countsSource(groupBy, subgroupBy, others);
  const days = source === 'aggregate' && o.days !== false && counts
    ? await readRetentionDays(store, asOf, zone, q.from, q.to, q.currency, { source: counts, groupBy, subgroupBy, filters: others })
    : null;
  const clocks = days ? null : await accountClocks(store, asOf, zone);
  // The kept tables' statement has its own parameters (the ledger's are not in it).
  const kept = source === 'aggregate' ? keptScope(store, r.startMs, r.endMs, q.currency, others) : null;
  // The ledger's: one statement of five parts (column `part`), so the subscriptions and their attempts
  // (the CTEs) are computed once for all of them; each part fills its own columns, the others are NULL.
  const ledger = (clocks: Awaited<ReturnType<typeof accountClocks>>) => clocks.withDays(p, (day) =>
    unionOfParts(`${head}, sv AS (${saves}), cl AS (${perCycle}), mv AS (${moneyByCycle})`, [
      // The subscriptions alike: what decides when each of their cycles falls due.
      ['kinds', ['connection_id', 'product_id', 'last_ok', 'last_try', 'ok_date', 'status', 'next_bill_date', 'cnt'], `SELECT ${keys}, s.connection_id, s.product_id, pe.last_ok, pe.last_try, CAST(${day('a.ok_at', 's.connection_id')} AS TEXT) AS ok_date,
           pu.status, pu.next_bill_date, COUNT(*) AS cnt
         FROM subs s
         JOIN per pe ON pe.connection_id = s.connection_id AND pe.purchase_id = s.purchase_id
         JOIN att a ON a.connection_id = pe.connection_id AND a.purchase_id = pe.purchase_id AND a.cycle = pe.last_ok
         JOIN connections c ON c.connection_id = s.connection_id
         LEFT JOIN purchases pu ON pu.connection_id = s.connection_id AND pu.purchase_id = s.purchase_id
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`],
      // The gap book's rows (gapBook), by group as well (a finer split of the same counts).
      ['gaps', ['connection_id', 'product_id', 'cycle', 'days', 'cnt'], `SELECT ${keys}, s.connection_id, s.product_id, a.cycle, ${day('a.first_at', 's.connection_id')} - ${day('b.ok_at', 's.connection_id')} AS days, COUNT(*) AS cnt
         FROM started s
         JOIN att a ON a.connection_id = s.connection_id AND a.purchase_id = s.purchase_id AND a.cycle >= 2
         JOIN att b ON b.connection_id = a.connection_id AND b.purchase_id = a.purchase_id AND b.cycle = a.cycle - 1 AND b.ok_at IS NOT NULL
         JOIN connections c ON c.connection_id = s.connection_id
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8`],
      // Per cycle: the declined split by their last response, those still recycling, the saves by the
      // retry that approved, and the recyclable declines that were not saved.
      ['cycles', ['cycle', 'saved_by', 'soft', 'recycling', 'lost', 'saved_soft', 'cnt'], `SELECT ${keys}, cl.cycle, cl.saved_by,
           SUM(CASE WHEN cl.declined = 1 AND cl.last_soft = 1 THEN 1 ELSE 0 END) AS soft,
           SUM(CASE WHEN cl.declined = 1 AND cl.last_soft = 1 AND cl.in_recycling = 1 THEN 1 ELSE 0 END) AS recycling,
           SUM(CASE WHEN cl.declined = 1 AND cl.first_soft = 1 AND NOT (cl.last_soft = 1 AND cl.in_recycling = 1) THEN 1 ELSE 0 END) AS lost,
           SUM(CASE WHEN cl.saved_by IS NOT NULL AND cl.first_soft = 1 THEN 1 ELSE 0 END) AS saved_soft,
           COUNT(*) AS cnt
         FROM subs s JOIN cl ON cl.connection_id = s.connection_id AND cl.purchase_id = s.purchase_id
         GROUP BY 1, 2, 3, 4, 5, 6`],
      ['money', ['cycle', 'refunds', 'refund_cents', 'chargebacks', 'cb_cents'], `SELECT ${keys}, mv.cycle,
           SUM(CASE WHEN mv.refund_n > 0 THEN 1 ELSE 0 END) AS refunds, SUM(mv.refund_cents) AS refund_cents,
           SUM(CASE WHEN mv.cb_n > 0 THEN 1 ELSE 0 END) AS chargebacks, SUM(mv.cb_cents) AS cb_cents
         FROM subs s JOIN mv ON mv.connection_id = s.connection_id AND mv.purchase_id = s.purchase_id
         GROUP BY 1, 2, 3, 4, 5`],
      // Rebill attempts by retry number: their outcomes, and the days since the attempt before.
      ['retries', ['retry', 'outcome', 'days', 'cnt'], `SELECT ${keys}, t.ord AS retry,
           CASE WHEN t.kind = 'sale' THEN 'ok' WHEN t.response = 'SOFT_DECLINE' THEN 'soft' ELSE 'hard' END AS outcome,
           CASE WHEN t.prev_at IS NULL THEN NULL ELSE ${day('t.instant', 's.connection_id')} - ${day('t.prev_at', 's.connection_id')} END AS days, COUNT(*) AS cnt
         FROM subs s JOIN tries t ON t.connection_id = s.connection_id AND t.purchase_id = s.purchase_id AND t.cycle >= 2
         JOIN connections c ON c.connection_id = s.connection_id
         GROUP BY 1, 2, 3, 4, 5, 6, 7`],
    ]),
  );
  let part: (name: string) => Record<string, unknown>[];
  let alike: SubGroup[];
  if (days) {
    part = days;
    alike = part('kinds').map(keptSubGroup);
  } else if (!clocks) {
    throw new Error('unreachable: the account clocks are read unless the kept counts answer');
  } else if (kept) {
    part = (await readKept(store, clocks, kept, groupBy, subgroupBy, ['cycles', 'money', 'retries'], 0, false)).part;
    alike = part('kinds').map(keptSubGroup);
  } else {
    const [sql, params] = ledger(clocks);
    part = byPart(await store.query(sql, params.values, LEDGER_PLAN));
    const status = (row: Record<string, unknown>) => (row.status === null || row.status === undefined ? null : String(row.status).toUpperCase());
    alike = ledgerSubGroups(part('kinds'), gapBook(part('gaps')), clocks.asOfDay, 0, status);
  }
  const [kinds, cycles, money, retries] = [part('kinds'), part('cycles'), part('money'), part('retries')];

  // The finest groups: (group, subgroup), keyed "<group id>\u0001<subgroup id>".
  const buckets = new Map<string, Bucket>();
  const keyOf = (row: Record<string, unknown>): string =>
    `${groupBy ? groupId(groupOf(groupBy, row.grp_conn, row.grp)) : ''}\u0001${subgroupBy ? groupId(groupOf(subgroupBy, row.sub_conn, row.sub_grp)) : ''}`;
  const bucket = (row: Record<string, unknown>): Bucket => {
    const k = keyOf(row);
    let b = buckets.get(k);
    if (!b) buckets.set(k, (b = emptyBucket()));
    return b;
  };
  kinds.forEach((row, i) => bucket(row).subs.push(alike[i] as SubGroup));
  for (const row of cycles) {
    const x = cycleOf(bucket(row), n(row.cycle));
    x.soft += n(row.soft);
    x.recycling += n(row.recycling);
    x.lostRecyclable += n(row.lost);
    x.savedSoft += n(row.saved_soft);
    if (row.saved_by !== null && row.saved_by !== undefined) addTo(x.saved, n(row.saved_by), n(row.cnt));
  }
  for (const row of money) {
    const x = cycleOf(bucket(row), n(row.cycle));
    x.refunds += n(row.refunds);
    x.refundCents += n(row.refund_cents);
    x.chargebacks += n(row.chargebacks);
    x.chargebackCents += n(row.cb_cents);
  }
  for (const row of retries) {
    const x = retryOf(bucket(row), n(row.retry));
    const cnt = n(row.cnt);
    if (row.outcome === 'ok') x.approved += cnt;
    else if (row.outcome === 'soft') x.soft += cnt;
    else x.hard += cnt;
    if (row.days !== null && row.days !== undefined) addTo(x.days, n(row.days), cnt);
  }

  const wanted = cycleFilter ? new Set(cycleFilter.values.map(Number)) : null;
  const rowOf = (group: Group | null, b: Bucket, subgroups: RetentionRow[] | null): RetentionRow => {
    const list = b.subs;
    const maxCycle = Math.max(1, ...list.map((s) => s.lastTry));
    const initial = list.reduce((a, s) => a + s.count, 0);
    const cycleRows: CycleRow[] = [];
    // Due through the bucket's highest cycle at most (SubGroup.through).
    const through = list.map((s) => Math.min(s.through, maxCycle));
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
      const x = b.cycles.get(c) ?? emptyCycle();
      const saves = [...x.saved.entries()].sort(([a], [z]) => a - z).map(([retry, count]) => ({ retry, count }));
      const saved = saves.reduce((a, s) => a + s.count, 0);
      cycleRows.push({
        cycle: c, due, approvals, declined, softDeclined: x.soft, hardDeclined: declined - x.soft, recycling: x.recycling, pending: initial - due,
        retention: rate(approvals, due), rebillRate: c === 1 ? null : rate(approvals, prevDue),
        recycleSaved: saved, recycleSaves: saves, recycleSaveRate: rate(x.savedSoft, x.savedSoft + x.lostRecyclable),
        cancellations, refunds: x.refunds, refundCents: x.refundCents as Cents, chargebacks: x.chargebacks, chargebackCents: x.chargebackCents as Cents,
        complete: due === initial,
      });
    }
    const rebillAttempts = [...b.retries.entries()].sort(([a], [z]) => a - z).map(([retry, x]): RetryRow => {
      const attempts = x.approved + x.soft + x.hard;
      return { retry, attempts, approved: x.approved, softDeclined: x.soft, hardDeclined: x.hard, approvalRate: rate(x.approved, attempts), daysAfterPrevious: retry === 0 ? null : (lowerMedian(x.days) ?? null) };
    });
    return { group, initialPurchases: initial, cycles: cycleRows, rebillAttempts, subgroups };
  };

  // Groups in order, each with its subgroups in order.
  const tree = new Map<string, Map<string, Bucket>>();
  for (const [k, b] of buckets) {
    const [g, sg] = k.split('\u0001') as [string, string];
    let subs = tree.get(g);
    if (!subs) tree.set(g, (subs = new Map()));
    subs.set(sg, b);
  }
  if (!groupBy && tree.size === 0) tree.set('', new Map([['', emptyBucket()]]));
  const byGroup = (a: [Group | null, unknown], b: [Group | null, unknown]) => (a[0] && b[0] ? compareGroups(a[0], b[0]) : 0);
  const rows: RetentionRow[] = [...tree.entries()]
    .map(([g, subs]): [Group | null, Map<string, Bucket>] => [groupBy ? groupFromId(g) : null, subs])
    .sort(byGroup)
    .map(([group, subs]) => {
      const children = subgroupBy
        ? [...subs.entries()]
            .map(([sg, b]): [Group | null, Bucket] => [groupFromId(sg), b])
            .sort(byGroup)
            .map(([sg, b]) => rowOf(sg, b, null))
        : null;
      return rowOf(group, merged([...subs.values()]), children);
    });
  return { from: q.from, to: q.to, zone, currency: q.currency, groupBy, subgroupBy, asOf, rows };
}

/**
 * What became of a number of subscriptions alike: the highest cycle approved (lastOk, at least 1) and
 * the highest cycle due by the as-of (dueThrough, at least lastOk). dueThrough > lastOk: the
 * subscription ended at cycle lastOk + 1 (churned, or declined for good); dueThrough = lastOk: its next
 * cycle is still pending (right-censored).
 */
export interface SubscriptionFate {
  lastOk: number;
  dueThrough: number;
  count: number;
  /** Their product's schedule: days from the initial sale to cycle 2, and between later cycles. */
  firstGapDays: number;
  gapDays: number;
}

/** One group's subscriptions started in the range: their fates, their schedule and their rebills' money. */
export interface FateGroup {
  group: Group | null;
  fates: SubscriptionFate[];
  /** Days from the initial sale to cycle 2, and between later cycles (medians over the group's subscriptions). */
  firstGapDays: number;
  gapDays: number;
  /** Approved rebill sales (cycle 2 and later) so far: their number and gross, and the refunds, voids and chargebacks against them (negative). */
  rebill: { sales: number; grossCents: number; reversedCents: number };
}

/** Subscription fates: `until` (epoch ms) reads only the events before it, as if the data ended there (a backtest). */
export interface FatesQuery extends RetentionQuery {
  until?: number;
}

/** The weighted lower median of values with counts. */
function weightedMedian(pairs: [value: number, count: number][]): number | undefined {
  const h = new Map<number, number>();
  for (const [v, c] of pairs) h.set(v, (h.get(v) ?? 0) + c);
  return lowerMedian(h);
}

/**
 * The fates of the subscriptions started in [from, to] in the report's currency, per group (the
 * forecasts' input, docs/forecasts.md): the same subscriptions, due dates and breakdown as the retention
 * report, with each group's cycle schedule and its rebills' money so far.
 */
export async function subscriptionFates(store: ReportReader, q: FatesQuery, o: { source?: RetentionSource } = {}): Promise<{ zone: string; asOf: number; groups: FateGroup[] }> {
  return fatesOf(store, q, o, await fatesSetup(store, q));
}

/** subscriptionFates with its set-up (fatesSetup) made: several calls of one as-of and zone share it. */
async function fatesOf(store: ReportReader, q: FatesQuery, o: { source?: RetentionSource }, setup: FatesSetup): Promise<{ zone: string; asOf: number; groups: FateGroup[] }> {
  const { zone, asOf, groups, gap, money } = await subscriptionGroups(store, q, true, o, setup);
  return { zone, asOf, groups: fateGroups(groups, gap, money) };
}

/**
 * What every fates read of a query starts from: its as-of and zone, and the connections' clocks at them
 * (accountClocks, a statement): made once for a query, whatever the number of cohorts it is read by.
 */
async function fatesSetup(store: ReportReader, q: FatesQuery) {
  if (q.groupBy === 'cycle') throw new RangeError('retention is already broken down by billing cycle; group it by another field');
  const asOf = q.until ?? q.asOf ?? Date.now();
  const zone = reportZone({ ...q, basis: 'event' });
  return { asOf, zone, clocks: await accountClocks(store, asOf, zone) };
}
type FatesSetup = Awaited<ReturnType<typeof fatesSetup>>;

/** One cohort of subscriptionFatesByCohort: its part of the range (from, to: local dates). */
export interface FatesCohort {
  key: string;
  from: string;
  to: string;
}

/** The range's calendar months as cohorts (its first and last clipped to it), as the forecast cuts them. */
export function monthlyCohorts(from: string, to: string): FatesCohort[] {
  return periodsOf(from, to, 'month').map((m) => {
    const last = addDays(nextPeriodStart(m.start, 'month'), -1);
    return { key: m.key, from: m.start < from ? from : m.start, to: last > to ? to : last };
  });
}

/**
 * subscriptionFates of each cohort (consecutive parts of the range [from, to], in order), by cohort key:
 * what one call per cohort gives (each cohort's own gap book and due dates), read from the kept tables in
 * one pass when they apply (no `until`, not behind; from retention's counts per start day without a
 * breakdown or filter, fatesFromRetentionDays), else one call per cohort. The groups carry no rebill
 * money (zero): ask subscriptionFates for the range's.
 */
export async function subscriptionFatesByCohort(store: ReportReader, q: FatesQuery, cohorts: FatesCohort[], o: FatesSource = {}): Promise<Map<string, FateGroup[]>> {
  return (await cohortFates(store, q, cohorts, o, false)).byCohort;
}

/**
 * Where the cohorts' fates are read from: `source` as retentionReport's; `days: false` reads the
 * subscription tables even where retention's counts kept per day could answer.
 */
export interface FatesSource {
  source?: RetentionSource;
  days?: boolean;
}

/** A group's schedule and rebill money over a whole range: subscriptionFates' group without its fates. */
export type FateSchedule = Omit<FateGroup, 'fates'>;

/**
 * subscriptionFatesByCohort's fates, and the whole range's groups with their schedule and rebill money
 * (`whole`: subscriptionFates' groups of [from, to], without the fates): from the kept tables in the
 * same one pass when they apply (the range's gap book is its cohorts' gap rows together, its
 * subscriptions theirs), else one call per cohort and one for the range.
 */
export async function fatesWithSchedules(store: ReportReader, q: FatesQuery, cohorts: FatesCohort[], o: FatesSource = {}): Promise<{ byCohort: Map<string, FateGroup[]>; whole: FateSchedule[] }> {
  const { byCohort, whole } = await cohortFates(store, q, cohorts, o, true);
  return { byCohort, whole: whole!.map(({ fates: _, ...schedule }) => schedule) };
}

/** The fates of the cohorts (subscriptionFatesByCohort) and, `withWhole`, subscriptionFates of the range. */
async function cohortFates(store: ReportReader, q: FatesQuery, cohorts: FatesCohort[], o: FatesSource, withWhole: boolean): Promise<{ byCohort: Map<string, FateGroup[]>; whole: FateGroup[] | null }> {
  const cut = (why: string) => new RangeError(`the cohorts must cut ${q.from}..${q.to} in consecutive parts: ${why}`);
  cohorts.forEach((c, i) => {
    const next = cohorts[i + 1];
    if (i === 0 && c.from !== q.from) throw cut(`the first cohort starts on ${c.from}, not on ${q.from}`);
    if (next && next.from !== addDays(c.to, 1)) throw cut(`${next.from}..${next.to} does not start the day after ${c.to}`);
    if (!next && c.to !== q.to) throw cut(`the last cohort ends on ${c.to}, not on ${q.to}`);
  });
  const byCohort = new Map<string, FateGroup[]>();
  const source = await sourceOf(store, o.source);
  const others = (q.filters ?? []).filter((f) => f.dimension !== 'cycle');
  // Retention's counts kept per day answer a breakdown and filters they keep (countsSource; unless `days`
  // is false, or they cannot), with no statement over the subscriptions.
  const counts = countsSource(q.groupBy ?? null, null, others);
  if (q.until === undefined && source === 'aggregate' && cohorts.length > 0 && o.days !== false && counts) {
    for (const c of cohorts) checkReportRange({ ...q, from: c.from, to: c.to });
    const by = { source: counts, groupBy: q.groupBy ?? null, subgroupBy: null, filters: others };
    const days = await fatesFromRetentionDays(store, q, q.asOf ?? Date.now(), reportZone({ ...q, basis: 'event' }), cohorts, withWhole, by);
    if (days) return days;
  }
  if (q.until !== undefined || cohorts.length < 2 || source !== 'aggregate') {
    const setup = await fatesSetup(store, q);
    for (const c of cohorts) byCohort.set(c.key, (await fatesOf(store, { ...q, from: c.from, to: c.to }, o, setup)).groups);
    return { byCohort, whole: withWhole ? (await fatesOf(store, q, o, setup)).groups : null };
  }
  for (const c of cohorts) checkReportRange({ ...q, from: c.from, to: c.to });
  const { zone, clocks } = await fatesSetup(store, q);
  const r = instantRange(q.from, q.to, zone);
  const ends = cohorts.map((c) => instantRange(c.from, c.to, zone).endMs);
  const groupBy = q.groupBy ?? null;
  const read = await readKept(store, clocks, keptScope(store, r.startMs, r.endMs, q.currency, others), groupBy, null, withWhole ? ['rebills'] : [], 1, true, ends);
  const kinds = read.part('kinds');
  cohorts.forEach((c, k) => {
    const mine = kinds.filter((row) => n(row.cohort) === k);
    byCohort.set(c.key, fateGroups(groupsAlike(groupBy, mine, mine.map(keptSubGroup)), read.gaps[k]!, new Map()));
  });
  // The range's subscriptions are its cohorts' together, read against the range's own gap book.
  const whole = withWhole ? fateGroups(groupsAlike(groupBy, kinds, kinds.map(keptSubGroup)), read.rangeGap(), moneyByGroup(groupBy, read.part('rebills'))) : null;
  return { byCohort, whole };
}

/** Rebill money rows (the `rebills` part) by group key. */
function moneyByGroup(groupBy: Dimension | null, rows: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  return new Map(rows.map((row) => [groupBy ? groupId(groupOf(groupBy, row.grp_conn, row.grp)) : '', row]));
}

/**
 * Fates alike merged (their counts summed) and in one order (by last approved cycle, cycle due through,
 * then schedule): what the forecast computes from them (sums of floating-point terms, the prediction
 * interval's draws, taken in list order) then depends on the subscriptions alone, not on the order a
 * statement's plan returned its rows in, nor on how a source split them (by product, by connection).
 */
function canonicalFates(fates: SubscriptionFate[]): SubscriptionFate[] {
  const alike = new Map<string, SubscriptionFate>();
  for (const f of fates) {
    const key = `${f.lastOk}|${f.dueThrough}|${f.firstGapDays}|${f.gapDays}`;
    const x = alike.get(key);
    if (x) x.count += f.count;
    else alike.set(key, { ...f });
  }
  return [...alike.values()].sort((a, b) => a.lastOk - b.lastOk || a.dueThrough - b.dueThrough || a.firstGapDays - b.firstGapDays || a.gapDays - b.gapDays);
}

/** Groups of subscriptions alike (groupsAlike) as fate groups, with each group's rebill money (`money`, by group key). */
function fateGroups(groups: ReturnType<typeof groupsAlike>, gap: (c: string, p: string, cycle: number) => number, money: Map<string, Record<string, unknown>>): FateGroup[] {
  return groups.map(({ group, key, list, through }) => {
    const m = money.get(key);
    return {
      group,
      fates: canonicalFates(list.map((s, i) => ({
        lastOk: s.lastOk, dueThrough: through[i] ?? s.lastOk, count: s.count, firstGapDays: gap(s.connectionId, s.product, 2), gapDays: gap(s.connectionId, s.product, 3),
      }))),
      firstGapDays: weightedMedian(list.map((s) => [gap(s.connectionId, s.product, 2), s.count])) ?? DEFAULT_GAP_DAYS,
      gapDays: weightedMedian(list.map((s) => [gap(s.connectionId, s.product, 3), s.count])) ?? DEFAULT_GAP_DAYS,
      rebill: { sales: n(m?.sales), grossCents: n(m?.gross), reversedCents: n(m?.reversed) },
    };
  });
}

/** The subscriptions of a retention query grouped alike, with the highest cycle each kind was due through. */
async function subscriptionGroups(store: ReportReader, q: FatesQuery, withMoney: boolean, o: { source?: RetentionSource }, setup: FatesSetup) {
  // The retention report's subscriptions, due dates and breakdown (without its decline and money detail).
  checkReportRange(q);
  const until = q.until;
  const { asOf, zone, clocks } = setup;
  const r = instantRange(q.from, q.to, zone);
  const p = new Params();
  const e = eventCol('e');
  const others = (q.filters ?? []).filter((f) => f.dimension !== 'cycle');
  const cutoff = until === undefined ? '' : ` AND e.instant < ${store.sql.instantParam(p.add, until)}`;
  // A subscription's first cycle-1 sale decides whether it started in range, its currency, its product
  // and how it is attributed. The gaps between cycles are a product's schedule, whatever the currency:
  // they are read from every subscription started in range (`started`), the report's are those in its
  // currency (`subs`).
  const started = `SELECT connection_id, purchase_id, product_id, grp_conn, grp, currency FROM (
      SELECT e.connection_id, e.purchase_id, e.product_id, e.instant, e.currency, ${groupSelect(q.groupBy ?? null, e)},
        ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id ORDER BY e.instant, e.event_id) AS rn
      FROM money_events e
      WHERE e.kind = 'sale' AND e.billing_cycle = 1 AND e.purchase_id IS NOT NULL${filterSql(others, e, p)}) x
    WHERE rn = 1 AND instant >= ${store.sql.instantParam(p.add, r.startMs)} AND instant < ${store.sql.instantParam(p.add, until === undefined ? r.endMs : Math.min(r.endMs, until))}`;
  const subs = `SELECT * FROM started WHERE currency = ${p.add(q.currency)}`;
  // Per subscription and cycle: its first attempt and its first approval.
  const attempts = `SELECT e.connection_id, e.purchase_id, e.billing_cycle AS cycle, MIN(e.instant) AS first_at, MIN(CASE WHEN e.kind = 'sale' THEN e.instant END) AS ok_at
      FROM started s JOIN money_events e ON e.connection_id = s.connection_id AND e.purchase_id = s.purchase_id
      WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL${cutoff} GROUP BY 1, 2, 3`;
  // Cut at `until`, the CRM's next bill date of that time is not stored (purchases hold today's): the
  // first attempt of the next cycle, whenever it came, is the day the CRM billed it, so it is that date.
  const nextAttempt = until === undefined ? '' : `
       LEFT JOIN (SELECT e.connection_id, e.purchase_id, e.billing_cycle AS cycle, MIN(e.instant) AS first_at FROM money_events e
         WHERE e.kind IN ('sale', 'decline') AND e.billing_cycle IS NOT NULL GROUP BY 1, 2, 3) nx
         ON nx.connection_id = s.connection_id AND nx.purchase_id = s.purchase_id AND nx.cycle = pe.last_ok + 1`;
  const head = `WITH started AS (${started}), subs AS (${subs}), att AS (${attempts}),
     per AS (SELECT connection_id, purchase_id, MAX(CASE WHEN ok_at IS NOT NULL THEN cycle END) AS last_ok, MAX(cycle) AS last_try FROM att GROUP BY 1, 2)`;
  const [kindsSql, kindsParams] = clocks.withDays(p, (day) => `${head}
       SELECT s.grp_conn, s.grp, s.connection_id, s.product_id, pe.last_ok, pe.last_try, CAST(${day('a.ok_at', 's.connection_id')} AS TEXT) AS ok_date,
         pu.status, ${until === undefined ? 'pu.next_bill_date' : `CAST(${day('nx.first_at', 's.connection_id')} AS TEXT)`} AS next_bill_date, COUNT(*) AS cnt
       FROM subs s
       JOIN per pe ON pe.connection_id = s.connection_id AND pe.purchase_id = s.purchase_id
       JOIN att a ON a.connection_id = pe.connection_id AND a.purchase_id = pe.purchase_id AND a.cycle = pe.last_ok
       JOIN connections c ON c.connection_id = s.connection_id
       LEFT JOIN purchases pu ON pu.connection_id = s.connection_id AND pu.purchase_id = s.purchase_id${nextAttempt}
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9`);
  const [gapSql, gapParams] = clocks.withDays(p, (day) => gapsSql(head, day));
  // A backtest (`until`) reads the ledger as it was; otherwise the kept tables unless they are behind.
  const kept = until === undefined && (await sourceOf(store, o.source)) === 'aggregate';
  const where = kept ? keptScope(store, r.startMs, r.endMs, q.currency, others) : null;
  const read = where ? await readKept(store, clocks, where, q.groupBy ?? null, null, withMoney ? ['rebills'] : [], 1, true) : null;
  let gap: (c: string, p: string, cycle: number) => number;
  let alike: SubGroup[];
  let kinds: Record<string, unknown>[];
  if (read) {
    gap = read.gap;
    kinds = read.part('kinds');
    alike = kinds.map(keptSubGroup);
  } else {
    const [ledgerKinds, gaps] = await Promise.all([store.query(kindsSql, kindsParams.values, LEDGER_PLAN), store.query(gapSql, gapParams.values, LEDGER_PLAN)]);
    gap = gapBook(gaps);
    kinds = ledgerKinds;
    // A backtest reads the data as it was at `until`: the purchase's status and next bill date are today's.
    const status = (row: Record<string, unknown>) => (until !== undefined || row.status === null || row.status === undefined ? null : String(row.status).toUpperCase());
    // One cycle past the highest attempted: whether the next cycle of those furthest along is due.
    alike = ledgerSubGroups(kinds, gap, clocks.asOfDay, 1, status);
  }


  // Each group's rebills so far: approved sales of cycle 2 and later, and what was taken back from them.
  const moneyRows = !withMoney ? [] : read ? read.part('rebills') : await store.query(
    `${head}
     SELECT s.grp_conn, s.grp, COUNT(CASE WHEN e.kind = 'sale' THEN 1 END) AS sales, SUM(CASE WHEN e.kind = 'sale' THEN e.amount_cents ELSE 0 END) AS gross,
       SUM(CASE WHEN e.kind IN ('refund', 'void', 'chargeback') THEN e.amount_cents ELSE 0 END) AS reversed
     FROM subs s JOIN money_events e ON e.connection_id = s.connection_id AND e.purchase_id = s.purchase_id
     WHERE e.billing_cycle >= 2 AND e.currency = s.currency${cutoff}
     GROUP BY 1, 2`,
    p.values,
    LEDGER_PLAN,
  );
  const money = moneyByGroup(q.groupBy ?? null, moneyRows);
  return { zone, asOf, groups: groupsAlike(q.groupBy ?? null, kinds, alike), gap, money };
}

/** Kinds rows and their subscriptions alike (`alike`, row for row) by group, in order, each due through one cycle past its highest attempted at most. */
function groupsAlike(groupBy: Dimension | null, kinds: Record<string, unknown>[], alike: SubGroup[]) {
  const byGroup = new Map<string, SubGroup[]>();
  kinds.forEach((row, i) => {
    const g = groupBy ? groupId(groupOf(groupBy, row.grp_conn, row.grp)) : '';
    const list = byGroup.get(g) ?? [];
    list.push(alike[i] as SubGroup);
    byGroup.set(g, list);
  });
  if (!groupBy && byGroup.size === 0) byGroup.set('', []);
  return [...byGroup.entries()]
    .map(([key, list]) => ({ key, group: groupBy ? groupFromId(key) : null, list }))
    .sort((a, b) => (a.group && b.group ? compareGroups(a.group, b.group) : 0))
    .map(({ key, group, list }) => {
      // One cycle past the highest attempted: whether the next cycle of those furthest along is due.
      const upTo = Math.max(1, ...list.map((s) => s.lastTry)) + 1;
      return { key, group, list, through: list.map((s) => Math.min(s.through, upTo)) };
    });
}
