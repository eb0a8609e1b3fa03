import { describe, expect, it } from 'vitest';
import { toCsv } from './csv';
import { addDays, addMonths, isPartialPeriod, lastMonths, money, moneyTick, monthStart, pct, periodLabel, periodSpan, plural, PRESETS } from './format';

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
  it('prints axis ticks in full where there is room, compact only when asked, in the same currency', () => {
    const full = { compact: false, step: 250 };
    expect([moneyTick(1250, 'USD', full), moneyTick(0, 'USD', full), moneyTick(2500000, 'MXN', full)]).toEqual(['$1,250', '$0', 'MX$2,500,000']);
    expect(moneyTick(0.5, 'USD', { compact: false, step: 0.25 })).toBe('$0.50');
    const compact = { compact: true, step: 250 };
    expect([moneyTick(1250, 'USD', compact), moneyTick(2500000, 'MXN', compact)]).toEqual(['$1.25K', 'MX$2.5M']);
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
  it('moves by calendar months, clamping the day', () => {
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-03-31', -1)).toBe('2024-02-29');
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15');
  });
  it('"last N months" are the N months ending today, today included (not the calendar year)', () => {
    expect(lastMonths('2026-12-05', 12)).toEqual({ from: '2025-12-06', to: '2026-12-05' });
    expect(PRESETS.find((p) => p.id === '12m')!.range('2026-12-05')).toEqual({ from: '2025-12-06', to: '2026-12-05' });
    expect(PRESETS.find((p) => p.id === 'ytd')!.range('2026-12-05')).toEqual({ from: '2026-01-01', to: '2026-12-05' });
    expect(lastMonths('2026-03-31', 1)).toEqual({ from: '2026-03-01', to: '2026-03-31' });
  });
  it('knows a period\'s days, and when it is partial (cut by the range, or still running)', () => {
    expect(periodSpan('2026-W01')).toEqual({ first: '2025-12-29', last: '2026-01-04' });
    expect(periodSpan('2026-02')).toEqual({ first: '2026-02-01', last: '2026-02-28' });
    const range = { from: '2025-12-06', to: '2026-12-05' };
    expect(isPartialPeriod('2025-12', range, '2026-12-05')).toBe(true);
    expect(isPartialPeriod('2026-06', range, '2026-12-05')).toBe(false);
    expect(isPartialPeriod('2026-12', range, '2026-12-05')).toBe(true);
    // A finished day is whole; today is still running.
    expect(isPartialPeriod('2026-12-04', range, '2026-12-05')).toBe(false);
    expect(isPartialPeriod('2026-12-05', range, '2026-12-05')).toBe(true);
    expect([periodLabel('2026-12-05'), periodLabel('2026-W49'), periodLabel('2026-12')]).toEqual(['Dec 5', 'W49 2026', 'Dec 2026']);
  });
  it('says plurals right', () => {
    expect([plural(1, 'record'), plural(2, 'record'), plural(1200, 'difference'), plural(0, 'match', 'matches')]).toEqual(['1 record', '2 records', '1,200 differences', '0 matches']);
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
