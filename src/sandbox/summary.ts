/**
 * transactions/summary: the CRM's own summary report (docs/sandbox.md, "Record shapes"). Not paginated:
 * `message` is a plain array of rows, one per day (reportType=date, the default), per campaign product
 * (product) or per campaign (campaign), with the row fields the reference lists. Sales and declines
 * count on their own dateCreated in the account's zone; refunds, voids and chargebacks count on the
 * ORIGINAL sale's row, whenever they happened (up to the merchant's now), as the CRM reports them, so
 * a day's figures keep changing for weeks. Money is never added across currencies: a day with sales in
 * three currencies is three rows, each with its currencySymbol (a campaign sells in one currency, so
 * product and campaign rows are one currency each). docs/sandbox.md has the definitions.
 */
import { formatCents } from '../core/money.js';
import { localDate } from '../core/time.js';
import { apiError, MESSAGES, type ApiResponse } from './envelope.js';
import { rowsInWindow } from './indexes.js';
import type { Campaign, CampaignProduct, Currency, Merchant, Txn } from './model.js';
import { dateWindow, type Params } from './query.js';
import { symbolOf, type View } from './records.js';

export const REPORT_TYPES = ['date', 'product', 'campaign'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

/** Counts and sums (hundredths of the row's currency) of one summary row. */
export interface SummaryTotals {
  newSaleCnt: number;
  newSaleRev: number;
  rebillCnt: number;
  rebillRev: number;
  declinesCnt: number;
  rebillDeclinesCnt: number;
  refundCnt: number;
  refundRev: number;
  chargebackCnt: number;
  chargebackRev: number;
  salesTax: number;
}

interface Group {
  head: Record<string, unknown>;
  currency: Currency;
  totals: SummaryTotals;
}

const emptyTotals = (): SummaryTotals => ({
  newSaleCnt: 0,
  newSaleRev: 0,
  rebillCnt: 0,
  rebillRev: 0,
  declinesCnt: 0,
  rebillDeclinesCnt: 0,
  refundCnt: 0,
  refundRev: 0,
  chargebackCnt: 0,
  chargebackRev: 0,
  salesTax: 0,
});

/**
 * Adds one transaction to its row's totals: a successful SALE or CAPTURE is a new sale (cycle 1) or a
 * rebill, with its refunds, voids and chargeback booked beside it; a declined SALE or AUTHORIZE is a
 * decline. An approved AUTHORIZE is not revenue (its CAPTURE is), and refund and void rows count
 * through their sale, so they add nothing here. Returns false when the transaction counts nowhere.
 */
export function addToTotals(t: SummaryTotals, x: Txn): boolean {
  const sale = x.type === 'SALE' || x.type === 'CAPTURE';
  if (x.response !== 'SUCCESS') {
    if (x.type !== 'SALE' && x.type !== 'AUTHORIZE') return false;
    if (x.cycle === 1) t.declinesCnt++;
    else t.rebillDeclinesCnt++;
    return true;
  }
  if (!sale) return false;
  if (x.cycle === 1) {
    t.newSaleCnt++;
    t.newSaleRev += x.amount;
  } else {
    t.rebillCnt++;
    t.rebillRev += x.amount;
  }
  t.salesTax += x.salesTax;
  for (const r of x.order.txns) {
    if (r.parent !== x || r.response !== 'SUCCESS' || (r.type !== 'REFUND' && r.type !== 'VOID')) continue;
    t.refundCnt++;
    t.refundRev += r.amount;
  }
  if (x.isChargedback) {
    t.chargebackCnt++;
    t.chargebackRev += x.chargebackAmount ?? x.amount;
  }
  return true;
}

/** A percentage with two decimals, "0.00" when nothing was attempted. */
function pct(n: number, d: number): string {
  return d === 0 ? '0.00' : formatCents(Math.round((n * 10000) / d));
}

/** A summary row's figures, in the reference's field order. */
export function summaryFields(t: SummaryTotals, currencySymbol: string): Record<string, unknown> {
  const approved = t.newSaleCnt + t.rebillCnt;
  const attempts = approved + t.declinesCnt + t.rebillDeclinesCnt;
  const gross = t.newSaleRev + t.rebillRev;
  return {
    approvedPerc: pct(t.newSaleCnt, t.newSaleCnt + t.declinesCnt),
    chargebackCnt: t.chargebackCnt,
    chargebackPerc: pct(t.chargebackCnt, approved),
    chargebackRev: formatCents(t.chargebackRev),
    currencySymbol,
    declinesCnt: t.declinesCnt,
    expenseDetails: [],
    expenses: '0.00',
    grossRevenue: formatCents(gross),
    netRevenue: formatCents(gross - t.refundRev - t.chargebackRev),
    newSaleCnt: t.newSaleCnt,
    newSaleRev: formatCents(t.newSaleRev),
    rebillApprovedPerc: pct(t.rebillCnt, t.rebillCnt + t.rebillDeclinesCnt),
    rebillCnt: t.rebillCnt,
    rebillDeclinesCnt: t.rebillDeclinesCnt,
    rebillRev: formatCents(t.rebillRev),
    refundCnt: t.refundCnt,
    refundPerc: pct(t.refundCnt, approved),
    refundRev: formatCents(t.refundRev),
    salesTax: formatCents(t.salesTax),
    surcharge: '0.00',
    totalDeclinePerc: pct(t.declinesCnt + t.rebillDeclinesCnt, attempts),
  };
}

const intList = (v: string) => new Set(v.split(',').map((x) => Number(x.trim())));

/** Answers transactions/summary (rows rendered in `view`). */
export function transactionsSummary(m: Merchant, params: Params, view: View = 'served'): ApiResponse {
  const reportType = (params.reportType ?? '').trim().toLowerCase() || 'date';
  if (!(REPORT_TYPES as readonly string[]).includes(reportType)) return apiError(MESSAGES.invalidValue('reportType', params.reportType ?? ''));
  // DTX sends dateRangeType=txnDate; the report has one date, the transaction's.
  const rangeType = params.dateRangeType ?? '';
  if (rangeType !== '' && rangeType !== 'txnDate' && rangeType !== 'dateCreated') return apiError(MESSAGES.invalidValue('dateRangeType', rangeType));
  const window = dateWindow(m, params);
  if (window === null) return apiError(MESSAGES.dateRangeRequired);
  if (typeof window === 'string') return apiError(window);
  const campaigns = params.campaignId ? intList(params.campaignId) : null;
  const products = params.campaignProductId ? intList(params.campaignProductId) : null;
  const zone = m.config.timezone;
  const groups = new Map<string, Group>();
  // The same date index transactions/query uses, so walking a report after a sync costs no rebuild.
  const rows = rowsInWindow(m, 'transactions/query:dateCreated', m.txns, (x) => x.t, (x) => x.transactionId, window.from, window.to);
  for (const x of rows) {
    const campaign = x.order.campaign;
    const cp = x.line?.cp ?? null;
    if (campaigns && !campaigns.has(campaign.campaignId)) continue;
    if (products && (!cp || !products.has(cp.campaignProductId))) continue;
    const key = groupKey(reportType as ReportType, x, campaign, cp, zone);
    if (key === null) continue;
    let g = groups.get(key.id);
    if (!g) {
      g = { head: key.head, currency: campaign.currency, totals: emptyTotals() };
      groups.set(key.id, g);
    }
    addToTotals(g.totals, x);
  }
  const currencyOrder = m.config.currencies;
  const out = [...groups.values()]
    .filter((g) => counted(g.totals))
    .sort((a, b) => compareHeads(a.head, b.head) || currencyOrder.indexOf(a.currency.code) - currencyOrder.indexOf(b.currency.code))
    .map((g) => ({ ...g.head, ...summaryFields(g.totals, symbolOf(g.currency, view)) }));
  if (out.length === 0) return apiError(MESSAGES.noMatch('records'));
  return { result: 'SUCCESS', message: out };
}

function counted(t: SummaryTotals): boolean {
  return t.newSaleCnt + t.rebillCnt + t.declinesCnt + t.rebillDeclinesCnt > 0;
}

function groupKey(type: ReportType, x: Txn, campaign: Campaign, cp: CampaignProduct | null, zone: string): { id: string; head: Record<string, unknown> } | null {
  if (type === 'campaign') return { id: `c${campaign.campaignId}`, head: { campaignId: campaign.campaignId, campaignName: campaign.name } };
  if (type === 'product') {
    if (!cp) return null;
    return { id: `p${cp.campaignProductId}`, head: { campaignProductId: cp.campaignProductId, productId: cp.productId, productName: cp.name, campaignId: campaign.campaignId } };
  }
  const date = localDate(x.t, zone);
  return { id: `${date}|${campaign.currency.code}`, head: { date } };
}

function compareHeads(a: Record<string, unknown>, b: Record<string, unknown>): number {
  const ka = (a.date ?? a.campaignProductId ?? a.campaignId) as string | number;
  const kb = (b.date ?? b.campaignProductId ?? b.campaignId) as string | number;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
