/**
 * The sync use case against a sandbox CRM and a DuckDB store: it holds the connection's lock exactly
 * while the run is in flight, and says why it did not run (unknown connection, already syncing, not
 * backfilled, stopped before it started) with a typed error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Connection, Store } from '../store/store.js';
import { acquireLock } from './lock.js';
import { NotBackfilledError, SyncAlreadyRunningError, UnknownConnectionError, startSync, syncConnection } from './sync-connection.js';

let dir: string;
let sb: Sandbox;
let store: Store;
let conn: Connection;
let locksDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-syncuse-'));
  locksDir = join(dir, 'locks');
  sb = await startSandbox({ seed: 'sync-use', customers: 80, start: '2025-03-01', now: '2025-04-30 18:00:00' });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  conn = await store.saveConnection({
    name: 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily',
  });
});

afterAll(async () => {
  await store?.close();
  await sb?.close();
  await rm(dir, { recursive: true, force: true });
});

/** True when nobody holds the connection's lock (takes it and gives it back). */
async function unlocked(): Promise<boolean> {
  const release = await acquireLock(locksDir, conn.connectionId);
  await release?.();
  return release !== null;
}

describe('syncConnection', () => {
  it('refuses an unknown connection name', async () => {
    await expect(syncConnection({ store, connection: 'nope', mode: { kind: 'incremental' }, locksDir })).rejects.toBeInstanceOf(UnknownConnectionError);
  });

  it('refuses an incremental sync before any backfill, and gives the lock back', async () => {
    const err = await syncConnection({ store, connection: 'shop', mode: { kind: 'incremental' }, locksDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotBackfilledError);
    expect((err as Error).message).toMatch(/not been backfilled yet/);
    expect(await unlocked()).toBe(true);
  });

  it('starts nothing when the connection is being synced elsewhere', async () => {
    const release = (await acquireLock(locksDir, conn.connectionId))!;
    try {
      const err = await syncConnection({ store, connection: conn, mode: { kind: 'backfill', from: '2025-03-01', to: '2025-04-30' }, locksDir }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SyncAlreadyRunningError);
      expect((err as Error).message).toBe('"shop" is being synced by another process; skipped');
    } finally {
      await release();
    }
    expect(await store.readRows('sync_runs', conn.connectionId)).toEqual([]);
  });

  it('starts nothing when stopped before the run starts', async () => {
    const ac = new AbortController();
    ac.abort(new Error('server stopping'));
    await expect(syncConnection({ store, connection: conn, mode: { kind: 'backfill', from: '2025-03-01', to: '2025-04-30' }, locksDir, signal: ac.signal })).rejects.toThrow('server stopping');
    expect(await unlocked()).toBe(true);
    expect(await store.readRows('sync_runs', conn.connectionId)).toEqual([]);
  });

  it('holds the lock while the run is in flight, reports progress, and releases it at the end', async () => {
    // Calls after the first are held: the run is then certainly in flight.
    const first = sb.requestsServed();
    const hold = sb.hold(({ n }) => n > first);
    const seen: string[] = [];
    const started = await startSync({ store, connection: 'shop', mode: { kind: 'backfill', from: '2025-03-01', to: '2025-04-30' }, locksDir, requestsPerSecond: 0, onProgress: (p) => seen.push(p.phase) });
    expect(started.connection.connectionId).toBe(conn.connectionId);
    await hold.arrived;
    expect(await unlocked()).toBe(false);
    await expect(syncConnection({ store, connection: conn, mode: { kind: 'incremental' }, locksDir })).rejects.toBeInstanceOf(SyncAlreadyRunningError);
    hold.release();
    const r = await started.done;
    expect(r.records).toBeGreaterThan(0);
    expect(seen.at(-1)).toBe('done');
    expect(await unlocked()).toBe(true);
    // Backfilled, the connection now takes incremental syncs, with the defaults.
    const inc = await syncConnection({ store, connection: 'shop', mode: { kind: 'incremental' }, locksDir });
    expect(inc.records).toBeGreaterThanOrEqual(0);
    expect((await store.readRows('sync_runs', conn.connectionId)).map((x) => x.status)).toEqual(['ok', 'ok']);
  });
});
