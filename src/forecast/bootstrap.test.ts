/**
 * The parts that make the one-time buyers' bootstrap and the sBG prediction interval fast
 * (docs/forecasts.md, "Cost"): the likelihoods' analytic gradients against central differences of the
 * likelihoods themselves; a replicate as counts over distinct histories against the customers resampled
 * one by one (the same likelihood, multinomial counts); the Newton refit against the simplex run to its
 * tolerances from several starts; the exact binomial draw (BTRS, inversion) and the sBG's survivors drawn
 * per cycle against their exact distributions.
 */
import { describe, expect, it } from 'vitest';
import { fnv1a32, mulberry32 } from '../core/prng.js';
import { bgNbdConditionalExpectedTransactions, bgNbdData, bgNbdExpectedTransactions, bgNbdLogLikelihood, bgNbdLogLikelihoodGradient, bgNbdReweighted, fitBgNbdData, type BgNbdCustomer, type BgNbdParams } from './bgnbd.js';
import { fitGammaGamma, gammaGammaData, gammaGammaExpectedSpend, gammaGammaMeanSpend, gammaGammaLogLikelihood, gammaGammaLogLikelihoodGradient, gammaGammaReweighted, type GammaGammaCustomer } from './gamma-gamma.js';
import { bootstrapCounts, bootstrapRefits, drawCustomerFuture, spendSlots } from './repeat-forecast.js';
import { futureCycles, futureCyclesByHorizon } from './sbg-predict.js';
import { sbgSurvival } from './sbg.js';
import { Draws, simulateBgNbdCustomers, simulateGammaGammaCustomers } from './simulate.js';
import { lnGamma as lnGammaOf } from './special.js';

/** Whole-day customers as the report reads them, with a mean spend for the repeat buyers. */
function buyers(p: BgNbdParams, n: number, seed: number): (BgNbdCustomer & GammaGammaCustomer)[] {
  const sims = simulateBgNbdCustomers(p, n, Array.from({ length: 365 }, (_, i) => i + 30), 0, seed);
  // Amounts in whole cents, so mean spends repeat too (as a few list prices make them).
  const spend = simulateGammaGammaCustomers({ p: 6, q: 4, gamma: 15000 }, n, [1, 2, 3], seed + 1);
  return sims.map((c, i) => ({
    x: c.x, tx: c.x === 0 ? 0 : Math.min(c.T, Math.max(1, Math.round(c.tx))), T: c.T, meanSpend: c.x > 0 ? Math.round(spend[i]!.meanSpend) : 0,
  }));
}

/** Central differences of f in each coordinate, Richardson-extrapolated (error of order h^4; relative step h). */
function numericGradient(f: (v: number[]) => number, at: number[], h = 1e-4): number[] {
  return at.map((v, i) => {
    const step = h * Math.max(1, Math.abs(v));
    const at2 = (t: number) => f(at.map((u, j) => (j === i ? u + t : u)));
    return (8 * (at2(step) - at2(-step)) - (at2(2 * step) - at2(-2 * step))) / (12 * step);
  });
}

const IDENTIFIED = { r: 0.8, alpha: 100, a: 0.8, b: 2.5 };
const RIDGE = { r: 0.8, alpha: 100, a: 1, b: 1000 };

describe('likelihood gradients', () => {
  it('BG/NBD: the analytic gradient equals central differences of the log-likelihood', () => {
    const d = bgNbdData(buyers(IDENTIFIED, 2000, 3));
    for (const p of [IDENTIFIED, { r: 0.3, alpha: 12, a: 0.05, b: 0.2 }, { r: 2.5, alpha: 300, a: 40, b: 9000 }]) {
      const { value, gradient } = bgNbdLogLikelihoodGradient(p, d);
      expect(value).toBeCloseTo(bgNbdLogLikelihood(p, d), 6);
      const fd = numericGradient((v) => bgNbdLogLikelihood({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! }, d), [p.r, p.alpha, p.a, p.b]);
      gradient.forEach((g, i) => expect(Math.abs(g - fd[i]!), `parameter ${i} at ${JSON.stringify(p)}: ${g} against ${fd[i]}`).toBeLessThan(1e-5 * (1 + Math.abs(fd[i]!))));
    }
  });

  it('Gamma-Gamma: the analytic gradient equals central differences of the log-likelihood', () => {
    const d = gammaGammaData(buyers(IDENTIFIED, 2000, 4).filter((c) => c.x > 0));
    for (const g of [{ p: 6, q: 4, gamma: 15000 }, { p: 0.7, q: 1.5, gamma: 300 }, { p: 300, q: 20, gamma: 450 }]) {
      const { value, gradient } = gammaGammaLogLikelihoodGradient(g, d);
      expect(value).toBeCloseTo(gammaGammaLogLikelihood(g, d), 6);
      const fd = numericGradient((v) => gammaGammaLogLikelihood({ p: v[0]!, q: v[1]!, gamma: v[2]! }, d), [g.p, g.q, g.gamma]);
      gradient.forEach((x, i) => expect(Math.abs(x - fd[i]!), `parameter ${i} at ${JSON.stringify(g)}: ${x} against ${fd[i]}`).toBeLessThan(1e-5 * (1 + Math.abs(fd[i]!))));
    }
  });
});

describe('a bootstrap replicate as counts over distinct histories', () => {
  const cs = buyers(IDENTIFIED, 3000, 5);
  const data = bgNbdData(cs);
  const spenders = cs.filter((c) => c.x > 0);
  const spendData = gammaGammaData(spenders);
  const spendSlot = spendSlots(cs, spendData.slot);

  it('has the likelihoods of the customers resampled one by one with the same draws', () => {
    expect(data.distinct).toBeLessThan(cs.length);
    for (const seed of [1, 2, 3]) {
      const { counts, spendCounts } = bootstrapCounts(new Draws(seed), data.slot, data.distinct, spendSlot, spendData.distinct);
      // The same uniforms, as customers drawn one by one.
      const again = new Draws(seed);
      const resample = cs.map(() => cs[Math.floor(again.uniform() * cs.length)]!);
      const p = { r: 0.7, alpha: 90, a: 1.1, b: 3 };
      const g = { p: 5, q: 3, gamma: 12000 };
      expect(bgNbdLogLikelihood(p, bgNbdReweighted(data, counts))).toBeCloseTo(bgNbdLogLikelihood(p, bgNbdData(resample)), 6);
      expect(gammaGammaLogLikelihood(g, gammaGammaReweighted(spendData, spendCounts))).toBeCloseTo(gammaGammaLogLikelihood(g, resample.filter((c) => c.x > 0)), 6);
      expect(counts.reduce((a, v) => a + v, 0)).toBe(cs.length);
    }
  });

  it('draws each distinct history multinomially: count n share, variance n share (1 - share)', () => {
    const draw = new Draws(11);
    const R = 2000;
    const sum = new Float64Array(data.distinct);
    const sq = new Float64Array(data.distinct);
    for (let r = 0; r < R; r++) {
      const { counts } = bootstrapCounts(draw, data.slot, data.distinct, spendSlot, spendData.distinct);
      counts.forEach((v, s) => {
        sum[s]! += v;
        sq[s]! += v * v;
      });
    }
    const share = new Float64Array(data.distinct);
    for (const s of data.slot) share[s]! += 1 / cs.length;
    // The most common histories (customers who never bought again, by T): mean and variance within 3.29 standard errors.
    const top = [...share.keys()].sort((a, b) => share[b]! - share[a]!).slice(0, 20);
    for (const s of top) {
      const mean = (cs.length * share[s]!);
      const variance = mean * (1 - share[s]!);
      const m = sum[s]! / R;
      const v = sq[s]! / R - m * m;
      expect(Math.abs(m - mean)).toBeLessThan(3.29 * Math.sqrt(variance / R));
      // The sample variance of R draws has a standard error of about variance sqrt(2/R) (near-normal counts).
      expect(Math.abs(v - variance)).toBeLessThan(3.29 * variance * Math.sqrt(2 / R) + 0.05 * variance);
    }
  });
});

describe('the Newton refit', () => {
  it.each([
    ['identified', IDENTIFIED],
    ['ridge', RIDGE],
  ] as const)('lands on the optimiser\'s optimum of each replicate (%s drop-out)', (name, truth) => {
    const cs = buyers(truth, 4000, 7);
    const data = bgNbdData(cs);
    const bg = fitBgNbdData(data);
    expect(bg.dropoutRidge).toBe(name === 'ridge');
    const spenders = cs.filter((c) => c.x > 0);
    const spendData = gammaGammaData(spenders);
    const gg = fitGammaGamma(spenders);
    const refit = bootstrapRefits(data, bg, spendData, gg);
    expect(refit.newton).toBe(true);
    const spendSlot = spendSlots(cs, spendData.slot);
    const draw = new Draws(3);
    // The refits that fell back to the simplex, per model: the landing checks below hold for either path,
    // so they alone would pass with every refit falling back.
    const fellBack = { bgnbd: 0, gammaGamma: 0 };
    const counted = <T>(model: keyof typeof fellBack, f: () => T): T => {
      const before = refit.fallbacks();
      const out = f();
      fellBack[model] += refit.fallbacks() - before;
      return out;
    };
    for (let r = 0; r < 4; r++) {
      const { counts, spendCounts } = bootstrapCounts(draw, data.slot, data.distinct, spendSlot, spendData.distinct);
      const d = bgNbdReweighted(data, counts);
      const newton = counted('bgnbd', () => refit.bgnbd(d));
      // The simplex refit from the estimate (what every replicate ran before) and, where the drop-out is
      // identified, the simplex from the four default starts to the first fit's tolerances: the replicate's
      // own optimum. On the ridge the default starts may end at its other end (a and b near 0) with a
      // slightly higher likelihood; a refit from the estimate stays on its side, as the simplex's did.
      const simplex = fitBgNbdData(d, bg);
      const llN = bgNbdLogLikelihood(newton, d);
      expect(llN, `${name} replicate ${r}`).toBeGreaterThanOrEqual(simplex.logLikelihood - 1e-6 * Math.abs(simplex.logLikelihood));
      if (!bg.dropoutRidge) {
        const full = fitBgNbdData(d);
        expect(llN).toBeGreaterThanOrEqual(full.logLikelihood - 1e-8 * Math.abs(full.logLikelihood));
        for (const key of ['r', 'alpha', 'a', 'b'] as const) expect(Math.abs(Math.log(newton[key] / full[key]))).toBeLessThan(1e-3);
      }
      // What the forecast uses of the fit: expected purchases, within 0.5% (a ridge's a and b may stand elsewhere).
      for (const t of [183, 365, 731]) expect(Math.abs(bgNbdExpectedTransactions(newton, t) / bgNbdExpectedTransactions(simplex, t) - 1)).toBeLessThan(0.005);
      const sd = gammaGammaReweighted(spendData, spendCounts);
      const g = counted('gammaGamma', () => refit.gammaGamma(sd));
      // The Gamma-Gamma's simplex from its default starts on the same resample, customer by customer.
      const expanded = sd.groups.flatMap((grp) => [...grp.m].flatMap((m, i) => new Array<GammaGammaCustomer>(grp.w[i]!).fill({ x: grp.x, meanSpend: m })));
      const simplexG = fitGammaGamma(expanded).logLikelihood;
      expect(gammaGammaLogLikelihood(g, sd)).toBeGreaterThanOrEqual(simplexG - 1e-6 * Math.abs(simplexG));
    }
    // Where the drop-out is identified every refit is Newton's. On the ridge the likelihood is nearly flat
    // along (a, b): the information at the estimate is close to singular, the steps it gives along the ridge
    // can stall the line search before the convergence test, and that refit falls back to the simplex from
    // the estimate (the designed path, checked above like the others): one of these four replicates does,
    // not more. The spend model is the same identified fit in both cases: never.
    expect(fellBack.gammaGamma).toBe(0);
    expect(fellBack.bgnbd).toBeLessThanOrEqual(name === 'ridge' ? 1 : 0);
    expect(refit.fallbacks()).toBe(fellBack.bgnbd + fellBack.gammaGamma);
  }, 120_000);
});

/** The largest gap between the empirical distribution function of draws and an exact one, over the support; and its 3.29 standard errors there. */
function cdfGaps(draws: number[], pmf: number[]): { k: number; gap: number; tol: number }[] {
  const n = draws.length;
  const counts = new Array<number>(pmf.length).fill(0);
  for (const v of draws) counts[v]!++;
  const out: { k: number; gap: number; tol: number }[] = [];
  let emp = 0;
  let exact = 0;
  for (let k = 0; k < pmf.length; k++) {
    emp += counts[k]! / n;
    exact += pmf[k]!;
    out.push({ k, gap: Math.abs(emp - exact), tol: 3.29 * Math.sqrt((exact * (1 - exact)) / n) + 1e-9 });
  }
  return out;
}

describe('the draws behind the sBG prediction interval', () => {
  it('draws its uniforms from mulberry32\'s stream, stepped in place (the same numbers as src/core/prng.ts)', () => {
    for (const seed of [0, 1, 21, 0xffffffff, fnv1a32('sbg|x')]) {
      const draw = new Draws(seed);
      const u = mulberry32(seed);
      for (let i = 0; i < 10000; i++) {
        let v = u();
        while (v === 0) v = u();
        expect(draw.uniform()).toBe(v);
      }
    }
  });

  it('binomial(n, p) has the exact binomial distribution, by BTRS from 10 expected successes or failures and by inversion below', () => {
    const draw = new Draws(21);
    for (const [n, p] of [[10, 0.3], [20, 0.49], [99, 0.1], [64, 0.5], [300, 0.93], [5000, 0.41], [100000, 0.77], [1000, 0.029], [1000, 0.03], [100000, 0.5], [1000000, 0.5], [1000000, 0.999], [1000000, 0.99999]] as const) {
      const lnC = (k: number) => lnGammaOf(n + 1) - lnGammaOf(k + 1) - lnGammaOf(n - k + 1);
      const pmf = Array.from({ length: n + 1 }, (_, k) => Math.exp(lnC(k) + k * Math.log(p) + (n - k) * Math.log1p(-p)));
      const draws = Array.from({ length: 20000 }, () => draw.binomial(n, p));
      // The Kolmogorov-style check at every point of the support; with n + 1 points a few may pass 3.29
      // standard errors by chance, so at most 1% of them.
      const bad = cdfGaps(draws, pmf).filter((g) => g.gap > g.tol);
      expect(bad.length, `binomial(${n}, ${p}): ${JSON.stringify(bad.slice(0, 3))}`).toBeLessThanOrEqual(Math.max(1, Math.floor(0.01 * (n + 1))));
      const mean = draws.reduce((a, v) => a + v, 0) / draws.length;
      expect(Math.abs(mean - n * p)).toBeLessThan(3.29 * Math.sqrt((n * p * (1 - p)) / draws.length));
    }
    expect(draw.binomial(0, 0.5)).toBe(0);
    expect(draw.binomial(7, 0)).toBe(0);
    expect(draw.binomial(7, 1)).toBe(7);
    expect(draw.binomial(1000000, 0)).toBe(0);
    expect(draw.binomial(1000000, 1)).toBe(1000000);
  });

  // BTRS's regions (the box where its hat is tight, accepted at once, and the rest, accepted against
  // Stirling's formula with its error terms) each carry part of the mass: a chi-square test over the
  // support binned to 25 expected draws or more checks them all at once, where the distribution
  // function's gaps above only see the largest error.
  it.each([
    [20, 0.5], [100, 0.1], [1000, 0.0101], [400, 0.975], [60, 0.5], [1000, 0.03], [3000, 0.2], [100000, 0.5], [100000, 0.9995], [1000000, 0.5], [1000000, 0.93], [1000000, 0.999], [1000000, 0.99997],
  ] as const)('binomial(%i, %f) passes a chi-square test of its whole distribution', (n, p) => {
    const draw = new Draws(Math.round(n * p) + 7);
    const R = 50000;
    const counts = new Map<number, number>();
    for (let i = 0; i < R; i++) {
      const k = draw.binomial(n, p);
      expect(Number.isInteger(k) && k >= 0 && k <= n).toBe(true);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const lnPmf = (k: number) => lnGammaOf(n + 1) - lnGammaOf(k + 1) - lnGammaOf(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
    // Bins of consecutive k, each with at least 25 expected draws; the tails (beyond 10 standard
    // deviations) join the first and last bins.
    const sd = Math.sqrt(n * p * (1 - p));
    const lo = Math.max(0, Math.floor(n * p - 10 * sd));
    const hi = Math.min(n, Math.ceil(n * p + 10 * sd));
    const bins: { expected: number; observed: number }[] = [];
    let cur = { expected: 0, observed: 0 };
    for (let k = lo; k <= hi; k++) {
      cur.expected += R * Math.exp(lnPmf(k));
      cur.observed += counts.get(k) ?? 0;
      if (cur.expected >= 25) {
        bins.push(cur);
        cur = { expected: 0, observed: 0 };
      }
    }
    bins[bins.length - 1]!.expected += cur.expected;
    bins[bins.length - 1]!.observed += cur.observed;
    const outside = [...counts].filter(([k]) => k < lo || k > hi).reduce((a, [, v]) => a + v, 0);
    expect(outside).toBe(0);
    const chi2 = bins.reduce((a, b) => a + (b.observed - b.expected) ** 2 / b.expected, 0);
    const df = bins.length - 1;
    // The 99.9% quantile of chi-square(df) (Wilson-Hilferty).
    const critical = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
    expect(df).toBeGreaterThanOrEqual(10);
    expect(chi2, `chi-square ${chi2.toFixed(1)} on ${df} degrees of freedom (99.9%: ${critical.toFixed(1)})`).toBeLessThan(critical);
    // Mean and variance within 3.29 standard errors (the variance's of near-normal draws: variance sqrt(2/R)).
    let m = 0;
    let m2 = 0;
    for (const [k, v] of counts) {
      m += (k * v) / R;
      m2 += (k * k * v) / R;
    }
    const variance = n * p * (1 - p);
    expect(Math.abs(m - n * p)).toBeLessThan(3.29 * Math.sqrt(variance / R));
    expect(Math.abs(m2 - m * m - variance)).toBeLessThan(3.29 * variance * Math.sqrt(2 / R) + 1e-9);
  });

  it.each([3, 40, 2000])('draws %i alike subscriptions\' future paid cycles from the exact distribution', (count) => {
    const p = { alpha: 1.2, beta: 3 };
    const L = 3;
    const C = 12;
    const dist = exactFutureCycles(p, L, C, count);
    const draw = new Draws(count);
    const draws = Array.from({ length: 20000 }, () => futureCycles(draw, p.alpha, p.beta, { count, paid: L, lastCycle: C }));
    const bad = cdfGaps(draws, dist).filter((g) => g.gap > g.tol);
    expect(bad.length, JSON.stringify(bad.slice(0, 3))).toBeLessThanOrEqual(Math.max(1, Math.floor(0.01 * dist.length)));
  });
});

/**
 * The exact distribution of `count` alike live subscriptions' future paid cycles L + 1 .. C under p: one
 * subscription's P(N >= k) = S(L - 1 + k)/S(L - 1), the group's its count-fold convolution.
 */
function exactFutureCycles(p: { alpha: number; beta: number }, L: number, C: number, count: number): number[] {
  const tail = (k: number) => sbgSurvival(p, L - 1 + k) / sbgSurvival(p, L - 1);
  const one = Array.from({ length: C - L + 1 }, (_, k) => tail(k) - (k + 1 <= C - L ? tail(k + 1) : 0));
  let dist = [1];
  for (let i = 0; i < count; i++) {
    const next = new Array<number>(dist.length + one.length - 1).fill(0);
    dist.forEach((a, j) => {
      if (a > 1e-300) one.forEach((b, k) => (next[j + k]! += a * b));
    });
    dist = next;
  }
  return dist;
}

describe('the sBG\'s survivors up to several last cycles in one simulation', () => {
  it.each([3, 40, 2000])('draws %i alike subscriptions\' future paid cycles up to cycles 5, 12 and 8 at once, each from its exact distribution', (count) => {
    const p = { alpha: 1.2, beta: 3 };
    const L = 3;
    const lasts = [5, 12, 8];
    const exact = (C: number) => exactFutureCycles(p, L, C, count);
    const draw = new Draws(count + 100);
    const R = 20000;
    const draws = lasts.map(() => new Array<number>(R));
    const out = new Float64Array(lasts.length);
    for (let r = 0; r < R; r++) {
      out.fill(0);
      futureCyclesByHorizon(draw, p.alpha, p.beta, { count, paid: L }, lasts, out);
      lasts.forEach((_, m) => (draws[m]![r] = out[m]!));
      // Nested: the cycles up to an earlier last cycle are part of those up to a later one.
      expect(out[0]).toBeLessThanOrEqual(out[2]!);
      expect(out[2]).toBeLessThanOrEqual(out[1]!);
    }
    lasts.forEach((C, m) => {
      const dist = exact(C);
      // Kolmogorov-Smirnov at 99.9% (1.95/√R; conservative for a discrete distribution), and the mean
      // within 3.29 standard errors.
      const ks = Math.max(...cdfGaps(draws[m]!, dist).map((g) => g.gap));
      expect(ks, `last cycle ${C}`).toBeLessThan(1.95 / Math.sqrt(R));
      const mean = dist.reduce((a, q, k) => a + q * k, 0);
      const sd = Math.sqrt(dist.reduce((a, q, k) => a + q * (k - mean) ** 2, 0));
      const got = draws[m]!.reduce((a, v) => a + v, 0) / R;
      expect(Math.abs(got - mean), `last cycle ${C}: mean ${got} against ${mean}`).toBeLessThan((3.29 * sd) / Math.sqrt(R));
    });
    // One last cycle draws exactly as futureCycles.
    const a = new Draws(5);
    const b = new Draws(5);
    const one = new Float64Array(1);
    for (let r = 0; r < 50; r++) {
      one[0] = 0;
      futureCyclesByHorizon(a, p.alpha, p.beta, { count, paid: L }, [12], one);
      expect(one[0]).toBe(futureCycles(b, p.alpha, p.beta, { count, paid: L, lastCycle: 12 }));
    }
  });
});

describe('a customer\'s simulated future', () => {
  it.each([
    [{ x: 0, tx: 0, T: 40, meanSpend: 0 }],
    [{ x: 3, tx: 200, T: 260, meanSpend: 8000 }],
    [{ x: 12, tx: 90, T: 300, meanSpend: 5000 }],
    [{ x: 250, tx: 350, T: 360, meanSpend: 2000 }],
    // So many purchases that P(none by a horizon) underflows: λ is drawn and the purchases counted.
    [{ x: 1500, tx: 355, T: 360, meanSpend: 1000 }],
  ])('averages to E[Y(t) | history] and its expected spend at each horizon (%o)', (c) => {
    const p = { r: 0.8, alpha: 100, a: 0.8, b: 2.5 };
    const g = { p: 6, q: 4, gamma: 15000 };
    const horizons = [731, 183, 365];
    const draw = new Draws(c.x + 1);
    const R = 20000;
    const sums = horizons.map(() => ({ n: 0, n2: 0, s: 0, s2: 0 }));
    for (let r = 0; r < R; r++) {
      drawCustomerFuture(draw, p, g, { ...c, bucket: 0 }, horizons).forEach((cell, k) => {
        const a = sums[k]!;
        a.n += cell.purchases;
        a.n2 += cell.purchases ** 2;
        a.s += cell.spend;
        a.s2 += cell.spend ** 2;
      });
    }
    const m = c.x > 0 ? gammaGammaExpectedSpend(g, c) : gammaGammaMeanSpend(g);
    horizons.forEach((h, k) => {
      const a = sums[k]!;
      const left = h - c.T;
      const expected = left > 0 ? bgNbdConditionalExpectedTransactions(p, c, left) : 0;
      const mean = a.n / R;
      const se = Math.sqrt(Math.max(a.n2 / R - mean * mean, 1e-12) / R);
      expect(Math.abs(mean - expected), `horizon ${h}: ${mean} against ${expected}`).toBeLessThanOrEqual(3.29 * se + 1e-12);
      const spend = a.s / R;
      const seS = Math.sqrt(Math.max(a.s2 / R - spend * spend, 1e-12) / R);
      expect(Math.abs(spend - expected * m), `horizon ${h} spend: ${spend} against ${expected * m}`).toBeLessThanOrEqual(3.29 * seS + 1e-9);
    });
  });
});
