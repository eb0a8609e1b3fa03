import { describe, expect, it } from 'vitest';
import {
  CampaignRecord,
  CouponRecord,
  CustomerRecord,
  ItemRecord,
  OrderRecord,
  ProductRecord,
  PurchaseRecord,
  TransactionRecord,
  firstItemProductId,
  looseFlag,
  looseMoney,
  readCampaign,
  readCoupon,
  readCustomer,
  readOrder,
  readProduct,
  readPurchase,
  readTransaction,
  sanitizedJson,
  stripSensitive,
} from './schemas.js';

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
  it('reads amounts with thousands separators and currency signs, and dates in the forms the CRM writes', () => {
    const t = TransactionRecord.parse({ transactionId: 1, txnType: 'SALE', responseType: 'SUCCESS', totalAmount: '1,234.50', chargebackAmount: 'MX$1,500.00', chargebackDate: '03/05/2024', dateCreated: '3/9/25 1:30 PM', dateUpdated: '2025-03-10T08:00:00' });
    expect(t).toMatchObject({ totalAmount: 123450, chargebackAmount: 150000, chargebackDate: '2024-03-05', dateCreated: '2025-03-09 13:30:00', dateUpdated: '2025-03-10 08:00:00' });
    // A comma that is not a thousands separator, or a day that does not exist, is refused, never guessed.
    expect(() => readTransaction({ transactionId: 1, txnType: 'SALE', responseType: 'SUCCESS', totalAmount: '12,50', dateCreated: '2025-01-01' })).toThrow(/totalAmount: not an amount/);
    expect(() => readTransaction({ transactionId: 1, txnType: 'SALE', responseType: 'SUCCESS', dateCreated: '2025-02-30' })).toThrow(/dateCreated: not a date/);
  });
  it('reads items as an object keyed by id or as an array', () => {
    expect(firstItemProductId(TransactionRecord.parse({ transactionId: 1, txnType: 'SALE', responseType: 'SUCCESS', dateCreated: '2025-01-01', items: { '3': { productId: '3' } } }).items)).toBe(3);
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

describe('hand-written record readers', () => {
  // Every quirk the zod schemas accept or refuse: the fast readers must agree value for value.
  const quirks: unknown[] = [
    undefined, null, '', '   ', '\u00a0', ' 12 ', '12', '1e3', '0x10', '1.5', 'abc', '29.95', '12.345', '12.500', '-3.10', 'true', 'TRUE', 'yes',
    '0', '1', 'no', 0, 1, 2, 1.5, -7, 2 ** 60, Number.NaN, Number.POSITIVE_INFINITY, 12.5, true, false, {}, { '3': { productId: '3' } }, [], [{ productId: 4 }], 'x',
    // What real accounts and exports write: grouped amounts, currency signs, US dates, a time with AM/PM.
    '1,234.50', '$12.00', 'MX$1,500', '12,50', '2 ', '03/05/2024', '3/9/25 1:30 PM', '2025-03-09', '2025-03-09T01:30:00', '2025-02-30', '13/01/2025',
  ];
  const cases: [string, { safeParse(v: unknown): { success: boolean; data?: unknown } }, (v: unknown) => unknown, Record<string, unknown>][] = [
    ['transaction', TransactionRecord, readTransaction, { transactionId: 1, txnType: 'SALE', responseType: 'SUCCESS', dateCreated: '2025-01-02 10:00:00' }],
    ['order', OrderRecord, readOrder, { orderId: 'A1', dateCreated: '2025-01-02 10:00:00' }],
    ['customer', CustomerRecord, readCustomer, { customerId: 5, dateCreated: '2025-01-02 10:00:00' }],
    ['purchase', PurchaseRecord, readPurchase, { purchaseId: 'P1', dateCreated: '2025-01-02 10:00:00' }],
    ['campaign', CampaignRecord, readCampaign, { campaignId: 2 }],
    ['coupon', CouponRecord, readCoupon, { couponCode: 'SAVE10' }],
    ['product', ProductRecord, readProduct, { productId: 3 }],
  ];
  it.each(cases)('%s: same result as the zod schema for every quirk in every field', (_name, schema, read, base) => {
    const fields = Object.keys((schema as unknown as { shape: Record<string, unknown> }).shape);
    for (const f of fields) {
      for (const q of quirks) {
        const input = { ...base, [f]: q, extra: 'kept out' };
        if (q === undefined) delete (input as Record<string, unknown>)[f];
        const z = schema.safeParse(input);
        let fast: unknown;
        let ok = true;
        try {
          fast = read(input);
        } catch {
          ok = false;
        }
        expect({ f, q, ok }).toEqual({ f, q, ok: z.success });
        // toEqual: an absent optional field (zod omits it) equals one read as undefined; null does not.
        if (ok) expect(fast).toEqual(z.data);
      }
    }
    for (const bad of [null, [1], 'x', 3]) expect(() => read(bad)).toThrow();
  });
  it('firstItemProductId skips items the item schema refuses', () => {
    for (const q of quirks) {
      const items = [{ productId: q }, { productId: 9, price: q }, { productId: 8 }];
      const ref = items.map((it) => ItemRecord.safeParse(it)).find((p) => p.success && typeof p.data.productId === 'number');
      const expected = ref?.success ? ref.data.productId : null;
      expect({ q, id: firstItemProductId(items) }).toEqual({ q, id: expected });
    }
  });
  it('sanitizedJson serialises records without sensitive keys exactly as JSON.stringify', () => {
    const r = { a: 1, b: [1, { c: 'x' }], d: null, e: { f: 'g' } };
    expect(sanitizedJson(r)).toBe(JSON.stringify(r));
    expect(JSON.parse(sanitizedJson({ ...r, e: { password: 'p', f: 'g' } }))).toEqual(r);
  });
});
