/**
 * Writing and re-reading import files for the commands that transform them (build, fix, tokenize,
 * sample, detokenize). Every output cell is quoted, as seed 002 recommends ("We highly recommend
 * quoting all cells"), lines end in CRLF (RFC 4180), and files appear only when complete (atomic).
 */
import { once } from 'node:events';
import { openAtomicStream, type AtomicStream } from '../core/atomic.js';
import { EnvironmentError, errorMessage } from '../core/errors.js';
import { columnsByKind, type FileKind } from './columns.js';
import { readCsvRecords, type CsvRecord } from './read-records.js';

/** Quotes one cell: always, doubling inner quotes. */
export function quoteCell(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
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

/** Reads a CSV file as its header plus data records (streamed); an unreadable file is an environment error. */
export async function* readTable(path: string): AsyncGenerator<TableRecord> {
  let header: TableHeader | null = null;
  let gen: AsyncGenerator<CsvRecord>;
  try {
    gen = readCsvRecords(path);
    for await (const rec of gen) {
      if (!header) {
        header = tableHeader(rec.cells);
        continue;
      }
      // A blank trailing line scans as one empty cell: not a row.
      if (rec.cells.length === 1 && rec.cells[0] === '' && rec.problems.length === 0) continue;
      yield { ...rec, header };
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
