import { describe, expect, it } from 'vitest';
import { divRound } from './arith.js';
import { periodsOf, previousRange } from './range.js';

describe('report arithmetic and periods', () => {
  it('rounds money halves away from zero, once', () => {
    expect([divRound(5, 2), divRound(-5, 2), divRound(33500, 7), divRound(1, 3), divRound(7, 0)]).toEqual([3, -3, 4786, 0, null]);
  });
  it('lists ISO weeks across a year end and the previous range of equal length', () => {
    expect(periodsOf('2024-12-28', '2025-01-07', 'week').map((p) => p.key)).toEqual(['2024-W52', '2025-W01', '2025-W02']);
    expect(previousRange('2025-03-01', '2025-03-31')).toEqual({ from: '2025-01-29', to: '2025-02-28' });
  });
});
