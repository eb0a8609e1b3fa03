/**
 * Finding 19 of the hardening review: a sync killed with kill -9 left its run "running" forever. The next
 * run of the connection (which holds its sync lock) marks it interrupted; both engines.
 */
import { describe, expect, it } from 'vitest';
import { openTestStore } from '../../test/stores.js';

describe.each(['duckdb', 'postgres'] as const)('%s: runs left running', (engine) => {
  it('become interrupted when the next run of their connection starts; other connections are untouched', async () => {
    const { store, dispose } = await openTestStore(engine, 'runs');
    try {
      const conn = (name: string) => store.saveConnection({ name, brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: 'UTC', frequency: 'daily' });
      const a = await conn('a');
      const b = await conn('b');
      await store.startRun({ runId: 'a1', connectionId: a.connectionId, mode: 'backfill', scope: 's', startedAt: 1000 });
      await store.startRun({ runId: 'b1', connectionId: b.connectionId, mode: 'backfill', scope: 's', startedAt: 1000 });
      await store.startRun({ runId: 'a2', connectionId: a.connectionId, mode: 'backfill', scope: 's', startedAt: 2000 });
      await store.finishRun('a2', { status: 'ok', finishedAt: 3000, records: 1, pages: 1, retries: 0 });
      const runs = Object.fromEntries((await store.readRows('sync_runs', a.connectionId)).map((r) => [r.run_id, r]));
      expect(runs.a1).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^interrupted: the process running this sync stopped/) });
      expect(runs.a2).toMatchObject({ status: 'ok' });
      expect((await store.readRows('sync_runs', b.connectionId))[0]).toMatchObject({ run_id: 'b1', status: 'running' });
    } finally {
      await dispose();
    }
  });
});
