import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionsCsv, validTransaction } from '../testkit/test-rows.js';
import { validateImportFiles } from '../validate/validate.js';
import { cellOf, readTable } from '../read/table.js';
import { fixFile, renderChangeLog } from './fix.js';
import { parseRebillRule, resolvePastNextBill } from './rebill-guard.js';

describe('the rebill guard\'s rules (pure)', () => {
  it('move:+N is the import date plus N days', () => {
    expect(resolvePastNextBill('2026-10-02', '2026-12-01', parseRebillRule('move:+3'))).toEqual({ nextBillDate: '2026-12-04', isActiveRecurring: '1' });
    expect(resolvePastNextBill('2026-10-02', '2026-12-30', parseRebillRule('move:5'))).toEqual({ nextBillDate: '2027-01-04', isActiveRecurring: '1' });
  });

  it('keep-day keeps the day of the month, on or after the import date; the 31st becomes a short month\'s last day', () => {
    const keep = parseRebillRule('keep-day');
    expect(resolvePastNextBill('2026-10-15', '2026-12-01', keep).nextBillDate).toBe('2026-12-15');
    expect(resolvePastNextBill('2026-10-15', '2026-12-15', keep).nextBillDate).toBe('2026-12-15');
    expect(resolvePastNextBill('2026-10-15', '2026-12-16', keep).nextBillDate).toBe('2027-01-15');
    expect(resolvePastNextBill('2026-10-31', '2027-02-03', keep).nextBillDate).toBe('2027-02-28');
    expect(resolvePastNextBill('2026-10-31', '2028-02-03', keep).nextBillDate).toBe('2028-02-29');
  });

  it('cancel imports the subscription as not active', () => {
    expect(resolvePastNextBill('2026-10-02', '2026-12-01', parseRebillRule('cancel'))).toEqual({ nextBillDate: '', isActiveRecurring: '0' });
  });

  it('anything else says what is accepted', () => {
    expect(() => parseRebillRule('later')).toThrow(/not a rule for past next bill dates/);
  });
});

describe('fix --past-next-bill-date on a file', () => {
  let dir: string;
  const rows = [
    validTransaction({ merchantTxnId: 'T1', isActiveRecurring: '1', nextBillDate: '10/22/2026' }),
    validTransaction({ merchantTxnId: 'T2', customerId: 'C2', emailAddress: 'c2@example.com', isActiveRecurring: '1', nextBillDate: '2026-12-20' }),
    validTransaction({ merchantTxnId: 'T3', customerId: 'C3', emailAddress: 'c3@example.com', isActiveRecurring: 'yes', nextBillDate: '2026-11-30' }),
  ];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'konduit-rebill-'));
    await writeFile(join(dir, 'in.csv'), transactionsCsv(rows));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('without a rule: counted, left, and the validator refuses the file', async () => {
    const r = await fixFile('transactions', join(dir, 'in.csv'), join(dir, 'none.csv'), { rebill: { importDate: '2026-12-01', rule: null } });
    expect(r.pastNextBill).toEqual({ count: 2, rows: [2, 4], resolved: false });
    const v = await validateImportFiles({ transactions: join(dir, 'none.csv') }, { today: '2026-11-20', importDate: '2026-12-01' });
    expect(v.issues.filter((i) => i.code === 'next_bill_date_past').map((i) => i.row)).toEqual([2, 4]);
  });

  it.each([
    ['move:+3', [['2', '1', '2026-12-04'], ['3', '1', '2026-12-20'], ['4', '1', '2026-12-04']]],
    ['keep-day', [['2', '1', '2026-12-22'], ['3', '1', '2026-12-20'], ['4', '1', '2026-12-30']]],
    ['cancel', [['2', '0', ''], ['3', '1', '2026-12-20'], ['4', '0', '']]],
  ])('%s resolves every past row; the choice and each row are in the change log; the file validates', async (rule, want) => {
    const out = join(dir, `${rule.replace(/\W/g, '')}.csv`);
    const r = await fixFile('transactions', join(dir, 'in.csv'), out, { rebill: { importDate: '2026-12-01', rule: parseRebillRule(rule) } });
    const got: string[][] = [];
    for await (const rec of readTable(out)) got.push([String(rec.row), cellOf(rec, 'isActiveRecurring'), cellOf(rec, 'nextBillDate')]);
    expect(got).toEqual(want);
    const log = r.changes.filter((c) => ['rebill_guard_choice', 'next_bill_date_moved', 'subscription_cancelled'].includes(c.rule));
    expect(log[0]).toEqual({ row: 1, column: 'nextBillDate', before: 'active subscriptions due before the import date 2026-12-01', after: rule, rule: 'rebill_guard_choice' });
    const moved = log.slice(1).map((c) => [c.row, c.column, c.before, c.after]);
    if (rule === 'cancel') expect(moved).toEqual([[2, 'isActiveRecurring', '1', '0'], [2, 'nextBillDate', '2026-10-22', ''], [4, 'isActiveRecurring', '1', '0'], [4, 'nextBillDate', '2026-11-30', '']]);
    else expect(moved).toEqual([[2, 'nextBillDate', '2026-10-22', want[0]![2]], [4, 'nextBillDate', '2026-11-30', want[2]![2]]]);
    expect(renderChangeLog(r.changes, 'csv')).toContain('"1","nextBillDate","active subscriptions due before the import date 2026-12-01"');
    expect((await validateImportFiles({ transactions: out }, { today: '2026-11-20', importDate: '2026-12-01' })).valid).toBe(true);
  });
});

describe('fix: postal codes', () => {
  it('restores a US ZIP\'s dropped leading zeros and formats a Canadian postal code, each logged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-zip-'));
    await writeFile(join(dir, 'in.csv'), transactionsCsv([
      validTransaction({ merchantTxnId: 'T1', postalCode: '2134' }),
      validTransaction({ merchantTxnId: 'T2', postalCode: '1234-5678' }),
      validTransaction({ merchantTxnId: 'T3', country: 'CA', state: 'ON', postalCode: 'k1a0b1' }),
      validTransaction({ merchantTxnId: 'T4', country: 'GB', state: '', postalCode: '2134' }),
    ]));
    const r = await fixFile('transactions', join(dir, 'in.csv'), join(dir, 'out.csv'));
    expect(r.changes.filter((c) => c.column === 'postalCode').map((c) => [c.row, c.before, c.after, c.rule])).toEqual([
      [2, '2134', '02134', 'zip_leading_zeros'],
      [3, '1234-5678', '01234-5678', 'zip_leading_zeros'],
      [4, 'k1a0b1', 'K1A 0B1', 'postal_code_format'],
    ]);
    const before = await validateImportFiles({ transactions: join(dir, 'in.csv') }, { today: '2026-01-15' });
    expect(before.issues.filter((i) => i.column === 'postalCode').map((i) => [i.row, i.code])).toEqual([[2, 'invalid_us_zip'], [3, 'invalid_us_zip'], [4, 'invalid_ca_postal_code']]);
    expect(before.issues[0]!.message).toContain('leading zeros a spreadsheet dropped');
    expect((await validateImportFiles({ transactions: join(dir, 'out.csv') }, { today: '2026-01-15' })).valid).toBe(true);
    expect(await readFile(join(dir, 'out.csv'), 'utf8')).toContain('"02134"');
    await rm(dir, { recursive: true, force: true });
  });
});
