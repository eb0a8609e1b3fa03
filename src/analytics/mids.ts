/**
 * MID health by the card networks' programs (docs/metrics.md, "MID health"): per MID (a connection's
 * own), per calendar month in the ACCOUNT's time zone (the networks count by processing date, whoever
 * looks), split by card network: Visa's VAMP ratio and Mastercard's Excessive Chargeback Program
 * (programs.ts), each labelled only when its ratio and its count both qualify. The month the data's
 * as-of falls in is projected to its end (`projected`). Counts are of every currency (the networks count
 * transactions); amounts are in the report's currency only. A MID's alert rule (mid_alert_rules) marks
 * the months where its threshold is reached. The months' sales and chargebacks come from mid_months
 * (store/mid-months.ts: whole months in every zone, no edge); with a filter on the billing cycle, from
 * attempt_days' whole UTC days and the ledger's partial days at the months' edges (attempt-source.ts);
 * while the pre-aggregates are behind, or with a filter on another dimension, from the ledger alone.
 */
import type { Cents } from '../core/money.js';
import { addDays, startOfLocalDay } from '../core/time.js';
import type { ReportReader } from '../store/store.js';
import { rate } from './arith.js';
import { compareGroups } from './dimensions.js';
import { mastercardMonths, vampMonth, DEFAULT_PROGRAMS, type MastercardMonth, type Programs, type VampMonth } from './programs.js';
import { checkReportRange, nextPeriodStart, periodsOf } from './range.js';
import { attemptDaysAnswer, attemptSourceSql } from './attempt-source.js';
import { NONE_NUMBER } from '../store/attempt-days.js';
import { isKeyBound } from '../store/cohort-months.js';
import { eventCol, filterSql, inListSql, Params } from './sql.js';
import type { RangeQuery } from './summary.js';

/** Months before the first one shown that Mastercard's levels are followed through (entry and exit). */
export const MASTERCARD_LOOKBACK_MONTHS = 12;

/**
 * The share of a month that must have passed before an alert rule is judged on the month's projection:
 * before it, on the figures so far (one chargeback on the 1st at 09:00 projects to 80 in the month).
 */
export const MIN_ALERT_PROJECTION = 0.2;

/**
 * What an alert rule compares: Visa's VAMP ratio, Mastercard's ratio, either of them (`any`), or the
 * MID's chargebacks over its sales of every network together (`total`: for cards of unknown network).
 */
export const ALERT_METRICS = ['visa', 'mastercard', 'any', 'total'] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/** A MID alert rule as stored (mid_alert_rules): a MID's own, or its connection's default ("*"). */
export interface MidAlertRule {
  connectionId: string;
  /** The merchantId, or "*" for every MID of the connection without a rule of its own. */
  mid: string;
  metric: AlertMetric;
  /** A fraction (0.009 = 0.9%). */
  threshold: number;
  /** Fewest disputes (Visa) or chargebacks (Mastercard) in the month for the rule to fire. */
  minCount: number;
}

/** A card network's sales and chargebacks in a MID's month. */
export interface BrandCounts {
  /** VISA, MASTERCARD, AMEX, DISCOVER, another card type the CRM names, or "UNKNOWN". */
  brand: string;
  sales: number;
  chargebacks: number;
}

/** The figures a projected month has so far (before projection). */
export interface MidActual {
  sales: number;
  chargebacks: number;
  visaSales: number;
  visaDisputes: number;
  mastercardChargebacks: number;
  /** The share of the month the figures cover (elapsed time to the as-of / the month's length). */
  elapsed: number;
}

export interface MidMonth {
  connectionId: string;
  /** The CRM's merchantId ("(none)" for sales without one). */
  mid: string;
  /** YYYY-MM in the account's zone. */
  month: string;
  /** The account's zone the month is cut in. */
  zone: string;
  /** The month of the data's as-of: its figures are projected to the month's end (linearly in time). */
  projected: boolean;
  /** The figures so far when projected, else null. */
  actual: MidActual | null;
  /** Every network together: sale and chargeback events of the month, and the chargebacks' amount (report currency). */
  sales: number;
  chargebacks: number;
  chargebackCents: Cents;
  /** Chargebacks / the same month's sales, every network together. */
  ratio: number | null;
  brands: BrandCounts[];
  /** Visa: disputes (every Visa chargeback, fraud or not) and fraud reports (TC40: not in the CRM's data, null) over settled Visa sales. */
  visa: VampMonth & { sales: number; disputes: number; fraudReports: number | null; region: string };
  /** Mastercard: chargebacks of the month / Mastercard sales of the previous month, and the level the MID is in. */
  mastercard: MastercardMonth & { sales: number };
  /** The MID's alert rule (its own, else the connection's), and whether the month reaches it. */
  alert: (MidAlertRule & { firing: boolean }) | null;
}

export interface MidReport {
  /** The first and last month shown (YYYY-MM). */
  from: string;
  to: string;
  currency: string;
  programs: Programs;
  rows: MidMonth[];
}

export interface MidQuery extends RangeQuery {
  /** Program parameters (default: the published ones). */
  programs?: Programs;
  /** The data's as-of per connection id (epoch ms): its month is projected, later months are left out. */
  asOfs?: ReadonlyMap<string, number | null>;
  /** The clock, for connections without an as-of. */
  now?: number;
  /** Where whole days are read: attempt_days when it can answer (the default), or the ledger alone ('ledger'). */
  source?: 'aggregate' | 'ledger';
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** A month key's first day and the next month's first day. */
const monthStart = (key: string) => `${key}-01`;
const prevMonth = (key: string) => addDays(monthStart(key), -1).slice(0, 7);

/**
 * The months' sale and chargeback events from mid_months (store/mid-months.ts), as attempt-source.ts'
 * rows (`p` the month's index, `n` the events, `cents` their amount): every bound is a local midnight
 * of a month's 1st, which no month key straddles, so a range of keys is exactly the month's events.
 */
function midMonthsSourceSql(p: Params, bounds: readonly number[], connectionIds: readonly string[]): string {
  for (const b of bounds) if (!isKeyBound(b)) throw new RangeError(`midMonthsSourceSql: ${new Date(b).toISOString()} splits a month key`);
  const at = (i: number) => String(bounds[i]);
  const month = `CASE ${bounds.slice(0, -1).map((_, i) => i).reverse().map((i) => `WHEN m.month_key >= ${at(i)} THEN ${i}`).join(' ')} END`;
  return `(SELECT ${month} AS p, m.connection_id, NULLIF(m.currency, CHR(1)) AS currency, m.kind, NULLIF(m.merchant_id, ${NONE_NUMBER}) AS merchant_id,
      NULLIF(m.card_brand, CHR(1)) AS card_brand, m.events AS n, m.cents AS cents
    FROM mid_months m WHERE ${inListSql('m.connection_id', connectionIds, p)}
      AND m.month_key >= ${at(0)} AND m.month_key < ${at(bounds.length - 1)})`;
}

/** The alert rules of these connections, by connection then MID ("*" the default). */
export async function midAlertRules(store: ReportReader, connectionIds: readonly string[]): Promise<MidAlertRule[]> {
  if (connectionIds.length === 0) return [];
  const p = new Params();
  const rows = await store.query(
    `SELECT connection_id, mid, metric, threshold_ppm, min_count FROM mid_alert_rules WHERE ${inListSql('connection_id', connectionIds, p)} ORDER BY connection_id, mid`,
    p.values,
  );
  return rows.map((r) => ({ connectionId: String(r.connection_id), mid: String(r.mid), metric: String(r.metric) as AlertMetric, threshold: n(r.threshold_ppm) / 1e6, minCount: n(r.min_count) }));
}

/** Whether a month reaches a rule: its ratio at or above the threshold, with at least its count. */
export function alertFires(
  rule: Pick<MidAlertRule, 'metric' | 'threshold' | 'minCount'>,
  m: { ratio: number | null; chargebacks: number; visa: { ratio: number | null; count: number }; mastercard: { ratio: number | null; chargebacks: number } },
): boolean {
  const visa = m.visa.ratio !== null && m.visa.ratio >= rule.threshold && m.visa.count >= rule.minCount;
  const mc = m.mastercard.ratio !== null && m.mastercard.ratio >= rule.threshold && m.mastercard.chargebacks >= rule.minCount;
  const total = m.ratio !== null && m.ratio >= rule.threshold && m.chargebacks >= rule.minCount;
  return rule.metric === 'visa' ? visa : rule.metric === 'mastercard' ? mc : rule.metric === 'total' ? total : visa || mc;
}

interface Cell {
  sales: Map<string, number>;
  cbs: Map<string, number>;
  cents: number;
}

/**
 * MID health for every month from `from`'s to `to`'s (YYYY-MM of each: the networks' months, whatever
 * the viewer's zone), up to each connection's as-of month.
 */
export async function midReport(store: ReportReader, q: MidQuery): Promise<MidReport> {
  checkReportRange(q, 'month');
  const programs = q.programs ?? DEFAULT_PROGRAMS;
  const shown = periodsOf(q.from, q.to, 'month').map((m) => m.start.slice(0, 7));
  const first = shown[0] ?? q.from.slice(0, 7);
  const last = shown[shown.length - 1] ?? first;
  let lookFrom = first;
  for (let i = 0; i <= MASTERCARD_LOOKBACK_MONTHS; i++) lookFrom = prevMonth(lookFrom);
  const connFilter = q.filters?.find((f) => f.dimension === 'connection');
  const conns = (await store.query(`SELECT connection_id, name, timezone FROM connections ORDER BY name`)).filter(
    (c) => !connFilter || connFilter.values.map(String).includes(String(c.connection_id)),
  );
  const rules = await midAlertRules(store, conns.map((c) => String(c.connection_id)));
  // One query per account zone: every MID's months are cut in its own account's zone.
  const byZone = new Map<string, { id: string; name: string }[]>();
  for (const c of conns) byZone.set(String(c.timezone), [...(byZone.get(String(c.timezone)) ?? []), { id: String(c.connection_id), name: String(c.name) }]);
  const cells = new Map<string, Cell>();
  const mids = new Map<string, { connectionId: string; mid: string; zone: string; region: string }>();
  const e = eventCol('e');
  const useDays = await attemptDaysAnswer(store, q.filters, q.source);
  // mid_months answers when attempt_days may and no filter is on the billing cycle (it keeps no cycle).
  const useMonths = useDays && !(q.filters ?? []).some((f) => f.values.length > 0 && f.dimension === 'cycle');
  for (const [zone, zc] of byZone) {
    // The months' instant ranges in the account's zone: their whole UTC days from attempt_days, the
    // partial days at their edges from the ledger (attempt-source.ts).
    const monthKeys: string[] = [];
    for (let k = lookFrom; k <= last; k = nextPeriodStart(monthStart(k), 'month').slice(0, 7)) monthKeys.push(k);
    const bounds = [...monthKeys.map((k) => startOfLocalDay(monthStart(k), zone)), startOfLocalDay(nextPeriodStart(monthStart(last), 'month'), zone)];
    const p = new Params();
    const src = useMonths
      ? midMonthsSourceSql(p, bounds, zc.map((c) => c.id))
      : attemptSourceSql(store, p, { bounds, kinds: ['sale', 'chargeback'], connectionIds: zc.map((c) => c.id), days: useDays });
    const rows = await store.query(
      `SELECT e.connection_id AS conn, e.merchant_id AS mid, COALESCE(e.card_brand, 'UNKNOWN') AS brand, e.p AS p,
         SUM(CASE WHEN e.kind = 'sale' THEN e.n ELSE 0 END) AS sales,
         SUM(CASE WHEN e.kind = 'chargeback' THEN e.n ELSE 0 END) AS cbs,
         SUM(CASE WHEN e.kind = 'chargeback' AND e.currency = ${p.add(q.currency)} THEN -e.cents ELSE 0 END) AS cb_cents
       FROM ${src} e WHERE TRUE${filterSql((q.filters ?? []).filter((f) => f.dimension !== 'connection'), e, p)}
       GROUP BY 1, 2, 3, 4`,
      p.values,
    );
    const names = new Map(zc.map((c) => [c.id, c.name]));
    for (const r of rows) {
      const conn = String(r.conn);
      const mid = r.mid === null ? '(none)' : String(r.mid);
      const key = JSON.stringify([conn, mid]);
      mids.set(key, { connectionId: conn, mid, zone, region: programs.visa.regions[names.get(conn) ?? ''] ?? programs.visa.region });
      const ck = `${key}|${monthKeys[n(r.p)] ?? ''}`;
      const c = cells.get(ck) ?? { sales: new Map(), cbs: new Map(), cents: 0 };
      const brand = String(r.brand);
      c.sales.set(brand, (c.sales.get(brand) ?? 0) + n(r.sales));
      c.cbs.set(brand, (c.cbs.get(brand) ?? 0) + n(r.cbs));
      c.cents += n(r.cb_cents);
      cells.set(ck, c);
    }
  }
  const now = q.now ?? Date.now();
  const out: MidMonth[] = [];
  const ordered = [...mids.entries()].sort(([, a], [, b]) => compareGroups({ connectionId: a.connectionId, value: a.mid }, { connectionId: b.connectionId, value: b.mid }));
  for (const [key, m] of ordered) {
    // A MID is listed when it has sales or chargebacks in the months shown (or the Mastercard denominator's month before).
    if (![prevMonth(first), ...shown].some((k) => cells.has(`${key}|${k}`))) continue;
    const asOf = q.asOfs?.get(m.connectionId) ?? now;
    const rule = rules.find((r) => r.connectionId === m.connectionId && r.mid === m.mid) ?? rules.find((r) => r.connectionId === m.connectionId && r.mid === '*') ?? null;
    // Every month from the lookback to the last shown, up to the as-of's month: each with its projection.
    const months: string[] = [];
    for (let k = lookFrom; k <= last; k = nextPeriodStart(monthStart(k), 'month').slice(0, 7)) {
      if (startOfLocalDay(monthStart(k), m.zone) >= asOf) break;
      months.push(k);
    }
    const figures = months.map((k) => {
      const c = cells.get(`${key}|${k}`);
      const startMs = startOfLocalDay(monthStart(k), m.zone);
      const endMs = startOfLocalDay(nextPeriodStart(monthStart(k), 'month'), m.zone);
      const elapsed = asOf < endMs ? (asOf - startMs) / (endMs - startMs) : 1;
      const scale = (x: number) => (elapsed < 1 ? Math.round(x / elapsed) : x);
      const brands = [...new Set([...(c?.sales.keys() ?? []), ...(c?.cbs.keys() ?? [])])].sort().map((b) => ({ brand: b, sales: c?.sales.get(b) ?? 0, chargebacks: c?.cbs.get(b) ?? 0 }));
      const sum = (f: (b: BrandCounts) => number, only?: string) => brands.filter((b) => !only || b.brand === only).reduce((s, b) => s + f(b), 0);
      const actual: MidActual = {
        sales: sum((b) => b.sales), chargebacks: sum((b) => b.chargebacks), visaSales: sum((b) => b.sales, 'VISA'), visaDisputes: sum((b) => b.chargebacks, 'VISA'),
        mastercardChargebacks: sum((b) => b.chargebacks, 'MASTERCARD'), elapsed,
      };
      return { k, elapsed, actual, brands: elapsed < 1 ? brands.map((b) => ({ ...b, sales: scale(b.sales), chargebacks: scale(b.chargebacks) })) : brands, cents: c?.cents ?? 0, mcSales: sum((b) => b.sales, 'MASTERCARD') };
    });
    // Mastercard's levels follow the MID month by month from the lookback; the denominator is a complete month.
    const mc = mastercardMonths(programs, figures.map((f, i) => ({
      chargebacks: f.brands.filter((b) => b.brand === 'MASTERCARD').reduce((s, b) => s + b.chargebacks, 0),
      previousMonthSales: i > 0 ? (figures[i - 1]?.mcSales ?? 0) : (cells.get(`${key}|${prevMonth(f.k)}`)?.sales.get('MASTERCARD') ?? 0),
    })));
    figures.forEach((f, i) => {
      if (!shown.includes(f.k)) return;
      const projected = f.elapsed < 1;
      const visaSales = f.brands.filter((b) => b.brand === 'VISA').reduce((s, b) => s + b.sales, 0);
      const visaDisputes = f.brands.filter((b) => b.brand === 'VISA').reduce((s, b) => s + b.chargebacks, 0);
      const sales = f.brands.reduce((s, b) => s + b.sales, 0);
      const chargebacks = f.brands.reduce((s, b) => s + b.chargebacks, 0);
      const row: MidMonth = {
        connectionId: m.connectionId, mid: m.mid, month: f.k, zone: m.zone, projected, actual: projected ? f.actual : null,
        sales, chargebacks, chargebackCents: f.cents, ratio: rate(chargebacks, sales), brands: f.brands,
        // TC40 fraud reports are not in the CRM's data: the ratio counts disputes alone (a lower bound).
        visa: { ...vampMonth(programs, monthStart(f.k), m.region, { sales: visaSales, disputes: visaDisputes, fraudReports: 0 }), sales: visaSales, disputes: visaDisputes, fraudReports: null, region: m.region },
        mastercard: { ...(mc[i] as MastercardMonth), sales: f.brands.filter((b) => b.brand === 'MASTERCARD').reduce((s, b) => s + b.sales, 0) },
        alert: null,
      };
      // Early in a month the projection is noise: the rule is judged on the figures so far.
      const a = f.actual;
      const judged = projected && f.elapsed < MIN_ALERT_PROJECTION
        ? { ratio: rate(a.chargebacks, a.sales), chargebacks: a.chargebacks, visa: { ratio: rate(a.visaDisputes, a.visaSales), count: a.visaDisputes }, mastercard: { ratio: rate(a.mastercardChargebacks, row.mastercard.previousMonthSales), chargebacks: a.mastercardChargebacks } }
        : row;
      row.alert = rule ? { ...rule, firing: alertFires(rule, judged) } : null;
      out.push(row);
    });
  }
  return { from: first, to: last, currency: q.currency, programs, rows: out };
}
