/**
 * The sBG prediction interval: its information matrix against the test kit's finite-difference standard
 * errors; with the parameters pinned down by a large data set, its bounds against the exact
 * distribution of live subscriptions' future paid cycles (P(N >= k) = S(L-1+k)/S(L-1) for one
 * subscription, convolved over the group); with few data, wider than the parameters alone make it.
 */
import { describe, expect, it } from 'vitest';
import { standardErrors } from '../../test/observed-information.js';
import { fitSbg, sbgLogLikelihood, sbgSurvival, type SbgParams } from './sbg.js';
import { sbgLogInformation, sbgPredictionIntervals } from './sbg-predict.js';
import { simulateSbgCohorts } from './simulate.js';

/** The exact distribution of the future paid cycles of `count` subscriptions that paid L, up to cycle C. */
function exactFuture(p: SbgParams, count: number, L: number, C: number): number[] {
  const tail = (k: number) => sbgSurvival(p, L - 1 + k) / sbgSurvival(p, L - 1);
  const one = Array.from({ length: C - L + 1 }, (_, k) => tail(k) - (k + 1 <= C - L ? tail(k + 1) : 0));
  let dist = [1];
  for (let i = 0; i < count; i++) {
    const next = new Array<number>(dist.length + one.length - 1).fill(0);
    dist.forEach((a, j) => one.forEach((b, k) => (next[j + k]! += a * b)));
    dist = next;
  }
  return dist;
}

const quantile = (dist: number[], q: number) => {
  let acc = 0;
  for (let k = 0; k < dist.length; k++) if ((acc += dist[k]!) >= q) return k;
  return dist.length - 1;
};

describe('sBG prediction interval', () => {
  it('uses the observed information of (ln alpha, ln beta)', () => {
    const fit = fitSbg(simulateSbgCohorts({ alpha: 1, beta: 3 }, [8, 6, 4, 2], 300, 11));
    const info = sbgLogInformation(fit, fit.data)!;
    const [seA, seB] = standardErrors((x) => sbgLogLikelihood({ alpha: Math.exp(x[0]!), beta: Math.exp(x[1]!) }, fit.data), [Math.log(fit.alpha), Math.log(fit.beta)]);
    const det = info[0][0] * info[1][1] - info[0][1] ** 2;
    expect(Math.sqrt(info[1][1] / det)).toBeCloseTo(seA!, 3);
    expect(Math.sqrt(info[0][0] / det)).toBeCloseTo(seB!, 3);
  });

  it('with the parameters pinned down, gives the exact distribution\'s quantiles of the cohort\'s own future', () => {
    const fit = fitSbg(simulateSbgCohorts({ alpha: 1, beta: 3 }, [12, 10, 8], 40000, 5));
    const live = [{ count: 60, paid: 3, lastCycle: 12 }];
    const [b] = sbgPredictionIntervals(fit, fit.data, [live], { seed: 9, replicates: 2000 })!;
    const dist = exactFuture(fit, 60, 3, 12);
    // A quantile of 2,000 draws errs by sqrt(p(1-p)/n)/f (f the density there): within 3.29 of those, plus
    // a cycle for the interpolation between whole counts.
    for (const [q, got] of [[0.025, b![0]], [0.975, b![1]]] as const) {
      const k = quantile(dist, q);
      const tol = (3.29 * Math.sqrt((q * (1 - q)) / 2000)) / dist[k]! + 1;
      expect(Math.abs(got - k), `quantile ${q}: ${got} against ${k} (tolerance ${tol.toFixed(2)})`).toBeLessThanOrEqual(tol);
    }
  });

  it('draws the same bounds for a cohort\'s later horizons when an earlier one is left out (a complete cell)', () => {
    const fit = fitSbg(simulateSbgCohorts({ alpha: 1, beta: 3 }, [8, 6, 4, 2], 300, 4));
    const at = (lastCycle: number) => [{ count: 50, paid: 2, lastCycle }, { count: 9, paid: 4, lastCycle: lastCycle + 1 }];
    const all = sbgPredictionIntervals(fit, fit.data, [at(7), at(13), at(25), at(9)], { seed: 3, replicates: 200 })!;
    const later = sbgPredictionIntervals(fit, fit.data, [[], at(13), at(25), at(9)], { seed: 3, replicates: 200 })!;
    expect(later.slice(1)).toEqual(all.slice(1));
    expect(later[0]).toEqual([0, 0]);
  });

  it('is wider than the parameters\' uncertainty alone, and the same for the same seed', () => {
    const fit = fitSbg(simulateSbgCohorts({ alpha: 1, beta: 3 }, [6, 4], 200, 3));
    const live = [{ count: 40, paid: 2, lastCycle: 10 }];
    const future = (p: SbgParams) => 40 * Array.from({ length: 8 }, (_, k) => sbgSurvival(p, 2 + k) / sbgSurvival(p, 1)).reduce((a, x) => a + x, 0);
    const [b] = sbgPredictionIntervals(fit, fit.data, [live], { seed: 1 })!;
    const [again] = sbgPredictionIntervals(fit, fit.data, [live], { seed: 1 })!;
    expect(again).toEqual(b);
    // The spread of the expectation over the parameters' 95% normal region, in whitened coordinates.
    const info = sbgLogInformation(fit, fit.data)!;
    const det = info[0][0] * info[1][1] - info[0][1] ** 2;
    const [s11, s12, s22] = [info[1][1] / det, -info[0][1] / det, info[0][0] / det];
    const l11 = Math.sqrt(s11);
    const l21 = s12 / l11;
    const l22 = Math.sqrt(s22 - l21 * l21);
    const r = Math.sqrt(5.991);
    const values = Array.from({ length: 360 }, (_, i) => {
      const [z1, z2] = [r * Math.cos((i * Math.PI) / 180), r * Math.sin((i * Math.PI) / 180)];
      return future({ alpha: fit.alpha * Math.exp(l11 * z1), beta: fit.beta * Math.exp(l21 * z1 + l22 * z2) });
    });
    expect(b![1] - b![0]).toBeGreaterThan(Math.max(...values) - Math.min(...values));
  });
});
