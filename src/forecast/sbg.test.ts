import { describe, expect, it } from 'vitest';
import { ForecastInputError } from './errors.js';
import {
  fitSbg,
  sbgChurn,
  sbgConditionalSurvival,
  sbgData,
  sbgDataFromCounts,
  sbgExpectedPaidPeriods,
  sbgLogLikelihood,
  sbgRetentionRate,
  sbgSurvival,
  sbgSurvivalCurve,
  type SbgCohort,
  type SbgParams,
} from './sbg.js';
import { simulateSbgCohorts } from './simulate.js';
import { lnBeta, lnGamma, normalQuantile } from './special.js';
import { standardErrors } from '../../test/observed-information.js';

/** Fader & Hardie (2007), survivors per 1,000 for years 0-7, and their published fits. */
const REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241];
const HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491];

/**
 * The sBG log-likelihood from its definition, without beta functions: P(T=1) = α/(α+β),
 * P(T=t) = P(T=t-1)(β+t-2)/(α+β+t-1), S(t) = 1 - Σ P(T<=t); each cohort adds
 * Σ (N[t-1] - N[t]) ln P(T=t) + N[T] ln S(T).
 */
function definitionLL(p: SbgParams, cohorts: SbgCohort[]): number {
  let ll = 0;
  for (const { survivors: n } of cohorts) {
    let prob = 0;
    let cum = 0;
    for (let t = 1; t < n.length; t++) {
      prob = t === 1 ? p.alpha / (p.alpha + p.beta) : (prob * (p.beta + t - 2)) / (p.alpha + p.beta + t - 1);
      cum += prob;
      if (n[t - 1]! - n[t]! > 0) ll += (n[t - 1]! - n[t]!) * Math.log(prob);
    }
    if (n[n.length - 1]! > 0) ll += n[n.length - 1]! * Math.log(1 - cum);
  }
  return ll;
}

describe('sBG likelihood', () => {
  it('equals the definition (recursion on P(T=t)) for one cohort and sums over cohorts of different ages', () => {
    const cohorts: SbgCohort[] = [{ survivors: REGULAR }, { survivors: [500, 300, 200] }, { survivors: [80, 80, 70, 0] }];
    for (const p of [{ alpha: 0.704, beta: 1.182 }, { alpha: 0.05, beta: 30 }, { alpha: 12, beta: 0.3 }, { alpha: 300, beta: 2000 }]) {
      const all = sbgLogLikelihood(p, sbgData(cohorts));
      // ln Γ differences at large arguments keep about 12 significant digits of the sum.
      expect(Math.abs(all - definitionLL(p, cohorts))).toBeLessThan(1e-11 * Math.abs(all));
      const parts = cohorts.reduce((s, c) => s + sbgLogLikelihood(p, sbgData([c])), 0);
      expect(Math.abs(all - parts)).toBeLessThan(1e-11 * Math.abs(all));
    }
  });

  it('equals the closed form by beta functions, Σ churned[t] ln B(α+1, β+t-1)/B(α, β) + censored[t] ln B(α, β+t)/B(α, β), within the closed form\'s rounding, and by complements to 1e-12, across the fit\'s box and 120 periods', () => {
    const churned = [0, ...Array.from({ length: 120 }, (_, i) => 1 + ((i * 7919) % 97))];
    const censored = [0, ...Array.from({ length: 120 }, (_, i) => (i * 104729) % 53)];
    const d = sbgDataFromCounts(churned, censored);
    const closed = (p: SbgParams) => {
      const lnB0 = lnBeta(p.alpha, p.beta);
      let ll = 0;
      for (let t = 1; t < churned.length; t++) ll += churned[t]! * (lnBeta(p.alpha + 1, p.beta + t - 1) - lnB0) + censored[t]! * (lnBeta(p.alpha, p.beta + t) - lnB0);
      return ll;
    };
    // The closed form subtracts ln Γ values of up to 10^6 (β = 10^5): its own rounding, about 1e-15 of
    // each ln Γ it sums, bounds how closely it can agree.
    const rounding = (p: SbgParams) => {
      const lg = (x: number) => Math.abs(lnGamma(x));
      let sum = 0;
      for (let t = 1; t < churned.length; t++) sum += (churned[t]! + censored[t]!) * (lg(p.alpha) + lg(p.beta) + lg(p.alpha + p.beta) + lg(p.beta + t) + lg(p.alpha + p.beta + t));
      return 1e-15 * sum;
    };
    // ...and by the complements, ln S(t) = Σ_{j<t} ln(1 - h_j), h_j = α/(α + β + j) (log1p where h_j is
    // small, the ratio (β + j)/(α + β + j) where it is near 1).
    const byComplements = (p: SbgParams) => {
      let ll = 0;
      let lnS = 0;
      for (let t = 1; t < churned.length; t++) {
        const h = p.alpha / (p.alpha + p.beta + t - 1);
        ll += churned[t]! * (lnS + Math.log(h));
        lnS += h < 0.5 ? Math.log1p(-h) : Math.log((p.beta + t - 1) / (p.alpha + p.beta + t - 1));
        ll += censored[t]! * lnS;
      }
      return ll;
    };
    for (const alpha of [1e-4, 0.03, 0.7, 2.3, 40, 3000, 1e5]) {
      for (const beta of [1e-4, 0.02, 1.2, 9, 700, 1e5]) {
        const p = { alpha, beta };
        const got = sbgLogLikelihood(p, d);
        const want = closed(p);
        expect(Math.abs(got - want), `alpha ${alpha}, beta ${beta}: ${got} against ${want}`).toBeLessThan(1e-12 * Math.abs(want) + rounding(p));
        const other = byComplements(p);
        expect(Math.abs(got - other), `alpha ${alpha}, beta ${beta}: ${got} against ${other} by complements`).toBeLessThan(1e-12 * Math.abs(other));
      }
    }
  });

  it('counts a cohort\'s last survivors as censored, not churned', () => {
    const d = sbgData([{ survivors: [100, 60, 40] }, { survivors: [50, 30] }]);
    expect(d.churned).toEqual([0, 40 + 20, 20]);
    expect(d.censored).toEqual([0, 30, 40]);
    expect(d.customers).toBe(150);
    expect(d.periods).toBe(2);
  });
});

describe('sBG fit against Fader & Hardie (2007)', () => {
  it('reproduces the "regular" segment: alpha 0.704, beta 1.182, LL -1680.3, years 8-12 at 22.0, 20.4, 19.1, 18.0, 17.0%', () => {
    const f = fitSbg([{ survivors: REGULAR }]);
    expect(Math.abs(f.alpha / 0.704 - 1)).toBeLessThan(0.005);
    expect(Math.abs(f.beta / 1.182 - 1)).toBeLessThan(0.005);
    expect(Math.abs(f.logLikelihood - -1680.3)).toBeLessThan(0.1);
    const projected = [8, 9, 10, 11, 12].map((t) => 100 * sbgSurvival(f, t));
    [22.0, 20.4, 19.1, 18.0, 17.0].forEach((published, i) => expect(Math.abs(projected[i]! - published)).toBeLessThan(0.2));
    expect(f.converged).toBe(true);
    expect(f.agreeing).toBeGreaterThanOrEqual(2);
    expect(f.atBound).toBe(false);
  });

  it('reproduces the "high end" segment: alpha 0.668, beta 3.806', () => {
    const f = fitSbg([{ survivors: HIGH_END }]);
    expect(Math.abs(f.alpha / 0.668 - 1)).toBeLessThan(0.005);
    expect(Math.abs(f.beta / 3.806 - 1)).toBeLessThan(0.005);
  });

  it('ends at a maximum: no neighbour on a fine grid has a higher likelihood, and the score is zero', () => {
    const f = fitSbg([{ survivors: REGULAR }]);
    const d = sbgData([{ survivors: REGULAR }]);
    for (const da of [-1e-4, 0, 1e-4]) {
      for (const db of [-1e-4, 0, 1e-4]) {
        expect(sbgLogLikelihood({ alpha: f.alpha * (1 + da), beta: f.beta * (1 + db) }, d)).toBeLessThanOrEqual(f.logLikelihood + 1e-9);
      }
    }
    const h = 1e-6;
    const dA = (sbgLogLikelihood({ alpha: f.alpha + h, beta: f.beta }, d) - sbgLogLikelihood({ alpha: f.alpha - h, beta: f.beta }, d)) / (2 * h);
    const dB = (sbgLogLikelihood({ alpha: f.alpha, beta: f.beta + h }, d) - sbgLogLikelihood({ alpha: f.alpha, beta: f.beta - h }, d)) / (2 * h);
    expect(Math.abs(dA)).toBeLessThan(1e-2);
    expect(Math.abs(dB)).toBeLessThan(1e-2);
  });
});

describe('sBG recovers the parameters of simulated cohorts', () => {
  // Six cohorts of different ages (12 down to 2 periods), like a business a year old.
  const ages = [12, 10, 8, 6, 4, 2];
  it.each([
    [{ alpha: 0.8, beta: 2.5 }, 2000, 101],
    [{ alpha: 3, beta: 12 }, 2000, 102],
    [{ alpha: 0.4, beta: 0.9 }, 1000, 103],
  ])('%o from %i customers per cohort (seed %i), within 3.29 standard errors', (truth, size, seed) => {
    const cohorts = simulateSbgCohorts(truth, ages, size, seed);
    const f = fitSbg(cohorts);
    // The tolerance is the sampling error: 3.29 standard errors (two-sided 99.9%) from the observed
    // information of these data, not a constant.
    const d = sbgData(cohorts);
    const [seA, seB] = standardErrors((x) => sbgLogLikelihood({ alpha: Math.exp(x[0]!), beta: Math.exp(x[1]!) }, d), [Math.log(f.alpha), Math.log(f.beta)]) as [number, number];
    const z = normalQuantile(0.9995);
    expect(Math.abs(Math.log(f.alpha) - Math.log(truth.alpha))).toBeLessThan(z * seA);
    expect(Math.abs(Math.log(f.beta) - Math.log(truth.beta))).toBeLessThan(z * seB);
    // ...and the standard errors are those of a real sample of this size, not of a flat likelihood.
    expect(seA).toBeLessThan(0.5);
    expect(seB).toBeLessThan(0.5);
  });

  it('simulates what the model says: a large cohort\'s survival follows S(t) within binomial error', () => {
    const truth = { alpha: 0.8, beta: 2.5 };
    const n = 20000;
    const [cohort] = simulateSbgCohorts(truth, [8], n, 7);
    cohort!.survivors.forEach((k, t) => {
      const s = sbgSurvival(truth, t);
      expect(Math.abs(k / n - s)).toBeLessThan(3.29 * Math.sqrt((s * (1 - s)) / n) + 1e-12);
    });
  });
});

describe('sBG quantities', () => {
  const p = { alpha: 0.704, beta: 1.182 };

  it('S(t) is the product of the retention rates, and P(T=t) = S(t-1) - S(t)', () => {
    let s = 1;
    for (let t = 1; t <= 50; t++) {
      s *= (p.beta + t - 1) / (p.alpha + p.beta + t - 1);
      expect(sbgSurvival(p, t)).toBeCloseTo(s, 12);
      expect(sbgRetentionRate(p, t)).toBeCloseTo(sbgSurvival(p, t) / sbgSurvival(p, t - 1), 12);
      expect(sbgChurn(p, t)).toBeCloseTo(sbgSurvival(p, t - 1) - sbgSurvival(p, t), 12);
    }
    expect(sbgSurvival(p, 0)).toBe(1);
    expect(sbgSurvivalCurve(p, 3)).toEqual([0, 1, 2, 3].map((t) => sbgSurvival(p, t)));
    expect(sbgConditionalSurvival(p, 3, 8)).toBeCloseTo(sbgSurvival(p, 8) / sbgSurvival(p, 3), 12);
  });

  it('S(t) and S(k)/S(t), products of rates up to 64 periods and beta functions beyond, equal exp of ln B(α, β + k) - ln B(α, β + t) to 1e-12 and that form\'s rounding', () => {
    for (const q of [p, { alpha: 1e-4, beta: 1e-4 }, { alpha: 0.03, beta: 1e5 }, { alpha: 1e5, beta: 0.02 }, { alpha: 40, beta: 9 }]) {
      for (const [t, k] of [[0, 1], [0, 24], [0, 64], [0, 65], [0, 200], [3, 8], [10, 74], [10, 75], [22, 300]] as const) {
        const want = Math.exp(lnBeta(q.alpha, q.beta + k) - lnBeta(q.alpha, q.beta + t));
        // The beta functions' form carries about 1e-15 of each ln Γ it subtracts (ln Γ(10^5) is 10^6).
        const lg = (x: number) => Math.abs(lnGamma(x));
        const tol = (1e-12 + 1e-15 * (lg(q.beta + k) + lg(q.alpha + q.beta + k) + lg(q.beta + t) + lg(q.alpha + q.beta + t))) * want;
        const got = sbgConditionalSurvival(q, t, k);
        // A survival below 1e-300 has no relative precision left to compare.
        if (want > 1e-300) expect(Math.abs(got - want), `${JSON.stringify(q)} ${t} -> ${k}: ${got} against ${want}`).toBeLessThan(tol);
        if (t === 0 && want > 1e-300) expect(Math.abs(sbgSurvival(q, k) - want)).toBeLessThan(tol);
      }
    }
  });

  it('expected paid periods: the horizon sum, the closed form when alpha > 1, infinite when alpha <= 1', () => {
    const sum = (q: SbgParams, h: number, d = 0) => {
      let total = 0;
      for (let t = 0; t < h; t++) total += sbgSurvival(q, t) / (1 + d) ** t;
      return total;
    };
    expect(sbgExpectedPaidPeriods(p, { horizon: 13 })).toBeCloseTo(sum(p, 13), 12);
    expect(sbgExpectedPaidPeriods(p, { horizon: 13, discountRate: 0.1 })).toBeCloseTo(sum(p, 13, 0.1), 12);
    expect(sbgExpectedPaidPeriods(p, { horizon: 0 })).toBe(0);
    expect(sbgExpectedPaidPeriods(p)).toBe(Number.POSITIVE_INFINITY);
    expect(sbgExpectedPaidPeriods({ alpha: 1, beta: 5 })).toBe(Number.POSITIVE_INFINITY);
    // α = 3: E[T] = (α+β-1)/(α-1); the tail after 20,000 periods is below 1e-5 (S(t) ~ t^-3).
    const q = { alpha: 3, beta: 5 };
    expect(sbgExpectedPaidPeriods(q)).toBeCloseTo(7 / 2, 12);
    expect(sum(q, 20000)).toBeCloseTo(7 / 2, 4);
  });

  it('discounted expected lifetime equals Fader & Hardie\'s 2F1(1, β; α+β; 1/(1+d)), even when alpha <= 1', () => {
    // The Gauss series Σ (1)_n (β)_n / ((α+β)_n n!) z^n, written here from its definition.
    const f21 = (b: number, c: number, z: number) => {
      let term = 1;
      let total = 1;
      for (let n = 0; n < 1e6 && term > 1e-17 * total; n++) {
        term *= ((1 + n) * (b + n) * z) / ((c + n) * (n + 1));
        total += term;
      }
      return total;
    };
    for (const d of [0.01, 0.1, 0.5]) {
      expect(sbgExpectedPaidPeriods(p, { discountRate: d })).toBeCloseTo(f21(p.beta, p.alpha + p.beta, 1 / (1 + d)), 8);
    }
  });
});

describe('sBG input checks', () => {
  const fails = (survivors: number[], field: string, message: RegExp) => {
    let err: unknown;
    try {
      sbgData([{ survivors }]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ForecastInputError);
    expect((err as ForecastInputError).field).toBe(field);
    expect((err as ForecastInputError).message).toMatch(message);
    expect((err as ForecastInputError).hint).toBeTruthy();
  };

  it('rejects survivors that increase, N0 = 0, fractions, negatives, too few periods, and data with no churn to fit', () => {
    fails([10, 12, 8], 'survivors[1]', /N1 = 12 is more than N0 = 10: survivors cannot increase/);
    fails([0, 0, 0], 'survivors[0]', /N0 = 0/);
    fails([100, 63.1, 40], 'survivors[1]', /N1 = 63.1 is not a whole number/);
    fails([100, -1, 0], 'survivors[1]', /not a whole number/);
    fails([100, Number.NaN, 0], 'survivors[1]', /NaN is not a whole number/);
    fails([100, 60], 'survivors', /too few periods.*at least 2/);
    fails([100], 'survivors', /only N0 is given/);
    fails([100, 100, 100], 'survivors', /no customer churned/);
    fails([100, 0, 0], 'survivors', /every customer churned in the first period/);
  });

  it('names the cohort when there are several', () => {
    expect(() => sbgData([{ survivors: [10, 8, 6] }, { survivors: [5, 6] }])).toThrow(/^cohort 2: N1 = 6 is more than N0 = 5/);
    expect(() => sbgData([])).toThrow(ForecastInputError);
  });

  it('accepts a younger cohort of one period beside an older one', () => {
    expect(sbgData([{ survivors: [10, 8, 6] }, { survivors: [5, 4] }]).periods).toBe(2);
  });
});

describe('sBG data as a life table', () => {
  it('gives the same sufficient statistics as the survivors of the cohorts it tabulates', () => {
    const cohorts = [{ survivors: [1000, 631, 468, 382, 326] }, { survivors: [500, 300, 210] }, { survivors: [80, 50] }];
    const d = sbgData(cohorts);
    expect(sbgDataFromCounts(d.churned, d.censored, 3)).toEqual(d);
    // Customers censored before their first renewal was due count as acquired and add nothing to the likelihood.
    const withYoung = sbgDataFromCounts(d.churned, [40, ...d.censored.slice(1)], 4);
    expect(withYoung.customers).toBe(d.customers + 40);
    expect(sbgLogLikelihood({ alpha: 0.7, beta: 1.2 }, withYoung)).toBe(sbgLogLikelihood({ alpha: 0.7, beta: 1.2 }, d));
  });

  it('refuses counts that are not whole numbers and tables with too few periods, naming the entry', () => {
    expect(() => sbgDataFromCounts([0, 10, 2.5], [0, 0, 5])).toThrow(/churned\[2\] = 2.5/);
    expect(() => sbgDataFromCounts([0, 10], [0, 5])).toThrow(/too few periods/);
    expect(() => sbgDataFromCounts([0, 0, 0], [0, 0, 5])).toThrow(/no customer churned/);
  });
});

