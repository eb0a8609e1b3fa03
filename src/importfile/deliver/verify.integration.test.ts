/**
 * Verify against the sandbox CRM: a legacy file set imported through the sandbox's intake (as the CRM's
 * migration team would) verifies; a damaged import (a missing customer, a wrong next bill date, a lost
 * refund) and a tampered CRM state (a changed amount) fail, naming each difference.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../../crm/client.js';
import { ADMIN_HEADER, startSandbox, type Sandbox } from '../../sandbox/index.js';
import { transactionColumns } from '../spec/columns.js';
import { SyntheticTransactions } from '../testkit/synthetic-files.js';
import { verifyImport, renderVerifyText } from './verify.js';
import { csvLine } from '../transform/writer.js';
import { readTable } from '../read/table.js';

type Row = Record<string, string>;
const NOW = '2026-11-21 12:00:00';
let dir: string;
let rows: Row[];
const sandboxes: Sandbox[] = [];

/** Generated rows, given this sandbox's ids: campaign 1, product 15202 (30-day subscription) or 15201 (one-time), MID 3. */
async function legacyRows(): Promise<Row[]> {
  const path = join(dir, 'gen.csv');
  await writeFile(path, [...new SyntheticTransactions({ rows: 120, today: '2026-11-20', seed: 11 }).chunks()].join(''));
  const out: Row[] = [];
  for await (const rec of readTable(path)) {
    const r: Row = {};
    rec.header.names.forEach((n, i) => (r[n] = rec.cells[i] ?? ''));
    r.campaignId = '1';
    r.productId = r.isActiveRecurring === '1' ? '15202' : '15201';
    r.merchantId = '3';
    r.variantDetailId = '';
    // Refunds come up to 20 days after their sale: keep them before the sandbox's "now".
    if ((r.dateCreated ?? '') > '2026-11-21 00:00:00') r.dateCreated = '2026-11-21 00:00:00';
    out.push(r);
  }
  return out;
}

async function writeSet(name: string, rs: Row[]): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, csvLine(transactionColumns.map((c) => c.name)) + rs.map((r) => csvLine(transactionColumns.map((c) => r[c.name] ?? ''))).join(''));
  return path;
}

async function importInto(rs: Row[], name: string): Promise<Sandbox> {
  const sb = await startSandbox({ seed: 'verify', customers: 20, start: '2026-09-01', now: NOW });
  sandboxes.push(sb);
  const path = await writeSet(name, rs);
  const res = await fetch(`${sb.baseUrl}/_sandbox/intake`, { method: 'POST', headers: { [ADMIN_HEADER]: sb.adminToken, 'content-type': 'application/json' }, body: JSON.stringify({ files: { transactions: path } }) });
  const body = (await res.json()) as { accepted: boolean; problems?: string[]; report?: { issues: unknown[] } };
  expect(body.accepted, JSON.stringify(body.problems ?? body.report?.issues?.slice(0, 3))).toBe(true);
  return sb;
}

const clientOf = (sb: Sandbox) => new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, requestsPerSecond: 0, maxAttempts: 2 });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-verify-'));
  rows = await legacyRows();
});
afterAll(async () => {
  for (const sb of sandboxes) await sb.close();
  await rm(dir, { recursive: true, force: true });
});

describe('import verify against the sandbox', () => {
  it('passes after a faithful import; fails naming each difference after a damaged one or a tampered CRM', async () => {
    const file = await writeSet('transactions.csv', rows);
    const good = await importInto(rows, 'good.csv');
    const ok = await verifyImport(clientOf(good), file, { today: '2026-11-21' });
    expect(renderVerifyText(ok)).toContain('PASS');
    expect(ok.pass).toBe(true);
    expect(ok.customers.found).toBe(ok.customers.total);
    expect(ok.verdicts.reduce((n, v) => n + v.checked.subscriptions, 0)).toBeGreaterThan(3);
    expect(rows.some((r) => r.txnType === 'REFUND') && rows.some((r) => r.isChargedback === '1')).toBe(true);

    // The damaged import: one customer left out, one next bill date wrong, one refund lost.
    const byCustomer = (id: string) => rows.filter((r) => r.customerId === id);
    const missing = rows.find((r) => byCustomer(r.customerId ?? '').every((x) => x.txnType === 'SALE' && x.isActiveRecurring === '0'))?.customerId as string;
    // A customer's only active row: the subscription's next bill date comes from it.
    const active = rows.find((r) => r.isActiveRecurring === '1' && r.customerId !== missing && byCustomer(r.customerId ?? '').filter((x) => x.isActiveRecurring === '1').length === 1) as Row;
    const refund = rows.find((r) => r.txnType === 'REFUND' && r.customerId !== missing && r.customerId !== active.customerId) as Row;
    const damaged = rows
      .filter((r) => r.customerId !== missing && r !== refund)
      .map((r) => (r === active ? { ...r, nextBillDate: '2027-01-31' } : r));
    const bad = await importInto(damaged, 'damaged.csv');
    // And the CRM's state tampered: one sale's amount changed after the import.
    const sale = rows.find((r) => r.txnType === 'SALE' && r.responseType === 'SUCCESS' && ![missing, active.customerId, refund.customerId].includes(r.customerId)) as Row;
    const txn = bad.merchant.txns.find((t) => t.merchantTxnId === sale.merchantTxnId);
    expect(txn).toBeDefined();
    if (txn) txn.amount += 100;

    const r = await verifyImport(clientOf(bad), file, { today: '2026-11-21' });
    expect(r.pass).toBe(false);
    const diffs = r.verdicts.flatMap((v) => v.differences);
    expect(diffs).toContainEqual(expect.objectContaining({ code: 'customer_missing', customerId: missing }));
    expect(diffs).toContainEqual(expect.objectContaining({ code: 'next_bill_date_differs', customerId: active.customerId, expected: active.nextBillDate, actual: '2027-01-31' }));
    expect(diffs).toContainEqual(expect.objectContaining({ code: 'transaction_missing', customerId: refund.customerId, merchantTxnId: refund.merchantTxnId }));
    expect(diffs).toContainEqual(expect.objectContaining({ code: 'amount_differs', merchantTxnId: sale.merchantTxnId, expected: sale.totalAmount }));
    // Nothing else differs: each damage is named once, and undamaged customers pass.
    expect(new Set(diffs.map((d) => d.code))).toEqual(new Set(['customer_missing', 'next_bill_date_differs', 'transaction_missing', 'amount_differs']));
    const text = renderVerifyText(r);
    expect(text).toContain(`customer ${missing}`);
    expect(text).toContain('next bill date differs');
    expect(text).toMatch(/FAIL: 4 differences/);
  });

  it('reads every page of a customer whose transactions fill more than one page', async () => {
    const base = rows.find((r) => r.txnType === 'SALE' && r.responseType === 'SUCCESS' && r.paySource === 'CREDITCARD') as Row;
    const many = Array.from({ length: 205 }, (_, i) => ({
      ...base,
      customerId: 'PAGES1',
      orderId: `PO${i}`,
      merchantTxnId: `PAGES-${i}`,
      emailAddress: 'pages@example.com',
      isActiveRecurring: '0',
      nextBillDate: '',
      isChargedback: '0',
      chargebackTotal: '',
      chargebackDate: '',
      chargebackReasonCode: '',
    }));
    const file = await writeSet('pages.csv', many);
    const r = await verifyImport(clientOf(await importInto(many, 'pages-import.csv')), file, { today: '2026-11-21' });
    expect(r.verdicts.flatMap((v) => v.differences)).toEqual([]);
    expect(r.verdicts[0]?.checked.transactions).toBe(205);
  });
});
