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
 *
 * Alike subscriptions are drawn together (futureCycles): with θ integrated out, one that has paid L
 * cycles renews at cycle L + k + 1, having renewed through L + k, with probability
 * (β + L - 1 + k)/(α + β + L - 1 + k), whatever the others do; so the survivors of each cycle are a
 * binomial draw from the previous cycle's, and a group costs a few draws per cycle, not per subscription.
 * Quantities that are the same groups up to different last cycles (a cohort at several horizons) are
 * simulated once per replicate, to the latest, each reading its own total (familiesOf).
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
  const families = familiesOf(quantities);
  const totals = new Float64Array(quantities.length);
  // One scratch array for every group's running totals: the longest simulation's cycles + 1.
  let longest = 0;
  for (const f of families) for (const g of f.groups) for (const c of g.lastCycles) longest = Math.max(longest, c - g.paid);
  const scratch = new Float64Array(longest + 1);
  for (let r = 0; r < replicates; r++) {
    const z1 = draw.normal();
    const z2 = draw.normal();
    const alpha = Math.exp(mu[0] + l11 * z1);
    const beta = Math.exp(mu[1] + l21 * z1 + l22 * z2);
    for (const f of families) {
      totals.fill(0, 0, f.members.length);
      for (const g of f.groups) simulateGroup(draw, alpha, beta, g, g.lastCycles, totals, scratch);
      for (let m = 0; m < f.members.length; m++) sums[f.members[m]!]![r] = totals[m]!;
    }
  }
  return sums.map((xs) => quantileBound(xs, level));
}

/**
 * Quantities whose live subscriptions are the same groups (count and cycles paid, in the same order)
 * up to different last cycles, as a cohort's at several horizons: one simulation per group and
 * replicate runs to the latest last cycle and each quantity reads its future cycles at its own. Each
 * quantity's distribution is the one it has alone (its first cycles are drawn alike); the quantities of a
 * family are now drawn from the same simulated cohort within a replicate, as they would happen.
 */
interface Family {
  /** Indices of the quantities, in order. */
  members: number[];
  /** Each group with its last cycle per member. */
  groups: { count: number; paid: number; lastCycles: number[] }[];
}

function familiesOf(quantities: readonly (readonly LiveSubscriptions[])[]): Family[] {
  const byKey = new Map<string, Family>();
  quantities.forEach((q, k) => {
    const key = q.map((s) => `${s.count}:${s.paid}`).join(',');
    let f = byKey.get(key);
    if (!f) {
      f = { members: [], groups: q.map((s) => ({ count: s.count, paid: s.paid, lastCycles: [] })) };
      byKey.set(key, f);
    }
    f.members.push(k);
    q.forEach((s, i) => f.groups[i]!.lastCycles.push(s.lastCycle));
  });
  return [...byKey.values()];
}

/** Below this many alike subscriptions, each is drawn on its own (one uniform), above it the survivors per cycle (binomial). */
const ONE_BY_ONE = 16;

/**
 * The future paid cycles of `count` alike live subscriptions under (α, β): the number of cycles
 * L + 1 .. lastCycle each pays, summed. The same distribution as drawing each one's θ ~ Beta(α, β + L - 1)
 * and then its renewals: integrated over θ, P(N >= k + 1 | N >= k) = (β' + k)/(α + β' + k) with β' =
 * β + L - 1, independently across subscriptions.
 */
export function futureCycles(draw: Draws, alpha: number, beta: number, s: LiveSubscriptions): number {
  const out = new Float64Array(1);
  futureCyclesByHorizon(draw, alpha, beta, s, [s.lastCycle], out);
  return out[0]!;
}

/**
 * futureCycles up to each of several last cycles from one simulation (to the latest): adds the group's
 * future paid cycles up to lastCycles[m] to out[m]. With one last cycle it draws exactly as futureCycles.
 */
export function futureCyclesByHorizon(draw: Draws, alpha: number, beta: number, s: { count: number; paid: number }, lastCycles: readonly number[], out: Float64Array): void {
  let cycles = 0;
  for (const c of lastCycles) cycles = Math.max(cycles, c - s.paid);
  simulateGroup(draw, alpha, beta, s, lastCycles, out, new Float64Array(Math.max(0, cycles) + 1));
}

/**
 * futureCyclesByHorizon with a caller's scratch array (at least the cycles simulated + 1 long), so a
 * replicate allocates nothing; the renewal probabilities are computed inline, in the same order and
 * with the same operations as before, so the draws are the same.
 */
function simulateGroup(draw: Draws, alpha: number, beta: number, s: { count: number; paid: number }, lastCycles: readonly number[], out: Float64Array, cum: Float64Array): void {
  let cycles = 0;
  for (let m = 0; m < lastCycles.length; m++) cycles = Math.max(cycles, lastCycles[m]! - s.paid);
  if (cycles <= 0 || s.count === 0) return;
  const b0 = beta + s.paid - 1;
  // renew(k) = (b0 + k)/(alpha + b0 + k): P(N >= k + 1 | N >= k) for one of these subscriptions.
  if (s.count < ONE_BY_ONE) {
    // Each subscription: N >= k + 1 while a uniform stays below P(N >= k + 1) = Π renew(j), j <= k (the
    // products made once for the group, in the same order); it pays min(N, cycles) up to each last cycle.
    const tails = cum;
    let tail = 1;
    for (let k = 0; k < cycles; k++) tails[k] = tail *= (b0 + k) / (alpha + b0 + k);
    for (let i = 0; i < s.count; i++) {
      const u = draw.uniform();
      let n = 0;
      while (n < cycles && u < tails[n]!) n++;
      for (let m = 0; m < lastCycles.length; m++) out[m]! += Math.max(0, Math.min(n, lastCycles[m]! - s.paid));
    }
    return;
  }
  // The survivors of each cycle, and the running total of paid cycles after it.
  cum[0] = 0;
  let alive = s.count;
  let k = 0;
  for (; k < cycles && alive > 0; k++) {
    alive = draw.binomial(alive, (b0 + k) / (alpha + b0 + k));
    cum[k + 1] = cum[k]! + alive;
  }
  for (; k < cycles; k++) cum[k + 1] = cum[k]!;
  for (let m = 0; m < lastCycles.length; m++) out[m]! += cum[Math.max(0, Math.min(cycles, lastCycles[m]! - s.paid))]!;
}
