/**
 * A connection's sync status comes from the store and the lock files, not from what this server ran:
 * a connection synced by `konduit sync` or `konduit demo` before the server started shows its last run,
 * records and coverage; a `konduit sync` running in another process (a real child process on the same
 * PostgreSQL store) shows as running there, with the records it has committed so far, and the figures
 * follow it; one killed with SIGKILL reads as interrupted, not as running forever.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../report/run.js';
import { parseReportQuery } from '../report/query.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../store/engines/postgres/postgres-store.js';
import { generateKey, keyFromPassphrase } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { syncConnection } from '../sync/sync-connection.js';
import { PG_URL } from '../../test/stores.js';
import { startServer, type RunningServer } from './index.js';
import type { SyncStatus } from './syncs.js';

const ADMIN = 'status-admin-password';
const RUNNER = new URL('../../test/run-cli.ts', import.meta.url).pathname;
const SECRET = 'status-test-secret';

let dir: string;
let sb: Sandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-status-'));
  sb = await startSandbox({ seed: 'status', customers: 1500, start: '2026-01-01', now: '2026-03-31 18:00:00' });
});
afterAll(async () => {
  await sb?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A signed-in GET of the server's API. */
async function apiGet<T>(srv: RunningServer, path: string): Promise<T> {
  const res = await fetch(`${srv.url}${path}`, { headers: { cookie: await session(srv) } });
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
const sessions = new WeakMap<RunningServer, string>();
async function session(srv: RunningServer): Promise<string> {
  const known = sessions.get(srv);
  if (known) return known;
  const res = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
  const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  sessions.set(srv, cookie);
  return cookie;
}

type StatusList = { connections: { name: string; timezone: string; baseCurrency: string; status: SyncStatus }[] };

describe('a connection synced outside the server (konduit sync, konduit demo)', () => {
  let store: Store;
  let srv: RunningServer;
  afterAll(async () => {
    await srv?.close();
    await store?.close();
  });

  it('shows its last run, its records and its coverage, never "not synced"', async () => {
    store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
    await store.migrate();
    const conn = await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Shop', accountUsername: 'o', timezone: 'America/New_York', frequency: 'daily' });
    const locksDir = join(dir, 'locks-duck');
    const result = await syncConnection({ store, connection: conn, mode: { kind: 'backfill', from: '2026-01-01', to: '2026-03-31' }, locksDir, requestsPerSecond: 0, today: '2026-03-31' });
    // The server starts afterwards: it ran nothing itself.
    srv = await startServer({ store, statePath: null, locksDir, port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
    const [run] = await store.readRows('sync_runs', conn.connectionId);
    const list = await apiGet<{ connections: { sync: unknown; status: SyncStatus }[] }>(srv, '/api/connections');
    expect(list.connections[0]?.sync).toBeNull();
    const st = list.connections[0]!.status;
    expect(st).toMatchObject({ state: 'ok', runningIn: null, records: result.records, coverage: { from: '2026-01-01', to: '2026-03-31' } });
    expect(result.records).toBeGreaterThan(1500);
    expect(st.lastRun).toMatchObject({ runId: run!.run_id, status: 'ok', mode: 'backfill', records: result.records });
    expect(st.lastSuccessAt).toBe(st.lastRun!.finishedAt);
    expect(st.coverage!.asOf).toBeGreaterThan(Date.UTC(2026, 2, 1));
    // The report pages' light list says the same, with the zone and currency they need.
    const light = await apiGet<StatusList>(srv, '/api/status');
    expect(light.connections).toEqual([{ name: 'shop', accountName: 'Shop', timezone: 'America/New_York', baseCurrency: 'USD', status: st }]);
    const detail = await apiGet<{ connection: { status: SyncStatus } }>(srv, '/api/connections/shop');
    expect(detail.connection.status).toEqual(st);
  });
});

describe('a konduit sync running in another process on the same PostgreSQL store', () => {
  const schema = `kstatus_${process.pid}`;
  let store: Store;
  let srv: RunningServer;
  let child: ChildProcess | null = null;
  const home = () => join(dir, 'home');

  beforeAll(async () => {
    store = await openPostgresStore(PG_URL, { secretKey: keyFromPassphrase(SECRET), schema });
    await store.migrate();
    await store.saveConnection({ name: 'pgshop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'PG Shop', accountUsername: 'o', timezone: 'America/New_York', frequency: 'daily' });
    // The CLI's default locks directory under KONDUIT_HOME, as `konduit serve` uses it.
    srv = await startServer({ store, statePath: null, locksDir: join(home(), 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await srv?.close();
    await store?.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  /** `konduit sync ...` in a child process against the test's schema; resolves with its exit code or signal. */
  const cliSync = (args: string[]) => {
    const db = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const p = spawn(process.execPath, ['--import', 'tsx', RUNNER, 'sync', '--connection', 'pgshop', '--db', db, '--rate', '0', ...args], {
      env: { ...process.env, KONDUIT_HOME: home(), KONDUIT_SECRET: SECRET },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = p;
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null; err: string }>((r) => p.on('exit', (code, signal) => r({ code, signal, err })));
    return { exited };
  };

  /** Reads the status list until `pred` holds (each read is a request; the test's timeout bounds the wait). */
  async function statusWhen(pred: (s: SyncStatus) => boolean): Promise<SyncStatus> {
    for (;;) {
      const st = (await apiGet<StatusList>(srv, '/api/status')).connections[0]!.status;
      if (pred(st)) return st;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const summary = async () => {
    const q = 'from=2026-01-01&to=2026-03-31&tz=America/New_York';
    return (await apiGet<{ total: { grossRevenue: { current: string } } }>(srv, `/api/reports/summary?${q}`)).total.grossRevenue.current;
  };

  it('shows it running there with the records committed so far; the figures follow it; it ends ok', async () => {
    expect((await apiGet<StatusList>(srv, '/api/status')).connections[0]!.status).toMatchObject({ state: 'never', lastRun: null, records: 0, coverage: null });
    expect(await summary()).toBe('0.00');
    // The CRM answers the sync's first calls and holds the rest, so the run is caught in the middle.
    const first = sb.requestsServed();
    const hold = sb.hold(({ n }) => n >= first + 8);
    const run = cliSync(['--from', '2026-01-01', '--to', '2026-03-31', '--concurrency', '2']);
    await hold.arrived;
    let mid = await statusWhen((s) => s.state === 'running' && s.records > 0);
    expect(mid).toMatchObject({ runningIn: 'elsewhere', lastRun: { status: 'running', mode: 'backfill' } });
    // What it has committed so far is what its stored pages hold. The run is held at the CRM, but the pages
    // it fetched before are committed in its own time, each read of the store seeing the commits made by
    // then: the status meets the pages once the run has committed them all (or the test's timeout fails it).
    const committed = async () => Number((await store.query('SELECT SUM(records) AS n FROM sync_pages'))[0]?.n ?? 0);
    while (mid.records !== (await committed())) mid = await statusWhen((s) => s.state === 'running');
    expect(mid.records).toBeGreaterThan(0);
    const during = await summary();
    hold.release();
    const end = await run.exited;
    expect(end.code, end.err).toBe(0);
    const done = await statusWhen((s) => s.state !== 'running');
    const [row] = await store.query(`SELECT records, ${store.sql.epochMs('finished_at')} AS finished FROM sync_runs`);
    expect(done).toMatchObject({ state: 'ok', runningIn: null, records: Number(row?.records), lastSuccessAt: Number(row?.finished), coverage: { from: '2026-01-01', to: '2026-03-31' } });
    expect(done.records).toBeGreaterThan(mid.records);
    // The answer cached during the run was dropped when the server saw the run end: the figures are the store's now.
    const conns = await store.listConnections();
    const direct = await runReport(store, parseReportQuery('summary', { from: '2026-01-01', to: '2026-03-31', tz: 'America/New_York' }, { surface: 'api', connections: conns, defaultTz: 'UTC' }));
    const after = await summary();
    expect(after).toBe((direct.body as { total: { grossRevenue: { current: string } } }).total.grossRevenue.current);
    expect(after).not.toBe(during);
  });

  it('one killed with SIGKILL reads as interrupted, not as running forever', async () => {
    const first = sb.requestsServed();
    const hold = sb.hold(({ n }) => n >= first + 3);
    const run = cliSync([]);
    await hold.arrived;
    await statusWhen((s) => s.state === 'running' && s.lastRun?.mode === 'incremental');
    child?.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');
    hold.release();
    const st = await statusWhen((s) => s.state !== 'running');
    expect(st).toMatchObject({ state: 'interrupted', runningIn: null, lastRun: { mode: 'incremental', status: 'interrupted' } });
    expect(st.lastRun?.error).toContain('stopped without finishing');
    // The stored row still says running (the next run of the connection marks it); the list shows what it is.
    const runs = await apiGet<{ runs: { status: string }[] }>(srv, '/api/connections/pgshop/runs');
    expect(runs.runs.map((r) => r.status)).toEqual(['interrupted', 'ok']);
  });
});
