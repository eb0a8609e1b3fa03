/**
 * Compact memory for cross-row rules: values other rows need (merchantTxnId, customerId, a customer's
 * identity) are kept as two independent 32-bit hashes (64 bits, so a false match among a million ids
 * has a probability near 1e-8) in typed arrays, never as strings. About 40 bytes per entry.
 */

/** FNV-1a over buf[s, e), continuing from h; with `lower`, ASCII letters are folded to lower case. */
export function fnv1a(h: number, buf: Uint8Array, s: number, e: number, lower: boolean): number {
  for (let i = s; i < e; i++) {
    let b = buf[i]!;
    if (lower && b >= 0x41 && b <= 0x5a) b |= 0x20;
    h = Math.imul(h ^ b, 0x01000193);
  }
  return h;
}

/** A second, independent hash (multiply-rotate) over buf[s, e), continuing from h. */
export function mix32(h: number, buf: Uint8Array, s: number, e: number, lower: boolean): number {
  for (let i = s; i < e; i++) {
    let b = buf[i]!;
    if (lower && b >= 0x41 && b <= 0x5a) b |= 0x20;
    h = Math.imul(h + b, 0x5bd1e995);
    h ^= h >>> 13;
  }
  return h;
}

/** Seeds for the two hashes. */
export const SEED_A = 0x811c9dc5 | 0;
export const SEED_B = 0x2545f491;

/** An open-addressing table from a 64-bit key (two int32 halves) to a row number and two numbers. */
export class HashTable64 {
  private k1: Int32Array;
  private k2: Int32Array;
  private used: Uint8Array;
  /** Payload by slot. */
  rows: Int32Array;
  v1: Float64Array;
  v2: Float64Array;
  private bits: number;
  private count = 0;

  constructor(initialBits = 12) {
    this.bits = initialBits;
    const n = 1 << initialBits;
    this.k1 = new Int32Array(n);
    this.k2 = new Int32Array(n);
    this.used = new Uint8Array(n);
    this.rows = new Int32Array(n);
    this.v1 = new Float64Array(n);
    this.v2 = new Float64Array(n);
  }

  /** Number of keys stored. */
  get size(): number {
    return this.count;
  }

  private slotFor(a: number, b: number): number {
    const mask = (1 << this.bits) - 1;
    let i = Math.imul(a ^ b, 0x9e3779b1) >>> (32 - this.bits);
    while (this.used[i] && (this.k1[i] !== a || this.k2[i] !== b)) i = (i + 1) & mask;
    return i;
  }

  /** The slot holding the key, or -1. */
  find(a: number, b: number): number {
    const i = this.slotFor(a | 0, b | 0);
    return this.used[i] ? i : -1;
  }

  /** The slot for the key, inserting it (payload zeroed) when new; `inserted` tells which. */
  upsert(a: number, b: number): number {
    a |= 0;
    b |= 0;
    let i = this.slotFor(a, b);
    if (this.used[i]) {
      this.inserted = false;
      return i;
    }
    if ((this.count + 1) * 2 > 1 << this.bits) {
      this.grow();
      i = this.slotFor(a, b);
    }
    this.used[i] = 1;
    this.k1[i] = a;
    this.k2[i] = b;
    this.count++;
    this.inserted = true;
    return i;
  }

  /** Whether the last upsert inserted a new key. */
  inserted = false;

  private grow(): void {
    const { k1, k2, used, rows, v1, v2 } = this;
    this.bits++;
    const n = 1 << this.bits;
    this.k1 = new Int32Array(n);
    this.k2 = new Int32Array(n);
    this.used = new Uint8Array(n);
    this.rows = new Int32Array(n);
    this.v1 = new Float64Array(n);
    this.v2 = new Float64Array(n);
    for (let j = 0; j < used.length; j++) {
      if (!used[j]) continue;
      const i = this.slotFor(k1[j]!, k2[j]!);
      this.used[i] = 1;
      this.k1[i] = k1[j]!;
      this.k2[i] = k2[j]!;
      this.rows[i] = rows[j]!;
      this.v1[i] = v1[j]!;
      this.v2[i] = v2[j]!;
    }
  }
}
