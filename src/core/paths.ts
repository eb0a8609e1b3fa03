/**
 * Outputs never overwrite inputs (issue 16, finding 10): a command names every file it reads and every
 * file it writes, and this one check refuses the run (exit 2, before anything is read or written) when
 * two of them are the same file. Paths are compared as the file system resolves them: symbolic links
 * followed (also in the parent directories of a file that does not exist yet), and hard links caught by
 * device and inode.
 */
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors.js';

/** A path a command reads or writes, with the flag (or role) that named it, for the message. */
export interface NamedPath {
  /** How the user named it: "--out", "--log", "the input file", ... */
  role: string;
  path: string;
  /** An output directory: everything below it may be written or deleted (migrate's work directory). */
  tree?: boolean;
}

interface Resolved extends NamedPath {
  real: string;
  /** "dev:ino" of an existing file, to catch hard links. */
  inode: string | null;
}

/** The real path of `p`, also when it does not exist yet: its nearest existing ancestor's real path + the rest. */
export async function realPathOf(p: string): Promise<string> {
  let dir = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(await realpath(dir), ...rest.reverse());
    } catch {
      const parent = dirname(dir);
      if (parent === dir) return resolve(p);
      rest.push(basename(dir));
      dir = parent;
    }
  }
}

async function resolveOne(p: NamedPath): Promise<Resolved> {
  const real = await realPathOf(p.path);
  const info = await stat(real).catch(() => null);
  return { ...p, real, inode: info && info.isFile() ? `${info.dev}:${info.ino}` : null };
}

const within = (child: string, tree: string) => {
  const r = relative(tree, child);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !r.startsWith(sep));
};

function clash(a: Resolved, b: Resolved): boolean {
  if (a.real === b.real) return true;
  if (a.inode !== null && a.inode === b.inode) return true;
  return (a.tree === true && within(b.real, a.real)) || (b.tree === true && within(a.real, b.real));
}

function describe(p: Resolved): string {
  const shown = resolve(p.path) === p.real ? p.path : `${p.path} (${p.real})`;
  return `${p.role} ${shown}`;
}

/**
 * Throws a UsageError (exit 2) naming both paths when an output is the same file as an input or as
 * another output (real paths, symlinks followed, hard links caught), or an input lies inside an output
 * tree. Call it before reading or writing anything.
 */
export async function assertDistinctPaths(inputs: readonly NamedPath[], outputs: readonly NamedPath[]): Promise<void> {
  const ins = await Promise.all(inputs.map(resolveOne));
  const outs = await Promise.all(outputs.map(resolveOne));
  for (const [i, o] of outs.entries()) {
    for (const input of ins) {
      if (clash(o, input)) {
        throw new UsageError(
          `${describe(o)} is the same file as ${describe(input)}: writing it would destroy what the command reads`,
          'Give the output another path; inputs are never overwritten.',
        );
      }
    }
    for (const other of outs.slice(i + 1)) {
      if (clash(o, other)) {
        throw new UsageError(`${describe(o)} and ${describe(other)} are the same file: one output would overwrite the other`, 'Give each output its own path.');
      }
    }
  }
}

/** The files a command writes into an output directory, as named paths (for assertDistinctPaths). */
export function filesIn(role: string, dir: string, names: readonly string[]): NamedPath[] {
  return names.map((n) => ({ role: `${role} (${n})`, path: join(dir, n) }));
}
