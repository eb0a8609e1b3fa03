import { describe, expect, it } from 'vitest';
import { fitSbg, sbgExpectedPaidPeriods, sbgLogLikelihood, sbgSurvival } from './sbg.js';
import { sbgLikelihoodBoundary, sbgProfileInterval } from './sbg-interval.js';
import { simulateSbgCohorts } from './simulate.js';
import { chiSquare1Quantile, normalQuantile } from './special.js';

const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];

describe('sBG profile-likelihood interval', () => {
  it('traces boundary points where the likelihood has dropped by exactly half the chi-square cutoff', () => {
    const fit = fitSbg([{ survivors: REGULAR }]);
    const cutoff = chiSquare1Quantile(0.95);
    const boundary = sbgLikelihoodBoundary(fit, cutoff);
    for (let k = 0; k < 24; k++) {
      const b = boundary((2 * Math.PI * k) / 24);
      expect(b.cut).toBe(false);
      const ll = sbgLogLikelihood({ alpha: Math.exp(b.u), beta: Math.exp(b.v) }, fit.data);
      expect(2 * (fit.logLikelihood - ll)).toBeCloseTo(cutoff, 6);
    }
  });

  it('is a profile interval: at each bound of alpha, the best beta loses exactly the cutoff', () => {
    const fit = fitSbg([{ survivors: REGULAR }]);
    const iv = sbgProfileInterval(fit);
    // The profile log-likelihood of α, maximised over β by a scan fine enough for 1e-4 in deviance.
    const profile = (alpha: number) => {
      let best = Number.NEGATIVE_INFINITY;
      for (let v = Math.log(fit.beta) - 2; v <= Math.log(fit.beta) + 2; v += 1e-4) {
        best = Math.max(best, sbgLogLikelihood({ alpha, beta: Math.exp(v) }, fit.data));
      }
      return best;
    };
    for (const bound of iv.alpha) expect(2 * (fit.logLikelihood - profile(bound))).toBeCloseTo(iv.cutoff, 3);
  });

  it('contains the estimate, and bounds survival that falls with t and paid periods that rise with the horizon', () => {
    const fit = fitSbg([{ survivors: REGULAR }]);
    const iv = sbgProfileInterval(fit, { last: 12 });
    expect(iv.method).toBe('profile likelihood');
    expect(iv.reachesBound).toBe(false);
    expect(iv.alpha[0]).toBeLessThan(fit.alpha);
    expect(iv.alpha[1]).toBeGreaterThan(fit.alpha);
    expect(iv.survival[0]).toEqual([1, 1]);
    for (let t = 1; t <= 12; t++) {
      const [lo, hi] = iv.survival[t]!;
      expect(lo).toBeLessThan(sbgSurvival(fit, t));
      expect(hi).toBeGreaterThan(sbgSurvival(fit, t));
      expect(lo).toBeLessThan(iv.survival[t - 1]![0]);
      expect(hi).toBeLessThan(iv.survival[t - 1]![1] + (t === 1 ? 1e-12 : 0));
    }
    const paid = sbgExpectedPaidPeriods(fit, { horizon: 13 });
    expect(iv.paidHorizon).toBe(13);
    expect(iv.expectedPaidPeriods[0]).toBeLessThan(paid);
    expect(iv.expectedPaidPeriods[1]).toBeGreaterThan(paid);
  });

  it('does not depend on how many rays trace the boundary (the search between rays finds the extremes)', () => {
    const fit = fitSbg([{ survivors: [100, 90, 81, 73, 66] }]);
    const coarse = sbgProfileInterval(fit, { last: 12, rays: 36 });
    const fine = sbgProfileInterval(fit, { last: 12, rays: 1440 });
    for (let t = 0; t <= 12; t++) {
      expect(coarse.survival[t]![0]).toBeCloseTo(fine.survival[t]![0], 5);
      expect(coarse.survival[t]![1]).toBeCloseTo(fine.survival[t]![1], 5);
    }
    expect(coarse.expectedPaidPeriods[0]).toBeCloseTo(fine.expectedPaidPeriods[0], 5);
    expect(coarse.expectedPaidPeriods[1]).toBeCloseTo(fine.expectedPaidPeriods[1], 5);
  });

  it('narrows like 1/sqrt(n): four times the customers in the same proportions halve its width', () => {
    const small = sbgProfileInterval(fitSbg([{ survivors: REGULAR }]), { last: 12 });
    const large = sbgProfileInterval(fitSbg([{ survivors: REGULAR.map((n) => 4 * n) }]), { last: 12 });
    for (const t of [3, 7, 12]) {
      const ratio = (large.survival[t]![1] - large.survival[t]![0]) / (small.survival[t]![1] - small.survival[t]![0]);
      expect(ratio).toBeGreaterThan(0.45);
      expect(ratio).toBeLessThan(0.55);
    }
  });

  it('says when the data cannot bound alpha and beta (a constant churn rate), while survival stays bounded', () => {
    // 10% churn every period: no sign that churn falls over time.
    const fit = fitSbg([{ survivors: [1000, 900, 810, 729, 656] }]);
    const iv = sbgProfileInterval(fit, { last: 8 });
    expect(iv.reachesBound).toBe(true);
    const geometric = 0.9 ** 8;
    expect(iv.survival[8]![0]).toBeLessThan(geometric);
    expect(iv.survival[8]![1]).toBeGreaterThan(geometric);
    expect(iv.survival[8]![1] - iv.survival[8]![0]).toBeLessThan(0.2);
  });

  it('covers the truth at its nominal rate over 200 seeded simulated data sets', () => {
    // Four cohorts of 300 customers aged 8, 6, 4 and 2 periods; α = 1, β = 3. A 95% interval should
    // contain the truth in 190 of 200 data sets; the binomial's 99.9% range (±3.29 sd) is the tolerance.
    const truth = { alpha: 1, beta: 3 };
    const reps = 200;
    const s10 = sbgSurvival(truth, 10);
    let alphaIn = 0;
    let survivalIn = 0;
    let halfIn = 0;
    for (let seed = 1; seed <= reps; seed++) {
      const fit = fitSbg(simulateSbgCohorts(truth, [8, 6, 4, 2], 300, seed));
      const iv = sbgProfileInterval(fit, { last: 10, rays: 60 });
      if (iv.alpha[0] <= truth.alpha && truth.alpha <= iv.alpha[1]) alphaIn++;
      if (iv.survival[10]![0] <= s10 && s10 <= iv.survival[10]![1]) survivalIn++;
      // A 50% interval from the same data covers about half as often: the level is honoured, not just "wide".
      const half = sbgProfileInterval(fit, { last: 10, rays: 60, level: 0.5 });
      if (half.survival[10]![0] <= s10 && s10 <= half.survival[10]![1]) halfIn++;
    }
    const z = normalQuantile(0.9995);
    const sd = Math.sqrt(reps * 0.95 * 0.05);
    expect(alphaIn).toBeGreaterThanOrEqual(Math.floor(reps * 0.95 - z * sd));
    expect(survivalIn).toBeGreaterThanOrEqual(Math.floor(reps * 0.95 - z * sd));
    const sdHalf = Math.sqrt(reps * 0.25);
    expect(Math.abs(halfIn - reps / 2)).toBeLessThanOrEqual(z * sdHalf);
  });
});

describe('sBG interval of other quantities', () => {
  it('bounds a quantity given as a function exactly as it bounds S(t), and a sum of conditional survivals by its boundary values', () => {
    const fit = fitSbg([{ survivors: REGULAR }]);
    const future = (p: { alpha: number; beta: number }) => [8, 9, 10].reduce((a, k) => a + sbgSurvival(p, k) / sbgSurvival(p, 7), 0);
    const iv = sbgProfileInterval(fit, { last: 10, quantities: [(p) => sbgSurvival(p, 10), future] });
    expect(iv.quantities[0]).toEqual(iv.survival[10]);
    // Every point of a fine ring of the region's boundary gives a value inside the bounds, and some come within 1e-6 of each.
    const boundary = sbgLikelihoodBoundary(fit, iv.cutoff);
    const values = Array.from({ length: 2000 }, (_, k) => boundary((2 * Math.PI * k) / 2000)).map((b) => future({ alpha: Math.exp(b.u), beta: Math.exp(b.v) }));
    const [lo, hi] = iv.quantities[1]!;
    expect(Math.min(...values)).toBeGreaterThanOrEqual(lo - 1e-9);
    expect(Math.max(...values)).toBeLessThanOrEqual(hi + 1e-9);
    expect(Math.min(...values) - lo).toBeLessThan(1e-6);
    expect(hi - Math.max(...values)).toBeLessThan(1e-6);
    expect(lo).toBeLessThan(future(fit));
    expect(hi).toBeGreaterThan(future(fit));
  });
});
