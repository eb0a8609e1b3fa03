/**
 * MID health through the store, at the programs' thresholds, on both engines (docs/metrics.md, "MID
 * health"): Mastercard's count minimum (100 chargebacks, not 99) and its two consecutive months for ECM,
 * Visa's VAMP threshold before and after 1 April 2026 (with a count minimum lowered by a programs file,
 * so the test needs hundreds of events rather than 100,000), and one chargeback in 49 sales labelled by
 * neither. Each case is a ledger written event by event; the expected labels follow from the programs'
 * definitions by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crmWallToInstant } from '../core/time.js';
import type { MoneyEvent } from '../ledger/index.js';
import type { Store } from '../store/store.js';
import { midReport } from './mids.js';
import { parsePrograms } from './programs.js';
import { openTestStore } from '../../test/stores.js';

const NY = 'America/New_York';
let next = 1;

/** `n` events of a kind on a MID and network in a month (account time), spread over its first 28 days. */
function events(kind: 'sale' | 'chargeback', n: number, mid: number, brand: string, month: string, onDay?: number): MoneyEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const id = next++;
    const day = String(onDay ?? (i % 28) + 1).padStart(2, '0');
    return {
      event_id: `${kind}:${id}`, kind, transaction_id: id, instant: crmWallToInstant(`${month}-${day} 12:00:00`, NY) ?? 0, amount_cents: kind === 'sale' ? 1000 : -1000,
      customer_id: id, order_id: `O${id}`, purchase_id: null, campaign_id: 1, product_id: 1, aff_id: null, source_value1: null, merchant_id: mid, billing_cycle: 1, is_initial: true,
      currency: 'USD', coupon_code: null, attribution: null, card_brand: brand, card_bin: brand === 'VISA' ? '411111' : '511111', reason: kind === 'chargeback' ? (brand === 'VISA' ? '13.1' : '4853') : null, recycle_number: 0,
    };
  });
}

describe.each(['duckdb', 'postgres'] as const)('MID health at the programs\' thresholds, on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let connectionId: string;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'mid-programs'));
    const c = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: NY, frequency: 'daily' });
    const evs = [
      // MID 1: 4,000 Mastercard sales in January and February, 100 chargebacks in February and in March
      // (2.5% of the month before's sales): February meets ECM once (CMM), March a second time (ECM).
      ...events('sale', 4000, 1, 'MASTERCARD', '2025-01'), ...events('sale', 4000, 1, 'MASTERCARD', '2025-02'),
      ...events('chargeback', 100, 1, 'MASTERCARD', '2025-02'), ...events('chargeback', 100, 1, 'MASTERCARD', '2025-03'),
      // MID 2: the same, but 99 chargebacks in March: the count falls short, the run of months breaks.
      ...events('sale', 4000, 2, 'MASTERCARD', '2025-01'), ...events('sale', 4000, 2, 'MASTERCARD', '2025-02'),
      ...events('chargeback', 100, 2, 'MASTERCARD', '2025-02'), ...events('chargeback', 99, 2, 'MASTERCARD', '2025-03'),
      // MID 3: 20 Visa disputes in 1,000 Visa sales (2.0%) in March and in April 2026.
      ...events('sale', 1000, 3, 'VISA', '2026-03'), ...events('chargeback', 20, 3, 'VISA', '2026-03'),
      ...events('sale', 1000, 3, 'VISA', '2026-04'), ...events('chargeback', 20, 3, 'VISA', '2026-04'),
      // MID 4: one chargeback in 49 sales, on each network, months running.
      ...events('sale', 49, 4, 'VISA', '2026-04'), ...events('chargeback', 1, 4, 'VISA', '2026-04'),
      ...events('sale', 49, 4, 'MASTERCARD', '2026-04'), ...events('sale', 49, 4, 'MASTERCARD', '2026-05'), ...events('chargeback', 1, 4, 'MASTERCARD', '2026-05'),
      ...events('sale', 49, 4, 'VISA', '2026-05'), ...events('chargeback', 1, 4, 'VISA', '2026-05'),
      // MID 5: 20 sales and 2 chargebacks on 1 July 2026, the month running.
      ...events('sale', 20, 5, 'VISA', '2026-07', 1), ...events('chargeback', 2, 5, 'VISA', '2026-07', 1),
    ];
    const pages = [];
    for (let i = 0; i < evs.length; i += 2000) {
      const page = evs.slice(i, i + 2000);
      pages.push({ connectionId: c.connectionId, table: 'transactions' as const, rows: page.map((e) => ({ transaction_id: e.transaction_id, customer_id: e.customer_id })), ledger: { transactionIds: page.map((e) => e.transaction_id), events: page } });
    }
    // MID health reads the ledger alone: the facts and pre-aggregates can wait (a backfill's write path).
    await store.writePages(pages, { deferRebuild: true });
    connectionId = c.connectionId;
  });
  afterAll(async () => dispose());

  const now = Date.parse('2027-01-01T00:00:00Z');
  const report = (from: string, to: string, programs?: ReturnType<typeof parsePrograms>) => midReport(store, { from, to, tz: 'Pacific/Auckland', currency: 'USD', now, programs });
  const row = (r: Awaited<ReturnType<typeof report>>, mid: string, month: string) => r.rows.find((x) => x.mid === mid && x.month === month)!;

  it('Mastercard: 100 chargebacks in two consecutive months is ECM; 99 in the second is nothing', async () => {
    const r = await report('2025-02-01', '2025-03-31');
    const mc = (mid: string, month: string) => {
      const m = row(r, mid, month).mastercard;
      return [m.previousMonthSales, m.chargebacks, m.ratio, m.meets, m.status];
    };
    expect(mc('1', '2025-02')).toEqual([4000, 100, 0.025, ['CMM', 'ECM'], 'CMM']);
    expect(mc('1', '2025-03')).toEqual([4000, 100, 0.025, ['CMM', 'ECM'], 'ECM']);
    expect(mc('2', '2025-02')).toEqual([4000, 100, 0.025, ['CMM', 'ECM'], 'CMM']);
    expect(mc('2', '2025-03')).toEqual([4000, 99, 0.02475, [], 'none']);
    // The viewer in Auckland sees the account's months: every chargeback on its New York date.
    expect(r.rows.every((x) => x.zone === NY)).toBe(true);
  });

  it('Visa VAMP: the same 2.0% is below in March 2026 and excessive from April 2026 (with the count minimum met)', async () => {
    // The published minimum is 1,500 fraud reports and disputes; this file lowers it to 20 and keeps the dates and ratios.
    const programs = parsePrograms({ visa: { merchant: [{ from: '2025-04-01', ratio: 2.2, minCount: 20 }, { from: '2026-04-01', regions: ['US', 'CA', 'EU', 'AP'], ratio: 1.5, minCount: 20 }] } }, 'test');
    const r = await report('2026-03-01', '2026-04-30', programs);
    expect([row(r, '3', '2026-03').visa, row(r, '3', '2026-04').visa].map((v) => [v.sales, v.disputes, v.ratio, v.threshold?.ratio, v.status])).toEqual([
      [1000, 20, 0.02, 0.022, 'below'],
      [1000, 20, 0.02, 0.015, 'excessive'],
    ]);
    // With the published minimum, 20 disputes label nothing.
    expect(row(await report('2026-04-01', '2026-04-30'), '3', '2026-04').visa.status).toBe('below');
    // Raise the count by one above what the month has: below again.
    const strict = parsePrograms({ visa: { merchant: [{ from: '2026-04-01', ratio: 1.5, minCount: 21 }] } }, 'test');
    expect(row(await report('2026-04-01', '2026-04-30', strict), '3', '2026-04').visa.status).toBe('below');
  });

  it('one chargeback in 49 sales is labelled by neither program', async () => {
    const r = await report('2026-04-01', '2026-05-31');
    const may = row(r, '4', '2026-05');
    expect([may.visa.ratio, may.visa.status, may.mastercard.ratio, may.mastercard.status]).toEqual([1 / 49, 'below', 1 / 49, 'none']);
    expect(row(r, '4', '2026-04').visa).toMatchObject({ ratio: 1 / 49, status: 'below' });
  });

  it('an alert rule judges the running month on its figures so far until a fifth of it has passed, then on its projection', async () => {
    await store.setMidAlertRule({ connectionId, mid: '5', metric: 'total', thresholdPpm: 50_000, minCount: 5 });
    const at = (wall: string) => crmWallToInstant(wall, NY) ?? 0;
    const july = async (asOf: number) => row(await midReport(store, { from: '2026-07-01', to: '2026-07-31', tz: NY, currency: 'USD', asOfs: new Map([[connectionId, asOf]]) }), '5', '2026-07');
    // 2 July 09:00: 4% of July has passed. Projected, 2 chargebacks are 44; so far they are 2, under the rule's 5.
    const early = await july(at('2026-07-02 09:00:00'));
    expect([early.projected, early.chargebacks, early.actual?.chargebacks, early.alert?.firing]).toEqual([true, Math.round(2 / early.actual!.elapsed), 2, false]);
    // 8 July 09:00: a fifth has passed; the projection (8 of 83 sales, 9.6%) reaches 5% with 5 or more.
    const later = await july(at('2026-07-08 09:00:00'));
    expect(later.actual!.elapsed).toBeGreaterThan(0.2);
    expect([later.chargebacks, later.alert?.firing]).toEqual([Math.round(2 / later.actual!.elapsed), true]);
    expect(later.chargebacks).toBeGreaterThanOrEqual(5);
    await store.removeMidAlertRule(connectionId, '5');
  });
});
