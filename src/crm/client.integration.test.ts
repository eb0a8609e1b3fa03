/**
 * The CRM client against the sandbox over HTTP: its real error strings (whitelist, permission,
 * credentials) end in the right final errors, paging walks every record, and an empty range is empty.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADER, startSandbox, type Sandbox } from '../sandbox/index.js';
import { CrmClient, CrmError } from './client.js';

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ seed: 'crm-it', customers: 300, start: '2025-01-01', now: '2025-02-28 12:00:00' });
  for (const user of [
    { loginId: 'far_away', password: 'pw-1', ipWhitelist: ['203.0.113.7'] },
    { loginId: 'orders_only', password: 'pw-2', endpoints: ['order/query'] },
  ]) {
    const res = await fetch(`${sb.baseUrl}/_sandbox/users`, { method: 'POST', headers: { [ADMIN_HEADER]: sb.adminToken, 'content-type': 'application/json' }, body: JSON.stringify(user) });
    expect(res.status).toBe(200);
  }
});
afterAll(async () => {
  await sb.close();
});

const client = (loginId: string, password: string) => new CrmClient({ baseUrl: sb.baseUrl, loginId, password, requestsPerSecond: 0, baseDelayMs: 1, maxAttempts: 3 });
const range = { startDate: '01/01/2025', endDate: '02/28/2025' };

describe('CrmClient against the sandbox', () => {
  it('walks every page of a query', async () => {
    let n = 0;
    let pages = 0;
    for await (const p of client(sb.loginId, sb.password).pages('transactions/query', range, { perPage: 50 })) {
      n += p.records.length;
      pages++;
    }
    expect(n).toBe(sb.merchant.txns.length);
    expect(pages).toBe(Math.ceil(n / 50));
  });

  it('reads an empty range as no records', async () => {
    const p = await client(sb.loginId, sb.password).fetchPage('order/query', { startDate: '01/01/2020', endDate: '01/02/2020' }, 1);
    expect(p.records).toEqual([]);
  });

  it('fails at once with what to change in the CRM', async () => {
    const cases: [CrmClient, string, RegExp][] = [
      [client('far_away', 'pw-1'), 'ip-whitelist', /IP Whitelist/],
      [client('orders_only', 'pw-2'), 'endpoint-permission', /Query/],
      [client(sb.loginId, 'wrong-password'), 'credentials', /loginId and password/],
    ];
    for (const [c, kind, hint] of cases) {
      const err = (await c.fetchPage('transactions/query', range, 1).catch((e: unknown) => e)) as CrmError;
      expect(err).toBeInstanceOf(CrmError);
      expect(err.kind).toBe(kind);
      expect(err.hint).toMatch(hint);
      expect(c.requests).toBe(1);
    }
  });
});
