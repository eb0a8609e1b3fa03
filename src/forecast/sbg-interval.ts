/**
 * Profile-likelihood intervals for an sBG fit. For any quantity g(α, β), the profile-likelihood interval
 * at level L is the set of values g takes over the region
 *   R = { (α, β) : 2 (ℓ̂ - ℓ(α, β)) <= q },  q = the L quantile of chi-square with 1 degree of freedom,
 * because g0 is in the interval exactly when some (α, β) with g = g0 is in R. Survival S(t) and the
 * expected paid periods rise with β and fall with α, so they have no extremum inside R: their bounds lie
 * on its boundary. We trace that boundary once, along rays from the maximum-likelihood point in
 * coordinates whitened by the observed information (where R is close to a disc), and read every
 * quantity's range off the same boundary points. Deterministic: no seed, no resampling.
 *
 * Assumptions, stated in docs/forecasts.md: R is star-shaped around the estimate (each ray leaves it
 * once), which holds for this likelihood in every case we have seen; and R is cut by SBG_BOUNDS, which
 * `reachesBound` reports: then the data cannot bound the parameters (typically no visible heterogeneity,
 * α and β running off together), while S(t) stays bounded because it converges along that ridge.
 */
import { chiSquare1Quantile } from './special.js';
import { RATIO_BY_PRODUCT, SBG_BOUNDS, sbgExpectedPaidPeriods, sbgLogLikelihood, sbgSurvival, type SbgFit, type SbgParams } from './sbg.js';

export interface SbgIntervalOptions {
  /** Confidence level (default 0.95). */
  level?: number;
  /** Give survival bounds for S(0) .. S(last) (default: the fit's observed periods). */
  last?: number;
  /** The expected-paid-periods bound is for this horizon and discount rate (default: last + 1 periods, undiscounted). */
  paidHorizon?: number;
  discountRate?: number;
  /** Boundary points traced (default 360). */
  rays?: number;
  /**
   * More quantities g(α, β) to bound (`SbgInterval.quantities`, in the same order). Each must be
   * monotone in α and in β over the region (as S(t), conditional survival and sums of them with
   * non-negative weights are), so that its extremes lie on the boundary.
   */
  quantities?: readonly ((p: SbgParams) => number)[];
}

export type Bound = [lower: number, upper: number];

export interface SbgInterval {
  level: number;
  method: 'profile likelihood';
  /** 2 × the drop in log-likelihood that bounds the region: the chi-square(1) quantile at `level`. */
  cutoff: number;
  alpha: Bound;
  beta: Bound;
  /** Bounds on S(0) .. S(last). */
  survival: Bound[];
  expectedPaidPeriods: Bound;
  paidHorizon: number;
  /** Bounds on `options.quantities`, in order. */
  quantities: Bound[];
  /** The region touches SBG_BOUNDS: the parameter bounds are the box's, not the data's. */
  reachesBound: boolean;
}

const LO = Math.log(SBG_BOUNDS.min);
const HI = Math.log(SBG_BOUNDS.max);

/** A point of the region's boundary in (ln α, ln β), and whether the box cut it there. */
interface BoundaryPoint {
  phi: number;
  u: number;
  v: number;
  cut: boolean;
  /** Its distance from the estimate along the ray, in whitened coordinates. */
  rho: number;
  /** (α, β) there, and S(0..last) there: made once per point, for every quantity (sbgProfileInterval). */
  params?: SbgParams;
  curve?: Float64Array;
}

/**
 * The boundary of the likelihood region { 2 (ℓ̂ - ℓ) <= cutoff } as a function of the ray's angle φ in
 * whitened coordinates. `near`, a crossing's distance on a neighbouring ray, brackets the crossing
 * around it (within 2%, widened until it holds) instead of from the quadratic guess: the same crossing,
 * found in about half the likelihoods.
 */
export function sbgLikelihoodBoundary(fit: SbgFit, cutoff: number): (phi: number, near?: number) => BoundaryPoint {
  const center: [number, number] = [Math.log(fit.alpha), Math.log(fit.beta)];
  const ll = (u: number, v: number) => sbgLogLikelihood({ alpha: Math.exp(u), beta: Math.exp(v) }, fit.data);
  const L = whitening(center, ll);
  // The ray being traced (one at a time), and the helpers on it, made once rather than per ray.
  const dir: [number, number] = [0, 0];
  let ray = 0;
  const point = (rho: number, cut: boolean): BoundaryPoint => ({ phi: ray, u: center[0] + rho * dir[0], v: center[1] + rho * dir[1], cut, rho });
  const dev = (rho: number) => 2 * (fit.logLikelihood - ll(center[0] + rho * dir[0], center[1] + rho * dir[1]));
  return (phi, near) => {
    ray = phi;
    dir[0] = L[0] * Math.cos(phi);
    dir[1] = L[1] * Math.cos(phi) + L[2] * Math.sin(phi);
    // Where the ray leaves the box.
    let exit = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 2; i++) {
      if (dir[i]! > 0) exit = Math.min(exit, (HI - center[i]!) / dir[i]!);
      if (dir[i]! < 0) exit = Math.min(exit, (LO - center[i]!) / dir[i]!);
    }
    let inside = 0;
    let outside = Math.min(Math.sqrt(cutoff), exit);
    let fin = Number.NaN; // dev(inside) - cutoff, once known
    let fout = Number.NaN; // dev(outside) - cutoff
    /** Doubles `outside` (the last one inside kept) until dev crosses the cutoff; true when the box comes first. */
    const expand = (): boolean => {
      while (fout < 0) {
        if (outside >= exit) return true;
        inside = outside;
        fin = fout;
        outside = Math.min(outside * 2, exit);
        fout = dev(outside) - cutoff;
      }
      return false;
    };
    if (near !== undefined && near > 0 && near < exit) {
      // Bracket the crossing around a neighbour's: 2% either side, widened until it holds (or the box).
      const lo = near * 0.98;
      const hi = Math.min(near * 1.02, exit);
      const flo = dev(lo) - cutoff;
      if (flo < 0) {
        inside = lo;
        fin = flo;
        outside = hi;
        fout = dev(outside) - cutoff;
        if (expand()) return point(exit, true);
      } else {
        outside = lo;
        fout = flo;
        inside = lo * 0.5;
        fin = dev(inside) - cutoff;
        while (fin >= 0 && inside > 1e-12) {
          outside = inside;
          fout = fin;
          inside *= 0.5;
          fin = dev(inside) - cutoff;
        }
        if (fin >= 0) inside = 0;
      }
    } else {
      // Bracket the crossing: expand from the quadratic guess until outside, or until the box.
      fout = dev(outside) - cutoff;
      if (expand()) return point(exit, true);
    }
    // The crossing by regula falsi with the Illinois modification: bracketed like bisection, but
    // superlinear, so a boundary point costs about ten likelihoods instead of sixty.
    let a = inside;
    let b = outside;
    let fa = inside === 0 ? dev(0) - cutoff : fin;
    let fb = fout;
    let side = 0;
    for (let i = 0; i < 100 && b - a > 1e-10 * Math.max(1, b); i++) {
      const c = (a * fb - b * fa) / (fb - fa);
      const fc = dev(c) - cutoff;
      if (fc === 0) return point(c, false);
      if (fc < 0) {
        a = c;
        fa = fc;
        if (side === -1) fb /= 2;
        side = -1;
      } else {
        b = c;
        fb = fc;
        if (side === 1) fa /= 2;
        side = 1;
      }
      if (Math.abs(fc) < 1e-10 * cutoff) return point(c, false);
    }
    return point(0.5 * (a + b), false);
  };
}

/**
 * The lower-triangular factor [l11, l21, l22] of the inverse observed information in (ln α, ln β), so
 * rays are spread evenly around an elongated region; the identity when the information is not positive
 * definite (an estimate on a bound).
 */
function whitening(c: [number, number], ll: (u: number, v: number) => number): [number, number, number] {
  const h = 1e-4;
  const f0 = ll(c[0], c[1]);
  const huu = -(ll(c[0] + h, c[1]) - 2 * f0 + ll(c[0] - h, c[1])) / (h * h);
  const hvv = -(ll(c[0], c[1] + h) - 2 * f0 + ll(c[0], c[1] - h)) / (h * h);
  const huv = -(ll(c[0] + h, c[1] + h) - ll(c[0] + h, c[1] - h) - ll(c[0] - h, c[1] + h) + ll(c[0] - h, c[1] - h)) / (4 * h * h);
  const det = huu * hvv - huv * huv;
  if (!(huu > 0 && det > 0)) return [1, 0, 1];
  // Covariance = inverse information; its Cholesky factor.
  const cuu = hvv / det;
  const cvv = huu / det;
  const cuv = -huv / det;
  const l11 = Math.sqrt(cuu);
  const l21 = cuv / l11;
  const l22 = Math.sqrt(Math.max(cvv - l21 * l21, 0));
  return l22 > 0 ? [l11, l21, l22] : [1, 0, 1];
}

/**
 * The range of g over the region's boundary: g on `rays` evenly spread boundary points, then a search
 * over the angle between the neighbours of the best point, for the minimum and the maximum (the extreme
 * of a narrow tip falls between rays otherwise). The search is Brent's (parabolic steps through the best
 * three points, golden sections when a parabola misbehaves) to 1e-6 radians, as the golden section
 * alone was: the same extreme from fewer boundary points; each point is traced from its
 * neighbouring ray's crossing.
 */
function boundaryRange(boundary: (phi: number, near?: number) => BoundaryPoint, ring: BoundaryPoint[], value: (b: BoundaryPoint) => number, atEstimate: number): Bound {
  const values = ring.map(value);
  const step = (2 * Math.PI) / ring.length;
  const extreme = (sign: 1 | -1): number => {
    let k = 0;
    for (let i = 1; i < values.length; i++) if (sign * values[i]! > sign * values[k]!) k = i;
    const near = ring[k]!.cut ? undefined : ring[k]!.rho;
    const h = (phi: number) => sign * value(boundary(phi, near));
    return sign * Math.max(sign * values[k]!, brentMax(h, ring[k]!.phi - step, ring[k]!.phi, ring[k]!.phi + step, sign * values[k]!, 1e-6));
  };
  return [Math.min(extreme(-1), atEstimate), Math.max(extreme(1), atEstimate)];
}

/**
 * The largest value of h found on [a, b] by Brent's method (Numerical Recipes' `brent`, maximising),
 * started at x inside with h(x) = hx, until the bracket is within tol. Returns that value.
 */
function brentMax(h: (x: number) => number, a: number, x: number, b: number, hx: number, tol: number): number {
  const cgold = 0.3819660112501051;
  let w = x;
  let v = x;
  let fx = -hx;
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let iter = 0; iter < 100; iter++) {
    const xm = 0.5 * (a + b);
    const tol1 = tol / 4 + 1e-12 * Math.abs(x);
    const tol2 = 2 * tol1;
    if (Math.abs(x - xm) <= tol2 - 0.5 * (b - a)) break;
    let parabolic = false;
    if (Math.abs(e) > tol1) {
      let r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      q = Math.abs(q);
      const etemp = e;
      e = d;
      if (!(Math.abs(p) >= Math.abs(0.5 * q * etemp) || p <= q * (a - x) || p >= q * (b - x))) {
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = xm - x >= 0 ? tol1 : -tol1;
        parabolic = true;
      }
    }
    if (!parabolic) {
      e = x >= xm ? a - x : b - x;
      d = cgold * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d >= 0 ? tol1 : -tol1);
    const fu = -h(u);
    if (fu <= fx) {
      if (u >= x) a = x;
      else b = x;
      v = w;
      fv = fw;
      w = x;
      fw = fx;
      x = u;
      fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w;
        fv = fw;
        w = u;
        fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u;
        fv = fu;
      }
    }
  }
  return -fx;
}

/** Profile-likelihood bounds on α, β, S(0..last) and the expected paid periods of an sBG fit. */
export function sbgProfileInterval(fit: SbgFit, opts: SbgIntervalOptions = {}): SbgInterval {
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new RangeError(`level must be between 0 and 1, got ${level}`);
  const last = opts.last ?? fit.data.periods;
  const paidHorizon = opts.paidHorizon ?? last + 1;
  const cutoff = chiSquare1Quantile(level);
  const trace = sbgLikelihoodBoundary(fit, cutoff);
  // Quantities whose extremes sit near the same ray search the same angles: trace each one once.
  const traced = new Map<number, BoundaryPoint>();
  const boundary = (phi: number, near?: number): BoundaryPoint => {
    let b = traced.get(phi);
    if (!b) {
      b = trace(phi, near);
      traced.set(phi, b);
    }
    return b;
  };
  const rays = opts.rays ?? 360;
  // The ring, each ray traced from its predecessor's crossing (the first from the quadratic guess).
  const ring: BoundaryPoint[] = [];
  for (let k = 0; k < rays; k++) {
    const prev = ring[k - 1];
    ring.push(boundary((2 * Math.PI * k) / rays, prev && !prev.cut ? prev.rho : undefined));
  }
  const params = (b: BoundaryPoint): SbgParams => (b.params ??= { alpha: Math.exp(b.u), beta: Math.exp(b.v) });
  const range = (g: (p: SbgParams) => number) => boundaryRange(boundary, ring, (b) => g(params(b)), g(fit));
  const paid = (p: SbgParams) => sbgExpectedPaidPeriods(p, { horizon: paidHorizon, discountRate: opts.discountRate ?? 0 });
  // S(1..last) at a boundary point, made once per point for every t: up to RATIO_BY_PRODUCT periods the
  // running product of the retention rates that sbgSurvival multiplies (the same numbers), beyond it sbgSurvival.
  const survivalAt = (b: BoundaryPoint, t: number): number => {
    let c = b.curve;
    if (!c) {
      const p = params(b);
      c = new Float64Array(last + 1);
      let s = 1;
      for (let j = 1; j <= last; j++) {
        if (j <= RATIO_BY_PRODUCT) {
          const i = j - 1;
          s *= (p.beta + i) / (p.alpha + p.beta + i);
          c[j] = s;
        } else c[j] = sbgSurvival(p, j);
      }
      b.curve = c;
    }
    return c[t]!;
  };
  return {
    level,
    method: 'profile likelihood',
    cutoff,
    alpha: range((p) => p.alpha),
    beta: range((p) => p.beta),
    // S(0) = 1 whatever the parameters.
    survival: Array.from({ length: last + 1 }, (_, t): Bound => (t === 0 ? [1, 1] : boundaryRange(boundary, ring, (b) => survivalAt(b, t), sbgSurvival(fit, t)))),
    expectedPaidPeriods: range(paid),
    paidHorizon,
    quantities: (opts.quantities ?? []).map(range),
    reachesBound: ring.some((b) => b.cut),
  };
}
