/**
 * Opening the store for a command: the one place that reads KONDUIT_DB, KONDUIT_SECRET and
 * KONDUIT_HOME, picks the engine, and finds (or creates) the key that seals CRM passwords.
 *
 * Key decision (docs/store.md): KONDUIT_SECRET when set; else a random key in
 * $KONDUIT_HOME/secret.key (default ~/.konduit/secret.key), mode 0600, kept apart from the database
 * so a copied or backed-up database file does not carry its own key.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { EnvironmentError, UnknownConnectionError } from '../../core/errors.js';
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

const isPostgres = (db: string) => /^postgres(ql)?:\/\//.test(db);

/** The store as a person reads it: a DuckDB file's absolute path, or a PostgreSQL URL without its password. */
export function storeLabel(db: string): string {
  if (!isPostgres(db)) return resolve(db);
  try {
    const u = new URL(db);
    if (u.password) u.password = '********';
    return u.toString();
  } catch {
    return 'the PostgreSQL URL given';
  }
}

/** ` --db VALUE` to repeat in a suggested command when the store is not the default one (a URL's password left out). */
export function dbArg(dbFlag: string | undefined): string {
  return dbFlag ? ` --db ${isPostgres(dbFlag) ? "'postgres://...'" : dbFlag}` : '';
}

/** The store does not exist: only `konduit connect` (and `konduit demo`, `konduit serve`) create one. */
function noStore(db: string, dbFlag: string | undefined): EnvironmentError {
  return new EnvironmentError(
    `no Konduit store at ${storeLabel(db)}`,
    `Connect a CRM to create it: konduit connect${dbArg(dbFlag)} --name NAME --brand konnektive ... (konduit connect --help); or point --db or KONDUIT_DB at your store.`,
    { code: 'no_store', param: 'db' },
  );
}

/**
 * The store's connections, or, when it holds none, an error naming the store and the next command
 * (a report or a sync has nothing to read: zeros would look like an answer).
 */
export async function connectionsOrExplain(store: Store, dbFlag: string | undefined) {
  const list = await store.listConnections();
  if (list.length > 0) return list;
  throw new EnvironmentError(
    `the store ${storeLabel(resolveDb(dbFlag))} has no connection yet`,
    `Connect a CRM first: konduit connect${dbArg(dbFlag)} --name NAME --brand konnektive ... (konduit connect --help).`,
    { code: 'no_connections' },
  );
}

/**
 * Konduit's home (the key file, the server's state, locks), created 0700. One that others can read
 * (say 0755, made by hand or by an older version) is tightened to 0700, with a notice.
 */
async function ensureHome(): Promise<string> {
  const home = konduitHome();
  await mkdir(home, { recursive: true, mode: 0o700 });
  if (((await stat(home)).mode & 0o077) !== 0) {
    await chmod(home, 0o700).catch((err: unknown) => {
      throw new EnvironmentError(`${home} is readable by other users and cannot be made private: ${(err as Error).message}`, 'Run chmod 700 on it, or point KONDUIT_HOME elsewhere.');
    });
    process.stderr.write(`konduit: made ${home} private (mode 0700): it holds the secret key and the server's state\n`);
  }
  return home;
}

/** The key that seals CRM passwords, and, when the key file is new, the write that keeps it. */
async function secretKey(): Promise<{ key: Uint8Array; path: string | null; keep?: () => Promise<void> }> {
  const pass = process.env.KONDUIT_SECRET;
  if (pass) return { key: keyFromPassphrase(pass), path: null };
  const path = join(await ensureHome(), 'secret.key');
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const key = generateKey();
    return { key, path, keep: () => writeFileAtomic(path, `${Buffer.from(key).toString('hex')}\n`, 0o600) };
  }
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  if (!/^[0-9a-f]{64}$/.test(text)) throw new EnvironmentError(`the key file ${path} is not a 64-hex-digit key`, 'Restore it from a backup, or set KONDUIT_SECRET.');
  return { key: Buffer.from(text, 'hex'), path };
}

/**
 * Opens and migrates the store the flags and environment select. Only `create` (konduit connect, serve,
 * demo) makes a new one; every other command refuses a store that does not exist (a DuckDB file that is
 * not there, a PostgreSQL database without Konduit's tables) with its path and the command that creates
 * it, instead of reading an empty store as zeros. A key file is generated on first use only: when it is
 * missing but the store already holds connections (their passwords were sealed with it), the store is
 * refused with how to restore the key, never opened with a new one. `keyless`: the command opens no
 * password (listing and removing connections), so it works without the key, using a throw-away one that
 * is not kept. `newKey`: the command seals a password anew (konduit connections update --password), so a
 * missing key file is made even when the store's other passwords were sealed with the lost one.
 */
export async function openStore(dbFlag: string | undefined, o: { keyless?: boolean; create?: boolean; newKey?: boolean } = {}): Promise<Store> {
  const db = resolveDb(dbFlag);
  if (!o.create && !isPostgres(db) && !existsSync(resolve(db))) throw noStore(db, dbFlag);
  const { key, path, keep } = await secretKey();
  const store = isPostgres(db) ? await openPostgresStore(db, { secretKey: key }) : await openDuckDbStore(resolve(db), { secretKey: key });
  try {
    if (!o.create && (await store.schemaVersion()) === 0) throw noStore(db, dbFlag);
    await store.migrate();
    if (keep && !o.keyless) {
      const held = (await store.listConnections()).length;
      if (held > 0 && !o.newKey) {
        throw new EnvironmentError(
          `the secret key ${path} is missing, but the store ${db} holds ${held} connection${held === 1 ? '' : 's'} whose CRM passwords were sealed with it`,
          `Restore secret.key from a backup of ${konduitHome()} (or set KONDUIT_SECRET to the passphrase they were saved with). ` +
            'If the key is lost for good, enter each password again: konduit connections update NAME --password - (a new key is made).',
        );
      }
      await keep();
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

/** A saved connection's CRM client and account time zone, for commands that read the CRM (verify, crm ids). */
export async function crmClientFor(connection: string, db: string | undefined): Promise<{ client: CrmClient; timezone: string }> {
  const store = await openStore(db);
  try {
    const conn = await store.getConnection(connection);
    if (!conn) throw new UnknownConnectionError(connection);
    return { client: new CrmClient({ baseUrl: conn.baseUrl, loginId: conn.loginId, password: conn.password, maxAttempts: 4 }), timezone: conn.timezone };
  } finally {
    await store.close();
  }
}
