import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';
import { addDays, money, moneyShort, monthStart, pct, PRESETS } from './format';

describe('money', () => {
  it('formats decimal strings exactly, with thousands separators, in their own currency', () => {
    expect(money('1234567.05', 'USD')).toBe('$1,234,567.05');
    expect(money('-12.5', 'USD')).toBe('-$12.50');
    expect(money('0.00', 'USD')).toBe('$0.00');
    expect(money(null, 'USD')).toBe('–');
    // Beyond a float's 15 to 17 digits, still exact.
    expect(money('90071992547409.93', 'USD')).toBe('$90,071,992,547,409.93');
    expect(money('1234.50', 'MXN')).toBe('MX$1,234.50');
    expect(money('125000', 'CLP').replace(/\s/g, ' ')).toBe('CLP 125,000');
    expect(money('-99.90', 'EUR')).toBe('-€99.90');
  });
  it('shortens axis ticks in the same currency', () => {
    expect([moneyShort(1250, 'USD'), moneyShort(12, 'USD'), moneyShort(2500000, 'MXN')]).toEqual(['$1.3K', '$12.00', 'MX$2.5M']);
  });
});

describe('dates', () => {
  it('does calendar arithmetic on YYYY-MM-DD', () => {
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(monthStart('2026-01-15', 1)).toBe('2025-12-01');
  });
  it('presets give inclusive ranges ending today', () => {
    const r = PRESETS.find((p) => p.id === '30d')!.range('2026-11-21');
    expect(r).toEqual({ from: '2026-10-23', to: '2026-11-21' });
    expect(PRESETS.find((p) => p.id === 'lm')!.range('2026-03-10')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
  });
  it('prints rates as percentages', () => {
    expect(pct(0.12345)).toBe('12.35%');
    expect(pct(null)).toBe('–');
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and ends rows with CRLF', () => {
    expect(toCsv(['a', 'b'], [['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n');
  });
  it('neutralises formulas in text cells, keeps negative numbers (Export CSV, hardening finding 9)', () => {
    expect(toCsv(['affiliate', 'net'], [['=HYPERLINK("http://evil.example")', '-12.50'], ['@cmd', '3']])).toBe(
      `affiliate,net\r\n"'=HYPERLINK(""http://evil.example"")",-12.50\r\n'@cmd,3\r\n`,
    );
  });
});
