/**
 * refund_sales (store/refund-sales.ts, migration 32): each refund, void and chargeback with the instant the
 * CRM basis books it at, kept at write time, and reconciliation's kept path that reads it by range, on both
 * engines, on awkward writes: refunds stored before their parent, re-parented, their events taken away, a
 * parent whose date_created changed, an orphan refund, a chargeback on a declined attempt (no sale event:
 * chargeback_sales has no sale for it, the CRM basis books it on the attempt's date), a chargeback the CRM
 * cleared (reversal booked), campaigns filled by the attribution at the refresh, two currencies, the
 * account in New York and the viewer in Noumea (15 hours ahead in the northern summer). The kept table
 * equals its rebuild and its definition (bookedSql's `at`, counted here), and reconcile's kept path
 * equals its ledger path (the store told its tables are behind).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventKind, MoneyEvent } from '../ledger/index.js';
import type { PageRow, Row, TRANSACTIONS, ORDERS } from '../store/tables.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { bookedSql } from './sql.js';
import { reconcile } from './reconcile.js';

const ACCOUNT = 'America/New_York';
const VIEWER = 'Pacific/Noumea';
const SALES = 80;
const FIRST = Date.UTC(2025, 2, 1, 3, 41);
const STEP = 29 * 3_600_000 + 13 * 60_000;
const DAY = 86_400_000;

type Txn = PageRow<typeof TRANSACTIONS>;
type Order = PageRow<typeof ORDERS>;

const currencyOf = (k: number) => (k % 2 === 0 ? 'EUR' : 'USD');

function txn(id: number, k: number, over: Partial<Txn>): Txn {
  return {
    transaction_id: id, order_id: `O${k}`, customer_id: 1 + (k % 11), purchase_id: null, parent_txn_id: null, txn_type: 'SALE', response_type: 'SUCCESS', total_cents: 0,
    billing_cycle: 1, merchant_id: 100 + (k % 2), campaign_id: 1 + (k % 3), product_id: 2, aff_id: null, source_value1: null, is_chargedback: false, chargeback_cents: null, chargeback_date: null,
    card_bin: null, card_last4: null, date_created: FIRST, date_updated: FIRST, raw: '{}', currency: currencyOf(k), card_type: null, ...over,
  };
}

function event(txnId: number, k: number, kind: EventKind, instant: number, cents: number, campaign: number | null = 1 + (k % 3)): MoneyEvent {
  return {
    event_id: `${kind}:${txnId}`, kind, transaction_id: txnId, instant, amount_cents: cents, customer_id: 1 + (k % 11), order_id: `O${k}`, purchase_id: null, campaign_id: campaign, product_id: 2,
    aff_id: null, source_value1: null, merchant_id: 100 + (k % 2), billing_cycle: 1, is_initial: true, currency: currencyOf(k), coupon_code: null, attribution: null,
    card_brand: 'VISA', card_bin: null, reason: null, recycle_number: 0,
  };
}

const saleAt = (k: number) => FIRST + k * STEP;
const movedAt = (k: number) => saleAt(k) + 3 * DAY + 5 * 3_600_000;
const cents = (k: number) => 1900 + 13 * k;

/** The store as if its kept tables were behind the ledger: reconcile then reads the ledger alone. */
function behind(store: Store): Store {
  return new Proxy(store, {
    get: (t, k) => (k === 'aggregatesBehind' ? async () => true : typeof (t as never)[k] === 'function' ? ((t as never)[k] as (...a: unknown[]) => unknown).bind(t) : (t as never)[k]),
  });
}

describe.each(['duckdb', 'postgres'] as const)('refund_sales and reconcile\'s kept path on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  let conn: string;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'refund-sales'));
    const c = await store.saveConnection({ name: 'ny', brand: 'konnektive', baseUrl: 'http://127.0.0.1:1', loginId: 'u', password: 'p', accountName: 'ny', accountUsername: 'o', timezone: ACCOUNT, frequency: 'daily' });
    conn = c.connectionId;
    const write = (rows: Txn[], events: MoneyEvent[]) => store.writePages([{ connectionId: conn, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => r.transaction_id), events } }]);
    const ks = Array.from({ length: SALES }, (_, k) => k + 1);
    const refunded = ks.filter((k) => k % 3 !== 2);
    const refund = (k: number, parent = k, campaign: number | null = 1 + (k % 3)) =>
      [txn(1000 + k, k, { parent_txn_id: parent, txn_type: 'REFUND', total_cents: -(200 + k), date_created: saleAt(k) + (2 + (k % 40)) * DAY }), event(1000 + k, k, 'refund', saleAt(k) + (2 + (k % 40)) * DAY + (k % 7) * 3_600_000, -(200 + k), campaign)] as const;
    const pages = (list: (readonly [Txn, MoneyEvent])[]) => [list.map(([t]) => t), list.map(([, e]) => e)] as const;
    // 1. Refunds before their parents (every other one; some without a campaign until their order is stored).
    await write(...pages(refunded.filter((k) => k % 2 === 0).map((k) => refund(k, k, k % 5 === 0 ? null : 1 + (k % 3)))));
    // 2. The sales; chargebacks on every fourth, dated 5 to 50 days later.
    const sale = (k: number, at = saleAt(k), cb = k % 4 === 0) =>
      [txn(k, k, { total_cents: cents(k), date_created: at, is_chargedback: cb, chargeback_cents: cb ? cents(k) : null }),
        [event(k, k, 'sale', at, cents(k)), ...(cb ? [event(k, k, 'chargeback', at + (5 + (k % 46)) * DAY, -cents(k))] : [])]] as const;
    const salePage = (list: ReturnType<typeof sale>[]) => [list.map(([t]) => t), list.flatMap(([, e]) => e)] as const;
    await write(...salePage(ks.map((k) => sale(k))));
    // 3. The other refunds after their parents; voids of every seventh sale; an orphan refund (its parent never stored).
    await write(...pages(refunded.filter((k) => k % 2 === 1).map((k) => refund(k))));
    await write(ks.filter((k) => k % 7 === 0).map((k) => txn(2000 + k, k, { parent_txn_id: k, txn_type: 'VOID', total_cents: -60, date_created: saleAt(k) + 3_600_000 })), ks.filter((k) => k % 7 === 0).map((k) => event(2000 + k, k, 'void', saleAt(k) + 3_600_000, -60 - k)));
    await write([txn(5000, 5, { parent_txn_id: 4999, txn_type: 'REFUND', total_cents: -77, date_created: saleAt(30) })], [event(5000, 5, 'refund', saleAt(30), -77)]);
    // 4. Re-parented refunds (to the next sale); refunds whose events are taken away.
    await write(...pages(refunded.filter((k) => k % 8 === 1).map((k) => refund(k, k + 1))));
    const gone = refunded.filter((k) => k % 10 === 3);
    await write(gone.map((k) => txn(1000 + k, k, { parent_txn_id: k, txn_type: 'REFUND' })), []);
    // 5. Parents whose date_created changed (the sale moves, its refunds' booked day with it).
    await write(...salePage(ks.filter((k) => k % 6 === 1).map((k) => sale(k, movedAt(k)))));
    // 6. A chargeback the CRM cleared (the writer keeps it and books a reversal); chargebacks on declined attempts.
    const cleared = ks.filter((k) => k % 4 === 0 && k % 3 === 0);
    await write(cleared.map((k) => txn(k, k, { total_cents: cents(k), date_created: saleAt(k), date_updated: saleAt(k) + 60 * DAY })), cleared.map((k) => event(k, k, 'sale', saleAt(k), cents(k))));
    const declined = [9, 26, 41];
    await write(
      declined.map((k) => txn(3000 + k, k, { response_type: 'DECLINE', total_cents: cents(k), date_created: saleAt(k) + 7_200_000, is_chargedback: true })),
      declined.flatMap((k) => [event(3000 + k, k, 'decline', saleAt(k) + 7_200_000, cents(k)), event(3000 + k, k, 'chargeback', saleAt(k) + 20 * DAY, -cents(k))]),
    );
    // 7. The orders, with their campaigns: the refresh's attribution gives the refunds without one theirs.
    const orders: Order[] = ks.map((k) => ({ order_id: `O${k}`, customer_id: 1 + (k % 11), order_status: 'COMPLETE', order_type: 'NEW_SALE', total_cents: cents(k), campaign_id: 1 + (k % 3), product_id: 2, aff_id: null, source_value1: null, merchant_id: null, date_created: saleAt(k), date_updated: saleAt(k), raw: '{}', currency: currencyOf(k), coupon_code: null, campaign_product_id: null, utm_source: null }) as unknown as Order);
    await store.writePages([{ connectionId: conn, table: 'orders', rows: orders }]);
    await store.refreshDirtyFacts(conn);
    expect(await store.aggregatesBehind()).toBe(false);
  }, 180_000);
  afterAll(async () => {
    await dispose?.();
  });

  it('keeps refund_sales equal to its rebuild and to the CRM basis\'s instant (bookedSql), campaigns filled', async () => {
    const read = async () => (await store.readRows('refund_sales', conn)).map((x: Row) => JSON.stringify(x)).sort();
    const kept = await read();
    const rows = await store.query(
      `SELECT b.event_id, b.kind, ${store.sql.epochMs('b.at')} AS at, b.campaign_id FROM ${bookedSql('money_events', 'kind', 'crm')} b WHERE b.connection_id = $1 AND b.kind IN ('refund', 'void', 'chargeback') ORDER BY 1`,
      [conn],
    );
    const mine = (await store.readRows('refund_sales', conn)).map((r) => ({ event_id: r.event_id, kind: r.kind, at: Number(r.booked_at), campaign_id: r.campaign_id })).sort((a, b) => (String(a.event_id) < String(b.event_id) ? -1 : 1));
    expect(mine).toEqual(rows.map((r) => ({ event_id: r.event_id, kind: r.kind, at: Number(r.at), campaign_id: r.campaign_id })));
    // The awkward cases are there: refunds booked on a parent stored after them, on a moved sale, on a new parent; a chargeback on a declined attempt.
    const by = new Map(mine.map((r) => [String(r.event_id), r]));
    expect(by.get('refund:1004')?.at).toBe(saleAt(4));
    expect(by.get('refund:1001')?.at).toBe(saleAt(2));
    expect(by.get('refund:1012')?.at).toBe(saleAt(12));
    expect(by.get('refund:1007')?.at).toBe(movedAt(7));
    expect(by.get('refund:1013')).toBeUndefined();
    expect(by.get('refund:5000')?.at).toBe(saleAt(30));
    expect(by.get('chargeback:3009')?.at).toBe(saleAt(9) + 7_200_000);
    expect(by.get('refund:1010')?.campaign_id).toBe(2);
    expect((await store.readRows('refund_sales', conn)).filter((r) => r.cleared === true).map((r) => r.event_id).sort()).toEqual(['chargeback:12', 'chargeback:24', 'chargeback:36', 'chargeback:48', 'chargeback:60', 'chargeback:72']);
    await store.rebuildAggregates(conn);
    expect(await read()).toEqual(kept);
  });

  it.each([
    ['2025-03-01', '2025-03-31', VIEWER],
    ['2025-04-10', '2025-05-20', ACCOUNT],
    ['2025-03-15', '2025-03-15', VIEWER],
    ['2025-01-01', '2025-12-31', VIEWER],
  ] as const)('reconcile from %s to %s, viewer %s: the kept path equals the ledger path', async (from, to, viewer) => {
    const q = { connectionId: conn, from, to, accountZone: ACCOUNT, viewerZone: viewer, crmDays: [], crmCampaigns: [], changed: [], quarantined: [], coverageFrom: null, asOf: null };
    const kept = await reconcile(store, q);
    expect(kept).toEqual(await reconcile(behind(store), q));
    // (One day: the campaign lines from the ledger's edges alone, no whole UTC day of breakdown_days.)
    if (from === to) return;
    expect(kept.days.some((l) => l.konduit.refunds.count > 0 && l.currency === 'EUR') && kept.days.some((l) => l.konduit.refunds.count > 0 && l.currency === 'USD')).toBe(true);
    expect(kept.moveCounts.booked_on_sale_date).toBeGreaterThan(0);
  });
});
