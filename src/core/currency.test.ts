import { describe, expect, it } from 'vitest';
import { currencyOf, decimalsOf, formatMinor, UNKNOWN_CURRENCY } from './currency.js';

describe('currencies', () => {
  it('names a record\'s currency by its code, else its symbol, else the base currency', () => {
    expect(currencyOf('mxn', 'MX$', 'USD')).toBe('MXN');
    // The nine symbols a real account's export holds, without a code.
    const seen = ['$', 'MX$', 'AU$', 'R', '€', '£', 'CA$', 'CO$', 'CL$'].map((s) => currencyOf(null, s, 'USD'));
    expect(seen).toEqual(['USD', 'MXN', 'AUD', 'ZAR', 'EUR', 'GBP', 'CAD', 'COP', 'CLP']);
    // A bare $ and a missing symbol are the connection's base currency.
    expect([currencyOf(null, '$', 'CAD'), currencyOf(undefined, undefined, 'CAD'), currencyOf('', ' ', 'AUD')]).toEqual(['CAD', 'CAD', 'AUD']);
    // A symbol nobody knows is kept apart, never taken for the base currency.
    expect(currencyOf(null, '₿', 'USD')).toBe(UNKNOWN_CURRENCY);
  });

  it('prints hundredths with the currency\'s own minor units', () => {
    expect([decimalsOf('USD'), decimalsOf('CLP'), decimalsOf('JPY'), decimalsOf('COP')]).toEqual([2, 0, 0, 2]);
    expect([formatMinor(123450, 'USD'), formatMinor(-5, 'EUR'), formatMinor(1250000, 'CLP'), formatMinor(-1250050, 'CLP'), formatMinor(49, 'CLP')]).toEqual(['1234.50', '-0.05', '12500', '-12501', '0']);
  });
});
