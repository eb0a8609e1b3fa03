import { describe, expect, it } from 'vitest';
import { addDays, daysBetween } from './time.js';
import { monthsEarlier, namedRange, RANGE_LABELS, RANGE_NAMES } from './ranges.js';

describe('named ranges', () => {
  it('Last 12 months ends today and starts the day after the same day a year earlier, in December too', () => {
    // The dashboard once drew "Last 12 months" in December as January 1..today, the same as Year to date.
    expect(namedRange('last-12-months', '2026-12-05')).toEqual({ from: '2025-12-06', to: '2026-12-05' });
    expect(namedRange('year-to-date', '2026-12-05')).toEqual({ from: '2026-01-01', to: '2026-12-05' });
    expect(namedRange('last-12-months', '2026-01-01')).toEqual({ from: '2025-01-02', to: '2026-01-01' });
    // A leap day's year-earlier twin is the 28th; the range then starts on March 1.
    expect(namedRange('last-12-months', '2028-02-29')).toEqual({ from: '2027-03-01', to: '2028-02-29' });
  });

  it('a trailing range of N days holds N days, today included', () => {
    const yearDays: Record<string, number> = { '2026-03-08': 365, '2026-12-31': 365, '2024-02-29': 366 };
    for (const today of Object.keys(yearDays)) {
      for (const [name, n] of [['last-7-days', 7], ['last-30-days', 30], ['last-90-days', 90]] as const) {
        const r = namedRange(name, today);
        expect(r.to).toBe(today);
        expect(daysBetween(r.from, r.to) + 1).toBe(n);
      }
      // Twelve months hold the days of the year that ends today: 365, or 366 across a February 29.
      const y = namedRange('last-12-months', today);
      expect(daysBetween(y.from, y.to) + 1).toBe(yearDays[today]);
    }
  });

  it('calendar ranges: this month to date, the whole last month, the year to date', () => {
    expect(namedRange('month-to-date', '2026-03-10')).toEqual({ from: '2026-03-01', to: '2026-03-10' });
    expect(namedRange('last-month', '2026-03-10')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(namedRange('last-month', '2026-01-31')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(namedRange('year-to-date', '2026-01-01')).toEqual({ from: '2026-01-01', to: '2026-01-01' });
  });

  it('months earlier keep the day, or the month\'s last when it has fewer', () => {
    expect(monthsEarlier('2026-03-31', 1)).toBe('2026-02-28');
    expect(monthsEarlier('2026-01-15', 13)).toBe('2024-12-15');
    expect(monthsEarlier('2024-02-29', 12)).toBe('2023-02-28');
    expect(addDays(monthsEarlier('2026-05-31', 3), 0)).toBe('2026-02-28');
  });

  it('names every range for people', () => {
    expect(RANGE_NAMES.map((n) => RANGE_LABELS[n])).toEqual(['Last 7 days', 'Last 30 days', 'Last 90 days', 'This month', 'Last month', 'Year to date', 'Last 12 months']);
  });
});
