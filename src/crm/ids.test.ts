import { describe, expect, it } from 'vitest';
import { billingOf, campaignProducts } from './ids.js';

describe('the CRM ids of a campaign record', () => {
  it('reads campaign products from an array or an object keyed by id, names without the "(id) " prefix', () => {
    const product = { campaignProductId: '15271', productId: '14015', productName: '(14015) NAD+ (500MG)', billingCycleType: 'RECURRING' };
    expect(campaignProducts({ products: [product] })).toEqual([{ campaignProductId: 15271, productId: 14015, name: 'NAD+ (500MG)', billing: 'RECURRING' }]);
    expect(campaignProducts({ products: { 15271: product } })).toEqual(campaignProducts({ products: [product] }));
    expect(campaignProducts({})).toEqual([]);
  });

  it('says one-time or recurring from what the record says, UNKNOWN otherwise', () => {
    expect(billingOf({ billingCycleType: 'ONE_TIME' })).toBe('ONE_TIME');
    expect(billingOf({ rebillDays: '30' })).toBe('RECURRING');
    expect(billingOf({ productName: 'x' })).toBe('UNKNOWN');
  });
});
