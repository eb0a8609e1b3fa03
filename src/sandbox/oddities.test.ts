import { describe, expect, it } from 'vitest';
import { generateMerchant } from './generator.js';
import type { Merchant } from './model.js';
import { ODD_KINDS, oddityOf, UNREADABLE_KINDS, withThousands } from './oddities.js';
import { txnRecord } from './records.js';

const OPTS = { seed: 'odd', customers: 2500, start: '2025-01-01', now: '2026-11-21 12:00:00' };
const m = generateMerchant({ ...OPTS, oddRate: 0.05, unreadableRate: 0.01 });

const kinds = (mm: Merchant) => mm.txns.map((x) => oddityOf(mm, x));
const share = (list: Array<string | null>, set: readonly string[]) => list.filter((k) => k !== null && set.includes(k)).length / list.length;

describe('odd values', () => {
  it('falls on the configured share of transactions, the same ones for the same seed, others for another', () => {
    const list = kinds(m);
    expect(m.txns.length).toBeGreaterThan(6000);
    expect(share(list, ODD_KINDS)).toBeGreaterThan(0.04);
    expect(share(list, ODD_KINDS)).toBeLessThan(0.06);
    expect(share(list, UNREADABLE_KINDS)).toBeGreaterThan(0.006);
    expect(share(list, UNREADABLE_KINDS)).toBeLessThan(0.014);
    expect(kinds(generateMerchant({ ...OPTS, oddRate: 0.05, unreadableRate: 0.01 }))).toEqual(list);
    expect(kinds(generateMerchant({ ...OPTS, seed: 'odd-2', oddRate: 0.05, unreadableRate: 0.01 }))).not.toEqual(list);
  });

  it("defaults to 1% odd and 0.1% unreadable under the real profile, none under rich, and never changes the merchant", () => {
    const real = generateMerchant({ ...OPTS, customers: 400 });
    expect([real.config.oddRate, real.config.unreadableRate]).toEqual([0.01, 0.001]);
    const rich = generateMerchant({ ...OPTS, customers: 400, profile: 'rich' });
    expect(kinds(rich).every((k) => k === null)).toBe(true);
    const plain = generateMerchant({ ...OPTS, customers: 400, oddRate: 0, unreadableRate: 0 });
    expect(plain.txns.map((x) => JSON.stringify(txnRecord(plain, x, 'truth')))).toEqual(real.txns.map((x) => JSON.stringify(txnRecord(real, x, 'truth'))));
  });

  it('serves each kind as documented: one value changed from the record served without odd values (a separator may touch several amounts)', () => {
    const many = generateMerchant({ ...OPTS, customers: 1500, oddRate: 0.6, unreadableRate: 0.05 });
    // The same merchant served without odd values: what each odd record should read back to.
    const plain = generateMerchant({ ...OPTS, customers: 1500, oddRate: 0, unreadableRate: 0 });
    const seen = new Set<string>();
    many.txns.forEach((x, i) => {
      const kind = oddityOf(many, x);
      const served = JSON.parse(JSON.stringify(txnRecord(many, x))) as Record<string, any>;
      const truth = JSON.parse(JSON.stringify(txnRecord(plain, plain.txns[i]!))) as Record<string, any>;
      const differing = Object.keys(truth).filter((k) => JSON.stringify(served[k]) !== JSON.stringify(truth[k]));
      if (kind === null) {
        expect(differing).toEqual([]);
        return;
      }
      seen.add(kind);
      switch (kind) {
        case 'money-thousands':
          expect(served.totalAmount).toMatch(/^\d{1,3}(,\d{3})+\.\d{2}$/);
          expect(served.totalAmount.replace(/,/g, '')).toBe(truth.totalAmount);
          break;
        case 'cycle-string':
          expect(served.billingCycleNumber).toBe(` ${truth.billingCycleNumber} `);
          break;
        case 'chargeback-date-us': {
          const [y, mo, d] = (truth.chargebackDate as string).split('-');
          expect(served.chargebackDate).toBe(`${mo}/${d}/${y}`);
          expect(differing).toEqual(['chargebackDate']);
          break;
        }
        case 'chargeback-date-time':
          expect(served.chargebackDate).toBe(`${truth.chargebackDate} 00:00:00`);
          break;
        case 'enum-casing':
          expect(served.responseType).toBe({ SUCCESS: 'Success', SOFT_DECLINE: 'Soft Decline', HARD_DECLINE: 'Hard Decline' }[truth.responseType as string]);
          break;
        case 'unknown-enum':
          expect(served.orderType).toBe('UPSALE');
          break;
        case 'bad-transaction-id':
          expect(served.transactionId).toBe(`TX${truth.transactionId}`);
          expect(Number.isFinite(Number(served.transactionId))).toBe(false);
          break;
        case 'bad-amount':
          expect(served.totalAmount).toBe('abc');
          break;
      }
      if (kind !== 'money-thousands') expect(differing.length, kind).toBe(1);
    });
    expect([...seen].sort()).toEqual([...ODD_KINDS, ...UNREADABLE_KINDS].sort());
  });

  it('writes thousands separators into the whole part only', () => {
    expect(withThousands('1234.50')).toBe('1,234.50');
    expect(withThousands('1234567.05')).toBe('1,234,567.05');
    expect(withThousands('999.99')).toBe('999.99');
    expect(withThousands('100000.00')).toBe('100,000.00');
  });
});
