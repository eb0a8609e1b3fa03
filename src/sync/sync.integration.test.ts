/**
 * The sync against a real sandbox CRM over HTTP (127.0.0.1): the store must end equal to the sandbox's
 * in-memory ground truth, through a backfill, an advance of the CRM clock and an incremental sync,
 * with faults injected and across crashes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../crm/client.js';
import { startSandbox, type Merchant, type Sandbox } from '../sandbox/index.js';
import pg from 'pg';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../store/engines/postgres/postgres-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { runSync, type SyncOptions } from './run.js';
import { compareToGroundTruth } from '../../test/ground-truth.js';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-sync-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  if (pgSchemas.length > 0) {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    for (const s of pgSchemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
});

const PG_URL = process.env.KONDUIT_TEST_PG ?? 'postgres://konduit:konduit@127.0.0.1:5432/konduit_test';
const pgSchemas: string[] = [];

async function freshStore(engine: 'duckdb' | 'postgres' = 'duckdb'): Promise<{ store: Store; connectionId: string }> {
  let store: Store;
  if (engine === 'postgres') {
    const schema = `ksync_${process.pid}_${++n}`;
    pgSchemas.push(schema);
    store = await openPostgresStore(PG_URL, { secretKey: generateKey(), schema });
  } else {
    store = await openDuckDbStore(join(dir, `s${++n}.duckdb`), { secretKey: generateKey() });
  }
  await store.migrate();
  const c = await store.saveConnection({
    name: 'sandbox', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily',
  });
  return { store, connectionId: c.connectionId };
}

function clientFor(sb: Sandbox, extra: Partial<ConstructorParameters<typeof CrmClient>[0]> = {}): CrmClient {
  return new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12, ...extra });
}

/** Asserts the store equals the merchant: same ids per table, same key fields, same ledger and customer facts (test/ground-truth.ts). */
async function expectEqualToGroundTruth(store: Store, connectionId: string, m: Merchant, seenAt?: number[]): Promise<void> {
  expect(await compareToGroundTruth(store, connectionId, m, { seenAt })).toEqual([]);
}

const SANDBOX = { seed: 'sync-it', customers: 1500, start: '2025-01-01', now: '2025-04-30 18:00:00', profile: 'rich' } as const;

describe('sync against the sandbox', () => {
  for (const engine of ['duckdb', 'postgres'] as const) {
    it(`backfills to the ground truth, then picks up an advanced clock incrementally, idempotently (${engine})`, async () => {
      const sb = await startSandbox({ ...SANDBOX, seed: `sync-it-${engine}` });
      try {
        const { store, connectionId } = await freshStore(engine);
        const client = clientFor(sb);
        const base: Omit<SyncOptions, 'mode'> = { store, source: client, connectionId, timezone: sb.timezone, concurrency: 8, today: '2025-04-30' };
        const r1 = await runSync({ ...base, mode: { kind: 'backfill', from: SANDBOX.start, to: '2025-04-30' } });
        expect(r1.records).toBeGreaterThan(1000);
        const first = sb.merchant.now;
        await expectEqualToGroundTruth(store, connectionId, sb.merchant);

        // Chargebacks open at the first sync and won since book their reversals (the oracle knows when).
        await sb.advanceDays(30);
        const r2 = await runSync({ ...base, mode: { kind: 'incremental' }, today: '2025-05-30' });
        expect(r2.records).toBeGreaterThan(0);
        await expectEqualToGroundTruth(store, connectionId, sb.merchant, [first, sb.merchant.now]);

        // Again: nothing new, nothing duplicated.
        await runSync({ ...base, mode: { kind: 'incremental' }, today: '2025-05-30' });
        await expectEqualToGroundTruth(store, connectionId, sb.merchant, [first, sb.merchant.now]);
        await store.close();
      } finally {
        await sb.close();
      }
    });
  }
});

describe('the end of a run', () => {
  it('brings facts and aggregates current once the ledger\'s stream is committed, while other streams are still fetched', async () => {
    const sb = await startSandbox({ ...SANDBOX, seed: 'sync-early' });
    try {
      const { store: real, connectionId } = await freshStore();
      // What the store is asked, in order: pages written (by table), refreshes, the run's completion.
      const calls: string[] = [];
      let refreshed: () => void = () => undefined;
      const store = new Proxy(real, {
        get(target, prop, receiver) {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            if (prop === 'writePages') calls.push(`write ${[...new Set((args[0] as { table: string }[]).map((w) => w.table))].join('+')}`);
            if (prop === 'refreshDirtyFacts' || prop === 'completeRun') calls.push(prop);
            if (prop === 'refreshDirtyFacts') refreshed();
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const base: Omit<SyncOptions, 'mode'> = { store, source: clientFor(sb), connectionId, timezone: sb.timezone, concurrency: 8, today: '2025-04-30' };
      const seenAt: number[] = [];
      for (const mode of [{ kind: 'backfill', from: SANDBOX.start, to: '2025-04-30' }, { kind: 'incremental' }] as const) {
        calls.length = 0;
        if (mode.kind === 'incremental') await sb.advanceDays(30);
        // The CRM holds every answer but the ledger's stream's until the refresh has been asked for: the
        // other streams are still being fetched then, whatever the machine's speed. (At most one call per
        // held stream is out at a time, its first page, so the ledger's stream keeps 3 of the 8 workers.)
        // Were the refresh left to the end of the run, the run would wait on the held calls forever and
        // the test fail on its timeout.
        const hold = sb.hold(({ path }) => path !== 'transactions/query');
        const refresh = new Promise<void>((r) => (refreshed = r));
        const run = runSync({ ...base, mode, today: mode.kind === 'backfill' ? '2025-04-30' : '2025-05-30' });
        await Promise.race([refresh, run]);
        hold.release();
        await run;
        const at = calls.indexOf('refreshDirtyFacts');
        // Once, after every ledger page and before any page of the other streams; the completion last.
        expect(calls.filter((c) => c === 'refreshDirtyFacts'), mode.kind).toHaveLength(1);
        expect(calls.slice(0, at).every((c) => c === 'write transactions'), mode.kind).toBe(true);
        expect(calls.slice(at).some((c) => /orders|customers/.test(c)), mode.kind).toBe(true);
        expect(calls.slice(at).some((c) => c.includes('transactions')), mode.kind).toBe(false);
        expect(calls.at(-1), mode.kind).toBe('completeRun');
        seenAt.push(sb.merchant.now);
        await expectEqualToGroundTruth(real, connectionId, sb.merchant, seenAt);
      }
      await real.close();
    } finally {
      await sb.close();
    }
  });
});

describe('sync under faults and crashes', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ ...SANDBOX, seed: 'sync-faults', faultRate: 0.1 });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('ends in the same state with 10% faults injected, and counts its retries', async () => {
    const { store, connectionId } = await freshStore();
    const client = clientFor(sb);
    const r = await runSync({ store, source: client, connectionId, timezone: sb.timezone, concurrency: 8, mode: { kind: 'backfill', from: SANDBOX.start, to: '2025-04-30' } });
    expect(r.retries).toBeGreaterThan(0);
    await expectEqualToGroundTruth(store, connectionId, sb.merchant);
    const runs = await store.readRows('sync_runs', connectionId);
    expect(runs[0]).toMatchObject({ status: 'ok', retries: r.retries });
    await store.close();
  });

  it('resumes after being killed mid-sync, five times, without loss or duplicates', async () => {
    const { store, connectionId } = await freshStore();
    let pagesBefore = 0;
    let interrupted = 0;
    for (let crash = 0; crash < 5; crash++) {
      const ac = new AbortController();
      const client = clientFor(sb);
      // Killed at a different moment each time: after the k-th page request of this attempt.
      const killAt = 4 + crash * 9;
      let fetched = 0;
      const source = {
        get retries() {
          return client.retries;
        },
        fetchPage: (...args: Parameters<CrmClient['fetchPage']>) => {
          if (++fetched === killAt) ac.abort(new Error('killed'));
          return client.fetchPage(...args);
        },
      };
      await runSync({
        store, source, connectionId, timezone: sb.timezone, concurrency: 4, signal: ac.signal,
        mode: { kind: 'backfill', from: SANDBOX.start, to: '2025-04-30' },
      }).then(
        () => undefined,
        (err: unknown) => {
          interrupted++;
          expect(String(err)).toMatch(/killed|cancelled/);
        },
      );
      pagesBefore += fetched;
    }
    expect(pagesBefore).toBeGreaterThan(0);
    expect(interrupted).toBeGreaterThanOrEqual(4);
    await runSync({ store, source: clientFor(sb), connectionId, timezone: sb.timezone, concurrency: 8, mode: { kind: 'backfill', from: SANDBOX.start, to: '2025-04-30' } });
    await expectEqualToGroundTruth(store, connectionId, sb.merchant);
    expect(await store.countRows('sync_pages', connectionId)).toBe(0);
    await store.close();
  });
});
