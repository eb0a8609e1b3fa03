/**
 * mulberry32: a small, fast, deterministic PRNG for reproducible samples and generated test files
 * (Math.random cannot be seeded). Not for anything secret.
 */

/** A deterministic stream of floats in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 32-bit FNV-1a hash of a string, to seed mulberry32 from a user-given seed text. */
export function fnv1a32(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * A Gamma(shape, rate) draw by Marsaglia & Tsang (2000), a shape under 1 boosted by U^(1/shape), from a
 * source of uniforms on (0, 1) (never 0) and of standard normals: the forecast's simulations and the
 * sandbox's repeat buyers each bring their own seeded stream.
 */
export function gammaDraw(uniform: () => number, normal: () => number, shape: number, rate: number): number {
  if (shape < 1) return gammaDraw(uniform, normal, shape + 1, rate) * Math.pow(uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = uniform();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / rate;
  }
}
