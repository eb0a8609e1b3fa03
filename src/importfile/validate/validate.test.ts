import { describe, expect, it } from 'vitest';
import { transactionColumns } from '../spec/columns.js';
import { detailsCsv, notesCsv, transactionsCsv, toCsv, validTransaction, type RowCells } from '../testkit/test-rows.js';
import { runValidation, validateImportFiles, type ImportInput } from './validate.js';

const TODAY = '2026-01-15';
const tx = (rows: RowCells[]) => ({ name: 't.csv', content: transactionsCsv(rows) });
const check = (input: ImportInput, maxIssues = 1000) => validateImportFiles(input, { today: TODAY, maxIssues });
const issuesOf = async (rows: RowCells[]) => (await check({ transactions: tx(rows) })).issues;

describe('field and cross-field rules', () => {
  it('accepts the base row (address2 empty, phone 5551112222)', async () => {
    expect(await issuesOf([validTransaction()])).toEqual([]);
  });

  it('severity: warnings alone keep the report valid', async () => {
    const r = await check({ transactions: tx([validTransaction({ quantity: '0' })]) });
    expect(r.valid).toBe(true);
    expect(r.files[0]).toMatchObject({ errors: 0, warnings: 1 });
    expect(r.issues[0]).toMatchObject({ code: 'quantity_not_positive', severity: 'warning' });
  });

  it('the rebill guard: a next bill date before the planned import date is an error, compared with importDate when given', async () => {
    const row = validTransaction({ isActiveRecurring: '1', nextBillDate: '2026-02-01' });
    expect((await check({ transactions: tx([row]) })).valid).toBe(true);
    const r = await validateImportFiles({ transactions: tx([row]) }, { today: TODAY, importDate: '2026-02-10' });
    expect(r.valid).toBe(false);
    expect(r.issues.map((i) => [i.code, i.severity, i.row, i.value])).toEqual([['next_bill_date_past', 'error', 2, '2026-02-01']]);
    expect(r.issues[0]!.message).toBe('nextBillDate 2026-02-01 of an active subscription is before the import date 2026-02-10: the CRM would bill it the moment it is imported');
  });
});

describe('cross-row and cross-file rules', () => {
  const sale = (id: string, over: RowCells = {}) => validTransaction({ merchantTxnId: id, ...over });
  const refund = (id: string, parent: string, amount: string, over: RowCells = {}) =>
    validTransaction({ merchantTxnId: id, txnType: 'REFUND', parentTxnId: parent, subTotal: amount, shipTotal: '0', salesTax: '0', totalAmount: amount, ...over });

  it('duplicate merchantTxnId is an error on the second row', async () => {
    const issues = await issuesOf([sale('T1'), sale('T1', { orderId: 'O2' })]);
    expect(issues.map((i) => [i.code, i.row, i.column])).toEqual([['duplicate_merchant_txn_id', 3, 'merchantTxnId']]);
    expect(issues[0]!.message).toContain('row 2');
    expect(await issuesOf([sale('T1'), sale('T2')])).toEqual([]);
  });

  it('parentTxnId must name a merchantTxnId of the file, before or after the child', async () => {
    const missing = await issuesOf([sale('T1'), refund('R1', 'T9', '5.00')]);
    expect(missing.map((i) => [i.code, i.row, i.column, i.value])).toEqual([['parent_not_found', 3, 'parentTxnId', 'T9']]);
    expect(await issuesOf([refund('R1', 'T1', '5.00'), sale('T1')])).toEqual([]);
    expect(await issuesOf([validTransaction({ merchantTxnId: 'C1', txnType: 'CAPTURE', parentTxnId: 'A1' }), sale('A1', { txnType: 'AUTHORIZE' })])).toEqual([]);
  });

  it('a refund larger than what remains of its parent is an error; declined refunds consume nothing', async () => {
    // Parent total 26.54: 20.00 + 6.54 use it up exactly; one more cent is too much.
    expect(await issuesOf([sale('T1'), refund('R1', 'T1', '20.00'), refund('R2', 'T1', '6.54')])).toEqual([]);
    const over = await issuesOf([sale('T1'), refund('R1', 'T1', '20.00'), refund('R2', 'T1', '6.55')]);
    expect(over.map((i) => [i.code, i.row, i.column])).toEqual([['refund_exceeds_parent', 4, 'totalAmount']]);
    expect(over[0]!.message).toContain('6.54');
    const declined = await issuesOf([sale('T1'), refund('R1', 'T1', '20.00', { responseType: 'DECLINE', responseText: 'DECLINE' }), refund('R2', 'T1', '26.54')]);
    expect(declined).toEqual([]);
    // A forward parent is settled at the end.
    const forward = await issuesOf([refund('R1', 'T1', '30.00'), sale('T1')]);
    expect(forward.map((i) => [i.code, i.row])).toEqual([['refund_exceeds_parent', 2]]);
  });

  it('the same customerId with a different name or email is a warning', async () => {
    const r = await check({ transactions: tx([sale('T1'), sale('T2', { emailAddress: 'other@example.com' }), sale('T3', { firstName: 'ADA' })]) });
    expect(r.valid).toBe(true);
    expect(r.issues.map((i) => [i.code, i.severity, i.row])).toEqual([['customer_identity_mismatch', 'warning', 3]]);
  });

  it('notes and details customerIds must exist in the transactions file', async () => {
    const r = await check({
      transactions: tx([sale('T1')]),
      notes: { name: 'n.csv', content: notesCsv([{ customerId: 'C1', dateCreated: '2025-01-01 10:00:00', noteText: 'hi' }, { customerId: 'C2', dateCreated: '2025-01-01 10:00:00', noteText: 'x' }]) },
      details: { name: 'd.csv', content: detailsCsv([{ customerId: 'C3' }, { customerId: 'C1', custom1: 'gold' }]) },
    });
    expect(r.issues.map((i) => [i.file, i.kind, i.code, i.row])).toEqual([
      ['n.csv', 'notes', 'customer_not_in_transactions', 3],
      ['d.csv', 'details', 'customer_not_in_transactions', 2],
    ]);
    expect(r.files.map((f) => [f.kind, f.rows, f.errors])).toEqual([['transactions', 1, 0], ['notes', 2, 1], ['details', 2, 1]]);
  });

  it('checks the notes and details field rules', async () => {
    const r = await check({
      transactions: tx([sale('T1')]),
      notes: { name: 'n.csv', content: notesCsv([{ customerId: 'C1', dateCreated: '2025-01-01', noteText: 'x'.repeat(501) }]) },
      details: { name: 'd.csv', content: detailsCsv([{ customerId: 'C1', password: 'p'.repeat(31) }]) },
    });
    expect(r.issues.map((i) => [i.kind, i.code, i.column])).toEqual([
      ['notes', 'invalid_datetime', 'dateCreated'],
      ['notes', 'too_long', 'noteText'],
      ['details', 'too_long', 'password'],
    ]);
  });
});

describe('memory cap of the cross-row state', () => {
  it('past the cap skips what it cannot know (no false errors), still finds what it can, and says so once', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => validTransaction({ merchantTxnId: `T${i}`, customerId: `C${i}` }));
    rows.push(validTransaction({ merchantTxnId: 'T1', customerId: 'C1' })); // duplicate of a remembered id
    rows.push(validTransaction({ merchantTxnId: 'R1', txnType: 'REFUND', parentTxnId: 'T35' })); // parent not remembered
    const notes = notesCsv([{ customerId: 'C39', dateCreated: '2025-01-01 10:00:00', noteText: 'late customer' }]);
    const r = await validateImportFiles(
      { transactions: tx(rows), notes: { name: 'n.csv', content: notes } },
      { today: TODAY, crossRowBits: 4 },
    );
    expect(r.issues.map((i) => [i.code, i.row])).toEqual([
      ['cross_row_checks_limited', null],
      ['duplicate_merchant_txn_id', 42],
    ]);
    expect(r.issues[0]!.message).toContain('first 11 transactions');
  });
});

describe('header', () => {
  const cols = transactionColumns.map((c) => c.name);
  const csvWith = (names: string[]) => toCsv(names, [validTransaction({ CustomerID: 'C1' })]);
  it('reports missing required, missing optional, unknown, duplicated, mis-cased and out-of-order columns', async () => {
    const names = cols.filter((n) => n !== 'orderId' && n !== 'variantDetailId');
    names.push('favouriteColour', 'firstName');
    [names[2], names[3]] = [names[3]!, names[2]!]; // productId before campaignId
    names[0] = 'CustomerID';
    const r = await check({ transactions: { name: 't.csv', content: csvWith(names) } });
    const got = r.issues.filter((i) => i.row === 1).map((i) => [i.code, i.column]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['header_missing_column', 'orderId'],
        ['header_missing_optional_column', 'variantDetailId'],
        ['header_unknown_column', null],
        ['header_duplicate_column', 'firstName'],
        ['header_wrong_case', 'customerId'],
        ['header_out_of_order', 'campaignId'],
      ]),
    );
    expect(got).toHaveLength(6);
    expect(r.issues.find((i) => i.code === 'header_missing_optional_column')!.severity).toBe('warning');
    // The data row is still read through the header mapping: nothing else is wrong with it.
    expect(r.issues.filter((i) => i.row === 2)).toEqual([]);
  });
  it('an empty file is an error', async () => {
    const r = await check({ transactions: { name: 't.csv', content: '' } });
    expect(r.issues.map((i) => [i.code, i.row, i.line])).toEqual([['file_empty', null, null]]);
    expect(r.valid).toBe(false);
  });
});

describe('malformed CSV', () => {
  it('reports each problem at its row and carries on validating the rows after it', async () => {
    const good = transactionsCsv([validTransaction({ merchantTxnId: 'T1' })]);
    const header = good.split('\r\n')[0]!;
    const row = (id: string, over: RowCells = {}) => transactionsCsv([validTransaction({ merchantTxnId: id, ...over })]).split('\r\n')[1]!;
    const text = [
      header,
      row('T1'),
      row('T2').replace('"Ada"', '"Ada", "extra"'), // ragged (and a bad quote: text after a quote)
      row('T3').replace('"Springfield"', '"Spring"field"'), // bad quote
      row('T4').replace('"Lovelace"', '"Love\u0000lace"'), // NUL
      row('T5').replace('"12 Main St"', '"12 Main St'), // a lost quote: the cell runs on to the next quote
      row('T6', { campaignId: 'x' }), // still checked after all that
      '',
    ].join('\n');
    const bytes = Buffer.concat([
      Buffer.from(text),
      Buffer.from([0xc3, 0x28]),
      Buffer.from(`,${row('T7').split(',').slice(1).join(',')}\n`),
      Buffer.from('"C9","never closed\nmore text'), // a quote that is never closed before the end of the file
    ]);
    const r = await check({ transactions: { name: 't.csv', content: bytes } });
    const got = r.issues.map((i) => [i.code, i.row]);
    expect(got).toEqual(
      expect.arrayContaining([
        ['csv_ragged_row', 3],
        ['csv_bad_quote', 4],
        ['csv_nul_byte', 5],
        ['csv_bad_quote', 6],
        ['csv_ragged_row', 6],
        ['not_integer', 7],
        ['csv_invalid_utf8', 8],
        ['csv_unclosed_quote', 9],
      ]),
    );
    expect(r.files[0]!.rows).toBe(9);
    expect(r.issues.filter((i) => i.row === 2)).toEqual([]);
  });

  it('never throws on random bytes', async () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let n = 0; n < 30; n++) {
      const junk = Buffer.alloc(2000, 0).map(() => (rnd() < 0.3 ? [0x22, 0x2c, 0x0a, 0x0d][Math.floor(rnd() * 4)]! : Math.floor(rnd() * 256)));
      const r = await check({ transactions: { name: 'j.csv', content: Buffer.concat([Buffer.from(transactionsCsv([])), junk]) } });
      expect(r.valid).toBe(false);
    }
  });
});

describe('report', () => {
  it('--max-issues caps what is listed, never what is counted', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => validTransaction({ merchantTxnId: `T${i}`, campaignId: 'x', productId: 'y' }));
    const capped = await check({ transactions: tx(rows) }, 5);
    expect(capped.issues).toHaveLength(5);
    expect(capped.files[0]).toMatchObject({ rows: 30, errors: 60, warnings: 0 });
    expect(capped.valid).toBe(false);
    const { codes } = await runValidation({ transactions: tx(rows) }, { today: TODAY, maxIssues: 0 });
    expect(codes.find((c) => c.code === 'not_integer')!.count).toBe(60);
  });

  it('has exactly the JSON shape of the spec', async () => {
    const r = await check({ transactions: tx([validTransaction({ cardNumber: '4111111111111121' })]) });
    expect(Object.keys(r).sort()).toEqual(['files', 'issues', 'valid']);
    expect(Object.keys(r.files[0]!).sort()).toEqual(['errors', 'file', 'kind', 'rows', 'warnings']);
    expect(Object.keys(r.issues[0]!).sort()).toEqual(
      ['code', 'column', 'columnLetter', 'file', 'kind', 'line', 'message', 'row', 'severity', 'value'].sort(),
    );
    expect(r.issues[0]!.value).toBe('411111******1121');
  });

  it('counts row and line separately when cells hold line breaks', async () => {
    const r = await check({ transactions: tx([validTransaction({ merchantTxnId: 'T1', address2: 'Apt 1\nrear' }), validTransaction({ merchantTxnId: 'T2', campaignId: 'x' })]) });
    expect(r.issues.map((i) => [i.code, i.row, i.line])).toEqual([['not_integer', 3, 4]]);
  });

  it('throws an EnvironmentError naming a missing file', async () => {
    await expect(validateImportFiles({ transactions: '/nonexistent/t.csv' })).rejects.toThrow(/transactions file \/nonexistent\/t.csv/);
  });
});

describe('messages that name the way out (issue 17)', () => {
  it('a slash date names --date-order; a combined expiry names derive.cardExpiry', async () => {
    const issues = await issuesOf([validTransaction({ dateCreated: '4/10/2026 5:35 AM', cardExpiryMonth: '06/31' })]);
    expect(issues.find((i) => i.code === 'invalid_datetime')?.message).toContain('konduit import fix --date-order mdy (or dmy)');
    expect(issues.find((i) => i.code === 'invalid_expiry_month')?.message).toContain('combined expiry');
    const plain = await issuesOf([validTransaction({ dateCreated: 'yesterday' })]);
    expect(plain.find((i) => i.code === 'invalid_datetime')?.message).toBe('dateCreated must be a real date and time written YYYY-MM-DD HH:MM:SS');
  });
});
