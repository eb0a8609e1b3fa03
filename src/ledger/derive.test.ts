import { describe, expect, it } from 'vitest';
import { TransactionRecord } from '../crm/schemas.js';
import { dateOnlyToInstant, crmWallToInstant } from '../core/time.js';
import { deriveEvents } from './derive.js';

const Z = { zone: 'America/New_York', baseCurrency: 'USD' };
const t = (over: Record<string, unknown>) =>
  TransactionRecord.parse({ transactionId: 7, txnType: 'SALE', responseType: 'SUCCESS', totalAmount: '29.95', dateCreated: '2025-03-09 10:00:00', customerId: 3, orderId: 'ABC', billingCycleNumber: 2, merchantId: 4, campaignId: 1, productId: 9, affId: 'A1', ...over });

describe('deriveEvents', () => {
  it('books a successful sale or capture at its dateCreated', () => {
    const [e] = deriveEvents(t({}), Z);
    expect(e).toMatchObject({ event_id: 'sale:7', kind: 'sale', amount_cents: 2995, instant: crmWallToInstant('2025-03-09 10:00:00', Z.zone), is_initial: false, billing_cycle: 2, merchant_id: 4, aff_id: 'A1' });
    expect(deriveEvents(t({ txnType: 'CAPTURE' }), Z)[0]?.kind).toBe('sale');
  });
  it('books refunds and voids negative on their own date; authorizations are not revenue', () => {
    expect(deriveEvents(t({ txnType: 'REFUND', totalAmount: '10.00' }), Z)[0]).toMatchObject({ kind: 'refund', amount_cents: -1000 });
    expect(deriveEvents(t({ txnType: 'VOID' }), Z)[0]).toMatchObject({ kind: 'void', amount_cents: -2995 });
    expect(deriveEvents(t({ txnType: 'AUTHORIZE' }), Z)).toEqual([]);
  });
  it('records declined sale attempts (for approval rates) as declines', () => {
    expect(deriveEvents(t({ responseType: 'SOFT_DECLINE', billingCycleNumber: '' }), Z)[0]).toMatchObject({ kind: 'decline', is_initial: true, billing_cycle: 1 });
  });
  it('books a chargeback at 12:00 account time on its chargebackDate, beside the sale', () => {
    const ev = deriveEvents(t({ isChargedback: '1', chargebackAmount: '29.95', chargebackDate: '2025-04-02' }), Z);
    expect(ev.map((e) => e.kind)).toEqual(['sale', 'chargeback']);
    expect(ev[1]).toMatchObject({ event_id: 'chargeback:7', amount_cents: -2995, instant: dateOnlyToInstant('2025-04-02', Z.zone) });
    expect(deriveEvents(t({ isChargedback: 0, chargebackDate: '2025-04-02' }), Z).map((e) => e.kind)).toEqual(['sale']);
  });
  it('keeps the card network and BIN (6 digits at most), a decline\'s response text, a chargeback\'s reason code and the retry number', () => {
    const [d] = deriveEvents(t({ responseType: 'SOFT_DECLINE', responseText: '  Insufficient   funds ', cardType: 'Visa', cardBin: '4111119999', recycleNumber: '2' }), Z);
    expect(d).toMatchObject({ kind: 'decline', reason: 'Insufficient funds', card_brand: 'VISA', card_bin: '411111', recycle_number: 2 });
    const [sale, cb] = deriveEvents(t({ isChargedback: 1, chargebackDate: '2025-04-02', chargebackReasonCode: '4837', cardType: '', cardBin: '545454', responseText: 'Approved' }), Z);
    expect(sale).toMatchObject({ kind: 'sale', reason: null, card_brand: 'MASTERCARD', recycle_number: 0 });
    expect(cb).toMatchObject({ kind: 'chargeback', reason: '4837', card_brand: 'MASTERCARD', card_bin: '545454' });
    // A card number in a processor's text is masked before it reaches the ledger.
    expect(deriveEvents(t({ responseType: 'HARD_DECLINE', responseText: 'Card 4111111111111111 declined' }), Z)[0]?.reason).toBe('Card 411111******1111 declined');
  });
});
