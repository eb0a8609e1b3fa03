import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** A temp path beside `target` (same directory, so the final rename is atomic on one filesystem). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a whole file atomically and durably: temp file, fsync, rename, fsync of the directory. Nothing
 * half-written is ever visible, and after a crash the file is the old one or the new one.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    const fh = await open(tmp, 'w', mode);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename itself is durable once the directory is synced; not every platform can open one.
  const dir = await open(dirname(target), 'r').catch(() => null);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

/** A streamed output that only appears at `target` when committed; abort() removes the temp file. */
export interface AtomicStream {
  stream: WriteStream;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Opens a streamed atomic output (temp file + rename on commit). */
export async function openAtomicStream(target: string, mode?: number): Promise<AtomicStream> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const stream = createWriteStream(tmp, mode === undefined ? {} : { mode });
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', reject);
  });
  let done = false;
  return {
    stream,
    async commit() {
      if (done) return;
      done = true;
      stream.end();
      await closed;
      await rename(tmp, target);
    },
    async abort() {
      if (done) return;
      done = true;
      stream.destroy();
      await closed.catch(() => undefined);
      await rm(tmp, { force: true });
    },
  };
}
