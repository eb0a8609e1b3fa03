/**
 * The two profiles (docs/sandbox.md, "Profiles"): `rich` is the sandbox's first shape, byte for byte;
 * `real` serves the same merchant shaped like the real rows, in several currencies, with coupons and
 * names by seed. In-process: records are rendered as the server renders them.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { currencyOf as clientCurrencyOf } from '../core/currency.js';
import { CURRENCIES } from './currency.js';
import { generateMerchant, lineCharge } from './generator.js';
import type { Merchant, Txn } from './model.js';
import { campaignRecord, customerRecord, orderRecord, productRecord, purchaseRecord, txnRecord, type ApiRecord } from './records.js';

const NOW = '2026-11-21 12:00:00';
const OPTS = { seed: 'profiles', customers: 1500, start: '2025-06-01', now: NOW };
const real = generateMerchant(OPTS);
const rich = generateMerchant({ ...OPTS, profile: 'rich' });

/** A record as a client receives it: through JSON (fields a shape leaves out are not there). */
const wire = (r: ApiRecord): Record<string, any> => JSON.parse(JSON.stringify(r)) as Record<string, any>;

describe('the rich profile', () => {
  it("is the sandbox's first shape, byte for byte: a digest taken with the code before profiles existed", () => {
    const m = generateMerchant({ seed: 'rich-golden', customers: 400, start: '2026-01-01', now: NOW, profile: 'rich' });
    const h = createHash('sha256');
    const put = (r: unknown) => h.update(`${JSON.stringify(r)}\n`);
    for (const c of m.customers) put(customerRecord(m, c));
    for (const o of m.orders) put(orderRecord(m, o, true));
    for (const x of m.txns) put(txnRecord(m, x));
    for (const p of m.purchases) put(purchaseRecord(m, p));
    for (const c of m.campaigns) put(campaignRecord(m, c));
    for (const p of m.products) put(productRecord(m, p));
    expect(h.digest('hex')).toBe('42b8881a515656a3e5e7d1a89f81ba034d87438f302152494c44adf38c32b498');
  });

  it('sells in USD only, from 3 campaigns, without coupons or odd values', () => {
    expect(rich.config).toMatchObject({ profile: 'rich', currencies: ['USD'], coupons: false, txnItems: false, oddRate: 0, unreadableRate: 0, brand: 0 });
    expect(rich.campaigns.map((c) => c.campaignId)).toEqual([1, 2, 3]);
    expect(rich.coupons).toEqual([]);
  });
});

describe('both profiles', () => {
  it('simulate the same merchant, draw for draw: the same customers, orders, transactions and purchases', () => {
    expect(real.customers.length).toBe(rich.customers.length);
    expect(real.orders.length).toBe(rich.orders.length);
    expect(real.txns.length).toBe(rich.txns.length);
    expect(real.purchases.length).toBe(rich.purchases.length);
    const key = (x: Txn) => [x.transactionId, x.t, x.u, x.type, x.response, x.cycle, x.recycle, x.isChargedback, x.order.customer.customerId, x.order.campaign.offer, x.mid.merchantId, x.line?.cp.productId, x.purchase?.actualPurchaseId ?? null].join('|');
    expect(real.txns.map(key)).toEqual(rich.txns.map(key));
  });

  it('charge the same amounts when the real merchant sells in USD without coupons', () => {
    const usd = generateMerchant({ ...OPTS, currencies: ['USD'], coupons: false });
    expect(usd.txns.map((x) => x.amount)).toEqual(rich.txns.map((x) => x.amount));
  });
});

describe('the real profile: records shaped as the real rows', () => {
  const txns = real.txns.map((x) => wire(txnRecord(real, x)));

  it('puts no product, campaign product, product name or purchase id on a transaction, and no currency code', () => {
    for (const r of txns) {
      for (const k of ['productId', 'campaignProductId', 'productName', 'purchaseId', 'currencyCode', 'items']) expect(r, k).not.toHaveProperty(k);
      expect(CURRENCIES.map((c) => c.symbol)).toContain(r.currencySymbol);
    }
  });

  it('says NEW_SALE on every rebill (transactions and orders), and leaves recycleNumber null on first sales only', () => {
    const clean = real.txns.map((x) => wire(txnRecord(real, x, 'truth')));
    real.txns.forEach((x, i) => {
      const served = txns[i]!;
      if (served.orderType !== 'UPSALE') expect(served.orderType).toBe('NEW_SALE');
      expect(served.recycleNumber).toBe(x.cycle === 1 ? null : x.recycle);
      expect(clean[i]!.orderType).toBe(x.order.type);
    });
    expect(real.txns.some((x) => x.cycle > 1 && x.order.type === 'RECURRING')).toBe(true);
    for (const o of real.orders) expect(orderRecord(real, o, false).orderType).toBe('NEW_SALE');
  });

  it("attributes every transaction through its order's items, and every subscription charge through its purchase", () => {
    const orders = new Map(real.orders.map((o) => [o.orderId, wire(orderRecord(real, o, false))]));
    const purchases = new Map(real.purchases.map((p) => [p.purchaseId, wire(purchaseRecord(real, p))]));
    const byTxn = new Map<number, Record<string, any>>();
    for (const p of purchases.values()) for (const t of p.transactions as Array<{ transactionId: number }>) byTxn.set(t.transactionId, p);
    real.txns.forEach((x, i) => {
      const order = orders.get(txns[i]!.orderId as string)!;
      const item = (order.items as Record<string, Record<string, string>>)[String(x.line!.cp.campaignProductId)]!;
      expect(item.productId).toBe(String(x.line!.cp.productId));
      expect(item.campaignProductId).toBe(String(x.line!.cp.campaignProductId));
      const p = byTxn.get(x.transactionId);
      if (!x.purchase) expect(p).toBeUndefined();
      else expect([p!.purchaseId, p!.productId, p!.actualProductId]).toEqual([x.purchase.purchaseId, x.line!.cp.campaignProductId, x.line!.cp.productId]);
    });
  });

  it('serves customers without campaignId and affId, as the real customer record', () => {
    for (const c of real.customers.slice(0, 200)) {
      const r = wire(customerRecord(real, c));
      expect(r).not.toHaveProperty('campaignId');
      expect(r).not.toHaveProperty('affId');
      expect(r.campaignName).toBe(c.campaign.name);
      expect(wire(customerRecord(real, c, 'truth')).campaignId).toBe(c.campaign.campaignId);
    }
  });

  it("carries the real export's other columns: clientTxnId, achBankName, campaignCategoryName, orderAgentName, custom1-5", () => {
    for (const k of ['clientTxnId', 'achBankName', 'campaignCategoryName', 'orderAgentName', 'custom1', 'custom5', 'surcharge']) expect(txns[0], k).toHaveProperty(k);
    expect(txns[0]!.clientTxnId).toMatch(/^[0-9A-F]{12}$/);
  });

  it('serves each transaction its order line as items when the merchant option txnItems is set', () => {
    const m = generateMerchant({ ...OPTS, customers: 200, txnItems: true });
    for (const x of m.txns) {
      const r = wire(txnRecord(m, x));
      expect(Object.keys(r.items)).toEqual([String(x.line!.cp.campaignProductId)]);
      expect(r.items[String(x.line!.cp.campaignProductId)]).toMatchObject({ productId: String(x.line!.cp.productId), purchaseId: x.line!.purchase?.purchaseId ?? null });
      expect(wire(txnRecord(m, x, 'truth'))).not.toHaveProperty('items');
    }
  });
});

describe('currencies', () => {
  it('sells each campaign in one currency, so a customer, their orders and purchases keep one', () => {
    const ofCustomer = new Map<number, string>();
    for (const x of real.txns) {
      const code = x.order.campaign.currency.code;
      const before = ofCustomer.get(x.order.customer.customerId);
      if (before) expect(code).toBe(before);
      ofCustomer.set(x.order.customer.customerId, code);
      expect(orderRecord(real, x.order, false).currencySymbol).toBe(x.order.campaign.currency.symbol);
    }
    for (const p of real.purchases) expect(purchaseRecord(real, p).currencySymbol).toBe(p.order.campaign.currency.symbol);
  });

  it('spreads sales over the currencies about as the real export did (548 of 783 in $, 117 in MX$, ...)', () => {
    const share = (code: string) => real.txns.filter((x) => x.order.campaign.currency.code === code).length / real.txns.length;
    expect(share('USD')).toBeGreaterThan(0.6);
    expect(share('USD')).toBeLessThan(0.8);
    expect(share('MXN')).toBeGreaterThan(0.1);
    expect(share('AUD')).toBeGreaterThan(0.05);
    expect(new Set(real.txns.map((x) => x.order.campaign.currency.code)).size).toBeGreaterThanOrEqual(7);
    expect(real.campaigns.length).toBe(27);
  });

  it('prices in the currency: whole units where it has no cents (CLP, COP), large values, charm endings elsewhere', () => {
    const m = generateMerchant({ ...OPTS, customers: 300, currencies: ['CLP', 'COP', 'EUR'] });
    for (const x of m.txns) {
      const c = x.order.campaign.currency;
      if (c.code !== 'EUR') expect(x.amount % 100, `${c.code} ${x.amount}`).toBe(0);
      if (c.code !== 'EUR' && x.amount > 0 && (x.type === 'SALE' || x.type === 'CAPTURE')) expect(x.amount).toBeGreaterThanOrEqual(100_000);
    }
    expect(m.campaigns.map((c) => [c.campaignId, c.currency.code])).toEqual([[1, 'CLP'], [2, 'CLP'], [3, 'CLP'], [4, 'COP'], [5, 'COP'], [6, 'COP'], [7, 'EUR'], [8, 'EUR'], [9, 'EUR']]);
  });

  it('shows the symbols the client maps to ISO codes (src/core/currency.ts), a bare $ being the base currency USD', () => {
    expect(Object.fromEntries(CURRENCIES.map((c) => [c.symbol, c.code]))).toEqual({ $: 'USD', MX$: 'MXN', AU$: 'AUD', R: 'ZAR', '€': 'EUR', '£': 'GBP', CA$: 'CAD', CO$: 'COP', CL$: 'CLP' });
    for (const c of CURRENCIES) expect(clientCurrencyOf(null, c.symbol, 'USD'), c.symbol).toBe(c.code);
    expect(CURRENCIES.map((c) => c.weight)).toEqual([548, 117, 68, 20, 13, 10, 5, 1, 1]);
  });

  it('refuses a currency it cannot show, and a profile it does not know', () => {
    expect(() => generateMerchant({ ...OPTS, customers: 10, currencies: ['USD', 'JPY'] })).toThrow(RangeError);
    expect(() => generateMerchant({ ...OPTS, customers: 10, currencies: [] })).toThrow(RangeError);
    expect(() => generateMerchant({ ...OPTS, customers: 10, profile: 'fancy' as never })).toThrow(RangeError);
  });
});

describe('accounts: the same ids, other names', () => {
  it('numbers campaigns, products, MIDs, customers, orders, transactions and coupons alike in every account, naming them by seed', () => {
    const other = generateMerchant({ ...OPTS, seed: 'profiles-other', customers: 300 });
    const ids = (m: Merchant) => ({
      campaigns: m.campaigns.map((c) => c.campaignId),
      products: m.products.map((p) => p.productId),
      campaignProducts: m.campaigns.flatMap((c) => c.products.map((p) => p.campaignProductId)),
      mids: m.mids.map((x) => x.merchantId),
      coupons: m.coupons.map((k) => k.couponId),
      firstCustomer: m.customers[0]!.customerId,
      firstTxn: m.txns[0]!.transactionId,
      firstOrder: m.orders[0]!.actualOrderId,
    });
    expect(ids(other)).toEqual(ids(real));
    expect(other.config.brand).not.toBe(real.config.brand);
    expect(other.campaigns[0]!.name).not.toBe(real.campaigns[0]!.name);
    expect(other.products[0]!.name).not.toBe(real.products[0]!.name);
    expect(other.mids[0]!.name).not.toBe(real.mids[0]!.name);
    // The 10-character ids are the CRM's own random-looking strings: two accounts do not share them.
    expect(other.orders[0]!.orderId).not.toBe(real.orders[0]!.orderId);
  });
});

describe('coupons', () => {
  it("puts one of the campaign's coupons on about one new order in six, its discount taken off the first line", () => {
    const fresh = real.orders.filter((o) => o.type === 'NEW_SALE');
    const used = fresh.filter((o) => o.coupon !== null);
    expect(used.length / fresh.length).toBeGreaterThan(0.08);
    expect(used.length / fresh.length).toBeLessThan(0.2);
    for (const o of real.orders) {
      if (o.type === 'RECURRING') expect(o.coupon).toBeNull();
      if (!o.coupon) continue;
      expect(o.coupon.campaign).toBe(o.campaign);
      const line = o.lines[0]!;
      if (o.coupon.cp) expect(o.coupon.cp).toBe(line.cp);
      const r = orderRecord(real, o, false);
      expect(r.couponCode).toBe(o.coupon.couponCode);
      expect(r.totalDiscount).toBe((line.discount / 100).toFixed(2));
      const first = o.txns.find((x) => x.line === line && (x.type === 'SALE' || x.type === 'AUTHORIZE'));
      if (first) expect(first.amount).toBe(lineCharge(line));
      expect(lineCharge(line)).toBe(line.price - line.discount + line.shipping + line.tax);
    }
    expect(new Set(used.map((o) => o.coupon!.discountType))).toEqual(new Set(['PERCENT', 'FLAT']));
    expect(rich.orders.every((o) => o.coupon === null && o.lines.every((l) => l.discount === 0))).toBe(true);
  });

  it('lists the coupons on their campaign, as the reference saw them (couponCode, campaignProductId)', () => {
    const c = campaignRecord(real, real.campaigns[0]!);
    expect(c.coupons).toEqual(real.campaigns[0]!.coupons.map((k) => ({ couponId: k.couponId, couponCode: k.couponCode, campaignProductId: k.cp?.campaignProductId ?? null })));
    expect(new Set(real.coupons.map((k) => k.couponCode)).size).toBe(real.coupons.length);
  });
});
