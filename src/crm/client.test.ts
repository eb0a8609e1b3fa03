import { describe, expect, it } from 'vitest';
import { CrmClient, CrmError, crmDate, hasNextPage, interpretResponse, parsePage } from './client.js';
import { RateLimiter, Semaphore } from './rate-limit.js';

type Handler = (params: URLSearchParams, url: string, init: RequestInit) => Response | Promise<Response>;

function fakeFetch(handler: Handler): { fetch: typeof fetch; calls: { url: string; params: URLSearchParams; init: RequestInit }[] } {
  const calls: { url: string; params: URLSearchParams; init: RequestInit }[] = [];
  const f = (async (url: string | URL, init?: RequestInit) => {
    const params = new URLSearchParams(String(init?.body ?? ''));
    calls.push({ url: String(url), params, init: init ?? {} });
    return handler(params, String(url), init ?? {});
  }) as typeof fetch;
  return { fetch: f, calls };
}

const json = (v: unknown, status = 200, headers: Record<string, string> = {}) => new Response(JSON.stringify(v), { status, headers });
const page = (data: unknown, totalResults: number, p: number, perPage: number) =>
  json({ result: 'SUCCESS', message: { totalResults, resultsPerPage: perPage, page: p, data } });

function client(handler: Handler, extra: Partial<ConstructorParameters<typeof CrmClient>[0]> = {}) {
  const ff = fakeFetch(handler);
  const c = new CrmClient({ baseUrl: 'http://crm.test/', loginId: 'api', password: 'S3cret-pw', fetch: ff.fetch, sleep: async () => {}, random: () => 0, requestsPerSecond: 0, ...extra });
  return { c, calls: ff.calls };
}

describe('interpretResponse / parsePage', () => {
  it('reads the envelope, the empty family and non-JSON bodies', () => {
    expect(interpretResponse(200, '{"result":"ERROR","message":"No orders matching those parameters could be found"}')).toEqual({ kind: 'empty' });
    expect(interpretResponse(200, '<html>502</html>').kind).toBe('bad-body');
    expect(interpretResponse(200, '{"result":"SUCC').kind).toBe('bad-body');
    expect(interpretResponse(503, '')).toEqual({ kind: 'http', status: 503, retryAfter: null });
    expect(interpretResponse(200, '{"result":"ERROR","message":{"shipAddress1":"is a required field"}}')).toEqual({
      kind: 'crm-error',
      message: '{"shipAddress1":"is a required field"}',
    });
  });
  it('accepts data as an object keyed by id and totals as strings', () => {
    const p = parsePage({ totalResults: '2', resultsPerPage: '25', page: '1', data: { '7': { campaignId: 7 }, '9': { campaignId: 9 } } }, 1, 25);
    expect(p.totalResults).toBe(2);
    expect(p.records).toHaveLength(2);
  });
  it('stops at the total or at a short page', () => {
    expect(hasNextPage({ page: 1, resultsPerPage: 2, totalResults: 4, records: [1, 2] }, 2)).toBe(true);
    expect(hasNextPage({ page: 2, resultsPerPage: 2, totalResults: 4, records: [1, 2] }, 2)).toBe(false);
    expect(hasNextPage({ page: 1, resultsPerPage: 2, totalResults: 9, records: [1] }, 2)).toBe(false);
  });
  it('formats dates as m/d/Y', () => {
    expect(crmDate('2025-03-07')).toBe('03/07/2025');
  });
});

describe('CrmClient', () => {
  it('POSTs credentials in a form body (never the URL) and walks pages', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ orderId: `O${i}` }));
    const { c, calls } = client((p) => {
      const n = Number(p.get('page'));
      const per = Number(p.get('resultsPerPage'));
      return page(rows.slice((n - 1) * per, n * per), rows.length, n, per);
    });
    const got: unknown[] = [];
    for await (const pg of c.pages('order/query', { startDate: '01/01/2025', endDate: '01/31/2025' }, { perPage: 2 })) got.push(...pg.records);
    expect(got).toEqual(rows);
    expect(calls).toHaveLength(3);
    expect(calls[0]?.url).toBe('http://crm.test/order/query/');
    expect(calls[0]?.url).not.toContain('S3cret');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.params.get('password')).toBe('S3cret-pw');
  });

  it('treats "No ... found" as an empty page', async () => {
    const { c } = client(() => json({ result: 'ERROR', message: 'No transactions matching those parameters could be found' }));
    const p = await c.fetchPage('transactions/query', {}, 1);
    expect(p).toEqual({ page: 1, resultsPerPage: 200, totalResults: 0, records: [] });
  });

  it('retries transient faults and counts the retries', async () => {
    let n = 0;
    const seen: string[] = [];
    const { c } = client(
      () => {
        n++;
        if (n === 1) return json({ result: 'ERROR', message: 'ERROR' });
        if (n === 2) return new Response('<html>bad gateway</html>', { status: 502 });
        if (n === 3) return new Response('{"result":"SUCC', { status: 200 });
        if (n === 4) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET', message: 'reset' } });
        return page([{ a: 1 }], 1, 1, 200);
      },
      { onRetry: (i) => seen.push(i.reason) },
    );
    const p = await c.fetchPage('order/query', {}, 1);
    expect(p.records).toEqual([{ a: 1 }]);
    expect(c.retries).toBe(4);
    expect(seen).toHaveLength(4);
  });

  it('fails at once, with a hint and without the password, on a whitelist error', async () => {
    const { c, calls } = client(() => json({ result: 'ERROR', message: 'IP must be whitelisted - 198.51.100.4' }));
    const err = await c.fetchPage('order/query', {}, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CrmError);
    expect((err as CrmError).kind).toBe('ip-whitelist');
    expect((err as CrmError).hint).toContain('198.51.100.4');
    expect(`${(err as Error).message} ${(err as CrmError).hint}`).not.toContain('S3cret');
    expect(calls).toHaveLength(1);
  });

  it('gives up after maxAttempts with an error that does not leak the password', async () => {
    const { c, calls } = client(() => new Response('', { status: 500 }), { maxAttempts: 3 });
    const err = (await c.fetchPage('order/query', {}, 1).catch((e: unknown) => e)) as CrmError;
    expect(err.kind).toBe('exhausted');
    expect(calls).toHaveLength(3);
    expect(err.message).not.toContain('S3cret');
  });

  it('times out a hung request and retries it', async () => {
    let n = 0;
    const { c } = client(
      (_p, _u, init) => {
        n++;
        if (n === 1) {
          return new Promise<Response>((_res, rej) => init.signal?.addEventListener('abort', () => rej(new DOMException('aborted', 'AbortError'))));
        }
        return page([], 0, 1, 200);
      },
      { timeoutMs: 50 },
    );
    await c.fetchPage('order/query', {}, 1);
    expect(c.retries).toBe(1);
  });

  it('stops when the caller aborts', async () => {
    const ac = new AbortController();
    let sent!: () => void;
    const inFlight = new Promise<void>((r) => (sent = r));
    const { c } = client((_p, _u, init) => {
      sent();
      return new Promise<Response>((_res, rej) => init.signal?.addEventListener('abort', () => rej(new Error('aborted'))));
    });
    const pending = c.fetchPage('order/query', {}, 1, 200, ac.signal);
    // Aborted while the request is out (not before it is sent, which a 20 ms sleep could not promise).
    await inFlight;
    ac.abort();
    await expect(pending).rejects.toMatchObject({ kind: 'cancelled' });
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    // No answer comes until three requests are out at once: the limit is reached before any slot frees.
    let full!: () => void;
    const answers = new Promise<void>((r) => (full = r));
    const { c } = client(
      async () => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        if (inFlight === 3) full();
        await answers;
        inFlight--;
        return page([], 0, 1, 200);
      },
      { concurrency: 3 },
    );
    await Promise.all(Array.from({ length: 12 }, (_, i) => c.fetchPage('order/query', {}, i + 1)));
    expect(peak).toBe(3);
  });
});

describe('limits', () => {
  it('semaphore hands slots over in order', async () => {
    const s = new Semaphore(1);
    const order: number[] = [];
    const r1 = await s.acquire();
    const p2 = s.acquire().then((r) => { order.push(2); r(); });
    const p3 = s.acquire().then((r) => { order.push(3); r(); });
    r1();
    await Promise.all([p2, p3]);
    expect(order).toEqual([2, 3]);
  });
  it('rate limiter spaces request starts', async () => {
    let t = 0;
    const waits: number[] = [];
    const rl = new RateLimiter(10, 1, () => t, async (ms) => { waits.push(ms); t += ms; });
    for (let i = 0; i < 4; i++) await rl.take();
    expect(waits).toEqual([100, 100, 100]);
  });
});
