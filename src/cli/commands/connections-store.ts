/**
 * Opening the store for a command: the one place that reads KONDUIT_DB, KONDUIT_SECRET and
 * KONDUIT_HOME, picks the engine, and finds (or creates) the key that seals CRM passwords.
 *
 * Key decision (docs/store.md): KONDUIT_SECRET when set; else a random key in
 * $KONDUIT_HOME/secret.key (default ~/.konduit/secret.key), mode 0600, kept apart from the database
 * so a copied or backed-up database file does not carry its own key.
 */
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentError, UsageError } from '../../core/errors.js';
import { CrmClient } from '../../crm/client.js';
import { writeFileAtomic } from '../../core/atomic.js';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../../store/engines/postgres/postgres-store.js';
import { generateKey, keyFromPassphrase } from '../../store/secrets.js';
import type { Store } from '../../store/store.js';

/** Konduit's home directory (key file, locks). */
export function konduitHome(): string {
  return process.env.KONDUIT_HOME || join(homedir(), '.konduit');
}

/** The store location: --db, else KONDUIT_DB, else ./konduit.duckdb. */
export function resolveDb(flag: string | undefined): string {
  return flag || process.env.KONDUIT_DB || './konduit.duckdb';
}

async function secretKey(): Promise<Uint8Array> {
  const pass = process.env.KONDUIT_SECRET;
  if (pass) return keyFromPassphrase(pass);
  const path = join(konduitHome(), 'secret.key');
  try {
    const text = (await readFile(path, 'utf8')).trim();
    const st = await stat(path);
    if ((st.mode & 0o077) !== 0) await chmod(path, 0o600);
    if (!/^[0-9a-f]{64}$/.test(text)) throw new EnvironmentError(`the key file ${path} is not a 64-hex-digit key`, 'Restore it from a backup, or set KONDUIT_SECRET.');
    return Buffer.from(text, 'hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(konduitHome(), { recursive: true, mode: 0o700 });
    const key = generateKey();
    await writeFileAtomic(path, `${Buffer.from(key).toString('hex')}\n`, 0o600);
    return key;
  }
}

/** Opens and migrates the store the flags and environment select. */
export async function openStore(dbFlag: string | undefined): Promise<Store> {
  const db = resolveDb(dbFlag);
  const key = await secretKey();
  const store = /^postgres(ql)?:\/\//.test(db) ? await openPostgresStore(db, { secretKey: key }) : await openDuckDbStore(resolve(db), { secretKey: key });
  await store.migrate();
  return store;
}

/** A saved connection's CRM client and account time zone, for commands that read the CRM (verify, crm ids). */
export async function crmClientFor(connection: string, db: string | undefined): Promise<{ client: CrmClient; timezone: string }> {
  const store = await openStore(db);
  try {
    const conn = await store.getConnection(connection);
    if (!conn) throw new UsageError(`no connection named "${connection}"`, 'List them with: konduit connections');
    return { client: new CrmClient({ baseUrl: conn.baseUrl, loginId: conn.loginId, password: conn.password, maxAttempts: 4 }), timezone: conn.timezone };
  } finally {
    await store.close();
  }
}
