/**
 * A prediction interval for what live subscriptions will actually pay, not only for its expectation: the
 * fitted parameters' uncertainty and the subscriptions' own randomness together (docs/forecasts.md,
 * "The interval of a cohort's projection"). Seeded, so the same data give the same interval.
 *
 * Each replicate draws (ln α, ln β) from the estimate's asymptotic normal distribution (covariance: the
 * inverse of the observed information, by finite differences of the log-likelihood), then simulates
 * every live subscription: one that has paid L cycles has churn probability θ ~ Beta(α, β + L - 1)
 * (the model's posterior given that it renewed L - 1 times), and pays each later cycle with chance
 * 1 - θ until it churns. A quantity's interval is the replicates' quantiles of its future paid cycles.
 */
import type { Bound } from './sbg-interval.js';
import { sbgLogLikelihood, type SbgData, type SbgParams } from './sbg.js';
import { Draws } from './simulate.js';
import { quantileBound } from './repeat-forecast.js';

/** Live subscriptions alike: how many, the cycles they paid, and the last cycle a quantity counts. */
export interface LiveSubscriptions {
  count: number;
  paid: number;
  lastCycle: number;
}

export interface SbgPredictionOptions {
  seed: number;
  replicates?: number;
  level?: number;
}

/** The observed information of (ln α, ln β) at p, by central differences; null when not positive definite. */
export function sbgLogInformation(p: SbgParams, d: SbgData): [[number, number], [number, number]] | null {
  const h = 1e-4;
  const f = (u: number, v: number) => sbgLogLikelihood({ alpha: Math.exp(u), beta: Math.exp(v) }, d);
  const u = Math.log(p.alpha);
  const v = Math.log(p.beta);
  const f0 = f(u, v);
  const uu = -(f(u + h, v) - 2 * f0 + f(u - h, v)) / (h * h);
  const vv = -(f(u, v + h) - 2 * f0 + f(u, v - h)) / (h * h);
  const uv = -(f(u + h, v + h) - f(u + h, v - h) - f(u - h, v + h) + f(u - h, v - h)) / (4 * h * h);
  if (!(uu > 0 && vv > 0 && uu * vv - uv * uv > 0)) return null;
  return [[uu, uv], [uv, vv]];
}

/**
 * For each quantity (a list of live subscriptions), the prediction interval of its future paid cycles;
 * null when the information is not positive definite (the estimate at a bound: no normal approximation).
 */
export function sbgPredictionIntervals(fit: SbgParams, data: SbgData, quantities: readonly (readonly LiveSubscriptions[])[], o: SbgPredictionOptions): Bound[] | null {
  const info = sbgLogInformation(fit, data);
  if (!info) return null;
  const replicates = o.replicates ?? 400;
  const level = o.level ?? 0.95;
  // Covariance = info⁻¹, and its Cholesky factor.
  const [[a, b], [, c]] = info;
  const det = a * c - b * b;
  const s11 = c / det;
  const s12 = -b / det;
  const s22 = a / det;
  const l11 = Math.sqrt(s11);
  const l21 = s12 / l11;
  const l22 = Math.sqrt(Math.max(0, s22 - l21 * l21));
  const draw = new Draws(o.seed);
  const sums = quantities.map(() => new Float64Array(replicates));
  const mu = [Math.log(fit.alpha), Math.log(fit.beta)] as const;
  for (let r = 0; r < replicates; r++) {
    const z1 = draw.normal();
    const z2 = draw.normal();
    const alpha = Math.exp(mu[0] + l11 * z1);
    const beta = Math.exp(mu[1] + l21 * z1 + l22 * z2);
    quantities.forEach((q, k) => {
      let total = 0;
      for (const s of q) {
        for (let i = 0; i < s.count; i++) {
          const theta = draw.beta(alpha, beta + s.paid - 1);
          for (let cycle = s.paid + 1; cycle <= s.lastCycle; cycle++) {
            if (draw.uniform() < theta) break;
            total++;
          }
        }
      }
      sums[k]![r] = total;
    });
  }
  return sums.map((xs) => quantileBound([...xs], level));
}
