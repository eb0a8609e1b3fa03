/**
 * The CRM retention report's definitions reproduced to the cent (docs/economics.md, "The CRM's Net and
 * CPA"), on both engines: CPA = affiliate commissions of a cycle / approvals of the cycle; Net = Gross -
 * Chargebacks - Refunds - Expenses - Commissions, Expenses = product cost + shipping cost + transaction
 * fees + discount-rate fees. A hand-built account and its costs (entered as a YAML file, as a merchant
 * would), every figure worked out by hand below, against `konduit report summary --margin --basis crm
 * --group-by cycle`'s JSON (the CRM books a chargeback and a refund on the sale's date, in account time).
 *
 * The account (America/New_York, USD; product = 10 + campaign; A's and B's sub-affiliates are A-sub, B-sub):
 *   C1 aff A  camp 1 MID 501  T1 sale Jan 5 100.00 c1 (O1); T2 sale Feb 4 60.00 c2 (O2); T3 refund Feb 10 20.00 of T2
 *   C2 aff B  camp 2 MID 502  T4 sale Jan 10 10:00 80.00 c1 (O4), charged back Feb 15; T5 sale Jan 10 10:01 15.00 c1 (O4, an upsell)
 *   C3 aff B  camp 1 MID 501  T6 sale Jan 20 100.00 c1 (O6); T7 sale Feb 19 60.00 c2 (O7)
 *   C4 none   camp 2 MID 503  T8 sale Jan 25 50.00 c1 (O8); T9 void of T8 the same day
 *   C5 aff A  camp 1 MID 501  T10 declined Jan 30 100.00; T11 sale Jan 30 100.00 c1 (O10)
 *
 * The costs (costs.yaml below):
 *   product 11: cost 12.00, fulfilment 4.50; from Feb 1: 13.00, 4.50
 *   product 12: 8.00, 3.00; in campaign 2 from Jan 15: 7.00, 2.00
 *   MID 501: 3.5% + 0.30, chargeback 20.00, refund 1.50; every other MID: 2.9% + 0.25, chargeback 15.00, refund 0
 *   payouts: A cycle 1 40.00; A's sub-affiliate A-sub cycle 1 from Jan 20 45.00; B cycle 1 25.00, cycle 2 5.00
 *
 * Each event's costs (product + fulfilment + transaction fee + rate fee = expenses; payout; fee):
 *   T1  12.00 + 4.50 + 0.30 + 3.50 (3.5% of 100)            = 20.30; payout A c1 40.00 (A-sub's starts Jan 20)
 *   T2  13.00 + 4.50 + 0.30 + 2.10 (3.5% of 60)             = 19.90; no payout for A at cycle 2
 *   T3  refund fee 1.50
 *   T4   8.00 + 3.00 + 0.25 + 2.32 (2.9% of 80)             = 13.57; payout B c1 25.00 (the first sale of O4)
 *   T4's chargeback: chargeback fee 15.00 (MID 502: every other MID's)
 *   T5   8.00 + 3.00 + 0.25 + 0.44 (2.9% of 15 = 0.435, half away from zero) = 11.69; O4's payout is T4's
 *   T6  12.00 + 4.50 + 0.30 + 3.50                          = 20.30; payout B c1 25.00
 *   T7  13.00 + 4.50 + 0.30 + 2.10                          = 19.90; payout B c2 5.00
 *   T8   7.00 + 2.00 + 0.25 + 1.45 (2.9% of 50; campaign 2's own rate) = 10.70; no affiliate, no payout
 *   T9, T10: nothing (a void, a decline)
 *   T11 12.00 + 4.50 + 0.30 + 3.50                          = 20.30; payout A-sub c1 45.00
 *
 * CRM basis, 2025-01-01 to 2025-02-28, by cycle:
 *   cycle 1: Gross 100 + 80 + 15 + 100 + 50 + 100 = 445.00; Chargebacks 80.00 (T4's, on Jan 10); Refunds 50.00 (T9);
 *            Expenses 20.30 + 13.57 + 11.69 + 20.30 + 10.70 + 20.30 = 96.86; Commissions 40 + 25 + 25 + 45 = 135.00;
 *            Net = 445.00 - 80.00 - 50.00 - 96.86 - 135.00 = 83.14; approvals O1, O4, O6, O8, O10 = 5; CPA 135.00 / 5 = 27.00;
 *            fees 15.00, so margin 83.14 - 15.00 = 68.14
 *   cycle 2: Gross 60 + 60 = 120.00; Chargebacks 0; Refunds 20.00; Expenses 19.90 + 19.90 = 39.80; Commissions 5.00;
 *            Net = 120.00 - 0 - 20.00 - 39.80 - 5.00 = 55.20; approvals O2, O7 = 2; CPA 5.00 / 2 = 2.50; fees 1.50, margin 53.70
 *   total:   Gross 565.00, Chargebacks 80.00, Refunds 70.00, Expenses 136.66, Commissions 140.00, Net 138.34, approvals 7,
 *            CPA 140.00 / 7 = 20.00, fees 16.50, margin 121.84
 * Event basis, January 2025: T4's chargeback and its fee are February's, T2, T3 and T7 too: Gross 445.00, Refunds 50.00,
 *   Chargebacks 0, Expenses 96.86, Commissions 135.00, Net 163.14, fees 0, margin 163.14.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCostFile } from '../costs/apply.js';
import { parseReportQuery } from '../report/query.js';
import { runReport } from '../report/run.js';
import type { ReportJson } from '../report/json.js';
import type { Store } from '../store/store.js';
import { ledgerOf, NY, openEngine, type HandTxn } from '../../test/golden-ledger.js';

const TXNS: HandTxn[] = [
  { id: 1, cust: 1, type: 'SALE', wall: '2025-01-05 10:00:00', cents: 10000, order: 'O1', purchase: 'P1', camp: 1, aff: 'A', mid: 501 },
  { id: 2, cust: 1, type: 'SALE', wall: '2025-02-04 10:00:00', cents: 6000, cycle: 2, order: 'O2', purchase: 'P1', camp: 1, aff: 'A', mid: 501 },
  { id: 3, cust: 1, type: 'REFUND', wall: '2025-02-10 09:00:00', cents: 2000, cycle: 2, order: 'O2', purchase: 'P1', camp: 1, aff: 'A', mid: 501, parent: 2 },
  { id: 4, cust: 2, type: 'SALE', wall: '2025-01-10 10:00:00', cents: 8000, order: 'O4', camp: 2, aff: 'B', mid: 502, cb: '2025-02-15' },
  { id: 5, cust: 2, type: 'SALE', wall: '2025-01-10 10:01:00', cents: 1500, order: 'O4', camp: 2, aff: 'B', mid: 502 },
  { id: 6, cust: 3, type: 'SALE', wall: '2025-01-20 10:00:00', cents: 10000, order: 'O6', purchase: 'P6', camp: 1, aff: 'B', mid: 501 },
  { id: 7, cust: 3, type: 'SALE', wall: '2025-02-19 10:00:00', cents: 6000, cycle: 2, order: 'O7', purchase: 'P6', camp: 1, aff: 'B', mid: 501 },
  { id: 8, cust: 4, type: 'SALE', wall: '2025-01-25 10:00:00', cents: 5000, order: 'O8', camp: 2, mid: 503 },
  { id: 9, cust: 4, type: 'VOID', wall: '2025-01-25 11:00:00', cents: 5000, order: 'O8', camp: 2, mid: 503, parent: 8 },
  { id: 10, cust: 5, type: 'SALE', ok: false, wall: '2025-01-30 10:00:00', cents: 10000, order: 'O10', camp: 1, aff: 'A', mid: 501 },
  { id: 11, cust: 5, type: 'SALE', wall: '2025-01-30 10:05:00', cents: 10000, order: 'O10', camp: 1, aff: 'A', mid: 501 },
];

const COSTS_YAML = `
products:
  - { product: 11, cost: 12.00, fulfilment: 4.50 }
  - { product: 11, from: 2025-02-01, cost: 13.00, fulfilment: 4.50 }
  - { product: 12, cost: 8.00, fulfilment: 3.00 }
  - { product: 12, campaign: 2, from: 2025-01-15, cost: 7.00, fulfilment: 2.00 }
processing:
  - { mid: 501, rate: 3.5%, fixed: 0.30, chargeback: 20.00, refund: 1.50 }
  - { mid: '*', rate: 2.9, fixed: 0.25, chargeback: 15.00, refund: 0 }
payouts:
  - { affiliate: A, cycle: 1, cpa: 40.00 }
  - { affiliate: A, subaffiliate: A-sub, cycle: 1, from: 2025-01-20, cpa: 45.00 }
  - { affiliate: B, cycle: 1, cpa: 25.00 }
  - { affiliate: B, cycle: 2, cpa: 5.00 }
`;

const WHO = { actor: 'test', via: 'cli' as const, origin: 'costs.yaml' };

async function summary(store: Store, params: Record<string, string>): Promise<ReportJson['summary']> {
  const parsed = parseReportQuery('summary', { tz: NY, margin: 'true', ...params }, { surface: 'api', connections: await store.listConnections(), defaultTz: NY });
  const r = await runReport(store, parsed);
  if (r.name !== 'summary') throw new Error(r.name);
  return r.body;
}

for (const engine of ['duckdb', 'postgres'] as const) {
  describe(`the CRM's Net and CPA, by hand (${engine})`, () => {
    let store: Store;
    let dispose: () => Promise<void>;
    let cid: string;
    beforeAll(async () => {
      ({ store, dispose, cid } = await openEngine(engine, 'shop'));
      const { rows, events } = ledgerOf(TXNS, NY);
      await store.writePages([{ connectionId: cid, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } }]);
      const conn = (await store.listConnections())[0]!;
      const r = await importCostFile(store, conn, Buffer.from(COSTS_YAML), { file: 'costs.yaml' }, WHO);
      expect(r.result?.kinds).toMatchObject({ products: { inserted: 4 }, processing: { inserted: 2 }, payouts: { inserted: 4 } });
    }, 120_000);
    afterAll(() => dispose());

    it('books each event\'s costs as worked out above', async () => {
      const rows = await store.readRows('cost_events', cid);
      const got = Object.fromEntries(rows.map((r) => [r.event_id, [r.product_cents, r.fulfilment_cents, r.txn_fee_cents, r.rate_fee_cents, r.refund_fee_cents, r.chargeback_fee_cents, r.payout_cents, r.amount_cents]]));
      expect(got).toEqual({
        'sale:1': [1200, 450, 30, 350, null, null, 4000, -6030],
        'sale:2': [1300, 450, 30, 210, null, null, null, -1990],
        'refund:3': [null, null, null, null, 150, null, null, -150],
        'sale:4': [800, 300, 25, 232, null, null, 2500, -3857],
        'chargeback:4': [null, null, null, null, null, 1500, null, -1500],
        'sale:5': [800, 300, 25, 44, null, null, null, -1169],
        'sale:6': [1200, 450, 30, 350, null, null, 2500, -4530],
        'sale:7': [1300, 450, 30, 210, null, null, 500, -2490],
        'sale:8': [700, 200, 25, 145, null, null, null, -1070],
        'sale:11': [1200, 450, 30, 350, null, null, 4500, -6530],
      });
    });

    it('reproduces Gross, Chargebacks, Refunds, Expenses, Commissions, Net and CPA per cycle on the CRM basis', async () => {
      const b = await summary(store, { from: '2025-01-01', to: '2025-02-28', basis: 'crm', groupBy: 'cycle' });
      const cycle = (n: string) => {
        const g = b.groups.find((x) => x.group === n)!;
        const f = g.figures;
        const m = g.margin!;
        return {
          gross: f.grossRevenue.current, chargebacks: f.chargebacks.current, refunds: String((Number(f.refunds.current) - Number(f.chargebacks.current)).toFixed(2)),
          expenses: m.expenses.current, commissions: m.commissions.current, net: m.crmNet.current, approvals: m.approvals.current, cpa: m.cpa.current, fees: m.fees.current, margin: m.margin.current,
        };
      };
      expect(cycle('1')).toEqual({ gross: '445.00', chargebacks: '80.00', refunds: '50.00', expenses: '96.86', commissions: '135.00', net: '83.14', approvals: 5, cpa: '27.00', fees: '15.00', margin: '68.14' });
      expect(cycle('2')).toEqual({ gross: '120.00', chargebacks: '0.00', refunds: '20.00', expenses: '39.80', commissions: '5.00', net: '55.20', approvals: 2, cpa: '2.50', fees: '1.50', margin: '53.70' });
      const t = b.margin!;
      expect([b.total.grossRevenue.current, b.total.chargebacks.current, b.total.refunds.current, t.expenses.current, t.commissions.current, t.crmNet.current, t.approvals.current, t.cpa.current, t.fees.current, t.margin.current])
        .toEqual(['565.00', '80.00', '150.00', '136.66', '140.00', '138.34', 7, '20.00', '16.50', '121.84']);
      // Expenses broken down, as the CRM's expenseDetails lists them: product 12 + 13 + 8 + 8 + 12 + 13 + 7 + 12 = 85.00;
      // fulfilment 4.50 x 5 + 3.00 x 2 + 2.00 = 30.50; transaction fees 0.30 x 5 + 0.25 x 3 = 2.25;
      // rate fees 3.50 + 2.10 + 2.32 + 0.44 + 3.50 + 2.10 + 1.45 + 3.50 = 18.91; 85.00 + 30.50 + 2.25 + 18.91 = 136.66.
      expect([t.productCosts.current, t.fulfilment.current, t.transactionFees.current, t.rateFees.current]).toEqual(['85.00', '30.50', '2.25', '18.91']);
      expect(b.warnings).toEqual([]);
    });

    it('books a chargeback and its fee in its own month on the event basis', async () => {
      const b = await summary(store, { from: '2025-01-01', to: '2025-01-31' });
      const m = b.margin!;
      expect([b.total.grossRevenue.current, b.total.refunds.current, b.total.chargebacks.current, m.expenses.current, m.commissions.current, m.crmNet.current, m.fees.current, m.margin.current])
        .toEqual(['445.00', '50.00', '0.00', '96.86', '135.00', '163.14', '0.00', '163.14']);
    });

    it('derives the same costs whether the rates come before or after the transactions, and drops them with the rates', async () => {
      const before = await store.readRows('cost_events', cid);
      const other = await openEngine(engine, 'shop');
      try {
        const conn = (await other.store.listConnections())[0]!;
        await importCostFile(other.store, conn, Buffer.from(COSTS_YAML), { file: 'costs.yaml' }, WHO);
        const { rows, events } = ledgerOf(TXNS, NY);
        // Deferred facts, as a sync writes: the cost rows follow when the run refreshes them.
        await other.store.writePages([{ connectionId: other.cid, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } }], { deferFacts: true });
        await other.store.refreshDirtyFacts(other.cid);
        const strip = (rs: typeof before) => rs.map(({ connection_id: _, ...r }) => r);
        expect(strip(await other.store.readRows('cost_events', other.cid))).toEqual(strip(before));
        await other.store.applyCostChanges(other.cid, { replace: ['products', 'processing', 'payouts'] }, WHO);
        expect(await other.store.readRows('cost_events', other.cid)).toEqual([]);
      } finally {
        await other.dispose();
      }
    });

    it('keeps every change with who made it; importing the same file again changes nothing', async () => {
      const conn = (await store.listConnections())[0]!;
      const again = await importCostFile(store, conn, Buffer.from(COSTS_YAML), { file: 'costs.yaml' }, { ...WHO, actor: 'someone else' });
      expect(again.result?.changes).toBe(0);
      const log = await store.costChanges(cid);
      expect(log).toHaveLength(10);
      expect(new Set(log.map((c) => c.actor))).toEqual(new Set(['test']));
      expect(log.find((c) => c.kind === 'processing' && c.item.mid === null)).toMatchObject({ via: 'cli', origin: 'costs.yaml', before: null, after: { rate: '2.9%', fixed: '0.25', chargeback: '15.00', refund: '0.00' } });
    });

    it('gives the acquisition economics worked out in docs/metrics.md ("Unit economics", worked example)', async () => {
      const conn = (await store.listConnections())[0]!;
      // Spend against affiliates A and B; February's is outside the range and counts nowhere.
      const spend = 'day,source,spend\n2025-01-03,affiliate:A,50.00\n2025-01-17,affiliate:A,40.00\n2025-01-08,affiliate:B,120.00\n2025-02-02,affiliate:A,30.00\n';
      await importCostFile(store, conn, Buffer.from(spend), { file: 'spend.csv' }, WHO);
      const parsed = parseReportQuery('economics', { from: '2025-01-01', to: '2025-01-31', tz: NY, source: 'affiliate', horizons: '1,30,60', asOf: '2025-06-01' }, { surface: 'api', connections: await store.listConnections(), defaultTz: NY });
      const r = await runReport(store, parsed);
      if (r.name !== 'economics') throw new Error(r.name);
      const cell = (value: string, ltvToCac: number | null) => ({ value, complete: true, projected: false, ltvToCac });
      const roas = (r7: number | null, r30: number | null, r90: number | null) => ({ 7: { value: r7, complete: true }, 30: { value: r30, complete: true }, 90: { value: r90, complete: true } });
      const want = {
        // A: C1 (Jan 5) and C5 (Jan 30). Day 1: 39.70 + 34.70 = 74.40; T2 falls exactly 30 x 24 h after T1, so day 30 is
        // still 74.40; day 60 adds T2's 40.10 and T3's -21.50: 93.00 = 46.50 a customer >= CAC 90.00 / 2 = 45.00.
        'shop:A': { customers: 2, spend: '90.00', cac: '45.00', ltv: { 1: cell('37.20', 0.826667), 30: cell('37.20', 0.826667), 60: cell('46.50', 1.033333) },
          payback: { day: 60, projected: false }, paybackStatus: 'reached', paybackThrough: 60, roas: roas(2.222222, 2.222222, 2.666667), marginToDate: '93.00', revenueToDate: '240.00' },
        // B: C2 (Jan 10) and C3 (Jan 20). Day 1: 41.43 + 3.31 + 54.70 = 99.44; day 60: T4's chargeback and its fee (-95.00)
        // and T7 (35.10): 39.54 = 19.77 a customer, below CAC 60.00 at every horizon.
        'shop:B': { customers: 2, spend: '120.00', cac: '60.00', ltv: { 1: cell('49.72', 0.828667), 30: cell('49.72', 0.828667), 60: cell('19.77', 0.3295) },
          payback: null, paybackStatus: 'not_reached', paybackThrough: 60, roas: roas(1.625, 1.625, 1.458333), marginToDate: '39.54', revenueToDate: '175.00' },
        // No affiliate: C4, whose sale was voided; its costs stay: -10.70. No spend, so no CAC.
        'shop:(none)': { customers: 1, spend: null, cac: null, ltv: { 1: cell('-10.70', null), 30: cell('-10.70', null), 60: cell('-10.70', null) },
          payback: null, paybackStatus: 'no_spend', paybackThrough: 60, roas: roas(null, null, null), marginToDate: '-10.70', revenueToDate: '0.00' },
      };
      expect(r.body.sources.map((x) => [x.group, x.rank])).toEqual([['shop:A', 1], ['shop:B', 2], ['shop:(none)', 3]]);
      for (const x of r.body.sources) {
        expect({ ...x.total, cohort: undefined, start: undefined }, x.group).toEqual({ ...want[x.group as keyof typeof want], cohort: undefined, start: undefined });
        expect(x.cohorts, x.group).toEqual([{ ...x.total, cohort: '2025-01', start: '2025-01-01' }]);
      }
    });
  });
}
