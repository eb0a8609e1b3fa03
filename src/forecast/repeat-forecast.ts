/**
 * Repeat purchase and its value for customers without a contract, in one call: BG/NBD on each customer's
 * (x, t_x, T), Gamma-Gamma on the mean spend of those with repeat purchases, the expected repeat
 * purchases and spend of every customer up to horizons counted from their first purchase, summed per
 * bucket (a cohort), and a seeded bootstrap interval (docs/forecasts.md, "The interval of a repeat-purchase
 * forecast").
 *
 * The interval is a prediction interval for what the bucket's customers will actually do, not only for
 * its expectation: each replicate resamples the customers with replacement and refits both models from
 * the estimate (the parameters' uncertainty), then simulates every customer's future under the refitted
 * models given their own history (the customers' own randomness: who is still active, how often they buy,
 * what each purchase costs). Its bounds are the replicates' quantiles. Deterministic for a seed.
 */
import {
  BGNBD_BOUNDS, bgNbdConditionalExpectedTransactions, bgNbdData, bgNbdExpectedTransactions, bgNbdLogLikelihoodGradient, bgNbdProbabilityAlive, bgNbdReweighted, fitBgNbdData,
  type BgNbdCustomer, type BgNbdData, type BgNbdFit, type BgNbdParams,
} from './bgnbd.js';
import { ForecastInputError } from './errors.js';
import {
  fitGammaGamma, GAMMA_GAMMA_BOUNDS, gammaGammaData, gammaGammaExpectedSpend, gammaGammaLogLikelihoodGradient, gammaGammaMeanSpend, gammaGammaReweighted, refitGammaGammaData,
  type GammaGammaData, type GammaGammaFit, type GammaGammaParams,
} from './gamma-gamma.js';
import { informationFactor, newtonRefit, type Bounds, type ValueAndGradient } from './optimize.js';
import type { Bound } from './sbg-interval.js';
import { Draws } from './simulate.js';

/** A customer's history and the bucket (cohort) their projection adds to. */
export interface RepeatBuyer extends BgNbdCustomer {
  /** Mean spend of the repeat purchases (minor units, more than 0 when x > 0; ignored when x = 0). */
  meanSpend: number;
  /** Index of the bucket, 0 .. buckets - 1. */
  bucket: number;
}

export interface RepeatForecastOptions {
  /** Horizons in the customers' time unit, counted from each customer's first purchase. */
  horizons: readonly number[];
  buckets: number;
  seed: number;
  /** Bootstrap replicates (default 200). */
  replicates?: number;
  /** Interval level (default 0.95). */
  level?: number;
}

/** A sum over a bucket's customers of what they do after T up to a horizon: the expectation and its interval. */
export interface RepeatProjection {
  purchases: number;
  purchasesInterval: Bound;
  /** Spend of those purchases (minor units, unrounded); null when the population's mean spend is infinite (q <= 1). */
  spend: number | null;
  spendInterval: Bound | null;
}

export interface RepeatForecast {
  bgnbd: BgNbdFit;
  gammaGamma: GammaGammaFit & { customers: number };
  /** The population's mean spend per repeat purchase p γ/(q - 1), null when infinite. */
  meanSpend: number | null;
  /** Per horizon: a new customer's expected repeat purchases E[X(H)] and their spend, with the parameters' interval. */
  newCustomer: { horizon: number; purchases: number; purchasesInterval: Bound; spend: number | null; spendInterval: Bound | null }[];
  /** [bucket][horizon]. */
  buckets: RepeatProjection[][];
  interval: {
    level: number; method: 'bootstrap'; replicates: number; seed: number; refitsFailed: number;
    /** The refits were Newton steps from the estimate (false: the information there was unusable, every refit was the simplex's). */
    newton: boolean;
    /** Refits (of either model) that fell back to the simplex because Newton did not converge. */
    fallbacks: number;
  };
  warnings: string[];
}

/** Trust thresholds (docs/forecasts.md, "When not to trust a forecast"). */
export const REPEAT_TRUST = { minRepeatBuyers: 30, minHistoryShare: 0.25 } as const;

/**
 * The central `level` interval of values: their (1-level)/2 and (1+level)/2 quantiles (type 7, linear
 * between order statistics). The four order statistics it reads are selected (Hoare's selection on a
 * Float64Array copy, then the least of what lies above), not sorted for: the same numbers as a sort for
 * finite values, in linear time; `values` is left as it was.
 */
export function quantileBound(values: ArrayLike<number>, level: number): Bound {
  const s = Float64Array.from(values);
  const n = s.length;
  const at = (p: number) => {
    const h = (n - 1) * p;
    const lo = Math.floor(h);
    const a = select(s, lo);
    // The next order statistic: the least of what the selection left above lo (or lo itself at the end).
    let b = a;
    if (lo + 1 < n) {
      b = s[lo + 1]!;
      for (let i = lo + 2; i < n; i++) if (s[i]! < b) b = s[i]!;
    }
    return a + (h - lo) * (b - a);
  };
  return [at((1 - level) / 2), at((1 + level) / 2)];
}

/**
 * The k-th smallest of s (0-based), by Hoare's selection in place: afterwards s[k] is it, everything
 * before it is at most it and everything after at least it.
 */
function select(s: Float64Array, k: number): number {
  let left = 0;
  let right = s.length - 1;
  while (right > left) {
    // Median of three as the pivot, then Hoare's partition.
    const mid = (left + right) >>> 1;
    const x = s[left]!;
    const y = s[mid]!;
    const z = s[right]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : (x < z ? x : y < z ? z : y);
    let i = left;
    let j = right;
    while (i <= j) {
      while (s[i]! < pivot) i++;
      while (s[j]! > pivot) j--;
      if (i <= j) {
        const t = s[i]!;
        s[i] = s[j]!;
        s[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return s[k]!;
}

/** A customer's expected spend per repeat purchase: their own weighted with the population's. */
const spendOf = (g: GammaGammaParams, c: RepeatBuyer) => (c.x > 0 ? gammaGammaExpectedSpend(g, { x: c.x, meanSpend: c.meanSpend }) : gammaGammaMeanSpend(g));

/** A parameter for a message: 4 significant digits. */
const fmt = (v: number) => Number(v.toPrecision(4)).toString();


/** Fits both models and projects every bucket to every horizon, with the bootstrap interval. */
export function repeatForecast(customers: readonly RepeatBuyer[], o: RepeatForecastOptions): RepeatForecast {
  const level = o.level ?? 0.95;
  const replicates = o.replicates ?? 200;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, got ${level}`);
  if (!Number.isInteger(replicates) || replicates < 20) throw new RangeError(`replicates must be a whole number of at least 20, got ${replicates}`);
  customers.forEach((c, i) => {
    if (!Number.isInteger(c.bucket) || c.bucket < 0 || c.bucket >= o.buckets) throw new RangeError(`customers[${i}].bucket = ${c.bucket} is not a bucket 0..${o.buckets - 1}`);
  });
  // The likelihood depends on (x, t_x, T) alone: fitted over the distinct histories, each with its count.
  const data = bgNbdData(customers);
  const bg = fitBgNbdData(data);
  const spenders = customers.filter((c) => c.x > 0);
  const gg = fitGammaGamma(spenders);
  const spendData = gammaGammaData(spenders);
  const meanSpend = gammaGammaMeanSpend(gg);
  const warnings: string[] = [];
  if (bg.dropoutRidge) {
    // The starts stop at different places along the ridge, so their agreement says nothing here.
    const share = `${(100 * bg.a / (bg.a + bg.b)).toFixed(2)}%`;
    // a + b small: the drop-out probability is near 0 or 1 for each customer; large: near its mean for everyone.
    const assumes = bg.a + bg.b < 1
      ? `as if ${share} of customers leave at their first repeat purchase and the others never do`
      : `as if every customer leaves after each repeat purchase with about the same chance, ${share}`;
    warnings.push(`the BG/NBD drop-out is not identified: the data cannot tell how much the chance of leaving after a purchase varies across customers (a ${fmt(bg.a)} and b ${fmt(bg.b)} `
      + `both 10 times larger or smaller fit as well); the forecast uses the fit, ${assumes}; its expected purchases hardly change along that ridge`);
  } else if (!bg.converged || bg.agreeing < 2) {
    warnings.push(`the BG/NBD fit is unsure: ${bg.agreeing} of ${bg.starts} starts agreed${bg.converged ? '' : ', and not every start converged'}`);
  }
  if (!gg.converged || gg.agreeing < 2) warnings.push(`the Gamma-Gamma fit is unsure (${gg.agreeing} of ${gg.starts} starts agreed): purchase amounts that hardly vary within or across customers leave p, q and gamma on a ridge; the mean spend is still pinned down`);
  if (bg.atBound) warnings.push('a BG/NBD parameter reached its bound: the data do not pin the model down (typically too few repeat buyers or too short a history)');
  if (spenders.length < REPEAT_TRUST.minRepeatBuyers) warnings.push(`only ${spenders.length} customers bought again: the purchase rate, the drop-out and the spend rest on a handful of people; read the interval, not the point`);
  if (!Number.isFinite(meanSpend)) warnings.push(`Gamma-Gamma q = ${gg.q.toFixed(3)} <= 1: the mean spend per purchase is infinite, so no value is projected`);
  const longest = Math.max(...o.horizons);
  const meanT = customers.reduce((a, c) => a + c.T, 0) / customers.length;
  if (meanT < REPEAT_TRUST.minHistoryShare * longest) {
    warnings.push(`the customers were observed ${meanT.toFixed(0)} time units on average, under a quarter of the longest horizon (${longest}): most of the projection is the model's extrapolation`);
  }

  // Points: expectations under the estimate.
  const empty = (): { purchases: number; spend: number }[][] => Array.from({ length: o.buckets }, () => o.horizons.map(() => ({ purchases: 0, spend: 0 })));
  const point = empty();
  for (const c of customers) {
    const spend = spendOf(gg, c);
    o.horizons.forEach((h, k) => {
      const left = h - c.T;
      if (left <= 0) return;
      const n = bgNbdConditionalExpectedTransactions(bg, c, left);
      const cell = point[c.bucket]![k]!;
      cell.purchases += n;
      cell.spend += n * spend;
    });
  }

  // Replicates: resample, refit from the estimate, simulate each customer's future under the refit.
  const draw = new Draws(o.seed);
  const sims: { purchases: number; spend: number }[][][] = [];
  const fresh: { purchases: number; spend: number }[][] = [];
  let failed = 0;
  const refit = bootstrapRefits(data, bg, spendData, gg);
  // Per customer: their spend slot, and what the simulation needs of them.
  const spendSlot = spendSlots(customers, spendData.slot);
  const futures = customers.map((c) => futureOf(c, o.horizons));
  const histories = slotHistories(data);
  for (let b = 0; b < replicates; b++) {
    // A resample of the customers with replacement, as counts over the distinct histories (the BG/NBD's)
    // and the distinct (x, m) (the Gamma-Gamma's): how many times each is drawn.
    const { counts, spendCounts } = bootstrapCounts(draw, data.slot, data.distinct, spendSlot, spendData.distinct);
    let pb: BgNbdParams;
    let gb: GammaGammaParams;
    try {
      pb = refit.bgnbd(bgNbdReweighted(data, counts));
      gb = refit.gammaGamma(gammaGammaReweighted(spendData, spendCounts));
    } catch (err) {
      // A resample without any repeat buyer cannot be fitted: it is left out and counted.
      if (!(err instanceof ForecastInputError)) throw err;
      failed++;
      continue;
    }
    let expected: { purchases: number; spend: number }[];
    try {
      const m = gammaGammaMeanSpend(gb);
      expected = o.horizons.map((h) => {
        const n = bgNbdExpectedTransactions(pb, h);
        return { purchases: n, spend: n * m };
      });
    } catch (err) {
      // A refit whose expectation cannot be computed (the series refuses its time scale) is left out and counted too.
      if (!(err instanceof RangeError)) throw err;
      failed++;
      continue;
    }
    fresh.push(expected);
    const cells = empty();
    // P(alive) once per distinct history, not per customer.
    const alive = aliveBySlot(pb, histories);
    const lnAlphaT = histories.T.map((T) => Math.log(pb.alpha + T));
    const lnAlphaH = Float64Array.from(o.horizons, (h) => Math.log(pb.alpha + h));
    for (let i = 0; i < customers.length; i++) {
      const slot = data.slot[i]!;
      simulateFuture(draw, pb, gb, customers[i]!, alive[slot]!, futures[i]!, lnAlphaT[slot]!, lnAlphaH, cells[customers[i]!.bucket]!);
    }
    sims.push(cells);
  }
  if (sims.length < replicates / 2) {
    throw new ForecastInputError('customers', `${failed} of ${replicates} bootstrap resamples had no repeat buyer to fit`, 'The interval needs more customers who bought again; observe them for longer.');
  }
  const finite = Number.isFinite(meanSpend);
  const buckets = point.map((row, i) => row.map((p, k): RepeatProjection => ({
    purchases: p.purchases,
    purchasesInterval: quantileBound(sims.map((s) => s[i]![k]!.purchases), level),
    spend: finite ? p.spend : null,
    spendInterval: finite ? quantileBound(sims.map((s) => s[i]![k]!.spend), level) : null,
  })));
  const newCustomer = o.horizons.map((h, k) => {
    const n = bgNbdExpectedTransactions(bg, h);
    const spends = fresh.map((f) => f[k]!.spend).filter(Number.isFinite);
    return {
      horizon: h, purchases: n, purchasesInterval: quantileBound(fresh.map((f) => f[k]!.purchases), level),
      spend: finite ? n * meanSpend : null, spendInterval: finite && spends.length === fresh.length ? quantileBound(spends, level) : null,
    };
  });
  return {
    bgnbd: bg,
    gammaGamma: { ...gg, customers: spenders.length },
    meanSpend: finite ? meanSpend : null,
    newCustomer,
    buckets,
    interval: { level, method: 'bootstrap', replicates, seed: o.seed, refitsFailed: failed, newton: refit.newton, fallbacks: refit.fallbacks() },
    warnings,
  };
}

/**
 * Each customer's slot among the Gamma-Gamma's distinct (x, m), -1 for a customer without a repeat
 * purchase: `slot` is the Gamma-Gamma data's, whose customers are the repeat buyers in the same order.
 */
export function spendSlots(customers: readonly { x: number }[], slot: Int32Array): Int32Array {
  const out = new Int32Array(customers.length).fill(-1);
  let k = 0;
  customers.forEach((c, i) => {
    if (c.x > 0) out[i] = slot[k++]!;
  });
  return out;
}

/**
 * A resample of the customers with replacement (customer j drawn each time with chance 1/n), kept as
 * counts: per slot of `slot` (the BG/NBD's distinct histories) and of `spendSlot` (the Gamma-Gamma's
 * distinct (x, m); -1 for a customer without a repeat purchase). The counts are multinomial over the
 * distinct histories with their shares, exactly what resampling the customers one by one gives.
 */
export function bootstrapCounts(draw: Draws, slot: Int32Array, distinct: number, spendSlot: Int32Array, spendDistinct: number): { counts: Float64Array; spendCounts: Float64Array } {
  const counts = new Float64Array(distinct);
  const spendCounts = new Float64Array(spendDistinct);
  const n = slot.length;
  for (let i = 0; i < n; i++) {
    const j = Math.floor(draw.uniform() * n);
    counts[slot[j]!]! += 1;
    if (spendSlot[j]! >= 0) spendCounts[spendSlot[j]!]! += 1;
  }
  return { counts, spendCounts };
}

/** The distinct histories in slot order (BgNbdData.slot): x, t_x and T. */
function slotHistories(d: BgNbdData): { x: Float64Array; tx: Float64Array; T: Float64Array } {
  const x = new Float64Array(d.distinct);
  const tx = new Float64Array(d.distinct);
  const T = new Float64Array(d.distinct);
  let at = 0;
  for (const g of d.groups) {
    for (let i = 0; i < g.w.length; i++, at++) {
      x[at] = g.x;
      tx[at] = g.tx[i]!;
      T[at] = g.T[i]!;
    }
  }
  return { x, tx, T };
}

/** P(alive) of each distinct history (bgNbdProbabilityAlive, once per history). */
function aliveBySlot(p: BgNbdParams, h: { x: Float64Array; tx: Float64Array; T: Float64Array }): Float64Array {
  const out = new Float64Array(h.x.length);
  for (let s = 0; s < out.length; s++) out[s] = bgNbdProbabilityAlive(p, { x: h.x[s]!, tx: h.tx[s]!, T: h.T[s]! });
  return out;
}

/** A customer's open horizons (those after T), ascending: each one's index among the horizons, and its length from the first purchase. */
interface Future {
  horizon: Int32Array;
  length: Float64Array;
}

function futureOf(c: RepeatBuyer, horizons: readonly number[]): Future {
  const open = horizons.map((h, k) => [h, k] as const).filter(([h]) => h - c.T > 0).sort((a, b) => a[0] - b[0]);
  return { horizon: Int32Array.from(open, ([, k]) => k), length: Float64Array.from(open, ([h]) => h) };
}

/**
 * The bootstrap's refits (docs/forecasts.md, "Cost"): each starts at the full data's estimate and takes
 * Newton steps with the observed information there (newtonRefit), on the log-parameters, with the
 * likelihoods' analytic gradients; a refit that does not converge falls back to the simplex from the
 * estimate (the refit tolerances and stall rule), as do all of them when the information cannot be
 * factored.
 */
export function bootstrapRefits(data: BgNbdData, bg: BgNbdParams, spendData: GammaGammaData, gg: GammaGammaParams): {
  bgnbd: (d: BgNbdData) => BgNbdParams; gammaGamma: (d: GammaGammaData) => GammaGammaParams; newton: boolean; fallbacks: () => number;
} {
  const logBounds = (l: { min: number; max: number }, n: number): Bounds => ({ lower: new Array<number>(n).fill(Math.log(l.min)), upper: new Array<number>(n).fill(Math.log(l.max)) });
  const bgFg = (d: BgNbdData): ValueAndGradient => (v) => {
    const [r, alpha, a, b] = v.map(Math.exp) as [number, number, number, number];
    const { value, gradient } = bgNbdLogLikelihoodGradient({ r, alpha, a, b }, d);
    return { value, gradient: [gradient[0] * r, gradient[1] * alpha, gradient[2] * a, gradient[3] * b] };
  };
  const ggFg = (d: GammaGammaData): ValueAndGradient => (v) => {
    const [p, q, gamma] = v.map(Math.exp) as [number, number, number];
    const { value, gradient } = gammaGammaLogLikelihoodGradient({ p, q, gamma }, d);
    return { value, gradient: [gradient[0] * p, gradient[1] * q, gradient[2] * gamma] };
  };
  const bgAt = [bg.r, bg.alpha, bg.a, bg.b].map(Math.log);
  const ggAt = [gg.p, gg.q, gg.gamma].map(Math.log);
  const [bgBounds, ggBounds] = [logBounds(BGNBD_BOUNDS, 4), logBounds(GAMMA_GAMMA_BOUNDS, 3)];
  const bgInfo = informationFactor(bgFg(data), bgAt);
  const ggInfo = informationFactor(ggFg(spendData), ggAt);
  let fallbacks = 0;
  return {
    newton: bgInfo !== null && ggInfo !== null,
    fallbacks: () => fallbacks,
    bgnbd: (d) => {
      if (bgInfo) {
        const n = newtonRefit(bgFg(d), bgAt, bgInfo.factor, bgBounds);
        if (n.converged) {
          const [r, alpha, a, b] = n.x.map(Math.exp) as [number, number, number, number];
          return { r, alpha, a, b };
        }
      }
      fallbacks++;
      return fitBgNbdData(d, bg);
    },
    gammaGamma: (d) => {
      if (ggInfo) {
        const n = newtonRefit(ggFg(d), ggAt, ggInfo.factor, ggBounds);
        if (n.converged) {
          const [p, q, gamma] = n.x.map(Math.exp) as [number, number, number];
          return { p, q, gamma };
        }
      }
      fallbacks++;
      return refitGammaGammaData(d, gg);
    },
  };
}

/**
 * One customer's future under parameters, given their history (docs/forecasts.md, "Simulation"): active at
 * T with P(alive) (`alive`, of their distinct history); then, as the model's posterior says for an active
 * customer, λ ~ Gamma(r + x, α + T) and p ~ Beta(a, b + x), purchases as a Poisson process with rate λ,
 * dropping out after each with chance p, each purchase's amount Gamma(p_s, ν) with ν ~ Gamma(q + p_s x,
 * γ + m x). Drawn through the marginals, which have the same distribution: the purchases the Poisson
 * process would make by each horizon are negative binomial (λ integrated out; after k of them by one
 * horizon, λ's posterior is Gamma(r + x + k, α + that horizon)), the purchases up to and including the
 * drop-out beta-geometric (P(G > g) = Π_{j<g} (b + x + j)/(a + b + x + j), p integrated out), the
 * purchases made by a horizon min(K, G), and the amounts of n purchases Gamma(n p_s, ν). Adds to `cells`
 * per horizon. `lnAlphaT` is ln(α + T), `lnAlphaH[k]` ln(α + horizon k) (horizons from the first purchase).
 */
function simulateFuture(
  draw: Draws, p: BgNbdParams, g: GammaGammaParams, c: RepeatBuyer, alive: number, future: Future, lnAlphaT: number, lnAlphaH: Float64Array,
  cells: { purchases: number; spend: number }[],
): void {
  const open = future.horizon.length;
  if (open === 0) return;
  if (c.x > 0 && draw.uniform() >= alive) return;
  // The Poisson process's purchases by each open horizon, cumulative.
  const made = new Array<number>(open);
  let k = 0;
  let lnFrom = lnAlphaT;
  let from = c.T;
  for (let j = 0; j < open; j++) {
    const lnTo = lnAlphaH[future.horizon[j]!]!;
    k += negativeBinomial(draw, p.r + c.x + k, lnFrom - lnTo, p.alpha + from, future.length[j]! - from);
    made[j] = k;
    lnFrom = lnTo;
    from = future.length[j]!;
  }
  if (k === 0) return;
  // G = min(the purchase that ends with a drop-out, k): only whether it comes before k matters.
  const u = draw.uniform();
  const b = p.b + c.x;
  const ab = p.a + p.b + c.x;
  let last = 1;
  let tail = 1;
  while (last < k) {
    tail *= (b + last - 1) / (ab + last - 1);
    if (u >= tail) break;
    last++;
  }
  const nu = c.x > 0 ? draw.gamma(g.q + g.p * c.x, g.gamma + c.meanSpend * c.x) : draw.gamma(g.q, g.gamma);
  let before = 0;
  let spend = 0;
  for (let j = 0; j < open; j++) {
    const bought = Math.min(made[j]!, last);
    if (bought > before) spend += draw.gamma(g.p * (bought - before), nu);
    before = bought;
    const cell = cells[future.horizon[j]!]!;
    cell.purchases += bought;
    cell.spend += spend;
  }
}

/**
 * The purchases of a Poisson process in a span of length `span` whose rate is Gamma(shape, rate): negative
 * binomial, P(0) = π^shape with ln π = `lnP0PerShape` = ln(rate/(rate + span)), P(k + 1) = P(k) (shape + k)/(k + 1) (1 - π),
 * walked with one uniform. When P(0) would underflow (a heavy buyer far ahead), λ is drawn and the
 * purchases counted by their exponential gaps instead.
 */
function negativeBinomial(draw: Draws, shape: number, lnP0PerShape: number, rate: number, span: number): number {
  const lnP0 = shape * lnP0PerShape;
  if (lnP0 < -600) {
    const lambda = draw.gamma(shape, rate);
    let n = 0;
    for (let t = draw.exponential(lambda); t <= span; t += draw.exponential(lambda)) n++;
    return n;
  }
  const q = -Math.expm1(lnP0PerShape);
  let pk = Math.exp(lnP0);
  let u = draw.uniform();
  let n = 0;
  while (u > pk && pk > 0) {
    u -= pk;
    pk *= ((shape + n) / (n + 1)) * q;
    n++;
  }
  return n;
}

/** One draw of a customer's purchases and spend by each horizon under parameters (the replicates' simulation, for tests). */
export function drawCustomerFuture(draw: Draws, p: BgNbdParams, g: GammaGammaParams, c: RepeatBuyer, horizons: readonly number[]): { purchases: number; spend: number }[] {
  const cells = horizons.map(() => ({ purchases: 0, spend: 0 }));
  const alive = c.x > 0 ? bgNbdProbabilityAlive(p, c) : 1;
  simulateFuture(draw, p, g, c, alive, futureOf(c, horizons), Math.log(p.alpha + c.T), Float64Array.from(horizons, (h) => Math.log(p.alpha + h)), cells);
  return cells;
}
