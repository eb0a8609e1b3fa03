import { describe, expect, it } from 'vitest';
import { currencyOf } from './currency.js';
import { symbolOf } from './records.js';
import { escapeNonAscii, wireBytes } from './wire.js';

describe('wireBytes', () => {
  it('sends the currency signs as PHP json_encode does, \\u-escaped, which any JSON parser reads back', () => {
    const value = { a: symbolOf(currencyOf('EUR'), 'wire'), b: [symbolOf(currencyOf('GBP'), 'wire'), 'x'], c: symbolOf(currencyOf('MXN'), 'wire') };
    const text = wireBytes(value).toString('latin1');
    expect(text).toBe('{"a":"\\u20ac","b":["\\u00a3","x"],"c":"MX$"}');
    expect(JSON.parse(text)).toEqual({ a: '€', b: ['£', 'x'], c: 'MX$' });
  });

  it('escapes other non-ASCII text too, and leaves ASCII as it is', () => {
    expect(wireBytes({ note: 'Refund of €5.00', name: 'Müller', sym: symbolOf(currencyOf('EUR'), 'wire') }).toString('latin1')).toBe('{"note":"Refund of \\u20ac5.00","name":"M\\u00fcller","sym":"\\u20ac"}');
    expect(wireBytes({ plain: 'ascii only', n: 1 }).toString('latin1')).toBe('{"plain":"ascii only","n":1}');
    expect(escapeNonAscii('✓')).toBe('\\u2713');
  });
});
