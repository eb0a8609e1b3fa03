import { describe, expect, it } from 'vitest';
import { kaplanMeier, lifeTable } from './forecast.js';
import { lastCycleWithin } from './forecast-model.js';

const fate = (lastOk: number, dueThrough: number, count: number) => ({ lastOk, dueThrough, count, firstGapDays: 14, gapDays: 30 });

describe('the forecast\'s life table', () => {
  it('counts a subscription whose next cycle was due and not paid as churned, one whose next cycle is pending as censored', () => {
    // Paid 1 cycle, cycle 2 due: churned in period 1. Paid 3, cycle 4 due: churned in period 3.
    // Paid 2, cycle 3 pending: censored after period 1. Paid 1, cycle 2 pending: censored at period 0.
    const t = lifeTable([fate(1, 2, 5), fate(3, 5, 2), fate(2, 2, 7), fate(1, 1, 4)]);
    expect(t).toEqual({ churned: [0, 5, 0, 2], censored: [4, 7, 0, 0] });
  });

  it('Kaplan-Meier: survival is the product of the shares surviving each period among those observed at it', () => {
    const t = { churned: [0, 10, 5, 2], censored: [20, 30, 10, 23] };
    // At risk in period 1: 100 - 20 = 80 (10 churn); period 2: 80 - 10 - 30 = 40 (5 churn); period 3: 40 - 5 - 10 = 25 (2 churn).
    const s = kaplanMeier(t);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeCloseTo(70 / 80, 12);
    expect(s[2]).toBeCloseTo((70 / 80) * (35 / 40), 12);
    expect(s[3]).toBeCloseTo((70 / 80) * (35 / 40) * (23 / 25), 12);
    // Without censoring it is the plain share of survivors.
    expect(kaplanMeier({ churned: [0, 3, 1], censored: [0, 0, 6] })).toEqual([1, 0.7, 0.6]);
  });

  it('the last cycle paid within a horizon: cycle 2 after the first gap, then one per gap', () => {
    expect(lastCycleWithin(14, 14, 30)).toBe(1);
    expect(lastCycleWithin(15, 14, 30)).toBe(2);
    expect(lastCycleWithin(44, 14, 30)).toBe(2);
    expect(lastCycleWithin(45, 14, 30)).toBe(3);
    // A monthly plan over a year: days 0 (cycle 1), 30, 60, ..., 330 (cycle 12), 360 (cycle 13) < 365.
    expect(lastCycleWithin(365, 30, 30)).toBe(13);
    expect(lastCycleWithin(183, 60, 60)).toBe(4);
  });
});
