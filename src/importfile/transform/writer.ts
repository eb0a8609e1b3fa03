/**
 * Writing import files for the commands that transform them (build, fix, tokenize, sample, detokenize;
 * they read them back with read/table.ts). Every output cell is quoted, as the CRM's legacy import spec recommends ("We
 * highly recommend quoting all cells"), lines end in CRLF (RFC 4180), and files appear only when
 * complete (atomic).
 */
import { openAtomicStream, type AtomicStream } from '../../core/atomic.js';
import { columnsByKind, type FileKind } from '../spec/columns.js';

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
    const out = await openAtomicStream(path, mode);
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
    await this.out.write(chunk);
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
