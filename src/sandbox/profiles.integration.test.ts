/**
 * The `real` profile over HTTP: what is served equals the export, odd values and all; the truth export
 * holds what the real rows leave out; coupon/query; and two sandboxes at once whose ids collide.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_HEADER } from './admin.js';
import { exportGroundTruth, startSandbox, type Sandbox } from './index.js';
import { oddityOf } from './oddities.js';
import { sandboxApi } from '../../test/sandbox-api.js';

let sb: Sandbox;
const { call, walk, expectServedEqualsExport } = sandboxApi(() => sb);
const ALL = { startDate: '01/01/2010', endDate: '12/31/2030' };

beforeAll(async () => {
  sb = await startSandbox({ seed: 'profiles-http', customers: 1200, start: '2025-06-01', now: '2026-11-21 12:00:00', oddRate: 0.03, unreadableRate: 0.005 });
});
afterAll(async () => {
  await sb?.close();
});

describe('the real profile over HTTP', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'konduit-sandbox-real-'));
    await exportGroundTruth(sb.merchant, dir);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves what the export holds, table by table, odd values included', async () => {
    await expectServedEqualsExport(dir, [2025, 2026]);
    const txnHeader = (await readFile(join(dir, 'transactions.csv'), 'utf8')).split('\n', 1)[0]!.split(',');
    for (const k of ['productId', 'campaignProductId', 'purchaseId', 'currencyCode']) expect(txnHeader).not.toContain(k);
  });

  it('writes the truth beside it: every transaction with its product, purchase, ISO currency and served oddity', async () => {
    const [header, ...lines] = (await readFile(join(dir, 'truth/transactions.csv'), 'utf8')).trimEnd().split('\n');
    const cols = header!.split(',');
    expect(lines.length).toBe(sb.merchant.txns.length);
    const at = (name: string) => cols.indexOf(name);
    const odd = sb.merchant.txns.filter((x) => oddityOf(sb.merchant, x) !== null);
    expect(odd.length).toBeGreaterThan(0);
    // Rows without a quoted cell (nearly all) split on commas.
    const rows = lines.map((l) => l.split(','));
    let checked = 0;
    sb.merchant.txns.forEach((x, i) => {
      const r = rows[i]!;
      if (r.length !== cols.length) return;
      checked++;
      expect(r[at('transactionId')]).toBe(String(x.transactionId));
      expect(r[at('currencyCode')]).toBe(x.order.campaign.currency.code);
      expect(r[at('campaignProductId')]).toBe(String(x.line!.cp.campaignProductId));
      expect(r[at('purchaseId')]).toBe(x.purchase?.purchaseId ?? '');
      expect(r[at('servedOddity')]).toBe(oddityOf(sb.merchant, x) ?? '');
    });
    expect(checked).toBeGreaterThan(sb.merchant.txns.length * 0.9);
  });

  it('sends the euro and pound signs \\u-escaped, as PHP does', async () => {
    const eur = sb.merchant.txns.find((x) => x.order.campaign.currency.code === 'EUR')!;
    const res = await fetch(`${sb.baseUrl}/transactions/query/`, { method: 'POST', body: new URLSearchParams({ loginId: sb.loginId, password: sb.password, transactionId: String(eur.transactionId) }) });
    const raw = await res.text();
    expect(raw).toContain('"currencySymbol":"\\u20ac"');
    expect(raw).not.toContain('€');
    expect(Buffer.byteLength(raw)).toBe(raw.length);
  });

  it('filters orderType on what it serves: every order says NEW_SALE', async () => {
    const orders = sb.merchant.orders.length;
    expect((await call('order/query', { ...ALL, orderType: 'NEW_SALE', resultsPerPage: '1' })).message.totalResults).toBe(orders);
    expect(await call('order/query', { ...ALL, orderType: 'RECURRING' })).toEqual({ result: 'ERROR', message: 'No orders matching those parameters could be found' });
  });

  it('serves coupon/query, by campaign, id or code, and the coupon on the orders that used one', async () => {
    const m = sb.merchant;
    const all = await walk('coupon/query', {});
    expect(all.map((k) => k.couponId)).toEqual(m.coupons.map((k) => k.couponId));
    expect(all[0]).toMatchObject({ couponId: 1, couponCode: m.coupons[0]!.couponCode, campaignId: 1, discountType: 'PERCENT', discountPercent: '10.00', discountAmount: null, currencySymbol: '$' });
    const mx = await walk('coupon/query', { campaignId: '4' });
    expect(mx.map((k) => k.currencySymbol)).toEqual(['MX$', 'MX$', 'MX$']);
    expect((await call('coupon/query', { couponCode: String(all[4]!.couponCode).toLowerCase() })).message.data[0].couponId).toBe(all[4]!.couponId);
    expect(await call('coupon/query', { couponId: '9999' })).toEqual({ result: 'ERROR', message: 'No coupons matching those parameters could be found' });
    const used = m.orders.find((o) => o.coupon !== null)!;
    expect((await call('order/query', { orderId: used.orderId })).message.data[0].couponCode).toBe(used.coupon!.couponCode);
  });

  it('says its profile and currencies in the admin state', async () => {
    const res = await fetch(`${sb.baseUrl}/_sandbox/state`, { headers: { [ADMIN_HEADER]: sb.adminToken } });
    expect(await res.json()).toMatchObject({ profile: 'real', currencies: ['USD', 'MXN', 'AUD', 'ZAR', 'EUR', 'GBP', 'CAD', 'COP', 'CLP'], counts: { coupons: 81 } });
  });
});

describe('two accounts at once', () => {
  it('collide on campaign, product, MID, coupon, customer and transaction ids, under other names', async () => {
    const other = await startSandbox({ seed: 'profiles-http-other', customers: 300, start: '2025-06-01', now: '2026-11-21 12:00:00' });
    try {
      const ask = async (s: Sandbox, path: string, params: Record<string, string>) => {
        const res = await fetch(`${s.baseUrl}/${path}/`, { method: 'POST', body: new URLSearchParams({ loginId: s.loginId, password: s.password, ...params }) });
        return ((await res.json()) as { message: { data: any } }).message.data;
      };
      const both = async (path: string, params: Record<string, string>) => Promise.all([ask(sb, path, params), ask(other, path, params)]);
      const [c1, c2] = await both('campaign/query', { campaignId: '1' });
      expect([c1['1'].campaignId, c2['1'].campaignId]).toEqual([1, 1]);
      expect(c1['1'].campaignName).not.toBe(c2['1'].campaignName);
      const [p1, p2] = await both('product/query', { productId: '1001' });
      expect(p1[0].productName).not.toBe(p2[0].productName);
      const [x1, x2] = await both('transactions/query', { transactionId: '100001' });
      expect([x1[0].transactionId, x2[0].transactionId]).toEqual([100001, 100001]);
      expect([x1[0].merchantId, x2[0].merchantId].every((id: number) => [3, 4, 7, 9].includes(id))).toBe(true);
      const [u1, u2] = await both('customer/query', { customerId: '1001' });
      expect([u1[0].customerId, u2[0].customerId]).toEqual([1001, 1001]);
      expect(u1[0].emailAddress).not.toBe(u2[0].emailAddress);
      const [k1, k2] = await both('coupon/query', { couponId: '1' });
      expect(k1[0].couponCode).not.toBe(k2[0].couponCode);
      const mids = async (s: Sandbox) => new Set<string>((await ask(s, 'transactions/query', { ...ALL, resultsPerPage: '200' })).map((r: any) => `${r.merchantId} ${r.merchant}`));
      const [m1, m2] = [await mids(sb), await mids(other)];
      expect([...m1].some((a) => [...m2].some((b) => a.split(' ')[0] === b.split(' ')[0] && a !== b))).toBe(true);
    } finally {
      await other.close();
    }
  });
});
