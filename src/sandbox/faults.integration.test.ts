/**
 * Fault injection over real sockets: the configured share of calls fails, every kind occurs, and the
 * same seed fails the same calls the same way.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from './envelope.js';
import { startSandbox, type Sandbox } from './index.js';

type Outcome = 'OK' | 'BUSY_ERROR' | 'HTTP_5XX' | 'HTTP_429' | 'RESET' | 'TRUNCATED';

/** One call with a fresh connection, classified the way a client's retry policy would see it. */
function classify(sb: Sandbox): Promise<Outcome> {
  const body = new URLSearchParams({ loginId: sb.loginId, password: sb.password, startDate: '11/01/2026', endDate: '11/02/2026' }).toString();
  const url = new URL('/transactions/query/', sb.baseUrl);
  return new Promise((resolve) => {
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', () => resolve('TRUNCATED'));
        res.on('aborted', () => resolve('TRUNCATED'));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 429) {
            expect(res.headers['retry-after']).toBe('1');
            return resolve('HTTP_429');
          }
          if ((res.statusCode ?? 0) >= 500) return resolve('HTTP_5XX');
          if (text.length < Number(res.headers['content-length'])) return resolve('TRUNCATED');
          const json = JSON.parse(text) as { result: string; message: unknown };
          resolve(json.result === 'ERROR' && json.message === MESSAGES.busy ? 'BUSY_ERROR' : 'OK');
        });
      },
    );
    // An error before any response is a reset; after the headers, the body was cut short.
    req.on('error', () => resolve(responseStarted(req) ? 'TRUNCATED' : 'RESET'));
    req.end(body);
  });
}

function responseStarted(req: ReturnType<typeof request>): boolean {
  return Boolean((req as unknown as { res?: unknown }).res);
}

/** The number of customers a customer/query call over the whole merchant reports. */
async function customersServed(sb: Sandbox): Promise<number> {
  const body = new URLSearchParams({ loginId: sb.loginId, password: sb.password, startDate: '10/01/2026', endDate: '12/31/2026' });
  const res = await fetch(new URL('/customer/query/', sb.baseUrl), { method: 'POST', body });
  return ((await res.json()) as { message: { totalResults: number } }).message.totalResults;
}

async function run(seed: string, n: number): Promise<Outcome[]> {
  const sb = await startSandbox({ seed, customers: 200, start: '2026-06-01', now: '2026-11-21 12:00:00', faultRate: 0.3 });
  try {
    const out: Outcome[] = [];
    for (let i = 0; i < n; i++) out.push(await classify(sb));
    return out;
  } finally {
    await sb.close();
  }
}

describe('fault injection', () => {
  it('fails the configured share of calls in every way, deterministically by seed', async () => {
    const a = await run('faulty', 300);
    const failed = a.filter((o) => o !== 'OK').length;
    expect(failed / a.length).toBeGreaterThan(0.22);
    expect(failed / a.length).toBeLessThan(0.38);
    for (const k of ['BUSY_ERROR', 'HTTP_5XX', 'HTTP_429', 'RESET', 'TRUNCATED'] as const) expect(a, k).toContain(k);
    expect(await run('faulty', 300)).toEqual(a);
    expect(await run('other-seed', 300)).not.toEqual(a);
  });

  it('answers with the state at arrival: its work happens within the latency, not after it', async () => {
    const sb = await startSandbox({ seed: 'slow', customers: 50, start: '2026-10-01', now: '2026-11-21 12:00:00', latencyMs: 50 });
    try {
      const before = await customersServed(sb);
      // The clock moves (new customers) while the call is pending, held after its latency: it still
      // answers as at arrival. The hold, not a sleep, says when the call has arrived.
      const hold = sb.hold(({ path }) => path === 'customer/query');
      const during = customersServed(sb);
      await hold.arrived;
      await sb.advanceDays(20);
      hold.release();
      expect(await during).toBe(before);
      expect(await customersServed(sb)).toBeGreaterThan(before);
    } finally {
      await sb.close();
    }
  });

  it('holds the answers of the calls a test selects until it releases them, and only those', async () => {
    const sb = await startSandbox({ seed: 'hold', customers: 50, start: '2026-10-01', now: '2026-11-21 12:00:00' });
    try {
      const hold = sb.hold(({ path }) => path === 'customer/query');
      let answered = false;
      const held = customersServed(sb).then((n) => ((answered = true), n));
      await hold.arrived;
      // Another endpoint answers meanwhile; the held call does not, however long that takes.
      expect(await classify(sb)).toBe('OK');
      expect(answered).toBe(false);
      expect(hold.held()).toBe(1);
      hold.release();
      expect(await held).toBeGreaterThan(0);
      // Released, the hold selects nothing more.
      expect(await customersServed(sb)).toBe(await held);
      expect(hold.held()).toBe(1);
    } finally {
      await sb.close();
    }
  });

  it('adds the configured latency to every API call', async () => {
    const sb = await startSandbox({ seed: 'slow', customers: 50, start: '2026-10-01', now: '2026-11-21 12:00:00', latencyMs: 120 });
    try {
      const t0 = performance.now();
      expect(await classify(sb)).toBe('OK');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
    } finally {
      await sb.close();
    }
  });
});
