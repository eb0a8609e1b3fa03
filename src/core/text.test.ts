import { describe, expect, it } from 'vitest';
import { plural, verb } from './text.js';

describe('plural', () => {
  it('says one in the singular, every other count in the plural, with thousands separators', () => {
    expect(plural(1, 'difference')).toBe('1 difference');
    expect(plural(0, 'difference')).toBe('0 differences');
    expect(plural(120, 'more line', 'more lines')).toBe('120 more lines');
    expect(plural(1200, 'customer')).toBe('1,200 customers');
    expect(plural(2, 'active subscription')).toBe('2 active subscriptions');
    expect(`${plural(1, 'row')} ${verb(1, 'has', 'have')}`).toBe('1 row has');
    expect(`${plural(3, 'row')} ${verb(3, 'has', 'have')}`).toBe('3 rows have');
  });
});
