/** Test helper: a sandbox merchant saved as a connection of a store and backfilled, as `konduit sync` would. */
import { CrmClient } from '../src/crm/client.js';
import type { Sandbox } from '../src/sandbox/index.js';
import type { Connection, Store } from '../src/store/store.js';
import { runSync } from '../src/sync/run.js';

/** Saves `sb` as connection `name` and backfills it from `from` to `today` (account dates); the connection. */
export async function backfillSandbox(store: Store, sb: Sandbox, o: { from: string; today: string; name?: string }): Promise<Connection> {
  const c = await store.saveConnection({ name: o.name ?? 'sb', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
  await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: o.today, mode: { kind: 'backfill', from: o.from, to: o.today } });
  return c;
}
