/**
 * One record seen through the spec: cell k of the view is spec column k, as byte offsets into the
 * chunk, plus what the field checks found (ok) and parsed (num). Reused for every row.
 */
import type { ColumnSpec } from '../spec/columns.js';

const EMPTY = Buffer.alloc(0);

/** A spec-ordered view of the current record. */
export class RowView {
  buf: Buffer = EMPTY;
  row = 0;
  line = 0;
  /**
   * Cell byte range per spec column; both 0 when the column is not in the file. When the header is in
   * spec order these are the scanner's own arrays (no copy per row), so they may be longer than `cols`.
   */
  s: Int32Array;
  e: Int32Array;
  /** 1 when the column is in the file's header. */
  readonly present: Uint8Array;
  /** 1 when the cell is non-empty and passed its type check. */
  readonly ok: Uint8Array;
  /** What the type check parsed: cents, an integer, yyyymmdd for dates, an enum's index. */
  readonly num: Float64Array;

  constructor(readonly cols: readonly ColumnSpec[]) {
    const n = cols.length;
    this.s = new Int32Array(n);
    this.e = new Int32Array(n);
    this.present = new Uint8Array(n);
    this.ok = new Uint8Array(n);
    this.num = new Float64Array(n);
  }

  /** True when the cell is empty (or its column absent). */
  isEmpty(k: number): boolean {
    return this.e[k]! <= this.s[k]!;
  }

  /** The cell as a string (only for issues and values other rows need). */
  text(k: number): string {
    return this.buf.toString('utf8', this.s[k]!, this.e[k]!);
  }

  /** True when the cell's bytes are exactly `bytes`. */
  equals(k: number, bytes: Uint8Array): boolean {
    const s = this.s[k]!;
    if (this.e[k]! - s !== bytes.length) return false;
    for (let i = 0; i < bytes.length; i++) if (this.buf[s + i] !== bytes[i]) return false;
    return true;
  }
}

/** Formats yyyymmdd as YYYY-MM-DD. */
export function ymd(v: number): string {
  const y = Math.floor(v / 10000);
  const m = Math.floor(v / 100) % 100;
  const d = v % 100;
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}
