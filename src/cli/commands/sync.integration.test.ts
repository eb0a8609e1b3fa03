/**
 * The CLI end to end against a sandbox: connect, then `konduit sync` killed with SIGKILL at random
 * moments five times, then run to the end: the store equals the sandbox's ground truth. Runs the
 * built CLI (bin/konduit.js -> dist/), as a user would.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../../store/secrets.js';

const BIN = join(import.meta.dirname, '..', '..', '..', 'bin', 'konduit.js');

let dir: string;
let sb: Sandbox;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-cli-sync-'));
  sb = await startSandbox({ seed: 'cli-kill', customers: 1500, start: '2025-01-01', now: '2025-04-30 18:00:00', latencyMs: 15, profile: 'rich' });
});
afterAll(async () => {
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Runs the built CLI. With `killAfterRequests`, the sandbox answers that many more requests and holds the
 * next one, and the process is killed with SIGKILL while it waits for that answer: a moment in the middle
 * of real work, whatever the machine's speed.
 */
function konduit(args: string[], killAfterRequests?: number): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const first = sb.requestsServed();
    const hold = killAfterRequests === undefined ? null : sb.hold(({ n }) => n >= first + killAfterRequests);
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, KONDUIT_HOME: join(dir, 'home'), KONDUIT_SECRET: 'test-secret', KONDUIT_DB: join(dir, 'k.duckdb') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    void hold?.arrived.then(() => child.kill('SIGKILL'));
    child.on('exit', (code, signal) => {
      hold?.release();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('konduit connect / sync (CLI)', () => {
  it('refuses a password with & and says why; refuses bad credentials with a hint', async () => {
    const base = ['connect', '--name', 'x', '--brand', 'konnektive', '--base-url', sb.baseUrl, '--login-id', sb.loginId, '--account-name', 'A', '--account-username', 'U'];
    const amp = await konduit([...base, '--password', 'a&b']);
    expect(amp.code).toBe(1);
    expect(amp.stderr).toMatch(/'&'/);
    expect(amp.stderr).toMatch(/setup guide says: do not use an ampersand/);
    const bad = await konduit([...base, '--password', 'not-the-password']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/loginId and password/);
    expect(bad.stderr).not.toContain('not-the-password');
  });

  it('survives SIGKILL at five random moments mid-sync and ends equal to the ground truth', async () => {
    const c = await konduit(['connect', '--name', 'shop', '--brand', 'konnektive', '--base-url', sb.baseUrl, '--login-id', sb.loginId, '--password', sb.password, '--account-name', 'A', '--account-username', 'U']);
    expect(c.code, c.stderr).toBe(0);
    const list = await konduit(['connections']);
    expect(list.stdout).toContain('shop');
    expect(list.stdout).not.toContain(sb.password);

    const sync = ['sync', '--connection', 'shop', '--from', '2025-01-01', '--to', '2025-04-30', '--concurrency', '4', '--rate', '0'];
    // Each run is killed after a random 2..9 further requests: always mid-sync, since a whole sync of this
    // merchant takes far more requests than that, and each resumed run keeps what the last one committed.
    const killedAt: number[] = [];
    for (let i = 0; i < 5; i++) {
      const after = 2 + Math.floor(Math.random() * 8);
      const r = await konduit(sync, after);
      expect(r.signal, `run ${i + 1} finished before its kill after ${after} requests`).toBe('SIGKILL');
      killedAt.push(after);
    }
    expect(killedAt).toHaveLength(5);
    const done = await konduit(sync);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/done in/);
    // The list says what the data covers: its first day to the CRM's "now" at the sync, account time.
    const listed = await konduit(['connections']);
    expect(listed.stdout).toMatch(/Data \(account time\)/);
    expect(listed.stdout).toMatch(/shop .* 2025-01-01 to \d{4}-\d\d-\d\d \d\d:\d\d /);

    const store = await openDuckDbStore(join(dir, 'k.duckdb'), { secretKey: keyFromPassphrase('test-secret') });
    try {
      const conn = await store.getConnection('shop');
      expect(conn?.password).toBe(sb.password);
      const id = conn?.connectionId ?? '';
      const m = sb.merchant;
      const ids = async (t: 'customers' | 'orders' | 'transactions' | 'purchases', k: string) => (await store.readRows(t, id)).map((r) => String((r as Record<string, unknown>)[k])).sort();
      expect(await ids('customers', 'customer_id')).toEqual(m.customers.map((x) => String(x.customerId)).sort());
      expect(await ids('orders', 'order_id')).toEqual(m.orders.map((x) => x.orderId).sort());
      expect(await ids('transactions', 'transaction_id')).toEqual(m.txns.map((x) => String(x.transactionId)).sort());
      expect(await ids('purchases', 'purchase_id')).toEqual(m.purchases.map((x) => x.purchaseId).sort());
      // The ledger's total equals the merchant's, with no event lost or doubled.
      let want = 0;
      for (const x of m.txns) {
        const ok = x.response === 'SUCCESS';
        if (ok && (x.type === 'SALE' || x.type === 'CAPTURE')) want += x.amount;
        else if (ok && (x.type === 'REFUND' || (x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE'))) want -= x.amount;
        if (x.isChargedback) want -= x.chargebackAmount ?? x.amount;
      }
      const events = await store.readRows('money_events', id);
      const got = events.filter((e) => e.kind !== 'decline').reduce((s, e) => s + Number(e.amount_cents), 0);
      expect(got).toBe(want);
      expect(await store.countRows('sync_pages', id)).toBe(0);
    } finally {
      await store.close();
    }
  });
});
