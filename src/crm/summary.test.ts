/** The lenient readers of reconciliation's CRM side: summary rows and transaction records, odd values included. */
import { describe, expect, it } from 'vitest';
import { crmWallToInstant } from '../core/time.js';
import { quarantinedTransactions, readSummaryLine, readTxnView } from './summary.js';

const NY = 'America/New_York';

describe('readSummaryLine', () => {
  it('adds new sales and rebills, reads money exactly, and names the currency by its symbol', () => {
    const row = { date: '2025-05-31', currencySymbol: 'MX$', newSaleCnt: 3, newSaleRev: '1,234.50', rebillCnt: '2', rebillRev: '0.10', refundCnt: 1, refundRev: '9.99', chargebackCnt: 0, chargebackRev: '0.00' };
    expect(readSummaryLine(row, 'date', 'USD')).toEqual({
      key: '2025-05-31', name: null, currency: 'MXN', sales: { count: 5, cents: 123460 }, refunds: { count: 1, cents: 999 }, chargebacks: { count: 0, cents: 0 },
    });
    expect(readSummaryLine({ campaignId: '4', campaignName: 'Glow', currencySymbol: '$', newSaleCnt: 1, newSaleRev: '10.00' }, 'campaign', 'USD')).toMatchObject({ key: '4', name: 'Glow', currency: 'USD', sales: { count: 1, cents: 1000 } });
    expect(readSummaryLine({ date: 'not a date' }, 'date', 'USD')).toBeNull();
    expect(readSummaryLine(['x'], 'date', 'USD')).toBeNull();
  });
});

describe('readTxnView', () => {
  it('reads what it can of an unreadable record: an id written "TX123", an amount "abc", a response in display casing', () => {
    const v = readTxnView({ transactionId: 'TX123', txnType: 'sale', responseType: 'Success', totalAmount: 'abc', dateCreated: '2025-05-31 23:30:00', campaignId: '2', currencySymbol: '€', isChargedback: '1', chargebackAmount: '5.00', parentTxnId: '' }, NY, 'USD');
    expect(v).toEqual({
      transactionId: 123, txnType: 'SALE', responseType: 'SUCCESS', amountCents: null, createdAt: crmWallToInstant('2025-05-31 23:30:00', NY), parentTxnId: null, campaignId: 2, currency: 'EUR', isChargedback: true, chargebackCents: 500,
    });
    expect(readTxnView({ transactionId: 'abc' }, NY, 'USD')).toBeNull();
  });

  it('reads the quarantine copies of the transactions stream only, skipping what is not JSON', () => {
    const held = [
      { stream: 'transactions', raw: JSON.stringify({ transactionId: 7, txnType: 'REFUND', responseType: 'SUCCESS', totalAmount: '1.00', parentTxnId: 6, dateCreated: '2025-01-01 00:00:00' }) },
      { stream: 'customers', raw: JSON.stringify({ transactionId: 8 }) },
      { stream: 'transactions', raw: '{not json' },
    ];
    expect(quarantinedTransactions(held, NY, 'USD').map((x) => [x.transactionId, x.parentTxnId, x.amountCents])).toEqual([[7, 6, 100]]);
  });
});
