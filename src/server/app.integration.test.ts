/**
 * The dashboard server over real HTTP against the sandbox CRM: the security rules (401 without a
 * session on every API route, CSRF, rate-limited login, cookie flags, tokens, no CRM password sent back)
 * and the connect/sync API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADER, startSandbox, type Sandbox } from '../sandbox/index.js';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { startServer, type RunningServer } from './index.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { sameOrigin } from './auth.js';
import type { ApiErrorBody } from './errors.js';

let dir: string;
let sb: Sandbox;
let store: Store;
let srv: RunningServer;
const ADMIN = 'admin-password-123';

/** Every API route the dashboard has (method, path). */
const ROUTES: [string, string][] = [
  ['GET', '/api/connections'],
  ['GET', '/api/status'],
  ['POST', '/api/connections'],
  ['POST', '/api/connections/test'],
  ['GET', '/api/connections/x'],
  ['PATCH', '/api/connections/x'],
  ['DELETE', '/api/connections/x'],
  ['POST', '/api/connections/x/sync'],
  ['GET', '/api/connections/x/sync'],
  ['POST', '/api/connections/x/sync/cancel'],
  ['GET', '/api/connections/x/runs'],
  ['GET', '/api/connections/x/events'],
  ['GET', '/api/reports/summary'],
  ['GET', '/api/reports/series'],
  ['GET', '/api/reports/cohorts'],
  ['GET', '/api/reports/triangle'],
  ['GET', '/api/reports/retention'],
  ['GET', '/api/reports/mids'],
  ['GET', '/api/tokens'],
  ['POST', '/api/tokens'],
  ['DELETE', '/api/tokens/x'],
  ['DELETE', '/api/session'],
  ['GET', '/api/no-such-route'],
];

async function signIn(password = ADMIN): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password }) });
  expect(res.status).toBe(200);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const body = (await res.json()) as { csrf: string };
  return { cookie: cookies, csrf: body.csrf };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-server-'));
  sb = await startSandbox({ seed: 'server-it', customers: 120, start: '2026-01-01', now: '2026-06-30 12:00:00' });
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  srv = await startServer({ store, statePath: join(dir, 'web.json'), locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false, syncRate: 0 });
});

afterAll(async () => {
  await srv?.close();
  await store?.close();
  await sb?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('passwords', () => {
  it('hashes with scrypt and verifies', async () => {
    const h = await hashPassword('correct horse');
    expect(h).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('wrong horse', h)).toBe(false);
  });
});

describe('sameOrigin', () => {
  it('accepts our origin and refuses others', () => {
    expect(sameOrigin({ origin: 'http://127.0.0.1:3000', host: '127.0.0.1:3000' })).toBe(true);
    expect(sameOrigin({ origin: 'http://evil.example', host: '127.0.0.1:3000' })).toBe(false);
    expect(sameOrigin({ origin: 'null', host: '127.0.0.1:3000' })).toBe(false);
    expect(sameOrigin({ fetchSite: 'cross-site', host: '127.0.0.1:3000' })).toBe(false);
    expect(sameOrigin({ referer: 'http://evil.example/x', host: '127.0.0.1:3000' })).toBe(false);
  });
});

describe('without a session', () => {
  it('every API route answers 401, the login routes excepted', async () => {
    for (const [method, path] of ROUTES) {
      const res = await fetch(`${srv.url}${path}`, { method, headers: { origin: srv.url, 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' });
      expect(res.status, `${method} ${path}`).toBe(401);
      await res.body?.cancel();
    }
  });

  it('an unknown bearer token is 401 too', async () => {
    const res = await fetch(`${srv.url}/api/reports/summary`, { headers: { authorization: 'Bearer kdt_nope' } });
    expect(res.status).toBe(401);
  });

  it('GET /api/session says whether the first-run setup is needed', async () => {
    const res = await fetch(`${srv.url}/api/session`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ setupNeeded: false });
  });

  it('setup is refused once the admin exists', async () => {
    const res = await fetch(`${srv.url}/api/setup`, { method: 'POST', headers: { origin: srv.url, 'content-type': 'application/json' }, body: JSON.stringify({ username: 'eve', password: 'long-enough-pass' }) });
    expect(res.status).toBe(409);
  });

  it('refuses a Host that is not loopback (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${srv.url}/api/session`, { headers: { host: `evil.example:${srv.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  });

  it('the web pages are served without a session (they show only the sign-in form)', async () => {
    const res = await fetch(`${srv.url}/reports/overview`);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});

describe('sessions and CSRF', () => {
  it('sets httpOnly SameSite=Strict cookies, Secure behind TLS', async () => {
    const plain = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const session = plain.headers.getSetCookie().find((c) => c.startsWith('konduit_session='));
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).not.toMatch(/Secure/i);
    const tls = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url, 'x-forwarded-proto': 'https' }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    expect(tls.headers.getSetCookie().find((c) => c.startsWith('konduit_session='))).toMatch(/Secure/);
  });

  it('refuses a state change without the CSRF header, or from another origin', async () => {
    const { cookie, csrf } = await signIn();
    const post = (headers: Record<string, string>) => fetch(`${srv.url}/api/tokens`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: '{"name":"t"}' });
    expect((await post({ origin: srv.url })).status).toBe(403);
    expect((await post({ origin: 'http://evil.example', 'x-csrf-token': csrf })).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site', 'x-csrf-token': csrf })).status).toBe(403);
    // A cross-site HTML form: text/plain body, no custom header, the attacker's Origin.
    const form = await fetch(`${srv.url}/api/tokens`, { method: 'POST', headers: { cookie, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    expect(form.status).toBe(403);
    expect((await post({ origin: srv.url, 'x-csrf-token': csrf })).status).toBe(201);
  });

  it('a login from another origin is refused', async () => {
    const res = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    expect(res.status).toBe(403);
  });

  it('limits failed sign-ins per client', async () => {
    const attempt = () => fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) });
    for (let i = 0; i < 5; i++) expect((await attempt()).status).toBe(401);
    const blocked = await attempt();
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    srv.auth.limiter.succeed('127.0.0.1');
    srv.auth.limiter.succeed('::1');
    srv.auth.limiter.succeed('::ffff:127.0.0.1');
  });
});

describe('connections, sync and tokens', () => {
  it('explains the & rule and a wrong password, saves a good connection, never returns its password', async () => {
    const { cookie, csrf } = await signIn();
    const h = { cookie, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' };
    const form = { brand: 'konnektive', loginId: sb.loginId, accountName: 'Test Shop', accountUsername: 'owner', baseUrl: sb.baseUrl };
    const amp = await fetch(`${srv.url}/api/connections`, { method: 'POST', headers: h, body: JSON.stringify({ ...form, password: 'a&b' }) });
    expect(amp.status).toBe(422);
    expect(((await amp.json()) as ApiErrorBody).error).toMatchObject({ code: 'invalid_api_password', param: 'password', message: expect.stringContaining("contains '&'") });
    const wrong = await fetch(`${srv.url}/api/connections`, { method: 'POST', headers: h, body: JSON.stringify({ ...form, password: 'not-the-password' }) });
    expect(wrong.status).toBe(422);
    const wrongBody = (await wrong.json()) as ApiErrorBody;
    expect(wrongBody.error.code).toBe('credential_test_failed');
    expect(wrongBody.error.message).toMatch(/credential test failed: the CRM rejected the API credentials/);
    expect(wrongBody.error.hint).toContain('Api User');
    const ok = await fetch(`${srv.url}/api/connections`, { method: 'POST', headers: h, body: JSON.stringify({ ...form, password: sb.password, frequency: '6h' }) });
    expect(ok.status).toBe(201);
    const list = await fetch(`${srv.url}/api/connections`, { headers: { cookie } });
    const text = await list.text();
    expect(text).toContain('test-shop');
    expect(text).not.toContain(sb.password);
    expect(text).not.toContain('password');
  });

  it('syncs a range in the background and records the run', async () => {
    const { cookie, csrf } = await signIn();
    const h = { cookie, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' };
    const start = await fetch(`${srv.url}/api/connections/test-shop/sync`, { method: 'POST', headers: h, body: JSON.stringify({ from: '2026-01-01', to: '2026-06-30' }) });
    expect(start.status).toBe(202);
    const conn = await store.getConnection('test-shop');
    await srv.syncs.settled(conn!.connectionId);
    const detail = (await (await fetch(`${srv.url}/api/connections/test-shop`, { headers: { cookie } })).json()) as { sync: { status: string; progress: { records: number } }; runs: { status: string; records: number }[]; connection: { historyFrom: string; frequency: string } };
    expect(detail.sync.status).toBe('ok');
    expect(detail.runs[0]).toMatchObject({ status: 'ok' });
    expect(detail.runs[0]!.records).toBeGreaterThan(100);
    expect(detail.connection).toMatchObject({ historyFrom: '2026-01-01', frequency: '6h' });
    // A frequency changed on the dashboard is the one `konduit sync --watch` reads from the store.
    const h2 = { cookie, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' };
    expect((await fetch(`${srv.url}/api/connections/test-shop`, { method: 'PATCH', headers: h2, body: '{"frequency":"12h"}' })).status).toBe(200);
    expect((await store.getConnection('test-shop'))?.frequency).toBe('12h');
    expect((await fetch(`${srv.url}/api/connections/test-shop`, { method: 'PATCH', headers: h2, body: '{"frequency":"6h"}' })).status).toBe(200);
    expect((await store.getConnection('test-shop'))?.frequency).toBe('6h');
  });

  it('the scheduler runs an incremental sync when the frequency says one is due', async () => {
    const { SyncManager } = await import('./syncs.js');
    const conn = (await store.getConnection('test-shop'))!;
    const sched = new SyncManager({ store, locksDir: join(dir, 'locks-sched'), rate: 0 });
    // Not due an hour after the last sync at "6h"; due seven hours after it. The scheduler's step is
    // called with those clocks, instead of waiting for its timer on the real one.
    expect(await sched.startDue(() => '6h', Date.now() + 60 * 60 * 1000)).toEqual([]);
    expect(sched.job(conn.connectionId)).toBeNull();
    const started = await sched.startDue(() => '6h', Date.now() + 7 * 60 * 60 * 1000);
    expect(started.map((j) => j.connectionId)).toEqual([conn.connectionId]);
    await sched.settled(conn.connectionId);
    expect(sched.job(conn.connectionId)).toMatchObject({ status: 'ok', mode: { kind: 'incremental' } });
    await sched.close();
    // Closed, it starts nothing more: a tick in flight at close() would otherwise start a sync nobody stops.
    expect(await sched.start(conn, { kind: 'incremental' })).toBeNull();
    expect(await sched.startDue(() => '6h', Date.now() + 7 * 60 * 60 * 1000)).toEqual([]);
  });

  it('a failed sync keeps its reason in the job and in the run history', async () => {
    const { SyncManager } = await import('./syncs.js');
    // An API user whose whitelist leaves this machine out: the CRM refuses every call, as the real one does.
    const user = { loginId: 'walled_api', password: 'walled-pass-1', ipWhitelist: ['203.0.113.9'] };
    const added = await fetch(`${sb.baseUrl}/_sandbox/users`, { method: 'POST', headers: { [ADMIN_HEADER]: sb.adminToken, 'content-type': 'application/json' }, body: JSON.stringify(user) });
    expect(added.status).toBe(200);
    const conn = await store.saveConnection({
      name: 'walled-shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: user.loginId, password: user.password, accountName: 'Walled', accountUsername: 'owner', timezone: 'America/New_York', frequency: 'daily',
    });
    const failing = new SyncManager({ store, locksDir: join(dir, 'locks-fail'), rate: 0 });
    try {
      const job = await failing.start(conn, { kind: 'backfill', from: '2026-06-01', to: '2026-06-02' });
      expect(job?.status).toBe('running');
      await failing.settled(conn.connectionId);
      expect(failing.job(conn.connectionId)).toMatchObject({ status: 'failed', error: expect.stringContaining('IP address') });
      const runs = await failing.history(conn.connectionId);
      expect(runs[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('IP address') });
    } finally {
      await failing.close();
      await store.removeConnection('walled-shop');
    }
  });

  it('API tokens work with Bearer and stop working when revoked', async () => {
    const { cookie, csrf } = await signIn();
    const created = (await (await fetch(`${srv.url}/api/tokens`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' }, body: '{"name":"ci"}' })).json()) as { token: string; id: string };
    const auth = { authorization: `Bearer ${created.token}` };
    const r = await fetch(`${srv.url}/api/reports/summary?from=2026-06-01&to=2026-06-30&tz=America/New_York`, { headers: auth });
    expect(r.status).toBe(200);
    const body = (await r.json()) as { total: { grossRevenue: { current: string } } };
    expect(body.total.grossRevenue.current).toMatch(/^\d+\.\d\d$/);
    // Tokens need no CSRF header: they are not ambient like cookies.
    expect((await fetch(`${srv.url}/api/connections/test-shop`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: '{"frequency":"daily"}' })).status).toBe(200);
    await fetch(`${srv.url}/api/tokens/${created.id}`, { method: 'DELETE', headers: auth });
    expect((await fetch(`${srv.url}/api/reports/summary`, { headers: auth })).status).toBe(401);
  });

  it('answers 400 with the reason for a bad report parameter', async () => {
    const { cookie } = await signIn();
    const r = await fetch(`${srv.url}/api/reports/summary?tz=Mars/Base`, { headers: { cookie } });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ error: { code: 'invalid_parameter', param: 'tz', message: 'tz "Mars/Base" is not valid: expected an IANA time zone name such as America/New_York or Europe/Berlin' } });
  });
});

describe('the one error shape: {error: {code, message}}', () => {
  /** GET or send a JSON body with a session; the status and the error of the answer. */
  async function ask(method: string, path: string, body?: unknown): Promise<[number, ApiErrorBody['error']]> {
    const { cookie, csrf } = await signIn();
    const res = await fetch(`${srv.url}${path}`, { method, headers: { cookie, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const json = (await res.json()) as ApiErrorBody;
    expect(Object.keys(json)).toEqual(['error']);
    expect(json.error).toEqual({ code: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String), ...(json.error.param ? { param: json.error.param } : {}), ...(json.error.hint ? { hint: json.error.hint } : {}) });
    return [res.status, json.error];
  }

  it.each(['summary', 'series', 'cohorts', 'triangle', 'retention', 'mids', 'declines', 'chargebacks'])('GET /api/reports/%s checks every parameter', async (name) => {
    const report = (query: string) => ask('GET', `/api/reports/${name}?tz=UTC&${query}`);
    // MID health, declines and chargebacks have rows of their own (per MID, per reason): no groupBy.
    const grouped = !['mids', 'declines', 'chargebacks'].includes(name);
    expect(await report('from=2026-13-01')).toEqual([400, { code: 'invalid_parameter', param: 'from', message: 'from "2026-13-01" is not valid: expected a date YYYY-MM-DD, e.g. 2026-01-31' }]);
    const [status, groupBy] = await report('groupBy=colour');
    expect([status, groupBy.code, groupBy.param]).toEqual([400, grouped ? 'invalid_parameter' : 'unknown_parameter', 'groupBy']);
    if (grouped) expect(groupBy.message).toMatch(/^groupBy "colour" is not valid: expected one of connection, campaign, product, affiliate, subaffiliate, mid/);
    expect(await report('connection=nope')).toEqual([400, { code: 'unknown_connection', param: 'connection', message: 'connection "nope" names no connection of this store: expected one of test-shop' }]);
    expect(await report('filter=connection:nope')).toEqual([400, { code: 'unknown_connection', param: 'filter', message: 'filter "connection:nope" names no connection of this store: expected one of test-shop' }]);
    expect(await report('from=2026-02-01&to=2026-01-31')).toEqual([400, { code: 'invalid_parameter', param: 'from', message: 'from "2026-02-01" is not valid: expected a date on or before to (2026-01-31)', hint: 'Swap them: from 2026-01-31 to 2026-02-01.' }]);
    const [hStatus, horizons] = await report('horizons=7,x');
    expect([hStatus, horizons.param]).toEqual([400, 'horizons']);
    // Only cohorts takes horizons; the other reports name what they take instead.
    if (name === 'cohorts') expect(horizons).toMatchObject({ code: 'invalid_parameter', message: 'horizons "7,x" is not valid: expected positive whole numbers of days up to 36600, at most 64 of them, comma-separated, e.g. 7,30,90' });
    else expect(horizons).toMatchObject({ code: 'unknown_parameter', message: expect.stringMatching(new RegExp(`^horizons does not apply to the ${name} report: expected one of from, to, tz, ${grouped ? 'groupBy, ' : ''}filter, connection`)) });
  });

  it('checks the bodies of the other routes, and names what is unknown', async () => {
    // The same checks and messages as konduit connections update and konduit sync (src/sync/inputs.ts).
    expect(await ask('PATCH', '/api/connections/test-shop', { frequency: 'weekly' })).toEqual([400, { code: 'invalid_parameter', param: 'frequency', message: 'frequency "weekly" is not valid: expected one of hourly, 6h, 12h, daily' }]);
    expect(await ask('PATCH', '/api/connections/test-shop', { historyFrom: '2026-02-30' })).toEqual([400, { code: 'invalid_parameter', param: 'historyFrom', message: 'historyFrom "2026-02-30" is not valid: expected a date YYYY-MM-DD, e.g. 2026-01-31' }]);
    expect(await ask('PATCH', '/api/connections/test-shop', { timeZone: 'Mars/Base' })).toEqual([400, { code: 'invalid_parameter', param: 'timeZone', message: 'timeZone "Mars/Base" is not valid: expected an IANA time zone name such as America/New_York or Europe/Berlin' }]);
    expect(await ask('PATCH', '/api/connections/test-shop', { baseCurrency: 'dollars' })).toEqual([400, { code: 'invalid_parameter', param: 'baseCurrency', message: 'baseCurrency "dollars" is not valid: expected an ISO 4217 currency code such as USD, CAD or MXN' }]);
    expect(await ask('PATCH', '/api/connections/test-shop', { password: '' })).toEqual([400, { code: 'invalid_parameter', param: 'password', message: "password is empty: expected the API user's password (not empty)" }]);
    expect(await ask('PATCH', '/api/connections/test-shop', { frequncy: 'daily' })).toEqual([400, { code: 'unknown_parameter', param: 'frequncy', message: 'frequncy does not apply to PATCH /api/connections/test-shop: expected one of password, frequency, timeZone, timezone, baseCurrency, historyFrom, historyTo' }]);
    expect(await ask('PATCH', '/api/connections/nope', { frequency: 'daily' })).toEqual([404, { code: 'unknown_connection', message: 'no connection named "nope"', hint: 'GET /api/connections lists them.' }]);
    expect(await ask('POST', '/api/connections/test-shop/sync', { from: '2026-01-01' })).toEqual([400, { code: 'invalid_parameter', param: 'to', message: 'to is missing: expected a date YYYY-MM-DD, e.g. 2026-01-31, with from (a history import takes both; an incremental sync neither)' }]);
    expect(await ask('POST', '/api/connections/test-shop/sync', { from: '2026-02-01', to: '2026-01-01' })).toEqual([400, { code: 'invalid_parameter', param: 'from', message: 'from "2026-02-01" is not valid: expected a date on or before to (2026-01-01)' }]);
    expect(await ask('POST', '/api/connections', { brand: 'shopify' })).toEqual([400, { code: 'invalid_parameter', param: 'brand', message: 'brand must be one of konnektive, checkoutchamp' }]);
    expect(await ask('POST', '/api/connections/test', { brand: 'konnektive', loginId: 'x' })).toEqual([400, { code: 'invalid_parameter', message: 'fill in: API password, account name, account username' }]);
    expect(await ask('POST', '/api/connections', { brand: 'konnektive', loginId: 'x', password: 'y', accountName: 'a', accountUsername: 'u', timezone: 'Mars/Base' })).toEqual([400, { code: 'invalid_parameter', param: 'timezone', message: 'timezone must be an IANA time zone, e.g. America/New_York' }]);
    expect(await ask('POST', '/api/tokens', { name: 7 })).toEqual([400, { code: 'invalid_parameter', param: 'name', message: 'name must be text' }]);
    expect((await ask('GET', '/api/connections/nope'))).toEqual([404, { code: 'unknown_connection', message: 'no connection named "nope"', hint: 'GET /api/connections lists them.' }]);
    expect((await ask('GET', '/api/reports/ltv'))[1].code).toBe('unknown_report');
    expect((await ask('GET', '/api/no-such-route'))[1].code).toBe('unknown_route');
    expect((await ask('DELETE', '/api/tokens/nope'))[1].code).toBe('unknown_token');
    const anonymous = await fetch(`${srv.url}/api/connections`);
    expect([anonymous.status, ((await anonymous.json()) as ApiErrorBody).error.code]).toEqual([401, 'not_signed_in']);
  });
});
