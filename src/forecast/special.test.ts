import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/prng.js';
import { chiSquare1Quantile, digamma, lnBeta, lnGamma, logAddExp, normalQuantile } from './special.js';

/** ln((n-1)!) by summing logarithms: Γ(n) for whole n, independent of any approximation. */
function lnFactorialMinus1(n: number): number {
  let s = 0;
  for (let i = 2; i < n; i++) s += Math.log(i);
  return s;
}

describe('lnGamma', () => {
  it('equals ln((n-1)!) at whole numbers, on both sides of the Lanczos/Stirling switch at 15', () => {
    for (const n of [1, 2, 3, 4, 7, 10, 14, 15, 16, 20, 50, 171, 1000]) {
      const exact = lnFactorialMinus1(n);
      expect(Math.abs(lnGamma(n) - exact)).toBeLessThanOrEqual(2e-15 * Math.max(1, Math.abs(exact)));
    }
  });

  it('equals ln((2n)! √π / (4^n n!)) at half-integers n + 1/2', () => {
    for (const n of [0, 1, 2, 5, 14, 15, 40]) {
      let lnTwoNFact = 0;
      for (let i = 2; i <= 2 * n; i++) lnTwoNFact += Math.log(i);
      const exact = lnTwoNFact + 0.5 * Math.log(Math.PI) - n * Math.log(4) - lnFactorialMinus1(n + 1);
      expect(Math.abs(lnGamma(n + 0.5) - exact)).toBeLessThanOrEqual(3e-15 * Math.max(1, Math.abs(exact)));
    }
  });

  it('keeps Γ(x+1) = x Γ(x) and the reflection formula at random points from 1e-6 to 1e6', () => {
    const rand = mulberry32(20);
    for (let i = 0; i < 2000; i++) {
      const x = Math.exp(-14 + 28 * rand());
      const lhs = lnGamma(x + 1) - lnGamma(x);
      expect(Math.abs(lhs - Math.log(x))).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(lnGamma(x))));
    }
    for (const x of [1e-8, 0.01, 0.3, 0.49, 0.5]) {
      // Γ(x) Γ(1 - x) = π / sin(πx)
      expect(lnGamma(x) + lnGamma(1 - x)).toBeCloseTo(Math.log(Math.PI / Math.sin(Math.PI * x)), 13);
    }
  });

  it('is NaN outside x > 0', () => {
    expect(lnGamma(0)).toBeNaN();
    expect(lnGamma(-1.5)).toBeNaN();
    expect(lnGamma(Number.NaN)).toBeNaN();
  });
});

describe('lnBeta', () => {
  it('equals ln((a-1)!(b-1)!/(a+b-1)!) at whole numbers and is symmetric', () => {
    for (const [a, b] of [[1, 1], [2, 3], [7, 30], [100, 2]] as const) {
      const exact = lnFactorialMinus1(a) + lnFactorialMinus1(b) - lnFactorialMinus1(a + b);
      expect(lnBeta(a, b)).toBeCloseTo(exact, 12);
      expect(lnBeta(b, a)).toBe(lnBeta(a, b));
    }
  });

  it('keeps B(a+1, b) = B(a, b) a/(a+b), the recursion the sBG probabilities are made of', () => {
    const rand = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      const a = Math.exp(-5 + 10 * rand());
      const b = Math.exp(-5 + 15 * rand());
      expect(lnBeta(a + 1, b) - lnBeta(a, b)).toBeCloseTo(Math.log(a / (a + b)), 9);
    }
  });
});

describe('logAddExp', () => {
  it('adds in log space without overflow', () => {
    expect(logAddExp(Math.log(2), Math.log(3))).toBeCloseTo(Math.log(5), 15);
    expect(logAddExp(1000, 1000)).toBeCloseTo(1000 + Math.log(2), 12);
    expect(logAddExp(-1000, -1e6)).toBe(-1000);
    expect(logAddExp(Number.NEGATIVE_INFINITY, 3)).toBe(3);
  });
});

describe('normal and chi-square quantiles', () => {
  it('match tabulated values to 1e-8', () => {
    // Φ⁻¹(0.975), Φ⁻¹(0.995), Φ⁻¹(0.001), Φ⁻¹(0.5); chi-square(1) at 0.95 and 0.99.
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 8);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489, 8);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 8);
    expect(normalQuantile(0.5)).toBe(0);
    expect(chiSquare1Quantile(0.95)).toBeCloseTo(3.841458820694124, 7);
    expect(chiSquare1Quantile(0.99)).toBeCloseTo(6.634896601021214, 7);
  });

  it('is symmetric and monotone', () => {
    for (const p of [1e-6, 0.01, 0.02425, 0.1, 0.3]) expect(normalQuantile(p)).toBeCloseTo(-normalQuantile(1 - p), 8);
    let prev = Number.NEGATIVE_INFINITY;
    for (let p = 0.0005; p < 1; p += 0.0005) {
      const q = normalQuantile(p);
      expect(q).toBeGreaterThan(prev);
      prev = q;
    }
  });
});

describe('digamma', () => {
  it('is -Euler-Mascheroni at 1, satisfies the recurrence and is the derivative of lnGamma', () => {
    // psi(1) = -0.5772156649015329 and psi(1/2) = -gamma - 2 ln 2: exact values.
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 13);
    expect(digamma(0.5)).toBeCloseTo(-0.5772156649015329 - 2 * Math.LN2, 13);
    for (const x of [1e-4, 0.3, 2.5, 9.9, 10, 17.2, 450, 1e6]) {
      // psi(x + 1) = psi(x) + 1/x, relative to the larger term.
      expect(Math.abs(digamma(x + 1) - digamma(x) - 1 / x)).toBeLessThan(1e-12 * Math.max(1, 1 / x));
      // The derivative of lnGamma by a central difference (step relative to x; error of order h^2).
      const h = 1e-5 * x;
      const fd = (lnGamma(x + h) - lnGamma(x - h)) / (2 * h);
      expect(Math.abs(digamma(x) - fd)).toBeLessThan(1e-6 * Math.max(1, Math.abs(digamma(x))));
    }
    expect(digamma(0)).toBeNaN();
  });
});
