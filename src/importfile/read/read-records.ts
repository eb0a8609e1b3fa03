/** Record-by-record reading of an import file as strings, for code other than the validator. */
import {
  FLAG_BAD_QUOTE,
  FLAG_INVALID_UTF8,
  FLAG_NUL,
  FLAG_TOO_MANY_CELLS,
  FLAG_UNCLOSED_QUOTE,
  MAX_CELLS,
  CsvScanner,
  type RawRecord,
} from './csv-scanner.js';
import { scanChunks } from './csv-file.js';

/** One CSV record as strings. */
export interface CsvRecord {
  /** Record number with the header as row 1. */
  row: number;
  /** Physical line where the record starts. */
  line: number;
  cells: string[];
  /** What was malformed in the record's bytes, if anything. */
  problems: ('unclosed_quote' | 'bad_quote' | 'nul_byte' | 'invalid_utf8' | 'too_many_cells')[];
}

/** The names of a record's FLAG_* bits, in a fixed order. */
export function problemsOf(flags: number): CsvRecord['problems'] {
  const problems: CsvRecord['problems'] = [];
  if (flags & FLAG_UNCLOSED_QUOTE) problems.push('unclosed_quote');
  if (flags & FLAG_BAD_QUOTE) problems.push('bad_quote');
  if (flags & FLAG_NUL) problems.push('nul_byte');
  if (flags & FLAG_INVALID_UTF8) problems.push('invalid_utf8');
  if (flags & FLAG_TOO_MANY_CELLS) problems.push('too_many_cells');
  return problems;
}

function toRecord(rec: RawRecord): CsvRecord {
  const cells: string[] = [];
  for (let i = 0; i < Math.min(rec.count, MAX_CELLS); i++) cells.push(rec.buf.toString('utf8', rec.starts[i]!, rec.ends[i]!));
  return { row: rec.row, line: rec.line, cells, problems: problemsOf(rec.flags) };
}

/**
 * Yields the records of a CSV file (the header first), streamed in bounded memory (one chunk's records
 * at a time). Blank lines are skipped but counted in `row` and `line`.
 */
export async function* readCsvRecords(path: string, chunkSize?: number): AsyncGenerator<CsvRecord> {
  let batch: CsvRecord[] = [];
  const scanner = new CsvScanner((rec) => {
    batch.push(toRecord(rec));
  });
  for await (const _ of scanChunks(path, scanner, chunkSize)) {
    const out = batch;
    batch = [];
    yield* out;
  }
}
