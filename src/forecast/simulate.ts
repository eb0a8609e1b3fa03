/**
 * Seeded draws from the forecast models, for the tests that check a fit recovers what generated the
 * data, and for anyone who wants to see what a parameter set means. Everything is driven by one
 * mulberry32 stream (src/core/prng.ts): the same seed gives the same data on every machine.
 */
import { gammaDraw, mulberry32 } from '../core/prng.js';
import type { SbgCohort, SbgParams } from './sbg.js';
import type { BgNbdCustomer, BgNbdParams } from './bgnbd.js';
import type { GammaGammaCustomer, GammaGammaParams } from './gamma-gamma.js';

/** A seeded source of the distributions the models are made of. */
export class Draws {
  private readonly u: () => number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.u = mulberry32(seed);
  }

  /** Uniform on (0, 1): never exactly 0, so logarithms are finite. */
  uniform(): number {
    let v = this.u();
    while (v === 0) v = this.u();
    return v;
  }

  /** Standard normal (Marsaglia's polar method). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    for (;;) {
      const x = 2 * this.uniform() - 1;
      const y = 2 * this.uniform() - 1;
      const r = x * x + y * y;
      if (r > 0 && r < 1) {
        const f = Math.sqrt((-2 * Math.log(r)) / r);
        this.spare = y * f;
        return x * f;
      }
    }
  }

  /** Gamma with this shape and rate (Marsaglia & Tsang 2000; shape < 1 boosted by U^(1/shape)). */
  gamma(shape: number, rate: number): number {
    return gammaDraw(() => this.uniform(), () => this.normal(), shape, rate);
  }

  /** Beta(a, b) as G_a / (G_a + G_b). */
  beta(a: number, b: number): number {
    const x = this.gamma(a, 1);
    const y = this.gamma(b, 1);
    return x / (x + y);
  }

  /** Exponential with this rate. */
  exponential(rate: number): number {
    return -Math.log(this.uniform()) / rate;
  }

  /**
   * Binomial(n, p), exactly: while n > 64, Knuth's splitting (the middle order statistic X of n uniforms is
   * Beta(m, n + 1 - m): the successes, uniforms below p, are all among the m - 1 below X when X >= p,
   * else they are those m plus the successes among the n - m above X); then inversion, walking the
   * probabilities from P(0) = (1 - p)^n with one uniform (p <= 1/2 by symmetry, so P(0) >= 2^-64). Its
   * cost grows with ln n, not n (sbg-predict's replicates draw a cohort's survivors per cycle).
   */
  binomial(n: number, p: number): number {
    if (!Number.isInteger(n) || n < 0 || !(p >= 0 && p <= 1)) throw new RangeError(`binomial(${n}, ${p}): n must be a whole number >= 0 and p in [0, 1]`);
    if (p > 0.5) return n - this.binomial(n, 1 - p);
    let successes = 0;
    while (n > 64 && p > 0) {
      const m = 1 + (n >> 1);
      const x = this.beta(m, n + 1 - m);
      if (x >= p) {
        n = m - 1;
        p /= x;
      } else {
        successes += m;
        p = (p - x) / (1 - x);
        n -= m;
      }
    }
    if (n === 0 || p === 0) return successes;
    // A split may leave p above 1/2: inverted on the failures instead.
    if (p > 0.5) return successes + n - this.binomialInversion(n, 1 - p);
    return successes + this.binomialInversion(n, p);
  }

  /** Binomial(n, p) for p <= 1/2 and n <= 64 by inversion (P(0) = (1 - p)^n >= 2^-64). */
  private binomialInversion(n: number, p: number): number {
    const q = 1 - p;
    const odds = p / q;
    let pk = Math.pow(q, n);
    let u = this.uniform();
    let k = 0;
    while (u > pk && k < n) {
      u -= pk;
      k++;
      pk *= (odds * (n - k + 1)) / k;
    }
    return k;
  }
}

/**
 * sBG cohorts: `size` customers each, one cohort per entry of `ages` (observed for that many periods).
 * Each customer draws θ ~ Beta(α, β) and churns in period t with probability θ, renewing otherwise.
 */
export function simulateSbgCohorts(p: SbgParams, ages: readonly number[], size: number, seed: number): SbgCohort[] {
  const draw = new Draws(seed);
  return ages.map((age) => {
    const survivors = new Array<number>(age + 1).fill(0);
    for (let i = 0; i < size; i++) {
      const theta = draw.beta(p.alpha, p.beta);
      // Periods survived, capped at the cohort's age.
      let t = 0;
      while (t < age && draw.uniform() >= theta) t++;
      for (let k = 0; k <= t; k++) survivors[k]!++;
    }
    return { survivors };
  });
}

/** A simulated BG/NBD customer: the summary to fit on and, for checks, what happened after T. */
export interface SimulatedBgNbdCustomer extends BgNbdCustomer {
  /** Repeat transactions in (T, T + future]. */
  future: number;
  /** Still active at T. */
  aliveAtT: boolean;
}

/**
 * BG/NBD customers (Fader, Hardie & Lee 2005): λ ~ Gamma(r, rate α), p ~ Beta(a, b); while active,
 * repeat transactions come as a Poisson process with rate λ and after each one the customer drops out
 * with probability p. Customer i is observed for ages[i % ages.length] time units and then followed for
 * `future` more.
 */
export function simulateBgNbdCustomers(p: BgNbdParams, count: number, ages: readonly number[], future: number, seed: number): SimulatedBgNbdCustomer[] {
  const draw = new Draws(seed);
  const out: SimulatedBgNbdCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const T = ages[i % ages.length]!;
    const lambda = draw.gamma(p.r, p.alpha);
    const drop = draw.beta(p.a, p.b);
    let t = 0;
    let x = 0;
    let tx = 0;
    let later = 0;
    let aliveAtT = true;
    for (;;) {
      t += draw.exponential(lambda);
      if (t > T + future) break;
      if (t <= T) {
        x++;
        tx = t;
      } else {
        later++;
      }
      if (draw.uniform() < drop) {
        if (t <= T) aliveAtT = false;
        break;
      }
    }
    out.push({ x, tx, T, future: later, aliveAtT });
  }
  return out;
}

/** A simulated Gamma-Gamma customer, with the mean spend per transaction that generated them. */
export interface SimulatedGammaGammaCustomer extends GammaGammaCustomer {
  /** p / ν: this customer's true expected spend per transaction. */
  trueMean: number;
}

/**
 * Gamma-Gamma spend (Fader, Hardie & Lee 2005, "RFM and CLV"): each customer's transactions are
 * Gamma(p, rate ν) with ν ~ Gamma(q, rate γ); customer i makes counts[i % counts.length] of them. The
 * mean is a number of minor units, not rounded: it is a model's draw, not a price.
 */
export function simulateGammaGammaCustomers(g: GammaGammaParams, count: number, counts: readonly number[], seed: number): SimulatedGammaGammaCustomer[] {
  const draw = new Draws(seed);
  const out: SimulatedGammaGammaCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const x = counts[i % counts.length]!;
    const nu = draw.gamma(g.q, g.gamma);
    let sum = 0;
    for (let k = 0; k < x; k++) sum += draw.gamma(g.p, nu);
    out.push({ x, meanSpend: sum / x, trueMean: g.p / nu });
  }
  return out;
}
