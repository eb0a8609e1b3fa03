import { describe, expect, it } from 'vitest';
import { maskDigitsInText, maskNumber } from './mask.js';

describe('masking', () => {
  it('shows at most the first 6 and last 4 digits of a card', () => {
    expect(maskNumber('4111111111111111')).toBe('411111******1111');
    expect(maskNumber('378282246310005')).toBe('378282*****0005');
  });
  it('shows only the last 4 of short bank numbers', () => {
    expect(maskNumber('123456789')).toBe('*****6789');
    expect(maskNumber('1234')).toBe('****');
  });
  it('masks card-like digit runs inside text', () => {
    expect(maskDigitsInText('card 4111 1111 1111 1111 declined')).toBe('card 411111******1111 declined');
    expect(maskDigitsInText('order 12345 ok')).toBe('order 12345 ok');
  });
});
