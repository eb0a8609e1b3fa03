/**
 * The BG/NBD model of repeat purchase without contracts (Fader, Hardie & Lee 2005, "'Counting your
 * customers' the easy way: an alternative to the Pareto/NBD model", Marketing Science 24(2): 275-284).
 *
 * While active, a customer makes repeat transactions as a Poisson process with rate λ; after each one
 * they drop out for good with probability p. Across customers λ ~ Gamma(r, rate α) and p ~ Beta(a, b).
 * A customer is summarised by x (repeat transactions after the first), t_x (the time of the last, 0 when
 * x = 0) and T (the time since the first), all in one time unit (days, weeks: α is in its inverse).
 *
 * Every expression is in log space where the papers' forms overflow (Fader & Hardie's note on the
 * model's "#NUM!" error): the likelihood's two terms are combined by log-sum-exp, P(alive) as a logistic
 * of a log-odds, and the conditional expectation's Gauss hypergeometric function through Euler's
 * transformation, whose leading parameters stay small whatever x is (docs/forecasts.md derives it).
 */
import { ForecastInputError } from './errors.js';
import { LIKELIHOOD_STALL, maximizeLogLikelihood, REFIT_TOLERANCE, type FitDiagnostics } from './optimize.js';
import { digamma, lnBeta, lnGamma, logAddExp } from './special.js';
import { splitWeights } from './weights.js';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One customer's summary: x repeat transactions, the last at tx, observed for T since the first. */
export interface BgNbdCustomer {
  x: number;
  tx: number;
  T: number;
}

/** Parameter bounds of the fit (every parameter). */
export const BGNBD_BOUNDS = { min: 1e-5, max: 1e6 } as const;

/** Checks one customer's summary; `field` names it in the error (e.g. "customers[3]"). */
export function checkBgNbdCustomer(c: BgNbdCustomer, field: string): void {
  const fix = 'x counts repeat transactions after the first, tx is the time of the last (0 when x = 0) and T the time since the first, with 0 <= tx <= T.';
  if (!Number.isInteger(c.x) || c.x < 0) throw new ForecastInputError(`${field}.x`, `${field}.x = ${String(c.x)} is not a whole number of repeat transactions`, fix);
  if (!Number.isFinite(c.T) || c.T <= 0) throw new ForecastInputError(`${field}.T`, `${field}.T = ${String(c.T)}: the time since the first transaction must be more than 0`, fix);
  if (!Number.isFinite(c.tx) || c.tx < 0 || c.tx > c.T) throw new ForecastInputError(`${field}.tx`, `${field}.tx = ${String(c.tx)} is not between 0 and T = ${c.T}`, fix);
  if (c.x === 0 && c.tx !== 0) throw new ForecastInputError(`${field}.tx`, `${field}.tx = ${c.tx} with x = 0: a customer with no repeat transaction has tx = 0`, fix);
  if (c.x > 0 && c.tx === 0) throw new ForecastInputError(`${field}.tx`, `${field}.tx = 0 with x = ${c.x}: repeat transactions come after the first (tx > 0)`, fix);
}

/**
 * Customers as the likelihood needs them: it depends on a customer's (x, t_x, T) alone, so identical
 * histories are one term weighted by their count (a pass costs the distinct histories, not the
 * customers), grouped by x so the x-dependent gamma functions are computed once per distinct x.
 */
export interface BgNbdData {
  xs: number[];
  /** For xs[k]: the distinct (t_x, T) with that x and how many customers have each (ln(α+T) needs α, so the times are kept). */
  groups: { x: number; T: Float64Array; tx: Float64Array; w: Float64Array; count: number; iT: Int32Array; itx: Int32Array }[];
  /** The distinct times among every T and t_x: ln(α + t) is computed once per time and pass, iT and itx index it. */
  times: Float64Array;
  /** Customers (the weights' sum). */
  customers: number;
  /** Distinct histories (the terms of a pass). */
  distinct: number;
  /** Mean repeat transactions per unit of time, Σx / ΣT (for starting points). */
  rate: number;
  /**
   * For each customer given to bgNbdData (in order), the position of their distinct history among the
   * groups' entries taken one group after another (-1 when its count is 0): the weights bgNbdReweighted takes.
   */
  slot: Int32Array;
}

/** Distinct histories and, per customer, the index of theirs (for resampling by counts). */
export function bgNbdHistories(customers: readonly BgNbdCustomer[]): { histories: BgNbdCustomer[]; index: Int32Array } {
  const at = new Map<string, number>();
  const histories: BgNbdCustomer[] = [];
  const index = new Int32Array(customers.length);
  customers.forEach((c, i) => {
    checkBgNbdCustomer(c, `customers[${i}]`);
    const key = `${c.x}|${c.tx}|${c.T}`;
    let k = at.get(key);
    if (k === undefined) {
      k = histories.length;
      at.set(key, k);
      histories.push({ x: c.x, tx: c.tx, T: c.T });
    }
    index[i] = k;
  });
  return { histories, index };
}

/** Throws unless there is something to fit: customers (a total weight above 0), some with a repeat transaction (sx > 0). */
function checkFittable(total: number, sx: number): void {
  if (total === 0) throw new ForecastInputError('customers', 'no customer to fit', 'Give each customer\'s x, tx and T.');
  if (sx === 0) {
    throw new ForecastInputError('customers', 'no customer made a repeat transaction: there is no purchase rate to estimate',
      'The model needs customers with repeat transactions (x > 0); observe them for longer.');
  }
}

/**
 * Checks customers and groups them for the likelihood. With `counts`, customers[i] stands for counts[i]
 * customers (0 leaves it out): a bootstrap resample is the distinct histories with drawn counts.
 */
export function bgNbdData(customers: readonly BgNbdCustomer[], counts?: ArrayLike<number>): BgNbdData {
  if (counts && counts.length !== customers.length) throw new RangeError(`counts has ${counts.length} entries for ${customers.length} customers`);
  const { histories, index } = bgNbdHistories(customers);
  const weight = new Float64Array(histories.length);
  customers.forEach((_, i) => {
    weight[index[i]!]! += counts ? counts[i]! : 1;
  });
  const byX = new Map<number, number[]>();
  let sx = 0;
  let sT = 0;
  let total = 0;
  histories.forEach((h, k) => {
    const w = weight[k]!;
    if (!(w > 0)) return;
    const list = byX.get(h.x) ?? [];
    list.push(k);
    byX.set(h.x, list);
    sx += w * h.x;
    sT += w * h.T;
    total += w;
  });
  checkFittable(total, sx);
  const xs = [...byX.keys()].sort((a, b) => a - b);
  const timeAt = new Map<number, number>();
  const timeIndex = (t: number) => {
    let i = timeAt.get(t);
    if (i === undefined) {
      i = timeAt.size;
      timeAt.set(t, i);
    }
    return i;
  };
  let distinct = 0;
  const slotOfHistory = new Int32Array(histories.length).fill(-1);
  const groups = xs.map((x) => {
    const list = byX.get(x)!;
    list.forEach((k, i) => {
      slotOfHistory[k] = distinct + i;
    });
    distinct += list.length;
    const w = Float64Array.from(list, (k) => weight[k]!);
    const T = Float64Array.from(list, (k) => histories[k]!.T);
    const tx = Float64Array.from(list, (k) => histories[k]!.tx);
    return { x, T, tx, w, count: w.reduce((a, v) => a + v, 0), iT: Int32Array.from(T, timeIndex), itx: Int32Array.from(tx, timeIndex) };
  });
  return { xs, groups, times: Float64Array.from(timeAt.keys()), customers: total, distinct, rate: sx / sT, slot: Int32Array.from(index, (k) => slotOfHistory[k]!) };
}

/**
 * The same distinct histories with other counts: weights[s] customers for slot s (BgNbdData.slot), e.g.
 * a bootstrap replicate's multinomial counts. Shares the histories' arrays; a pass still costs the
 * distinct histories. Throws like bgNbdData when no customer, or no repeat transaction, is left.
 */
export function bgNbdReweighted(d: BgNbdData, weights: Float64Array): BgNbdData {
  const split = splitWeights(weights, d.groups.map((g) => g.T));
  let sx = 0;
  let sT = 0;
  let total = 0;
  const groups = d.groups.map((g, k) => {
    const { w, count, dot } = split[k]!;
    sx += count * g.x;
    sT += dot;
    total += count;
    return { ...g, w, count };
  });
  checkFittable(total, sx);
  return { ...d, groups, customers: total, rate: sx / sT };
}

/**
 * One customer's log-likelihood (Fader, Hardie & Lee 2005, eq. 6):
 *   ln Γ(r+x) - ln Γ(r) + r ln α + ln B(a, b+x) - ln B(a, b)
 *   + ln[ (α+T)^-(r+x) + [x > 0] a/(b+x-1) (α+tx)^-(r+x) ].
 */
export function bgNbdCustomerLogLikelihood(p: BgNbdParams, c: BgNbdCustomer): number {
  const { r, alpha, a, b } = p;
  const head = lnGamma(r + c.x) - lnGamma(r) + r * Math.log(alpha) + lnBeta(a, b + c.x) - lnBeta(a, b);
  const stay = -(r + c.x) * Math.log(alpha + c.T);
  const left = c.x > 0 ? Math.log(a) - Math.log(b + c.x - 1) - (r + c.x) * Math.log(alpha + c.tx) : Number.NEGATIVE_INFINITY;
  return head + logAddExp(stay, left);
}

/** The summed log-likelihood of grouped customers (each distinct history times its count). */
export function bgNbdLogLikelihood(p: BgNbdParams, d: BgNbdData): number {
  const { r, alpha, a, b } = p;
  const base = -lnGamma(r) + r * Math.log(alpha) - lnBeta(a, b);
  const lnA = Math.log(a);
  // ln(α + t) once per distinct time (whole days: a few hundred), not per history.
  const lnAt = new Float64Array(d.times.length);
  for (let j = 0; j < lnAt.length; j++) lnAt[j] = Math.log(alpha + d.times[j]!);
  let ll = 0;
  for (const g of d.groups) {
    const x = g.x;
    const head = lnGamma(r + x) + lnBeta(a, b + x) + base;
    const lnLeft = x > 0 ? lnA - Math.log(b + x - 1) : Number.NEGATIVE_INFINITY;
    const k = r + x;
    ll += head * g.count;
    for (let i = 0; i < g.w.length; i++) {
      const stay = -k * lnAt[g.iT[i]!]!;
      ll += g.w[i]! * (x > 0 ? logAddExp(stay, lnLeft - k * lnAt[g.itx[i]!]!) : stay);
    }
  }
  return ll;
}

/**
 * The summed log-likelihood and its gradient in (r, α, a, b), in one pass (for the bootstrap's Newton
 * refits). Per distinct x: ∂/∂r of the head is ψ(r+x) - ψ(r) + ln α, ∂/∂α r/α, ∂/∂a ψ(a+b) - ψ(a+b+x),
 * ∂/∂b ψ(b+x) - ψ(a+b+x) - ψ(b) + ψ(a+b); per history, with s the share of the bracket's second term
 * (the customer left after t_x): ∂/∂r -(1-s) ln(α+T) - s ln(α+t_x), ∂/∂α -(r+x) ((1-s)/(α+T) + s/(α+t_x)),
 * ∂/∂a s/a, ∂/∂b -s/(b+x-1). Checked against central differences of bgNbdLogLikelihood (bgnbd.test.ts).
 */
export function bgNbdLogLikelihoodGradient(p: BgNbdParams, d: BgNbdData): { value: number; gradient: [number, number, number, number] } {
  const { r, alpha, a, b } = p;
  const base = -lnGamma(r) + r * Math.log(alpha) - lnBeta(a, b);
  const lnA = Math.log(a);
  const psiR = digamma(r);
  const psiB = digamma(b);
  const psiAB = digamma(a + b);
  const lnAlpha = Math.log(alpha);
  const lnAt = new Float64Array(d.times.length);
  const invAt = new Float64Array(d.times.length);
  for (let j = 0; j < lnAt.length; j++) {
    lnAt[j] = Math.log(alpha + d.times[j]!);
    invAt[j] = 1 / (alpha + d.times[j]!);
  }
  let ll = 0;
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  for (const g of d.groups) {
    if (g.count === 0) continue;
    const x = g.x;
    const head = lnGamma(r + x) + lnBeta(a, b + x) + base;
    const psiABX = digamma(a + b + x);
    ll += head * g.count;
    gr += g.count * (digamma(r + x) - psiR + lnAlpha);
    gAlpha += (g.count * r) / alpha;
    ga += g.count * (psiAB - psiABX);
    gb += g.count * (digamma(b + x) - psiABX - psiB + psiAB);
    const k = r + x;
    if (x === 0) {
      for (let i = 0; i < g.w.length; i++) {
        const w = g.w[i]!;
        if (w === 0) continue;
        const iT = g.iT[i]!;
        ll -= w * k * lnAt[iT]!;
        gr -= w * lnAt[iT]!;
        gAlpha -= w * k * invAt[iT]!;
      }
      continue;
    }
    const lnLeft = lnA - Math.log(b + x - 1);
    const invB = 1 / (b + x - 1);
    let sLeft = 0;
    for (let i = 0; i < g.w.length; i++) {
      const w = g.w[i]!;
      if (w === 0) continue;
      const iT = g.iT[i]!;
      const itx = g.itx[i]!;
      const stay = -k * lnAt[iT]!;
      const left = lnLeft - k * lnAt[itx]!;
      // s = e^left / (e^stay + e^left), and the log of the sum, from their difference alone.
      const diff = left - stay;
      const e = Math.exp(-Math.abs(diff));
      const s = diff >= 0 ? 1 / (1 + e) : e / (1 + e);
      ll += w * (Math.max(stay, left) + Math.log1p(e));
      gr -= w * ((1 - s) * lnAt[iT]! + s * lnAt[itx]!);
      gAlpha -= w * k * ((1 - s) * invAt[iT]! + s * invAt[itx]!);
      sLeft += w * s;
    }
    ga += sLeft / a;
    gb -= sLeft * invB;
  }
  return { value: ll, gradient: [gr, gAlpha, ga, gb] };
}

/**
 * P(alive | x, tx, T) = 1 / (1 + [x > 0] a/(b+x-1) ((α+T)/(α+tx))^(r+x)) (Fader, Hardie & Lee 2005),
 * from its log-odds so a long silence gives 0, not NaN.
 */
export function bgNbdProbabilityAlive(p: BgNbdParams, c: BgNbdCustomer): number {
  if (c.x === 0) return 1;
  const logOdds = Math.log(p.a) - Math.log(p.b + c.x - 1) + (p.r + c.x) * (Math.log(p.alpha + c.T) - Math.log(p.alpha + c.tx));
  return 1 / (1 + Math.exp(logOdds));
}

/** Terms of a hypergeometric series before giving up (z so close to 1 is a horizon ~10^5 times α + T). */
const MAX_TERMS = 10_000_000;

/**
 * E[Y(t) | x, tx, T]: expected repeat transactions in the next t time units of a customer with this
 * history (Fader, Hardie & Lee 2005, eq. 10):
 *   (a+b+x-1)/(a-1) · [1 - ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)] · P(alive),  z = t/(α+T+t).
 * By Euler's transformation the bracket is 1 - (1-z)^(a-1) F with F = 2F1(a+b-1-r, a-1; a+b+x-1; z),
 * and F = 1 + (a-1) G with G's series below; the bracket over (a - 1) is then computed with expm1 and
 * log1p, so a = 1 (where the paper's form is 0/0) needs no special case.
 */
export function bgNbdConditionalExpectedTransactions(p: BgNbdParams, c: BgNbdCustomer, t: number): number {
  if (!(t >= 0)) throw new RangeError(`t must be 0 or more, got ${t}`);
  if (t === 0) return 0;
  return p.a > EULER_MAX_A ? directExpectedTransactions(p, c, t) : eulerExpectedTransactions(p, c, t);
}

/**
 * Above this a, the paper's own form: Euler's series G has terms like (a z)^n / n! that overflow once
 * a z passes ~700 (a fit whose drop-out probability hardly varies across customers has a and b in the
 * thousands), while the paper's 2F1(r+x, b+x; a+b+x-1; z) then converges at the rate z b/(a+b) and
 * a - 1 is far from 0. Both forms agree where both can be computed (bgnbd.test.ts).
 */
export const EULER_MAX_A = 20;

/** E[Y(t) | x, tx, T] by the paper's form (eq. 10) with a plain 2F1 series; for a > EULER_MAX_A. */
export function directExpectedTransactions(p: BgNbdParams, c: BgNbdCustomer, t: number): number {
  const { r, alpha, a, b } = p;
  const z = t / (alpha + c.T + t);
  const A = r + c.x;
  const B = b + c.x;
  const C = a + b + c.x - 1;
  let term = 1;
  let sum = 1;
  for (let n = 0; n < MAX_TERMS; n++) {
    const ratio = (((A + n) * (B + n)) / ((C + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    if (!Number.isFinite(sum)) break;
    if (Math.abs(ratio) < 1 && Math.abs(term) <= 1e-17 * Math.abs(sum) * (1 - Math.abs(ratio))) {
      const bracket = -Math.expm1(A * Math.log1p(-z) + Math.log(sum));
      return ((a + b + c.x - 1) / (a - 1)) * bracket * bgNbdProbabilityAlive(p, c);
    }
  }
  throw new RangeError(`the hypergeometric series did not converge (z = ${z}, a = ${a}): the horizon is too long for the fitted time scale`);
}

/** E[Y(t) | x, tx, T] through Euler's transformation (see bgNbdConditionalExpectedTransactions). */
export function eulerExpectedTransactions(p: BgNbdParams, c: BgNbdCustomer, t: number): number {
  const { r, alpha, a, b } = p;
  const C = a + b + c.x - 1;
  const A = a + b - 1 - r;
  const lnOneMinusZ = Math.log(alpha + c.T) - Math.log(alpha + c.T + t);
  const z = t / (alpha + c.T + t);
  const G = seriesG(A, a, C, z);
  const am1 = a - 1;
  let bracketOverAm1: number;
  const y = am1 * G;
  if (y > -1) {
    const u = am1 * lnOneMinusZ + Math.log1p(y);
    const uOverAm1 = lnOneMinusZ + G * (y === 0 ? 1 : Math.log1p(y) / y);
    bracketOverAm1 = -(u === 0 ? 1 : Math.expm1(u) / u) * uOverAm1;
  } else {
    // F <= 0 only when a+b+x-1 <= 0 (x = 0 and a + b < 1): the plain form.
    bracketOverAm1 = (1 - Math.exp(am1 * lnOneMinusZ) * (1 + y)) / am1;
  }
  return C * bracketOverAm1 * bgNbdProbabilityAlive(p, c);
}

/** G = Σ_{n>=1} (A)_n (a)_{n-1} z^n / ((C)_n n!), so that 2F1(A, a-1; C; z) = 1 + (a-1) G. */
function seriesG(A: number, a: number, C: number, z: number): number {
  if (z === 0) return 0;
  let term = (A * z) / C;
  let sum = term;
  for (let n = 1; n < MAX_TERMS; n++) {
    const ratio = (((A + n) * (a + n - 1)) / ((C + n) * (n + 1))) * z;
    term *= ratio;
    sum += term;
    // Stop once the terms shrink geometrically and the next ones cannot matter.
    if (Math.abs(ratio) < 1 && Math.abs(term) <= 1e-17 * Math.abs(sum) * (1 - Math.abs(ratio))) return sum;
    if (term === 0) return sum;
  }
  throw new RangeError(`the hypergeometric series did not converge in ${MAX_TERMS} terms (z = ${z}): the horizon is too long for the fitted time scale`);
}

/** E[X(t)]: expected repeat transactions of a new customer in their first t time units (eq. 9). */
export function bgNbdExpectedTransactions(p: BgNbdParams, t: number): number {
  // The conditional expectation with no history (x = 0, tx = 0, T = 0) is the unconditional one; T = 0
  // is not a valid observed customer, so the check is bypassed on purpose.
  return bgNbdConditionalExpectedTransactions(p, { x: 0, tx: 0, T: 0 }, t);
}

export interface BgNbdFit extends BgNbdParams, FitDiagnostics {
  customers: number;
  /** Distinct (x, t_x, T) the likelihood was summed over. */
  distinct: number;
  /**
   * The drop-out's spread across customers is not identified: the fit's mean drop-out a/(a+b) with a
   * and b both 10 times larger (nearly the same drop-out for everyone), or both 10 times smaller (most
   * customers never drop out, the others after their first repeat purchase), is as likely as the fit
   * (the log-likelihood falls by less than DROPOUT_RIDGE_LL). a and b then stand wherever the fit
   * stopped along that ridge; the predictions hardly move along it (docs/forecasts.md).
   */
  dropoutRidge: boolean;
}

/** Half the 95% point of χ² with 1 degree of freedom: a likelihood-ratio test's threshold on the log scale. */
export const DROPOUT_RIDGE_LL = 1.92;

/** Whether the data cannot tell a and b from 10 times more or less (the same mean a/(a+b)): see BgNbdFit.dropoutRidge. */
export function bgNbdDropoutRidge(p: BgNbdParams, ll: number, data: BgNbdData): boolean {
  return [10, 0.1].some((k) => {
    const a = p.a * k;
    const b = p.b * k;
    if (a < BGNBD_BOUNDS.min || b < BGNBD_BOUNDS.min || a > BGNBD_BOUNDS.max || b > BGNBD_BOUNDS.max) return false;
    return bgNbdLogLikelihood({ ...p, a, b }, data) >= ll - DROPOUT_RIDGE_LL;
  });
}

/**
 * How a BG/NBD fit stops (docs/forecasts.md, "Fitting"): at the simplex's tolerances, or when the
 * log-likelihood improved by less than STALL_TOL relative over the last STALL_WINDOW evaluations of a
 * start (a ridge: the drop-out's a and b run off together while the fit no longer changes). The first
 * fit has up to 40,000 evaluations per start; a bootstrap refit starts from the estimate with the
 * refit tolerances and the same stall rule.
 */
export const BGNBD_STOP = { ...LIKELIHOOD_STALL, maxEvals: 40000 } as const;

/** Fits r, α, a, b by maximum likelihood (on their logarithms, from several starts). */
export function fitBgNbd(customers: readonly BgNbdCustomer[]): BgNbdFit {
  return fitBgNbdData(bgNbdData(customers));
}

/**
 * fitBgNbd on customers already grouped (bgNbdData), e.g. a resample given as counts. `from` replaces the
 * default starts with one, at the refit tolerances (a bootstrap refit that falls back to the simplex starts
 * from the estimate it perturbs).
 */
export function fitBgNbdData(data: BgNbdData, from?: BgNbdParams): BgNbdFit {
  // The purchase rate's mean r/α starts at the observed rate; shapes span light to heavy heterogeneity.
  const starts = from
    ? [[from.r, from.alpha, from.a, from.b]]
    : [
        [1, 1, 3],
        [0.25, 0.5, 2],
        [4, 2, 8],
        [1, 0.3, 0.5],
      ].map(([r, a, b]) => [r!, r! / data.rate, a!, b!]);
  const { params, ...fit } = maximizeLogLikelihood(([r, alpha, a, b]) => bgNbdLogLikelihood({ r: r!, alpha: alpha!, a: a!, b: b! }, data), starts, BGNBD_BOUNDS,
    from ? { ...REFIT_TOLERANCE, ...LIKELIHOOD_STALL } : BGNBD_STOP);
  const [r, alpha, a, b] = params as [number, number, number, number];
  const dropoutRidge = bgNbdDropoutRidge({ r, alpha, a, b }, fit.logLikelihood, data);
  return { r, alpha, a, b, ...fit, customers: data.customers, distinct: data.distinct, dropoutRidge };
}
