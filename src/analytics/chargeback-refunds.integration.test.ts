/**
 * The chargebacks report's kept path (chargeback_sales with its sale's instant and, since migration 23,
 * the refunds of its sale; days from sale and cohorts by offsets computed in JS) against its ledger path
 * and a count made here from the definitions, in accounts 15 hours apart (Tokyo, Chicago, whose daylight
 * saving starts inside the data): refund children written before and after their parent's chargeback,
 * changed and taken away again, must leave the kept table equal to its rebuild. And the reports that read
 * attempt_days' whole days read each ledger edge apart (attempt-source.ts): MID health by month over
 * four months, so more edges than a few, equals its ledger path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../core/time.js';
import type { EventKind, MoneyEvent } from '../ledger/index.js';
import type { PageRow, Row, TRANSACTIONS } from '../store/tables.js';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import { chargebackReport } from './chargebacks.js';
import { midReport } from './mids.js';

const ACCOUNTS = [
  { name: 'tokyo', timezone: 'Asia/Tokyo' },
  { name: 'chicago', timezone: 'America/Chicago' },
] as const;
const SALES = 90;
const FIRST = Date.UTC(2025, 0, 3, 7, 11);
const STEP = 31 * 3_600_000 + 17 * 60_000;
const DAY = 86_400_000;

type Txn = PageRow<typeof TRANSACTIONS>;

function txn(id: number, over: Partial<Txn>): Txn {
  return {
    transaction_id: id, order_id: `O${id}`, customer_id: 1 + (id % 9), purchase_id: null, parent_txn_id: null, txn_type: 'SALE', response_type: 'SUCCESS', total_cents: 0,
    billing_cycle: 1, merchant_id: 100 + (id % 2), campaign_id: 1, product_id: 2, aff_id: null, source_value1: null, is_chargedback: false, chargeback_cents: null, chargeback_date: null,
    card_bin: null, card_last4: null, date_created: FIRST, date_updated: FIRST, raw: '{}', ...over,
  };
}

function event(id: number, kind: EventKind, instant: number, cents: number, txnId = id): MoneyEvent {
  return {
    event_id: `${kind}:${txnId}`, kind, transaction_id: txnId, instant, amount_cents: cents, customer_id: 1 + (id % 9), order_id: `O${id}`, purchase_id: null, campaign_id: 1, product_id: 2,
    aff_id: null, source_value1: null, merchant_id: 100 + (id % 2), billing_cycle: 1, is_initial: true, currency: 'USD', coupon_code: null, attribution: null,
    card_brand: 'VISA', card_bin: null, reason: kind === 'chargeback' ? ['10.4', '4853', '13.1'][id % 3] : null, recycle_number: 0,
  };
}

const saleAt = (k: number) => FIRST + k * STEP;
const saleCents = (k: number) => 1500 + 7 * k;
/** Every third sale is charged back 3 to 60 days (and some hours) later. */
const chargedBack = (k: number) => k % 3 === 0;
const chargebackAt = (k: number) => saleAt(k) + (3 + ((k * 7) % 58)) * DAY + (k % 24) * 3_600_000;
/** Refund children (ids 1000 + k) of every sale k with k % 4 < 2; voids (2000 + k) of k % 5 = 0. */
const refundOf = (k: number, pass: number) => -(300 + k + (pass > 0 && k % 8 === 0 ? 111 : 0));

describe.each(['duckdb', 'postgres'] as const)('chargebacks from chargeback_sales equal the ledger and a count, on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  /** Per connection: the refund and void cents (negative) of each parent transaction as the writes leave them. */
  const returned = new Map<string, Map<number, number>>();
  const zoneOf = new Map<string, string>();
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'chargeback-refunds'));
    for (const a of ACCOUNTS) {
      const c = await store.saveConnection({ name: a.name, brand: 'konnektive', baseUrl: 'http://127.0.0.1:1', loginId: 'u', password: 'p', accountName: a.name, accountUsername: 'o', timezone: a.timezone, frequency: 'daily' });
      const conn = c.connectionId;
      zoneOf.set(conn, a.timezone);
      const ks = Array.from({ length: SALES }, (_, k) => k + 1);
      const write = (rows: Txn[], events: MoneyEvent[]) =>
        store.writePages([{ connectionId: conn, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => r.transaction_id), events } }]);
      const saleRows = ks.map((k) => txn(k, { total_cents: saleCents(k), date_created: saleAt(k) }));
      const refundKs = ks.filter((k) => k % 4 < 2);
      const voidKs = ks.filter((k) => k % 5 === 0);
      const refundPage = (pass: number, only = refundKs) => {
        const rows = only.map((k) => txn(1000 + k, { parent_txn_id: k, txn_type: 'REFUND', total_cents: refundOf(k, pass) }));
        return [rows, only.map((k) => event(k, 'refund', saleAt(k) + 2 * DAY, refundOf(k, pass), 1000 + k))] as const;
      };
      // 1. The sales alone; 2. refunds of half of them (no chargeback yet); 3. the sales again, with their chargebacks.
      await write(saleRows, ks.map((k) => event(k, 'sale', saleAt(k), saleCents(k))));
      await write(...refundPage(0, refundKs.filter((k) => k <= SALES / 2)));
      await write(saleRows, ks.flatMap((k) => [event(k, 'sale', saleAt(k), saleCents(k)), ...(chargedBack(k) ? [event(k, 'chargeback', chargebackAt(k), -saleCents(k))] : [])]));
      // 4. The other refunds after the chargebacks, and voids; 5. some refunds changed; 6. some taken away (the child's events gone).
      await write(...refundPage(0, refundKs.filter((k) => k > SALES / 2)));
      await write(voidKs.map((k) => txn(2000 + k, { parent_txn_id: k, txn_type: 'VOID', total_cents: -50 })), voidKs.map((k) => event(k, 'void', saleAt(k) + 3600_000, -50 - k, 2000 + k)));
      await write(...refundPage(1, refundKs.filter((k) => k % 8 === 0)));
      const gone = refundKs.filter((k) => k % 12 === 1);
      await write(gone.map((k) => txn(1000 + k, { parent_txn_id: k, txn_type: 'REFUND' })), []);
      const r = new Map<number, number>();
      for (const k of refundKs.filter((x) => !gone.includes(x))) r.set(k, (r.get(k) ?? 0) + refundOf(k, k % 8 === 0 ? 1 : 0));
      for (const k of voidKs) r.set(k, (r.get(k) ?? 0) - 50 - k);
      returned.set(conn, r);
    }
    expect(await store.aggregatesBehind()).toBe(false);
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('keeps chargeback_sales (refunds included) equal to its rebuild from the ledger', async () => {
    const read = async () => {
      const out: Row[] = [];
      for (const conn of zoneOf.keys()) out.push(...(await store.readRows('chargeback_sales', conn)));
      return out.map((x) => JSON.stringify(x)).sort();
    };
    const kept = await read();
    expect(kept.length).toBe(2 * (SALES / 3));
    expect(kept.filter((x) => JSON.parse(x).refund_cents !== null).length, 'some kept rows carry refunds').toBeGreaterThan(5);
    await store.rebuildAggregates();
    expect(await read()).toEqual(kept);
  });

  it.each([
    ['2025-01-01', '2025-12-31', 'Asia/Tokyo'],
    ['2025-01-01', '2025-12-31', 'America/Chicago'],
    ['2025-02-10', '2025-03-20', 'Asia/Kathmandu'],
    ['2025-04-16', '2025-04-16', 'America/Chicago'],
  ] as const)('from %s to %s, viewer %s: the ledger path, and refunds, days and cohorts counted here', async (from, to, tz) => {
    const q = { from, to, tz, currency: 'USD' };
    const got = await chargebackReport(store, { ...q, source: 'aggregate' });
    expect(got).toEqual(await chargebackReport(store, { ...q, source: 'ledger' }));
    // From the definitions: the chargebacks whose local date (viewer) is in the range.
    const rows: { refund: number; days: number; cohort: string }[] = [];
    for (const [conn, zone] of zoneOf) {
      for (let k = 1; k <= SALES; k++) {
        if (!chargedBack(k)) continue;
        const date = localDate(chargebackAt(k), tz);
        if (date < from || date > to) continue;
        const days = (Date.parse(localDate(chargebackAt(k), zone)) - Date.parse(localDate(saleAt(k), zone))) / DAY;
        rows.push({ refund: -(returned.get(conn)?.get(k) ?? 0), days, cohort: localDate(saleAt(k), zone).slice(0, 7) });
      }
    }
    expect(rows.length).toBeGreaterThan(0);
    expect([got.total.chargebacks, got.total.refunded, got.total.refundCents]).toEqual([rows.length, rows.filter((x) => x.refund !== 0).length, rows.reduce((s, x) => s + x.refund, 0)]);
    const cohorts = new Map<string, number>();
    for (const x of rows) cohorts.set(x.cohort, (cohorts.get(x.cohort) ?? 0) + 1);
    expect(got.byCohort.map((c) => [c.cohort, c.chargebacks])).toEqual([...cohorts].sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(got.byDays.map((b) => b.chargebacks)).toEqual(got.byDays.map((b) => rows.filter((x) => b.from !== null && x.days >= b.from && (b.to === null || x.days <= b.to)).length));
  });

  it('MID health by month over four months (many ledger edges, each read apart) equals its ledger path', async () => {
    for (const tz of ['UTC', 'Asia/Tokyo']) {
      const q = { from: '2025-01-01', to: '2025-04-30', tz, currency: 'USD', now: Date.UTC(2026, 0, 1), filters: [{ dimension: 'cycle' as const, values: [1] }] };
      const got = await midReport(store, q);
      expect(got.rows.length).toBeGreaterThan(0);
      expect(got).toEqual(await midReport(store, { ...q, source: 'ledger' }));
    }
  });
});
