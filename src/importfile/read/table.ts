/**
 * Reading an import file (or any CSV file, such as a legacy export) as a table of strings addressed by
 * column name: the commands that transform, tokenize, sample and verify files read them this way.
 */
import { isAscii } from 'node:buffer';
import { EnvironmentError } from '../../core/errors.js';
import { scanChunks } from './csv-file.js';
import { CsvScanner, MAX_CELLS, type RawRecord } from './csv-scanner.js';
import { problemsOf, readCsvRecords, type CsvRecord } from './read-records.js';

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
