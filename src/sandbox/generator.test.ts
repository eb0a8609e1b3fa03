import { describe, expect, it } from 'vitest';
import { instantToCrmWall, localDate } from '../core/time.js';
import { advanceMerchant, generateMerchant, refundedOf } from './generator.js';
import type { Merchant } from './model.js';
import { customerRecord, orderRecord, purchaseRecord, txnRecord } from './records.js';

const NOW = '2026-11-21 12:00:00';
const base = generateMerchant({ seed: 'gen-test', customers: 1500, start: '2025-01-01', now: NOW });

function fingerprint(m: Merchant): string[] {
  return m.txns.map((x) => JSON.stringify(txnRecord(m, x)));
}

describe('generateMerchant', () => {
  it('is deterministic from its seed', () => {
    const again = generateMerchant({ seed: 'gen-test', customers: 1500, start: '2025-01-01', now: NOW });
    expect(fingerprint(again)).toEqual(fingerprint(base));
    const other = generateMerchant({ seed: 'other', customers: 1500, start: '2025-01-01', now: NOW });
    expect(fingerprint(other)).not.toEqual(fingerprint(base));
  });

  it('has the requested customers, campaigns of every type, MIDs and affiliates in use', () => {
    expect(base.customers.length).toBeGreaterThan(1480);
    expect(base.customers.length).toBeLessThanOrEqual(1500);
    expect(new Set(base.campaigns.map((c) => c.type))).toEqual(new Set(['ECOMMERCE', 'PHONE', 'LANDER']));
    const kinds = new Set(base.campaigns.flatMap((c) => c.products.map((p) => `${p.kind}:${p.intervalDays}`)));
    for (const k of ['ONE_TIME:0', 'SUBSCRIPTION:30', 'SUBSCRIPTION:60', 'SUBSCRIPTION:14', 'TRIAL:30']) expect(kinds).toContain(k);
    expect(new Set(base.orders.map((o) => o.mid.merchantId)).size).toBe(base.mids.length);
    expect(new Set(base.customers.map((c) => c.affiliate?.affId ?? null)).size).toBe(base.affiliates.length + 1);
    expect(base.customers.some((c) => c.sourceValue1 !== null)).toBe(true);
  });

  it('produces every transaction kind, declines, recycles, upsells and chargebacks', () => {
    const seen = new Set(base.txns.map((x) => `${x.type}:${x.response}`));
    for (const k of ['SALE:SUCCESS', 'SALE:SOFT_DECLINE', 'SALE:HARD_DECLINE', 'AUTHORIZE:SUCCESS', 'CAPTURE:SUCCESS', 'VOID:SUCCESS', 'REFUND:SUCCESS']) {
      expect(seen, k).toContain(k);
    }
    expect(base.txns.some((x) => x.recycle > 0)).toBe(true);
    expect(base.orders.some((o) => o.lines.some((l) => l.cp.isUpsell))).toBe(true);
    expect(base.orders.some((o) => o.isDeclineSave === 1)).toBe(true);
    expect(base.txns.some((x) => x.isChargedback === 1)).toBe(true);
    const statuses = new Set(base.purchases.map((p) => p.status));
    for (const s of ['ACTIVE', 'CANCELLED', 'RECYCLE_FAILED']) expect(statuses).toContain(s);
  });

  it('links refunds and voids to their parents and keeps them within the paid amount', () => {
    let partial = 0;
    for (const x of base.txns) {
      if (x.type !== 'REFUND' && x.type !== 'VOID') continue;
      expect(x.parent).not.toBeNull();
      const p = x.parent!;
      expect(p.order).toBe(x.order);
      expect(p.response).toBe('SUCCESS');
      expect(x.t).toBeGreaterThan(p.t);
      expect(refundedOf(p)).toBeLessThanOrEqual(p.amount);
      if (x.type === 'REFUND' && x.amount < p.amount) partial++;
    }
    expect(partial).toBeGreaterThan(0);
  });

  it("keeps each purchase's totals equal to its transactions", () => {
    for (const p of base.purchases) {
      let billed = 0;
      let refunded = 0;
      for (const x of p.txns) {
        if (x.response !== 'SUCCESS') continue;
        if (x.type === 'SALE' || x.type === 'CAPTURE') billed += x.amount;
        if (x.type === 'REFUND' || (x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE')) refunded += x.amount;
      }
      expect(p.billed, p.purchaseId).toBe(billed);
      expect(p.refunded, p.purchaseId).toBe(refunded);
    }
  });

  it('dates chargebacks 5 to 90 days after the sale and bumps dateUpdated', () => {
    for (const x of base.txns.filter((t) => t.isChargedback)) {
      const days = (Date.parse(`${x.chargebackDate}T12:00:00Z`) - Date.parse(`${localDate(x.t, 'America/New_York')}T12:00:00Z`)) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(5);
      expect(days).toBeLessThanOrEqual(91);
      expect(x.u).toBeGreaterThan(x.t);
      expect(x.chargebackAmount).toBe(x.amount);
    }
  });

  it('dates nothing in the future, and every row has dateCreated <= dateUpdated', () => {
    const today = localDate(base.now, 'America/New_York');
    for (const table of [base.customers, base.orders, base.txns, base.purchases] as Array<Array<{ t: number; u: number }>>) {
      for (const r of table) {
        expect(r.t).toBeLessThanOrEqual(base.now);
        expect(r.u).toBeLessThanOrEqual(base.now);
        expect(r.u).toBeGreaterThanOrEqual(r.t);
      }
    }
    for (const x of base.txns) if (x.chargebackDate) expect(x.chargebackDate <= today).toBe(true);
    // Whole seconds everywhere, so an instant parsed back from the API's string is the row's instant.
    for (const table of [base.customers, base.orders, base.txns, base.purchases] as Array<Array<{ t: number; u: number }>>) {
      for (const r of table) expect(r.t % 1000 + r.u % 1000).toBe(0);
    }
    expect(instantToCrmWall(base.now, 'America/New_York')).toBe(NOW);
  });

  it('loses fewer subscribers per cycle as subscriptions age', () => {
    const approved = new Map<number, number>();
    for (const x of base.txns) if (x.type === 'SALE' && x.response === 'SUCCESS' && x.purchase) approved.set(x.cycle, (approved.get(x.cycle) ?? 0) + 1);
    const rate = (k: number) => (approved.get(k + 1) ?? 0) / (approved.get(k) ?? 1);
    expect(rate(1)).toBeLessThan(rate(3));
    expect(rate(2)).toBeLessThan(rate(4));
  });

  it('sells more on weekdays than at weekends', () => {
    const byDow = new Array<number>(7).fill(0);
    for (const c of base.customers) byDow[new Date(`${localDate(c.t, 'America/New_York')}T12:00:00Z`).getUTCDay()]!++;
    const weekday = (byDow[1]! + byDow[2]! + byDow[3]!) / 3;
    const weekend = (byDow[0]! + byDow[6]!) / 2;
    expect(weekday).toBeGreaterThan(weekend * 1.1);
  });

  it('uses the CRM id shapes, unique', () => {
    expect(new Set(base.orders.map((o) => o.orderId)).size).toBe(base.orders.length);
    expect(new Set(base.purchases.map((p) => p.purchaseId)).size).toBe(base.purchases.length);
    for (const o of base.orders) expect(o.orderId).toMatch(/^[0-9A-F]{10}$/);
    for (const p of base.purchases) expect(p.purchaseId).toMatch(/^[0-9A-F]{10}$/);
    const mt = base.txns.map((x) => txnRecord(base, x).merchantTxnId);
    const captures = base.txns.filter((x) => x.type === 'CAPTURE');
    for (const c of captures) expect(txnRecord(base, c).merchantTxnId).toBe(txnRecord(base, c.parent!).merchantTxnId);
    expect(new Set(mt).size).toBe(base.txns.length - captures.length - base.txns.filter((x) => x.type === 'VOID').length);
  });

  it('advances like a live account: new sales, and old rows updated with a new dateUpdated', () => {
    const m = generateMerchant({ seed: 'gen-test', customers: 1500, start: '2025-01-01', now: NOW });
    const before = m.now;
    const counts = { c: m.customers.length, x: m.txns.length };
    advanceMerchant(m, 10);
    expect(m.now - before).toBe(10 * 86_400_000);
    expect(m.customers.length).toBeGreaterThan(counts.c);
    const fresh = m.txns.slice(counts.x);
    expect(fresh.some((x) => x.type === 'SALE' && x.cycle > 1)).toBe(true);
    const touchedOld = m.txns.slice(0, counts.x).filter((x) => x.u > before);
    expect(touchedOld.length).toBeGreaterThan(0);
    for (const r of m.txns) expect(r.u).toBeLessThanOrEqual(m.now);
  });

  it('advances deterministically: the same merchant advanced the same days is the same merchant', () => {
    const a = generateMerchant({ seed: 'gen-test', customers: 300, start: '2026-01-01', now: NOW });
    const b = generateMerchant({ seed: 'gen-test', customers: 300, start: '2026-01-01', now: NOW });
    advanceMerchant(a, 3);
    advanceMerchant(a, 4.5);
    advanceMerchant(b, 7.5);
    expect(fingerprint(b)).toEqual(fingerprint(a));
  });

  it('never changes a row without moving its dateUpdated', () => {
    const m = generateMerchant({ seed: 'gen-test', customers: 600, start: '2026-01-01', now: NOW });
    const snap = () => ({
      c: m.customers.map((r) => JSON.stringify(customerRecord(m, r))),
      o: m.orders.map((r) => JSON.stringify(orderRecord(m, r, true))),
      x: m.txns.map((r) => JSON.stringify(txnRecord(m, r))),
      p: m.purchases.map((r) => JSON.stringify(purchaseRecord(m, r))),
    });
    const before = snap();
    const then = m.now;
    advanceMerchant(m, 20);
    const after = snap();
    let changed = 0;
    for (const [k, rows] of [['c', m.customers], ['o', m.orders], ['x', m.txns], ['p', m.purchases]] as const) {
      before[k].forEach((old, i) => {
        if (after[k][i] === old) return;
        changed++;
        expect((rows[i] as { u: number }).u, `${k} ${i}`).toBeGreaterThan(then);
      });
    }
    expect(changed).toBeGreaterThan(0);
  });

  it('spans DST changes in the account zone with valid wall times', () => {
    const days = new Set(base.txns.map((x) => localDate(x.t, 'America/New_York')));
    for (const d of ['2025-03-09', '2025-11-02', '2026-03-08', '2026-11-01']) expect(days).toContain(d);
  });
});
