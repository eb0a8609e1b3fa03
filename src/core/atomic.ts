import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** A temp path beside `target` (same directory, so the final rename is atomic on one filesystem). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes a whole file atomically: temp file, then rename. Nothing half-written is ever visible. */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode?: number): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  try {
    await writeFile(tmp, data, mode === undefined ? undefined : { mode });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
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
