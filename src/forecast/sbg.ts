/**
 * The shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007, "How to project
 * customer retention", Journal of Interactive Marketing 21(1): 76-90).
 *
 * A customer renews at the end of each period with a constant probability 1 - θ until they churn; θ varies
 * across customers as Beta(α, β). A cohort's churn period T (1, 2, ...) then has
 *   P(T = t) = B(α + 1, β + t - 1) / B(α, β),   S(t) = P(T > t) = B(α, β + t) / B(α, β),
 * and the retention rate r(t) = S(t) / S(t - 1) = (β + t - 1) / (α + β + t - 1) rises with t: the
 * customers who stay are, more and more, those with a low θ. docs/forecasts.md has the whole story.
 *
 * Periods: S(0) = 1 is the acquisition; a customer alive at the start of period t (t = 0, 1, ...) pays
 * for it, so a customer who churns at T paid T periods.
 */
import { ForecastInputError } from './errors.js';
import { maximizeLogLikelihood, type FitDiagnostics } from './optimize.js';
import { lnBeta } from './special.js';

export interface SbgParams {
  alpha: number;
  beta: number;
}

/** One cohort: survivors[t] customers still subscribed after t periods (survivors[0] = acquired). */
export interface SbgCohort {
  survivors: readonly number[];
}

/**
 * The sufficient statistics of any number of cohorts: churned[t] customers churned in period t and
 * censored[t] customers were still subscribed when their cohort's observation ended after t periods
 * (index 0 unused in churned). Right-censoring is what lets cohorts of different ages be fitted together.
 */
export interface SbgData {
  churned: number[];
  censored: number[];
  /** Customers acquired, over all cohorts. */
  customers: number;
  /** The most periods any cohort was observed for. */
  periods: number;
  cohorts: number;
}

/** Parameter bounds of the fit (on α and β alike): beyond them the likelihood is flat to the eye. */
export const SBG_BOUNDS = { min: 1e-4, max: 1e5 } as const;

function where(cohorts: number, i: number): string {
  return cohorts > 1 ? `cohort ${i + 1}: ` : '';
}

/** Checks survivor counts and sums them into the sufficient statistics; throws ForecastInputError. */
export function sbgData(cohorts: readonly SbgCohort[]): SbgData {
  if (cohorts.length === 0) throw new ForecastInputError('cohorts', 'no cohort to fit', 'Give at least one cohort\'s survivors N0,N1,N2,...');
  const churned: number[] = [0];
  const censored: number[] = [0];
  let customers = 0;
  let periods = 0;
  cohorts.forEach((c, i) => {
    const n = c.survivors;
    const at = where(cohorts.length, i);
    const field = cohorts.length > 1 ? `cohorts[${i}].survivors` : 'survivors';
    n.forEach((v, t) => {
      if (!Number.isFinite(v) || v < 0 || !Number.isInteger(v)) {
        throw new ForecastInputError(`${field}[${t}]`, `${at}N${t} = ${String(v)} is not a whole number of customers`,
          'Survivors are counts of customers (for example per 1,000 acquired), not percentages or rates.');
      }
      if (t > 0 && v > n[t - 1]!) {
        throw new ForecastInputError(`${field}[${t}]`, `${at}N${t} = ${v} is more than N${t - 1} = ${n[t - 1]}: survivors cannot increase`,
          'Survivors count the customers still subscribed after each period; each count is at most the one before it.');
      }
    });
    if (n.length < 2) {
      throw new ForecastInputError(field, `${at}only N0 is given: a cohort needs survivors for at least one period (N0,N1)`,
        'Give the customers acquired and the customers still subscribed after each period: N0,N1,N2,...');
    }
    if (n[0] === 0) {
      throw new ForecastInputError(`${field}[0]`, `${at}N0 = 0: a cohort must start with at least one customer`,
        'N0 is the number of customers acquired; drop empty cohorts.');
    }
    const T = n.length - 1;
    customers += n[0]!;
    periods = Math.max(periods, T);
    while (churned.length <= T) {
      churned.push(0);
      censored.push(0);
    }
    for (let t = 1; t <= T; t++) churned[t]! += n[t - 1]! - n[t]!;
    censored[T]! += n[T]!;
  });
  return checkSbgData({ churned, censored, customers, periods, cohorts: cohorts.length });
}

/**
 * Sufficient statistics given directly (a life table): churned[t] customers churned in period t and
 * censored[t] still subscribed when observation stopped after t periods (index 0 of churned unused;
 * censored[0] counts customers not yet observed for one period, who add nothing to the likelihood).
 * `cohorts` is only reported. Throws ForecastInputError as sbgData does.
 */
export function sbgDataFromCounts(churned: readonly number[], censored: readonly number[], cohorts = 1): SbgData {
  const length = Math.max(churned.length, censored.length, 1);
  const ch = Array.from({ length }, (_, t) => (t === 0 ? 0 : (churned[t] ?? 0)));
  const ce = Array.from({ length }, (_, t) => censored[t] ?? 0);
  [...ch.map((v, t) => ['churned', v, t] as const), ...ce.map((v, t) => ['censored', v, t] as const)].forEach(([field, v, t]) => {
    if (!Number.isFinite(v) || v < 0 || !Number.isInteger(v)) {
      throw new ForecastInputError(`${field}[${t}]`, `${field}[${t}] = ${String(v)} is not a whole number of customers`, 'Counts of customers are whole numbers of 0 or more.');
    }
  });
  let periods = length - 1;
  while (periods > 0 && ch[periods] === 0 && ce[periods] === 0) periods--;
  const customers = ch.reduce((a, b) => a + b, 0) + ce.reduce((a, b) => a + b, 0);
  return checkSbgData({ churned: ch.slice(0, periods + 1), censored: ce.slice(0, periods + 1), customers, periods, cohorts });
}

/** The checks every fit needs: enough periods, some churn, some renewal. */
function checkSbgData(d: SbgData): SbgData {
  const { churned, censored, periods } = d;
  if (periods < 2) {
    throw new ForecastInputError('survivors', `too few periods: the longest cohort is observed for ${periods} period${periods === 1 ? '' : 's'}, the model needs at least 2 (N0,N1,N2)`,
      'The model has two parameters: give survivors for two periods or more (four or more to trust a projection).');
  }
  const lost = churned.reduce((s, v) => s + v, 0);
  if (lost === 0) {
    throw new ForecastInputError('survivors', 'no customer churned in any period: there is no churn to project',
      'The model estimates how churn varies across customers; it needs at least one churned customer.');
  }
  if (lost === churned[1] && censored.every((v, t) => t === 0 || v === 0)) {
    throw new ForecastInputError('survivors', 'every customer churned in the first period: there is no renewal to project',
      'The model needs some customers who renewed at least once.');
  }
  return d;
}

/** ln S(t) = ln B(α, β + t) - ln B(α, β). */
export function sbgLogSurvival(p: SbgParams, t: number): number {
  if (t <= 0) return 0;
  return lnBeta(p.alpha, p.beta + t) - lnBeta(p.alpha, p.beta);
}

/**
 * Up to this many periods a survival ratio is the product of its retention rates (exact ratios of the
 * beta functions, a division each, about one ulp of error each), beyond it the beta functions' logarithms.
 */
export const RATIO_BY_PRODUCT = 64;

/** S(k)/S(t) for whole 0 <= t <= k, k - t <= RATIO_BY_PRODUCT: Π_{j = t+1..k} r(j). */
function survivalRatio(p: SbgParams, t: number, k: number): number {
  let s = 1;
  for (let j = t; j < k; j++) s *= (p.beta + j) / (p.alpha + p.beta + j);
  return s;
}

const wholeSpan = (t: number, k: number) => Number.isInteger(t) && Number.isInteger(k) && t >= 0 && k >= t && k - t <= RATIO_BY_PRODUCT;

/** S(t): the share of a cohort still subscribed after t periods (S(0) = 1). */
export function sbgSurvival(p: SbgParams, t: number): number {
  if (t > 0 && wholeSpan(0, t)) return survivalRatio(p, 0, t);
  return Math.exp(sbgLogSurvival(p, t));
}

/** S(0), S(1), ..., S(last). */
export function sbgSurvivalCurve(p: SbgParams, last: number): number[] {
  return Array.from({ length: last + 1 }, (_, t) => sbgSurvival(p, t));
}

/** ln P(T = t) = ln B(α + 1, β + t - 1) - ln B(α, β), t >= 1. */
export function sbgLogChurn(p: SbgParams, t: number): number {
  return lnBeta(p.alpha + 1, p.beta + t - 1) - lnBeta(p.alpha, p.beta);
}

/** P(T = t): the share of a cohort that churns in period t (t >= 1). */
export function sbgChurn(p: SbgParams, t: number): number {
  return Math.exp(sbgLogChurn(p, t));
}

/** r(t) = S(t)/S(t-1) = (β + t - 1)/(α + β + t - 1): the share of those subscribed after t - 1 periods who renew at t. */
export function sbgRetentionRate(p: SbgParams, t: number): number {
  return (p.beta + t - 1) / (p.alpha + p.beta + t - 1);
}

/** P(T > k | T > t) = S(k)/S(t): the chance that a customer subscribed after t periods still is after k. */
export function sbgConditionalSurvival(p: SbgParams, t: number, k: number): number {
  if (wholeSpan(Math.max(0, t), Math.max(0, k))) return survivalRatio(p, Math.max(0, t), Math.max(0, k));
  return Math.exp(sbgLogSurvival(p, k) - sbgLogSurvival(p, t));
}

/**
 * The log-likelihood of the data: Σ churned[t] ln P(T = t) + Σ censored[t] ln S(t), by the exact
 * recursion of the beta functions' ratios (no ln Γ): with D = α + β + t - 1,
 *   ln P(T = t) = ln S(t - 1) + ln α - ln D,   ln S(t) = ln S(t - 1) + ln(β + t - 1) - ln D,
 * two logarithms a period. The sums of logarithms agree with ln B(α + 1, β + t - 1) - ln B(α, β) and
 * ln B(α, β + t) - ln B(α, β) to about t ulps (sbg.test.ts compares it with the definition).
 */
export function sbgLogLikelihood(p: SbgParams, d: SbgData): number {
  const { alpha, beta } = p;
  const lnA = Math.log(alpha);
  const ab = alpha + beta;
  const { churned, censored } = d;
  let ll = 0;
  let lnS = 0; // ln S(t - 1)
  for (let t = 1; t < churned.length; t++) {
    const lnD = Math.log(ab + t - 1);
    const c = churned[t]!;
    if (c > 0) ll += c * (lnS + lnA - lnD);
    lnS += Math.log(beta + t - 1) - lnD;
    const e = censored[t]!;
    if (e > 0) ll += e * lnS;
  }
  return ll;
}

export interface PaidPeriodsOptions {
  /** Count periods 0 .. horizon - 1 (default Infinity: see sbgExpectedPaidPeriods). */
  horizon?: number;
  /** Discount rate per period d: period t's payment counts 1/(1 + d)^t (default 0). */
  discountRate?: number;
}

/**
 * The expected number of periods a newly acquired customer pays for, Σ_{t < horizon} S(t)/(1 + d)^t.
 * Without a horizon and undiscounted this is the expected lifetime E[T] = (α + β - 1)/(α - 1), which is
 * infinite when α <= 1 (S(t) falls like t^-α); this returns Infinity then, so callers that need a number
 * pass a horizon. With a discount rate the infinite sum always converges (Fader & Hardie's discounted
 * expected lifetime); it is summed until the tail bound S(t) z^t/(1 - z) is below 1e-12 of the total.
 */
export function sbgExpectedPaidPeriods(p: SbgParams, opts: PaidPeriodsOptions = {}): number {
  const horizon = opts.horizon ?? Number.POSITIVE_INFINITY;
  const d = opts.discountRate ?? 0;
  if (!(d >= 0)) throw new RangeError(`discount rate must be 0 or more, got ${d}`);
  if (!(horizon >= 0)) throw new RangeError(`horizon must be 0 or more, got ${horizon}`);
  if (horizon === Number.POSITIVE_INFINITY && d === 0) {
    return p.alpha > 1 ? (p.alpha + p.beta - 1) / (p.alpha - 1) : Number.POSITIVE_INFINITY;
  }
  const z = 1 / (1 + d);
  let total = 0;
  let s = 1; // S(t), by the retention rates (exact ratios of the beta functions)
  let w = 1; // z^t
  for (let t = 0; t < horizon; t++) {
    if (t > 0) {
      s *= sbgRetentionRate(p, t);
      w *= z;
    }
    total += s * w;
    if (horizon === Number.POSITIVE_INFINITY && (s * w * z) / (1 - z) < 1e-12 * total) break;
  }
  return total;
}

export interface SbgFit extends SbgParams, FitDiagnostics {
  data: SbgData;
}

/** Starting points: a moment-style guess from the first two retention rates, and a grid over both scales. */
function startingPoints(d: SbgData): number[][] {
  const starts: number[][] = [];
  // Pool the first two periods: θ1 = churn in period 1, r2 = renewal in period 2 among those at risk.
  const atRisk1 = d.customers;
  const atRisk2 = atRisk1 - d.churned[1]! - d.censored[1]!;
  const p1 = d.churned[1]! / atRisk1;
  const r2 = atRisk2 > 0 ? 1 - d.churned[2]! / atRisk2 : Number.NaN;
  const s = (1 - r2) / (r2 - 1 + p1);
  if (p1 > 0 && p1 < 1 && Number.isFinite(s) && s > 0) starts.push([p1 * s, (1 - p1) * s]);
  for (const a of [0.1, 1, 10]) for (const b of [0.1, 1, 10]) starts.push([a, b]);
  return starts;
}

/** Fits α and β by maximum likelihood on every cohort's observed periods (on ln α, ln β, from several starts). */
export function fitSbg(cohorts: readonly SbgCohort[]): SbgFit {
  return fitSbgData(sbgData(cohorts));
}

/** fitSbg on already checked sufficient statistics. */
export function fitSbgData(data: SbgData): SbgFit {
  const { params, ...fit } = maximizeLogLikelihood(([alpha, beta]) => sbgLogLikelihood({ alpha: alpha!, beta: beta! }, data), startingPoints(data), SBG_BOUNDS);
  return { alpha: params[0]!, beta: params[1]!, ...fit, data };
}
