/**
 * Small builders for hand-made import files (used by the tests): a valid transaction row to mutate, and
 * CSV text from rows.
 */
import { noteColumns, detailColumns, transactionColumns, type ColumnSpec } from '../spec/columns.js';

/** A cell map keyed by column name. */
export type RowCells = Record<string, string>;

/** A valid card SALE row for customer C1 (Visa test number 4111111111111111). */
export function validTransaction(over: RowCells = {}): RowCells {
  return {
    customerId: 'C1',
    orderId: 'O1',
    dateCreated: '2025-03-10 14:05:00',
    campaignId: '3',
    productId: '101',
    isActiveRecurring: '0',
    nextBillDate: '',
    paySource: 'CREDITCARD',
    cardNumber: '4111111111111111',
    cardExpiryMonth: '03',
    cardExpiryYear: '2028',
    achRoutingNumber: '',
    achAccountNumber: '',
    achAccountType: '',
    merchantId: '2',
    merchantTxnId: 'T1',
    txnType: 'SALE',
    subTotal: '19.99',
    shipTotal: '4.95',
    salesTax: '1.60',
    totalAmount: '26.54',
    responseType: 'SUCCESS',
    responseText: 'SUCCESS',
    authCode: 'A1B2',
    parentTxnId: '',
    firstName: 'Ada',
    lastName: 'Lovelace',
    address1: '12 Main St',
    address2: '',
    city: 'Springfield',
    state: 'IL',
    country: 'US',
    postalCode: '62701',
    phoneNumber: '5551112222',
    homePhone: '',
    cellPhone: '',
    workPhone: '',
    emailAddress: 'ada@example.com',
    billShipSame: '1',
    shipAddress1: '',
    shipAddress2: '',
    shipCity: '',
    shipState: '',
    shipCountry: '',
    shipPostalCode: '',
    affId: '',
    subAffId: '',
    shipDate: '',
    shipCarrier: '',
    shipMethod: '',
    trackingNumber: '',
    isChargedback: '0',
    chargebackTotal: '',
    chargebackDate: '',
    chargebackReasonCode: '',
    externalToken: '',
    quantity: '',
    variantDetailId: '',
    ...over,
  };
}

const q = (v: string) => `"${v.replace(/"/g, '""')}"`;

/** CSV text (all cells quoted, CRLF) of rows over the given columns. */
export function toCsv(cols: readonly ColumnSpec[] | readonly string[], rows: RowCells[]): string {
  const names = cols.map((c) => (typeof c === 'string' ? c : c.name));
  const lines = [names.map(q).join(','), ...rows.map((r) => names.map((n) => q(r[n] ?? '')).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

/** CSV text of transaction rows. */
export const transactionsCsv = (rows: RowCells[]) => toCsv(transactionColumns, rows);
/** CSV text of note rows. */
export const notesCsv = (rows: RowCells[]) => toCsv(noteColumns, rows);
/** CSV text of detail rows. */
export const detailsCsv = (rows: RowCells[]) => toCsv(detailColumns, rows);
