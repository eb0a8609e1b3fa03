import { describe, expect, it } from 'vitest';
import { transactionColumns } from '../spec/columns.js';
import type { IssueCode } from '../spec/messages.js';
import { detailsCsv, notesCsv, transactionsCsv, toCsv, validTransaction, type RowCells } from '../testkit/test-rows.js';
import { runValidation, validateImportFiles, type ImportInput } from './validate.js';

const TODAY = '2026-01-15';
const tx = (rows: RowCells[]) => ({ name: 't.csv', content: transactionsCsv(rows) });
const check = (input: ImportInput, maxIssues = 1000) => validateImportFiles(input, { today: TODAY, maxIssues });
const issuesOf = async (rows: RowCells[]) => (await check({ transactions: tx(rows) })).issues;

/** Field and cross-field rules: a failing change and a passing one for each, on a valid base row. */
const cases: { code: IssueCode; column: string | null; bad: RowCells; good: RowCells }[] = [
  { code: 'required', column: 'customerId', bad: { customerId: '' }, good: { customerId: 'C9' } },
  { code: 'required', column: 'address1', bad: { address1: '' }, good: { address1: '1 A St' } },
  { code: 'too_long', column: 'firstName', bad: { firstName: 'A'.repeat(31) }, good: { firstName: 'É'.repeat(30) } },
  { code: 'too_long', column: 'merchantTxnId', bad: { merchantTxnId: 'T'.repeat(31) }, good: { merchantTxnId: 'T'.repeat(30) } },
  { code: 'not_integer', column: 'campaignId', bad: { campaignId: '3.0' }, good: { campaignId: '0003' } },
  { code: 'not_integer', column: 'variantDetailId', bad: { variantDetailId: 'v1' }, good: { variantDetailId: '77' } },
  { code: 'not_integer', column: 'quantity', bad: { quantity: '2 units' }, good: { quantity: '2' } },
  { code: 'quantity_not_positive', column: 'quantity', bad: { quantity: '0' }, good: { quantity: '1' } },
  { code: 'not_decimal', column: 'shipTotal', bad: { shipTotal: '$4.95', totalAmount: '26.54' }, good: { shipTotal: '4.950' } },
  { code: 'not_bit', column: 'isActiveRecurring', bad: { isActiveRecurring: 'true' }, good: { isActiveRecurring: '0' } },
  { code: 'not_bit', column: 'isChargedback', bad: { isChargedback: 'N' }, good: { isChargedback: '' } },
  { code: 'not_in_enum', column: 'paySource', bad: { paySource: 'creditcard' }, good: { paySource: 'CREDITCARD' } },
  { code: 'not_in_enum', column: 'responseType', bad: { responseType: 'APPROVED' }, good: { responseType: 'DECLINE' } },
  { code: 'not_in_enum', column: 'responseText', bad: { responseText: 'Success' }, good: { responseText: 'DECLINE' } },
  { code: 'not_in_enum', column: 'txnType', bad: { txnType: 'VOID' }, good: { txnType: 'AUTHORIZE' } },
  { code: 'invalid_datetime', column: 'dateCreated', bad: { dateCreated: '2025-02-29 10:00:00' }, good: { dateCreated: '2024-02-29 10:00:00' } },
  { code: 'invalid_datetime', column: 'dateCreated', bad: { dateCreated: '03/10/2025 14:05' }, good: { dateCreated: '2025-03-10 00:00:00' } },
  { code: 'invalid_date', column: 'shipDate', bad: { shipDate: '2025-3-11' }, good: { shipDate: '2025-03-11' } },
  { code: 'invalid_email', column: 'emailAddress', bad: { emailAddress: 'ada@example' }, good: { emailAddress: 'ada.l+1@example.co.uk' } },
  { code: 'phone_not_digits', column: 'phoneNumber', bad: { phoneNumber: '(555) 111-2222' }, good: { phoneNumber: '5551112222' } },
  { code: 'phone_length', column: 'cellPhone', bad: { cellPhone: '555' }, good: { cellPhone: '447700900123' } },
  { code: 'invalid_country', column: 'country', bad: { country: 'USA' }, good: { country: 'US' } },
  { code: 'invalid_state', column: 'state', bad: { state: 'Illinois' }, good: { state: 'DC' } },
  { code: 'invalid_state', column: 'state', bad: { country: 'CA', state: 'NY', postalCode: 'K1A 0B1' }, good: { country: 'CA', state: 'ON' } },
  { code: 'required_if', column: 'state', bad: { state: '' }, good: { country: 'GB', state: '' } },
  { code: 'invalid_expiry_month', column: 'cardExpiryMonth', bad: { cardExpiryMonth: '3' }, good: { cardExpiryMonth: '12' } },
  { code: 'invalid_expiry_year', column: 'cardExpiryYear', bad: { cardExpiryYear: '28' }, good: { cardExpiryYear: '2030' } },
  { code: 'card_luhn', column: 'cardNumber', bad: { cardNumber: '4111111111111121' }, good: { cardNumber: '5555555555554444' } },
  { code: 'card_scientific_notation', column: 'cardNumber', bad: { cardNumber: '4.11111E+15' }, good: { cardNumber: '4111111111111111' } },
  { code: 'card_truncated_to_15_digits', column: 'cardNumber', bad: { cardNumber: '4111111111111110' }, good: { cardNumber: '4111111111111111' } },
  { code: 'card_too_long', column: 'cardNumber', bad: { cardNumber: '41111111111111111111' }, good: { cardNumber: '4111111111111111' } },
  { code: 'card_not_digits', column: 'cardNumber', bad: { cardNumber: '4111-1111-1111-1111' }, good: { cardNumber: '4111111111111111' } },
  { code: 'masked_card_without_token', column: 'cardNumber', bad: { cardNumber: '411111xxxxxx1111' }, good: { cardNumber: '411111xxxxxx1111', externalToken: 'tok_1' } },
  { code: 'masked_card_without_token', column: 'cardNumber', bad: { cardNumber: '411111******1111' }, good: { cardNumber: '411111******1111', externalToken: 'tok_2' } },
  { code: 'required_if', column: 'cardNumber', bad: { cardNumber: '' }, good: { cardNumber: '', paySource: 'PREPAID', cardExpiryMonth: '', cardExpiryYear: '' } },
  { code: 'required_if', column: 'cardExpiryYear', bad: { cardExpiryYear: '' }, good: { cardExpiryYear: '2029' } },
  {
    code: 'required_if',
    column: 'achRoutingNumber',
    bad: { paySource: 'CHECK', cardNumber: '', achAccountNumber: '12345678', achAccountType: 'CHECKING' },
    good: { paySource: 'CHECK', cardNumber: '', achRoutingNumber: '021000021', achAccountNumber: '12345678', achAccountType: 'CHECKING' },
  },
  {
    code: 'required_if',
    column: 'achAccountType',
    bad: { paySource: 'CHECK', achRoutingNumber: '021000021', achAccountNumber: '12345678' },
    good: { paySource: 'CHECK', achRoutingNumber: '021000021', achAccountNumber: '12345678', achAccountType: 'SAVINGS' },
  },
  { code: 'routing_checksum', column: 'achRoutingNumber', bad: { achRoutingNumber: '021000022' }, good: { achRoutingNumber: '011000015' } },
  { code: 'invalid_routing_number', column: 'achRoutingNumber', bad: { achRoutingNumber: '21000021' }, good: { achRoutingNumber: '021000021' } },
  { code: 'invalid_account_number', column: 'achAccountNumber', bad: { achAccountNumber: '1234-5678' }, good: { achAccountNumber: '12345678' } },
  { code: 'not_in_enum', column: 'achAccountType', bad: { achAccountType: 'checking' }, good: { achAccountType: 'CHECKING' } },
  { code: 'required_if', column: 'nextBillDate', bad: { isActiveRecurring: '1' }, good: { isActiveRecurring: '1', nextBillDate: '2026-02-01' } },
  { code: 'next_bill_date_past', column: 'nextBillDate', bad: { isActiveRecurring: '1', nextBillDate: '2026-01-14' }, good: { isActiveRecurring: '1', nextBillDate: TODAY } },
  { code: 'required_if', column: 'parentTxnId', bad: { txnType: 'CAPTURE' }, good: { txnType: 'SALE' } },
  { code: 'required_if', column: 'parentTxnId', bad: { merchantTxnId: 'R1', txnType: 'REFUND' }, good: { merchantTxnId: 'R1', txnType: 'REFUND', parentTxnId: 'R1' } },
  {
    code: 'required_if',
    column: 'achAccountNumber',
    bad: { paySource: 'CHECK', cardNumber: '', cardExpiryMonth: '', cardExpiryYear: '', achRoutingNumber: '021000021', achAccountType: 'CHECKING' },
    good: { paySource: 'CHECK', cardNumber: '', cardExpiryMonth: '', cardExpiryYear: '', achRoutingNumber: '021000021', achAccountNumber: '000123456789', achAccountType: 'CHECKING' },
  },
  { code: 'required_if', column: 'cardExpiryMonth', bad: { cardExpiryMonth: '' }, good: { cardExpiryMonth: '01' } },
  { code: 'card_too_short', column: 'cardNumber', bad: { cardNumber: '41111111' }, good: { cardNumber: '411111111117' } },
  { code: 'card_masked_malformed', column: 'cardNumber', bad: { cardNumber: '4111xx', externalToken: 'tok' }, good: { cardNumber: '4111xxxxxxxx1111', externalToken: 'tok' } },
  {
    code: 'required_if',
    column: 'chargebackTotal',
    bad: { isChargedback: '1', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
    good: { isChargedback: '0', chargebackDate: '', chargebackReasonCode: '' },
  },
  {
    code: 'required_if',
    column: 'chargebackReasonCode',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: '4853' },
  },
  {
    code: 'required_if',
    column: 'shipPostalCode',
    bad: { billShipSame: '0', shipAddress1: '1 B St', shipCity: 'Berlin', shipCountry: 'DE' },
    good: { billShipSame: '0', shipAddress1: '1 B St', shipCity: 'Berlin', shipCountry: 'DE', shipPostalCode: '10115' },
  },
  { code: 'total_mismatch', column: 'totalAmount', bad: { totalAmount: '26.55' }, good: { totalAmount: '26.540' } },
  {
    code: 'required_if',
    column: 'shipAddress1',
    bad: { billShipSame: '0', shipCity: 'Reno', shipState: 'NV', shipCountry: 'US', shipPostalCode: '89501' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Reno', shipState: 'NV', shipCountry: 'US', shipPostalCode: '89501' },
  },
  {
    code: 'required_if',
    column: 'shipState',
    bad: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipCountry: 'CA', shipPostalCode: 'K1A 0B1' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'London', shipCountry: 'GB', shipPostalCode: 'SW1A 1AA' },
  },
  {
    code: 'invalid_state',
    column: 'shipState',
    bad: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipState: 'NY', shipCountry: 'CA', shipPostalCode: 'K1A 0B1' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipState: 'ON', shipCountry: 'CA', shipPostalCode: 'K1A 0B1' },
  },
  { code: 'invalid_country', column: 'shipCountry', bad: { billShipSame: '1', shipCountry: 'XX' }, good: { billShipSame: '1', shipCountry: '' } },
  {
    code: 'required_if',
    column: 'chargebackDate',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackReasonCode: '10.4' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
  },
  {
    code: 'not_amount_xx_xx',
    column: 'chargebackTotal',
    bad: { isChargedback: '1', chargebackTotal: '26.5', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
    good: { isChargedback: '1', chargebackTotal: '26.50', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
  },
  {
    code: 'too_long',
    column: 'chargebackReasonCode',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: 'FRAUD-12345' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: 'FRAUD-1234' },
  },
  {
    code: 'chargeback_before_transaction',
    column: 'chargebackDate',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-03-09', chargebackReasonCode: '10.4' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-03-10', chargebackReasonCode: '10.4' },
  },
];

describe('field and cross-field rules', () => {
  it('accepts the base row (address2 empty, phone 5551112222)', async () => {
    expect(await issuesOf([validTransaction()])).toEqual([]);
  });

  for (const c of cases) {
    it(`${c.code} on ${c.column}: ${JSON.stringify(c.bad)}`, async () => {
      const bad = await issuesOf([validTransaction(c.bad)]);
      expect(bad.map((i) => [i.code, i.column])).toContainEqual([c.code, c.column]);
      const hit = bad.find((i) => i.code === c.code && i.column === c.column)!;
      expect(hit).toMatchObject({ file: 't.csv', kind: 'transactions', row: 2, line: 2 });
      expect(hit.columnLetter).toBe(transactionColumns.find((col) => col.name === c.column)!.letter);
      expect(hit.message.length).toBeGreaterThan(5);
      const good = await issuesOf([validTransaction(c.good)]);
      expect(good).toEqual([]);
    });
  }

  it('severity: warnings alone keep the report valid', async () => {
    const r = await check({ transactions: tx([validTransaction({ isActiveRecurring: '1', nextBillDate: '2025-01-01' })]) });
    expect(r.valid).toBe(true);
    expect(r.files[0]).toMatchObject({ errors: 0, warnings: 1 });
    expect(r.issues[0]).toMatchObject({ code: 'next_bill_date_past', severity: 'warning' });
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
