/**
 * Writing and re-reading import files for the commands that transform them (build, fix, tokenize,
 * sample, detokenize). Every output cell is quoted, as seed 002 recommends ("We highly recommend
 * quoting all cells"), lines end in CRLF (RFC 4180), and files appear only when complete (atomic).
 */
import { isAscii } from 'node:buffer';
import { once } from 'node:events';
import { openAtomicStream, type AtomicStream } from '../core/atomic.js';
import { EnvironmentError, errorMessage } from '../core/errors.js';
import { columnsByKind, type FileKind } from './spec/columns.js';
import { scanChunks } from './csv-file.js';
import {
  CsvScanner,
  FLAG_BAD_QUOTE,
  FLAG_INVALID_UTF8,
  FLAG_NUL,
  FLAG_TOO_MANY_CELLS,
  FLAG_UNCLOSED_QUOTE,
  MAX_CELLS,
  type RawRecord,
} from './csv-scanner.js';
import { readCsvRecords, type CsvRecord } from './read-records.js';

/** Quotes one cell: always, doubling inner quotes. */
export function quoteCell(value: string): string {
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

/** One CSV line (CRLF-terminated) with every cell quoted. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map(quoteCell).join(',')}\r\n`;
}

/** The spec header of a file kind, in spec order (from the column table). */
export function specHeader(kind: FileKind): string[] {
  return columnsByKind[kind].map((c) => c.name);
}

/** A streamed CSV output that only appears at its path on commit(); buffered and back-pressured. */
export class CsvFileWriter {
  private buf: string[] = [];
  private bufLen = 0;
  /** Data rows written so far (the header excluded). */
  rows = 0;

  private constructor(
    /** Where the file appears on commit. */
    readonly path: string,
    private readonly out: AtomicStream,
  ) {}

  /** Opens `path` (temp file until commit) and writes the header line. */
  static async open(path: string, header: readonly string[], mode = 0o600): Promise<CsvFileWriter> {
    let out: AtomicStream;
    try {
      out = await openAtomicStream(path, mode);
    } catch (err) {
      throw new EnvironmentError(`cannot write ${path}: ${errorMessage(err)}`);
    }
    const w = new CsvFileWriter(path, out);
    w.buf.push(csvLine(header));
    return w;
  }

  /** Appends one data row. */
  async write(cells: readonly string[]): Promise<void> {
    const line = csvLine(cells);
    this.buf.push(line);
    this.bufLen += line.length;
    this.rows++;
    // Batching lines into ~256 KiB writes keeps the per-row cost at string concatenation.
    if (this.bufLen > 256 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.bufLen = 0;
    if (!this.out.stream.write(chunk)) await once(this.out.stream, 'drain');
  }

  /** Flushes and renames the temp file to the path. */
  async commit(): Promise<void> {
    await this.flush();
    await this.out.commit();
  }

  /** Removes the temp file (nothing appears at the path). */
  async abort(): Promise<void> {
    await this.out.abort();
  }
}

/** Writes a whole CSV file atomically from a header and rows. */
export async function writeCsvFile(path: string, header: readonly string[], rows: Iterable<readonly string[]>): Promise<number> {
  const w = await CsvFileWriter.open(path, header);
  try {
    for (const r of rows) await w.write(r);
    await w.commit();
  } catch (err) {
    await w.abort();
    throw err;
  }
  return w.rows;
}

/** A table header: names as written (trimmed) and the position of each name. */
export interface TableHeader {
  names: string[];
  index: Map<string, number>;
}

/** Builds a TableHeader from the header record's cells (a leading UTF-8 BOM is dropped). */
export function tableHeader(cells: readonly string[]): TableHeader {
  const names = cells.map((c, i) => (i === 0 ? c.replace(/^\uFEFF/, '') : c).trim());
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (!index.has(n)) index.set(n, i);
  });
  return { names, index };
}

/** A data record with its table's header. */
export interface TableRecord extends CsvRecord {
  header: TableHeader;
}

/**
 * The cells of a scanned record as strings. An ASCII record (the usual case) is decoded once and sliced,
 * which is several times faster than decoding each cell; others are decoded cell by cell.
 */
function cellsOf(rec: RawRecord, want: readonly boolean[] | null = null): string[] {
  const n = Math.min(rec.count, MAX_CELLS);
  const cells = new Array<string>(n);
  if (n === 0) return cells;
  if (want) {
    // Only the columns asked for are decoded; the others read as ''.
    for (let i = 0; i < n; i++) cells[i] = want[i] ? rec.buf.toString('utf8', rec.starts[i], rec.ends[i]) : '';
    return cells;
  }
  const s0 = rec.starts[0] as number;
  const e = rec.ends[n - 1] as number;
  if (e >= s0 && isAscii(rec.buf.subarray(s0, e))) {
    const whole = rec.buf.toString('latin1', s0, e);
    for (let i = 0; i < n; i++) cells[i] = whole.slice((rec.starts[i] as number) - s0, (rec.ends[i] as number) - s0);
  } else {
    for (let i = 0; i < n; i++) cells[i] = rec.buf.toString('utf8', rec.starts[i], rec.ends[i]);
  }
  return cells;
}

function problemsOf(flags: number): CsvRecord['problems'] {
  const problems: CsvRecord['problems'] = [];
  if (flags & FLAG_UNCLOSED_QUOTE) problems.push('unclosed_quote');
  if (flags & FLAG_BAD_QUOTE) problems.push('bad_quote');
  if (flags & FLAG_NUL) problems.push('nul_byte');
  if (flags & FLAG_INVALID_UTF8) problems.push('invalid_utf8');
  if (flags & FLAG_TOO_MANY_CELLS) problems.push('too_many_cells');
  return problems;
}

const READ_CHUNK = 256 * 1024;

/**
 * Reads a CSV file as its header plus data records (streamed); an unreadable file is an environment error.
 * `only` names the columns to decode (the others read as ''): a pass that needs a few columns of a
 * 58-column file skips most of the decoding.
 */
export async function* readTable(path: string, only?: readonly string[]): AsyncGenerator<TableRecord> {
  let header: TableHeader | null = null;
  let want: boolean[] | null = null;
  let batch: TableRecord[] = [];
  const scanner = new CsvScanner((rec) => {
    if (!header) {
      header = tableHeader(cellsOf(rec));
      if (only) want = header.names.map((n) => only.includes(n));
      return;
    }
    const cells = cellsOf(rec, want);
    // A blank trailing line scans as one empty cell: not a row.
    if (cells.length === 1 && cells[0] === '' && rec.flags === 0) return;
    batch.push({ row: rec.row, line: rec.line, cells, problems: rec.flags === 0 ? [] : problemsOf(rec.flags), header });
  });
  try {
    // Small chunks: one chunk's decoded records must die young (a 4 MiB chunk's ~500,000 strings would be
    // promoted to the old generation and make the GC the main cost: measured 30% of a sample split).
    for await (const _ of scanChunks(path, scanner, READ_CHUNK)) {
      const out = batch;
      batch = [];
      yield* out;
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code) throw new EnvironmentError(`cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : code}`);
    throw err;
  }
}

/** Reads the header of a CSV file (empty for an empty file). */
export async function readHeader(path: string): Promise<TableHeader> {
  for await (const rec of readCsvRecords(path)) return tableHeader(rec.cells);
  return tableHeader([]);
}

/** A cell by column name ('' when the column or cell is absent). */
export function cellOf(rec: { cells: readonly string[]; header: TableHeader }, name: string): string {
  const i = rec.header.index.get(name);
  return i === undefined ? '' : (rec.cells[i] ?? '');
}
