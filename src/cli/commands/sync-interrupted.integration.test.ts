/**
 * Finding 19 of the hardening review, end to end: `konduit sync` killed with SIGKILL leaves its run
 * "running"; the next sync of the connection marks it interrupted, and `konduit connections` says so.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../../store/secrets.js';
import { runCli } from '../../../test/cli.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'konduit.js');
let dir: string;
let sb: Sandbox;
const env = { ...process.env };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-interrupted-'));
  sb = await startSandbox({ seed: 'interrupted', customers: 1000, start: '2025-01-01', now: '2025-03-31 18:00:00', latencyMs: 10 });
  Object.assign(process.env, { KONDUIT_HOME: join(dir, 'home'), KONDUIT_SECRET: 'interrupted-secret', KONDUIT_DB: join(dir, 'k.duckdb') });
});
afterAll(async () => {
  process.env = env;
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the built CLI and kills it with SIGKILL once the sandbox has served `killAfter` more requests. */
function killedSync(args: string[], killAfter: number): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env }, stdio: 'ignore' });
    const startedAt = sb.requestsServed();
    const timer = setInterval(() => {
      if (sb.requestsServed() - startedAt >= killAfter) child.kill('SIGKILL');
    }, 2);
    child.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

describe('a sync killed with kill -9', () => {
  it('is marked interrupted by the next sync of the connection, and shown so', async () => {
    const c = await runCli(['connect', '--name', 'shop', '--brand', 'konnektive', '--base-url', sb.baseUrl, '--login-id', sb.loginId, '--password', sb.password, '--account-name', 'A', '--account-username', 'U']);
    expect(c.code, c.err).toBe(0);
    const sync = ['sync', '--connection', 'shop', '--from', '2025-01-01', '--to', '2025-03-31', '--concurrency', '2', '--rate', '0'];
    expect(await killedSync(sync, 10)).toBe('SIGKILL');

    const read = async () => {
      const store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: keyFromPassphrase('interrupted-secret') });
      try {
        const conn = await store.getConnection('shop');
        return (await store.readRows('sync_runs', conn!.connectionId)).sort((x, y) => Number(x.started_at) - Number(y.started_at));
      } finally {
        await store.close();
      }
    };
    expect((await read()).map((r) => r.status)).toEqual(['running']);
    expect((await runCli(['connections'])).out).toMatch(/shop .* running \d{4}-\d\d-\d\d/);

    const done = await runCli(sync);
    expect(done.code, done.err).toBe(0);
    const runs = await read();
    expect(runs.map((r) => r.status)).toEqual(['interrupted', 'ok']);
    expect((await runCli(['connections'])).out).toMatch(/shop .* ok \d{4}-\d\d-\d\d/);
  });
});
