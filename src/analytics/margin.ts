/**
 * The margin basis (docs/economics.md, "The margin basis"): the costs of the margin ledger (cost_events:
 * what each sale, refund and chargeback carries, ledger/costs.ts) summed beside the revenue totals, per
 * bucket and group, on the same events (a cost is booked with its money event, on either basis), and
 * the figures they give: expenses (the CRM's product cost, shipping, transaction and discount-rate
 * fees), dispute and refund fees, commissions, margin, CPA. The CRM's Net of its retention report is
 * Gross - Chargebacks - Refunds - Expenses - Commissions: the margin when no dispute or refund fee is set.
 */
import type { Cents } from '../core/money.js';
import { COST_COLUMNS, COST_NAMES, costsOf, type CostName } from '../ledger/costs.js';
import type { ReportReader } from '../store/store.js';
import { compare, divRoundMinor, rate, type Compared } from './arith.js';
import type { ReportWarning } from './coverage.js';
import { groupId, groupOf, type Filter } from './dimensions.js';
import { bookedSql, eventCol, filterSql, groupSelect, Params, type Basis } from './sql.js';
import { NOT_GROUPED, type TotalsQuery } from './totals.js';

/** The costs of a bucket, per cost column, in hundredths (positive), and what had no rate. */
export type CostTotals = Record<CostName, number> & {
  /** Cost rows summed (0 while the connection has no rate: then it has no margin ledger). */
  rows: number;
  /** Sales without a product cost, and costed events without a processing rate for their MID. */
  missingProduct: number;
  missingProcessing: number;
};

/** bucket -> group (groupId) -> cost totals. */
export type CostTotalsByBucket = Map<string, Map<string, CostTotals>>;

export function emptyCostTotals(): CostTotals {
  return { ...(Object.fromEntries(COST_NAMES.map((k) => [k, 0])) as Record<CostName, number>), rows: 0, missingProduct: 0, missingProcessing: 0 };
}

/**
 * The cost rows of a basis with `at`, the instant each is booked at: its money event's (a refund's or
 * chargeback's fee moves with it to the sale's date on the CRM basis, analytics/sql.ts eventSourceSql).
 */
export function costSourceSql(basis: Basis): string {
  return bookedSql('cost_events', 'event_kind', basis);
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** The costs of a totals query's window, per bucket and group (the groups and filters of its money events). */
export async function readCostTotals(store: ReportReader, q: TotalsQuery): Promise<CostTotalsByBucket> {
  const p = new Params();
  const c = eventCol('ev');
  const bucket = q.bucket('ev.at', p);
  const sums = COST_NAMES.map((k) => `SUM(ev.${COST_COLUMNS[k].column}) AS "${k}"`);
  const sql = `SELECT ${bucket} AS bucket, ${groupSelect(q.groupBy, c)}, ${sums.join(', ')}, COUNT(*) AS rows_,
      COUNT(CASE WHEN ev.event_kind = 'sale' AND ev.${COST_COLUMNS.product.column} IS NULL THEN 1 END) AS missing_product,
      COUNT(CASE WHEN ev.${COST_COLUMNS.transactionFee.column} IS NULL AND ev.${COST_COLUMNS.refundFee.column} IS NULL AND ev.${COST_COLUMNS.chargebackFee.column} IS NULL THEN 1 END) AS missing_processing
    FROM ${costSourceSql(q.basis)} ev
    WHERE ev.at >= ${store.sql.instantParam(p.add, q.startMs)} AND ev.at < ${store.sql.instantParam(p.add, q.endMs)} AND ev.currency = ${p.add(q.currency)}${filterSql(q.filters, c, p)}
    GROUP BY 1, 2, 3`;
  const out: CostTotalsByBucket = new Map();
  for (const r of await store.query(sql, p.values)) {
    const key = q.groupBy ? groupId(groupOf(q.groupBy, r.grp_conn, r.grp)) : NOT_GROUPED;
    let g = out.get(String(r.bucket));
    if (!g) out.set(String(r.bucket), (g = new Map()));
    const t = g.get(key) ?? emptyCostTotals();
    for (const k of COST_NAMES) t[k] += num(r[k]);
    t.rows += num(r.rows_);
    t.missingProduct += num(r.missing_product);
    t.missingProcessing += num(r.missing_processing);
    g.set(key, t);
  }
  return out;
}

/** What the margin basis adds to a period's figures (money in cents, positive costs). */
export interface MarginFigures {
  productCosts: Cents;
  fulfilment: Cents;
  transactionFees: Cents;
  rateFees: Cents;
  /** Product cost + fulfilment + transaction fees + discount-rate fees: the CRM's Expenses. */
  expenses: Cents;
  refundFees: Cents;
  chargebackFees: Cents;
  /** Refund and chargeback fees (the CRM's Net leaves them out). */
  fees: Cents;
  /** Affiliate payouts: the CRM's Commissions. */
  commissions: Cents;
  totalCosts: Cents;
  /**
   * Gross - Chargebacks - Refunds (and voids) - Expenses - Commissions: the CRM retention report's Net,
   * which leaves the dispute and refund fees out.
   */
  crmNet: Cents;
  /** Net revenue - total costs. */
  margin: Cents;
  /** Margin / gross revenue. */
  marginRate: number | null;
  /** Commissions / approvals (orders placed), rounded to the minor unit: the CRM's CPA. */
  cpa: Cents | null;
  /** Approved orders: the CPA's denominator. */
  approvals: number;
}

/** The margin figures of a bucket from its cost totals and its revenue (net, gross) and orders. */
export function marginOf(c: CostTotals, revenue: { netRevenue: number; grossRevenue: number; orders: number }, currency: string): MarginFigures {
  const group = (g: 'expenses' | 'fees' | 'commissions') => costsOf(g).reduce((s, k) => s + c[k], 0);
  const expenses = group('expenses');
  const fees = group('fees');
  const commissions = group('commissions');
  const totalCosts = expenses + fees + commissions;
  const margin = revenue.netRevenue - totalCosts;
  return {
    productCosts: c.product, fulfilment: c.fulfilment, transactionFees: c.transactionFee, rateFees: c.rateFee, expenses,
    refundFees: c.refundFee, chargebackFees: c.chargebackFee, fees, commissions, totalCosts, crmNet: revenue.netRevenue - expenses - commissions, margin,
    marginRate: rate(margin, revenue.grossRevenue), cpa: divRoundMinor(commissions, revenue.orders, currency), approvals: revenue.orders,
  };
}

export type ComparedMargin = { [K in keyof MarginFigures]: Compared<MarginFigures[K]> };

/** Pairs two periods' margin figures field by field. */
export function compareMargin(current: MarginFigures, previous: MarginFigures): ComparedMargin {
  const out: Record<string, Compared<number | null>> = {};
  for (const k of Object.keys(current) as (keyof MarginFigures)[]) out[k] = compare<number | null>(current[k], previous[k]);
  return out as ComparedMargin;
}

/** Names of the money figures of the margin basis (rendered as decimal strings). */
export const MARGIN_MONEY: ReadonlySet<keyof MarginFigures> = new Set([
  'productCosts', 'fulfilment', 'transactionFees', 'rateFees', 'expenses', 'refundFees', 'chargebackFees', 'fees', 'commissions', 'totalCosts', 'crmNet', 'margin', 'cpa',
]);
/** Names of the rate figures of the margin basis. */
export const MARGIN_RATES: ReadonlySet<keyof MarginFigures> = new Set(['marginRate']);

/** What a margin report says about costs it could not find: no rate at all, sales without product cost, events without a MID's rate. */
export function costWarnings(totals: Iterable<CostTotals>, sales: number): ReportWarning[] {
  let rows = 0;
  let product = 0;
  let processing = 0;
  for (const t of totals) {
    rows += t.rows;
    product += t.missingProduct;
    processing += t.missingProcessing;
  }
  if (sales > 0 && rows === 0) {
    return [{ code: 'costs_missing', message: 'no costs are recorded for these sales: the margin equals net revenue (enter costs with konduit costs import, or on the Costs page)' }];
  }
  const out: ReportWarning[] = [];
  if (product > 0) out.push({ code: 'costs_missing', message: `${product} sale${product === 1 ? ' has' : 's have'} no product cost for their product and date: counted at 0` });
  if (processing > 0) out.push({ code: 'costs_missing', message: `${processing} of the sales, refunds and chargebacks ${processing === 1 ? 'has' : 'have'} no processing rate for their MID and date: fees counted at 0` });
  return out;
}

/** The margin basis's warning when these connections (null: all) have no margin ledger at all: no rate is recorded. */
export async function noCostsWarning(store: ReportReader, filters: readonly Filter[] | undefined): Promise<ReportWarning[]> {
  const p = new Params();
  const rows = await store.query(`SELECT 1 AS x FROM cost_events c WHERE TRUE${filterSql((filters ?? []).filter((f) => f.dimension === 'connection'), () => 'c.connection_id', p)} LIMIT 1`, p.values);
  return rows.length > 0 ? [] : costWarnings([emptyCostTotals()], 1);
}
