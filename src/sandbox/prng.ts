/**
 * A small seeded PRNG (sfc32 seeded through a string hash) so a merchant is the same on every machine
 * and every Node version: Math.random is never used in the sandbox.
 */

/** 32-bit FNV-1a hash of a string; the seed of every stream and the key of deterministic ids. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Mixes two 32-bit integers into one well-spread 32-bit integer (murmur3 finaliser). */
export function mix32(a: number, b: number): number {
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic random stream. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string | number) {
    const s = typeof seed === 'number' ? String(seed) : seed;
    this.a = hash32(`${s}#a`);
    this.b = hash32(`${s}#b`);
    this.c = hash32(`${s}#c`);
    this.d = hash32(`${s}#d`) | 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    const v = items[Math.floor(this.next() * items.length)];
    if (v === undefined) throw new RangeError('pick from an empty array');
    return v;
  }

  /** An index chosen with the given relative weights. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] ?? 0;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }
}

const MASK40 = (1n << 40n) - 1n;

/**
 * A 10-character uppercase hex id (the CRM's orderId / purchaseId shape) for a sequence number.
 * A bijection on 40 bits (odd multiply, Feistel rounds), so distinct numbers never collide.
 */
export function tenCharId(n: number, key: number): string {
  let x = (BigInt(n) + BigInt(key) * 7919n) & MASK40;
  for (let round = 0; round < 3; round++) {
    x = (x * 0x9e3779b1n + 0x7f4a7c15n) & MASK40; // odd multiplier: invertible mod 2^40
    const hi = x >> 20n;
    const lo = x & 0xfffffn;
    x = (lo << 20n) | (hi ^ BigInt(mix32(Number(lo), key + round) & 0xfffff)); // Feistel round
  }
  return x.toString(16).toUpperCase().padStart(10, '0');
}
