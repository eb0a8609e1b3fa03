/**
 * The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV: using
 * iso-value curves for customer base analysis", Journal of Marketing Research 42(4): 415-430; after
 * Colombo & Jiang 1999). A customer's transactions are Gamma(p, rate ν) around their own mean p/ν, and ν
 * varies across customers as Gamma(q, rate γ). It is fitted on each customer's number of transactions x
 * and mean spend m over them, and assumes spend is independent of how often the customer buys (so it
 * pairs with BG/NBD: expected value = expected transactions × expected spend).
 *
 * Spend is in minor units (cents) as everywhere in Konduit; γ is in the same unit, and an expected
 * spend is a model's estimate, a fraction of a minor unit that a report rounds when it shows money.
 */
import { ForecastInputError } from './errors.js';
import { LIKELIHOOD_STALL, maximizeLogLikelihood, REFIT_TOLERANCE, type FitDiagnostics } from './optimize.js';
import { digamma, lnGamma } from './special.js';
import { countAndDot, splitWeights } from './weights.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** A customer's transactions used for spend: how many, and their mean (minor units, more than 0). */
export interface GammaGammaCustomer {
  x: number;
  meanSpend: number;
}

export const GAMMA_GAMMA_BOUNDS = { min: 1e-5, max: 1e9 } as const;

/** Checks the customers' counts and mean spends. */
export function checkGammaGammaCustomers(customers: readonly GammaGammaCustomer[]): void {
  if (customers.length === 0) throw new ForecastInputError('customers', 'no customer to fit', 'Give each customer\'s number of transactions and mean spend.');
  customers.forEach((c, i) => {
    const field = `customers[${i}]`;
    if (!Number.isInteger(c.x) || c.x < 1) {
      throw new ForecastInputError(`${field}.x`, `${field}.x = ${String(c.x)}: spend needs at least one transaction`, 'Leave out customers with no transaction to average.');
    }
    if (!Number.isFinite(c.meanSpend) || c.meanSpend <= 0) {
      throw new ForecastInputError(`${field}.meanSpend`, `${field}.meanSpend = ${String(c.meanSpend)} is not a spend of more than 0`,
        'The model is for positive amounts; leave out fully refunded or free orders.');
    }
  });
}

/**
 * Customers as the likelihood needs them: per distinct x, the distinct mean spends m with their counts
 * and Σ count × ln m (the only other place m enters), so a pass takes one logarithm per distinct (x, m).
 */
export interface GammaGammaData {
  groups: { x: number; count: number; sumLnM: number; m: Float64Array; w: Float64Array; lnM: Float64Array }[];
  customers: number;
  /**
   * For each customer given to gammaGammaData (in order), the position of their (x, m) among the groups'
   * entries taken one group after another: the weights gammaGammaReweighted takes.
   */
  slot: Int32Array;
  /** Distinct (x, m). */
  distinct: number;
}

/** Groups customers (checked by the caller) for the likelihood. */
export function gammaGammaData(customers: readonly GammaGammaCustomer[]): GammaGammaData {
  const byX = new Map<number, Map<number, number>>();
  const keys: [Map<number, number>, number][] = [];
  for (const c of customers) {
    const ms = byX.get(c.x) ?? new Map<number, number>();
    ms.set(c.meanSpend, (ms.get(c.meanSpend) ?? 0) + 1);
    byX.set(c.x, ms);
    keys.push([ms, c.meanSpend]);
  }
  // Each (x, m)'s slot: its group's offset plus its place in the group (a Map keeps insertion order).
  const place = new Map<Map<number, number>, Map<number, number>>();
  let distinct = 0;
  const groups = [...byX].map(([x, ms]) => {
    const m = Float64Array.from(ms.keys());
    const w = Float64Array.from(ms.values());
    const lnM = Float64Array.from(m, Math.log);
    const at = new Map<number, number>();
    m.forEach((v, i) => at.set(v, distinct + i));
    place.set(ms, at);
    distinct += m.length;
    const { count, dot: sumLnM } = countAndDot(w, lnM);
    return { x, count, sumLnM, m, w, lnM };
  });
  const slot = Int32Array.from(keys, ([ms, v]) => place.get(ms)!.get(v)!);
  return { groups, customers: customers.length, slot, distinct };
}

/**
 * The same (x, m) with other counts: weights[s] customers for slot s (GammaGammaData.slot), e.g. a
 * bootstrap replicate's. Shares the data's arrays. Throws when no customer is left.
 */
export function gammaGammaReweighted(d: GammaGammaData, weights: Float64Array): GammaGammaData {
  const split = splitWeights(weights, d.groups.map((g) => g.lnM));
  let total = 0;
  const groups = d.groups.map((g, k) => {
    const { w, count, dot } = split[k]!;
    total += count;
    return { ...g, w, count, sumLnM: dot };
  });
  if (total === 0) throw new ForecastInputError('customers', 'no customer to fit', 'Give each customer\'s number of transactions and mean spend.');
  return { ...d, groups, customers: total };
}

/**
 * The log-likelihood and its gradient in (p, q, γ), in one pass (for the bootstrap's Newton refits):
 * per x, with tail = Σ w ln(γ + m x), ∂/∂p = x [(ψ(px+q) - ψ(px) + ln x) count + Σ w ln m - tail],
 * ∂/∂q = (ψ(px+q) - ψ(q) + ln γ) count - tail, ∂/∂γ = q count/γ - (px+q) Σ w/(γ + m x). Checked against
 * central differences of gammaGammaLogLikelihood (gamma-gamma.test.ts).
 */
export function gammaGammaLogLikelihoodGradient(g: GammaGammaParams, d: GammaGammaData): { value: number; gradient: [number, number, number] } {
  const { p, q, gamma } = g;
  const lnG = Math.log(gamma);
  const constant = -lnGamma(q) + q * lnG;
  const psiQ = digamma(q);
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  for (const grp of d.groups) {
    if (grp.count === 0) continue;
    const px = p * grp.x;
    const lnX = Math.log(grp.x);
    let tail = 0;
    let inv = 0;
    for (let i = 0; i < grp.m.length; i++) {
      const w = grp.w[i]!;
      if (w === 0) continue;
      const v = gamma + grp.m[i]! * grp.x;
      tail += w * Math.log(v);
      inv += w / v;
    }
    const psiPXQ = digamma(px + q);
    ll += (lnGamma(px + q) - lnGamma(px) + px * lnX + constant) * grp.count + (px - 1) * grp.sumLnM - (px + q) * tail;
    gp += grp.x * ((psiPXQ - digamma(px) + lnX) * grp.count + grp.sumLnM - tail);
    gq += (psiPXQ - psiQ + lnG) * grp.count - tail;
    gg += (q * grp.count) / gamma - (px + q) * inv;
  }
  return { value: ll, gradient: [gp, gq, gg] };
}

/**
 * The log-likelihood of customers' mean spends (the density of a mean of x Gamma(p, ν) amounts, mixed
 * over ν):
 *   ln Γ(px+q) - ln Γ(px) - ln Γ(q) + q ln γ + (px-1) ln m + px ln x - (px+q) ln(γ + m x).
 */
export function gammaGammaLogLikelihood(g: GammaGammaParams, customers: readonly GammaGammaCustomer[] | GammaGammaData): number {
  const d = 'groups' in customers ? customers : gammaGammaData(customers);
  const { p, q, gamma } = g;
  const constant = -lnGamma(q) + q * Math.log(gamma);
  let ll = 0;
  for (const grp of d.groups) {
    const px = p * grp.x;
    ll += (lnGamma(px + q) - lnGamma(px) + px * Math.log(grp.x) + constant) * grp.count + (px - 1) * grp.sumLnM;
    let tail = 0;
    for (let i = 0; i < grp.m.length; i++) tail += grp.w[i]! * Math.log(gamma + grp.m[i]! * grp.x);
    ll -= (px + q) * tail;
  }
  return ll;
}

/** The population's mean spend per transaction, E[p/ν] = pγ/(q - 1); Infinity when q <= 1. */
export function gammaGammaMeanSpend(g: GammaGammaParams): number {
  return g.q > 1 ? (g.p * g.gamma) / (g.q - 1) : Number.POSITIVE_INFINITY;
}

/**
 * E[spend per transaction | x, m] = (γ + m x) p / (p x + q - 1): a weighted average of the population
 * mean and the customer's own, the weight of their own growing with x. Needs p x + q > 1.
 */
export function gammaGammaExpectedSpend(g: GammaGammaParams, c: GammaGammaCustomer): number {
  const denom = g.p * c.x + g.q - 1;
  return denom > 0 ? ((g.gamma + c.meanSpend * c.x) * g.p) / denom : Number.POSITIVE_INFINITY;
}

export interface GammaGammaFit extends GammaGammaParams, FitDiagnostics {
  customers: number;
}

/** Fits p, q, γ by maximum likelihood (on their logarithms, from several starts; a bootstrap refit is refitGammaGammaData). */
export function fitGammaGamma(customers: readonly GammaGammaCustomer[]): GammaGammaFit {
  checkGammaGammaCustomers(customers);
  // γ starts where the population mean pγ/(q - 1) equals the observed mean spend.
  const mean = customers.reduce((s, c) => s + c.meanSpend, 0) / customers.length;
  const starts = [
    [1, 2],
    [5, 4],
    [0.5, 10],
    [20, 1.5],
  ].map(([p, q]) => [p!, q!, (mean * (q! - 1)) / p!]);
  const data = gammaGammaData(customers);
  const ll = ([p, q, gamma]: number[]) => gammaGammaLogLikelihood({ p: p!, q: q!, gamma: gamma! }, data);
  // The same stall rule as BG/NBD's: a start whose log-likelihood no longer improves stops (the ridge of
  // spends that hardly vary, where p, q and γ creep while the mean spend stays put).
  const { params, ...fit } = maximizeLogLikelihood(ll, starts, GAMMA_GAMMA_BOUNDS, { maxEvals: 40000, ...LIKELIHOOD_STALL });
  const [p, q, gamma] = params as [number, number, number];
  return { p, q, gamma, ...fit, customers: customers.length };
}

/** A bootstrap refit by the simplex on data already grouped (gammaGammaReweighted), from `from`: fitGammaGamma's refit. */
export function refitGammaGammaData(data: GammaGammaData, from: GammaGammaParams): GammaGammaParams & FitDiagnostics {
  const ll = ([p, q, gamma]: number[]) => gammaGammaLogLikelihood({ p: p!, q: q!, gamma: gamma! }, data);
  const { params, ...fit } = maximizeLogLikelihood(ll, [[from.p, from.q, from.gamma]], GAMMA_GAMMA_BOUNDS, { ...REFIT_TOLERANCE, ...LIKELIHOOD_STALL });
  const [p, q, gamma] = params as [number, number, number];
  return { p, q, gamma, ...fit };
}
