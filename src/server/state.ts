/**
 * The server's own small state, kept in one JSON file (mode 0600) beside the store's key: the admin
 * account's password hash, API-token hashes, and the history range last chosen for each connection
 * (the sync frequency lives in the store, where `konduit sync --watch` reads it too). Sessions are not here: they live in memory, so a restart signs
 * everyone out, which is the safe default for a single-admin tool (docs/dashboard.md).
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/atomic.js';

export interface AdminAccount {
  username: string;
  hash: string;
  createdAt: number;
}

export interface TokenRecord {
  id: string;
  name: string;
  /** SHA-256 of the token, hex: the token itself is shown once and never stored. */
  sha256: string;
  createdAt: number;
  lastUsedAt: number | null;
}

export interface ConnectionSettings {
  historyFrom?: string;
  historyTo?: string;
}

export interface ServerStateData {
  admin: AdminAccount | null;
  tokens: TokenRecord[];
  connections: Record<string, ConnectionSettings>;
}

/** The state as readers see it: changes go through ServerState.update. */
export interface StateView {
  readonly admin: Readonly<AdminAccount> | null;
  readonly tokens: readonly Readonly<TokenRecord>[];
  readonly connections: Readonly<Record<string, Readonly<ConnectionSettings>>>;
}

/** What a missing state file holds. */
const empty = (): ServerStateData => ({ admin: null, tokens: [], connections: {} });

/** Reads the state file; a missing one is an empty state. */
async function readState(path: string): Promise<ServerStateData> {
  try {
    return { ...empty(), ...(JSON.parse(await readFile(path, 'utf8')) as Partial<ServerStateData>) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return empty();
    throw err;
  }
}

/**
 * The state file (or memory when path is null). Every change goes through `update`: one writer queue,
 * in which the file is read again, changed and written atomically (temp file, fsync, rename), and the
 * result becomes the state in memory. Concurrent changes (a token revoked while requests record when
 * tokens were last used) therefore apply in order, each on top of the last, and an older copy can never
 * land after a newer one.
 */
export class ServerState {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly path: string | null,
    private current: ServerStateData,
  ) {}

  /** Loads the file at `path` (a missing file is an empty state); null keeps everything in memory (tests). */
  static async open(path: string | null): Promise<ServerState> {
    return new ServerState(path, path ? await readState(path) : empty());
  }

  /** The state as last written (read only: changes go through update()). */
  get data(): StateView {
    return this.current;
  }

  /** Applies `change` to the state as the file holds it now and persists the result; resolves to what `change` returns. */
  update<T>(change: (d: ServerStateData) => T): Promise<T> {
    const run = this.queue.then(async () => {
      const d = this.path ? await readState(this.path) : this.current;
      const result = change(d);
      if (this.path) await writeFileAtomic(this.path, `${JSON.stringify(d, null, 2)}\n`, 0o600);
      this.current = d;
      return result;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
