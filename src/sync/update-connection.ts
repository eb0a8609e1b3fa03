/**
 * Changing a saved connection: the one use case behind `konduit connections update` and
 * PATCH /api/connections/:name (docs/sync.md, "Changing a connection"). A new password is checked
 * against the CRM's rules and the CRM itself before it is saved, then sealed with the store's current
 * key, which is also how a password saved under another key is mended. The synced data is kept; when
 * the account's time zone or base currency changes, the history already synced was read with the old
 * one, and the result says which range to import again.
 */
import { errorMessage, KonduitError, EXIT_INVALID, UnknownConnectionError } from '../core/errors.js';
import { localDate } from '../core/time.js';
import { CrmClient } from '../crm/client.js';
import { apiPasswordProblem } from '../crm/credentials.js';
import type { ConnectionChanges, ConnectionInfo, Store } from '../store/store.js';

/** What a credential test needs. */
export interface CredentialsToTest {
  baseUrl: string;
  loginId: string;
  password: string;
  timezone: string;
}

/** One `order/query` call of today (account-local) with these credentials; throws the CRM's reason. */
export async function testCredentials(c: CredentialsToTest): Promise<void> {
  const client = new CrmClient({ baseUrl: c.baseUrl, loginId: c.loginId, password: c.password, maxAttempts: 2, timeoutMs: 15_000 });
  await client.testCredentials(localDate(Date.now(), c.timezone));
}

/** The CRM's rules on a password (crm/credentials.ts: not empty, no '&'), checked before any request: `invalid_api_password`. */
export function refusePasswordProblem(password: string): void {
  const problem = apiPasswordProblem(password);
  if (problem) throw new KonduitError(problem.message, EXIT_INVALID, problem.hint, { code: 'invalid_api_password', param: 'password' });
}

/**
 * A password the CRM cannot take ('&'), or one it refused: coded errors (`invalid_api_password`,
 * `credential_test_failed`) with the CRM's reason and what to change. `test` is the credential test.
 */
export async function checkNewPassword(c: CredentialsToTest, test: (c: CredentialsToTest) => Promise<void> = testCredentials): Promise<void> {
  refusePasswordProblem(c.password);
  try {
    await test(c);
  } catch (err) {
    // The endpoint prefix ("order/query: ") means nothing to the person who typed the password.
    const reason = errorMessage(err).replace(/^[a-z]+\/[a-z]+: /, '');
    const exitCode = err instanceof KonduitError ? err.exitCode : EXIT_INVALID;
    throw new KonduitError(`the credential test failed: ${reason}`, exitCode, err instanceof KonduitError ? err.hint : undefined, { code: 'credential_test_failed', param: 'password' });
  }
}

export interface UpdateConnectionOptions {
  store: Store;
  name: string;
  /** The changes, checked by ConnectionChangesInput (src/sync/inputs.ts). */
  changes: ConnectionChanges;
  /** The credential test of a new password (default: one order/query call, testCredentials). */
  test?: (c: CredentialsToTest) => Promise<void>;
}

export interface UpdateConnectionResult {
  /** The connection as saved now (never its password). */
  connection: ConnectionInfo;
  /** The fields whose value changed. */
  changed: (keyof ConnectionChanges)[];
  /**
   * The history synced so far, read with the old time zone or base currency: importing this range again
   * (a backfill) reads it with the new ones. Null when neither changed or nothing is synced.
   */
  reimport: { from: string; to: string } | null;
}

/**
 * Changes a saved connection: UnknownConnectionError when no connection has that name (before anything
 * is checked); a new password is tested with the CRM first (checkNewPassword). A password given again
 * counts as changed: it is sealed anew with the current key.
 */
export async function updateConnection(o: UpdateConnectionOptions): Promise<UpdateConnectionResult> {
  const before = await o.store.connectionInfo(o.name);
  if (!before) throw new UnknownConnectionError(o.name, 'name');
  const c = o.changes;
  if (c.password !== undefined) {
    await checkNewPassword({ baseUrl: before.baseUrl, loginId: before.loginId, password: c.password, timezone: c.timezone ?? before.timezone }, o.test);
  }
  const changed = (Object.keys(c) as (keyof ConnectionChanges)[]).filter((k) => c[k] !== undefined && (k === 'password' || c[k] !== before[k]));
  const connection = changed.length > 0 ? await o.store.updateConnection(o.name, c) : before;
  // Removed meanwhile: as unknown as it was never there.
  if (!connection) throw new UnknownConnectionError(o.name, 'name');
  const reread = changed.includes('timezone') || changed.includes('baseCurrency');
  const coverage = reread ? await o.store.coverage(before.connectionId) : null;
  return { connection, changed, reimport: coverage ? { from: coverage.from, to: coverage.to } : null };
}
