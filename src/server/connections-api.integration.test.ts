/**
 * The connection routes the dashboard's settings form is built on (docs/api.md, "Connections and syncs"),
 * on both engines, over real HTTP against the sandbox: a server started with another key than the one
 * its connections were saved with says `credentials: "undecryptable"` and offers exactly the two ways
 * out (PATCH a password, DELETE); PATCH changes a connection through the use case of `konduit
 * connections update`; a cancelled sync is `cancelled`, with no error.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_URL, pgSchema } from '../../test/stores.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../store/engines/postgres/postgres-store.js';
import { generateKey } from '../store/secrets.js';
import type { NewConnection, Store, StoreOptions } from '../store/store.js';
import type { ApiErrorBody } from './errors.js';
import { startServer, type RunningServer } from './index.js';

const ADMIN = 'admin-password-123';
let dir: string;
let sb: Sandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-conn-api-'));
  sb = await startSandbox({ seed: 'conn-api', customers: 60, start: '2026-01-01', now: '2026-03-31 12:00:00' });
});
afterAll(async () => {
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

const engines: { name: string; opener(): Promise<{ open(o: StoreOptions): Promise<Store>; drop(): Promise<void> }> }[] = [
  {
    name: 'duckdb',
    opener: async () => {
      const path = join(dir, `s${Date.now()}.duckdb`);
      return { open: (o) => openDuckDbStore(path, o), drop: async () => undefined };
    },
  },
  {
    name: 'postgres',
    opener: async () => {
      const { schema, drop } = await pgSchema('connapi');
      return { open: (o) => openPostgresStore(PG_URL, { ...o, schema }), drop };
    },
  },
];

describe.each(engines)('connections API ($name)', (engine) => {
  let store: Store;
  let srv: RunningServer;
  let drop: () => Promise<void>;
  let h: Record<string, string>;

  /** A request with a session; the status and the JSON body. */
  async function ask<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<[number, T]> {
    const res = await fetch(`${srv.url}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    return [res.status, (res.status === 204 ? null : await res.json()) as T];
  }

  beforeAll(async () => {
    const o = await engine.opener();
    drop = o.drop;
    // Written under key A...
    const a = await o.open({ secretKey: generateKey() });
    await a.migrate();
    const base: Omit<NewConnection, 'name'> = { brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Shop', accountUsername: 'owner', timezone: 'America/New_York', frequency: 'daily' };
    await a.saveConnection({ ...base, name: 'shop' });
    await a.saveConnection({ ...base, name: 'old-shop' });
    await a.close();
    // ...served under key B.
    store = await o.open({ secretKey: generateKey() });
    await store.migrate();
    srv = await startServer({ store, statePath: join(dir, `web-${engine.name}.json`), locksDir: join(dir, `locks-${engine.name}`), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false, syncRate: 0 });
    const res = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const cookie = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const { csrf } = (await res.json()) as { csrf: string };
    h = { cookie, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' };
  });
  afterAll(async () => {
    await srv?.close();
    await store?.close();
    await drop();
  });

  it('says undecryptable, refuses to sync with the two ways out, and a PATCHed password mends it', async () => {
    const [, list] = await ask<{ connections: { name: string; credentials: string }[] }>('GET', '/api/connections');
    expect(list.connections.map((c) => [c.name, c.credentials])).toEqual([['old-shop', 'undecryptable'], ['shop', 'undecryptable']]);
    const [status, one] = await ask<{ connection: { credentials: string } }>('GET', '/api/connections/shop');
    expect([status, one.connection.credentials]).toEqual([200, 'undecryptable']);

    const [syncStatus, refused] = await ask<ApiErrorBody>('POST', '/api/connections/shop/sync', {});
    expect([syncStatus, refused.error]).toEqual([409, {
      code: 'credentials_undecryptable', param: 'password',
      message: 'cannot decrypt the stored CRM password of "shop": this server\'s secret key differs from the one it was saved with',
      hint: 'Enter the password again (PATCH /api/connections/shop with {"password": ...}), or remove the connection (DELETE).',
    }]);

    // Settings that need no password change without it.
    const [fStatus, f] = await ask<{ connection: { frequency: string; credentials: string }; changed: string[] }>('PATCH', '/api/connections/shop', { frequency: 'hourly' });
    expect([fStatus, f.connection.frequency, f.connection.credentials, f.changed]).toEqual([200, 'hourly', 'undecryptable', ['frequency']]);

    // The CRM's rules and the CRM itself check a new password before it is saved.
    const [ampStatus, amp] = await ask<ApiErrorBody>('PATCH', '/api/connections/shop', { password: 'a&b' });
    expect([ampStatus, amp.error.code, amp.error.param]).toEqual([422, 'invalid_api_password', 'password']);
    const [wrongStatus, wrong] = await ask<ApiErrorBody>('PATCH', '/api/connections/shop', { password: 'not-the-password' });
    expect([wrongStatus, wrong.error.code]).toEqual([422, 'credential_test_failed']);
    expect(wrong.error.message).toMatch(/^the credential test failed: the CRM rejected the API credentials/);
    expect((await store.connectionInfo('shop'))?.credentials).toBe('undecryptable');

    const [okStatus, ok] = await ask<{ connection: Record<string, unknown>; changed: string[]; reimport: unknown }>('PATCH', '/api/connections/shop', { password: sb.password, timeZone: 'America/Chicago', baseCurrency: 'cad' });
    expect([okStatus, ok.changed, ok.reimport]).toEqual([200, ['password', 'timezone', 'baseCurrency'], null]);
    expect(ok.connection).toMatchObject({ name: 'shop', credentials: 'ok', timezone: 'America/Chicago', baseCurrency: 'CAD', frequency: 'hourly' });
    expect(JSON.stringify(ok)).not.toContain(sb.password);
    expect((await store.getConnection('shop'))?.password).toBe(sb.password);

    // It syncs now, against the sandbox.
    const [started] = await ask('POST', '/api/connections/shop/sync', { from: '2026-01-01', to: '2026-03-31' });
    expect(started).toBe(202);
    const id = (await store.connectionInfo('shop'))!.connectionId;
    await srv.syncs.settled(id);
    const [, after] = await ask<{ sync: { status: string; error: unknown }; runs: { status: string; records: number }[] }>('GET', '/api/connections/shop');
    expect(after.sync).toMatchObject({ status: 'ok', error: null });
    expect(after.runs[0]!.records).toBeGreaterThan(0);

    // A new zone after a sync: the answer names the range to import again.
    const [, zone] = await ask<{ reimport: { from: string; to: string } }>('PATCH', '/api/connections/shop', { timezone: 'America/New_York' });
    expect(zone.reimport).toEqual({ from: '2026-01-01', to: '2026-03-31' });
    expect(await store.coverage(id)).toMatchObject(zone.reimport);
  });

  it('DELETE removes a connection it cannot decrypt', async () => {
    const [status] = await ask('DELETE', '/api/connections/old-shop');
    expect(status).toBe(204);
    const [, list] = await ask<{ connections: { name: string }[] }>('GET', '/api/connections');
    expect(list.connections.map((c) => c.name)).toEqual(['shop']);
  });

  it('a cancelled sync is "cancelled" with no error, in the job and in the run history', async () => {
    const first = sb.requestsServed();
    const hold = sb.hold(({ n }) => n >= first + 2);
    const [started] = await ask('POST', '/api/connections/shop/sync', { from: '2026-01-01', to: '2026-03-31' });
    expect(started).toBe(202);
    await hold.arrived;
    const [cancelStatus] = await ask('POST', '/api/connections/shop/sync/cancel');
    expect(cancelStatus).toBe(202);
    hold.release();
    await srv.syncs.settled((await store.connectionInfo('shop'))!.connectionId);
    const [, job] = await ask<{ sync: { status: string; error: unknown } }>('GET', '/api/connections/shop/sync');
    expect(job.sync).toMatchObject({ status: 'cancelled', error: null });
    const [, runs] = await ask<{ runs: { status: string; error: unknown }[] }>('GET', '/api/connections/shop/runs');
    expect(runs.runs[0]).toMatchObject({ status: 'cancelled', error: null });
  });

  it('lists the data gaps the store holds after a sync, though they are kept between visits', async () => {
    await store.saveConnection({ name: 'fresh', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Fresh', accountUsername: 'owner', timezone: 'America/New_York', frequency: 'daily' });
    const id = (await store.connectionInfo('fresh'))!.connectionId;
    type Listed = { connections: { name: string; quarantined: number; attribution: { sales: number } }[] };
    type One = { connection: { quarantined: number; attribution: { sales: number } } };
    // As the list says them, and as the connection's own page does (both the same).
    const listed = async () => {
      const c = (await ask<Listed>('GET', '/api/connections'))[1].connections.find((x) => x.name === 'fresh')!;
      const one = (await ask<One>('GET', '/api/connections/fresh'))[1].connection;
      expect({ quarantined: one.quarantined, attribution: one.attribution }).toEqual({ quarantined: c.quarantined, attribution: c.attribution });
      return { quarantined: c.quarantined, attribution: c.attribution };
    };
    const stored = async () => ({ quarantined: (await store.quarantined(id)).length, attribution: await store.attributionCoverage(id) });
    expect(await listed()).toEqual({ quarantined: 0, attribution: { sales: 0, withoutProduct: 0, rebillsWithoutPurchase: 0 } });
    // The server keeps them until the connection's sync status moves: a sync moves it.
    const [started] = await ask('POST', '/api/connections/fresh/sync', { from: '2026-01-01', to: '2026-03-31' });
    expect(started).toBe(202);
    await srv.syncs.settled(id);
    const after = await stored();
    expect(after.attribution.sales).toBeGreaterThan(0);
    expect(await listed()).toEqual(after);
    expect(await listed()).toEqual(after);
    expect((await ask('DELETE', '/api/connections/fresh'))[0]).toBe(204);
  });
});
