import { describe, expect, it } from 'vitest';
import { backfillPlan, incrementalPlan, laterDate, pagesToResume, remainingPages, splitWindow, windowDays, windowKey } from './plan.js';
import { BackfillWalks, before, Frontier } from './run.js';

describe('window planning', () => {
  it('keeps a sparse window whole', () => {
    expect(splitWindow({ start: '2025-01-01', end: '2025-12-31' }, 1500)).toBeNull();
  });
  it('splits a dense window in proportion to its density, covering every day once, newest part first', () => {
    const parts = splitWindow({ start: '2025-01-01', end: '2025-01-31' }, 9000, { maxRowsPerWindow: 2000, perPage: 200 });
    expect(parts).toHaveLength(5);
    expect(parts?.[0]?.end).toBe('2025-01-31');
    expect(parts?.at(-1)?.start).toBe('2025-01-01');
    expect(parts?.reduce((n, w) => n + windowDays(w), 0)).toBe(31);
    for (let i = 1; i < (parts?.length ?? 0); i++) expect(parts![i]!.end < parts![i - 1]!.start).toBe(true);
  });
  it('never splits below one day, and goes to days when very dense', () => {
    expect(splitWindow({ start: '2025-03-09', end: '2025-03-09' }, 1e6)).toBeNull();
    const parts = splitWindow({ start: '2025-01-01', end: '2025-01-10' }, 1e6);
    expect(parts).toHaveLength(10);
    expect(parts?.every((w) => w.start === w.end)).toBe(true);
  });
  it('lists the pages after the first, and what a resume still needs', () => {
    expect(remainingPages(401, 200)).toEqual([2, 3]);
    expect(remainingPages(200, 200)).toEqual([]);
    expect(remainingPages(0, 200)).toEqual([]);
    expect(pagesToResume(1000, 200, new Set([1, 2, 4]), 1000)).toEqual([3, 5]);
    // The total moved: pages shifted, so fetch them all again.
    expect(pagesToResume(1001, 200, new Set([1, 2, 4]), 1000)).toEqual([2, 3, 4, 5, 6]);
  });
  it('plans a backfill by dateCreated and an incremental by dateUpdated with a look-back', () => {
    expect(backfillPlan('2025-01-01', '2025-06-30')).toEqual({ window: { start: '2025-01-01', end: '2025-06-30' }, scope: 'backfill:2025-01-01..2025-06-30', rangeType: 'dateCreated' });
    expect(() => backfillPlan('2025-02-01', '2025-01-01')).toThrow();
    const inc = incrementalPlan('2025-03-10', '2025-03-12', 3);
    expect(inc.window.start).toBe('2025-03-07');
    expect(inc.window.end).toBe('2026-03-13');
    expect(inc.rangeType).toBe('dateUpdated');
    // A CRM clock ahead of ours: the horizon follows the checkpoint.
    expect(incrementalPlan('2027-01-10', '2025-03-12', 3).window.end).toBe('2028-01-11');
    expect(windowKey('dateUpdated', inc.window)).toBe('dateUpdated:2025-03-07..2026-03-13');
  });
  it('picks the later date', () => {
    expect(laterDate(null, '2025-01-01')).toBe('2025-01-01');
    expect(laterDate('2025-01-02', '2025-01-01')).toBe('2025-01-02');
    expect(laterDate('2025-01-02', null)).toBe('2025-01-02');
  });
});

describe('the backfill frontier', () => {
  it('moves back only over contiguous committed windows from the last day, whatever order they finish in', () => {
    const moves: string[] = [];
    const f = new Frontier('2025-03-31', 200, (from) => moves.push(from));
    f.leaf('feb', { start: '2025-02-01', end: '2025-02-28' }, 300);
    f.committed('feb', 1);
    f.committed('feb', 2);
    // February is complete but March is not: the frontier stays at the end.
    expect(moves).toEqual([]);
    f.leaf('mar', { start: '2025-03-01', end: '2025-03-31' }, 150);
    f.committed('mar', 1);
    expect(moves).toEqual(['2025-02-01']);
    // An earlier run's committed pages count.
    f.leaf('jan', { start: '2025-01-01', end: '2025-01-31' }, 400, new Set([2]));
    f.committed('jan', 1);
    expect(moves).toEqual(['2025-02-01', '2025-01-01']);
  });
});

describe('the two walks of a backfill', () => {
  it('cover a day once both the sales and the chargebacks walk have committed it', () => {
    const moves: string[] = [];
    const w = new BackfillWalks('2025-03-31', 200, (from) => moves.push(from));
    w.created.leaf('mar', { start: '2025-03-01', end: '2025-03-31' }, 150);
    w.created.committed('mar', 1);
    w.created.leaf('feb', { start: '2025-02-01', end: '2025-02-28' }, 150);
    w.created.committed('feb', 1);
    // The sales of February and March are in, their chargebacks of older sales not yet: nothing covered.
    expect(moves).toEqual([]);
    w.chargebacks.leaf('cb-mar', { start: '2025-03-01', end: '2025-03-31' }, 10);
    w.chargebacks.committed('cb-mar', 1);
    expect(moves).toEqual(['2025-03-01']);
    w.chargebacks.leaf('cb-jan-feb', { start: '2025-01-01', end: '2025-02-28' }, 10);
    w.chargebacks.committed('cb-jan-feb', 1);
    // The chargebacks reach January, the sales February: February is the first day both cover.
    expect(moves).toEqual(['2025-03-01', '2025-02-01']);
  });
});

describe('the order workers take tasks in', () => {
  it('the ledger first, its newest window first, the rest in the order queued', () => {
    const tasks = [
      { name: 'orders', ledger: false, end: '2025-03-31', seq: 0 },
      { name: 'txns jan', ledger: true, end: '2025-01-31', seq: 1 },
      { name: 'customers', ledger: false, end: '2025-01-31', seq: 2 },
      { name: 'txns mar', ledger: true, end: '2025-03-31', seq: 3 },
      { name: 'txns feb', ledger: true, end: '2025-02-28', seq: 4 },
    ];
    const sorted = [...tasks].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
    expect(sorted.map((t) => t.name)).toEqual(['txns mar', 'txns feb', 'txns jan', 'orders', 'customers']);
  });
});
