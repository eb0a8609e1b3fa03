import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { addDays, dayNumber, daysBetween, isSupportedDate } from '../core/time.js';
import { checkReportRange, MAX_PERIODS, nextPeriodStart, periodsOf } from './range.js';

// Finding 3 of the hardening review: "10000-01-01" <= "9999-12-31" as text, so a month loop never ended.
describe('dates are bounded and compared as dates', () => {
  it('addDays stays in four-digit years and works below year 100', () => {
    expect(() => addDays('9999-12-31', 1)).toThrow(RangeError);
    expect(() => addDays('0001-01-01', -1)).toThrow(RangeError);
    expect(addDays('0050-02-28', 1)).toBe('0050-03-01');
    expect(daysBetween('0099-12-31', '0100-01-01')).toBe(1);
    expect(dayNumber('1970-01-02')).toBe(1);
  });

  it('refuses a month after 9999-12', () => {
    expect(() => nextPeriodStart('9999-12-01', 'month')).toThrow(RangeError);
    expect(periodsOf('9999-12-31', '9999-12-31', 'month')).toEqual([{ key: '9999-12', start: '9999-12-01' }]);
  });

  it('a report accepts dates from 2000 to 2100 only, and at most MAX_PERIODS periods', () => {
    expect(isSupportedDate('2100-12-31')).toBe(true);
    expect(isSupportedDate('9999-12-31')).toBe(false);
    expect(() => checkReportRange({ from: '9999-12-31', to: '9999-12-31' }, 'month')).toThrow(/not a date from 2000-01-01 to 2100-12-31/);
    expect(() => checkReportRange({ from: '2026-02-01', to: '2026-01-01' })).toThrow(UsageError);
    expect(() => checkReportRange({ from: '2000-01-01', to: '2100-12-31' })).not.toThrow();
    expect(() => checkReportRange({ from: '2000-01-01', to: '2100-12-31' }, 'month')).not.toThrow();
    expect(() => checkReportRange({ from: '2000-01-01', to: '2100-12-31' }, 'day')).toThrow(/36890 days; a report covers at most 3660 periods/);
    expect(() => periodsOf('2000-01-01', '2100-12-31', 'day')).toThrow(UsageError);
    expect(periodsOf('2016-01-01', '2025-12-31', 'day')).toHaveLength(3653);
    expect(MAX_PERIODS).toBeGreaterThanOrEqual(3653);
    expect(() => checkReportRange({ from: '2026-01-01', to: '2026-01-31', filters: [{ dimension: 'affiliate', values: Array.from({ length: 201 }, (_, i) => `a${i}`) }] })).toThrow(/at most 200/);
  });

  it('periodsOf counts weeks and months across years', () => {
    expect(periodsOf('2025-12-30', '2026-01-12', 'week').map((p) => p.key)).toEqual(['2026-W01', '2026-W02', '2026-W03']);
    expect(periodsOf('2025-11-15', '2026-02-01', 'month').map((p) => p.key)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});
