/**
 * The one place where issue codes become text (docs/architecture.md, "The import files": issues are data, messages are rendering).
 * Every code has a severity, a message built from its parameters and a one-line fix hint.
 */

/** Parameters an issue carries; rendered into its message. */
export type IssueParams = Record<string, string | number>;

interface CodeInfo {
  severity: 'error' | 'warning';
  /** `col` is the spec column name (or null); `p` the issue's parameters. */
  message(col: string | null, p: IssueParams): string;
  hint: string;
}

const err = (message: CodeInfo['message'], hint: string): CodeInfo => ({ severity: 'error', message, hint });
const warn = (message: CodeInfo['message'], hint: string): CodeInfo => ({ severity: 'warning', message, hint });

const SLASH_DATE = ': a slash date can be month/day or day/month; konduit import fix --date-order mdy (or dmy) rewrites it';

/** Every issue code, its severity, message and fix hint. */
export const catalog = {
  // The file and its CSV structure.
  file_empty: err(() => 'the file is empty: it has no header row', 'Export the file again with its header row.'),
  file_encoding: err(
    (_c, p) => `the file is ${p.what}, not UTF-8 CSV text: ${p.fix}`,
    'Give the validator the CSV file itself, saved as UTF-8.',
  ),
  no_transactions: err(
    () => 'the transactions file has a header but no transactions: there is nothing to import',
    'Check that the export (or the build) wrote its rows; an empty file is not a valid import.',
  ),
  csv_unclosed_quote: err(
    () => 'a quoted cell is never closed; this record was cut at the end of its first line',
    'Close the quote, or double any quote inside a quoted cell ("" stands for one ").',
  ),
  csv_bad_quote: err(
    () => 'a quote inside an unquoted cell, or text after a closing quote',
    'Quote the whole cell and double the quotes inside it ("5"" screen").',
  ),
  csv_ragged_row: err(
    (_c, p) => `the record has ${p.found} cells, the header has ${p.expected}; its cells were not checked`,
    'Quote cells that contain commas; every row needs exactly one cell per header column.',
  ),
  csv_nul_byte: err(() => 'the record contains NUL bytes (binary data)', 'Export the file as plain UTF-8 text; remove binary junk.'),
  csv_invalid_utf8: err(() => 'the record is not valid UTF-8', 'Save the file as UTF-8 (not Latin-1 or Windows-1252).'),
  // The header.
  header_not_import_file: err(
    (_c, p) => `the header has ${p.found} of the ${p.total} required columns (and ${p.unknown} unknown ones, e.g. "${p.example}"): this is not an import file but an export`,
    'Build the import files from it: konduit import build --init FILE writes a mapping to start from (docs/migration.md, "Build").',
  ),
  header_missing_column: err((c) => `required column ${c} is missing from the header`, 'Add the column (its cells may be empty where the spec allows).'),
  header_missing_optional_column: warn((c) => `optional column ${c} is not in the header`, 'Add the column with empty cells to match the spec layout.'),
  header_unknown_column: err((_c, p) => `unknown column "${p.name}" in the header`, 'Remove the column or rename it to a spec column name (exact case).'),
  header_duplicate_column: err((c, p) => `column ${c} appears more than once (first at position ${p.first})`, 'Keep one copy of the column; only the first is read.'),
  header_out_of_order: err(
    (c, p) => `column ${c} comes after ${p.after}; the spec puts it at letter ${p.letter}`,
    'Put the columns in spec order, A to the last letter.',
  ),
  header_wrong_case: err((c, p) => `column "${p.name}" must be written ${c} (exact case)`, 'Rename the header cell to the exact spec name.'),
  // One cell.
  required: err((c) => `${c} is required`, 'Fill in the value; it is required on every row.'),
  too_long: err((c, p) => `${c} is ${p.length} characters, at most ${p.max} allowed`, 'Shorten the value to the column\'s maximum length.'),
  not_integer: err((c) => `${c} must be a whole number (digits only)`, 'Write the number with digits only: no spaces, separators or decimals.'),
  not_decimal: err((c) => `${c} must be a decimal amount like 12.34`, 'Write amounts with digits and a point: no currency signs, thousands separators or fractions of a cent.'),
  not_amount_xx_xx: err((c) => `${c} must be written as xx.xx (two decimals)`, 'Write the amount with exactly two decimals, e.g. 49.95.'),
  not_bit: err((c) => `${c} must be 0 or 1`, 'Use 1 for true and 0 for false.'),
  not_in_enum: err((c, p) => `${c} must be one of ${p.allowed} (exact case)`, 'Use one of the listed values, spelled and cased exactly.'),
  invalid_date: err(
    (c, p) => `${c} must be a real date written YYYY-MM-DD${p.slash ? SLASH_DATE : ''}`,
    'Format the date as YYYY-MM-DD, e.g. 2025-03-31 (konduit import fix rewrites other spellings; --date-order mdy|dmy for slash dates).',
  ),
  invalid_datetime: err(
    (c, p) => `${c} must be a real date and time written YYYY-MM-DD HH:MM:SS${p.slash ? SLASH_DATE : ''}`,
    'Format as YYYY-MM-DD HH:MM:SS with a 24-hour clock, e.g. 2025-03-31 14:05:00 (konduit import fix rewrites other spellings; --date-order mdy|dmy for slash dates).',
  ),
  invalid_email: err((c) => `${c} is not a valid email address`, 'Use the form name@example.com without spaces.'),
  phone_not_digits: err((c) => `${c} must contain digits only`, 'Remove dashes, spaces, dots, parentheses and plus signs: 5551112222.'),
  phone_length: err((c) => `${c} must have 7 to 15 digits`, 'Write the full number, digits only, e.g. 5551112222.'),
  invalid_country: err((c) => `${c} is not an ISO 3166-1 alpha-2 country code`, 'Use the two-letter upper-case code: US, CA, GB, DE ...'),
  invalid_state: err((c, p) => `${c} is not a ${p.country === 'CA' ? 'Canadian province' : 'US state'} code`, 'Use the two-letter postal code (US: NY, CA, DC ...; Canada: ON, QC, BC ...).'),
  invalid_us_zip: err(
    (c, p) => `${c} is not a US ZIP code (5 digits, or ZIP+4: 9 digits or 12345-6789)${p.dropped ? ': it looks like one whose leading zeros a spreadsheet dropped' : ''}`,
    'konduit import fix restores dropped leading zeros (2134 -> 02134), each in its change log; otherwise correct the ZIP code.',
  ),
  invalid_ca_postal_code: err(
    (c) => `${c} is not a Canadian postal code written A1A 1A1`,
    'konduit import fix writes k1a0b1 as K1A 0B1; otherwise correct the postal code (Canada Post uses no D, F, I, O, Q or U).',
  ),
  invalid_expiry_month: err(
    (c, p) => `${c} must be two digits 01 to 12${p.combined ? ': this is a combined expiry (month and year in one cell)' : ''}`,
    'Keep the leading zero (03, not 3); a combined expiry like 06/31 is split by the mapping: derive: { cardExpiry: { from: "COLUMN" } } (docs/migration.md).',
  ),
  invalid_expiry_year: err((c) => `${c} must be four digits`, 'Write the full year: 2027, not 27.'),
  invalid_routing_number: err((c) => `${c} must be exactly 9 digits`, 'Write the ABA routing number with 9 digits, keeping leading zeros.'),
  routing_checksum: err((c) => `${c} fails the ABA routing-number checksum`, 'Check the routing number for a typo; a spreadsheet may have dropped a leading zero.'),
  invalid_account_number: err((c) => `${c} must be 4 to 17 digits`, 'Write the bank account number with digits only.'),
  card_not_digits: err((c) => `${c} must contain digits only`, 'Remove spaces and dashes from the card number.'),
  card_too_long: err((c, p) => `${c} has ${p.length} digits, at most 19 allowed`, 'Check the card number; card numbers have at most 19 digits.'),
  card_too_short: err((c, p) => `${c} has ${p.length} digits, at least 12 expected`, 'Check the card number; a spreadsheet may have dropped leading digits.'),
  card_luhn: err((c) => `${c} fails the Luhn check`, 'Re-export the card number from the source system; one digit is wrong.'),
  card_scientific_notation: err(
    (c) => `${c} was damaged by a spreadsheet: it is in scientific notation`,
    'Re-export from the source system and format the column as Text before saving the CSV.',
  ),
  card_truncated_to_15_digits: err(
    (c) => `${c} was damaged by a spreadsheet: cut to 15 significant digits and padded with zeros`,
    'Re-export from the source system and format the column as Text before saving the CSV.',
  ),
  card_masked_malformed: err((c) => `${c} is masked but is not 12 to 19 characters of digits and x or *`, 'Write a masked card as its digits with x or * in place of the hidden ones.'),
  card_in_other_column: err(
    (c, p) => `${c} holds what looks like a card number (${p.digits} digits, Luhn-valid): card numbers belong in cardNumber only`,
    'Remove the number (it would reach the CRM in clear), or mask it in place: konduit import tokenize --mask-stray-cards.',
  ),
  quantity_not_positive: warn((c) => `${c} is not greater than 0; the import will set it to 1`, 'Write the real quantity, or leave it empty for 1.'),
  // Cross-field rules (validate/rules/).
  required_if: err((c, p) => `${c} is required when ${p.when}`, 'Fill in the value, or change the field that makes it required.'),
  total_mismatch: err(
    (c, p) => `${c} ${p.total} is not subTotal + shipTotal + salesTax = ${p.expected}`,
    'Make totalAmount the exact sum of subTotal, shipTotal and salesTax.',
  ),
  masked_card_without_token: err((c) => `${c} is masked but externalToken is empty`, 'Give the full card number, or the gateway token in externalToken.'),
  chargeback_before_transaction: err((c, p) => `${c} ${p.date} is before the transaction date ${p.txnDate}`, 'Check both dates; a chargeback cannot precede its transaction.'),
  next_bill_date_past: err(
    (c, p) => `${c} ${p.date} of an active subscription is before the import date ${p.importDate}: the CRM would bill it the moment it is imported`,
    'Choose, for the file, how to resolve them: konduit import fix --past-next-bill-date move:+N (the import date plus N days), keep-day (the same day of the month, on or after the import date) or cancel (isActiveRecurring=0); every row moved goes to the change log.',
  ),
  // Against the CRM's own ids (when a connection or an ids file is given).
  unknown_campaign_id: err((c, p) => `${c} ${p.id} is not a campaign of the CRM (it has ${p.known})`, 'Use a campaignId that konduit crm ids lists.'),
  unknown_campaign_product: err(
    (c, p) => `${c} ${p.id} is not a campaign product of campaign ${p.campaign}${p.base ? `: it is the base product id of campaign product${String(p.base).includes(',') ? 's' : ''} ${p.base}` : ''}`,
    'Use the CAMPAIGN product id (konduit crm ids lists them per campaign), not the base product id (step 4 of the CRM\'s migration guide).',
  ),
  unknown_merchant_id: warn(
    (c, p) => `${c} ${p.id} is not among the MIDs the CRM billed on recently (${p.known})`,
    'Check the MID in the CRM under Merchants (the API has no MID list; konduit crm ids shows the ones with recent transactions).',
  ),
  active_subscription_on_one_time_product: err(
    (c, p) => `${c} ${p.id} is sold one-time in the CRM, but the row is an active subscription: it would never rebill`,
    'Use the campaign\'s recurring product for active subscriptions (konduit crm ids shows ONE_TIME or RECURRING), or set isActiveRecurring to 0.',
  ),
  // Across rows and files.
  duplicate_merchant_txn_id: err((c, p) => `${c} is a duplicate of row ${p.firstRow}`, 'Every transaction needs its own merchantTxnId.'),
  parent_not_found: err((c) => `${c} does not name a merchantTxnId in this file`, 'Use the merchantTxnId of the parent transaction, and include that transaction.'),
  refund_exceeds_parent: err(
    (_c, p) => `refund of ${p.amount} is more than the ${p.remaining} that remains of its parent (row ${p.parentRow})`,
    'Check the refund amount and its parentTxnId.',
  ),
  customer_identity_mismatch: warn(
    (c, p) => `customerId has a different name or email than on row ${p.firstRow}`,
    'Use one customerId per person, or correct the name and email so they agree.',
  ),
  cross_row_checks_limited: warn(
    (_c, p) => `cross-row checks covered the first ${p.tracked} transactions only (memory cap); later rows had their field and cross-field checks`,
    'Split the file into parts of under 2.9 million rows to check duplicates, parents and refunds across all of them.',
  ),
  customer_not_in_transactions: err((c) => `${c} is not a customerId of the transactions file`, 'Use the customerId exactly as in the transactions file, or remove the row.'),
} satisfies Record<string, CodeInfo>;

/** A stable issue code. */
export type IssueCode = keyof typeof catalog;

/**
 * A check that raises issues, and the codes it raises (docs/architecture.md, "The import files"; after frictionless-py's checks): its
 * test beside it has a case for each code, and validate/checks.test.ts fails on a code no check raises.
 */
export interface Check {
  /** The check's file name without `.ts` (a rule's name is also what docs/import-files.md lists). */
  name: string;
  /** Every code the check can raise. */
  raises: readonly IssueCode[];
}

/** Renders an issue's message (the only place messages are built). */
export function renderMessage(code: IssueCode, column: string | null, params: IssueParams): string {
  return catalog[code].message(column, params);
}

/** The one-line fix hint of a code. */
export function hintFor(code: IssueCode): string {
  return catalog[code].hint;
}

/** The severity of a code. */
export function severityOf(code: IssueCode): 'error' | 'warning' {
  return catalog[code].severity;
}
