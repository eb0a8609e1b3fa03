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

/** The state file: read once at start, written atomically on every change (or kept in memory when path is null). */
export class ServerState {
  private constructor(
    private readonly path: string | null,
    readonly data: ServerStateData,
  ) {}

  /** Loads the file at `path` (a missing file is an empty state); null keeps everything in memory (tests). */
  static async open(path: string | null): Promise<ServerState> {
    const empty: ServerStateData = { admin: null, tokens: [], connections: {} };
    if (!path) return new ServerState(null, empty);
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<ServerStateData>;
      return new ServerState(path, { ...empty, ...parsed });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new ServerState(path, empty);
      throw err;
    }
  }

  /** Persists the current data. */
  async save(): Promise<void> {
    if (this.path) await writeFileAtomic(this.path, `${JSON.stringify(this.data, null, 2)}\n`, 0o600);
  }
}
