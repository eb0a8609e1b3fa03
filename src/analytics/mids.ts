/**
 * MID health (docs/metrics.md): per MID (a connection's own: MID 3 of one account is not MID 3 of another)
 * per month in the viewer's zone, in the report's currency, chargebacks against sales by the two
 * card networks' definitions, labelled against thresholds. The ledger has no card brand, so both ratios
 * are computed over all of a MID's sales and chargebacks (every chargeback counts as a Visa dispute).
 */
import type { Cents } from '../core/money.js';
import type { ReportReader } from '../store/store.js';
import { rate } from './arith.js';
import { compareGroups, groupOf, type Dimension, type Group } from './dimensions.js';
import { checkReportRange, instantRange, nextPeriodStart, periodsOf } from './range.js';
import { eventCol, filterSql, groupSelect, Params } from './sql.js';
import { reportZone, type RangeQuery } from './summary.js';
import { addDays } from '../core/time.js';
import { UsageError } from '../core/errors.js';
import { DEFAULT_THRESHOLDS, MAX_THRESHOLDS } from './defaults.js';
export const HEALTH_LABELS = ['ok', 'watch', 'warning', 'excessive'] as const;
export type Health = (typeof HEALTH_LABELS)[number] | 'no-sales';

export interface MidMonth {
  /** The connection the MID is of. */
  connectionId: string;
  /** The CRM's merchantId ("(none)" for sales without one). */
  mid: string;
  group: Group | null;
  /** YYYY-MM. */
  month: string;
  sales: number;
  previousMonthSales: number;
  chargebacks: number;
  chargebackCents: Cents;
  /** Visa: chargebacks (disputes) / the same month's sales. */
  visaRatio: number | null;
  visaHealth: Health;
  /** Mastercard: chargebacks / the previous month's sales. */
  mastercardRatio: number | null;
  mastercardHealth: Health;
}

export interface MidReport {
  from: string;
  to: string;
  zone: string;
  currency: string;
  groupBy: Dimension | null;
  thresholds: number[];
  rows: MidMonth[];
}

/** The label of a ratio against ascending thresholds. */
export function healthOf(ratio: number | null, thresholds: readonly number[]): Health {
  if (ratio === null) return 'no-sales';
  let i = 0;
  while (i < thresholds.length && ratio >= (thresholds[i] ?? Infinity)) i++;
  return HEALTH_LABELS[Math.min(i, HEALTH_LABELS.length - 1)] ?? 'excessive';
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** MID health for every month touching [from, to] (the month before the first is read for Mastercard). */
export async function midReport(store: ReportReader, q: RangeQuery & { thresholds?: number[] }): Promise<MidReport> {
  if (q.groupBy === 'mid') q = { ...q, groupBy: null };
  checkReportRange(q, 'month');
  const zone = reportZone({ ...q, basis: 'event' });
  const thresholds = [...(q.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
  if (thresholds.length > MAX_THRESHOLDS) throw new UsageError(`${thresholds.length} thresholds given; at most ${MAX_THRESHOLDS}`);
  const months = periodsOf(q.from, q.to, 'month');
  const first = months[0]?.start ?? `${q.from.slice(0, 7)}-01`;
  const last = months[months.length - 1]?.start ?? first;
  const before = `${addDays(first, -1).slice(0, 7)}-01`;
  const r = instantRange(before, addDays(nextPeriodStart(last, 'month'), -1), zone);
  const p = new Params();
  const e = eventCol('e');
  const rows = await store.query(
    `SELECT e.connection_id AS conn, e.merchant_id AS mid, ${groupSelect(q.groupBy ?? null, e)}, ${store.sql.periodStartInRange(p.add, 'e.instant', zone, 'month', r.startMs, r.endMs)} AS month,
       COUNT(CASE WHEN e.kind = 'sale' THEN 1 END) AS sales,
       COUNT(CASE WHEN e.kind = 'chargeback' THEN 1 END) AS cbs,
       SUM(CASE WHEN e.kind = 'chargeback' THEN -e.amount_cents ELSE 0 END) AS cb_cents
     FROM money_events e
     WHERE e.kind IN ('sale', 'chargeback') AND e.instant >= ${store.sql.instantParam(p.add, r.startMs)} AND e.instant < ${store.sql.instantParam(p.add, r.endMs)} AND e.currency = ${p.add(q.currency)}${filterSql(q.filters ?? [], e, p)}
     GROUP BY 1, 2, 3, 4, 5`,
    p.values,
  );
  const cells = new Map<string, { sales: number; cbs: number; cents: number }>();
  const keys = new Map<string, { connectionId: string; mid: Group; group: Group | null }>();
  for (const row of rows) {
    const mid = groupOf('mid', row.conn, row.mid);
    const group = q.groupBy ? groupOf(q.groupBy, row.grp_conn, row.grp) : null;
    const key = JSON.stringify([mid, group]);
    keys.set(key, { connectionId: String(row.conn), mid, group });
    cells.set(`${key}|${String(row.month).slice(0, 7)}`, { sales: n(row.sales), cbs: n(row.cbs), cents: n(row.cb_cents) });
  }
  const out: MidMonth[] = [];
  const ordered = [...keys.entries()].sort(([, a], [, b]) => compareGroups(a.mid, b.mid) || (a.group && b.group ? compareGroups(a.group, b.group) : 0));
  for (const [key, { connectionId, mid, group }] of ordered) {
    for (const m of months) {
      const month = m.start.slice(0, 7);
      const prevMonth = addDays(m.start, -1).slice(0, 7);
      const c = cells.get(`${key}|${month}`) ?? { sales: 0, cbs: 0, cents: 0 };
      const prevSales = cells.get(`${key}|${prevMonth}`)?.sales ?? 0;
      const visa = rate(c.cbs, c.sales);
      const mc = rate(c.cbs, prevSales);
      out.push({
        connectionId, mid: mid.value ?? '(none)', group, month, sales: c.sales, previousMonthSales: prevSales, chargebacks: c.cbs, chargebackCents: c.cents,
        visaRatio: visa, visaHealth: healthOf(visa, thresholds), mastercardRatio: mc, mastercardHealth: healthOf(mc, thresholds),
      });
    }
  }
  return { from: q.from, to: q.to, zone, currency: q.currency, groupBy: q.groupBy ?? null, thresholds, rows: out };
}
