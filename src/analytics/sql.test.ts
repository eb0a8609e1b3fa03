import { describe, expect, it } from 'vitest';
import { divRound } from './arith.js';
import { healthOf } from './mids.js';
import { periodsOf, previousRange } from './range.js';
import { offsetChanges } from './sql.js';

describe('offsetChanges', () => {
  it('finds both 2025 New York transitions to the minute', () => {
    expect(offsetChanges('America/New_York', Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1))).toEqual([
      { from: Date.UTC(2025, 0, 1), minutes: -300 },
      { from: Date.UTC(2025, 2, 9, 7), minutes: -240 }, // 02:00 EST
      { from: Date.UTC(2025, 10, 2, 6), minutes: -300 }, // 02:00 EDT
    ]);
  });
  it('handles half-hour DST (Lord Howe) and zones without DST', () => {
    const lh = offsetChanges('Australia/Lord_Howe', Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1)).map((c) => c.minutes);
    expect(lh).toEqual([660, 630, 660]);
    expect(offsetChanges('Asia/Kathmandu', Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1))).toEqual([{ from: Date.UTC(2025, 0, 1), minutes: 345 }]);
  });
});

describe('report arithmetic and periods', () => {
  it('rounds money halves away from zero, once', () => {
    expect([divRound(5, 2), divRound(-5, 2), divRound(33500, 7), divRound(1, 3), divRound(7, 0)]).toEqual([3, -3, 4786, 0, null]);
  });
  it('labels MID ratios against ascending thresholds', () => {
    const t = [0.009, 0.01, 0.015];
    expect([healthOf(0.0089, t), healthOf(0.009, t), healthOf(0.0125, t), healthOf(0.015, t), healthOf(null, t)]).toEqual(['ok', 'watch', 'warning', 'excessive', 'no-sales']);
  });
  it('lists ISO weeks across a year end and the previous range of equal length', () => {
    expect(periodsOf('2024-12-28', '2025-01-07', 'week').map((p) => p.key)).toEqual(['2024-W52', '2025-W01', '2025-W02']);
    expect(previousRange('2025-03-01', '2025-03-31')).toEqual({ from: '2025-01-29', to: '2025-02-28' });
  });
});
