import { describe, expect, it } from 'vitest';
import { currencyOf, localPrice, roundToUnit } from './currency.js';

describe('localPrice', () => {
  it('converts a USD price and rounds it as a merchant would set it', () => {
    expect(localPrice(3995, currencyOf('USD'))).toBe(3995);
    expect(localPrice(3995, currencyOf('MXN'))).toBe(69_900); // MX$ 699.00
    expect(localPrice(3995, currencyOf('AUD'))).toBe(6195); // AU$ 61.95
    expect(localPrice(3995, currencyOf('EUR'))).toBe(3699); // € 36.99
    expect(localPrice(3995, currencyOf('COP'))).toBe(16_400_000); // CO$ 164,000.00
    expect(localPrice(3995, currencyOf('CLP'))).toBe(3_799_000); // CL$ 37,990.00
    expect(localPrice(0, currencyOf('CLP'))).toBe(0);
    expect(localPrice(195, currencyOf('COP'))).toBe(800_000); // at least one price step
  });
});

describe('roundToUnit', () => {
  it('rounds to whole units for currencies without cents, at least one unit', () => {
    expect(roundToUnit(123_456, currencyOf('CLP'))).toBe(123_500);
    expect(roundToUnit(20, currencyOf('COP'))).toBe(100);
    expect(roundToUnit(12_345, currencyOf('USD'))).toBe(12_345);
  });
});

describe('currencyOf', () => {
  it('reads an ISO code in any case, and refuses one without a symbol the client maps', () => {
    expect(currencyOf(' mxn ').symbol).toBe('MX$');
    expect(() => currencyOf('JPY')).toThrow(RangeError);
  });
});
