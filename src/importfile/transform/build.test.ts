import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_MAPPING, legacyExport, sandboxReadyRows } from '../testkit/build-fixtures.js';
import { buildImportFiles } from './build.js';
import { transactionColumns } from '../spec/columns.js';
import { guessColumns } from './guess-columns.js';
import { mappingTemplate } from './init-mapping.js';
import { compileFormat, parseMapping } from './mapping.js';
import { cellOf, readTable } from '../read/table.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-build-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('mapping', () => {
  it('parses date formats with tokens, 12-hour clocks and calendar checks', () => {
    expect(compileFormat('MM/DD/YYYY hh:mm:ss A')('07/04/2026 12:05:09 AM')).toEqual({ year: 2026, month: 7, day: 4, hour: 0, minute: 5, second: 9 });
    expect(compileFormat('MM/DD/YYYY hh:mm:ss A')('07/04/2026 01:05:09 PM')?.hour).toBe(13);
    expect(compileFormat('D.M.YY')('4.7.26')).toMatchObject({ year: 2026, month: 7, day: 4 });
    expect(compileFormat('YYYY-MM-DD')('2026-02-30')).toBeNull();
    expect(() => compileFormat('MM/DD/YYYY hh:mm')).toThrow(/12-hour clock/);
  });
  it('names what is wrong in a mapping', () => {
    expect(() => parseMapping('version: 1\ntransactions:\n  columns:\n    customerID: "x"\n')).toThrow(/"customerID", which is not a column of the transactions file/);
    expect(() => parseMapping('version: 2\n')).toThrow(/version: 1/);
    expect(() => parseMapping('version: 1\nsource:\n  timeZone: Mars/Base\ntransactions: {}\n')).toThrow(/source.timeZone "Mars\/Base"/);
    expect(() => parseMapping('version: 1\nnotes: {}\n')).toThrow(/"transactions" section is required/);
    // A typo is refused, not ignored: the whole section would silently be empty.
    expect(() => parseMapping('version: 1\ntransactions:\n  colums: {}\n')).toThrow(/mapping: transactions: .*colums/);
    expect(() => parseMapping('version: 1\ntransactions:\n  source: 0\n')).toThrow(/mapping: transactions.source: /);
  });
});

describe('import build', () => {
  it('builds a legacy export back into valid import rows: lookups, value maps, zones, formats', async () => {
    const rows = sandboxReadyRows(300, '2026-11-20', 5);
    await writeFile(join(dir, 'export.csv'), legacyExport(rows));
    const r = await buildImportFiles(parseMapping(LEGACY_MAPPING), [join(dir, 'export.csv')], join(dir, 'out'), { today: '2026-11-21' });
    expect(r.issues).toEqual([]);
    expect(r.report.valid).toBe(true);
    expect(r.rows.transactions).toBe(300);
    let i = 0;
    for await (const rec of readTable(r.files.transactions)) {
      const want = rows[i++] as Record<string, string>;
      for (const c of transactionColumns) {
        const expected = c.name === 'quantity' && (want.quantity ?? '') === '' ? '1' : (want[c.name] ?? '');
        expect(`${rec.row} ${c.name}=${cellOf(rec, c.name)}`).toBe(`${rec.row} ${c.name}=${expected}`);
      }
    }
    expect((await readFile(r.files.transactions, 'utf8')).startsWith('"customerId","orderId","dateCreated"')).toBe(true);
  });

  it('reports unmapped values and unknown lookups without dropping rows', async () => {
    const rows = sandboxReadyRows(20, '2026-11-20', 6);
    const text = legacyExport(rows).replace('"Starter Kit"', '"Mystery Box"').replace(/"Visa"/, '"Amex"');
    await writeFile(join(dir, 'odd.csv'), text);
    const r = await buildImportFiles(parseMapping(LEGACY_MAPPING), [join(dir, 'odd.csv')], join(dir, 'odd'), { today: '2026-11-21' });
    expect(r.rows.transactions).toBe(20);
    expect(r.issues.map((x) => `${x.code}:${x.value}`)).toEqual(expect.arrayContaining(['lookup_missing:Mystery Box', 'unmapped_value:Amex']));
    expect(r.report.valid).toBe(false);
  });

  it('--init guesses columns (exact names confidently, synonyms for review) and never guesses CRM ids', async () => {
    const g = guessColumns(['Customer ID', 'E-mail', 'Zip', 'Card Number', 'Plan', 'Campaign'], [['C1', 'a@b.co', '02134', '4111111111111111', 'Gold', 'x'], ['C2', 'c@d.co', '78701', '5555555555554444', 'Gold', 'y'], ['C3', 'e@f.co', '80202', '4012888888881881', 'Basic', 'z']]);
    const by = Object.fromEntries(g.map((x) => [x.column, x]));
    expect(by.customerId).toMatchObject({ source: 'Customer ID', confidence: 'high' });
    expect(by.emailAddress).toMatchObject({ source: 'E-mail', confidence: 'high' });
    expect(by.postalCode?.source).toBe('Zip');
    expect(by.cardNumber).toMatchObject({ source: 'Card Number', confidence: 'high', reasons: ['same name', 'content agrees (100%)'] });
    expect(by.campaignId).toBeUndefined();
    const t = mappingTemplate(['Customer ID', 'E-mail', 'Card Number', 'Plan'], 'export.csv', [['C1', 'a@b.co', '4111111111111111', 'Gold']]);
    expect(t).toContain('emailAddress: "E-mail"  # synonym "Email"');
    expect(t).toContain('- by: "Plan"');
    expect(t).not.toContain('4111111111111111');
  });
});

describe('zoneConverter', () => {
  it('matches the exact conversion on every hour of a year, across both DST transitions', async () => {
    const { zoneConverter } = await import('./build.js');
    const { formatWall, instantToWall, wallToInstant } = await import('../../core/time.js');
    for (const [from, to] of [['America/Los_Angeles', 'America/New_York'], ['Europe/London', 'America/New_York'], ['Australia/Lord_Howe', 'Asia/Kolkata']] as const) {
      const fast = zoneConverter(from, to);
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 37 * 60_000 + 13_000) {
        const d = new Date(t);
        const w = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
        expect(fast(w)).toBe(formatWall(instantToWall(wallToInstant(w, from), to)));
      }
    }
  });
});

describe('import build: notes and details', () => {
  it('builds notes from a second source (blank notes skipped) and one details row per customer', async () => {
    const rows = sandboxReadyRows(30, '2026-11-20', 8);
    await writeFile(join(dir, 'e2.csv'), legacyExport(rows).replace('"Plan",', '"Plan","Tier",').replace(/\r\n"(Gold Monthly|Starter Kit)",/g, (_m, p: string) => `\r\n"${p}","${p === 'Starter Kit' ? 'bronze' : 'gold'}",`));
    const ids = [...new Set(rows.map((r) => r.customerId))];
    await writeFile(join(dir, 'notes-export.csv'), `cust,when,agent,text\r\n${ids[0]},07/02/2026 11:00:00 AM,Dana,"Asked about ""shipping"", ok"\r\n${ids[1]},07/03/2026 01:00:00 PM,,\r\n`);
    const mapping = `${LEGACY_MAPPING}notes:\n  source: 2\n  columns: { customerId: cust, dateCreated: when, agentName: agent, noteText: text }\ndetails:\n  source: 1\n  columns: { customerId: "Customer ID", loginId: "Email", custom1: "Tier" }\n`;
    const r = await buildImportFiles(parseMapping(mapping), [join(dir, 'e2.csv'), join(dir, 'notes-export.csv')], join(dir, 'nd'), { today: '2026-11-21' });
    expect(r.rows).toEqual({ transactions: 30, notes: 1, details: ids.length });
    expect(r.report.valid).toBe(true);
    const notes = [];
    for await (const rec of readTable(r.files.notes as string)) notes.push(rec.cells);
    // 11:00 AM in Los Angeles is 14:00 in New York.
    expect(notes).toEqual([[ids[0], '2026-07-02 14:00:00', 'Dana', 'Asked about "shipping", ok']]);
    const details = [];
    for await (const rec of readTable(r.files.details as string)) details.push(cellOf(rec, 'customerId'));
    expect(details.sort()).toEqual([...ids].sort());
  });
});

describe('import build: derivations, joins and offsets (issue 17)', () => {
  const header = ['Charge ID', 'Customer ID', 'Email', 'First', 'Last', 'Processed At', 'Kind', 'Status', 'Refunded Txn', 'Reason', 'Subscription ID', 'Sub Status', 'Next Charge', 'Amount',
    'Bill Street', 'Bill City', 'Bill State', 'Bill Zip', 'Bill Country', 'Ship Street', 'Ship City', 'Ship State', 'Ship Zip', 'Ship Country', 'Expiry', 'Vault ID', 'Phone', 'Same'];
  const line = (cells: string[]) => `${cells.map((c) => `"${c}"`).join(',')}\r\n`;
  const base = ['', 'C1', 'ann@example.com', 'Ann', 'Lee', '', 'charge', 'success', '', '', 'S1', 'active', '2026-12-20', '39.95', '1 Main St', 'Boston', 'MA', '02134', 'US', '', '', '', '', '', '06/31', 'V1', '512-555-0100', ''];
  const r = (over: Record<number, string>) => base.map((v, i) => over[i] ?? v);
  const exportText = '\ufeff' + line(header) + [
    r({ 0: 'ch_1', 5: '2026-09-20T10:00:00-07:00' }),
    r({ 0: 'ch_2', 5: '2026-10-20T10:00:00-07:00', 19: '9 Elm St', 20: 'Boston', 21: 'MA', 22: '02134', 23: 'US' }),
    r({ 0: 'ch_3', 5: '2026-10-21T09:00:00Z', 6: 'refund', 8: 'ch_2', 13: '39.95' }),
    r({ 0: 'dp_1', 5: '2026-11-02T09:00:00Z', 6: 'dispute', 8: 'ch_1', 9: '10.4', 13: '-39.95' }),
    r({ 0: 'ch_4', 1: 'C2', 2: 'bo@example.com', 3: 'Bo', 10: 'S2', 11: 'cancelled', 12: '', 5: '2026-08-01T12:00:00Z', 19: '1 MAIN ST', 20: 'boston', 21: 'MA', 22: '02134', 23: 'us', 25: 'V2' }),
    r({ 0: 'dp_9', 5: '2026-11-03T09:00:00Z', 6: 'dispute', 8: 'ch_404', 9: '13.1' }),
  ].map(line).join('');
  const cards = 'customer_vault_id,cc_number\r\nV1,4111111111111111\r\nV2,5555555555554444\r\n';
  const mapping = `version: 1
source: { timeZone: UTC, dateTimeFormat: "YYYY-MM-DDTHH:mm:ssZ", dateFormat: "YYYY-MM-DD" }
target: { timeZone: America/New_York }
transactions:
  columns: { customerId: "Customer ID", orderId: "Charge ID", merchantTxnId: "Charge ID", dateCreated: "Processed At", txnType: "Kind", responseType: "Status", responseText: "Status",
    parentTxnId: "Refunded Txn", isActiveRecurring: "Sub Status", nextBillDate: "Next Charge", subTotal: "Amount", totalAmount: "Amount", firstName: First, lastName: Last,
    emailAddress: Email, phoneNumber: Phone, address1: "Bill Street", city: "Bill City", state: "Bill State", postalCode: "Bill Zip", country: "Bill Country",
    shipAddress1: "Ship Street", shipCity: "Ship City", shipState: "Ship State", shipPostalCode: "Ship Zip", shipCountry: "Ship Country" }
  constants: { campaignId: "1", productId: "15202", merchantId: "3", paySource: CREDITCARD, shipTotal: "0", salesTax: "0", address2: "" }
  values:
    txnType: { charge: SALE, refund: REFUND }
    responseType: { success: SUCCESS, failed: DECLINE }
    responseText: { success: SUCCESS, failed: DECLINE }
    isActiveRecurring: { active: "1", cancelled: "0" }
    quantity: { "": "2" }
  joins:
    - source: 2
      on: { "Vault ID": customer_vault_id }
      columns: { cardNumber: cc_number }
  derive:
    billShipSame: sameAddress
    cardExpiry: { from: Expiry }
    subscription: { by: "Subscription ID" }
    disputes: { when: { column: Kind, values: [dispute, Chargeback] }, parent: "Refunded Txn", reasonCode: Reason }
`;

  it('derives every value and names what it could not', async () => {
    await writeFile(join(dir, 'platform.csv'), exportText);
    await writeFile(join(dir, 'cards.csv'), cards);
    const b = await buildImportFiles(parseMapping(mapping), [join(dir, 'platform.csv'), join(dir, 'cards.csv')], join(dir, 'derived'), { today: '2026-11-21' });
    expect(b.issues.map((i) => [i.code, i.row, i.value])).toEqual([['dispute_parent_missing', 7, 'ch_404']]);
    expect(b.disputesFolded).toBe(1);
    const got: Record<string, string>[] = [];
    for await (const rec of readTable(b.files.transactions)) got.push(Object.fromEntries(rec.header.names.map((n, i) => [n, rec.cells[i] ?? ''])));
    const pick = (x: Record<string, string>) => [x.merchantTxnId, x.dateCreated, x.isActiveRecurring, x.nextBillDate, x.billShipSame, x.cardNumber, x.cardExpiryMonth, x.cardExpiryYear, x.isChargedback, x.chargebackTotal, x.chargebackDate, x.chargebackReasonCode, x.quantity];
    expect(got.map(pick)).toEqual([
      // -07:00 is Pacific daylight time: 13:00 in New York. The dispute's amount, date and reason land on ch_1.
      ['ch_1', '2026-09-20 13:00:00', '0', '', '1', '4111111111111111', '06', '2031', '1', '39.95', '2026-11-02', '10.4', '2'],
      // The subscription's latest approved sale keeps it; a different shipping street makes billShipSame 0.
      ['ch_2', '2026-10-20 13:00:00', '1', '2026-12-20', '0', '4111111111111111', '06', '2031', '', '', '', '', '2'],
      ['ch_3', '2026-10-21 05:00:00', '0', '', '1', '4111111111111111', '06', '2031', '', '', '', '', '2'],
      ['ch_4', '2026-08-01 08:00:00', '0', '', '1', '5555555555554444', '06', '2031', '', '', '', '', '2'],
    ]);
    expect(got.map((x) => x.phoneNumber)).toEqual(['5125550100', '5125550100', '5125550100', '5125550100']);
  });

  it('refuses a time zone left as a question, and a date format left as a choice', () => {
    expect(() => parseMapping('version: 1\nsource: { timeZone: "?" }\ntransactions: {}\n')).toThrow(/source.timeZone is still a question/);
    expect(() => parseMapping('version: 1\nsource: { dateTimeFormat: "M/D/YYYY h:mm A | D/M/YYYY h:mm A" }\ntransactions: {}\n')).toThrow(/still a choice/);
    expect(() => parseMapping('version: 1\ntransactions:\n  columns: { billShipSame: Same }\n  derive: { billShipSame: sameAddress }\n')).toThrow(/billShipSame is filled by transactions.columns.billShipSame and by transactions.derive.billShipSame/);
  });
});
