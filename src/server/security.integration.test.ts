/**
 * The dashboard server against the attacks of the hardening review, over real HTTP on 127.0.0.1: each
 * test sends what the reviewer sent and checks the server now refuses it.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { generateKey } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { EMPTY, startHostileCrm } from '../../test/hostile-crm.js';
import { startServer, type RunningServer } from './index.js';

let dir: string;
let store: Store;
let srv: RunningServer;
let cookie: string;
const ADMIN = 'admin-password-123';

async function signIn(s: RunningServer, password = ADMIN): Promise<{ cookie: string; csrf: string }> {
  const res = await fetch(`${s.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url }, body: JSON.stringify({ username: 'admin', password }) });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { csrf: string };
  return { cookie: res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), csrf: body.csrf };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-security-'));
  store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: generateKey() });
  await store.migrate();
  srv = await startServer({ store, statePath: join(dir, 'web.json'), locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
  cookie = (await signIn(srv)).cookie;
});

afterAll(async () => {
  await srv?.close();
  await store?.close();
  await rm(dir, { recursive: true, force: true });
});

/** GET with the session; the status, and the JSON error's code and message. */
async function get(path: string): Promise<{ status: number; code?: string; error?: string }> {
  const res = await fetch(`${srv.url}${path}`, { headers: { cookie } });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, code: body.error?.code, error: body.error?.message };
}

describe('report parameters (findings 3, 7 and 18)', () => {
  it('finding 3: a range in year 9999 is a 400, not a heap exhausted building months', async () => {
    const r = await get('/api/reports/mids?from=9999-12-31&to=9999-12-31');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/from "9999-12-31" is not a date from 2000-01-01 to 2100-12-31/);
  });

  it('finding 3: a daily report over a century is refused, with the limit', async () => {
    const r = await get('/api/reports/series?from=2000-01-01&to=2100-12-31&by=day');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/36890 days; a report covers at most 3660 periods/);
    expect((await get('/api/reports/series?from=2000-01-01&to=2100-12-31&by=month')).status).toBe(200);
  });

  it('finding 7: 3,000 horizons, a huge horizon, thresholds or too many filter values are a 400', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => i + 1).join(',');
    const limits = /up to 36600, at most 64 of them/;
    expect(await get(`/api/reports/cohorts?by=day&horizons=${many}`)).toMatchObject({ status: 400, code: 'invalid_parameter', error: expect.stringMatching(limits) });
    expect(await get('/api/reports/cohorts?horizons=9999999')).toMatchObject({ status: 400, code: 'invalid_parameter', error: expect.stringMatching(limits) });
    expect(await get('/api/reports/cohorts?horizons=36601')).toMatchObject({ status: 400, code: 'invalid_parameter', error: expect.stringMatching(limits) });
    // MID health's thresholds are the card programs' (KONDUIT_PROGRAMS), never a query parameter.
    expect(await get(`/api/reports/mids?thresholds=${'1,'.repeat(20)}2`)).toMatchObject({ status: 400, code: 'unknown_parameter' });
    const filters = Array.from({ length: 201 }, (_, i) => `filter=affiliate:a${i}`).join('&');
    expect(await get(`/api/reports/summary?${filters}`)).toMatchObject({ status: 400, error: expect.stringMatching(/at most 200/) });
  });

  it('finding 18: groupBy=__proto__ (and other Object.prototype names) is an unknown field, a 400', async () => {
    for (const g of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      expect(await get(`/api/reports/summary?groupBy=${g}`)).toMatchObject({ status: 400, code: 'invalid_parameter', error: expect.stringContaining(`groupBy "${g}" is not valid`) });
      expect(await get(`/api/reports/summary?filter=${g}:1`)).toMatchObject({ status: 400, code: 'invalid_parameter', error: expect.stringContaining(`filter "${g}:1" is not valid`) });
    }
  });

  it('finding 18: an integer filter beyond 2^53 is a 400, not a 500', async () => {
    expect(await get('/api/reports/summary?filter=campaign:9223372036854775807')).toMatchObject({ status: 400, code: 'invalid_parameter', error: expect.stringMatching(/whole numbers/) });
    expect((await get('/api/reports/summary?filter=campaign:9007199254740991')).status).toBe(200);
  });

  it('finding 18: a malformed percent-escape is a 400, not a 500', async () => {
    for (const path of ['/reports/%E0%A4%A', '/%ZZ.js', '/assets/%']) {
      const res = await fetch(`${srv.url}${path}`);
      expect(res.status, path).toBe(400);
      await res.body?.cancel();
    }
    expect((await get('/api/reports/summary?tz=%E0%A4%A')).status).toBe(400);
  });
});

/** A server of its own (the sign-in limit is per server), closed by `dispose`. */
async function ownServer(extra: Partial<Parameters<typeof startServer>[0]> = {}): Promise<RunningServer> {
  return startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false, ...extra });
}

const wrongSignIn = (s: RunningServer, headers: Record<string, string> = {}) =>
  fetch(`${s.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url, ...headers }, body: JSON.stringify({ username: 'admin', password: 'wrong-password' }) });

describe('signing in (findings 4 and 5)', () => {
  it('finding 4: of 30 concurrent wrong sign-ins at most 5 are checked; the rest are 429 before any hashing', async () => {
    const s = await ownServer();
    try {
      const statuses = await Promise.all(Array.from({ length: 30 }, () => wrongSignIn(s).then(async (r) => (await r.body?.cancel(), r.status))));
      expect(statuses.filter((x) => x === 401).length).toBeLessThanOrEqual(5);
      expect(statuses.filter((x) => x === 429).length).toBeGreaterThanOrEqual(25);
      expect(statuses.every((x) => x === 401 || x === 429)).toBe(true);
      // The limit still holds afterwards, for the right password too.
      const after = await fetch(`${s.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: s.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
      expect(after.status).toBe(429);
    } finally {
      await s.close();
    }
  });

  it('finding 5: behind --trust-proxy the limit keys on the proxy-added (rightmost) X-Forwarded-For entry', async () => {
    const s = await ownServer({ trustProxy: true });
    try {
      // The client writes a new leftmost entry each time; the proxy appends the address it saw.
      for (let i = 0; i < 5; i++) expect((await wrongSignIn(s, { 'x-forwarded-for': `10.9.9.${i}, 203.0.113.7` })).status).toBe(401);
      expect((await wrongSignIn(s, { 'x-forwarded-for': '10.9.9.99, 203.0.113.7' })).status).toBe(429);
      expect((await wrongSignIn(s, { 'x-forwarded-for': '203.0.113.7' })).status).toBe(429);
      // Another client behind the same proxy is not blocked by the first one's failures.
      expect((await wrongSignIn(s, { 'x-forwarded-for': '203.0.113.7, 198.51.100.2' })).status).toBe(401);
    } finally {
      await s.close();
    }
  });
});

/** Sends headers and the first `first` bytes of a body, then waits for the answer while still sending (up to `max` bytes). */
function partialUpload(url: string, headers: Record<string, string | number>, first: number, max = first): Promise<{ status: number; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(url, { method: 'POST', headers }, (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, sent });
    });
    req.on('error', (err) => (answered ? undefined : reject(err)));
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const pump = () => {
      while (!answered && sent < max) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered && sent >= max) req.end();
    };
    req.write('{"username":"admin","password":"');
    sent += first;
    req.write(Buffer.alloc(first, 'a'));
    if (max > first) pump();
  });
}

describe('request bodies (finding 6)', () => {
  it('a 150 MB sign-in body is answered 413 from its Content-Length, before the body is read', async () => {
    const r = await partialUpload(`${srv.url}/api/session`, { origin: srv.url, 'content-type': 'application/json', 'content-length': 150 * 1024 * 1024 }, 1024);
    expect(r.status).toBe(413);
    expect(r.sent).toBe(1024);
  });

  it('a streamed (chunked) sign-in body is cut off once it passes the limit', async () => {
    const r = await partialUpload(`${srv.url}/api/session`, { origin: srv.url, 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, 1024, 150 * 1024 * 1024);
    expect(r.status).toBe(413);
    expect(r.sent).toBeLessThan(8 * 1024 * 1024);
  });

  it('authenticated JSON routes have a limit too', async () => {
    const { cookie: c, csrf } = await signIn(srv);
    const res = await fetch(`${srv.url}/api/tokens`, { method: 'POST', headers: { cookie: c, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x'.repeat(100_000) }) });
    expect(res.status).toBe(413);
    const ok = await fetch(`${srv.url}/api/tokens`, { method: 'POST', headers: { cookie: c, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ci' }) });
    expect(ok.status).toBe(201);
  });
});

describe('server state (finding 8)', () => {
  it('a token revoked amid many concurrent state changes stays revoked after a restart', async () => {
    const statePath = join(dir, 'race.json');
    const first = await ownServer({ statePath });
    const { cookie: c, csrf } = await signIn(first);
    const h = { cookie: c, 'x-csrf-token': csrf, origin: first.url, 'content-type': 'application/json' };
    const create = async (name: string) => (await (await fetch(`${first.url}/api/tokens`, { method: 'POST', headers: h, body: JSON.stringify({ name }) })).json()) as { token: string; id: string };
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => create(`t${i}`)));
    const victim = tokens[0]!;
    // At once: the revocation, first uses of every other token (each records lastUsedAt), new tokens.
    const [revoked] = await Promise.all([
      fetch(`${first.url}/api/tokens/${victim.id}`, { method: 'DELETE', headers: h }).then((r) => r.status),
      ...tokens.slice(1).map((t) => fetch(`${first.url}/api/tokens`, { headers: { authorization: `Bearer ${t.token}` } }).then((r) => r.status)),
      ...Array.from({ length: 10 }, (_, i) => create(`late${i}`)),
    ]);
    expect(revoked).toBe(204);
    await first.close();

    const second = await ownServer({ statePath });
    try {
      expect((await fetch(`${second.url}/api/tokens`, { headers: { authorization: `Bearer ${victim.token}` } })).status).toBe(401);
      for (const t of tokens.slice(1)) expect((await fetch(`${second.url}/api/tokens`, { headers: { authorization: `Bearer ${t.token}` } })).status).toBe(200);
      const list = (await (await fetch(`${second.url}/api/tokens`, { headers: { authorization: `Bearer ${tokens[1]!.token}` } })).json()) as { tokens: { name: string }[] };
      expect(list.tokens.map((t) => t.name).sort()).toEqual([...tokens.slice(1).map((_, i) => `t${i + 1}`), ...Array.from({ length: 10 }, (_, i) => `late${i}`)].sort());
    } finally {
      await second.close();
    }
  });
});

describe('CRM errors on the dashboard (finding 14)', () => {
  it('a CRM that echoes the request puts no password in the job or the run list', async () => {
    const password = 'Dash-board-pw+9';
    const crm = await startHostileCrm((req, form) =>
      req.path.startsWith('/transactions/query') ? { body: { result: 'ERROR', message: `Malformed query: ${form.toString()}; ${password}` } } : { body: EMPTY },
    );
    try {
      const { cookie: c, csrf } = await signIn(srv);
      const h = { cookie: c, 'x-csrf-token': csrf, origin: srv.url, 'content-type': 'application/json' };
      const made = await fetch(`${srv.url}/api/connections`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'echo', brand: 'konnektive', baseUrl: crm.baseUrl, loginId: 'api', password, accountName: 'Echo', accountUsername: 'u' }) });
      expect(made.status).toBe(201);
      expect(((await made.json()) as { connection: { warning: string | null } }).connection.warning).toBeNull();
      expect((await fetch(`${srv.url}/api/connections/echo/sync`, { method: 'POST', headers: h, body: JSON.stringify({ from: '2026-03-01', to: '2026-03-01' }) })).status).toBe(202);
      const conn = await store.getConnection('echo');
      await srv.syncs.settled(conn!.connectionId);
      const text = await (await fetch(`${srv.url}/api/connections/echo`, { headers: { cookie: c } })).text();
      const detail = JSON.parse(text) as { sync: { status: string; error: string }; runs: { status: string; error: string }[] };
      expect(detail.sync.status).toBe('failed');
      expect(detail.runs[0]?.error).toMatch(/Malformed query: loginId=api&password=\*{8}&/);
      expect(text).not.toContain(password);
      expect(text).not.toContain(encodeURIComponent(password));
    } finally {
      await crm.close();
    }
  });
});

describe('the server log (finding 17)', () => {
  it('escapes CR, LF and terminal escapes of a logged request path: one line per error, none forged', async () => {
    const broken = await openDuckDbStore(join(dir, 'broken.duckdb'), { secretKey: generateKey() });
    await broken.migrate();
    const s = await ownServer({ store: broken });
    const lines: string[] = [];
    const original = console.error;
    try {
      const { cookie: c } = await signIn(s);
      await broken.close();
      console.error = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
      const forged = 'x\r\nkonduit serve: GET /api/admin: all good\u001b[2J\u001b]0;pwned\u0007\u202e';
      const res = await fetch(`${s.url}/api/connections/${encodeURIComponent(forged)}/runs`, { headers: { cookie: c } });
      expect(res.status).toBe(500);
    } finally {
      console.error = original;
      await s.close();
    }
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(line).toMatch(/^konduit serve: GET \/api\/connections\/x\\r\\nkonduit serve.* all good\\u001b\[2J\\u001b\]0.*pwned\\u0007\\u202e\/runs: /);
  });
});
