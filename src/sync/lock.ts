/**
 * A per-connection lock file, so two processes on this machine never sync the same connection at once
 * (`konduit sync --watch` beside a manual `konduit sync`). The file holds the owner's pid; a lock whose
 * owner died (crash, SIGKILL) is taken over.
 */
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const lockPath = (dir: string, name: string) => join(dir, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.lock`);

/**
 * The pid of the live process holding the lock `name` in `dir`, or null when none does (no file, or its
 * owner is gone). Read only: a stale file is left for the next acquireLock to take over.
 */
export async function lockHolder(dir: string, name: string): Promise<number | null> {
  const owner = Number((await readFile(lockPath(dir, name), 'utf8').catch(() => '')).trim());
  return Number.isInteger(owner) && owner > 0 && alive(owner) ? owner : null;
}

/** Takes the lock `name` in `dir`; returns a release function, or null when a live process holds it. */
export async function acquireLock(dir: string, name: string): Promise<(() => Promise<void>) | null> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = lockPath(dir, name);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await rm(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) return null;
      await rm(path, { force: true }); // stale: its owner is gone
    }
  }
  return null;
}
