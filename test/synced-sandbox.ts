/**
 * Test helpers: a sandbox merchant connected and synced into a store (the CRM client tuned for tests: no
 * rate limit, short retries), and GET requests of the HTTP API with a signed-in session.
 */
import { CrmClient } from '../src/crm/client.js';
import type { Sandbox } from '../src/sandbox/index.js';
import type { Connection, Store } from '../src/store/store.js';
import { runSync } from '../src/sync/run.js';

/** A CRM client of the sandbox for tests. */
export function sandboxClient(sb: Sandbox): CrmClient {
  return new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50 });
}

/** Connects the sandbox as `name` (default "shop") and backfills `from`..`today` (account days). */
export async function connectAndBackfill(store: Store, sb: Sandbox, o: { from: string; today: string; name?: string }): Promise<Connection> {
  const c = await store.saveConnection({ name: o.name ?? 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
  await runSync({ store, source: sandboxClient(sb), connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: o.today, mode: { kind: 'backfill', from: o.from, to: o.today } });
  return c;
}

/** An incremental sync of a connection of the sandbox, up to `today` (account day). */
export async function syncIncrementally(store: Store, sb: Sandbox, c: Connection, today: string): Promise<void> {
  await runSync({ store, source: sandboxClient(sb), connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today, mode: { kind: 'incremental' } });
}

/** Signs in as `admin` and returns a GET of the API answering its status and JSON body. */
export async function apiAs(url: string, password: string): Promise<(path: string) => Promise<{ status: number; body: any }>> {
  const login = await fetch(`${url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url }, body: JSON.stringify({ username: 'admin', password }) });
  const cookie = login.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
  return async (path) => {
    const res = await fetch(`${url}${path}`, { headers: { cookie } });
    return { status: res.status, body: await res.json() };
  };
}
