/**
 * Test helper: standard errors of a maximum-likelihood estimate from the observed information (the
 * negative Hessian of the log-likelihood at the estimate, by central differences), so a recovery test's
 * tolerance is the sampling error of its own data rather than a constant picked to pass.
 */

/** Standard errors of each coordinate of x̂ (the square roots of the inverse information's diagonal). */
export function standardErrors(ll: (x: number[]) => number, xHat: readonly number[], h = 1e-3): number[] {
  const n = xHat.length;
  const at = (di: number, si: number, dj: number, sj: number) => {
    const x = [...xHat];
    x[di] = x[di]! + si * h;
    x[dj] = x[dj]! + sj * h;
    return ll(x);
  };
  const info: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = -(at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
      info[i]![j] = v;
      info[j]![i] = v;
    }
  }
  return invert(info).map((row, i) => Math.sqrt(row[i]!));
}

/** Gauss-Jordan inverse with partial pivoting (small matrices only). */
function invert(m: number[][]): number[][] {
  const n = m.length;
  const a = m.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const pivot = a[c]![c]!;
    if (pivot === 0) throw new Error('the information matrix is singular');
    for (let k = 0; k < 2 * n; k++) a[c]![k]! /= pivot;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      for (let k = 0; k < 2 * n; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return a.map((row) => row.slice(n));
}
