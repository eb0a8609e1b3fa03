/**
 * Reads beside writes (docs/store.md): on PostgreSQL a report's SELECT runs on a reader connection of its
 * own, not behind the store's lock, with the store connection's settings; anything else takes its turn
 * with the writes. DuckDB has one connection: every statement takes its turn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreContext } from './driver.js';
import type { Store } from './store.js';
import pg from 'pg';
import { openTestStore, PG_URL } from '../../test/stores.js';

/** The store's lock, held until the returned function is called (a write in progress, say). */
function holdLock(store: Store): { release: () => void; held: Promise<void> } {
  let release!: () => void;
  let entered!: () => void;
  const held = new Promise<void>((resolve) => (entered = resolve));
  void (store as unknown as { ctx: StoreContext }).ctx.lock.run(
    () =>
      new Promise<void>((resolve) => {
        release = resolve;
        entered();
      }),
  );
  return { release: () => release(), held };
}

/**
 * The driver calls a store's statements reach, recorded as they are made: a statement taken by the lock
 * reaches no driver method until the lock is free, and one that bypasses it reaches one at once, in the
 * same turn as the store's call (the check reads them before anything else can run).
 */
function driverCalls(store: Store): { calls: string[]; restore: () => void } {
  const db = (store as unknown as { ctx: StoreContext }).ctx.db;
  const calls: string[] = [];
  const saved = { query: db.query, read: db.read };
  db.query = (...a) => (calls.push('query'), saved.query.apply(db, a));
  if (saved.read) db.read = (...a) => (calls.push('read'), saved.read!.apply(db, a));
  return { calls, restore: () => Object.assign(db, saved) };
}

describe.each(['duckdb', 'postgres'] as const)('report reads and the store lock on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'readers'));
  });
  afterAll(async () => {
    await dispose();
  });

  it(engine === 'postgres' ? 'answers a SELECT while a write holds the lock' : 'answers a SELECT only once the write holding the lock is done', async () => {
    const lock = holdLock(store);
    await lock.held;
    const spy = driverCalls(store);
    const read = store.query('SELECT COUNT(*) AS n FROM connections');
    try {
      if (engine === 'postgres') {
        expect(spy.calls).toEqual(['read']);
        // Resolves with the lock still held (were it queued behind the lock, this would never return).
        expect(await read).toEqual([{ n: 0 }]);
      } else {
        expect(spy.calls).toEqual([]);
      }
    } finally {
      lock.release();
      spy.restore();
    }
    expect(await read).toEqual([{ n: 0 }]);
  });

  it('keeps a statement that is not a SELECT in the lock, behind the write', async () => {
    const lock = holdLock(store);
    await lock.held;
    const spy = driverCalls(store);
    const write = store.query("INSERT INTO rebuild_pending (connection_id) VALUES ('readers-test')");
    try {
      expect(spy.calls).toEqual([]);
    } finally {
      lock.release();
      spy.restore();
    }
    await write;
    expect(await store.query("SELECT connection_id FROM rebuild_pending WHERE connection_id = 'readers-test'")).toHaveLength(1);
    await store.query("DELETE FROM rebuild_pending WHERE connection_id = 'readers-test'");
  });

  if (engine === 'postgres') {
    it('reads with the store connection\'s settings, and plans without nested loops only when asked, on every reader', async () => {
      const settings = "SELECT current_setting('search_path') AS path, current_setting('TimeZone') AS tz, current_setting('jit') AS jit, current_setting('work_mem') AS mem, current_setting('enable_nestloop') AS nest";
      // Several at once, so more than one reader answers.
      const rows = (await Promise.all(Array.from({ length: 6 }, () => store.query(settings)))).flat();
      // The store's own connection's (SHOW is no SELECT: it runs there).
      const [main] = await store.query('SHOW search_path');
      expect(String(main!.search_path)).toMatch(/^kreaders_/);
      for (const r of rows) expect(r).toEqual({ path: main!.search_path, tz: 'UTC', jit: 'off', mem: '64MB', nest: 'on' });
      const planned = await Promise.all(Array.from({ length: 4 }, () => store.query(settings, [], { noNestedLoops: true })));
      for (const [r] of planned) expect(r!.nest).toBe('off');
      // SET LOCAL ended with its statement: the readers plan as before.
      for (const [r] of await Promise.all(Array.from({ length: 4 }, () => store.query(settings)))) expect(r!.nest).toBe('on');
    });

    it('reads on after the server closed its readers (a restart, an administrator): a lost reader is replaced, the read asked again', async () => {
      // Six reads at once: every reader of the store answers with its server process.
      const pids = new Set((await Promise.all(Array.from({ length: 6 }, () => store.query('SELECT pg_backend_pid() AS pid')))).map((r) => Number(r[0]!.pid)));
      expect(pids.size).toBeGreaterThan(1);
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      try {
        const killed = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM unnest($1::int[]) AS t(pid)', [[...pids]]);
        expect(killed.rows.every((r: { ok: boolean }) => r.ok)).toBe(true);
      } finally {
        await admin.end();
      }
      const after = await Promise.all(Array.from({ length: 6 }, () => store.query('SELECT pg_backend_pid() AS pid')));
      for (const [r] of after) expect(pids.has(Number(r!.pid))).toBe(false);
      // A reader lost during the read itself: each of the readers open now ends its own process when asked
      // (the server answers 57P01), so the read is asked again on the next, and at last on a new one.
      const now = [...new Set(after.map(([r]) => Number(r!.pid)))];
      const rows = await store.query('SELECT pg_terminate_backend(pg_backend_pid()) AS ended FROM (SELECT 1) x WHERE pg_backend_pid() = ANY($1::int[])', [`{${now.join(',')}}`]);
      expect(rows).toEqual([]);
      const [last] = await store.query('SELECT pg_backend_pid() AS pid');
      expect(now).not.toContain(Number(last!.pid));
    });

    it('gives a failed read its error, and the next reads their answers', async () => {
      await expect(store.query('SELECT no_such_column FROM connections')).rejects.toThrow(/no_such_column/);
      await expect(store.query('SELECT 1 / 0 AS x', [], { noNestedLoops: true })).rejects.toThrow(/division by zero/);
      expect(await store.query('SELECT 2 AS x', [], { noNestedLoops: true })).toEqual([{ x: 2 }]);
      expect(await store.query('SELECT 3 AS x')).toEqual([{ x: 3 }]);
    });
  }
});
