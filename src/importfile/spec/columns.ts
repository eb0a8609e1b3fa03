/**
 * The one source of truth for the three legacy import files (the CRM's legacy import spec): every column's name, letter,
 * type, maximum length, required rule, enum values and description. The validator, the writer/fixer
 * and the generated docs (`npm run docs` -> docs/import-files.md) all read this table.
 */
import type { CardScan } from './card-numbers.js';

/** How a cell is read. Each type has one checker in `validate/field-checks.ts`. */
export type ColumnType =
  | 'varchar' // free text up to maxLength characters
  | 'id' // a Konnektive id: digits only
  | 'integer' // an optional minus sign and digits
  | 'decimal' // a money amount: digits with up to two decimals (extra decimals only if zeros)
  | 'amount2' // a money amount written exactly as xx.xx
  | 'bit' // 0 or 1
  | 'enum' // one of `values`, exact case
  | 'date' // YYYY-MM-DD that exists on the calendar
  | 'datetime' // YYYY-MM-DD HH:MM:SS that exists on the calendar
  | 'email'
  | 'phone' // digits only
  | 'country' // ISO 3166-1 alpha-2, upper case
  | 'region' // a state/province: checked against the row's country for US and CA
  | 'card' // a card number: up to 19 digits passing Luhn, or masked with x/* when a token is given
  | 'month' // two digits 01..12
  | 'year' // four digits
  | 'routing' // an ABA routing number: nine digits with a valid checksum
  | 'account'; // a bank account number: digits only

/** A condition on another cell of the same row: that cell's value is one of `in` (exact case). */
export interface Condition {
  column: string;
  in: readonly string[];
}

/** Human text of a condition list: "paySource=CREDITCARD", "billShipSame=0 and shipCountry is US or CA". */
export function describeConditions(when: readonly Condition[]): string {
  return when
    .map((c) => (c.in.length === 1 ? `${c.column}=${c.in[0]}` : `${c.column} is ${c.in.join(' or ')}`))
    .join(' and ');
}

/**
 * - always: the column must be present and every row must have a value;
 * - column: the column must be present, a value may be empty (address2, shipAddress2);
 * - if: the column must be present; a value is required when ALL conditions hold;
 * - never: optional column, optional value.
 */
export type Requirement =
  | { kind: 'always' }
  | { kind: 'column' }
  | { kind: 'if'; when: readonly Condition[] }
  | { kind: 'never' };

/** One column of an import file. */
export interface ColumnSpec {
  /** Spreadsheet letter (A, B, ..., BF). */
  letter: string;
  /** Header name, exact case. */
  name: string;
  type: ColumnType;
  /** Maximum length in characters (varchar) or digits (numbers), when the vendor's spec gives one. */
  maxLength: number | null;
  required: Requirement;
  /** Allowed values, exact case (enums only). */
  values: readonly string[] | null;
  /** The vendor spec's type text, verbatim. */
  seedType: string;
  /** The vendor spec's required text, verbatim. */
  seedRequired: string;
  /** The vendor spec's description, verbatim. */
  description: string;
  /** Holds a card or bank number: always masked in output. */
  sensitive: boolean;
  /**
   * Where a card number found in this column is flagged (card_in_other_column): anywhere in free text, in
   * id columns only as the whole cell, never in the card and bank columns (spec/card-numbers.ts).
   */
  cardScan: CardScan;
}

/** The three files. */
export type FileKind = 'transactions' | 'notes' | 'details';

const always = { kind: 'always' } as const;
const never = { kind: 'never' } as const;
const columnOnly = { kind: 'column' } as const;
const when = (column: string, ...values: string[]): Requirement => ({ kind: 'if', when: [{ column, in: values }] });
const billShipSame0 = when('billShipSame', '0');

type Row = [
  letter: string,
  name: string,
  type: ColumnType,
  maxLength: number | null,
  required: Requirement,
  seedType: string,
  seedRequired: string,
  description: string,
  values?: readonly string[],
];

/** Id columns: their digit runs are ids or tokens; only a cell that is a card number as a whole is one. */
const ID_LIKE = new Set(['customerId', 'orderId', 'merchantTxnId', 'parentTxnId', 'authCode', 'externalToken', 'trackingNumber', 'affId', 'subAffId']);

function build(rows: Row[]): ColumnSpec[] {
  return rows.map(([letter, name, type, maxLength, required, seedType, seedRequired, description, values]) => ({
    letter,
    name,
    type,
    maxLength,
    required,
    values: values ?? null,
    seedType,
    seedRequired,
    description,
    sensitive: type === 'card' || type === 'account' || type === 'routing',
    cardScan: type === 'card' || type === 'account' || type === 'routing' ? 'never' : type === 'id' || ID_LIKE.has(name) ? 'whole' : 'anywhere',
  }));
}

/** Transactions file, columns A..BF (58). */
export const transactionColumns: readonly ColumnSpec[] = build([
  ['A', 'customerId', 'varchar', 20, always, 'varchar(20)', 'Y', 'Your internal customer id for this customer'],
  ['B', 'orderId', 'varchar', 20, always, 'varchar(20)', 'Y', 'Your internal order id for the order associated with this transaction'],
  ['C', 'dateCreated', 'datetime', 19, always, 'datetime (YYYY-MM-DD HH:MM:SS)', 'Y', 'The timestamp of the transaction'],
  ['D', 'campaignId', 'id', 18, always, 'integer', 'Y', 'The Konnektive campaignId that indicates which campaign to import this order into.'],
  ['E', 'productId', 'id', 18, always, 'integer', 'Y', 'The Konnektive campaign productId that indicates which product within the campaign, the transaction was for. (Found on the campaign page)'],
  ['F', 'isActiveRecurring', 'bit', 1, always, 'bit 0=false 1=true', 'Y', 'Whether this transaction was made on a currently active continuity product'],
  ['G', 'nextBillDate', 'date', 10, when('isActiveRecurring', '1'), 'date (YYYY-MM-DD)', 'Y - IF isActiveRecurring=1', 'The next scheduled billing date for the active continuity product'],
  ['H', 'paySource', 'enum', null, always, 'ENUM (CREDITCARD, CHECK, or PREPAID)', 'Y', 'How the customer paid for the product', ['CREDITCARD', 'CHECK', 'PREPAID']],
  ['I', 'cardNumber', 'card', 19, when('paySource', 'CREDITCARD'), 'integer (max 19)', 'Y - IF paySource=CREDITCARD', 'Full credit card number used for payment'],
  ['J', 'cardExpiryMonth', 'month', 2, when('paySource', 'CREDITCARD'), 'integer (MM)', 'Y - IF paySource=CREDITCARD', 'Month in which the card expires (must include leading zeros)'],
  ['K', 'cardExpiryYear', 'year', 4, when('paySource', 'CREDITCARD'), 'integer (YYYY)', 'Y - IF paySource=CREDITCARD', 'Year in which the card expires (must be 4 digits)'],
  ['L', 'achRoutingNumber', 'routing', 9, when('paySource', 'CHECK'), 'integer', 'Y - IF paySource=CHECK', "Routing number of the customer's bank"],
  ['M', 'achAccountNumber', 'account', 17, when('paySource', 'CHECK'), 'integer', 'Y - if paySource=CHECK', "Account number of the customer's bank account"],
  ['N', 'achAccountType', 'enum', null, when('paySource', 'CHECK'), 'ENUM (SAVINGS or CHECKING)', 'Y - IF paySource=CHECK', 'Bank Account Type', ['SAVINGS', 'CHECKING']],
  ['O', 'merchantId', 'id', 18, always, 'integer', 'Y', 'Konnektive Id for the merchant account the transaction was billed against'],
  ['P', 'merchantTxnId', 'varchar', 30, always, 'varchar(30)', 'Y', 'transactionId returned by the merchant processor'],
  ['Q', 'txnType', 'enum', null, always, 'ENUM (SALE, AUTHORIZE, CAPTURE, REFUND)', 'Y', 'The type of transaction', ['SALE', 'AUTHORIZE', 'CAPTURE', 'REFUND']],
  ['R', 'subTotal', 'decimal', null, always, 'decimal', 'Y', 'product price before shipping and taxes applied'],
  ['S', 'shipTotal', 'decimal', null, always, 'decimal', 'Y', 'shipping charged for the order'],
  ['T', 'salesTax', 'decimal', null, always, 'decimal', 'Y', 'sales tax charged for the order'],
  ['U', 'totalAmount', 'decimal', null, always, 'decimal', 'Y', 'Sum of salesTax / subTotal / shipTotal (Must add up correctly)'],
  ['V', 'responseType', 'enum', null, always, 'ENUM (SUCCESS or DECLINE)', 'Y', 'Result of the transaction, was it successful?', ['SUCCESS', 'DECLINE']],
  ['W', 'responseText', 'enum', null, always, 'ENUM (SUCCESS or DECLINE)', 'Y', 'Any additional response information returned by the processor', ['SUCCESS', 'DECLINE']],
  ['X', 'authCode', 'varchar', 20, never, 'varchar(20)', 'N', 'Authorization Code returned by the processor'],
  ['Y', 'parentTxnId', 'varchar', 30, when('txnType', 'REFUND', 'CAPTURE'), 'varchar(30)', 'Y - IF txnType=REFUND or txnType=CAPTURE', 'The parent transaction against which a refund or capture transaction was run'],
  ['Z', 'firstName', 'varchar', 30, always, 'varchar(30)', 'Y', "Customer's first name"],
  ['AA', 'lastName', 'varchar', 30, always, 'varchar(30)', 'Y', "Customer's last name"],
  ['AB', 'address1', 'varchar', 30, always, 'varchar(30)', 'Y', 'Billing Address Line 1'],
  ['AC', 'address2', 'varchar', 30, columnOnly, 'varchar(30)', 'Y', 'Billing Address Line 2'],
  ['AD', 'city', 'varchar', 30, always, 'varchar(30)', 'Y', 'Billing Address City'],
  ['AE', 'state', 'region', 30, when('country', 'US', 'CA'), 'varchar(30)', 'Y - IF country=US or country=CA', 'Billing Address State'],
  ['AF', 'country', 'country', 2, always, 'char(2) -standard ISO 2 country codes', 'Y', 'Billing Address Country'],
  ['AG', 'postalCode', 'varchar', 20, always, 'varchar(20)', 'Y', 'Billing Address Postal Code'],
  ['AH', 'phoneNumber', 'phone', 15, always, 'numeric (no dashes or parentheses)', 'Y', 'Primary Phone number of customer'],
  ['AI', 'homePhone', 'phone', 15, never, 'numeric (no dashes or parentheses)', 'N', 'Home telephone number'],
  ['AJ', 'cellPhone', 'phone', 15, never, 'numeric (no dashes or parentheses)', 'N', 'Cellphone number'],
  ['AK', 'workPhone', 'phone', 15, never, 'numeric (no dashes or parentheses)', 'N', 'Work telephone number'],
  ['AL', 'emailAddress', 'email', 254, always, 'emailAddress (must be valid format)', 'Y', "Customer's email address"],
  ['AM', 'billShipSame', 'bit', 1, always, 'bit 0=false 1=true', 'Y', 'Whether or not the shipping address is the same as the billing address'],
  ['AN', 'shipAddress1', 'varchar', 30, billShipSame0, 'varchar(30)', 'Y - IF billShipSame=0', 'Shipping Address Line 1'],
  ['AO', 'shipAddress2', 'varchar', 30, columnOnly, 'varchar(30)', 'Y - IF billShipSame=0', 'Shipping Address Line 2'],
  ['AP', 'shipCity', 'varchar', 30, billShipSame0, 'varchar(30)', 'Y - IF billShipSame=0', 'Shipping Address City'],
  ['AQ', 'shipState', 'region', 30, { kind: 'if', when: [{ column: 'billShipSame', in: ['0'] }, { column: 'shipCountry', in: ['US', 'CA'] }] }, 'varchar(30)', 'Y - IF country=US or country=CA', 'Shipping Address State'],
  ['AR', 'shipCountry', 'country', 2, billShipSame0, 'char(2) -standard ISO 2 country codes', 'Y - IF billShipSame=0', 'Shipping Address Country'],
  ['AS', 'shipPostalCode', 'varchar', 20, billShipSame0, 'varchar(20)', 'Y - IF billShipSame=0', 'Shipping Address Postal Code'],
  ['AT', 'affId', 'varchar', 20, never, 'varchar(20)', 'N', 'Konnektive affId as defined in the CRM'],
  ['AU', 'subAffId', 'varchar', 20, never, 'varchar(20)', 'N', 'Sub affilaite id associated with order'],
  ['AV', 'shipDate', 'date', 10, never, 'date (YYYY-MM-DD)', 'N', 'Date on which the order was shipped'],
  ['AW', 'shipCarrier', 'varchar', 20, never, 'varchar(20) (ex. USPS, FedEx, etc)', 'N', 'Carrier responsible for shipment'],
  ['AX', 'shipMethod', 'varchar', 20, never, 'varchar(20)', 'N', "Carrier's shipment method (ex. Express, 3-day Ground, etc)"],
  ['AY', 'trackingNumber', 'varchar', 20, never, 'varchar(20)', 'N', 'Order Tracking # assigned by the carrier'],
  ['AZ', 'isChargedback', 'bit', 1, never, "Boolean('0' or '1')", 'N', 'Indicates that the specific transaction has been charged back by the card holder.'],
  ['BA', 'chargebackTotal', 'amount2', null, when('isChargedback', '1'), 'Decimal (xx.xx format)', 'Y-if isChargedback', 'The amount of the chargeback.'],
  ['BB', 'chargebackDate', 'date', 10, when('isChargedback', '1'), 'Date (YYYY-MM-DD)', 'Y-if isChargedback', 'The date on which the chargeback was issued.'],
  ['BC', 'chargebackReasonCode', 'varchar', 10, when('isChargedback', '1'), 'varchar(10)', 'Y-if isChargedback', "Card issuer's chargeback code."],
  ['BD', 'externalToken', 'varchar', 50, never, 'varchar(50)', 'N', 'A token identifying the customer payment source at the 3rd party gateway. This is commonly used to run existing rebills when the full card numbers are unavailable and when gateway-supported. -note: if provided, cardNumber column may be masked with either x\'s or asterisks.'],
  ['BE', 'quantity', 'integer', 9, never, 'integer', 'N', 'The quantity of the product. If not provided or not greater than 0, then it will be set to 1.'],
  ['BF', 'variantDetailId', 'id', 18, never, 'integer', 'N', 'The Konnektive variantDetailId that indicates which variant of the product the transaction was for. (Found on the product page). The variant must exist on the Konnektive product.'],
]);

/** Customer Notes file, columns A..D. */
export const noteColumns: readonly ColumnSpec[] = build([
  ['A', 'customerId', 'varchar', 20, always, 'varchar(20)', 'Y', 'Your internal customer id for this customer. This must match the customerId in the transactions file'],
  ['B', 'dateCreated', 'datetime', 19, always, 'datetime (YYYY-MM-DD HH:MM:SS)', 'Y', 'the date the note was taken'],
  ['C', 'agentName', 'varchar', 20, never, 'varchar(20)', 'N', 'Name of the individual customer service agent. (Leave empty for system notes)'],
  ['D', 'noteText', 'varchar', 500, always, 'varchar(500)', 'Y', 'The note itself'],
]);

/** Additional Customer Details file, columns A..H. */
export const detailColumns: readonly ColumnSpec[] = build([
  ['A', 'customerId', 'varchar', 20, always, 'varchar(20)', 'Y', 'Your internal customer id for this customer. This must match the customerId in the transactions file'],
  ['B', 'loginId', 'varchar', 30, never, 'varchar(30)', 'N', 'loginId or username for a third-party site'],
  ['C', 'password', 'varchar', 30, never, 'varchar(30)', 'N', 'password for a third-party site'],
  ['D', 'custom1', 'varchar', 50, never, 'varchar(50)', 'N', 'standard custom field 1'],
  ['E', 'custom2', 'varchar', 50, never, 'varchar(50)', 'N', 'standard custom field 2'],
  ['F', 'custom3', 'varchar', 50, never, 'varchar(50)', 'N', 'standard custom field 3'],
  ['G', 'custom4', 'varchar', 50, never, 'varchar(50)', 'N', 'standard custom field 4'],
  ['H', 'custom5', 'varchar', 50, never, 'varchar(50)', 'N', 'standard custom field 5'],
]);

/** The columns of each file kind, in spec order. */
export const columnsByKind: Readonly<Record<FileKind, readonly ColumnSpec[]>> = {
  transactions: transactionColumns,
  notes: noteColumns,
  details: detailColumns,
};

/** Human title of each file kind, as the vendor's spec names it. */
export const fileTitles: Readonly<Record<FileKind, string>> = {
  transactions: 'Transactions',
  notes: 'Customer Notes',
  details: 'Additional Customer Details',
};

/** Index of every column by name, for code that reads a row by spec position. */
export function indexByName(cols: readonly ColumnSpec[]): Readonly<Record<string, number>> {
  const out: Record<string, number> = {};
  cols.forEach((c, i) => {
    out[c.name] = i;
  });
  return out;
}

/** Transaction column positions by name (spec order, 0-based). */
export const TX = indexByName(transactionColumns) as Readonly<Record<TxColumn, number>>;

/** Names of the transaction columns. */
export type TxColumn =
  | 'customerId' | 'orderId' | 'dateCreated' | 'campaignId' | 'productId' | 'isActiveRecurring' | 'nextBillDate'
  | 'paySource' | 'cardNumber' | 'cardExpiryMonth' | 'cardExpiryYear' | 'achRoutingNumber' | 'achAccountNumber'
  | 'achAccountType' | 'merchantId' | 'merchantTxnId' | 'txnType' | 'subTotal' | 'shipTotal' | 'salesTax'
  | 'totalAmount' | 'responseType' | 'responseText' | 'authCode' | 'parentTxnId' | 'firstName' | 'lastName'
  | 'address1' | 'address2' | 'city' | 'state' | 'country' | 'postalCode' | 'phoneNumber' | 'homePhone'
  | 'cellPhone' | 'workPhone' | 'emailAddress' | 'billShipSame' | 'shipAddress1' | 'shipAddress2' | 'shipCity'
  | 'shipState' | 'shipCountry' | 'shipPostalCode' | 'affId' | 'subAffId' | 'shipDate' | 'shipCarrier'
  | 'shipMethod' | 'trackingNumber' | 'isChargedback' | 'chargebackTotal' | 'chargebackDate'
  | 'chargebackReasonCode' | 'externalToken' | 'quantity' | 'variantDetailId';
