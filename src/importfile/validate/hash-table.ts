/**
 * Compact memory for cross-row rules: values other rows need (merchantTxnId, customerId, a customer's
 * identity) are kept as two independent 32-bit hashes (64 bits, so a false match among a million ids
 * has a probability near 1e-8) in one interleaved Int32Array, never as strings: 16 bytes per slot, one
 * cache line per lookup.
 */

/** Seeds for the two hashes. */
export const SEED_A = 0x811c9dc5 | 0;
export const SEED_B = 0x2545f491;

/** The second hash of the last hashPair call (the first is its return value). */
export const pair = { b: 0 };

/**
 * Two independent hashes of buf[s, e) in one pass (FNV-1a, and a multiplicative hash with another
 * multiplier), continuing from (a, b). Returns the first and leaves the second in `pair.b`.
 */
export function hashPair(a: number, b: number, buf: Uint8Array, s: number, e: number): number {
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b + c, 0x5bd1e995);
  }
  pair.b = b ^ (b >>> 15);
  return a;
}

/** FNV-1a of buf[s, e) with ASCII letters folded to lower case, continuing from h. */
export function hashFolded(h: number, buf: Uint8Array, s: number, e: number): number {
  for (let i = s; i < e; i++) {
    let c = buf[i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h;
}

const STRIDE = 4; // key a, key b, row, value

/** An open-addressing table from a 64-bit key to a row number and two int32 values. */
export class HashTable64 {
  private t: Int32Array;
  private bits: number;
  private count = 0;
  /** Whether the last upsert inserted a new key. */
  inserted = false;
  /** Whether a new key was refused because the table reached its size cap. */
  full = false;

  /**
   * `expected`: keys expected, so that a big file does not pay for repeated growth. `maxBits`: the
   * table never grows past 2^maxBits slots (16 bytes each); new keys are then refused (upsert -> -1).
   */
  constructor(
    expected = 0,
    private readonly maxBits = 22,
  ) {
    let initialBits = Math.min(12, maxBits);
    while ((1 << initialBits) * 0.7 < expected && initialBits < maxBits) initialBits++;
    this.bits = initialBits;
    this.t = new Int32Array((1 << initialBits) * STRIDE);
  }

  /** Number of keys stored. */
  get size(): number {
    return this.count;
  }

  /** (0, 0) marks an empty slot, so that key is moved aside. */
  private static fix(a: number, b: number): number {
    return a === 0 && b === 0 ? 1 : b;
  }

  private slotFor(a: number, b: number): number {
    const mask = (1 << this.bits) - 1;
    const t = this.t;
    let i = Math.imul(a ^ Math.imul(b, 0x27d4eb2d), 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const o = i * STRIDE;
      const ka = t[o]!;
      const kb = t[o + 1]!;
      if ((ka === a && kb === b) || (ka === 0 && kb === 0)) return i;
      i = (i + 1) & mask;
    }
  }

  /** The slot holding the key, or -1. */
  find(a: number, b: number): number {
    a |= 0;
    b = HashTable64.fix(a, b | 0);
    const i = this.slotFor(a, b);
    const o = i * STRIDE;
    return this.t[o] === 0 && this.t[o + 1] === 0 ? -1 : i;
  }

  /** The slot for the key, inserting it (values zeroed) when new; `inserted` tells which; -1 when full. */
  upsert(a: number, b: number): number {
    a |= 0;
    b = HashTable64.fix(a, b | 0);
    let i = this.slotFor(a, b);
    let o = i * STRIDE;
    if (this.t[o] !== 0 || this.t[o + 1] !== 0) {
      this.inserted = false;
      return i;
    }
    // Grow past a load of 0.7: linear probing stays short, and a million ids fit in 2^21 slots.
    if ((this.count + 1) * 10 > 7 * (1 << this.bits)) {
      if (this.bits >= this.maxBits) {
        this.inserted = false;
        this.full = true;
        return -1;
      }
      this.grow();
      i = this.slotFor(a, b);
      o = i * STRIDE;
    }
    this.t[o] = a;
    this.t[o + 1] = b;
    this.count++;
    this.inserted = true;
    return i;
  }

  /** Row number stored in a slot. */
  row(slot: number): number {
    return this.t[slot * STRIDE + 2]!;
  }
  /** Value stored in a slot. */
  value(slot: number): number {
    return this.t[slot * STRIDE + 3]!;
  }
  /** Sets a slot's payload. */
  set(slot: number, row: number, value: number): void {
    const o = slot * STRIDE;
    this.t[o + 2] = row;
    this.t[o + 3] = value;
  }
  /** Sets a slot's value. */
  setValue(slot: number, value: number): void {
    this.t[slot * STRIDE + 3] = value;
  }

  private grow(): void {
    const old = this.t;
    this.bits++;
    this.t = new Int32Array((1 << this.bits) * STRIDE);
    for (let o = 0; o < old.length; o += STRIDE) {
      if (old[o] === 0 && old[o + 1] === 0) continue;
      const n = this.slotFor(old[o]!, old[o + 1]!) * STRIDE;
      for (let j = 0; j < STRIDE; j++) this.t[n + j] = old[o + j]!;
    }
  }
}
