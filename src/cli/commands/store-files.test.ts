/**
 * Finding 20 of the hardening review: the DuckDB file was created 0644, a 0755 KONDUIT_HOME was left
 * open, and a missing secret.key was silently regenerated (the later error then said "key differs").
 */
import { chmod, mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../../store/secrets.js';
import { runCli } from '../../../test/cli.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

let dir: string;
let sb: Sandbox;
const env = { ...process.env };
const mode = async (p: string) => (await stat(p)).mode & 0o777;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-store-files-'));
  sb = await startSandbox({ seed: 'store-files', customers: 20, start: '2026-01-01', now: '2026-01-31 12:00:00' });
  delete process.env.KONDUIT_SECRET;
});
afterAll(async () => {
  process.env = env;
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

const connect = (name: string, db: string) =>
  runCli(['connect', '--name', name, '--brand', 'konnektive', '--base-url', sb.baseUrl, '--login-id', sb.loginId, '--password', sb.password, '--account-name', 'A', '--account-username', 'U', '--db', db]);

describe('store files', () => {
  it('a new DuckDB store is 0600, even opened outside the CLI', async () => {
    const path = join(dir, 'lib.duckdb');
    const store = await openDuckDbStore(path, { secretKey: generateKey() });
    await store.migrate();
    await store.close();
    expect(await mode(path)).toBe(0o600);
  });

  it('the CLI creates its home 0700, the store and its WAL 0600', async () => {
    process.env.KONDUIT_HOME = join(dir, 'fresh-home');
    const db = join(dir, 'cli', 'k.duckdb');
    const r = await connect('shop', db);
    expect(r.code, r.err).toBe(0);
    expect(await mode(join(dir, 'fresh-home'))).toBe(0o700);
    expect(await mode(join(dir, 'fresh-home', 'secret.key'))).toBe(0o600);
    for (const f of (await readdir(join(dir, 'cli'))).filter((x) => x.startsWith('k.duckdb'))) expect(await mode(join(dir, 'cli', f)), f).toBe(0o600);
    // The WAL comes and goes with checkpoints; the CLI's umask makes every file it creates private.
    expect(process.umask() & 0o077).toBe(0o077);
  });

  it('an existing 0755 home is made 0700, with a notice', async () => {
    const home = join(dir, 'open-home');
    await mkdir(home, { recursive: true });
    await chmod(home, 0o755);
    process.env.KONDUIT_HOME = home;
    // Listing opens no password: the store the test above connected serves, whatever home holds its key.
    const r = await runCli(['connections', '--db', join(dir, 'cli', 'k.duckdb')]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`konduit: made ${home} private (mode 0700)`);
    expect(await mode(home)).toBe(0o700);
  });

  it('a missing secret.key with connections in the store is refused as missing, never regenerated', async () => {
    const home = join(dir, 'lost-home');
    process.env.KONDUIT_HOME = home;
    const db = join(dir, 'lost.duckdb');
    expect((await connect('shop', db)).code).toBe(0);
    await rm(join(home, 'secret.key'));

    const sync = await runCli(['sync', '--connection', 'shop', '--from', '2026-01-01', '--to', '2026-01-02', '--db', db]);
    expect(sync.code).toBe(2);
    expect(sync.err).toMatch(new RegExp(`konduit: the secret key ${join(home, 'secret.key')} is missing, but the store ${db} holds 1 connection whose CRM passwords were sealed with it\\nhint: Restore secret.key from a backup`));
    expect(sync.err).not.toMatch(/differs/);
    expect(await readdir(home)).not.toContain('secret.key');

    // Listing and removing need no key, so a lost key can be recovered from; then a new key is made.
    expect((await runCli(['connections', '--db', db])).out).toContain('shop');
    expect((await runCli(['connections', 'remove', 'shop', '--db', db])).code).toBe(0);
    expect(await readdir(home)).not.toContain('secret.key');
    expect((await connect('shop', db)).code).toBe(0);
    expect(await readdir(home)).toContain('secret.key');
  });
});
