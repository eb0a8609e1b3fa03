/**
 * `konduit serve` and `konduit demo` as the built binary (bin/konduit.js): they listen on 127.0.0.1,
 * print the address and login, answer the API, and stop cleanly on SIGINT.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/cli.js';

const bin = new URL('../../../bin/konduit.js', import.meta.url).pathname;
const children: ChildProcess[] = [];
const dirs: string[] = [];

/** Starts the CLI and resolves with its stdout once `marker` has appeared in it. */
function start(args: string[], env: Record<string, string>, marker: RegExp): Promise<{ child: ChildProcess; out: () => string }> {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${marker}" in 60 s; stdout: ${out}; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (marker.test(out)) {
        clearTimeout(timer);
        resolve({ child, out: () => out });
      }
    });
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.once('exit', (code) => reject(new Error(`exited with ${code}; stdout: ${out}; stderr: ${err}`)));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe('konduit serve', () => {
  it('listens on 127.0.0.1, asks for the first-run account, and stops on SIGINT', async () => {
    expect(existsSync(bin)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'konduit-serve-'));
    dirs.push(dir);
    const { child, out } = await start(['serve', '--port', '0', '--db', join(dir, 'k.duckdb')], { KONDUIT_HOME: join(dir, 'home'), KONDUIT_ADMIN_PASSWORD: '' }, /Ctrl-C/);
    const url = /Konduit dashboard: (http:\/\/\S+)/.exec(out())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out()).toContain('First visit: create the admin account');
    const res = await fetch(`${url}/api/session`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ setupNeeded: true });
    expect((await fetch(`${url}/api/connections`)).status).toBe(401);
    expect(await stop(child)).toBe(0);
  });
});

describe('konduit serve --forecast-threads', () => {
  it('refuses a count that is not a whole number from 0 to 16 (exit 2), before opening the store', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-serve-'));
    dirs.push(dir);
    const db = join(dir, 'k.duckdb');
    for (const [value, message] of [['many', '--forecast-threads must be a whole number of at least 0, got "many"'], ['-1', '--forecast-threads must be a whole number of at least 0, got "-1"'], ['17', '--forecast-threads must be at most 16, got 17']]) {
      const r = await runCli(["serve", `--forecast-threads=${value!}`, "--db", db]);
      expect([r.code, r.err]).toEqual([2, expect.stringContaining(message!)]);
    }
    expect(existsSync(db)).toBe(false);
  });

  it('serves with the pool off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-serve-'));
    dirs.push(dir);
    const { child, out } = await start(['serve', '--port', '0', '--forecast-threads', '0', '--db', join(dir, 'k.duckdb')], { KONDUIT_HOME: join(dir, 'home'), KONDUIT_ADMIN_PASSWORD: '' }, /Ctrl-C/);
    const url = /Konduit dashboard: (http:\/\/\S+)/.exec(out())?.[1];
    // An answer first: Node handles a signal sent the instant the banner is read by default (it dies).
    expect((await fetch(`${url}/api/session`)).status).toBe(401);
    expect(await stop(child)).toBe(0);
  });
});

describe('konduit demo', () => {
  it('syncs a sandbox merchant, serves it and prints the login', async () => {
    const { child, out } = await start(['demo', '--port', '0', '--customers', '150', '--months', '3'], { KONDUIT_ADMIN_PASSWORD: 'demo-test-password' }, /Ctrl-C to stop/);
    const url = /Konduit dashboard:\s+(http:\/\/\S+)/.exec(out())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(out()).toMatch(/Sign in as:\s+admin/);
    const login = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url! }, body: JSON.stringify({ username: 'admin', password: 'demo-test-password' }) });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const conn = (await (await fetch(`${url}/api/connections/demo-shop`, { headers: { cookie } })).json()) as { runs: { status: string; records: number }[]; connection: { historyFrom: string } };
    expect(conn.runs[0]).toMatchObject({ status: 'ok' });
    expect(conn.runs[0]!.records).toBeGreaterThan(100);
    expect(conn.connection.historyFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const summary = await fetch(`${url}/api/reports/summary?tz=UTC`, { headers: { cookie } });
    expect(summary.status).toBe(200);
    expect(await stop(child)).toBe(0);
  });
});
