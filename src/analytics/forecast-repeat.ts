/**
 * The forecast report's one-time buyers (docs/forecasts.md, "One-time buyers"): per group, the customers
 * acquired in the range (the cohort report's, by their first-touch breakdown) who never had a
 * subscription in the report's currency. A purchase is an order with approved sales in the currency
 * totalling more than 0 (its instant: its first approved sale); a customer's first purchase is their
 * acquisition. BG/NBD is fitted on each customer's repeat purchases (x, t_x, T in days, T up to the
 * as-of) and Gamma-Gamma on the mean approved amount of their repeat purchases; each monthly cohort's
 * net value per customer at 6, 12 and 24 months is its observed net so far plus the expected spend of its
 * customers' repeat purchases still to come within the horizon, less the group's observed share of
 * one-time buyers' sales refunded, voided or charged back. Interval: the seeded bootstrap of
 * src/forecast/repeat-forecast.ts (the parameters' uncertainty and the customers' own randomness).
 */
import { fnv1a32 } from '../core/prng.js';
import { DAY } from '../core/time.js';
import { roundMinor } from './arith.js';
import { ForecastInputError, repeatForecast, type Bound, type RepeatBuyer } from '../forecast/index.js';
import type { ReportReader } from '../store/store.js';
import { groupId, groupOf, type Group } from './dimensions.js';
import { instantRange, periodKey } from './range.js';
import { factCol, filterSql, firstSaleJoin, groupSelect, Params, plusDaysSql } from './sql.js';
import type { RangeQuery } from './summary.js';

/** Bootstrap replicates of the one-time buyers' interval. */
export const REPEAT_REPLICATES = 100;

/** A cohort's value per customer at a horizon, in minor units: observed once complete, else projected with its interval. */
export interface HorizonValue {
  months: number;
  days: number;
  /** Observed net per customer within the horizon so far. */
  observedCents: number;
  /** The horizon has passed for every customer: the value is observed, not projected. */
  complete: boolean;
  /** Observed so far plus what the model expects within the horizon; null when the model cannot price it. */
  valueCents: number | null;
  /** The value's 95% prediction interval (docs/forecasts.md). */
  interval: [number, number] | null;
  projected: boolean;
}

/** A one-time cohort's net value per customer at a horizon (expected: repeat purchases still to come; null value when the mean spend is infinite). */
export interface RepeatLtv extends HorizonValue {
  /** Purchases per customer within the horizon, the first included: observed so far plus expected, with its interval. */
  purchases: number;
  purchasesInterval: Bound;
}

export interface RepeatCohort {
  /** YYYY-MM of the first purchase (the viewer's zone). */
  cohort: string;
  start: string;
  customers: number;
  /** Customers who bought again so far. */
  repeatBuyers: number;
  /** Net revenue per customer so far (minor units). */
  netToDateCents: number;
  ltv: RepeatLtv[];
}

export interface RepeatFitSummary {
  /** Time unit of t_x, T and α: days (whole days: buyerHistory). */
  timeUnit: 'day';
  bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean; agreeing: number; starts: number; atBound: boolean; distinct: number; dropoutRidge: boolean };
  gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number; customers: number; converged: boolean; agreeing: number; starts: number; atBound: boolean };
  /** The population's mean approved amount per repeat purchase, pγ/(q-1), rounded to the minor unit; null when infinite. */
  meanSpendCents: number | null;
  interval: { level: number; method: 'bootstrap'; replicates: number; seed: number; refitsFailed: number };
}

/** A group's one-time buyers and their forecast. */
export interface RepeatGroupForecast {
  /** Customers acquired in the range who never had a subscription. */
  customers: number;
  repeatBuyers: number;
  repeatPurchases: number;
  /** Share of these customers' approved sales refunded, voided or charged back (before the as-of); null without sales. */
  reversedShare: number | null;
  fit: RepeatFitSummary | null;
  error: string | null;
  /** Per horizon: what a new customer of the group is expected to buy again and its net value (all projected). */
  newCustomer: { months: number; days: number; purchases: number; purchasesInterval: Bound; valueCents: number | null; interval: [number, number] | null; projected: true }[];
  cohorts: RepeatCohort[];
  warnings: string[];
}

export interface RepeatQuery extends RangeQuery {
  asOf: number;
  until?: number;
  zone: string;
  /** Horizons in months and in days. */
  horizons: { months: number; days: number }[];
  /** false: only what was observed (no fit, no projection), e.g. a backtest's actuals. Default true. */
  project?: boolean;
}

/** Query option of readBuyers' statements (QueryOptions). */
const NO_NESTED_LOOPS = { noNestedLoops: true } as const;

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

interface Buyer {
  key: string;
  group: Group | null;
  bucket: string;
  firstMs: number;
  /** Purchases: instant and approved amount, oldest first. */
  orders: { at: number; gross: number }[];
  /** Net within each horizon, and so far. */
  netWithin: number[];
  net: number;
  reversed: number;
  gross: number;
}

/** The one-time buyers of the range, per group key ('' without a breakdown). */
async function readBuyers(store: ReportReader, q: RepeatQuery): Promise<Map<string, Buyer[]>> {
  const r = instantRange(q.from, q.to, q.zone);
  const end = q.until === undefined ? r.endMs : Math.min(r.endMs, q.until);
  const filters = q.filters ?? [];
  const needsFirst = filters.some((f) => f.dimension === 'cycle');
  const f = factCol('f', 'fs');
  const from = `customer_facts f ${needsFirst ? firstSaleJoin('f', 'fs') : ''}`;
  // While the facts are current, each customer's first subscription sale (customer_facts.subscribed_at)
  // says who never subscribed: the one-time buyers are read from the facts alone. Behind (a rebuild
  // pending), the ledger is asked for each of the range's customers.
  const kept = !(await store.aggregatesBehind());
  /**
   * The customers in range and currency, filtered, who never subscribed (no approved sale of a purchase)
   * in the currency before the cut, as the CTE `never` (connection_id, customer_id) on `p`'s parameters.
   */
  const never = (p: Params): string => {
    const cut = (alias: string) => (q.until === undefined ? '' : ` AND ${alias}.instant < ${store.sql.instantParam(p.add, q.until)}`);
    const range = `f.first_sale_at >= ${store.sql.instantParam(p.add, r.startMs)} AND f.first_sale_at < ${store.sql.instantParam(p.add, end)}
          AND f.currency = ${p.add(q.currency)} AND NOT f.acquired_before${filterSql(filters, f, p)}`;
    if (kept) {
      const none = q.until === undefined ? 'f.subscribed_at IS NULL' : `(f.subscribed_at IS NULL OR f.subscribed_at >= ${store.sql.instantParam(p.add, q.until)})`;
      return `never AS MATERIALIZED (SELECT f.connection_id, f.customer_id FROM ${from} WHERE ${range} AND ${none})`;
    }
    return `cand AS MATERIALIZED (SELECT f.connection_id, f.customer_id, f.currency FROM ${from} WHERE ${range}),
      subscribed AS MATERIALIZED (SELECT DISTINCT c.connection_id, c.customer_id FROM cand c
        JOIN money_events s ON s.connection_id = c.connection_id AND s.customer_id = c.customer_id AND s.currency = c.currency
        WHERE s.kind = 'sale' AND s.purchase_id IS NOT NULL${cut('s')}),
      never AS MATERIALIZED (SELECT c.connection_id, c.customer_id FROM cand c
        WHERE NOT EXISTS (SELECT 1 FROM subscribed x WHERE x.connection_id = c.connection_id AND x.customer_id = c.customer_id))`;
  };
  const p = new Params();
  const cut = (alias: string) => (q.until === undefined ? '' : ` AND ${alias}.instant < ${store.sql.instantParam(p.add, q.until)}`);
  const customers = never(p);
  const bucket = store.sql.periodStartInRange(p.add, 'f.first_sale_at', q.zone, 'month', r.startMs, r.endMs);
  const sums = q.horizons.map((h, i) => `SUM(CASE WHEN e.instant < ${plusDaysSql('f.first_sale_at', h.days)} THEN e.amount_cents ELSE 0 END)`);
  const none = (type: string) => `CAST(NULL AS ${type})`;
  // One statement, so the never-subscribed customers (the CTE) are found once for both of its parts:
  // their orders (approved sales by order), then their net per customer within each horizon and so far,
  // and what was taken back (the same customers, not every customer of the range).
  const rows = await store.query(
    `WITH ${customers}
    SELECT 'order' AS part, ${bucket} AS bucket, ${groupSelect(q.groupBy ?? null, f)}, f.connection_id AS conn, f.customer_id AS cust,
      ${store.sql.epochMs('f.first_sale_at')} AS first_ms, e.order_id, ${store.sql.epochMs('MIN(e.instant)')} AS at_ms, SUM(e.amount_cents) AS gross,
      ${q.horizons.map((_, i) => `${none('BIGINT')} AS h${i}`).join(', ')}, ${none('BIGINT')} AS total, ${none('BIGINT')} AS reversed
    FROM ${from} JOIN never nv ON nv.connection_id = f.connection_id AND nv.customer_id = f.customer_id
      JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND e.kind = 'sale'${cut('e')}
    GROUP BY 2, 3, 4, 5, 6, 7, 8
    UNION ALL
    SELECT 'money', NULL, NULL, NULL, f.connection_id, f.customer_id, NULL, NULL, NULL, NULL, ${sums.join(', ')}, SUM(e.amount_cents),
      SUM(CASE WHEN e.kind = 'sale' THEN 0 ELSE e.amount_cents END)
    FROM ${from} JOIN never nv ON nv.connection_id = f.connection_id AND nv.customer_id = f.customer_id
      JOIN money_events e ON e.connection_id = f.connection_id AND e.customer_id = f.customer_id AND e.currency = f.currency AND e.kind <> 'decline'${cut('e')}
    GROUP BY f.connection_id, f.customer_id`,
    p.values,
    // The anti-join of two CTEs: PostgreSQL has no statistics on them, so no nested loops (see retention.ts LEDGER_PLAN).
    NO_NESTED_LOOPS,
  );
  const orders = rows.filter((row) => row.part === 'order');
  if (orders.length === 0) return new Map();
  const money = rows.filter((row) => row.part === 'money');
  const moneyBy = new Map(money.map((m) => [`${String(m.conn)}|${String(m.cust)}`, m]));
  const buyers = new Map<string, Buyer>();
  for (const row of orders) {
    const id = `${String(row.conn)}|${String(row.cust)}`;
    let b = buyers.get(id);
    if (!b) {
      const group = q.groupBy ? groupOf(q.groupBy, row.grp_conn, row.grp) : null;
      const m = moneyBy.get(id);
      b = {
        key: group ? groupId(group) : '', group, bucket: String(row.bucket), firstMs: n(row.first_ms), orders: [],
        netWithin: q.horizons.map((_, i) => n(m?.[`h${i}`])), net: n(m?.total), reversed: n(m?.reversed), gross: 0,
      };
      buyers.set(id, b);
    }
    const gross = n(row.gross);
    b.gross += gross;
    if (gross > 0) b.orders.push({ at: n(row.at_ms), gross });
  }
  // In one order whatever order the statement's rows came in (it depends on the plan): the bootstrap draws
  // customers by their place, so the same data give the same interval. Customers by id, orders by instant
  // (then amount, so a tie picks the same first purchase).
  const out = new Map<string, Buyer[]>();
  for (const [, b] of [...buyers].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) {
    if (b.orders.length === 0) continue;
    b.orders.sort((x, y) => x.at - y.at || x.gross - y.gross);
    const list = out.get(b.key) ?? [];
    list.push(b);
    out.set(b.key, list);
  }
  return out;
}

/**
 * A buyer's (x, t_x, T) in whole days and mean repeat spend; the first purchase is the acquisition.
 * Times are rounded to the day: the CRM's orders carry a time of day, but days are the model's unit,
 * and whole days make customers' histories repeat, so the fit sums over distinct histories (a repeat
 * purchase on the day of the first counts as 1 day after it, t_x > 0; T is at least t_x and 1).
 */
export function buyerHistory(orders: readonly { at: number; gross: number }[], asOf: number): { x: number; tx: number; T: number; meanSpend: number } {
  const first = orders[0]!.at;
  const repeat = orders.slice(1);
  const x = repeat.length;
  const tx = x === 0 ? 0 : Math.max(1, Math.round((repeat[x - 1]!.at - first) / DAY));
  const T = Math.max(tx, Math.round((asOf - first) / DAY), 1);
  return { x, tx, T, meanSpend: x === 0 ? 0 : repeat.reduce((a, o) => a + o.gross, 0) / x };
}

/** The one-time buyers' forecast of every group, by group key. */
export async function repeatBuyersForecast(store: ReportReader, q: RepeatQuery): Promise<Map<string, { group: Group | null; forecast: RepeatGroupForecast }>> {
  const asOf = q.until ?? q.asOf;
  const byGroup = await readBuyers(store, q);
  const out = new Map<string, { group: Group | null; forecast: RepeatGroupForecast }>();
  for (const [key, buyers] of byGroup) {
    const histories = buyers.map((b) => buyerHistory(b.orders, asOf));
    const buckets = [...new Set(buyers.map((b) => b.bucket))].sort();
    const gross = buyers.reduce((a, b) => a + b.gross, 0);
    const reversed = buyers.reduce((a, b) => a + b.reversed, 0);
    const reversedShare = gross > 0 ? -reversed / gross : null;
    const keep = 1 - (reversedShare ?? 0);
    const warnings: string[] = [];
    let error: string | null = null;
    let fit: RepeatFitSummary | null = null;
    let projection: ReturnType<typeof repeatForecast> | null = null;
    const seed = fnv1a32(`repeat|${key}`);
    if (q.project !== false) {
      try {
        projection = repeatForecast(
          histories.map((h, i) => ({ ...h, bucket: buckets.indexOf(buyers[i]!.bucket) }) satisfies RepeatBuyer),
          { horizons: q.horizons.map((h) => h.days), buckets: buckets.length, seed, replicates: REPEAT_REPLICATES },
        );
        warnings.push(...projection.warnings);
        const { bgnbd: b, gammaGamma: g } = projection;
        fit = {
          timeUnit: 'day',
          bgnbd: {
            r: b.r, alpha: b.alpha, a: b.a, b: b.b, logLikelihood: b.logLikelihood, converged: b.converged, agreeing: b.agreeing, starts: b.starts, atBound: b.atBound,
            distinct: b.distinct, dropoutRidge: b.dropoutRidge,
          },
          gammaGamma: { p: g.p, q: g.q, gamma: g.gamma, logLikelihood: g.logLikelihood, customers: g.customers, converged: g.converged, agreeing: g.agreeing, starts: g.starts, atBound: g.atBound },
          meanSpendCents: projection.meanSpend === null ? null : roundMinor(projection.meanSpend, q.currency),
          interval: {
            level: projection.interval.level, method: projection.interval.method, replicates: projection.interval.replicates,
            seed: projection.interval.seed, refitsFailed: projection.interval.refitsFailed,
          },
        };
      } catch (err) {
        if (!(err instanceof ForecastInputError)) throw err;
        error = `no forecast: ${err.message}`;
      }
    }
    const money = (x: number) => roundMinor(x, q.currency);
    const cohorts: RepeatCohort[] = buckets.map((start, bi) => {
      const members = buyers.filter((b) => b.bucket === start);
      const hs = members.map((b) => buyerHistory(b.orders, asOf));
      const size = members.length;
      const lastFirst = Math.max(...members.map((b) => b.firstMs));
      const ltv = q.horizons.map(({ months, days }, k): RepeatLtv => {
        const observed = money(members.reduce((a, b) => a + b.netWithin[k]!, 0) / size);
        const complete = lastFirst + days * DAY <= asOf;
        // Purchases within the horizon so far, the first included.
        const bought = members.reduce((a, b) => a + b.orders.filter((o) => o.at < b.firstMs + days * DAY).length, 0);
        const cell = projection?.buckets[bi]?.[k];
        if (complete || !cell) {
          return { months, days, observedCents: observed, complete, valueCents: complete ? observed : null, interval: complete ? [observed, observed] : null, projected: !complete, purchases: bought / size, purchasesInterval: [bought / size, bought / size] };
        }
        const value = (spend: number) => money((members.reduce((a, b) => a + b.netWithin[k]!, 0) + spend * keep) / size);
        return {
          months, days, observedCents: observed, complete: false,
          valueCents: cell.spend === null ? null : value(cell.spend),
          interval: cell.spendInterval === null ? null : [value(cell.spendInterval[0]), value(cell.spendInterval[1])],
          projected: true,
          purchases: (bought + cell.purchases) / size,
          purchasesInterval: [(bought + cell.purchasesInterval[0]) / size, (bought + cell.purchasesInterval[1]) / size],
        };
      });
      return {
        cohort: periodKey(start, 'month'), start, customers: size, repeatBuyers: hs.filter((h) => h.x > 0).length,
        netToDateCents: money(members.reduce((a, b) => a + b.net, 0) / size), ltv,
      };
    });
    const newCustomer = projection
      ? projection.newCustomer.map((c, k) => ({
        months: q.horizons[k]!.months, days: q.horizons[k]!.days, purchases: c.purchases, purchasesInterval: c.purchasesInterval,
        valueCents: c.spend === null ? null : money(c.spend * keep),
        interval: c.spendInterval === null ? null : [money(c.spendInterval[0] * keep), money(c.spendInterval[1] * keep)] as [number, number],
        projected: true as const,
      }))
      : [];
    out.set(key, {
      group: buyers[0]!.group,
      forecast: {
        customers: buyers.length, repeatBuyers: histories.filter((h) => h.x > 0).length, repeatPurchases: histories.reduce((a, h) => a + h.x, 0),
        reversedShare, fit, error, newCustomer, cohorts, warnings,
      },
    });
  }
  return out;
}
