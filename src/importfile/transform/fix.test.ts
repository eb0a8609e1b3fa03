import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionColumns } from '../spec/columns.js';
import { fixDate, fixDatetime, fixFile, planColumns, renderChangeLog } from './fix.js';
import { validateImportFiles } from '../validate/validate.js';
import { cellOf, readTable } from '../read/table.js';

describe('date and date-time fixes (pure)', () => {
  it('rewrites only what has one reading', () => {
    expect(fixDate('2025/3/7')).toBe('2025-03-07');
    expect(fixDate('13/04/2025')).toBe('2025-04-13');
    expect(fixDate('04/13/2025')).toBe('2025-04-13');
    expect(fixDate('03/04/2025')).toBeNull();
    expect(fixDate('03/04/2025', 'mdy')).toBe('2025-03-04');
    expect(fixDate('03/04/2025', 'dmy')).toBe('2025-04-03');
    expect(fixDate('02/30/2025')).toBeNull();
    expect(fixDatetime('2025-03-07T14:05:09')).toBe('2025-03-07 14:05:09');
    expect(fixDatetime('2025-03-07 14:05')).toBe('2025-03-07 14:05:00');
    expect(fixDatetime('12/25/2025 2:05 PM')).toBe('2025-12-25 14:05:00');
    expect(fixDatetime('12/25/2025 12:05 am')).toBe('2025-12-25 00:05:00');
    expect(fixDatetime('2025-03-07T14:05:09Z')).toBeNull();
  });
  it('lays columns out in spec order, fixing header case, adding optional columns', () => {
    const { columns, changes } = planColumns('transactions', ['orderid', 'customerId', 'extra']);
    expect(columns[0]?.name).toBe('customerId');
    expect(columns[1]?.name).toBe('orderId');
    expect(columns.at(-1)?.name).toBe('extra');
    expect(changes.map((c) => c.rule)).toContain('header_name_case');
    expect(changes.map((c) => c.rule)).toContain('column_order');
    expect(changes.filter((c) => c.rule === 'column_added').map((c) => c.column)).toContain('quantity');
  });
});

describe('fixFile', () => {
  let dir: string;
  const CARD = '4111111111111111';
  const good: Record<string, string> = {
    customerId: ' C1', orderId: 'O1', dateCreated: '07/31/2026 4:00 PM', campaignId: '1', productId: '15202', isActiveRecurring: 'TRUE',
    nextBillDate: '2026/12/1', paySource: 'creditcard', cardNumber: CARD, cardExpiryMonth: '4', cardExpiryYear: '29', merchantId: '3',
    merchantTxnId: 'T1', txnType: 'sale', subTotal: '39.95', shipTotal: '0', salesTax: '0.00', totalAmount: '39.95',
    responseType: 'Success', responseText: 'success', firstName: 'Ann', lastName: 'Lee', address1: '1 Way', address2: '', city: 'Austin',
    state: 'tx', country: 'us', postalCode: '78701', phoneNumber: '(512) 555-0100', emailAddress: 'ann@example.com', billShipSame: 'yes',
    isChargedback: '0', quantity: '0',
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'konduit-fix-'));
    // A shuffled header (reverse order) with unquoted cells, as a spreadsheet would save it.
    const cols = [...transactionColumns].reverse().filter((c) => c.name !== 'variantDetailId');
    const line = (r: Record<string, string>) => cols.map((c) => (r[c.name] ?? '').includes(',') ? `"${r[c.name]}"` : (r[c.name] ?? '')).join(',');
    const bad = { ...good, customerId: 'C2', merchantTxnId: 'T2', totalAmount: '1,000.00', cardNumber: '4.11111E+15', dateCreated: '03/04/2026 10:00' };
    await writeFile(join(dir, 'in.csv'), `${cols.map((c) => c.name).join(',')}\n${line(good)}\n${line(bad)}\n`);
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('fixes the safe things, logs each, never touches amounts, cards or ids, and leaves the rest to the validator', async () => {
    const out = join(dir, 'out.csv');
    const r = await fixFile('transactions', join(dir, 'in.csv'), out);
    const rows = [];
    for await (const rec of readTable(out)) rows.push(rec);
    expect(rows[0]?.header.names).toEqual(transactionColumns.map((c) => c.name));
    const a = rows[0]!;
    const get = (n: string) => cellOf(a, n);
    expect(get('dateCreated')).toBe('2026-07-31 16:00:00');
    expect(get('nextBillDate')).toBe('2026-12-01');
    expect(get('paySource')).toBe('CREDITCARD');
    expect(get('cardExpiryMonth')).toBe('04');
    expect(get('cardExpiryYear')).toBe('2029');
    expect(get('phoneNumber')).toBe('5125550100');
    expect(get('state')).toBe('TX');
    expect(get('country')).toBe('US');
    expect(get('isActiveRecurring')).toBe('1');
    expect(get('billShipSame')).toBe('1');
    expect(get('quantity')).toBe('1');
    expect(get('responseType')).toBe('SUCCESS');
    expect(get('shipTotal')).toBe('0'); // an amount: never rewritten
    expect(get('customerId')).toBe(' C1'); // an id: never trimmed
    expect(get('cardNumber')).toBe(CARD);
    const b = rows[1]!;
    expect(cellOf(b, 'totalAmount')).toBe('1,000.00');
    expect(cellOf(b, 'cardNumber')).toBe('4.11111E+15');
    expect(cellOf(b, 'dateCreated')).toBe('03/04/2026 10:00'); // ambiguous without --date-order
    const text = await readFile(out, 'utf8');
    expect(text.split('\r\n')[1]?.startsWith('" C1","O1","2026-07-31 16:00:00"')).toBe(true);
    const rules = new Set(r.changes.map((c) => c.rule));
    for (const rule of ['datetime_format', 'date_format', 'enum_case', 'expiry_month_2_digits', 'expiry_year_4_digits', 'phone_digits', 'state_case', 'country_case', 'bit_word', 'quantity_default', 'column_order']) {
      expect(rules.has(rule as never)).toBe(true);
    }
    expect(r.changes.every((c) => !['cardNumber', 'totalAmount', 'subTotal', 'customerId', 'merchantTxnId'].includes(c.column))).toBe(true);
    const log = renderChangeLog(r.changes, 'csv') + renderChangeLog(r.changes, 'json');
    expect(log).not.toContain(CARD);
    expect(log).toContain('"2","dateCreated"');
    const report = await validateImportFiles({ transactions: out }, { today: '2026-11-01' });
    const codes = new Set(report.issues.map((i) => `${i.row}:${i.column}`));
    expect(codes.has('3:totalAmount')).toBe(true);
    expect(codes.has('3:cardNumber')).toBe(true);
    expect([...codes].some((c) => c.startsWith('2:'))).toBe(false);
  });
});
