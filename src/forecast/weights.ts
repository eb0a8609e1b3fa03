/**
 * Per-slot weights (a bootstrap replicate's counts) split over a grouped data set's entries, taken one
 * group after another: what bgNbdReweighted and gammaGammaReweighted share.
 */

/** For each group of `values` (one array per group, in order): its slice of `weights` (a view), the weights' sum, and their dot product with the values. */
export function splitWeights(weights: Float64Array, values: readonly Float64Array[]): { w: Float64Array; count: number; dot: number }[] {
  const total = values.reduce((a, v) => a + v.length, 0);
  if (weights.length !== total) throw new RangeError(`weights has ${weights.length} entries for ${total} distinct entries`);
  let at = 0;
  return values.map((v) => {
    const w = weights.subarray(at, at + v.length);
    at += v.length;
    return { w, ...countAndDot(w, v) };
  });
}

/** The sum of `w` and its dot product with `v` (same length). */
export function countAndDot(w: Float64Array, v: Float64Array): { count: number; dot: number } {
  let count = 0;
  let dot = 0;
  for (let i = 0; i < w.length; i++) {
    count += w[i]!;
    dot += w[i]! * v[i]!;
  }
  return { count, dot };
}
