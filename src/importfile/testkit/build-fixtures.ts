/**
 * Test and benchmark fixtures for the migration workflow: a legacy processor export (its own column
 * names, US dates on a 12-hour clock in Los Angeles time, "$" amounts, spaced card numbers, words for
 * enums) made from valid import rows, and the mapping.yaml that builds those rows back.
 */
import { instantToWall, parseWall, wallToInstant } from '../../core/time.js';
import { SyntheticTransactions } from './synthetic-files.js';
import { csvLine } from '../transform/writer.js';
import { tableHeader } from '../read/table.js';
import { scanCsvBuffer } from '../read/csv-file.js';

type Row = Record<string, string>;

/** Valid transaction rows with this sandbox's ids: campaign 1, product 15202 (subscription) or 15201, MID 3. */
export function sandboxReadyRows(rows: number, today: string, seed = 11, latest = `${today} 23:59:59`): Row[] {
  return rowsOfCsv([...new SyntheticTransactions({ rows, today, seed }).chunks()].join(''), latest);
}

/** A legacy export of `rows` generated rows, chunk by chunk (bounded memory: the benchmark's 1,000,000 rows). */
export function* legacyExportChunks(rows: number, today: string, seed = 11): Generator<string> {
  let header = '';
  let first = true;
  for (const chunk of new SyntheticTransactions({ rows, today, seed, chunkRows: 5000 }).chunks()) {
    if (!header) {
      header = chunk;
      continue;
    }
    const text = legacyExport(rowsOfCsv(header + chunk, `${today} 23:59:59`));
    // Every chunk's export starts with the header line: keep only the first.
    yield first ? text : text.slice(text.indexOf('\r\n') + 2);
    first = false;
  }
}

function rowsOfCsv(text: string, latest: string): Row[] {
  const out: Row[] = [];
  let header: string[] | null = null;
  scanCsvBuffer(Buffer.from(text), (rec) => {
    const cells: string[] = [];
    for (let i = 0; i < rec.count; i++) cells.push(rec.buf.toString('utf8', rec.starts[i], rec.ends[i]));
    if (!header) {
      header = tableHeader(cells).names;
      return;
    }
    const r: Row = {};
    header.forEach((n, i) => (r[n] = cells[i] ?? ''));
    r.campaignId = '1';
    r.productId = r.isActiveRecurring === '1' ? '15202' : '15201';
    r.merchantId = '3';
    r.variantDetailId = '';
    // Refunds come up to 20 days after their sale: keep every row before `latest`.
    if ((r.dateCreated ?? '') > latest) r.dateCreated = latest;
    out.push(r);
  });
  return out;
}

/** Legacy column -> import column (what the fixture's mapping says). */
const LEGACY: [string, string][] = [
  ['Customer ID', 'customerId'], ['Order #', 'orderId'], ['Date', 'dateCreated'], ['Status', 'isActiveRecurring'],
  ['Next Billing', 'nextBillDate'], ['Payment Method', 'paySource'], ['Card Number', 'cardNumber'], ['Exp Month', 'cardExpiryMonth'],
  ['Exp Year', 'cardExpiryYear'], ['Routing', 'achRoutingNumber'], ['Bank Account', 'achAccountNumber'], ['Account Type', 'achAccountType'],
  ['Transaction ID', 'merchantTxnId'], ['Type', 'txnType'], ['Amount', 'subTotal'], ['Shipping', 'shipTotal'], ['Tax', 'salesTax'],
  ['Total', 'totalAmount'], ['Result', 'responseType'], ['Auth', 'authCode'], ['Refund Of', 'parentTxnId'], ['First Name', 'firstName'],
  ['Last Name', 'lastName'], ['Street', 'address1'], ['Street 2', 'address2'], ['City', 'city'], ['State', 'state'], ['Zip', 'postalCode'],
  ['Country', 'country'], ['Phone', 'phoneNumber'], ['Email', 'emailAddress'], ['Ship To Billing', 'billShipSame'],
  ['Ship Street', 'shipAddress1'], ['Ship Street 2', 'shipAddress2'], ['Ship City', 'shipCity'], ['Ship State', 'shipState'],
  ['Ship Zip', 'shipPostalCode'], ['Ship Country', 'shipCountry'], ['Chargeback', 'isChargedback'], ['Chargeback Amount', 'chargebackTotal'],
  ['Chargeback Date', 'chargebackDate'], ['Reason', 'chargebackReasonCode'], ['Token', 'externalToken'], ['Qty', 'quantity'],
  ['Home Phone', 'homePhone'], ['Mobile', 'cellPhone'], ['Work Phone', 'workPhone'], ['Affiliate', 'affId'], ['Sub ID', 'subAffId'],
  ['Shipped', 'shipDate'], ['Carrier', 'shipCarrier'], ['Method', 'shipMethod'], ['Tracking', 'trackingNumber'],
];

const PAY: Record<string, string> = { CREDITCARD: 'Visa', CHECK: 'ACH', PREPAID: 'Prepaid' };
const TYPE: Record<string, string> = { SALE: 'Charge', REFUND: 'Refund', AUTHORIZE: 'Auth', CAPTURE: 'Capture' };
const us = (date: string) => `${date.slice(5, 7)}/${date.slice(8, 10)}/${date.slice(0, 4)}`;

function laTime(nyWall: string): string {
  const w = parseWall(nyWall);
  if (!w) return nyWall;
  const la = instantToWall(wallToInstant(w, 'America/New_York'), 'America/Los_Angeles');
  const h12 = la.hour % 12 === 0 ? 12 : la.hour % 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(la.month)}/${pad(la.day)}/${la.year} ${pad(h12)}:${pad(la.minute)}:${pad(la.second)} ${la.hour < 12 ? 'AM' : 'PM'}`;
}

/** The legacy export of import rows (the fixture's "processor export"). */
export function legacyExport(rows: readonly Row[]): string {
  const lines = [csvLine(['Plan', ...LEGACY.map(([l]) => l)])];
  for (const r of rows) {
    const plan = r.productId === '15202' ? 'Gold Monthly' : 'Starter Kit';
    const card = r.cardNumber ?? '';
    const cells = LEGACY.map(([, c]) => {
      const v = r[c] ?? '';
      switch (c) {
        case 'dateCreated': return laTime(v);
        case 'nextBillDate': case 'chargebackDate': case 'shipDate': return v ? us(v) : '';
        case 'isActiveRecurring': return v === '1' ? 'active' : 'inactive';
        case 'paySource': return PAY[v] ?? v;
        case 'txnType': return TYPE[v] ?? v;
        case 'responseType': return v === 'SUCCESS' ? 'Approved' : 'Declined';
        case 'cardNumber': return /^\d{16}$/.test(card) ? card.replace(/(\d{4})(?=\d)/g, '$1 ') : card;
        case 'cardExpiryYear': return v.slice(2);
        case 'cardExpiryMonth': return v.replace(/^0/, '');
        case 'phoneNumber': return v.length === 10 ? `(${v.slice(0, 3)}) ${v.slice(3, 6)}-${v.slice(6)}` : v;
        case 'billShipSame': return v === '1' ? 'yes' : 'no';
        case 'totalAmount': case 'subTotal': return `$${v}`;
        default: return v;
      }
    });
    lines.push(csvLine([plan, ...cells]));
  }
  return lines.join('');
}

/** The mapping.yaml that builds `legacyExport(rows)` back into the rows. */
export const LEGACY_MAPPING = `version: 1
source:
  timeZone: America/Los_Angeles
  dateTimeFormat: "MM/DD/YYYY hh:mm:ss A"
  dateFormat: "MM/DD/YYYY"
target:
  timeZone: America/New_York
transactions:
  source: 1
  columns:
${LEGACY.filter(([, c]) => c !== 'responseType').map(([l, c]) => `    ${c}: "${l}"`).join('\n')}
    responseType: "Result"
    responseText: "Result"
  constants:
    merchantId: "3"
  lookups:
    - by: "Plan"
      values:
        "Gold Monthly": { campaignId: "1", productId: "15202" }
        "Starter Kit": { campaignId: "1", productId: "15201" }
  values:
    isActiveRecurring: { active: "1", inactive: "0" }
    paySource: { Visa: CREDITCARD, ACH: CHECK, Prepaid: PREPAID }
    txnType: { Charge: SALE, Refund: REFUND, Auth: AUTHORIZE, Capture: CAPTURE }
    responseType: { Approved: SUCCESS, Declined: DECLINE }
    responseText: { Approved: SUCCESS, Declined: DECLINE }
`;
