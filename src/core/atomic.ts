import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { EnvironmentError } from './errors.js';

/** What a full disk, a quota or a file size limit is called, for a person. */
const DISK_FULL: Record<string, [why: string, hint: string]> = {
  ENOSPC: ['no space left on the device', 'Free some space (or write to another disk) and run the command again.'],
  EDQUOT: ['the disk quota is exhausted', 'Free some space within your quota (or write to another disk) and run the command again.'],
  EFBIG: ['the file would be larger than this process or file system allows', 'Raise the file size limit (ulimit -f) or write to another file system, and run the command again.'],
};

/**
 * A write failure as an error for a person (exit 2) naming the file: a full disk (ENOSPC, EDQUOT,
 * EFBIG) says so and that nothing was written; other system errors keep their code. Errors that are
 * not system errors pass unchanged.
 */
export function writeFailure(err: unknown, target: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code)) return err;
  const full = DISK_FULL[code];
  if (full) return new EnvironmentError(`cannot write ${target}: ${full[0]} (${code}); it was not written, and no partial file is left`, full[1]);
  return new EnvironmentError(`cannot write ${target}: ${code}; it was not written`);
}

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
    throw writeFailure(err, target);
  }
  // The rename itself is durable once the directory is synced; not every platform can open one.
  const dir = await open(dirname(target), 'r').catch(() => null);
  await dir?.sync().catch(() => undefined);
  await dir?.close();
}

/** A streamed output that only appears at `target` when committed; abort() removes the temp file. */
export interface AtomicStream {
  stream: WriteStream;
  /** Writes a chunk, waiting for the stream to drain; throws (as writeFailure) once the stream failed. */
  write(chunk: string | Uint8Array): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * Opens a streamed atomic output (temp file + rename on commit). A write error (a full disk) is held
 * until the writer's next write, commit or abort, which remove the temp file: it never surfaces as an
 * unhandled rejection, and no temp file is left behind.
 */
export async function openAtomicStream(target: string, mode?: number): Promise<AtomicStream> {
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (err) {
    throw writeFailure(err, target);
  }
  const tmp = tempPathFor(target);
  const stream = createWriteStream(tmp, mode === undefined ? {} : { mode });
  let failure: unknown = null;
  const closed = new Promise<void>((resolve, reject) => {
    stream.once('close', resolve);
    stream.once('error', (err) => {
      failure ??= err;
      reject(err);
    });
  });
  // Held for whoever awaits it next; never an unhandled rejection while the writer is busy reading.
  closed.catch(() => undefined);
  let done = false;
  const abort = async () => {
    if (done) return;
    done = true;
    stream.destroy();
    await closed.catch(() => undefined);
    await rm(tmp, { force: true });
  };
  const fail = async (err: unknown): Promise<never> => {
    await abort();
    throw writeFailure(err, target);
  };
  return {
    stream,
    async write(chunk) {
      if (failure) return fail(failure);
      if (stream.write(chunk)) return;
      // Resolves on drain, rejects when the stream fails instead (it then never drains).
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => (stream.off('error', onError), resolve());
        const onError = (err: Error) => (stream.off('drain', onDrain), reject(err));
        stream.once('drain', onDrain);
        stream.once('error', onError);
      }).catch(fail);
    },
    async commit() {
      if (done) return;
      if (failure) return fail(failure);
      stream.end();
      try {
        await closed;
        await rename(tmp, target);
      } catch (err) {
        return fail(err);
      }
      done = true;
    },
    abort,
  };
}
