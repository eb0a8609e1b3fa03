import { describe, expect, it } from 'vitest';
import { TX, transactionColumns } from '../spec/columns.js';
import { CrossRowPlanner, applyAcrossRows, rowFacts, sameAddress, splitExpiry } from './derive.js';

const row = (over: Record<string, string>) => transactionColumns.map((c) => over[c.name] ?? '');

describe('derivations of one row', () => {
  it('splits a combined expiry in every documented form', () => {
    expect(splitExpiry('06/31')).toEqual({ month: '06', year: '2031' });
    expect(splitExpiry('6/2031')).toEqual({ month: '06', year: '2031' });
    expect(splitExpiry('0631')).toEqual({ month: '06', year: '2031' });
    expect(splitExpiry('062031')).toEqual({ month: '06', year: '2031' });
    expect(splitExpiry('2031-06')).toEqual({ month: '06', year: '2031' });
    expect(splitExpiry('13/31')).toBeNull();
    expect(splitExpiry('0631', 'MM/YY')).toBeNull();
  });

  it('billShipSame: 1 for an empty or equal shipping block (case and spacing aside), 0 otherwise', () => {
    const billing = { address1: '12 Main St', city: 'Boston', state: 'MA', postalCode: '02134', country: 'US' };
    expect(sameAddress(row(billing))).toBe('1');
    expect(sameAddress(row({ ...billing, shipAddress1: '12  main st', shipCity: 'BOSTON', shipState: 'MA', shipPostalCode: '02134', shipCountry: 'us' }))).toBe('1');
    expect(sameAddress(row({ ...billing, shipAddress1: '9 Elm St', shipCity: 'Boston', shipState: 'MA', shipPostalCode: '02134', shipCountry: 'US' }))).toBe('0');
  });
});

describe('derivations across rows', () => {
  const built = (over: Record<string, string>) => row({ txnType: 'SALE', responseType: 'SUCCESS', totalAmount: '10.00', isActiveRecurring: '1', nextBillDate: '2026-12-20', ...over });

  it('keeps isActiveRecurring and nextBillDate on the subscription\'s latest approved sale only', () => {
    const rows = [
      built({ merchantTxnId: 'A', dateCreated: '2026-09-20 10:00:00' }),
      built({ merchantTxnId: 'B', dateCreated: '2026-10-20 10:00:00' }),
      built({ merchantTxnId: 'C', dateCreated: '2026-11-20 10:00:00', responseType: 'DECLINE' }),
      built({ merchantTxnId: 'D', dateCreated: '2026-11-21 10:00:00', txnType: 'REFUND' }),
    ];
    const planner = new CrossRowPlanner();
    rows.forEach((r, i) => planner.add(rowFacts(i + 2, r, 'sub-1', null)));
    const plan = planner.plan();
    rows.forEach((r, i) => applyAcrossRows(r, { row: i + 2, subscription: 'sub-1' }, plan));
    expect(rows.map((r) => [r[TX.merchantTxnId], r[TX.isActiveRecurring], r[TX.nextBillDate]])).toEqual([['A', '0', ''], ['B', '1', '2026-12-20'], ['C', '0', ''], ['D', '0', '']]);
  });

  it('folds disputes into their parent: amounts add up, the latest date and reason win', () => {
    const planner = new CrossRowPlanner();
    planner.add(rowFacts(5, built({ dateCreated: '2026-10-02 09:00:00', totalAmount: '-10.00' }), '', { parent: 'A', reasonCode: '10.4' }));
    planner.add(rowFacts(6, built({ dateCreated: '2026-10-09 09:00:00', totalAmount: '5.50' }), '', { parent: 'A', reasonCode: '13.1' }));
    const parent = built({ merchantTxnId: 'A' });
    const cb = applyAcrossRows(parent, { row: 2, subscription: '' }, planner.plan());
    expect(cb?.rows).toEqual([5, 6]);
    expect([parent[TX.isChargedback], parent[TX.chargebackTotal], parent[TX.chargebackDate], parent[TX.chargebackReasonCode]]).toEqual(['1', '15.50', '2026-10-09', '13.1']);
  });
});
