import { describeCases, type FileCase } from '../testkit/check-cases.js';
import { toCsv, validTransaction } from '../testkit/test-rows.js';
import { transactionColumns } from '../spec/columns.js';
import { headerCheck } from './header.js';

const names = transactionColumns.map((c) => c.name);
/** A one-row transactions file whose header is `header` (the row has a cell under every name). */
const withHeader = (header: string[]) => ({ transactions: toCsv(header, [validTransaction({ CustomerID: 'C1' })]) });
const good = withHeader(names);
const at = (column: string | null) => ({ kind: 'transactions' as const, row: 1, column });
const swapped = [...names];
const campaign = names.indexOf('campaignId');
[swapped[campaign], swapped[campaign + 1]] = ['productId', 'campaignId'];

/** Each header problem on an otherwise valid one-row file; the spec header raises nothing. */
const cases: FileCase[] = [
  {
    code: 'header_not_import_file',
    at: at(null),
    files: withHeader(['Customer ID', 'Email', 'Created at', 'Total', 'Billing Country', 'City', 'State']),
    good,
  },
  { code: 'header_missing_column', at: at('orderId'), files: withHeader(names.filter((n) => n !== 'orderId')), good },
  { code: 'header_missing_optional_column', at: at('variantDetailId'), files: withHeader(names.filter((n) => n !== 'variantDetailId')), good },
  { code: 'header_unknown_column', at: at(null), files: withHeader([...names, 'favouriteColour']), good },
  { code: 'header_duplicate_column', at: at('firstName'), files: withHeader([...names, 'firstName']), good },
  { code: 'header_wrong_case', at: at('customerId'), files: withHeader(['CustomerID', ...names.slice(1)]), good },
  { code: 'header_out_of_order', at: at('campaignId'), files: withHeader(swapped), good },
];

describeCases(headerCheck, cases);
