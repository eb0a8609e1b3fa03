/**
 * `konduit connections update` on both engines, as a user runs it (child processes, the password piped
 * in): a store written under key A and opened under key B cannot decrypt its CRM password; the sync says
 * so with the way out; `connections update NAME --password -` mends it (a wrong password is refused by
 * the CRM first); the sync then works against the sandbox, and the synced data was kept throughout. A
 * new time zone keeps the data too and prints the command that reads the history again.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSchema } from '../../../test/stores.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';

const runner = new URL('../../../test/run-cli.ts', import.meta.url).pathname;
let dir: string;
let sb: Sandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-update-'));
  sb = await startSandbox({ seed: 'update-cli', customers: 80, start: '2026-01-01', now: '2026-03-31 12:00:00' });
});
afterAll(async () => {
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** konduit in a child process under the secret `key`, `stdin` piped in. */
function konduit(args: string[], key: string, stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', runner, ...args], {
      env: { ...process.env, KONDUIT_HOME: join(dir, 'home'), KONDUIT_SECRET: key, KONDUIT_DB: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.stdin.end(stdin);
  });
}

/** The report's gross revenue and orders for the sandbox's months, in one zone. */
async function figures(db: string, key: string): Promise<{ gross: string; orders: number }> {
  const r = await konduit(['report', 'summary', '--from', '2026-01-01', '--to', '2026-03-31', '--tz', 'UTC', '--format', 'json', '--db', db], key);
  expect(r.code, r.err).toBe(0);
  const total = JSON.parse(r.out).total as { grossRevenue: { current: string }; orders: { current: number } };
  return { gross: total.grossRevenue.current, orders: total.orders.current };
}

const engines: { name: string; store(): Promise<{ db: string; drop(): Promise<void> }> }[] = [
  { name: 'duckdb', store: async () => ({ db: join(dir, `u${Date.now()}.duckdb`), drop: async () => undefined }) },
  {
    name: 'postgres',
    store: async () => {
      // A schema of its own, named in the URL the CLI gets.
      const { url, drop } = await pgSchema('update');
      return { db: url, drop };
    },
  },
];

describe.each(engines)('konduit connections update ($name)', (engine) => {
  let db: string;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ db, drop } = await engine.store()));
  afterAll(async () => drop());

  it('mends a password saved under another key, then syncs; keeps the data; a new zone says what to read again', async () => {
    const connect = await konduit(['connect', '--name', 'shop', '--brand', 'konnektive', '--base-url', sb.baseUrl, '--login-id', sb.loginId, '--password', '-', '--account-name', 'Shop', '--account-username', 'owner', '--db', db], 'key-A', `${sb.password}\n`);
    expect(connect.code, connect.err).toBe(0);
    const backfill = await konduit(['sync', '--connection', 'shop', '--from', '2026-01-01', '--to', '2026-03-31', '--rate', '0', '--db', db], 'key-A');
    expect(backfill.code, backfill.err).toBe(0);
    const synced = await figures(db, 'key-A');
    expect(synced.orders).toBeGreaterThan(0);

    // Key B: the password cannot be opened; listing still works, a sync says how to get out.
    const list = await konduit(['connections', '--db', db], 'key-B');
    expect(list.code, list.err).toBe(0);
    const locked = await konduit(['sync', '--connection', 'shop', '--db', db], 'key-B');
    expect(locked.code).toBe(2);
    expect(locked.err).toContain('konduit: cannot decrypt the stored CRM password of "shop": the secret key differs from the one it was saved with\n');
    expect(locked.err).toContain('hint: Enter the password again (konduit connections update shop --password -, or Settings in the dashboard)');

    // A wrong password is refused by the CRM before anything is saved.
    const wrong = await konduit(['connections', 'update', 'shop', '--password', '-', '--db', db], 'key-B', 'not-the-password\n');
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/^konduit: the credential test failed: the CRM rejected the API credentials/);
    expect(wrong.err).not.toContain('not-the-password');
    expect((await konduit(['sync', '--connection', 'shop', '--db', db], 'key-B')).code).toBe(2);

    const mended = await konduit(['connections', 'update', 'shop', '--password', '-', '--db', db], 'key-B', `${sb.password}\n`);
    expect([mended.code, mended.out], mended.err).toEqual([0, 'Updated "shop": password (tested with the CRM, sealed with the current key).\n']);
    const incremental = await konduit(['sync', '--connection', 'shop', '--rate', '0', '--db', db], 'key-B');
    expect(incremental.code, incremental.err).toBe(0);
    expect(incremental.out).toMatch(/^shop incremental: done in/);
    // Nothing synced was lost on the way.
    expect(await figures(db, 'key-B')).toEqual(synced);
    // Key A no longer opens it: the password is sealed with B now.
    expect((await konduit(['sync', '--connection', 'shop', '--db', db], 'key-A')).code).toBe(2);

    // A new zone and frequency: the data stays, and the range to read again is printed, runnable as is.
    const zone = await konduit(['connections', 'update', 'shop', '--timezone', 'Europe/Paris', '--frequency', 'hourly', '--db', db], 'key-B');
    expect(zone.code, zone.err).toBe(0);
    const [said, why, command] = zone.out.trimEnd().split('\n');
    expect(said).toBe('Updated "shop": frequency hourly, time zone Europe/Paris.');
    // From the backfill's first day to the last the incremental sync reached (today, by this machine's clock).
    expect(why).toMatch(/^The history synced so far \(2026-01-01\.\.\d{4}-\d\d-\d\d\) was read in America\/New_York; to read it again with the new settings:$/);
    expect(command).toMatch(/^ {2}konduit sync --connection shop --from 2026-01-01 --to \d{4}-\d\d-\d\d --db /);
    expect((await figures(db, 'key-B')).orders).toBe(synced.orders);
    const listed = await konduit(['connections', '--db', db], 'key-B');
    expect(listed.out).toMatch(/^shop\s+konnektive\s+\S+\s+\S+\s+Europe\/Paris\s+USD\s+hourly\s/m);
    const reread = await konduit([...(command ?? '').trim().split(/\s+/).slice(1, -1), db, '--rate', '0'], 'key-B');
    expect(reread.code, reread.err).toBe(0);
    expect(reread.out).toMatch(/^shop backfill 2026-01-01\.\.\d{4}-\d\d-\d\d: done in/);
    // Thirteen CLI processes and three syncs: a generous bound for a loaded machine, never a measure.
  }, 300_000);
});
