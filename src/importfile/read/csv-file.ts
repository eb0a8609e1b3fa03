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

/** Room before each chunk for the incomplete record carried over from the previous one. */
const HEAD = MAX_RECORD + 64 * 1024;

/**
 * Reads the file chunk by chunk through `scanner` (which calls back per record), pausing after each
 * chunk so a consumer can drain what the callbacks collected. Two buffers alternate: the next chunk is
 * read while this one is scanned, so the scan never waits for the disk (or, on a busy machine, for the
 * I/O thread to be scheduled).
 */
export async function* scanChunks(path: string, scanner: CsvScanner, chunkSize = CHUNK_SIZE): AsyncGenerator<void> {
  const fh = await open(path, 'r');
  const size = Math.max(chunkSize, 16);
  const bufs = [Buffer.allocUnsafe(HEAD + size), Buffer.allocUnsafe(HEAD + size)] as const;
  let cur = 0;
  let pending = fh.read(bufs[0], HEAD, size, null);
  let prev: Buffer | null = null;
  let tailStart = 0;
  let tailLen = 0;
  try {
    for (;;) {
      const { bytesRead } = await pending;
      const buf = bufs[cur]!;
      // The incomplete record of the previous chunk goes right before this one.
      if (prev !== null && tailLen > 0) prev.copy(buf, HEAD - tailLen, tailStart, tailStart + tailLen);
      const start = HEAD - tailLen;
      const end = HEAD + bytesRead;
      const eof = bytesRead === 0;
      if (!eof) pending = fh.read(bufs[1 - cur]!, HEAD, size, null);
      let used = scanner.scan(buf, start, end, eof);
      // A record past the cap is scanned as if the file ended there, so memory stays bounded.
      if (!eof && end - used > MAX_RECORD) used = scanner.scan(buf, used, end, true);
      yield;
      if (eof) break;
      prev = buf;
      tailStart = used;
      tailLen = end - used;
      cur = 1 - cur;
    }
  } finally {
    // Never leave a read in flight on a closed handle.
    await pending.catch(() => undefined);
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
