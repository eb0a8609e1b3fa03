import { describe, expect, it } from 'vitest';
import { minimizeMultiStart, nelderMead } from './optimize.js';

const box = (n: number, lo: number, hi: number) => ({ lower: new Array<number>(n).fill(lo), upper: new Array<number>(n).fill(hi) });

describe('nelderMead', () => {
  it('finds the minimum of the Rosenbrock valley at (1, 1)', () => {
    const rosen = ([x, y]: number[]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], box(2, -5, 5));
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
  });

  it('stops on the bound when the minimum lies beyond it', () => {
    // Unconstrained minimum at (3, -2); the box stops x at 1 and leaves y free.
    const f = ([x, y]: number[]) => (x! - 3) ** 2 + (y! + 2) ** 2 + x! * y! * 0.1;
    const r = nelderMead(f, [0, 0], { lower: [-1, -5], upper: [1, 5] });
    expect(r.x[0]).toBe(1);
    // With x = 1: minimise (y+2)^2 + 0.1 y -> y = -2.05.
    expect(r.x[1]).toBeCloseTo(-2.05, 6);
  });

  it('treats NaN as +Infinity and never evaluates outside the box', () => {
    const seen: number[][] = [];
    const f = ([x]: number[]) => {
      seen.push([x!]);
      return x! < 0.5 ? Number.NaN : (x! - 2) ** 2;
    };
    const r = nelderMead(f, [1], { lower: [0], upper: [10] });
    expect(r.x[0]).toBeCloseTo(2, 6);
    expect(seen.every(([x]) => x! >= 0 && x! <= 10)).toBe(true);
  });

  it('reports non-convergence when the budget runs out', () => {
    const rosen = ([x, y]: number[]) => 100 * (y! - x! * x!) ** 2 + (1 - x!) ** 2;
    const r = nelderMead(rosen, [-1.2, 1], box(2, -5, 5), { maxEvals: 30 });
    expect(r.converged).toBe(false);
    expect(r.evals).toBeLessThanOrEqual(31);
  });

  it('stops a start whose value stalls along a ridge, long before its budget, and flags it', () => {
    // The value keeps falling as y grows, ever more slowly (e^-y): no minimum inside the box.
    const f = ([x, y]: number[]) => (x! - 1) ** 2 + Math.exp(-y!);
    const box2 = { lower: [-5, -5], upper: [5, 1e6] };
    const full = nelderMead(f, [0, 0], box2, { maxEvals: 20000 });
    const r = nelderMead(f, [0, 0], box2, { maxEvals: 20000, stallWindow: 200, stallTol: 1e-10 });
    expect(r.stalled).toBe(true);
    expect(r.converged).toBe(true);
    expect(full.stalled).toBe(false);
    expect(r.evals).toBeLessThan(full.evals / 2);
    expect(r.x[0]).toBeCloseTo(1, 4);
    // Stopped where what is left to gain is below the tolerance's scale.
    expect(r.value - 0).toBeLessThan(1e-6);
  });
});

describe('minimizeMultiStart', () => {
  it('keeps the best of several local minima and counts the starts that found it', () => {
    // Two wells: a shallow one at x = -1 (value 0.5) and the deepest at x = 2 (value 0).
    const f = ([x]: number[]) => Math.min((x! + 1) ** 2 + 0.5, (x! - 2) ** 2);
    const r = minimizeMultiStart(f, [[-1.5], [-0.8], [2.5]], { lower: [-3], upper: [3] }, { step: 0.1 });
    expect(r.x[0]).toBeCloseTo(2, 6);
    expect(r.value).toBeCloseTo(0, 10);
    expect(r.agreeing).toBe(1);
    expect(r.runs).toHaveLength(3);
  });
});
