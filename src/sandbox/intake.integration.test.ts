/**
 * Legacy import intake round trip: a file set posted to /_sandbox/intake comes back through the API
 * with the same customers, subscriptions (next bill dates, prices), refunds and chargebacks; an invalid
 * set is refused with the validator's report.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailColumns, noteColumns, transactionColumns } from '../importfile/spec/columns.js';
import { ADMIN_HEADER } from './admin.js';
import { startSandbox, type Sandbox } from './index.js';

let sb: Sandbox;
type Json = { result: string; message: any };

beforeAll(async () => {
  sb = await startSandbox({ seed: 'intake', customers: 100, start: '2026-09-01', now: '2026-11-21 12:00:00' });
});
afterAll(async () => {
  await sb?.close();
});

const q = (v: string) => `"${v.replace(/"/g, '""')}"`;
function csv(columns: readonly { name: string }[], rows: Array<Record<string, string>>): string {
  return [columns.map((c) => q(c.name)).join(','), ...rows.map((r) => columns.map((c) => q(r[c.name] ?? '')).join(','))].join('\r\n') + '\r\n';
}

// Campaign 1 product 15202 is a 30-day subscription; 15201 one-time; merchantIds 3 and 7 exist.
function person(id: string, first: string, email: string): Record<string, string> {
  return {
    customerId: id,
    firstName: first,
    lastName: 'Legacy',
    address1: '1 Import Way',
    address2: '',
    city: 'Austin',
    state: 'TX',
    country: 'US',
    postalCode: '78701',
    phoneNumber: '5125550100',
    emailAddress: email,
    billShipSame: '1',
    paySource: 'CREDITCARD',
    cardNumber: '4111111111111111',
    cardExpiryMonth: '04',
    cardExpiryYear: '2029',
  };
}
function sale(p: Record<string, string>, extra: Record<string, string>): Record<string, string> {
  return {
    ...p,
    campaignId: '1',
    productId: '15202',
    isActiveRecurring: '0',
    merchantId: '3',
    txnType: 'SALE',
    subTotal: '39.95',
    shipTotal: '0.00',
    salesTax: '0.00',
    totalAmount: '39.95',
    responseType: 'SUCCESS',
    responseText: 'SUCCESS',
    isChargedback: '0',
    ...extra,
  };
}

const ann = person('L-100', 'Ann', 'ann.legacy@example.com');
const bob = person('L-200', 'Bob', 'bob.legacy@example.com');
const cy = person('L-300', 'Cy', 'cy.legacy@example.com');
const TXNS = [
  sale(ann, { orderId: 'O-1', dateCreated: '2026-07-01 10:00:00', merchantTxnId: 'LEG-A1' }),
  sale(ann, { orderId: 'O-2', dateCreated: '2026-07-31 04:00:00', merchantTxnId: 'LEG-A2', isActiveRecurring: '1', nextBillDate: '2026-12-01', subTotal: '34.95', totalAmount: '34.95' }),
  sale(bob, { orderId: 'O-3', dateCreated: '2026-08-02 15:30:00', merchantTxnId: 'LEG-B1', productId: '15201', subTotal: '48.95', shipTotal: '5.99', totalAmount: '54.94', merchantId: '7' }),
  sale(bob, { orderId: 'O-3', dateCreated: '2026-08-05 09:00:00', merchantTxnId: 'LEG-B1R', productId: '15201', txnType: 'REFUND', parentTxnId: 'LEG-B1', subTotal: '20.00', shipTotal: '0.00', totalAmount: '20.00', merchantId: '7' }),
  sale(cy, { orderId: 'O-4', dateCreated: '2026-08-10 20:00:00', merchantTxnId: 'LEG-C1', isChargedback: '1', chargebackTotal: '39.95', chargebackDate: '2026-09-01', chargebackReasonCode: '13.1' }),
  sale(cy, { orderId: 'O-5', dateCreated: '2026-08-11 20:00:00', merchantTxnId: 'LEG-C2', responseType: 'DECLINE', responseText: 'DECLINE' }),
];
const NOTES = [
  { customerId: 'L-100', dateCreated: '2026-07-02 11:00:00', agentName: 'Dana', noteText: 'Asked about "shipping", said ok' },
  { customerId: 'L-300', dateCreated: '2026-08-12 08:00:00', agentName: '', noteText: 'Disputed the charge' },
];
const DETAILS = [{ customerId: 'L-100', loginId: 'ann77', password: 'pw1', custom1: 'gold', custom2: '', custom3: '', custom4: '', custom5: 'vip' }];

async function intake(body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${sb.baseUrl}/_sandbox/intake`, { method: 'POST', headers: { [ADMIN_HEADER]: sb.adminToken, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}
async function call(path: string, params: Record<string, string>): Promise<Json> {
  const res = await fetch(`${sb.baseUrl}/${path}/`, { method: 'POST', body: new URLSearchParams({ loginId: sb.loginId, password: sb.password, ...params }) });
  return (await res.json()) as Json;
}

describe('legacy import intake', () => {
  it('refuses an invalid file set with the validator report, and unknown CRM ids with problems', async () => {
    const bad = TXNS.map((r, i) => (i === 0 ? { ...r, totalAmount: '99.99' } : r));
    const r1 = await intake({ contents: { transactions: csv(transactionColumns, bad) } });
    expect(r1.status).toBe(422);
    expect(r1.json.accepted).toBe(false);
    expect(r1.json.report.valid).toBe(false);
    expect(r1.json.report.issues.length).toBeGreaterThan(0);
    const unknown = TXNS.map((r) => ({ ...r, campaignId: '77' }));
    const r2 = await intake({ contents: { transactions: csv(transactionColumns, unknown) } });
    expect(r2.status).toBe(422);
    expect(r2.json.problems[0]).toMatch(/campaignId 77 is not a campaign/);
    expect(sb.merchant.customers.some((c) => c.legacyId)).toBe(false);
  });

  it('applies a valid set; customers, subscriptions, refunds and chargebacks come back through the API', async () => {
    const r = await intake({ contents: { transactions: csv(transactionColumns, TXNS), notes: csv(noteColumns, NOTES), details: csv(detailColumns, DETAILS) } });
    expect(r.status).toBe(200);
    expect(r.json.accepted).toBe(true);
    expect(r.json.imported).toEqual({ customers: 3, orders: 5, transactions: 6, purchases: 1, notes: 2 });
    const ids = new Map<string, number>(r.json.customers.map((c: { legacyCustomerId: string; customerId: number }) => [c.legacyCustomerId, c.customerId]));

    const customers = await call('customer/query', { startDate: '07/01/2026', endDate: '08/31/2026', lastName: 'Legacy' });
    expect(customers.message.totalResults).toBe(3);
    const annRec = customers.message.data.find((c: any) => c.emailAddress === 'ann.legacy@example.com');
    expect(annRec.customerId).toBe(ids.get('L-100'));
    expect(annRec.dateCreated).toBe('2026-07-01 10:00:00');
    expect(annRec.cardLast4).toBe('1111');
    expect(annRec.custom1).toBe('gold');
    expect(annRec.custom5).toBe('vip');
    expect(annRec.eCommerceLogin).toBe('ann77');
    expect(annRec.notes[0]).toEqual({ dateCreated: '2026-07-02 11:00:00', agentName: 'Dana', message: 'Asked about "shipping", said ok' });

    const subs = await call('purchase/query', { customerId: String(ids.get('L-100')), status: 'ACTIVE' });
    expect(subs.message.totalResults).toBe(1);
    expect(subs.message.data[0]).toMatchObject({ nextBillDate: '2026-12-01', price: '34.95', status: 'ACTIVE', billingIntervalDays: 30, productId: 15202 });

    const sale = (await call('transactions/query', { merchantTxnId: 'LEG-B1' })).message.data.find((x: any) => x.txnType === 'SALE');
    const refund = (await call('transactions/query', { merchantTxnId: 'LEG-B1R' })).message.data[0];
    expect(refund).toMatchObject({ txnType: 'REFUND', totalAmount: '20.00', parentTxnId: sale.transactionId, orderId: sale.orderId, dateCreated: '2026-08-05 09:00:00' });
    const order = (await call('order/query', { orderId: sale.orderId })).message.data[0];
    expect(order.orderStatus).toBe('COMPLETE');
    expect(order.refundRemaining).toBe('34.94');

    const cbs = await call('transactions/query', { startDate: '07/01/2026', endDate: '08/31/2026', isChargedback: '1', lastName: 'Legacy' });
    expect(cbs.message.totalResults).toBe(1);
    expect(cbs.message.data[0]).toMatchObject({ merchantTxnId: 'LEG-C1', chargebackAmount: '39.95', chargebackDate: '2026-09-01', chargebackReasonCode: '13.1', isChargedback: 1 });
    const declined = (await call('transactions/query', { merchantTxnId: 'LEG-C2' })).message.data[0];
    expect(declined.responseType).toBe('HARD_DECLINE');

    // Imported rows land on the import day by dateUpdated, as an incremental sync would see them.
    const byUpdate = await call('transactions/query', { startDate: '11/21/2026', endDate: '11/21/2026', dateRangeType: 'dateUpdated', lastName: 'Legacy' });
    expect(byUpdate.message.totalResults).toBe(6);
  });

  it('reads the files from paths on the sandbox host too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-intake-'));
    try {
      const rows = [sale(person('P-1', 'Pat', 'pat.path@example.com'), { orderId: 'PO-1', dateCreated: '2026-10-01 12:00:00', merchantTxnId: 'PATH-1', isActiveRecurring: '1', nextBillDate: '2026-12-15' })];
      await writeFile(join(dir, 'tx.csv'), csv(transactionColumns, rows));
      const r = await intake({ files: { transactions: join(dir, 'tx.csv') } });
      expect(r.status).toBe(200);
      const p = await call('purchase/query', { customerId: String(r.json.customers[0].customerId) });
      expect(p.message.data[0]).toMatchObject({ nextBillDate: '2026-12-15', price: '39.95', status: 'ACTIVE' });
      const missing = await intake({ files: { transactions: join(dir, 'nope.csv') } });
      expect(missing.status).toBe(400);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
