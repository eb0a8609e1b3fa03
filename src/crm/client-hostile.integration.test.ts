/**
 * The CRM client against a hostile CRM on 127.0.0.1 (test/hostile-crm.ts), findings 13, 14 and 16 of the
 * hardening review: redirects elsewhere, errors that echo the password, unbounded answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pageOf, startHostileCrm, type HostileCrm } from '../../test/hostile-crm.js';
import { CrmClient, CrmError, insecureBaseUrlWarning } from './client.js';

const PASSWORD = 'S3cr3t pw+/=%!';
const open: HostileCrm[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

async function crm(...args: Parameters<typeof startHostileCrm>): Promise<HostileCrm> {
  const c = await startHostileCrm(...args);
  open.push(c);
  return c;
}

const client = (baseUrl: string, extra: Partial<ConstructorParameters<typeof CrmClient>[0]> = {}) =>
  new CrmClient({ baseUrl, loginId: 'api', password: PASSWORD, requestsPerSecond: 0, maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, ...extra });

describe('redirects (finding 13)', () => {
  it('refuses a redirect to another origin: the password is never sent there', async () => {
    const elsewhere = await crm(() => ({ body: pageOf([]) }));
    const first = await crm((req) => ({ status: 307, headers: { location: `${elsewhere.baseUrl}${req.path}` }, body: '' }));
    const err = (await client(first.baseUrl).fetchPage('order/query', {}, 1).catch((e: unknown) => e)) as CrmError;
    expect(err).toBeInstanceOf(CrmError);
    expect(err.message).toMatch(/order\/query: the CRM redirected the request to another origin \(http:\/\/127\.0\.0\.1:\d+\); not followed/);
    expect(elsewhere.seen).toEqual([]);
    expect(first.seen).toHaveLength(1);
  });

  it('follows a redirect within the same origin, re-sending the form', async () => {
    const c = await crm((req) => (req.path.startsWith('/v2/') ? { body: pageOf([{ orderId: 'A1' }]) } : { status: 308, headers: { location: `/v2${req.path}` }, body: '' }));
    const page = await client(c.baseUrl).fetchPage('order/query', {}, 1);
    expect(page.records).toEqual([{ orderId: 'A1' }]);
    expect(new URLSearchParams(c.seen[1]?.body).get('password')).toBe(PASSWORD);
  });

  it('warns about http:// to another machine, not to this one', () => {
    expect(insecureBaseUrlWarning('http://crm.example.com')).toMatch(/unencrypted/);
    expect(insecureBaseUrlWarning('http://10.0.0.5:8080')).toMatch(/http:\/\/10\.0\.0\.5:8080 is http/);
    for (const u of ['https://api.konnektive.com', 'http://127.0.0.1:8787', 'http://localhost:3000', 'http://[::1]:80']) expect(insecureBaseUrlWarning(u)).toBeNull();
  });
});

describe('errors that echo the request (finding 14)', () => {
  const echoes = (req: { body: string }) => [
    `Invalid request: ${req.body}`,
    `{"loginId":"api","password":"${PASSWORD}"}`,
    `user api with password ${PASSWORD} is not allowed`,
    `bad value ${encodeURIComponent(PASSWORD)} for password`,
  ];

  for (let i = 0; i < 4; i++) {
    it(`keeps the password out of a fatal CRM error (echo ${i + 1})`, async () => {
      const c = await crm((req) => ({ body: { result: 'ERROR', message: echoes(req)[i] } }));
      const err = (await client(c.baseUrl).fetchPage('order/query', {}, 1).catch((e: unknown) => e)) as CrmError;
      expect(err).toBeInstanceOf(CrmError);
      expect(err.message).not.toContain(PASSWORD);
      expect(err.message).not.toContain(encodeURIComponent(PASSWORD));
      expect(err.message).not.toContain(new URLSearchParams({ p: PASSWORD }).toString().slice(2));
      expect(err.message).toContain('********');
    });
  }

  it('keeps it out of retry reasons and of an unreadable body too', async () => {
    const reasons: string[] = [];
    const c = await crm((req) => (c.seen.length === 1 ? { body: { result: 'ERROR', message: `Database busy, try again (${req.body})` } } : { status: 200, body: `<html>echo ${req.body}</html>` }));
    const err = (await client(c.baseUrl, { maxAttempts: 2, onRetry: (r) => reasons.push(r.reason) }).fetchPage('order/query', {}, 1).catch((e: unknown) => e)) as CrmError;
    expect(reasons.join(' ')).toContain('password=********');
    expect(`${reasons.join(' ')} ${err.message}`).not.toContain(encodeURIComponent(PASSWORD).slice(0, 6));
  });
});

describe('answer size (finding 16)', () => {
  it('refuses an answer whose Content-Length passes the cap without reading it', async () => {
    const c = await crm(() => ({
      raw: (res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(150 * 1024 * 1024) });
        res.write('{"result":"SUCCESS","message":{"data":[');
        // The rest never comes: the client must not wait for it.
      },
    }));
    await expect(client(c.baseUrl).fetchPage('order/query', {}, 1)).rejects.toThrow(/order\/query: the CRM's answer is larger than 64 MiB; not read/);
  });

  it('stops reading a streamed answer once it passes the cap', async () => {
    let written = 0;
    const c = await crm(() => ({
      raw: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!res.destroyed && written < 64 * 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      },
    }));
    await expect(client(c.baseUrl, { maxResponseBytes: 1024 * 1024 }).fetchPage('order/query', {}, 1)).rejects.toThrow(/larger than 1 MiB/);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });
});
