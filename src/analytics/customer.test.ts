import { describe, expect, it } from 'vitest';
import { overReversedSales } from './customer.js';

describe('a sale paid back more than sold (the customer view flags it)', () => {
  const ev = (kind: 'sale' | 'refund' | 'void' | 'chargeback' | 'chargeback_reversal', transactionId: number, amountCents: number) => ({ kind, transactionId, amountCents, currency: 'USD' });

  it('flags a sale refunded in part and then charged back in full, with what went beyond it', () => {
    // Sale 1 of 100.00; refund 11 gives back 60.00 of it; the card holder then disputes the whole 100.00.
    const flagged = overReversedSales([ev('sale', 1, 10000), ev('refund', 11, -6000), ev('chargeback', 1, -10000)], new Map([[1, null], [11, 1]]));
    expect(flagged).toEqual([{ transactionId: 1, currency: 'USD', saleCents: 10000, refundedCents: 6000, chargedBackCents: 10000, excessCents: 6000 }]);
  });

  it('leaves a sale paid back exactly, or once, or whose chargeback was reversed', () => {
    const parents = new Map([[2, null], [12, 2], [3, null], [13, 3], [4, null], [14, 4]]);
    const events = [
      ev('sale', 2, 5000), ev('refund', 12, -5000), // refunded in full: not beyond the sale
      ev('sale', 3, 5000), ev('void', 13, -2000), ev('chargeback', 3, -3000), // 20.00 + 30.00 = the sale
      ev('sale', 4, 5000), ev('refund', 14, -5000), ev('chargeback', 4, -5000), ev('chargeback_reversal', 4, 5000), // the dispute won back
    ];
    expect(overReversedSales(events, parents)).toEqual([]);
  });

  it('counts a refund against its own sale, not another sale of the same customer', () => {
    const flagged = overReversedSales([ev('sale', 5, 3000), ev('sale', 6, 3000), ev('refund', 15, -3000), ev('chargeback', 6, -3000)], new Map([[5, null], [6, null], [15, 5]]));
    expect(flagged).toEqual([]);
  });
});
