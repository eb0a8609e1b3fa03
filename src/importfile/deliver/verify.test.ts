import { describe, expect, it } from 'vitest';
import { compareCustomer, expectationsFrom, renderVerifyText, summarize, verifyExpectations, type CrmReader } from './verify.js';

const row = (o: Record<string, string>) => (n: string) => o[n] ?? '';
const base = { customerId: 'L1', firstName: 'Ann', lastName: 'Lee', emailAddress: 'ann@example.com', phoneNumber: '5125550100', address1: '1 Way', city: 'Austin', state: 'TX', postalCode: '78701', country: 'US', responseType: 'SUCCESS' };
const expected = expectationsFrom([
  { row: 2, get: row({ ...base, dateCreated: '2026-07-01 10:00:00', merchantTxnId: 'S1', txnType: 'SALE', totalAmount: '39.95', isActiveRecurring: '1', nextBillDate: '2026-12-01', productId: '15202', subTotal: '39.95', isChargedback: '1', chargebackTotal: '39.95', chargebackDate: '2026-09-01' }) },
  { row: 3, get: row({ ...base, dateCreated: '2026-07-05 10:00:00', merchantTxnId: 'R1', txnType: 'REFUND', totalAmount: '10.00', parentTxnId: 'S1' }) },
]);
const e = expected[0]!;
const customer = { ...base, customerId: 7, dateCreated: '2026-07-01 10:00:00' };
const txns = [
  { transactionId: 100, merchantTxnId: 'S1', txnType: 'SALE', totalAmount: '39.95', responseType: 'SUCCESS', isChargedback: 1, chargebackAmount: '39.95', chargebackDate: '2026-09-01' },
  { transactionId: 101, merchantTxnId: 'R1', txnType: 'REFUND', totalAmount: '10.00', responseType: 'SUCCESS', parentTxnId: 100 },
];
const purchases = [{ productId: 15202, status: 'ACTIVE', nextBillDate: '2026-12-01', price: '39.95' }];

describe('verify (pure)', () => {
  it('builds expectations: first row identity, the latest active row per product', () => {
    expect(expected).toHaveLength(1);
    expect(e).toMatchObject({ customerId: 'L1', email: 'ann@example.com', firstDate: '2026-07-01', subscriptions: [{ productId: '15202', nextBillDate: '2026-12-01', priceCents: 3995 }] });
    expect(e.txns.map((t) => t.merchantTxnId)).toEqual(['S1', 'R1']);
  });

  it('passes a faithful CRM view', () => {
    expect(compareCustomer(e, { customer, transactions: txns, purchases }).differences).toEqual([]);
  });

  it('names each difference: identity, refund link, chargeback, price, an extra active subscription, a missing customer', () => {
    const v = compareCustomer(e, {
      customer: { ...customer, lastName: 'Li', emailAddress: 'ANN@example.com' },
      transactions: [{ ...txns[0], isChargedback: 0 }, { ...txns[1], parentTxnId: 999 }],
      purchases: [{ ...purchases[0], price: '29.95' }, { productId: 15203, status: 'ACTIVE', nextBillDate: '2026-12-05', price: '9.95' }],
    });
    expect(v.differences.map((d) => `${d.code}:${d.field}`)).toEqual([
      'identity_differs:lastName',
      'chargeback_missing:isChargedback',
      'refund_not_linked:parentTxnId',
      'price_differs:price',
      'unexpected_active_subscription:status',
    ]);
    const missing = compareCustomer(e, { customer: null, transactions: [], purchases: [] });
    expect(missing.found).toBe(false);
    expect(missing.differences[0]?.code).toBe('customer_missing');
    const r = summarize([v, missing]);
    expect(r.pass).toBe(false);
    expect(r.customers).toEqual({ total: 2, found: 1, missing: 1, withDifferences: 2 });
    expect(renderVerifyText(r)).toMatch(/FAIL: 6 differences/);
  });

  it('masks card-like numbers in reported values', () => {
    const x = expectationsFrom([{ row: 2, get: row({ ...base, firstName: '4111111111111111', merchantTxnId: 'S1', txnType: 'SALE', totalAmount: '1.00', dateCreated: '2026-07-01 10:00:00' }) }]);
    const v = compareCustomer(x[0]!, { customer, transactions: [], purchases: [] });
    expect(JSON.stringify(v)).not.toContain('4111111111111111');
    expect(JSON.stringify(v)).toContain('411111******1111');
  });

  it('queries by email in a window from the first date, then by the CRM customer id', async () => {
    const calls: string[] = [];
    const crm: CrmReader = {
      async *pages(endpoint, params) {
        calls.push(`${endpoint} ${new URLSearchParams(params).toString()}`);
        const records = endpoint === 'customer/query' ? [customer] : endpoint === 'transactions/query' ? txns : purchases;
        yield { page: 1, resultsPerPage: 200, totalResults: records.length, records };
      },
    };
    const r = await verifyExpectations(crm, expected, { today: '2026-11-21' });
    expect(r.pass).toBe(true);
    expect(calls).toContain('customer/query startDate=06%2F30%2F2026&endDate=11%2F22%2F2026&emailAddress=ann%40example.com');
    expect(calls, calls.join(' / ')).toContain('transactions/query customerId=7');
    expect(calls).toContain('purchase/query customerId=7');
  });
});
