/**
 * Chargebacks (docs/metrics.md, "Chargebacks"): the chargeback events of a range (each on its own date,
 * viewer's zone, the report's currency) by reason code (its network, and fraud or not as that network
 * files it: reason-codes.ts), by MID, by days from the sale to the chargeback, and by the month of the
 * sale (its cohort); beside each, the refunds and voids of the same sales (money returned twice). Reads
 * the chargebacks with their sale's instant and the refunds of their sale from chargeback_sales
 * (store/chargeback-sales.ts), and the range's sales and reversals by MID from attempt_days' whole UTC
 * days and the ledger's edges (attempt-source.ts); everything from the ledger (the charged-back sales'
 * own events, and the refunds whose parent a charged-back sale is, through the stored transactions) when
 * the pre-aggregates cannot answer.
 */
import type { Cents } from '../core/money.js';
import type { ReportReader } from '../store/store.js';
import { rate } from './arith.js';
import { compareGroups } from './dimensions.js';
import { checkReportRange, instantRange } from './range.js';
import { reasonCode, type CodeNetwork } from './reason-codes.js';
import { attemptDaysAnswer, attemptSourceSql } from './attempt-source.js';
import { eventCol, filterSql, Params } from './sql.js';
import type { RangeQuery } from './summary.js';

export const CHARGEBACK_VIEWS = ['reason', 'mid', 'days', 'cohort'] as const;
export type ChargebackView = (typeof CHARGEBACK_VIEWS)[number];

/** Days from sale to chargeback, in ranges [from, to] (to null: and more). */
export const DAY_BUCKETS: readonly [number, number | null][] = [[0, 7], [8, 14], [15, 30], [31, 60], [61, 90], [91, 120], [121, 180], [181, null]];

export interface ChargebackCounts {
  chargebacks: number;
  cents: Cents;
  /** Those whose reason code its network files as fraud. */
  fraud: number;
  fraudCents: Cents;
  /** Those whose sale was also refunded or voided (in part or whole), and what those refunds and voids returned. */
  refunded: number;
  refundCents: Cents;
}

export interface ChargebackReasonRow extends ChargebackCounts {
  reason: string | null;
  network: CodeNetwork | null;
  isFraud: boolean | null;
  description: string | null;
  /** Of the range's chargebacks, by count. */
  share: number | null;
}

export interface ChargebackMidRow extends ChargebackCounts {
  connectionId: string;
  mid: string | null;
  /** Sale events of the MID in the range, and chargebacks / sales (by count). */
  sales: number;
  chargebackRate: number | null;
}

export interface ChargebackDaysRow extends ChargebackCounts {
  /** Whole days from the sale's date to the chargeback date (account's zone); null: the sale is not in the data. */
  from: number | null;
  to: number | null;
}

export interface ChargebackCohortRow extends ChargebackCounts {
  /** The month of the charged-back sale (YYYY-MM, account's zone); null when the sale is not in the data. */
  cohort: string | null;
}

export interface ChargebackReport {
  from: string;
  to: string;
  zone: string;
  currency: string;
  by: ChargebackView;
  total: ChargebackCounts & {
    /** Sale events of the range, and chargebacks / sales by count. */
    sales: number;
    chargebackRate: number | null;
    /** Chargebacks reversed in the range (won disputes, docs/metrics.md "Chargeback reversals"), and their amount. */
    reversals: number;
    reversalCents: Cents;
    /** Median days from sale to chargeback (null when no sale is known). */
    medianDays: number | null;
  };
  byReason: ChargebackReasonRow[];
  byMid: ChargebackMidRow[];
  byDays: ChargebackDaysRow[];
  byCohort: ChargebackCohortRow[];
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const zero = (): ChargebackCounts => ({ chargebacks: 0, cents: 0, fraud: 0, fraudCents: 0, refunded: 0, refundCents: 0 });

function add(into: ChargebackCounts, x: { chargebacks: number; cents: number; refunded: number; refundCents: number }, fraud: boolean): void {
  into.chargebacks += x.chargebacks;
  into.cents += x.cents;
  into.refunded += x.refunded;
  into.refundCents += x.refundCents;
  if (fraud) {
    into.fraud += x.chargebacks;
    into.fraudCents += x.cents;
  }
}

/** Adds counts that already tell fraud apart. */
function merge(into: ChargebackCounts, x: ChargebackCounts): void {
  for (const k of Object.keys(into) as (keyof ChargebackCounts)[]) into[k] += x[k];
}

/**
 * `source`: 'ledger' reads the ledger alone; by default (or 'aggregate') chargeback_sales and attempt_days
 * answer when they can (attempt-source.ts' attemptDaysAnswer).
 */
export async function chargebackReport(store: ReportReader, q: RangeQuery & { by?: ChargebackView; source?: 'aggregate' | 'ledger' }): Promise<ChargebackReport> {
  checkReportRange(q);
  const by = q.by ?? 'reason';
  const r = instantRange(q.from, q.to, q.tz);
  const d = store.sql;
  const p = new Params();
  const scope = (alias: string, pp = p) =>
    `${alias}.instant >= ${d.instantParam(pp.add, r.startMs)} AND ${alias}.instant < ${d.instantParam(pp.add, r.endMs)} AND ${alias}.currency = ${pp.add(q.currency)}${filterSql(q.filters ?? [], eventCol(alias), pp)}`;
  // The chargebacks with their sale's instant kept at write time (chargeback_sales), else the ledger's chargebacks and their sales found by id.
  const kept = await attemptDaysAnswer(store, q.filters, q.source);
  const saleAt = kept ? 'cb.sale_instant' : 'sale.instant';
  // Days from sale and the sale's month are in the account's zone: kept, by each connection's offsets
  // computed here over the instants' known span (the dialect's localDay and periodStartInRange: a zone
  // conversion per row costs DuckDB about 10 µs, 0.3 s for a year's chargebacks at 10M); from the ledger,
  // or for a connection without a zone, by the engine's own conversion.
  const icuDay = (expr: string) => `FLOOR(${d.epochMs(d.localTimestamp(expr, 'c.timezone'))} / 86400000.0)`;
  const icuMonth = (expr: string) => `SUBSTR(CAST(${d.localTimestamp(expr, 'c.timezone')} AS TEXT), 1, 7)`;
  let localDayOf = icuDay;
  let monthOf = icuMonth;
  // Every connection (attempt_days' days are read per connection, attempt-source.ts), read once.
  let connectionIds: string[] | undefined;
  if (kept) {
    const pz = new Params();
    const [span] = await store.query(`SELECT ${d.epochMs('MIN(e.sale_instant)')} AS lo, ${d.epochMs('MAX(e.sale_instant)')} AS hi FROM chargeback_sales e WHERE ${scope('e', pz)}`, pz.values);
    const connections = await store.query('SELECT connection_id, timezone FROM connections ORDER BY connection_id');
    connectionIds = connections.map((c) => String(c.connection_id));
    const zones = connections.filter((z) => z.timezone !== null && z.timezone !== undefined).map((z) => [String(z.connection_id), String(z.timezone)] as const);
    // The span of every instant converted: the range's chargebacks and their sales.
    const lo = span?.lo == null ? r.startMs : Math.min(r.startMs, Number(span.lo));
    const hi = span?.hi == null ? r.endMs : Math.max(r.endMs, Number(span.hi) + 1);
    const byZone = (f: (zone: string) => string, fallback: string) =>
      zones.length === 0 ? fallback : `CASE c.connection_id ${zones.map(([id, zone]) => `WHEN ${p.add(id)} THEN ${f(zone)}`).join(' ')} ELSE ${fallback} END`;
    localDayOf = (expr) => byZone((zone) => d.localDay(p.add, expr, zone, lo, hi), icuDay(expr));
    monthOf = (expr) => byZone((zone) => `SUBSTR(${d.periodStartInRange(p.add, expr, zone, 'month', lo, hi)}, 1, 7)`, icuMonth(expr));
  }
  // One pass over the range's chargebacks, cut four ways (and in all) by grouping sets; each cut by reason
  // too, so fraud is told apart by the code's network here, in code.
  const rows = await store.query(
    // The sales and refunds of the charged-back transactions are first narrowed by their ids (semi-joins,
    // hashed on the few chargebacks), so no join builds on the whole ledger or the whole transactions table.
    `WITH ${kept
      ? `cb AS (SELECT e.connection_id, e.transaction_id, e.merchant_id, e.reason, e.instant, -e.amount_cents AS cents, e.sale_instant, e.refund_cents FROM chargeback_sales e WHERE ${scope('e')}),`
      : `cb AS (SELECT e.connection_id, e.transaction_id, e.merchant_id, e.reason, e.instant, -e.amount_cents AS cents FROM money_events e WHERE e.kind = 'chargeback' AND ${scope('e')}),
     sale AS (SELECT s.connection_id, s.transaction_id, MIN(s.instant) AS instant FROM money_events s
       WHERE s.kind = 'sale' AND s.transaction_id IN (SELECT transaction_id FROM cb) GROUP BY 1, 2),
     child AS (SELECT t.connection_id, t.transaction_id, t.parent_txn_id FROM transactions t WHERE t.parent_txn_id IN (SELECT transaction_id FROM cb)),
     ref AS (SELECT child.connection_id, child.parent_txn_id AS transaction_id, SUM(-x.amount_cents) AS refund_cents
       FROM child JOIN money_events x ON x.connection_id = child.connection_id AND x.transaction_id = child.transaction_id AND x.kind IN ('refund', 'void')
       WHERE x.transaction_id IN (SELECT transaction_id FROM child)
       GROUP BY 1, 2),`}
     x AS (SELECT cb.connection_id, cb.merchant_id, cb.reason, cb.cents, COALESCE(${kept ? 'cb' : 'ref'}.refund_cents, 0) AS refund_cents,
         CAST(${localDayOf('cb.instant')} - ${localDayOf(saleAt)} AS INTEGER) AS days,
         ${monthOf(saleAt)} AS cohort
       FROM cb JOIN connections c ON c.connection_id = cb.connection_id
       ${kept ? '' : `LEFT JOIN sale ON sale.connection_id = cb.connection_id AND sale.transaction_id = cb.transaction_id
       LEFT JOIN ref ON ref.connection_id = cb.connection_id AND ref.transaction_id = cb.transaction_id`})
     SELECT x.reason, x.connection_id, x.merchant_id, x.days, x.cohort,
       GROUPING(x.connection_id) AS g_mid, GROUPING(x.days) AS g_days, GROUPING(x.cohort) AS g_cohort,
       COUNT(*) AS chargebacks, SUM(x.cents) AS cents, COUNT(CASE WHEN x.refund_cents <> 0 THEN 1 END) AS refunded, SUM(x.refund_cents) AS refund_cents
     FROM x GROUP BY GROUPING SETS ((x.reason), (x.reason, x.connection_id, x.merchant_id), (x.reason, x.days), (x.reason, x.cohort))`,
    p.values,
  );
  // Sales and reversals of the range, by MID (the chargeback rate's denominator): whole UTC days from attempt_days (attempt-source.ts).
  const p2 = new Params();
  const src = attemptSourceSql(store, p2, { bounds: [r.startMs, r.endMs], kinds: ['sale', 'chargeback_reversal'], currency: q.currency, days: kept, connectionIds });
  const sales = await store.query(
    `SELECT e.connection_id AS conn, e.merchant_id AS mid, SUM(CASE WHEN e.kind = 'sale' THEN e.n ELSE 0 END) AS sales,
       SUM(CASE WHEN e.kind = 'chargeback_reversal' THEN e.n ELSE 0 END) AS reversals, SUM(CASE WHEN e.kind = 'chargeback_reversal' THEN e.cents ELSE 0 END) AS reversal_cents
     FROM ${src} e WHERE TRUE${filterSql(q.filters ?? [], eventCol('e'), p2)} GROUP BY 1, 2`,
    p2.values,
  );

  const total = zero();
  const reasons = new Map<string | null, ChargebackCounts>();
  const mids = new Map<string, ChargebackMidRow>();
  const days = new Map<number | null, ChargebackCounts>();
  const cohorts = new Map<string | null, ChargebackCounts>();
  for (const row of rows) {
    const reason = text(row.reason);
    const fraud = reasonCode(reason).fraud === true;
    const x = { chargebacks: n(row.chargebacks), cents: n(row.cents), refunded: n(row.refunded), refundCents: n(row.refund_cents) };
    if (n(row.g_mid) === 0) {
      const k = JSON.stringify([text(row.connection_id), text(row.merchant_id)]);
      const m = mids.get(k) ?? { connectionId: String(row.connection_id), mid: text(row.merchant_id), sales: 0, chargebackRate: null, ...zero() };
      add(m, x, fraud);
      mids.set(k, m);
    } else if (n(row.g_days) === 0) {
      const k = row.days === null ? null : n(row.days);
      const c = days.get(k) ?? zero();
      add(c, x, fraud);
      days.set(k, c);
    } else if (n(row.g_cohort) === 0) {
      const k = text(row.cohort);
      const c = cohorts.get(k) ?? zero();
      add(c, x, fraud);
      cohorts.set(k, c);
    } else {
      const c = reasons.get(reason) ?? zero();
      add(c, x, fraud);
      reasons.set(reason, c);
      add(total, x, fraud);
    }
  }
  let saleCount = 0;
  let reversals = 0;
  let reversalCents = 0;
  for (const s of sales) {
    saleCount += n(s.sales);
    reversals += n(s.reversals);
    reversalCents += n(s.reversal_cents);
    const k = JSON.stringify([String(s.conn), text(s.mid)]);
    const m = mids.get(k);
    if (m) m.sales = n(s.sales);
  }
  for (const m of mids.values()) m.chargebackRate = rate(m.chargebacks, m.sales);

  // Days: the exact histogram gives the median; the rows are its buckets.
  const known = [...days.entries()].filter((e): e is [number, ChargebackCounts] => e[0] !== null).sort((a, b) => a[0] - b[0]);
  const knownCount = known.reduce((s, [, c]) => s + c.chargebacks, 0);
  let medianDays: number | null = null;
  for (let i = 0, seen = 0; i < known.length && knownCount > 0; i++) {
    seen += known[i]![1].chargebacks;
    if (seen * 2 >= knownCount) {
      medianDays = known[i]![0];
      break;
    }
  }
  const byDays: ChargebackDaysRow[] = DAY_BUCKETS.map(([from, to]) => {
    const c = zero();
    for (const [k, v] of known) {
      const dd = Math.max(0, k);
      if (dd >= from && (to === null || dd <= to)) merge(c, v);
    }
    return { from, to, ...c };
  });
  const unknown = days.get(null);
  if (unknown) byDays.push({ from: null, to: null, ...unknown });

  const byReason: ChargebackReasonRow[] = [...reasons.entries()]
    .map(([reason, c]) => {
      const code = reasonCode(reason);
      return { reason, network: code.network, isFraud: code.fraud, description: code.description, share: rate(c.chargebacks, total.chargebacks), ...c };
    })
    .sort((a, b) => b.chargebacks - a.chargebacks || (a.reason === null ? 1 : b.reason === null ? -1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  const byMid = [...mids.values()].sort((a, b) => compareGroups({ connectionId: a.connectionId, value: a.mid }, { connectionId: b.connectionId, value: b.mid }));
  const byCohort: ChargebackCohortRow[] = [...cohorts.entries()].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a < b ? -1 : 1)).map(([cohort, c]) => ({ cohort, ...c }));
  return {
    from: q.from, to: q.to, zone: q.tz, currency: q.currency, by,
    total: { ...total, sales: saleCount, chargebackRate: rate(total.chargebacks, saleCount), reversals, reversalCents, medianDays },
    byReason, byMid, byDays, byCohort,
  };
}
