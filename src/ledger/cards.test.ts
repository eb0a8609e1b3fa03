import { describe, expect, it } from 'vitest';
import { binOf, brandOfBin, cardBrandOf, MAX_REASON_LENGTH, reasonOf } from './cards.js';

describe('cards', () => {
  it('reads the network from the CRM card type, in its usual spellings', () => {
    expect(['Visa', 'VISA', 'visa electron', 'MC', 'Master Card', 'MASTERCARD', 'American Express', 'AMEX', 'Discover'].map((t) => cardBrandOf(t, null))).toEqual([
      'VISA', 'VISA', 'VISA', 'MASTERCARD', 'MASTERCARD', 'MASTERCARD', 'AMEX', 'AMEX', 'DISCOVER',
    ]);
  });
  it('falls back on the BIN, then on the card type as written', () => {
    expect(cardBrandOf(null, '4000001234')).toBe('VISA');
    expect(cardBrandOf('', '510000')).toBe('MASTERCARD');
    expect(cardBrandOf(null, '222100')).toBe('MASTERCARD');
    expect(cardBrandOf(null, '272099')).toBe('MASTERCARD');
    expect(cardBrandOf(null, '272100')).toBeNull();
    expect(cardBrandOf('TESTCARD', '999999')).toBe('TESTCARD');
    expect(cardBrandOf(null, null)).toBeNull();
    expect([brandOfBin('340000'), brandOfBin('370000'), brandOfBin('601100'), brandOfBin('650000'), brandOfBin('644000'), brandOfBin('643999')]).toEqual(['AMEX', 'AMEX', 'DISCOVER', 'DISCOVER', 'DISCOVER', null]);
  });
  it('keeps at most the first 6 digits of a BIN', () => {
    expect(binOf('4111 1111 1111 1111')).toBe('411111');
    expect(binOf('41111')).toBeNull();
    expect(binOf(null)).toBeNull();
  });
  it('keeps reasons trimmed, masked and bounded', () => {
    expect(reasonOf('  Do  Not\tHonor ')).toBe('Do Not Honor');
    expect(reasonOf('   ')).toBeNull();
    expect(reasonOf('x'.repeat(500))).toHaveLength(MAX_REASON_LENGTH);
    expect(reasonOf('card 5454545454545454 stolen')).toBe('card 545454******5454 stolen');
  });
});
