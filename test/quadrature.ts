/**
 * Test helper: the integrals the forecast models are made of, computed numerically, so a likelihood's
 * closed form (gamma and beta functions, the papers' algebra) is checked against the model's story
 * rather than against itself.
 */

/** ln Σ exp(v), for long lists. */
export function logSum(v: readonly number[]): number {
  const m = v.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
  return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
}

/**
 * ln ∫_0^∞ λ^(k-1) e^(-sλ) dλ (that is ln Γ(k) - k ln s) by the trapezoid rule in ln λ, where the
 * integrand is smooth and decays exponentially on both sides (the rule converges geometrically).
 */
export function lnPowExpIntegral(k: number, s: number): number {
  const peak = Math.log(k / s);
  const terms: number[] = [];
  const step = Math.min(0.002, 0.05 / Math.sqrt(k));
  for (let v = peak - 80 / k - 5; v <= peak + 6; v += step) terms.push(k * v - s * Math.exp(v));
  return logSum(terms) + Math.log(step);
}

/** ln E[λ^x e^(-sλ)] for λ ~ Gamma(shape r, rate α), by lnPowExpIntegral (no gamma function). */
export function lnGammaMixtureMean(r: number, alpha: number, x: number, s: number): number {
  return lnPowExpIntegral(r + x, alpha + s) - lnPowExpIntegral(r, alpha);
}
