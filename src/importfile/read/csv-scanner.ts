/**
 * A byte-level RFC 4180 CSV scanner. It never builds strings: each record is a list of byte ranges into
 * the current chunk, so a rule can check digits, lengths and enums on the bytes themselves, and only the
 * few values other rows need are ever materialised (see validate/cross-row.ts).
 *
 * Tolerant by design (malformed input becomes flags on the record, never an exception):
 * - UTF-8 with or without BOM; records end at LF, and a CR before the LF is dropped;
 * - quoted cells may hold commas, doubled quotes and line breaks;
 * - an unclosed quote (one that reaches the end of the file, or more than MAX_QUOTED_CELL bytes) ends
 *   its record at the end of the line where the quote opened, and scanning resumes on the next line;
 * - a quote inside an unquoted cell, or text after a closing quote, is kept as text and flagged;
 * - NUL bytes and invalid UTF-8 are flagged per record (a fast whole-chunk check first, so clean
 *   files pay almost nothing for it).
 */
import { isUtf8 } from 'node:buffer';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Record flags: what was wrong with the bytes of a record. */
export const FLAG_UNCLOSED_QUOTE = 1;
export const FLAG_BAD_QUOTE = 2;
export const FLAG_NUL = 4;
export const FLAG_INVALID_UTF8 = 8;
export const FLAG_TOO_MANY_CELLS = 16;

/** No spec cell is longer than 500 characters; a quoted cell this long is a quote that never closed. */
export const MAX_QUOTED_CELL = 64 * 1024;
/** Cells beyond this many in one record are counted but not kept. */
export const MAX_CELLS = 1024;

/** One record, valid only during the callback: cells are byte ranges [starts[i], ends[i]) of `buf`. */
export interface RawRecord {
  buf: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  /** Number of cells (may exceed MAX_CELLS; only the first MAX_CELLS are kept). */
  count: number;
  /** Record number with the header as row 1. */
  row: number;
  /** Physical line (1-based) where the record starts. */
  line: number;
  /** FLAG_* bits. */
  flags: number;
}

/** Called once per record, synchronously; the record and its buffer are reused afterwards. */
export type RecordCallback = (rec: RawRecord) => void;

/** Incremental scanner: feed it chunks with `scan`, it calls back once per complete record. */
export class CsvScanner {
  private readonly rec: RawRecord = {
    buf: Buffer.alloc(0),
    starts: new Int32Array(MAX_CELLS),
    ends: new Int32Array(MAX_CELLS),
    count: 0,
    row: 0,
    line: 1,
    flags: 0,
  };
  private readonly unescape = new Uint8Array(MAX_CELLS);
  private row = 0;
  private line = 1;
  private atStart = true;
  private dirty = false;

  constructor(private readonly onRecord: RecordCallback) {}

  /** Records scanned so far (header included). */
  get rows(): number {
    return this.row;
  }

  /**
   * Scans buf[from, end). Returns the offset of the first byte not consumed (the start of an incomplete
   * record), which the caller must present again, followed by more data, on the next call. With
   * `eof`, everything is consumed.
   */
  scan(buf: Buffer, from: number, end: number, eof: boolean): number {
    let p = from;
    if (this.atStart) {
      if (end - p < 3 && !eof) return p;
      if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) p += 3;
      this.atStart = false;
    }
    // Complete records can only end at a LF (or at the end of the file): check that region's bytes
    // natively once, and fall back to per-record checks only when it holds something suspicious.
    const regionEnd = eof ? end : buf.lastIndexOf(LF, end - 1) + 1;
    this.dirty = false;
    if (regionEnd > p) {
      const region = buf.subarray(p, regionEnd);
      this.dirty = region.indexOf(0) !== -1 || !isUtf8(region);
    }
    const rec = this.rec;
    rec.buf = buf;
    while (p < end) {
      const next = this.record(buf, p, end, eof);
      if (next < 0) return p;
      if (rec.count >= 0) this.onRecord(rec);
      p = next;
    }
    return p;
  }

  /**
   * Scans one record starting at p. Returns the offset after it, or -1 when it is incomplete. Sets
   * rec.count to -1 for a blank line (counted as a row, not reported).
   */
  private record(buf: Buffer, start: number, end: number, eof: boolean): number {
    const rec = this.rec;
    const starts = rec.starts;
    const ends = rec.ends;
    const unesc = this.unescape;
    let p = start;
    let n = 0;
    let nl = 0;
    let flags = 0;
    let anyEscaped = false;
    // A blank line: a row in a spreadsheet, nothing to check.
    if (buf[p] === LF || (buf[p] === CR && buf[p + 1] === LF)) {
      if (buf[p] === CR && p + 1 >= end && !eof) return -1;
      this.row++;
      this.line++;
      rec.count = -1;
      return buf[p] === LF ? p + 1 : p + 2;
    }
    for (;;) {
      let cs: number;
      let ce: number;
      let esc = 0;
      if (p < end && buf[p] === QUOTE) {
        cs = p + 1;
        let q = cs;
        let cellNl = 0;
        let closed = false;
        while (q < end) {
          const b = buf[q]!;
          // One comparison for most bytes: LF (0x0a) and the quote (0x22) are both <= 0x22.
          if (b > QUOTE) {
            q++;
            continue;
          }
          if (b === QUOTE) {
            if (q + 1 >= end && !eof) return -1;
            if (buf[q + 1] === QUOTE) {
              esc = 1;
              q += 2;
              continue;
            }
            closed = true;
            break;
          }
          if (b === LF) cellNl++;
          q++;
        }
        if (!closed && !eof && q - cs <= MAX_QUOTED_CELL) return -1;
        if (!closed) {
          // Unclosed: the record ends at the end of the line where the quote opened.
          flags |= FLAG_UNCLOSED_QUOTE;
          const lf = buf.indexOf(LF, cs);
          const stop = lf === -1 || lf >= end ? end : lf;
          ce = stop > cs && buf[stop - 1] === CR ? stop - 1 : stop;
          if (n < MAX_CELLS) {
            starts[n] = cs;
            ends[n] = ce;
            unesc[n] = 0;
          }
          n++;
          p = stop < end ? stop + 1 : end;
          if (stop < end) nl++;
          return this.finish(start, p, n, nl, flags, anyEscaped);
        }
        ce = q;
        nl += cellNl;
        p = q + 1;
        if (buf[p] === COMMA && p + 1 < end) {
          // The common case, "cell",: store it and go straight to the next cell.
          if (n < MAX_CELLS) {
            starts[n] = cs;
            ends[n] = ce;
            unesc[n] = esc;
            if (esc) anyEscaped = true;
          } else {
            flags |= FLAG_TOO_MANY_CELLS;
          }
          n++;
          p++;
          continue;
        }
        if (p < end && buf[p] !== COMMA && buf[p] !== LF && buf[p] !== CR) {
          // Text after the closing quote: keep it in the cell, flag the record.
          flags |= FLAG_BAD_QUOTE;
          while (p < end && buf[p] !== COMMA && buf[p] !== LF) p++;
          if (p >= end && !eof) return -1;
          ce = p > cs && buf[p - 1] === CR ? p - 1 : p;
          esc = 0;
        }
      } else {
        cs = p;
        while (p < end) {
          const b = buf[p]!;
          // Digits and letters are above the comma (0x2c), the quote and LF.
          if (b > COMMA) {
            p++;
            continue;
          }
          if (b === COMMA || b === LF) break;
          if (b === QUOTE) flags |= FLAG_BAD_QUOTE;
          p++;
        }
        if (p >= end && !eof) return -1;
        ce = p > cs && buf[p - 1] === CR && (p >= end || buf[p] === LF) ? p - 1 : p;
      }
      if (n < MAX_CELLS) {
        starts[n] = cs;
        ends[n] = ce;
        unesc[n] = esc;
        if (esc) anyEscaped = true;
      } else {
        flags |= FLAG_TOO_MANY_CELLS;
      }
      n++;
      // Delimiter after the cell.
      if (p >= end) return this.finish(start, end, n, nl, flags, anyEscaped);
      const d = buf[p];
      if (d === COMMA) {
        p++;
        if (p >= end) {
          if (!eof) return -1;
          // A trailing comma at the end of the file: one more, empty cell.
          if (n < MAX_CELLS) {
            starts[n] = p;
            ends[n] = p;
            unesc[n] = 0;
          }
          n++;
          return this.finish(start, p, n, nl, flags, anyEscaped);
        }
        continue;
      }
      if (d === CR) {
        if (p + 1 >= end && !eof) return -1;
        if (buf[p + 1] === LF) return this.finish(start, p + 2, n, nl + 1, flags, anyEscaped);
        // A lone CR after a closing quote: treat it as the end of the line.
        return this.finish(start, p + 1, n, nl + 1, flags, anyEscaped);
      }
      // LF
      return this.finish(start, p + 1, n, nl + 1, flags, anyEscaped);
    }
  }

  private finish(start: number, next: number, n: number, nl: number, flags: number, anyEscaped: boolean): number {
    const rec = this.rec;
    // Byte checks before unescaping, which leaves stale bytes behind the shortened cells.
    if (this.dirty) flags |= byteFlags(rec.buf, start, next);
    if (anyEscaped) {
      // Undo doubled quotes in place, now that the record is complete and will never be rescanned.
      const lim = Math.min(n, MAX_CELLS);
      for (let i = 0; i < lim; i++) {
        if (this.unescape[i]) rec.ends[i] = unescapeInPlace(rec.buf, rec.starts[i]!, rec.ends[i]!);
      }
    }
    this.row++;
    rec.row = this.row;
    rec.line = this.line;
    rec.count = n;
    rec.flags = flags;
    this.line += nl;
    return next;
  }
}

/** Collapses "" to " in buf[s, e) in place; returns the new end. */
function unescapeInPlace(buf: Buffer, s: number, e: number): number {
  let w = s;
  for (let r = s; r < e; r++) {
    const b = buf[r]!;
    buf[w++] = b;
    if (b === QUOTE && buf[r + 1] === QUOTE) r++;
  }
  return w;
}

/** Per-record byte checks, used only for chunks that failed the fast whole-chunk check. */
function byteFlags(buf: Buffer, s: number, e: number): number {
  const region = buf.subarray(s, e);
  let f = 0;
  if (region.indexOf(0) !== -1) f |= FLAG_NUL;
  if (!isUtf8(region)) f |= FLAG_INVALID_UTF8;
  return f;
}
