/**
 * transactions/summary over HTTP, against an oracle computed here from the merchant's ground truth
 * (not with summary.ts): per day, product and campaign, one row per currency, refunds and chargebacks
 * on the original sale's day in the account's zone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatCents } from '../core/money.js';
import { localDate } from '../core/time.js';
import { CURRENCIES } from './currency.js';
import { startSandbox, type Sandbox } from './index.js';
import type { Txn } from './model.js';
import type { SummaryTotals } from './summary.js';
import { sandboxApi } from '../../test/sandbox-api.js';

let sb: Sandbox;
const { call } = sandboxApi(() => sb);
const ZONE = 'America/Chicago';

beforeAll(async () => {
  sb = await startSandbox({ seed: 'summary', customers: 1500, start: '2025-06-01', now: '2026-11-21 12:00:00', timezone: ZONE });
});
afterAll(async () => {
  await sb?.close();
});

/** What a row counts: the summary's own type, the oracle's arithmetic its own. */
type Figures = SummaryTotals;

const CODE_OF = Object.fromEntries(CURRENCIES.map((c) => [c.symbol, c.code]));
const day = (x: Txn) => localDate(x.t, ZONE);

/** The expected rows, keyed by group and ISO currency, from the merchant's rows alone. */
function oracle(from: string, to: string, groupOf: (x: Txn) => string): Map<string, Figures> {
  const out = new Map<string, Figures>();
  const at = (x: Txn) => {
    const k = `${groupOf(x)}|${x.order.campaign.currency.code}`;
    let f = out.get(k);
    if (!f) out.set(k, (f = { newSaleCnt: 0, newSaleRev: 0, rebillCnt: 0, rebillRev: 0, declinesCnt: 0, rebillDeclinesCnt: 0, refundCnt: 0, refundRev: 0, chargebackCnt: 0, chargebackRev: 0, salesTax: 0 }));
    return f;
  };
  const inRange = (x: Txn) => day(x) >= from && day(x) <= to;
  for (const x of sb.merchant.txns) {
    const ok = x.response === 'SUCCESS';
    if (ok && (x.type === 'REFUND' || x.type === 'VOID') && x.parent && (x.parent.type === 'SALE' || x.parent.type === 'CAPTURE') && inRange(x.parent)) {
      // Booked on the sale's row, whenever the refund happened.
      const f = at(x.parent);
      f.refundCnt++;
      f.refundRev += x.amount;
    }
    if (!inRange(x)) continue;
    if (ok && (x.type === 'SALE' || x.type === 'CAPTURE')) {
      const f = at(x);
      f.salesTax += x.salesTax;
      if (x.cycle === 1) {
        f.newSaleCnt++;
        f.newSaleRev += x.amount;
      } else {
        f.rebillCnt++;
        f.rebillRev += x.amount;
      }
      if (x.isChargedback) {
        f.chargebackCnt++;
        f.chargebackRev += x.chargebackAmount!;
      }
    } else if (!ok && (x.type === 'SALE' || x.type === 'AUTHORIZE')) {
      if (x.cycle === 1) at(x).declinesCnt++;
      else at(x).rebillDeclinesCnt++;
    }
  }
  return out;
}

function expectRows(rows: Array<Record<string, any>>, expected: Map<string, Figures>, groupOfRow: (r: Record<string, any>) => string): void {
  const counted = [...expected.entries()].filter(([, f]) => f.newSaleCnt + f.rebillCnt + f.declinesCnt + f.rebillDeclinesCnt > 0);
  expect(rows.length).toBe(counted.length);
  for (const r of rows) {
    const f = expected.get(`${groupOfRow(r)}|${CODE_OF[r.currencySymbol as string]}`);
    expect(f, JSON.stringify(r)).toBeDefined();
    const gross = f!.newSaleRev + f!.rebillRev;
    expect(r).toMatchObject({
      newSaleCnt: f!.newSaleCnt,
      newSaleRev: formatCents(f!.newSaleRev),
      rebillCnt: f!.rebillCnt,
      rebillRev: formatCents(f!.rebillRev),
      declinesCnt: f!.declinesCnt,
      rebillDeclinesCnt: f!.rebillDeclinesCnt,
      refundCnt: f!.refundCnt,
      refundRev: formatCents(f!.refundRev),
      chargebackCnt: f!.chargebackCnt,
      chargebackRev: formatCents(f!.chargebackRev),
      salesTax: formatCents(f!.salesTax),
      grossRevenue: formatCents(gross),
      netRevenue: formatCents(gross - f!.refundRev - f!.chargebackRev),
    });
  }
}

describe('transactions/summary', () => {
  it('answers per day in the account zone, one row per currency, with the fields the reference lists', async () => {
    const r = await call('transactions/summary', { startDate: '03/01/2026', endDate: '04/30/2026', reportType: 'date', dateRangeType: 'txnDate' });
    expect(r.result).toBe('SUCCESS');
    const rows = r.message as Array<Record<string, any>>;
    expect(Array.isArray(rows)).toBe(true);
    expect(Object.keys(rows[0]!)).toEqual(['date', 'approvedPerc', 'chargebackCnt', 'chargebackPerc', 'chargebackRev', 'currencySymbol', 'declinesCnt', 'expenseDetails', 'expenses', 'grossRevenue', 'netRevenue', 'newSaleCnt', 'newSaleRev', 'rebillApprovedPerc', 'rebillCnt', 'rebillDeclinesCnt', 'rebillRev', 'refundCnt', 'refundPerc', 'refundRev', 'salesTax', 'surcharge', 'totalDeclinePerc']);
    expectRows(rows, oracle('2026-03-01', '2026-04-30', day), (row) => row.date);
    const days = rows.map((row) => row.date);
    expect([...days].sort()).toEqual(days);
    // Several currencies on one day are several rows: money is never added across them.
    const symbolsOfDay = new Map<string, Set<string>>();
    for (const row of rows) symbolsOfDay.set(row.date, (symbolsOfDay.get(row.date) ?? new Set()).add(row.currencySymbol));
    expect(Math.max(...[...symbolsOfDay.values()].map((s) => s.size))).toBeGreaterThan(1);
    for (const s of symbolsOfDay.values()) expect(s.size).toBe(rows.filter((row) => symbolsOfDay.get(row.date) === s).length);
  });

  it("books a refund on the original sale's day, not on its own", async () => {
    const refund = sb.merchant.txns.find((x) => x.type === 'REFUND' && x.response === 'SUCCESS' && x.parent!.type === 'SALE' && day(x) !== day(x.parent!) && x.order.campaign.currency.code === 'USD')!;
    const saleDay = day(refund.parent!);
    const row = async (d: string) => ((await call('transactions/summary', { startDate: d, endDate: d })).message as Array<Record<string, any>>).find((x) => x.currencySymbol === '$');
    const onSaleDay = await row(saleDay);
    const expected = oracle(saleDay, saleDay, day).get(`${saleDay}|USD`)!;
    expect(onSaleDay!.refundRev).toBe(formatCents(expected.refundRev));
    expect(expected.refundRev).toBeGreaterThanOrEqual(refund.amount);
    const onRefundDay = await row(day(refund));
    const there = oracle(day(refund), day(refund), day).get(`${day(refund)}|USD`);
    expect(onRefundDay?.refundRev ?? '0.00').toBe(formatCents(there?.refundRev ?? 0));
  });

  it('answers per campaign product and per campaign over the range, and filters by them', async () => {
    const from = '2025-06-01';
    const to = '2026-11-21';
    const products = await call('transactions/summary', { startDate: from, endDate: to, reportType: 'product' });
    expectRows(products.message, oracle(from, to, (x) => String(x.line!.cp.campaignProductId)), (row) => String(row.campaignProductId));
    const cp = sb.merchant.campaigns[3]!.products[0]!;
    expect(products.message.find((row: Record<string, any>) => row.campaignProductId === cp.campaignProductId)).toMatchObject({ productId: cp.productId, productName: cp.name, campaignId: 4, currencySymbol: 'MX$' });
    const campaigns = await call('transactions/summary', { startDate: from, endDate: to, reportType: 'campaign' });
    expectRows(campaigns.message, oracle(from, to, (x) => String(x.order.campaign.campaignId)), (row) => String(row.campaignId));
    expect(campaigns.message[0]).toMatchObject({ campaignId: 1, campaignName: sb.merchant.campaigns[0]!.name });
    const one = await call('transactions/summary', { startDate: from, endDate: to, reportType: 'campaign', campaignId: '2' });
    expect(one.message).toEqual([campaigns.message.find((row: Record<string, any>) => row.campaignId === 2)]);
    const oneProduct = await call('transactions/summary', { startDate: from, endDate: to, reportType: 'product', campaignProductId: String(cp.campaignProductId) });
    expect(oneProduct.message.map((row: Record<string, any>) => row.campaignProductId)).toEqual([cp.campaignProductId]);
  });

  it('gives percentages of what was attempted, two decimals', async () => {
    const rows = (await call('transactions/summary', { startDate: '2026-01-01', endDate: '2026-06-30', reportType: 'campaign' })).message as Array<Record<string, any>>;
    for (const r of rows) {
      const approved = r.newSaleCnt + r.rebillCnt;
      expect(r.approvedPerc).toBe(formatCents(Math.round((r.newSaleCnt * 10000) / (r.newSaleCnt + r.declinesCnt || 1))));
      expect(r.refundPerc).toBe(approved === 0 ? '0.00' : formatCents(Math.round((r.refundCnt * 10000) / approved)));
      expect(r.totalDeclinePerc).toMatch(/^\d+\.\d{2}$/);
    }
  });

  it('refuses a missing range and a bad reportType, and says "No records" when nothing matches', async () => {
    expect(await call('transactions/summary', {})).toEqual({ result: 'ERROR', message: 'startDate and endDate are required' });
    expect(await call('transactions/summary', { startDate: '01/01/2026', endDate: '01/02/2026', reportType: 'gateway' })).toEqual({ result: 'ERROR', message: 'Invalid value for reportType: gateway' });
    expect(await call('transactions/summary', { startDate: '01/01/2026', endDate: '01/02/2026', dateRangeType: 'dateUpdated' })).toEqual({ result: 'ERROR', message: 'Invalid value for dateRangeType: dateUpdated' });
    expect(await call('transactions/summary', { startDate: '01/01/2010', endDate: '01/02/2010' })).toEqual({ result: 'ERROR', message: 'No records matching those parameters could be found' });
  });
});
