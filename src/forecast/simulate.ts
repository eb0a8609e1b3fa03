/**
 * Seeded draws from the forecast models, for the tests that check a fit recovers what generated the
 * data, and for anyone who wants to see what a parameter set means. Everything is driven by one
 * mulberry32 stream (src/core/prng.ts): the same seed gives the same data on every machine.
 */
import { gammaDraw } from '../core/prng.js';
import type { SbgCohort, SbgParams } from './sbg.js';
import type { BgNbdCustomer, BgNbdParams } from './bgnbd.js';
import type { GammaGammaCustomer, GammaGammaParams } from './gamma-gamma.js';

/** A seeded source of the distributions the models are made of. */
export class Draws {
  /** mulberry32's state (src/core/prng.ts), stepped here rather than through its closure: the same stream, a call less per draw. */
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32's next float in [0, 1), exactly as src/core/prng.ts computes it. */
  private next(): number {
    const a = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform on (0, 1): never exactly 0, so logarithms are finite. */
  uniform(): number {
    let v = this.next();
    while (v === 0) v = this.next();
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
   * Binomial(n, p), exactly, in O(1) expected time whatever n: by symmetry on min(p, 1 - p) = r, inversion
   * when n r < 10 (walking the probabilities from P(0) = (1 - r)^n >= e^-15 with one uniform), else
   * BTRS (binomialBtrs: Hörmann's transformed rejection, valid from n r = 10). It was BTPE
   * (Kachitvichyanukul & Schmeiser 1988, as numpy draws it) from n r = 30 and inversion below until
   * 2026-12-07: the same distribution, another stream of draws, less time per draw (inversion walks
   * about n r probabilities). sbg-predict's replicates draw a cohort's survivors per cycle.
   */
  binomial(n: number, p: number): number {
    if (!Number.isInteger(n) || n < 0 || !(p >= 0 && p <= 1)) throw new RangeError(`binomial(${n}, ${p}): n must be a whole number >= 0 and p in [0, 1]`);
    const r = p <= 0.5 ? p : 1 - p;
    if (n === 0 || r === 0) return p <= 0.5 ? 0 : n;
    const y = n * r < 10 ? this.binomialInversion(n, r) : this.binomialBtrs(n, r);
    return p <= 0.5 ? y : n - y;
  }

  /** Binomial(n, p) for p <= 1/2 and n p < 10 by inversion (P(0) = (1 - p)^n >= e^-15). */
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

  /**
   * Binomial(n, r) for r <= 1/2 and n r >= 10: BTRS, Hörmann's transformed rejection with squeeze (W.
   * Hörmann 1993, "The generation of binomial random variates", J. Statist. Comput. Simul. 46: 101-110;
   * as TensorFlow's random_binomial draws it). k = floor((2a/us + b) u + c) from two uniforms; inside the
   * box where the hat is tight (us >= 0.07, v <= v_r, about 85% of draws at n r q of 50 or more) it is
   * accepted at once, else accepted when ln(v α/(a/us² + b)) <= ln f(k)/f(m), that ratio by Stirling's
   * formula with its error terms (a table below 10, the series to the (k+1)^-5 term above: within 1e-10).
   * A setup of one square root and a few divisions, and most draws two uniforms and a floor.
   */
  private binomialBtrs(n: number, r: number): number {
    const q = 1 - r;
    const spq = Math.sqrt(n * r * q);
    const b = 1.15 + 2.53 * spq;
    const a = -0.0873 + 0.0248 * b + 0.01 * r;
    const c = n * r + 0.5;
    const vr = 0.92 - 4.2 / b;
    for (;;) {
      const u = this.uniform() - 0.5;
      let v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + c);
      if (k < 0 || k > n) continue;
      if (us >= 0.07 && v <= vr) return k;
      const odds = r / q;
      const alpha = (2.83 + 5.1 / b) * spq;
      const m = Math.floor((n + 1) * r);
      v = Math.log((v * alpha) / (a / (us * us) + b));
      const bound = (m + 0.5) * Math.log((m + 1) / (odds * (n - m + 1))) + (n + 1) * Math.log((n - m + 1) / (n - k + 1)) +
        (k + 0.5) * Math.log((odds * (n - k + 1)) / (k + 1)) + stirlingTail(m) + stirlingTail(n - m) - stirlingTail(k) - stirlingTail(n - k);
      if (v <= bound) return k;
    }
  }
}

/** ln k! - ((k + 1/2) ln(k + 1) - (k + 1) + ln √(2π)), Stirling's error term (BTRS): a table below 10, the series to (k+1)^-5 above. */
const STIRLING_TAIL = [
  0.08106146679532726, 0.04134069595540929, 0.02767792568499834, 0.02079067210376509, 0.01664469118982119,
  0.01387612882307075, 0.01189670994589177, 0.01041126526197209, 0.009255462182712733, 0.008330563433362871,
];
function stirlingTail(k: number): number {
  if (k < 10) return STIRLING_TAIL[k]!;
  const kp1sq = (k + 1) * (k + 1);
  return (1 / 12 - (1 / 360 - 1 / 1260 / kp1sq) / kp1sq) / (k + 1);
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
