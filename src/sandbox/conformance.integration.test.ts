/**
 * Conformance of the sandbox to the API (docs/crm-api.md, docs/sandbox.md) and to its own ground truth,
 * over HTTP on 127.0.0.1, on the `rich` profile, whose records carry every id these tests filter and
 * look up by (the `real` profile's shape has its own suite, profiles.integration.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instantToCrmWall } from '../core/time.js';
import { ADMIN_HEADER } from './admin.js';
import { txnById } from './generator.js';
import { MESSAGES } from './envelope.js';
import { exportGroundTruth, startSandbox, type Sandbox } from './index.js';
import { customerRecord, orderRecord, purchaseRecord, txnRecord, type ApiRecord } from './records.js';
import { sandboxApi, type Json } from '../../test/sandbox-api.js';

let sb: Sandbox;
const { call, walk, expectServedEqualsExport } = sandboxApi(() => sb);
const ZONE = 'America/New_York';
const ALL = { startDate: '01/01/2010', endDate: '12/31/2030' };

async function admin(route: string, body: unknown, method = 'POST'): Promise<Response> {
  return fetch(`${sb.baseUrl}/_sandbox/${route}`, {
    method,
    headers: { [ADMIN_HEADER]: sb.adminToken, 'content-type': 'application/json' },
    body: method === 'GET' ? undefined : JSON.stringify(body),
  });
}

beforeAll(async () => {
  sb = await startSandbox({ seed: 'conformance', customers: 1200, start: '2025-01-01', now: '2026-11-21 12:00:00', profile: 'rich' });
});
afterAll(async () => {
  await sb?.close();
});

describe('envelope and transport', () => {
  it('answers every query endpoint with the paginated envelope', async () => {
    for (const path of ['order/query', 'transactions/query', 'customer/query', 'purchase/query', 'campaign/query', 'product/query']) {
      const r = await call(path, { ...ALL });
      expect(r.result, path).toBe('SUCCESS');
      const msg = r.message;
      expect(Object.keys(msg)).toEqual(['totalResults', 'resultsPerPage', 'page', 'data', 'params', 'errors', 'sortBy', 'sortDir', 'queryArgs']);
      expect(msg.resultsPerPage).toBe(25);
      expect(msg.page).toBe(1);
      expect(msg.params).toBeNull();
      expect(msg.errors).toBeNull();
      expect(msg.sortBy).toBe('dateCreated');
      expect(msg.sortDir).toBe(1);
      expect(msg.queryArgs).toMatchObject({ page: 1, sortDir: 1, resultsPerPage: 25, sortBy: 'dateCreated', startDate: '01/01/2010', dateRangeType: 'dateCreated' });
      expect(msg.queryArgs.loginId).toBeUndefined();
      expect(msg.queryArgs.password).toBeUndefined();
    }
  });

  it('accepts GET and POST, with or without the trailing slash, body winning over the query string', async () => {
    const get = await call('order/query', { ...ALL, resultsPerPage: '3' }, { method: 'GET' });
    const post = await call('order/query', { ...ALL, resultsPerPage: '3' });
    expect(post).toEqual(get);
    const noSlash = await fetch(`${sb.baseUrl}/order/query?${new URLSearchParams({ loginId: sb.loginId, password: sb.password, ...ALL, resultsPerPage: '3' })}`);
    expect(await noSlash.json()).toEqual(get);
    const mixed = await fetch(`${sb.baseUrl}/order/query/?resultsPerPage=9&loginId=${sb.loginId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ password: sb.password, ...ALL, resultsPerPage: '3' }),
    });
    expect(await mixed.json()).toEqual(get);
  });

  it('ignores JSON bodies (clients that send that header send no parameters in it)', async () => {
    const r = await call('order/query', {}, { body: JSON.stringify({ loginId: sb.loginId, password: sb.password, ...ALL }), type: 'application/json', creds: false });
    expect(r).toEqual({ result: 'ERROR', message: MESSAGES.invalidLogin });
  });

  it('formats dates account-local, money as two decimals, ids in the CRM shapes', async () => {
    const o = (await call('order/query', { ...ALL, resultsPerPage: '50' })).message.data[0];
    const x = (await call('transactions/query', { ...ALL })).message.data[0];
    const c = (await call('customer/query', { ...ALL })).message.data[0];
    const p = (await call('purchase/query', { ...ALL })).message.data[0];
    for (const r of [o, x, c, p]) {
      expect(r.dateCreated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expect(r.dateUpdated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    }
    expect(o.orderId).toMatch(/^[0-9A-F]{10}$/);
    expect(p.purchaseId).toMatch(/^[0-9A-F]{10}$/);
    expect(Number.isInteger(x.transactionId)).toBe(true);
    expect(Number.isInteger(c.customerId)).toBe(true);
    expect(o.totalAmount).toMatch(/^\d+\.\d{2}$/);
    expect(x.totalAmount).toMatch(/^\d+\.\d{2}$/);
    expect(p.price).toMatch(/^\d+\.\d{2}$/);
    expect(p.nextBillDate === null || /^\d{4}-\d{2}-\d{2}$/.test(p.nextBillDate)).toBe(true);
    const item = Object.values(o.items as Record<string, Record<string, unknown>>)[0]!;
    expect(typeof item.qty).toBe('string');
  });
});

describe('errors', () => {
  it('answers an empty result with the exact "No ... matching" string per endpoint', async () => {
    const empty = { startDate: '01/01/2010', endDate: '01/02/2010' };
    expect(await call('order/query', empty)).toEqual({ result: 'ERROR', message: 'No orders matching those parameters could be found' });
    expect(await call('transactions/query', empty)).toEqual({ result: 'ERROR', message: 'No transactions matching those parameters could be found' });
    expect(await call('customer/query', empty)).toEqual({ result: 'ERROR', message: 'No customers matching those parameters could be found' });
    expect(await call('purchase/query', empty)).toEqual({ result: 'ERROR', message: 'No purchases matching those parameters could be found' });
    expect(await call('campaign/query', { campaignId: '999' })).toEqual({ result: 'ERROR', message: 'No campaigns matching those parameters could be found' });
    expect(await call('product/query', { productId: '1' })).toEqual({ result: 'ERROR', message: 'No products matching those parameters could be found' });
    expect(await call('order/query', { orderId: 'ZZZZZZZZZZ' })).toEqual({ result: 'ERROR', message: 'No orders matching those parameters could be found' });
  });

  it('requires a date range unless an id is given, and rejects bad dates and values', async () => {
    for (const path of ['order/query', 'transactions/query', 'customer/query', 'purchase/query']) {
      expect(await call(path, {})).toEqual({ result: 'ERROR', message: MESSAGES.dateRangeRequired });
      expect(await call(path, { startDate: '01/01/2026' })).toEqual({ result: 'ERROR', message: MESSAGES.dateRangeRequired });
    }
    expect((await call('campaign/query', {})).result).toBe('SUCCESS');
    expect((await call('product/query', {})).result).toBe('SUCCESS');
    expect(await call('order/query', { startDate: 'someday', endDate: '01/01/2026' })).toEqual({ result: 'ERROR', message: 'Invalid startDate: someday' });
    expect(await call('order/query', { startDate: '01/01/2026', endDate: '02/30/2026' })).toEqual({ result: 'ERROR', message: 'Invalid endDate: 02/30/2026' });
    expect(await call('transactions/query', { ...ALL, txnType: 'CHARGEBACK' })).toEqual({ result: 'ERROR', message: 'Invalid value for txnType: CHARGEBACK' });
    expect(await call('order/query', { ...ALL, dateRangeType: 'mostRecentActivity' })).toEqual({ result: 'ERROR', message: 'Invalid value for dateRangeType: mostRecentActivity' });
    expect(await call('customer/history', { ...ALL })).toEqual({ result: 'ERROR', message: MESSAGES.historyNeedsCustomer });
    expect(await call('order/nothing', { ...ALL })).toEqual({ result: 'ERROR', message: MESSAGES.unknownEndpoint });
  });
});

describe('auth, IP whitelist and permissions', () => {
  it('rejects missing or wrong credentials', async () => {
    expect(await call('order/query', { ...ALL }, { creds: false })).toEqual({ result: 'ERROR', message: 'Invalid login credentials' });
    expect(await call('order/query', { ...ALL, password: 'wrong' })).toEqual({ result: 'ERROR', message: 'Invalid login credentials' });
    expect(await call('order/query', { ...ALL, loginId: 'nobody' })).toEqual({ result: 'ERROR', message: 'Invalid login credentials' });
  });

  it('names the caller in the IP whitelist error, and honours provider keywords', async () => {
    expect((await admin('users', { loginId: 'far', password: 'pw-far', ipWhitelist: ['203.0.113.7'] })).status).toBe(200);
    expect(await call('order/query', { ...ALL, loginId: 'far', password: 'pw-far' })).toEqual({ result: 'ERROR', message: 'IP must be whitelisted - 127.0.0.1' });
    await admin('users', { loginId: 'cloud', password: 'pw-cloud', ipWhitelist: 'GOOGLE,AWS' });
    expect((await call('order/query', { ...ALL, loginId: 'cloud', password: 'pw-cloud' })).message).toBe('IP must be whitelisted - 127.0.0.1');
    await admin('users', { loginId: 'local', password: 'pw-local', ipWhitelist: ['127.0.0.0/8'] });
    expect((await call('order/query', { ...ALL, loginId: 'local', password: 'pw-local' })).result).toBe('SUCCESS');
  });

  it('refuses endpoints the user was not granted', async () => {
    await admin('users', { loginId: 'orders-only', password: 'pw-o', endpoints: ['order/query'] });
    const creds = { loginId: 'orders-only', password: 'pw-o' };
    expect((await call('order/query', { ...ALL, ...creds })).result).toBe('SUCCESS');
    for (const path of ['transactions/query', 'customer/query', 'purchase/query', 'campaign/query', 'product/query', 'customer/history']) {
      expect(await call(path, { ...ALL, ...creds, customerId: '1001' }), path).toEqual({ result: 'ERROR', message: 'API user does not have access to this endpoint' });
    }
  });

  it('guards the admin endpoints with their own token, and refuses passwords with &', async () => {
    const res = await fetch(`${sb.baseUrl}/_sandbox/state`);
    expect(res.status).toBe(401);
    expect((await admin('users', { loginId: 'amp', password: 'a&b' })).status).toBe(400);
    const state = (await (await admin('state', null, 'GET')).json()) as { now: string; timezone: string };
    expect(state.now).toBe(instantToCrmWall(sb.merchant.now, ZONE));
  });
});

/** Per-local-day counts of customers by dateCreated, from the oracle. */
function customerDays(): Array<[string, number]> {
  const byDay = new Map<string, number>();
  for (const c of sb.merchant.customers) {
    const d = instantToCrmWall(c.t, ZONE).slice(0, 10);
    byDay.set(d, (byDay.get(d) ?? 0) + 1);
  }
  return [...byDay.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

function windowWithExactly(n: number): { startDate: string; endDate: string } {
  const days = customerDays();
  for (let i = 0; i < days.length; i++) {
    let sum = 0;
    for (let j = i; j < days.length; j++) {
      sum += days[j]![1];
      if (sum === n) return { startDate: days[i]![0], endDate: days[j]![0] };
      if (sum > n) break;
    }
  }
  throw new Error(`no window holds exactly ${n} customers`);
}

describe('paging', () => {
  it('pages 0, 1, 25, 200 and 201 results correctly, 1-based, default 25, max 200', async () => {
    expect((await call('customer/query', { startDate: '01/01/2011', endDate: '01/01/2011' })).message).toMatch(/No customers/);
    for (const n of [1, 25, 200, 201]) {
      const w = windowWithExactly(n);
      const first = await call('customer/query', w);
      expect(first.message.totalResults).toBe(n);
      expect(first.message.data.length).toBe(Math.min(25, n));
      const ids = new Set<number>();
      const pages = Math.ceil(n / 25);
      for (let page = 1; page <= pages; page++) {
        const r = await call('customer/query', { ...w, page: String(page) });
        expect(r.message.page).toBe(page);
        expect(r.message.data.length).toBe(page < pages ? 25 : n - 25 * (pages - 1));
        for (const c of r.message.data) ids.add(c.customerId);
      }
      expect(ids.size).toBe(n);
      const big = await call('customer/query', { ...w, resultsPerPage: '200', page: '2' });
      expect(big.message.data.length).toBe(Math.max(0, n - 200));
      expect(big.message.resultsPerPage).toBe(200);
      const beyond = await call('customer/query', { ...w, page: String(pages + 1) });
      expect(beyond.result).toBe('SUCCESS');
      expect(beyond.message.data).toEqual([]);
    }
  });

  it('clamps resultsPerPage above 200 to 200, and reads bad paging values as the defaults', async () => {
    const r = await call('transactions/query', { ...ALL, resultsPerPage: '500' });
    expect(r.message.resultsPerPage).toBe(200);
    expect(r.message.data.length).toBe(200);
    const d = await call('transactions/query', { ...ALL, resultsPerPage: 'x', page: '0' });
    expect(d.message.resultsPerPage).toBe(25);
    expect(d.message.page).toBe(1);
  });

  it('sorts by dateCreated, ascending by default and descending with sortDir=0', async () => {
    const asc = await walk('transactions/query', { startDate: '10/01/2026', endDate: '10/31/2026' });
    const desc = await walk('transactions/query', { startDate: '10/01/2026', endDate: '10/31/2026', sortDir: '0' });
    expect(desc.map((r) => r.transactionId)).toEqual(asc.map((r) => r.transactionId).reverse());
    const created = asc.map((r) => r.dateCreated as string);
    expect([...created].sort()).toEqual(created);
  });
});

describe('dates and time zones', () => {
  it('parses dates leniently and ignores the time of day', async () => {
    const totals = new Set<number>();
    const variants: Array<[string, string]> = [
      ['10/20/2026', '10/21/2026'],
      ['10/20/26', '10/21/26'],
      ['2026-10-20', '2026-10-21'],
      ['2026-10-20 13:00:00', '2026-10-21 01:00:00'],
      ['10/20/2026 23:59', '10/21/2026 00:00'],
      ['2026-10-20 00:00:00', '2026-10-21 23:59:59'],
    ];
    for (const [startDate, endDate] of variants) totals.add((await call('transactions/query', { startDate, endDate })).message.totalResults);
    expect(totals.size).toBe(1);
  });

  it('cuts days in the account zone across DST changes', async () => {
    for (const day of ['2025-03-09', '2025-11-02', '2026-03-08', '2026-11-01', '2026-07-04']) {
      const expected = sb.merchant.txns.filter((x) => instantToCrmWall(x.t, ZONE).startsWith(day)).length;
      const rows = await walk('transactions/query', { startDate: day, endDate: day });
      expect(rows.length, day).toBe(expected);
      for (const r of rows) expect(String(r.dateCreated).slice(0, 10)).toBe(day);
    }
  });

  it('applies startTime/endTime, wrapping past midnight', async () => {
    const day = '2026-10-14';
    const rows = await walk('transactions/query', { startDate: day, endDate: day, startTime: '03:00', endTime: '02:59' });
    const expected = sb.merchant.txns.filter((x) => {
      const w = instantToCrmWall(x.t, ZONE);
      return (w >= `${day} 03:00:00` && w < '2026-10-15 03:00:00');
    });
    expect(rows.length).toBe(expected.length);
  });

  it('serves another account zone in its own wall time', async () => {
    const london = await startSandbox({ seed: 'conformance-london', customers: 200, start: '2026-01-01', now: '2026-11-21 12:00:00', timezone: 'Europe/London', profile: 'rich' });
    try {
      const res = await fetch(`${london.baseUrl}/transactions/query/?${new URLSearchParams({ loginId: london.loginId, password: london.password, startDate: '03/29/2026', endDate: '03/29/2026', resultsPerPage: '200' })}`);
      const r = (await res.json()) as Json;
      const expected = london.merchant.txns.filter((x) => instantToCrmWall(x.t, 'Europe/London').startsWith('2026-03-29'));
      if (expected.length === 0) expect(r.result).toBe('ERROR');
      else for (const rec of r.message.data) expect(rec.dateCreated).toBe(instantToCrmWall(txnById(london.merchant, rec.transactionId)!.t, 'Europe/London'));
    } finally {
      await london.close();
    }
  });
});

/** Counts oracle records whose field equals value (as the API renders it). */
function expectCount(records: ApiRecord[], pred: (r: ApiRecord) => boolean): number {
  return records.filter(pred).length;
}

describe('filters', () => {
  const cases: Array<{ path: string; param: string; value: () => string; pred: (r: ApiRecord, v: string) => boolean; table: 'orders' | 'txns' | 'customers' | 'purchases' }> = [];
  const firstOf = <T,>(xs: readonly T[]): T => {
    const v = xs[Math.floor(xs.length / 3)];
    if (v === undefined) throw new Error('empty table');
    return v;
  };
  const eq = (field: string) => (r: ApiRecord, v: string) => String(r[field]).toLowerCase() === v.toLowerCase();
  const customerFields = ['firstName', 'lastName', 'address1', 'postalCode', 'city', 'state', 'country', 'emailAddress', 'phoneNumber', 'ipAddress'];
  for (const [path, table] of [['order/query', 'orders'], ['transactions/query', 'txns'], ['customer/query', 'customers'], ['purchase/query', 'purchases']] as const) {
    for (const f of customerFields) {
      if (path === 'purchase/query' && ['ipAddress', 'address2'].includes(f)) continue;
      cases.push({ path, table, param: f, value: () => String(firstOf(records(table))[f]), pred: eq(f) });
    }
    cases.push({ path, table, param: 'campaignId', value: () => '1,3', pred: (r) => r.campaignId === 1 || r.campaignId === 3 });
    cases.push({ path, table, param: 'affId', value: () => 'AFF205', pred: eq('affId') });
  }
  cases.push({ path: 'order/query', table: 'orders', param: 'orderStatus', value: () => 'REFUNDED', pred: eq('orderStatus') });
  cases.push({ path: 'order/query', table: 'orders', param: 'orderStatus', value: () => 'DECLINED', pred: eq('orderStatus') });
  cases.push({ path: 'order/query', table: 'orders', param: 'orderType', value: () => 'RECURRING', pred: eq('orderType') });
  cases.push({ path: 'order/query', table: 'orders', param: 'isDeclineSave', value: () => '1', pred: eq('isDeclineSave') });
  cases.push({ path: 'order/query', table: 'orders', param: 'merchantId', value: () => '7', pred: eq('merchantId') });
  cases.push({ path: 'order/query', table: 'orders', param: 'sourceValue1', value: () => 'inf-dana', pred: eq('sourceValue1') });
  cases.push({ path: 'purchase/query', table: 'purchases', param: 'productId', value: () => '15212', pred: (r) => r.productId === 15212 });
  for (const t of ['SALE', 'AUTHORIZE', 'CAPTURE', 'VOID', 'REFUND']) cases.push({ path: 'transactions/query', table: 'txns', param: 'txnType', value: () => t, pred: eq('txnType') });
  for (const t of ['SUCCESS', 'SOFT_DECLINE', 'HARD_DECLINE']) cases.push({ path: 'transactions/query', table: 'txns', param: 'responseType', value: () => t, pred: eq('responseType') });
  for (const t of ['CREDITCARD', 'CHECK', 'PREPAID']) cases.push({ path: 'transactions/query', table: 'txns', param: 'paySource', value: () => t, pred: eq('paySource') });
  cases.push({ path: 'transactions/query', table: 'txns', param: 'isChargedback', value: () => '1', pred: eq('isChargedback') });
  cases.push({ path: 'transactions/query', table: 'txns', param: 'merchantId', value: () => '9', pred: eq('merchantId') });
  cases.push({ path: 'transactions/query', table: 'txns', param: 'cardLast4', value: () => String(firstOf(records('txns').filter((r) => r.cardLast4)).cardLast4), pred: eq('cardLast4') });
  cases.push({ path: 'transactions/query', table: 'txns', param: 'cardBin', value: () => String(firstOf(records('txns').filter((r) => r.cardBin)).cardBin), pred: eq('cardBin') });
  cases.push({ path: 'transactions/query', table: 'txns', param: 'achRoutingNumber', value: () => String(firstOf(records('txns').filter((r) => r.achRoutingNumber)).achRoutingNumber), pred: eq('achRoutingNumber') });
  cases.push({ path: 'transactions/query', table: 'txns', param: 'achAccountNumber', value: () => `99999${String(firstOf(records('txns').filter((r) => r.achAccountNumber)).achAccountNumber)}`, pred: (r, v) => r.achAccountNumber === v.slice(-4) });
  for (const s of ['ACTIVE', 'CANCELLED', 'RECYCLE_FAILED', 'TRIAL']) cases.push({ path: 'purchase/query', table: 'purchases', param: 'status', value: () => s, pred: eq('status') });
  cases.push({ path: 'purchase/query', table: 'purchases', param: 'status', value: () => 'Recycle Failed', pred: (r) => r.status === 'RECYCLE_FAILED' });
  cases.push({ path: 'purchase/query', table: 'purchases', param: 'merchantId', value: () => '3', pred: eq('merchantId') });

  const cache = new Map<string, ApiRecord[]>();
  function records(table: 'orders' | 'txns' | 'customers' | 'purchases'): ApiRecord[] {
    let hit = cache.get(table);
    if (!hit) {
      const m = sb.merchant;
      hit =
        table === 'orders' ? m.orders.map((o) => orderRecord(m, o, false))
        : table === 'txns' ? m.txns.map((x) => txnRecord(m, x))
        : table === 'customers' ? m.customers.map((c) => customerRecord(m, c))
        : m.purchases.map((p) => purchaseRecord(m, p));
      cache.set(table, hit);
    }
    return hit;
  }

  it('filters every endpoint on every parameter the reference lists', async () => {
    for (const c of cases) {
      const value = c.value();
      const expected = expectCount(records(c.table), (r) => c.pred(r, value));
      const r = await call(c.path, { ...ALL, [c.param]: value, resultsPerPage: '1' });
      const got = r.result === 'SUCCESS' ? r.message.totalResults : 0;
      expect(got, `${c.path} ${c.param}=${value}`).toBe(expected);
      if (r.result === 'SUCCESS') expect(r.message.queryArgs[c.param]).toBe(value);
      if (c.param !== 'achAccountNumber' && c.param !== 'campaignId' && expected === 0) throw new Error(`vacuous filter case ${c.path} ${c.param}=${value}`);
    }
  });

  it('finds rows by id without a date range', async () => {
    const m = sb.merchant;
    const o = m.orders[10]!;
    expect((await call('order/query', { orderId: o.orderId })).message.data[0].orderId).toBe(o.orderId);
    expect((await call('order/query', { orderId: o.orderId.toLowerCase() })).message.totalResults).toBe(1);
    const c = o.customer;
    const byCustomer = await call('order/query', { customerId: String(c.customerId) });
    expect(byCustomer.message.totalResults).toBe(m.orders.filter((x) => x.customer === c).length);
    expect((await call('customer/query', { customerId: String(c.customerId) })).message.data[0].customerId).toBe(c.customerId);
    expect((await call('transactions/query', { orderId: o.orderId })).message.totalResults).toBe(o.txns.length);
    expect((await call('transactions/query', { customerId: String(c.customerId) })).message.totalResults).toBe(m.txns.filter((x) => x.order.customer === c).length);
    const p = m.purchases[5]!;
    expect((await call('purchase/query', { purchaseId: p.purchaseId })).message.data[0].purchaseId).toBe(p.purchaseId);
    expect((await call('purchase/query', { orderId: p.order.orderId })).message.data[0].purchaseId).toBe(p.purchaseId);
    expect((await call('transactions/query', { purchaseId: p.purchaseId })).message.totalResults).toBe(p.txns.length);
    const x = m.txns[42]!;
    const rec = txnRecord(m, x);
    expect((await call('transactions/query', { merchantTxnId: String(rec.merchantTxnId) })).message.data.map((r: ApiRecord) => r.merchantTxnId)).toContain(rec.merchantTxnId);
    expect((await call('campaign/query', { campaignId: '2' })).message.data['2'].campaignType).toBe('PHONE');
    expect((await call('campaign/query', { campaignType: 'LANDER' })).message.totalResults).toBe(1);
    expect((await call('product/query', { campaignId: '1' })).message.totalResults).toBe(3);
    const hist = await call('customer/history', { customerId: String(c.customerId), ...ALL });
    expect(hist.message.totalResults).toBe(c.notes.length + m.txns.filter((t) => t.order.customer === c).length);
  });

  it('filters on dateUpdated and, for customers, mostRecentActivity', async () => {
    const m = sb.merchant;
    const w = { startDate: '09/01/2026', endDate: '09/30/2026' };
    const inSept = (t: number) => instantToCrmWall(t, ZONE).startsWith('2026-09');
    expect((await call('transactions/query', { ...w, dateRangeType: 'dateUpdated', resultsPerPage: '1' })).message.totalResults).toBe(m.txns.filter((x) => inSept(x.u)).length);
    expect((await call('order/query', { ...w, dateRangeType: 'dateUpdated', resultsPerPage: '1' })).message.totalResults).toBe(m.orders.filter((x) => inSept(x.u)).length);
    expect((await call('purchase/query', { ...w, dateRangeType: 'dateUpdated', resultsPerPage: '1' })).message.totalResults).toBe(m.purchases.filter((x) => inSept(x.u)).length);
    expect((await call('customer/query', { ...w, dateRangeType: 'mostRecentActivity', resultsPerPage: '1' })).message.totalResults).toBe(m.customers.filter((x) => inSept(x.act)).length);
    const cb = await walk('transactions/query', { ...w, dateRangeType: 'dateUpdated', isChargedback: '1' });
    for (const r of cb) expect(String(r.dateUpdated).startsWith('2026-09')).toBe(true);
  });
});

describe('ground truth', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'konduit-sandbox-truth-'));
    await exportGroundTruth(sb.merchant, dir);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('equals the sum of every page served, table by table, walking month windows', async () => {
    // Month windows across the whole history (and DST changes).
    await expectServedEqualsExport(dir, [2024, 2026]);
  });
});

describe('time moves', () => {
  it('advances through the admin endpoint and in-process: new and updated rows appear by dateUpdated', async () => {
    const m = sb.merchant;
    const before = m.now;
    const oldToday = instantToCrmWall(before, ZONE).slice(0, 10);
    const oldCount = m.txns.length;
    const res = await admin('advance', { days: 5 });
    expect(res.status).toBe(200);
    await sb.advanceDays(5);
    expect(m.now).toBe(before + 10 * 86_400_000);
    const newToday = instantToCrmWall(m.now, ZONE).slice(0, 10);
    const updated = await walk('transactions/query', { startDate: oldToday, endDate: newToday, dateRangeType: 'dateUpdated' });
    expect(updated.length).toBe(m.txns.filter((x) => instantToCrmWall(x.u, ZONE).slice(0, 10) >= oldToday).length);
    expect(m.txns.length).toBeGreaterThan(oldCount);
    const oldOnes = updated.filter((r) => String(r.dateCreated) < instantToCrmWall(before, ZONE));
    expect(oldOnes.length).toBeGreaterThan(0);
    const rebills = updated.filter((r) => r.txnType === 'SALE' && Number(r.billingCycleNumber) > 1 && String(r.dateCreated) > instantToCrmWall(before, ZONE));
    expect(rebills.length).toBeGreaterThan(0);
    const newCustomers = await call('customer/query', { startDate: oldToday, endDate: newToday, resultsPerPage: '1' });
    expect(newCustomers.message.totalResults).toBeGreaterThan(0);
    for (const r of updated) expect(String(r.dateUpdated) <= instantToCrmWall(m.now, ZONE)).toBe(true);
  });
});
