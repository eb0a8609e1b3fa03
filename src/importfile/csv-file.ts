/**
 * Feeds a file (or an in-memory buffer) through CsvScanner in fixed-size chunks: memory stays bounded
 * by the chunk size plus the longest record, whatever the file size.
 */
import { open } from 'node:fs/promises';
import { CsvScanner, type RecordCallback } from './csv-scanner.js';

/** Default read size: big enough that per-chunk overheads vanish, small enough for the memory budget. */
export const CHUNK_SIZE = 4 * 1024 * 1024;
/** A record longer than this (no spec row comes close) is cut where the buffer ends. */
export const MAX_RECORD = 1024 * 1024;

/**
 * Reads the file chunk by chunk through `scanner` (which calls back per record), pausing after each
 * chunk so a consumer can drain what the callbacks collected.
 */
export async function* scanChunks(path: string, scanner: CsvScanner, chunkSize = CHUNK_SIZE): AsyncGenerator<void> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(Math.max(chunkSize, 16));
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        // One incomplete record fills the whole buffer: grow it (the cap below bounds this).
        const bigger = Buffer.allocUnsafe(buf.length * 2);
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      const end = filled + bytesRead;
      const eof = bytesRead === 0;
      let used = scanner.scan(buf, 0, end, eof);
      // A record past the cap is scanned as if the file ended there, so memory stays bounded.
      if (!eof && end - used > MAX_RECORD) used = scanner.scan(buf, used, end, true);
      yield;
      if (eof) break;
      buf.copyWithin(0, used, end);
      filled = end - used;
    }
  } finally {
    await fh.close();
  }
}

/** Scans a CSV file, calling `onRecord` once per record; returns the number of records (header included). */
export async function scanCsvFile(path: string, onRecord: RecordCallback, chunkSize = CHUNK_SIZE): Promise<number> {
  const scanner = new CsvScanner(onRecord);
  for await (const _ of scanChunks(path, scanner, chunkSize)) {
    // The callbacks did the work.
  }
  return scanner.rows;
}

/** Scans CSV bytes already in memory (tests, small inputs). The buffer may be modified in place. */
export function scanCsvBuffer(data: Buffer, onRecord: RecordCallback): number {
  const scanner = new CsvScanner(onRecord);
  scanner.scan(data, 0, data.length, true);
  return scanner.rows;
}
