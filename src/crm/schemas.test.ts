import { describe, expect, it } from 'vitest';
import { TransactionRecord, firstItemProductId, looseFlag, looseMoney, sanitizedJson, stripSensitive } from './schemas.js';

describe('tolerant record schemas', () => {
  it('reads numbers as strings, flags in every form, nulls and empty strings', () => {
    const t = TransactionRecord.parse({
      transactionId: '9001', txnType: 'SALE', responseType: 'SUCCESS', totalAmount: '29.95', isChargedback: '1',
      chargebackAmount: null, billingCycleNumber: '', merchantId: 3, dateCreated: '2025-01-02 10:00:00', extra: { kept: true },
    });
    expect(t).toMatchObject({ transactionId: 9001, totalAmount: 2995, isChargedback: true, chargebackAmount: null, billingCycleNumber: null, merchantId: 3 });
    // Untyped keys are not parsed; the raw copy (sanitizedJson of the record) keeps them.
    expect((t as Record<string, unknown>).extra).toBeUndefined();
    expect(looseFlag.parse(0)).toBe(false);
    expect(looseFlag.parse(true)).toBe(true);
    expect(looseMoney.parse(12.5)).toBe(1250);
    expect(() => looseMoney.parse('12.345')).toThrow();
  });
  it('reads items as an object keyed by id or as an array', () => {
    expect(firstItemProductId(TransactionRecord.parse({ transactionId: 1, txnType: 'SALE', responseType: 'SUCCESS', dateCreated: 'x', items: { '3': { productId: '3' } } }).items)).toBe(3);
    expect(firstItemProductId([{ productId: 4 }])).toBe(4);
    expect(firstItemProductId([])).toBeNull();
  });
  it('strips sensitive keys at any depth', () => {
    const c = {
      customerId: 5, dateCreated: '2025-01-01 00:00:00', eCommercePassword: 'pw', extra: { kept: true },
      paySources: [{ achRoutingNumber: '021000021', achAccountNumber: '123456789', cardLast4: '1111' }],
    };
    const clean = { customerId: 5, dateCreated: '2025-01-01 00:00:00', extra: { kept: true }, paySources: [{ cardLast4: '1111' }] };
    expect(stripSensitive(c)).toEqual(clean);
    expect(JSON.parse(sanitizedJson(c))).toEqual(clean);
  });
});
