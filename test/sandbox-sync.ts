/** Test helper: connects a sandbox merchant to a store and backfills its history, as `konduit sync` would. */
import { CrmClient } from '../src/crm/client.js';
import type { Sandbox } from '../src/sandbox/index.js';
import type { Store } from '../src/store/store.js';
import { runSync } from '../src/sync/run.js';

/** Saves the sandbox as connection `name` and backfills `from`..`today` (account days); returns its id. */
export async function syncSandbox(store: Store, sb: Sandbox, o: { name: string; from: string; today: string }): Promise<string> {
  const c = await store.saveConnection({ name: o.name, brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
  const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 8, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
  await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 8, today: o.today, mode: { kind: 'backfill', from: o.from, to: o.today } });
  return c.connectionId;
}
