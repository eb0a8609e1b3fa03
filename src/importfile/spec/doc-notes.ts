/**
 * The hand-written part of docs/import-files.md: how the validator reads what the vendor's spec leaves open.
 * Edit here, then run `npm run docs`.
 */
export const interpretations = `## Interpretations

The seed leaves some things open; this is how Konduit reads them.

- **address2 and shipAddress2** are listed as required, but a second address line is often empty: the
  column must be in the header, the value may be empty.
- **Shipping fields** (shipAddress1, shipCity, shipCountry, shipPostalCode) are required only when
  billShipSame=0. **shipState follows shipCountry**: it is required when billShipSame=0 and shipCountry is
  US or CA, and must then be a state/province code of that country. Shipping values given when
  billShipSame=1 are still type-checked.
- **state** is required when country is US or CA and must then be a two-letter code of that country:
  US = the 50 states, DC, the territories AS GU MP PR VI UM and the military codes AA AE AP (APO/FPO);
  CA = AB BC MB NB NL NS NT NU ON PE QC SK YT. For other countries state is free text (up to 30).
- **parentTxnId** names the merchantTxnId of the parent transaction, which must be in the same file,
  before or after the child. Any non-empty parentTxnId is checked, not only on refunds and captures.
- **A refund may not exceed what remains of its parent**: the parent's totalAmount minus the
  approved (responseType=SUCCESS) refunds against it that come earlier in the file. Declined refunds do
  not consume the parent. Refunds whose parent comes later in the file are settled after the last row,
  in file order. Parent totals above 21,474,836.47 are not tracked.
- **Phones** are digits only, 7 to 15 digits (the E.164 maximum). The vendor spec's own example 5551112222 is
  valid. homePhone, cellPhone and workPhone may be empty.
- **Emails**: a practical check, not every RFC 5322 form: local@domain, a local part of letters, digits
  and \`\` !#$%&'*+/=?^_\`{|}~- \`\` with single inner dots (at most 64), a domain of letter/digit/hyphen
  labels with at least one dot and an alphabetic top-level label of two or more letters; ASCII only.
- **Decimals** (subTotal, shipTotal, salesTax, totalAmount) are digits with an optional point and
  decimals ("12", "12.5", "12.50", a leading minus allowed); no currency signs or thousands separators;
  digits past the cent only if they are zeros (amounts are exact integer cents, never rounded).
  **chargebackTotal** must be written exactly as xx.xx.
- **totalAmount** must equal subTotal + shipTotal + salesTax to the cent.
- **Integers**: campaignId, productId, merchantId and variantDetailId are digits only (no sign, at most
  18). quantity may carry a minus sign; a quantity that is not greater than 0 is a warning, since the
  import sets it to 1.
- **Dates** are YYYY-MM-DD and **datetimes** YYYY-MM-DD HH:MM:SS (24-hour clock); both must exist on
  the calendar (no 2025-02-29, no 24:00:00). No time zone is read.
- **chargebackDate before dateCreated** is compared by calendar day: a chargeback on the day of its
  transaction is fine.
- **The rebill guard: an active subscription (isActiveRecurring=1) whose nextBillDate is before the
  planned import date** is an error (\`next_bill_date_past\`): the CRM would bill it the moment it is
  imported. The import date is \`--import-date\` (default \`--today\`, else the system's local date); a
  nextBillDate on the import date is not before it. \`konduit import fix --past-next-bill-date\` resolves
  them for a whole file, each moved row in the change log (docs/migration.md, "The rebill guard").
- **Card numbers**: 12 to 19 digits passing the Luhn check. Spreadsheet damage is named as such:
  scientific notation (4.11111E+15) is \`card_scientific_notation\`; a number of 16+ digits whose digits
  after the 15th are all zeros and that fails Luhn is \`card_truncated_to_15_digits\` (a damaged number
  that happens to pass Luhn cannot be told from a real one). A **masked card** (digits with x, X or *,
  12 to 19 characters) is accepted only when externalToken is given; its Luhn check is skipped.
- **Card numbers outside cardNumber** (\`card_in_other_column\`): every other column of every file is
  searched for card-like numbers: 13 to 19 digits, plain or in groups separated by one space or dash,
  not touching other digits (letters may touch them: \`cc4111111111111111\`), starting with 2 to 6 (the
  card networks' ranges) and passing Luhn. In id columns (customerId, orderId, merchantTxnId,
  parentTxnId, authCode, externalToken, trackingNumber, affId, subAffId and the CRM ids) only a cell
  that is such a number as a whole counts, since ids and tokens hold digit runs that are not cards; the
  bank columns are not searched. A card in a grouped run is found at its most common length (16, then
  15, 19, 14, 13), so "4111 1111 1111 1111 123" is a card and its CVV. A numeric id that happens to
  pass is flagged too (about 1 in 20 such 13-19 digit ids starting 2-6): rename or remove the column.
- **ACH**: achRoutingNumber is 9 digits with a valid ABA checksum
  (3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) is a multiple of 10); achAccountNumber is 4 to 17 digits.
- **Enums** (paySource, achAccountType, txnType, responseType, responseText) are exact case.
- **The same customerId with a different identity** (firstName, lastName, emailAddress, compared
  ASCII-case-insensitively) is a warning, reported on each row that differs from the customer's first
  row.
- **Notes and details customerIds** must be customerIds of the transactions file (checked when the
  transactions file has a customerId column).
- **What the file is**: a UTF-16 or UTF-32 file (with a byte order mark, or recognised by its NUL
  bytes), a workbook (.xlsx, .xls) or a still-encrypted export is one \`file_encoding\` error saying so;
  its contents are not read. A header that names fewer than half of the required columns is
  \`header_not_import_file\` (an export, to build from with \`konduit import build --init\`): its rows are
  counted but not checked. A transactions file with a header and no rows is \`no_transactions\`.
- **Header**: columns are matched by exact name. A name that differs only in case or surrounding
  spaces is read but reported (\`header_wrong_case\`). Columns must follow the spec's letter order.
  A missing column that is required or required-if is an error; a missing optional column is a warning.
  Unknown and duplicated columns are errors (only the first copy of a duplicate is read).
- **CSV**: UTF-8 with or without a BOM; LF or CRLF line ends; RFC 4180 quoting (commas, doubled quotes
  and line breaks inside quoted cells). A blank line counts as a row (as a spreadsheet shows it) but is
  not checked. A record with more or fewer cells than the header is reported (\`csv_ragged_row\`) and
  its cells are not checked (so a refund pointing at it may also report \`parent_not_found\`). A quote
  that never closes (end of file, or 64 KiB later) ends its record at the end of the line where it
  opened (\`csv_unclosed_quote\`) and reading resumes on the next line. NUL bytes and invalid UTF-8 are
  reported on their record, whose cells are still checked.
- **Locations**: \`row\` counts records with the header as row 1 (what a spreadsheet shows); \`line\` is
  the physical line where the record starts (they differ after cells with line breaks). In the JSON
  summary, a file's \`rows\` counts its data records, the header not included.
- **Values** in issues are cut to 80 characters (text quoted in a message, such as a header cell, to 120); card and bank numbers show at most their first 6 and
  last 4 digits, and card-like digit runs in any other cell are masked the same way.
- **Memory**: the validator streams; across rows it keeps only 64-bit hashes of merchantTxnIds and
  customerIds and a 32-bit hash of each customer's identity (16-byte table slots, about 25-50 bytes per
  transaction), so a million-row file is checked in about 170 MB. Each table is capped at 2^22 slots
  (about 2.9 million ids, 67 MB) so memory stays under 300 MB whatever the file size: past the cap,
  new ids are not remembered, checks that would need them are skipped (never guessed), and the file
  gets one \`cross_row_checks_limited\` warning. Field and cross-field checks always cover every row.
`;
