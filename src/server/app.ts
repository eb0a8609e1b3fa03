/**
 * The dashboard's HTTP app (docs/api.md): the login layer, connections and syncs, reports, API tokens,
 * and the built web bundle. Everything under /api needs a session or an API token, except signing in
 * and the first-run account setup; every state change made with a session cookie passes the CSRF checks
 * of auth.ts.
 */
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { getConnInfo } from '@hono/node-server/conninfo';
import { errorMessage, KonduitError, UsageError } from '../core/errors.js';
import { isValidTimeZone } from '../core/time.js';
import { BRAND_BASE_URLS, CrmClient, CrmError, insecureBaseUrlWarning } from '../crm/client.js';
import { readCrmSide } from '../crm/summary.js';
import { parseReconcileQuery, runReconcile } from '../report/reconcile.js';
import { parseReportQuery, parseValuesQuery, REPORT_NAMES, ReportQueryError, type ReportName } from '../report/query.js';
import { listValues, runReport } from '../report/run.js';
import { listCustomers, lookupCustomer } from '../report/customer.js';
import { checkAlertRule, fractionToPpm, midAlertRuleJson } from '../report/mid-alerts.js';
import type { Programs } from '../analytics/index.js';
import type { ConnectionInfo, ConnectionSummary, CredentialsState, Store } from '../store/store.js';
import { changesOf } from '../sync/inputs.js';
import { checkNewPassword, refusePasswordProblem, testCredentials, updateConnection, type CredentialsToTest } from '../sync/update-connection.js';
import { Auth, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, sameOrigin, type Principal, type Session } from './auth.js';
import { HttpError, httpErrorOf } from './errors.js';
import { ReportCache } from './reports.js';
import { costRoutes, COSTS_BODY_LIMIT, isCostUpload } from './costs.js';
import { CONNECTION_PATCH_EXPECTED, ConnectForm, ConnectionPatch, LoginBody, readBody, readInput, SetupBody, SyncBody, SYNC_EXPECTED, TokenBody } from './schemas.js';
import type { ConnectionSettings, ServerState } from './state.js';
import { serveWeb } from './static.js';
import type { SyncJob, SyncManager, SyncStatus } from './syncs.js';
import { safeText } from '../core/mask.js';

/** Largest request body of the sign-in and setup routes, and of every other API route (bytes). */
export const AUTH_BODY_LIMIT = 4 * 1024;
export const API_BODY_LIMIT = 64 * 1024;

export interface AppOptions {
  store: Store;
  state: ServerState;
  auth: Auth;
  syncs: SyncManager;
  /** Directory of the built web bundle (index.html and assets); null serves a short notice instead. */
  webRoot: string | null;
  /** Always mark cookies Secure (the server sits behind TLS without X-Forwarded-Proto). */
  secureCookies?: boolean;
  /** Trust X-Forwarded-For / X-Forwarded-Host from a reverse proxy. */
  trustProxy?: boolean;
  /**
   * Host names the server answers to (the Host header), or null for any. On a loopback address only
   * loopback names are accepted, so a DNS-rebinding page (evil.example resolving to 127.0.0.1) cannot
   * reach the API, e.g. to create the admin account before the owner does.
   */
  allowedHosts?: string[] | null;
  /** The card programs MID health labels by (docs/metrics.md, "MID health"); default the published ones. */
  programs?: Programs;
  /** Credential test of a new connection or password (tests may swap it); default: one order/query call. */
  testCredentials?: (c: CredentialsToTest) => Promise<void>;
}

type Vars = { principal: Principal };
type Ctx = Context<{ Variables: Vars }>;

const crossSite = () => new HttpError(403, 'cross_site_request', 'cross-site request refused');

/**
 * A connection as the browser sees it: never the password. `credentials` says whether this server's key
 * opens the stored password ('undecryptable': saved under another key; PATCH a password or DELETE it).
 */
function connectionJson(c: ConnectionSummary, credentials: CredentialsState, s: ConnectionSettings | undefined): Record<string, unknown> {
  return {
    connectionId: c.connectionId,
    name: c.name,
    brand: c.brand,
    baseUrl: c.baseUrl,
    loginId: c.loginId,
    accountName: c.accountName,
    accountUsername: c.accountUsername,
    timezone: c.timezone,
    baseCurrency: c.baseCurrency,
    frequency: c.frequency,
    historyFrom: s?.historyFrom ?? null,
    historyTo: s?.historyTo ?? null,
    createdAt: c.createdAt,
    credentials,
    warning: insecureBaseUrlWarning(c.baseUrl),
  };
}

function jobJson(j: SyncJob | null): unknown {
  if (!j) return null;
  return { ...j, mode: j.mode.kind, from: j.mode.kind === 'backfill' ? j.mode.from : null, to: j.mode.kind === 'backfill' ? j.mode.to : null };
}

/** A name for a new connection from the account name: lowercase words joined by '-'. */
export function connectionName(accountName: string): string {
  return accountName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'crm';
}

/** Builds the Hono app. */
export function createApp(o: AppOptions): Hono<{ Variables: Vars }> {
  const app = new Hono<{ Variables: Vars }>();
  const test = o.testCredentials ?? testCredentials;
  const cache = new ReportCache();
  const lastRecords = new Map<string, number>();
  o.syncs.onChange((job) => {
    // New records (or a finished run) change the figures; progress ticks without records do not.
    if (job.progress.records !== lastRecords.get(job.connectionId) || job.status !== 'running') cache.clear();
    lastRecords.set(job.connectionId, job.progress.records);
  });
  // A sync run by another process (`konduit sync` on the same store) tells no listener here: each status
  // read that finds it further on (more records committed, a wider coverage) or ended drops the cached
  // answers, so the figures follow it as the dashboard's own syncs do.
  const elsewhere = new Map<string, string>();
  const statusOf = async (connectionId: string): Promise<SyncStatus> => {
    const st = await o.syncs.status(connectionId);
    const mark = st.runningIn === 'elsewhere' ? JSON.stringify([st.records, st.coverage]) : null;
    if (mark !== (elsewhere.get(connectionId) ?? null)) {
      cache.clear();
      if (mark === null) elsewhere.delete(connectionId);
      else elsewhere.set(connectionId, mark);
    }
    return st;
  };


  const isHttps = (c: Ctx) => o.secureCookies === true || c.req.header('x-forwarded-proto') === 'https' || new URL(c.req.url).protocol === 'https:';
  const clientKey = (c: Ctx) => {
    if (o.trustProxy) {
      // The rightmost entry: the one our proxy added (the address it saw). Entries to its left came with
      // the request, written by whoever sent it (docs/dashboard.md, "Security").
      const fwd = c.req.header('x-forwarded-for')?.split(',').at(-1)?.trim();
      if (fwd) return fwd;
    }
    try {
      return getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      return 'unknown';
    }
  };
  const fromOurOrigin = (c: Ctx) =>
    sameOrigin({
      origin: c.req.header('origin'),
      host: c.req.header('host'),
      forwardedHost: o.trustProxy ? c.req.header('x-forwarded-host') : undefined,
      fetchSite: c.req.header('sec-fetch-site'),
      referer: c.req.header('referer'),
    });
  const startSession = (c: Ctx, s: Session) => {
    const secure = isHttps(c);
    setCookie(c, SESSION_COOKIE, s.id, { httpOnly: true, sameSite: 'Strict', secure, path: '/' });
    // Readable by the page's script on purpose: it is the double-submit half of the CSRF check.
    setCookie(c, CSRF_COOKIE, s.csrf, { httpOnly: false, sameSite: 'Strict', secure, path: '/' });
  };

  const allowed = o.allowedHosts ? new Set(o.allowedHosts.map((h) => h.toLowerCase())) : null;
  // Security headers on every answer, the web bundle included.
  app.use('*', async (c, next) => {
    if (allowed) {
      const host = (c.req.header('host') ?? '').toLowerCase().replace(/:\d+$/, '');
      if (!allowed.has(host)) return c.json(new HttpError(421, 'wrong_host', `Konduit answers to ${[...allowed].join(', ')} only (Host: ${host || 'none'})`, { hint: 'Open it by one of those names, or start it with konduit serve --allowed-host NAME.' }).body(), 421);
    }
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Frame-Options', 'DENY');
    c.header('Content-Security-Policy', "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
    if (c.req.path.startsWith('/api/')) c.header('Cache-Control', 'no-store');
  });

  // Request bodies are bounded before anything reads them, signing in included: a JSON form is small.
  // A declared Content-Length over the limit is refused at once, a streamed body once it passes it; the
  // connection is closed so the rest of the upload is not read either.
  const limit = (maxSize: number) =>
    bodyLimit({ maxSize, onError: (c) => c.json(new HttpError(413, 'body_too_large', `the request body is larger than ${maxSize / 1024} KiB`).body(), 413, { Connection: 'close' }) });
  app.use('/api/session', limit(AUTH_BODY_LIMIT));
  app.use('/api/setup', limit(AUTH_BODY_LIMIT));
  const apiLimit = limit(API_BODY_LIMIT);
  const costsLimit = limit(COSTS_BODY_LIMIT);
  // A cost file or a table of rows may be larger than a form.
  app.use('/api/*', (c, next) => (isCostUpload(c.req.path) ? costsLimit(c, next) : apiLimit(c, next)));

  app.onError((err, c) => {
    const answer = (e: HttpError) => c.json(e.body(), e.status);
    if (err instanceof HttpError) return answer(err);
    if (err instanceof ReportQueryError) return answer(new HttpError(400, err.code, err.message, { param: err.param, ...(err.hint ? { hint: err.hint } : {}) }));
    // A coded error of the layer shared with the CLI (core/errors.ts): its status, code and field.
    if (err instanceof KonduitError && err.code) return answer(httpErrorOf(err as KonduitError & { code: NonNullable<KonduitError['code']> }));
    if (err instanceof RangeError) return answer(new HttpError(400, 'invalid_parameter', err.message));
    // A request the analytics refuse (a range too long, too many horizons): the caller's to change.
    if (err instanceof UsageError) return answer(new HttpError(400, 'invalid_parameter', err.message, err.hint ? { hint: err.hint } : {}));
    // A malformed percent-escape in the URL (the web routes decode the path with decodeURIComponent).
    if (err instanceof URIError) return answer(new HttpError(400, 'invalid_parameter', 'the URL holds a malformed percent-escape (%..)'));
    if (err instanceof KonduitError) return answer(new HttpError(422, 'invalid_input', err.message, err.hint ? { hint: err.hint } : {}));
    // The same defence as the CLI's top-level catch: no password or card-like digit run reaches the log in
    // clear, and no control character in the path or message forges a line or drives a terminal.
    console.error(`konduit serve: ${safeText(`${c.req.method} ${c.req.path}: ${errorMessage(err)}`)}`);
    return answer(new HttpError(500, 'internal_error', 'internal error; see the server log'));
  });

  // ---- Signing in (the only /api routes open without a session) ----

  app.get('/api/session', async (c) => {
    const s = o.auth.session(getCookie(c, SESSION_COOKIE));
    if (!s) return c.json({ ...new HttpError(401, 'not_signed_in', 'not signed in').body(), setupNeeded: o.auth.needsSetup() }, 401);
    return c.json({ user: s.username, csrf: s.csrf, setupNeeded: false, connections: (await o.store.listConnections()).length });
  });

  app.post('/api/setup', async (c) => {
    if (!fromOurOrigin(c)) throw crossSite();
    if (!o.auth.needsSetup()) throw new HttpError(409, 'already_set_up', 'the admin account already exists; sign in');
    const { username, password } = await readBody(c, SetupBody);
    await o.auth.setAdmin(username, password);
    const s = o.auth.newSession(username);
    startSession(c, s);
    return c.json({ user: s.username, csrf: s.csrf }, 201);
  });

  app.post('/api/session', async (c) => {
    if (!fromOurOrigin(c)) throw crossSite();
    const key = clientKey(c);
    // Reserved before the slow hash, so parallel attempts count against the limit while in flight.
    const wait = o.auth.limiter.begin(key);
    if (wait > 0) {
      c.header('Retry-After', String(Math.ceil(wait / 1000)));
      throw new HttpError(429, 'too_many_sign_ins', `too many failed sign-ins; try again in ${Math.ceil(wait / 60000)} min`);
    }
    let s: Session | null = null;
    try {
      const body = await readBody(c, LoginBody);
      s = await o.auth.login(body.username, body.password);
    } finally {
      if (s) o.auth.limiter.succeed(key);
      else o.auth.limiter.fail(key);
    }
    if (!s) throw new HttpError(401, 'wrong_login', 'wrong username or password');
    startSession(c, s);
    return c.json({ user: s.username, csrf: s.csrf });
  });

  // ---- Everything else under /api: a principal, and CSRF checks for session state changes ----

  app.use('/api/*', async (c, next) => {
    const authz = c.req.header('authorization');
    let principal: Principal | null = null;
    if (authz?.startsWith('Bearer ')) {
      const t = await o.auth.tokenFor(authz.slice(7).trim());
      if (!t) throw new HttpError(401, 'invalid_token', 'unknown or revoked API token', { hint: 'Create a token in Settings > API tokens.' });
      principal = { kind: 'token', token: t };
    } else {
      const s = o.auth.session(getCookie(c, SESSION_COOKIE));
      if (s) principal = { kind: 'session', session: s };
    }
    if (!principal) throw new HttpError(401, 'not_signed_in', 'sign in first (or send Authorization: Bearer <API token>)');
    if (principal.kind === 'session' && !['GET', 'HEAD', 'OPTIONS'].includes(c.req.method)) {
      if (!fromOurOrigin(c)) throw crossSite();
      if (!o.auth.csrfMatches(principal.session, c.req.header(CSRF_HEADER))) {
        throw new HttpError(403, 'csrf_mismatch', `missing or wrong ${CSRF_HEADER} header`, { hint: 'Send the konduit_csrf cookie\'s value in it.' });
      }
    }
    c.set('principal', principal);
    await next();
  });

  app.delete('/api/session', (c) => {
    const p = c.get('principal');
    if (p.kind === 'session') o.auth.logout(p.session.id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    deleteCookie(c, CSRF_COOKIE, { path: '/' });
    return c.body(null, 204);
  });

  // ---- API tokens ----

  app.get('/api/tokens', (c) => c.json({ tokens: o.auth.listTokens() }));
  app.post('/api/tokens', async (c) => {
    const { name } = await readBody(c, TokenBody);
    const { token, record } = await o.auth.createToken(name);
    return c.json({ token, id: record.id, name: record.name, createdAt: record.createdAt }, 201);
  });
  app.delete('/api/tokens/:id', async (c) => {
    if (!(await o.auth.revokeToken(c.req.param('id')))) throw new HttpError(404, 'unknown_token', 'no such token', { hint: 'GET /api/tokens lists them.' });
    return c.body(null, 204);
  });

  // ---- Connections ----

  const settingsOf = (id: string) => o.state.data.connections[id];
  /** A connection by name, its password left sealed (it may be undecryptable: the way out is PATCH or DELETE). */
  const mustGet = async (name: string): Promise<ConnectionInfo> => {
    const conn = await o.store.connectionInfo(name);
    if (!conn) throw new HttpError(404, 'unknown_connection', `no connection named "${name}"`, { hint: 'GET /api/connections lists them.' });
    return conn;
  };

  /** Reads a connect form: its schema, then the '&' rule (422: the CRM's rule, not a malformed request). */
  const readConnectForm = async (c: Ctx) => {
    const { name, frequency, ...f } = await readBody(c, ConnectForm);
    refusePasswordProblem(f.password);
    return { name, frequency, form: { ...f, baseUrl: f.baseUrl || BRAND_BASE_URLS[f.brand] } };
  };

  /** What a connection's data lacks: records set aside as unreadable, sales without a product, rebills without their subscription. */
  const dataGaps = async (connectionId: string) => {
    const [held, a] = await Promise.all([o.store.quarantined(connectionId), o.store.attributionCoverage(connectionId)]);
    return { quarantined: held.length, quarantineReasons: held.slice(0, 20).map((q) => ({ stream: q.stream, record: q.recordKey, reason: q.reason, attempts: q.attempts })), attribution: a };
  };

  // The data gaps scan the connection's ledger (every sale): Settings and a connection's page drew only
  // after that scan, at every visit. Only a sync changes them (its records, quarantine and attribution),
  // so they are kept until the connection's status moves (a run started, ended or stored records;
  // another process's run included) or the connection changes, and computed afresh while a sync runs.
  const gapsKept = new Map<string, { mark: string; gaps: Promise<Awaited<ReturnType<typeof dataGaps>>> }>();
  const gapsOf = (connectionId: string, st: SyncStatus) => {
    if (st.runningIn !== null) return dataGaps(connectionId);
    const mark = JSON.stringify([st.state, st.lastRun, st.lastSuccessAt, st.records, st.coverage]);
    const kept = gapsKept.get(connectionId);
    if (kept?.mark === mark) return kept.gaps;
    const gaps = dataGaps(connectionId);
    gapsKept.set(connectionId, { mark, gaps });
    gaps.catch(() => {
      if (gapsKept.get(connectionId)?.gaps === gaps) gapsKept.delete(connectionId);
    });
    return gaps;
  };

  app.get('/api/connections', async (c) => {
    const list = await o.store.listConnections();
    const connections = await Promise.all(
      list.map(async (x) => {
        const [info, status] = await Promise.all([o.store.connectionInfo(x.name), statusOf(x.connectionId)]);
        return { ...connectionJson(x, info?.credentials ?? 'ok', settingsOf(x.connectionId)), sync: jobJson(o.syncs.job(x.connectionId)), status, ...(await gapsOf(x.connectionId, status)) };
      }),
    );
    return c.json({ connections });
  });

  // What every report page shows and polls: each connection's zone, base currency and sync status, and
  // nothing that costs a scan of the ledger (the data gaps of /api/connections do).
  app.get('/api/status', async (c) => {
    const list = await o.store.listConnections();
    const connections = await Promise.all(
      list.map(async (x) => ({ name: x.name, accountName: x.accountName, timezone: x.timezone, baseCurrency: x.baseCurrency, status: await statusOf(x.connectionId) })),
    );
    return c.json({ connections });
  });

  app.post('/api/connections/test', async (c) => {
    await checkNewPassword((await readConnectForm(c)).form, test);
    return c.json({ ok: true });
  });

  app.post('/api/connections', async (c) => {
    const { name: given, frequency, form: f } = await readConnectForm(c);
    const name = given || connectionName(f.accountName);
    if (await o.store.getConnection(name)) throw new HttpError(409, 'name_taken', `a connection named "${name}" already exists`, { param: 'name', hint: 'Open it from Settings, or remove it first.' });
    await checkNewPassword(f, test);
    const saved = await o.store.saveConnection({ name, ...f, frequency: frequency ?? 'daily' });
    return c.json({ connection: connectionJson(saved, 'ok', settingsOf(saved.connectionId)) }, 201);
  });

  app.get('/api/connections/:name', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    const [status, runs] = await Promise.all([statusOf(conn.connectionId), o.syncs.history(conn.connectionId)]);
    return c.json({
      connection: { ...connectionJson(conn, conn.credentials, settingsOf(conn.connectionId)), status, ...(await gapsOf(conn.connectionId, status)) },
      sync: jobJson(o.syncs.job(conn.connectionId)),
      runs,
    });
  });

  // The changes of `konduit connections update` (one use case, src/sync/update-connection.ts: a password
  // tested and sealed with this server's key, the frequency, the account's zone and base currency, all in
  // the store), and the dashboard's own history range (its state file).
  app.patch('/api/connections/:name', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    const body = await readInput(c, ConnectionPatch, `PATCH /api/connections/${conn.name}`, CONNECTION_PATCH_EXPECTED);
    if (o.syncs.job(conn.connectionId)?.status === 'running' && (body.timeZone ?? body.timezone ?? body.baseCurrency) !== undefined) {
      throw new HttpError(409, 'sync_running', 'a sync of this connection is running; cancel it first, or wait for it to end, to change its time zone or base currency');
    }
    const updated = await updateConnection({ store: o.store, name: conn.name, changes: changesOf(body), test });
    const s: ConnectionSettings = { ...settingsOf(conn.connectionId) };
    for (const k of ['historyFrom', 'historyTo'] as const) if (body[k] !== undefined) s[k] = body[k];
    await o.state.update((d) => void (d.connections[conn.connectionId] = s));
    if (updated.changed.length > 0) {
      cache.clear();
      gapsKept.clear();
    }
    return c.json({ connection: connectionJson(updated.connection, updated.connection.credentials, s), changed: updated.changed, reimport: updated.reimport });
  });

  app.delete('/api/connections/:name', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    if (o.syncs.job(conn.connectionId)?.status === 'running') throw new HttpError(409, 'sync_running', 'a sync of this connection is running; cancel it first');
    await o.store.removeConnection(conn.name);
    cache.clear();
    gapsKept.delete(conn.connectionId);
    await o.state.update((d) => void delete d.connections[conn.connectionId]);
    return c.body(null, 204);
  });

  app.post('/api/connections/:name/sync', async (c) => {
    const info = await mustGet(c.req.param('name'));
    const { from, to } = await readInput(c, SyncBody, `POST /api/connections/${info.name}/sync`, SYNC_EXPECTED);
    if (info.credentials === 'undecryptable') {
      throw new HttpError(409, 'credentials_undecryptable', `cannot decrypt the stored CRM password of "${info.name}": this server's secret key differs from the one it was saved with`, {
        param: 'password',
        hint: `Enter the password again (PATCH /api/connections/${info.name} with {"password": ...}), or remove the connection (DELETE).`,
      });
    }
    const conn = await o.store.getConnection(info.name);
    if (!conn) throw new HttpError(404, 'unknown_connection', `no connection named "${info.name}"`, { hint: 'GET /api/connections lists them.' });
    if (from && to) {
      await o.state.update((d) => void (d.connections[conn.connectionId] = { ...d.connections[conn.connectionId], historyFrom: from, historyTo: to }));
    }
    const job = await o.syncs.start(conn, from && to ? { kind: 'backfill', from, to } : { kind: 'incremental' });
    if (!job) throw new HttpError(409, 'sync_running', 'a sync of this connection is already running');
    return c.json({ sync: jobJson(job) }, 202);
  });

  app.post('/api/connections/:name/sync/cancel', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    if (!o.syncs.cancel(conn.connectionId)) throw new HttpError(409, 'no_sync_running', 'no sync of this connection is running');
    return c.json({ ok: true }, 202);
  });

  app.get('/api/connections/:name/sync', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    return c.json({ sync: jobJson(o.syncs.job(conn.connectionId)) });
  });

  app.get('/api/connections/:name/runs', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    return c.json({ runs: await o.syncs.history(conn.connectionId) });
  });

  // Live progress as server-sent events: one "progress" event per update, and the final state.
  app.get('/api/connections/:name/events', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    return streamSSE(c, async (stream) => {
      let queue: Promise<void> = Promise.resolve();
      const send = (j: SyncJob | null) => {
        queue = queue.then(() => stream.writeSSE({ event: 'progress', data: JSON.stringify(jobJson(j)) })).catch(() => undefined);
      };
      send(o.syncs.job(conn.connectionId));
      const off = o.syncs.subscribe(conn.connectionId, send);
      await new Promise<void>((resolve) => {
        stream.onAbort(() => resolve());
        // A keep-alive comment every 15 s stops proxies from closing an idle stream.
        const ka = setInterval(() => void stream.write(': keep-alive\n\n').catch(() => undefined), 15_000);
        stream.onAbort(() => clearInterval(ka));
      });
      off();
    });
  });

  // ---- Costs and ad spend ----

  costRoutes(app, { store: o.store, mustGet, changed: () => cache.clear() });

  // ---- Reports ----

  app.get('/api/reports/:name', async (c) => {
    const name = c.req.param('name') as ReportName;
    if (!REPORT_NAMES.includes(name)) throw new HttpError(404, 'unknown_report', `no report "${name}"; reports: ${REPORT_NAMES.join(', ')}`);
    const conns = await o.store.listConnections();
    const parsed = parseReportQuery(name, c.req.queries(), { surface: 'api', connections: conns, defaultTz: 'UTC' });
    // The key is the checked query (defaults filled in, e.g. "to" = today) plus the connections it covers
    // (their names too: groups name their connection).
    const key = JSON.stringify([parsed, conns.map((x) => [x.connectionId, x.name])]);
    return c.json(await cache.get(key, async () => (await runReport(o.store, parsed, { programs: o.programs })).body));
  });

  // MID alert rules (docs/api.md): a connection's, set and removed per MID ("*": its default).
  app.get('/api/connections/:name/mid-alerts', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    return c.json({ rules: (await o.store.midAlertRules(conn.connectionId)).map((r) => midAlertRuleJson(r, conn.name)) });
  });

  app.put('/api/connections/:name/mid-alerts/:mid', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    const body: unknown = await c.req.json().catch(() => null);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'invalid_parameter', 'the body is not valid: expected {"metric", "threshold", "minCount"}');
    const b = body as Record<string, unknown>;
    const unknown = Object.keys(b).find((k) => !['metric', 'threshold', 'minCount'].includes(k));
    if (unknown) throw new HttpError(400, 'unknown_parameter', `${unknown} is not a field of an alert rule: expected metric, threshold, minCount`, { param: unknown });
    let rule: ReturnType<typeof checkAlertRule>;
    try {
      rule = checkAlertRule(
        { mid: c.req.param('mid'), metric: b.metric === undefined ? undefined : String(b.metric), thresholdPpm: fractionToPpm(b.threshold), minCount: b.minCount === undefined ? 0 : typeof b.minCount === 'number' ? b.minCount : NaN },
        (f) => f,
      );
    } catch (err) {
      const param = errorMessage(err).split(' ')[0];
      throw new HttpError(400, 'invalid_parameter', errorMessage(err), { param });
    }
    await o.store.setMidAlertRule({ connectionId: conn.connectionId, ...rule });
    cache.clear();
    const saved = (await o.store.midAlertRules(conn.connectionId)).find((r) => r.mid === rule.mid);
    return c.json({ rule: saved ? midAlertRuleJson(saved, conn.name) : null });
  });

  app.delete('/api/connections/:name/mid-alerts/:mid', async (c) => {
    const conn = await mustGet(c.req.param('name'));
    if (!(await o.store.removeMidAlertRule(conn.connectionId, c.req.param('mid')))) throw new HttpError(404, 'unknown_alert_rule', `${conn.name} has no alert rule for MID ${c.req.param('mid')}`);
    cache.clear();
    return c.body(null, 204);
  });

  // A dimension's values with their names, per connection: what the dashboard's filter pickers list.
  app.get('/api/dimensions/:dimension/values', async (c) => {
    const conns = await o.store.listConnections();
    const q = parseValuesQuery(c.req.param('dimension'), c.req.queries(), conns);
    return c.json(await cache.get(JSON.stringify(['values', q, conns.map((x) => [x.connectionId, x.name])]), () => listValues(o.store, q)));
  });

  // ---- One customer, and the customers found by id, name or e-mail (docs/api.md, "Customers") ----

  const viewerZone = (c: Ctx) => {
    const tz = c.req.query('tz') || 'UTC';
    if (!isValidTimeZone(tz)) throw new HttpError(400, 'invalid_parameter', `tz "${tz.slice(0, 60)}" is not valid: expected an IANA time zone name such as America/New_York or Europe/Berlin`, { param: 'tz' });
    return tz;
  };

  app.get('/api/customers', async (c) => {
    const limit = c.req.query('limit');
    if (limit !== undefined && !/^\d{1,3}$/.test(limit)) throw new HttpError(400, 'invalid_parameter', `limit "${limit.slice(0, 20)}" is not valid: expected a whole number from 1 to 200`, { param: 'limit' });
    const search = c.req.query('search');
    if (search !== undefined && search.length > 100) throw new HttpError(400, 'invalid_parameter', 'search is not valid: expected at most 100 characters', { param: 'search' });
    return c.json(await listCustomers(o.store, { search, connection: c.req.queries('connection'), limit: limit === undefined ? 50 : Math.min(200, Math.max(1, Number(limit))) }));
  });

  app.get('/api/customers/:connection/:id', async (c) => {
    const tz = viewerZone(c);
    return c.json(await lookupCustomer(o.store, { customerId: c.req.param('id'), connection: c.req.param('connection'), tz, flag: 'connection' }));
  });

  // ---- Reconciliation with the CRM (docs/api.md, "Reconciliation") ----

  app.get('/api/reconcile', async (c) => {
    const conns = await o.store.listConnections();
    const q = (k: string) => c.req.query(k) || undefined;
    const r = parseReconcileQuery({ from: q('from'), to: q('to'), tz: q('tz'), connection: q('connection') }, conns, { surface: 'api', defaultTz: 'UTC' });
    // The password opened (409 credentials_undecryptable when this server's key cannot).
    const conn = await o.store.getConnection(r.connection.name);
    if (!conn) throw new HttpError(404, 'unknown_connection', `no connection named "${r.connection.name}"`, { hint: 'GET /api/connections lists them.' });
    const client = new CrmClient({ baseUrl: conn.baseUrl, loginId: conn.loginId, password: conn.password, maxAttempts: 3 });
    try {
      return c.json(await runReconcile(o.store, r, (a) => readCrmSide(client, a)));
    } catch (err) {
      if (err instanceof CrmError) throw new HttpError(502, 'crm_unreachable', `the CRM did not answer: ${err.message}`, err.hint ? { hint: err.hint } : {});
      throw err;
    }
  });

  app.all('/api/*', () => {
    throw new HttpError(404, 'unknown_route', 'no such API route; see docs/api.md');
  });

  serveWeb(app, o.webRoot, { signedIn: (c) => o.auth.session(getCookie(c, SESSION_COOKIE)) !== null });
  return app;
}
