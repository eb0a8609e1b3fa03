/**
 * A bounded Nelder-Mead minimiser, run from several starts. The models have two to four parameters,
 * fitted on their logarithms, with likelihoods that are smooth but whose gradients would add code to
 * check for every model; Nelder-Mead needs only the function. Bounds are kept by projecting every
 * trial point onto the box, and a converged simplex is restarted around its best point until a restart
 * no longer improves it (the classic remedy for a simplex that collapsed early). No package does this
 * better for us: the maintained numeric packages on the npm registry either lack bounds or are
 * unmaintained, so the ~100 lines are here, tested in optimize.test.ts.
 */

export interface Bounds {
  lower: readonly number[];
  upper: readonly number[];
}

export interface MinimizeOptions {
  /** Stop when every vertex is within this distance of the best, per coordinate (default 1e-7). */
  tolX?: number;
  /** ...and the worst value is within tolF × (1 + |best|) of the best (default 1e-12). */
  tolF?: number;
  /** Function evaluations per start, restarts included (default 20000). */
  maxEvals?: number;
  /** Initial simplex edge, per coordinate (default 0.5). */
  step?: number;
  /**
   * Stop a start whose best value improved by less than stallTol × (1 + |best|) over its last
   * stallWindow evaluations (default: never): it has converged in the value, whether the simplex is
   * still shrinking around the optimum or creeping along a ridge where the value no longer changes
   * (the model then says whether a ridge is why, e.g. BG/NBD's drop-out).
   */
  stallWindow?: number;
  stallTol?: number;
}

export interface MinimizeResult {
  x: number[];
  value: number;
  evals: number;
  /** False when maxEvals ran out before the tolerances were met or the value stalled. */
  converged: boolean;
  /** Stopped because the value stalled (stallWindow) before the simplex met tolX. */
  stalled: boolean;
}

export interface MultiStartResult extends MinimizeResult {
  /** Each start's result, in the order given. */
  runs: MinimizeResult[];
  /** How many starts ended within `agreeTol` of the best value: 1 means only one start found it. */
  agreeing: number;
}

function clamp(x: number[], b: Bounds): number[] {
  return x.map((v, i) => Math.min(b.upper[i]!, Math.max(b.lower[i]!, v)));
}

/** Minimises f over the box from x0 by Nelder-Mead with restarts; f may return Infinity or NaN (treated as Infinity). */
export function nelderMead(f: (x: number[]) => number, x0: readonly number[], bounds: Bounds, opts: MinimizeOptions = {}): MinimizeResult {
  const tolX = opts.tolX ?? 1e-7;
  const tolF = opts.tolF ?? 1e-12;
  const maxEvals = opts.maxEvals ?? 20000;
  let evals = 0;
  const value = (x: number[]): number => {
    evals++;
    const v = f(x);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };

  let best = clamp([...x0], bounds);
  let bestValue = value(best);
  const step = opts.step ?? 0.5;
  let converged = false;
  let stalled = false;
  // The stall watch: the best value at the start of the current window; a window that improves it by
  // less than stallTol stops the start, before the simplex has shrunk to tolX.
  const window = opts.stallWindow ?? Number.POSITIVE_INFINITY;
  const stallTol = opts.stallTol ?? 0;
  let mark = { evals, value: bestValue };
  const going = (current: number): boolean => {
    if (evals >= maxEvals) return false;
    if (evals - mark.evals < window) return true;
    if (mark.value - current <= stallTol * (1 + Math.abs(current))) {
      stalled = true;
      return false;
    }
    mark = { evals, value: current };
    return true;
  };
  for (let restart = 0; evals < maxEvals && !stalled; restart++) {
    const run = simplexRun(value, best, bestValue, bounds, step, tolX, tolF, going);
    if (stalled) {
      best = run.x;
      bestValue = run.value;
      break;
    }
    // A restart that ends where it began (within the tolerances) confirms the minimum.
    const confirmed = restart > 0 && bestValue - run.value <= tolF * (1 + Math.abs(run.value)) && maxAbsDiff(best, run.x) <= 10 * tolX;
    best = run.x;
    bestValue = run.value;
    if (confirmed && evals < maxEvals) {
      converged = true;
      break;
    }
  }
  return { x: best, value: bestValue, evals, converged: converged || stalled, stalled };
}

function maxAbsDiff(a: readonly number[], b: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function simplexRun(
  value: (x: number[]) => number,
  start: number[],
  startValue: number,
  bounds: Bounds,
  step: number,
  tolX: number,
  tolF: number,
  budget: (best: number) => boolean,
): { x: number[]; value: number } {
  const n = start.length;
  let pts: number[][] = [start];
  let vals: number[] = [startValue];
  for (let i = 0; i < n; i++) {
    const p = [...start];
    // Step towards the side of the box with room.
    p[i] = p[i]! + step <= bounds.upper[i]! ? p[i]! + step : p[i]! - step;
    const q = clamp(p, bounds);
    pts.push(q);
    vals.push(value(q));
  }
  // Scratch arrays, made once: the vertices' order, the centroid, the next order's vertices.
  const order = new Array<number>(n + 1).fill(0);
  const centroid = new Array<number>(n).fill(0);
  let nextPts = new Array<number[]>(n + 1);
  let nextVals = new Array<number>(n + 1).fill(0);
  const { lower, upper } = bounds;
  // The centroid's point t of the way to the worst vertex (t < 0: beyond the centroid), clamped.
  const along = (t: number): number[] => {
    const x = new Array<number>(n);
    const worst = pts[n]!;
    for (let j = 0; j < n; j++) {
      const c = centroid[j]!;
      x[j] = Math.min(upper[j]!, Math.max(lower[j]!, c + t * (worst[j]! - c)));
    }
    return x;
  };
  for (;;) {
    let least = vals[0]!;
    for (let i = 1; i <= n; i++) if (vals[i]! < least) least = vals[i]!;
    if (!budget(least)) break;
    // The vertices by value, ties in their present order (a stable insertion sort: the order the stable
    // Array.prototype.sort gave, without a comparator call per comparison or a new array per step).
    for (let i = 0; i <= n; i++) {
      const v = vals[i]!;
      let j = i - 1;
      while (j >= 0 && vals[order[j]!]! > v) {
        order[j + 1] = order[j]!;
        j--;
      }
      order[j + 1] = i;
    }
    for (let i = 0; i <= n; i++) {
      nextPts[i] = pts[order[i]!]!;
      nextVals[i] = vals[order[i]!]!;
    }
    const swapPts = pts;
    pts = nextPts;
    nextPts = swapPts;
    const swapVals = vals;
    vals = nextVals;
    nextVals = swapVals;
    let spread = 0;
    for (let i = 1; i <= n; i++) spread = Math.max(spread, maxAbsDiff(pts[i]!, pts[0]!));
    if (spread <= tolX && vals[n]! - vals[0]! <= tolF * (1 + Math.abs(vals[0]!))) break;
    if (spread === 0) break; // collapsed onto a bound corner: nothing left to explore
    centroid.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) centroid[j]! += pts[i]![j]! / n;
    const xr = along(-1);
    const fr = value(xr);
    if (fr < vals[0]!) {
      const xe = along(-2);
      const fe = value(xe);
      if (fe < fr) {
        pts[n] = xe;
        vals[n] = fe;
      } else {
        pts[n] = xr;
        vals[n] = fr;
      }
    } else if (fr < vals[n - 1]!) {
      pts[n] = xr;
      vals[n] = fr;
    } else {
      const outside = fr < vals[n]!;
      const xc = along(outside ? -0.5 : 0.5);
      const fc = value(xc);
      if (fc < (outside ? fr : vals[n]!)) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = clamp(pts[i]!.map((v, j) => pts[0]![j]! + 0.5 * (v - pts[0]![j]!)), bounds);
          vals[i] = value(pts[i]!);
        }
      }
    }
  }
  let bi = 0;
  for (let i = 1; i < vals.length; i++) if (vals[i]! < vals[bi]!) bi = i;
  return { x: pts[bi]!, value: vals[bi]! };
}

/**
 * Minimises f from each start and keeps the best. `agreeing` counts the starts that reached the best
 * value within agreeTol (default 1e-6): a fit that only one start finds deserves suspicion.
 */
export function minimizeMultiStart(
  f: (x: number[]) => number,
  starts: readonly (readonly number[])[],
  bounds: Bounds,
  opts: MinimizeOptions & { agreeTol?: number } = {},
): MultiStartResult {
  if (starts.length === 0) throw new Error('minimizeMultiStart needs at least one start');
  const runs = starts.map((s) => nelderMead(f, s, bounds, opts));
  let best = runs[0]!;
  for (const r of runs) if (r.value < best.value) best = r;
  const agreeTol = opts.agreeTol ?? 1e-6;
  const agreeing = runs.filter((r) => r.value - best.value <= agreeTol).length;
  return { ...best, runs, agreeing, evals: runs.reduce((s, r) => s + r.evals, 0) };
}

/**
 * The tolerances of a refit from a nearby estimate (a bootstrap replicate): its sampling spread dwarfs
 * 1e-5 in the logarithm of a parameter, so the default's last digits would cost time and buy nothing; and
 * along a flat ridge (a Gamma-Gamma whose spends hardly vary) 3,000 evaluations end near enough.
 */
export const REFIT_TOLERANCE = { tolX: 1e-5, tolF: 1e-9, maxEvals: 3000 } as const;

/**
 * The stall rule of the one-time buyers' fits (BG/NBD and Gamma-Gamma, first fits and refits): a start
 * whose log-likelihood improved by less than 1e-10 relative over its last 400 evaluations stops.
 */
export const LIKELIHOOD_STALL = { stallWindow: 400, stallTol: 1e-10 } as const;

/** What every model fit reports beside its parameters, so a caller can tell a fit from a guess. */
export interface FitDiagnostics {
  logLikelihood: number;
  /** A parameter ended at a bound: the data do not pin it down. */
  atBound: boolean;
  /** Starts that reached the best log-likelihood within 1e-6. */
  agreeing: number;
  starts: number;
  /** Every start met the optimiser's tolerances or stalled (none ran out of evaluations). */
  converged: boolean;
  /** The best start stopped because the likelihood no longer improved (stallWindow), before the simplex met tolX. */
  stalled: boolean;
}

/**
 * Maximises a log-likelihood over positive parameters: on their logarithms, each within [min, max],
 * from starts given on the natural scale.
 */
export function maximizeLogLikelihood(
  ll: (params: number[]) => number,
  starts: readonly (readonly number[])[],
  limits: { min: number; max: number },
  opts: MinimizeOptions = {},
): { params: number[] } & FitDiagnostics {
  const n = starts[0]?.length ?? 0;
  const bounds: Bounds = { lower: new Array<number>(n).fill(Math.log(limits.min)), upper: new Array<number>(n).fill(Math.log(limits.max)) };
  const r = minimizeMultiStart((v) => -ll(v.map(Math.exp)), starts.map((s) => s.map(Math.log)), bounds, opts);
  return {
    params: r.x.map(Math.exp),
    logLikelihood: -r.value,
    atBound: r.x.some((v, i) => v <= bounds.lower[i]! + 1e-6 || v >= bounds.upper[i]! - 1e-6),
    agreeing: r.agreeing,
    starts: starts.length,
    converged: r.runs.every((run) => run.converged),
    stalled: r.stalled,
  };
}

/** A log-likelihood and its gradient at a point. */
export type ValueAndGradient = (x: readonly number[]) => { value: number; gradient: number[] };

/**
 * The observed information -∇²ℓ at x by central differences of the gradient (step h per coordinate),
 * made symmetric; then its Cholesky factor, with the smallest ridge λI (λ from 1e-10 of the mean diagonal
 * up, by tens) that makes it positive definite. A log-likelihood that is flat in some direction (a
 * parameter the data do not identify) thus still gives bounded Newton steps. Null when no ridge does
 * (a gradient that is not finite).
 */
export function informationFactor(fg: ValueAndGradient, x: readonly number[], h = 1e-4): { information: number[][]; factor: number[][]; ridge: number } | null {
  const n = x.length;
  const cols: number[][] = [];
  for (let j = 0; j < n; j++) {
    const up = [...x];
    const down = [...x];
    up[j] = up[j]! + h;
    down[j] = down[j]! - h;
    const gu = fg(up).gradient;
    const gd = fg(down).gradient;
    cols.push(gu.map((v, i) => -(v - gd[i]!) / (2 * h)));
  }
  const information = cols.map((_, i) => cols.map((__, j) => (cols[j]![i]! + cols[i]![j]!) / 2));
  if (information.some((row) => row.some((v) => !Number.isFinite(v)))) return null;
  const scale = information.reduce((s, row, i) => s + Math.abs(row[i]!), 0) / n || 1;
  for (let ridge = 0, k = 0; k < 40; k++, ridge = ridge === 0 ? 1e-10 * scale : ridge * 10) {
    const factor = cholesky(information.map((row, i) => row.map((v, j) => (i === j ? v + ridge : v))));
    if (factor) return { information, factor, ridge };
  }
  return null;
}

/** The lower Cholesky factor L (A = L Lᵀ) of a symmetric matrix, or null when A is not positive definite. */
export function cholesky(a: readonly (readonly number[])[]): number[][] | null {
  const n = a.length;
  const l = a.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[i]![i] = Math.sqrt(s);
      } else {
        l[i]![j] = s / l[j]![j]!;
      }
    }
  }
  return l;
}

/** Solves L Lᵀ y = g. */
function cholSolve(l: readonly (readonly number[])[], g: readonly number[]): number[] {
  const n = g.length;
  const z = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    let s = g[i]!;
    for (let k = 0; k < i; k++) s -= l[i]![k]! * z[k]!;
    z[i] = s / l[i]![i]!;
  }
  const y = new Array<number>(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k]![i]! * y[k]!;
    y[i] = s / l[i]![i]!;
  }
  return y;
}

export interface NewtonRefitResult {
  x: number[];
  value: number;
  /** Gradient evaluations (each one pass over the data). */
  evals: number;
  /** The Newton decrement met the tolerance; false: the caller falls back to the simplex. */
  converged: boolean;
}

/**
 * The tolerance of a Newton refit: it stops when the increase the next step promises, half the Newton
 * decrement gᵀ I⁻¹ g, is below tolF × (1 + |ℓ|) (the simplex refit's tolF; in each log-parameter this is
 * a distance of about 1e-5 from the optimum, its tolX, or less), within maxEvals passes.
 */
export const NEWTON_REFIT = { tolF: 1e-9, maxEvals: 60 } as const;

/**
 * Maximises a log-likelihood from a point near its optimum (a bootstrap replicate's, from the full data's
 * estimate) by Newton steps with a fixed curvature: the information (factor) at the full data's estimate,
 * which a replicate's differs from by its sampling noise, so each step cuts the distance to the optimum by
 * a large factor (the chord method). Each step is halved until the log-likelihood does not fall; points are
 * projected onto the box. Not converged (the caller then falls back to the simplex) when the tolerance is
 * not met within maxEvals passes, a step cannot be made that does not lower the log-likelihood, or a value
 * is not finite.
 */
export function newtonRefit(fg: ValueAndGradient, x0: readonly number[], factor: readonly (readonly number[])[], bounds: Bounds, opts: { tolF?: number; maxEvals?: number } = {}): NewtonRefitResult {
  const tolF = opts.tolF ?? NEWTON_REFIT.tolF;
  const maxEvals = opts.maxEvals ?? NEWTON_REFIT.maxEvals;
  let x = clamp([...x0], bounds);
  let cur = fg(x);
  let evals = 1;
  while (evals < maxEvals && Number.isFinite(cur.value) && cur.gradient.every(Number.isFinite)) {
    const step = cholSolve(factor, cur.gradient);
    const promise = step.reduce((s, v, i) => s + v * cur.gradient[i]!, 0) / 2;
    if (promise <= tolF * (1 + Math.abs(cur.value))) return { x, value: cur.value, evals, converged: true };
    let t = 1;
    for (;;) {
      const next = clamp(x.map((v, i) => v + t * step[i]!), bounds);
      const at = fg(next);
      evals++;
      if (Number.isFinite(at.value) && at.value >= cur.value - tolF * (1 + Math.abs(cur.value))) {
        x = next;
        cur = at;
        break;
      }
      t /= 2;
      if (t < 1e-6 || evals >= maxEvals) return { x, value: cur.value, evals, converged: false };
    }
  }
  return { x, value: cur.value, evals, converged: false };
}
