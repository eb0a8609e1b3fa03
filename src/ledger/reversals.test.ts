import { describe, expect, it } from 'vitest';
import type { MoneyEvent } from './events.js';
import { withDisputeHistory, type DisputeEvent } from './reversals.js';

const base: MoneyEvent = {
  event_id: 'sale:9', kind: 'sale', transaction_id: 9, instant: 1000, amount_cents: 5000, customer_id: 1, order_id: 'O9', purchase_id: null, campaign_id: 1, product_id: 2,
  aff_id: null, source_value1: null, merchant_id: 3, billing_cycle: 1, is_initial: true, currency: 'USD', coupon_code: null, attribution: 'own/-',
};
const cb = (at: number): MoneyEvent => ({ ...base, event_id: 'chargeback:9', kind: 'chargeback', instant: at, amount_cents: -5000 });
const held = (id: string, kind: DisputeEvent['kind'], instant: number, amount_cents: number): DisputeEvent => ({ event_id: id, kind, instant, amount_cents });
const brief = (es: MoneyEvent[]) => es.map((e) => [e.event_id, e.instant, e.amount_cents]);

describe('chargeback reversals', () => {
  it('leaves a first derivation as it is', () => {
    expect(withDisputeHistory([base, cb(2000)], [], 3000)).toEqual([base, cb(2000)]);
  });
  it('books a reversal at the change when a booked chargeback is cleared, keeping the chargeback', () => {
    expect(brief(withDisputeHistory([base], [held('chargeback:9', 'chargeback', 2000, -5000)], 7000))).toEqual([['sale:9', 1000, 5000], ['chargeback:9', 2000, -5000], ['chargeback_reversal:9', 7000, 5000]]);
  });
  it('keeps a settled history as it is, and updates the open dispute in place', () => {
    const settled = [held('chargeback:9', 'chargeback', 2000, -5000), held('chargeback_reversal:9', 'chargeback_reversal', 7000, 5000)];
    expect(brief(withDisputeHistory([base], settled, 9000))).toEqual([['sale:9', 1000, 5000], ['chargeback:9', 2000, -5000], ['chargeback_reversal:9', 7000, 5000]]);
    expect(brief(withDisputeHistory([base, { ...cb(2500), amount_cents: -4000 }], [held('chargeback:9', 'chargeback', 2000, -5000)], 3000))).toEqual([['sale:9', 1000, 5000], ['chargeback:9', 2500, -4000]]);
  });
  it('books a new chargeback after a reversal as a second one', () => {
    const settled = [held('chargeback_reversal:9', 'chargeback_reversal', 7000, 5000), held('chargeback:9', 'chargeback', 2000, -5000)];
    expect(brief(withDisputeHistory([base, cb(11000)], settled, 11000))).toEqual([['sale:9', 1000, 5000], ['chargeback:9', 2000, -5000], ['chargeback_reversal:9', 7000, 5000], ['chargeback:9:2', 11000, -5000]]);
  });
  it('keeps the reason code a past dispute was booked with, on it and on its reversal', () => {
    const settled = [{ ...held('chargeback:9', 'chargeback', 2000, -5000), reason: '13.1' }, { ...held('chargeback_reversal:9', 'chargeback_reversal', 7000, 5000), reason: '13.1' }];
    const out = withDisputeHistory([base, { ...cb(11000), reason: '10.4' }], settled, 11000);
    expect(out.map((e) => [e.event_id, e.reason])).toEqual([['sale:9', undefined], ['chargeback:9', '13.1'], ['chargeback_reversal:9', '13.1'], ['chargeback:9:2', '10.4']]);
    const cleared = withDisputeHistory([base], [{ ...held('chargeback:9', 'chargeback', 2000, -5000), reason: '4837' }], 7000);
    expect(cleared.map((e) => [e.event_id, e.reason])).toEqual([['sale:9', undefined], ['chargeback:9', '4837'], ['chargeback_reversal:9', '4837']]);
  });
});
