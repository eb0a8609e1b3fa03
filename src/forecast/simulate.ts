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
   * Binomial(n, p), exactly, in O(1) expected time whatever n: by symmetry on min(p, 1 - p) = r, inversion
   * when n r < 30 (walking the probabilities from P(0) = (1 - r)^n >= e^-45 with one uniform), else
   * BTPE (Kachitvichyanukul & Schmeiser 1988, "Binomial random variate generation", CACM 31(2): 216-222,
   * as numpy's random_binomial_btpe): a triangle, two parallelograms and two exponential tails under the
   * probabilities, accepted against them exactly (the explicit ratio near the mode, Stirling's bounds
   * with their error terms further out). sbg-predict's replicates draw a cohort's survivors per cycle.
   */
  binomial(n: number, p: number): number {
    if (!Number.isInteger(n) || n < 0 || !(p >= 0 && p <= 1)) throw new RangeError(`binomial(${n}, ${p}): n must be a whole number >= 0 and p in [0, 1]`);
    const r = p <= 0.5 ? p : 1 - p;
    if (n === 0 || r === 0) return p <= 0.5 ? 0 : n;
    const y = n * r < 30 ? this.binomialInversion(n, r) : this.binomialBtpe(n, r);
    return p <= 0.5 ? y : n - y;
  }

  /** Binomial(n, p) for p <= 1/2 and n p < 30 by inversion (P(0) = (1 - p)^n >= e^-45). */
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

  /** Binomial(n, r) for r <= 1/2 and n r >= 30: BTPE, step for step as the paper's (and numpy's) labels say. */
  private binomialBtpe(n: number, r: number): number {
    const q = 1 - r;
    const nrq = n * r * q;
    const fm = n * r + r;
    const m = Math.floor(fm);
    const p1 = Math.floor(2.195 * Math.sqrt(nrq) - 4.6 * q) + 0.5;
    const xm = m + 0.5;
    const xl = xm - p1;
    const xr = xm + p1;
    const c = 0.134 + 20.5 / (15.3 + m);
    let a = (fm - xl) / (fm - xl * r);
    const laml = a * (1 + a / 2);
    a = (xr - fm) / (xr * q);
    const lamr = a * (1 + a / 2);
    const p2 = p1 * (1 + 2 * c);
    const p3 = p2 + c / laml;
    const p4 = p3 + c / lamr;
    for (;;) {
      // Step 1: the triangle, accepted at once.
      const u = this.uniform() * p4;
      let v = this.uniform();
      if (u <= p1) return Math.floor(xm - p1 * v + u);
      let y: number;
      if (u <= p2) {
        // Step 2: the parallelograms.
        const x = xl + (u - p1) / c;
        v = v * c + 1 - Math.abs(m - x + 0.5) / p1;
        if (v > 1) continue;
        y = Math.floor(x);
      } else if (u <= p3) {
        // Step 3: the left exponential tail.
        y = Math.floor(xl + Math.log(v) / laml);
        if (y < 0) continue;
        v = v * (u - p2) * laml;
      } else {
        // Step 4: the right exponential tail.
        y = Math.floor(xr - Math.log(v) / lamr);
        if (y > n) continue;
        v = v * (u - p3) * lamr;
      }
      const k = Math.abs(y - m);
      if (k <= 20 || k >= nrq / 2 - 1) {
        // Step 5.1: f(y)/f(m) by the recursion of the probabilities.
        const s = r / q;
        const as = s * (n + 1);
        let f = 1;
        if (m < y) for (let i = m + 1; i <= y; i++) f *= as / i - s;
        else if (m > y) for (let i = y + 1; i <= m; i++) f /= as / i - s;
        if (v > f) continue;
        return y;
      }
      // Step 5.2: squeeze on ln f(y)/f(m), then 5.3: the exact comparison by Stirling's formula with its error terms.
      const rho = (k / nrq) * ((k * (k / 3 + 0.625) + 0.16666666666666666) / nrq + 0.5);
      const t = (-k * k) / (2 * nrq);
      const A = Math.log(v);
      if (A < t - rho) return y;
      if (A > t + rho) continue;
      const x1 = y + 1;
      const f1 = m + 1;
      const z = n + 1 - m;
      const w = n - y + 1;
      const x2 = x1 * x1;
      const f2 = f1 * f1;
      const z2 = z * z;
      const w2 = w * w;
      const bound = xm * Math.log(f1 / x1) + (n - m + 0.5) * Math.log(z / w) + (y - m) * Math.log((w * r) / (x1 * q)) +
        (13680 - (462 - (132 - (99 - 140 / f2) / f2) / f2) / f2) / f1 / 166320 +
        (13680 - (462 - (132 - (99 - 140 / z2) / z2) / z2) / z2) / z / 166320 +
        (13680 - (462 - (132 - (99 - 140 / x2) / x2) / x2) / x2) / x1 / 166320 +
        (13680 - (462 - (132 - (99 - 140 / w2) / w2) / w2) / w2) / w / 166320;
      if (A > bound) continue;
      return y;
    }
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
