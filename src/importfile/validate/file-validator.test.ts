import { describeCases, type FileCase } from '../testkit/check-cases.js';
import { transactionsCsv, validTransaction } from '../testkit/test-rows.js';
import { fileShapeCheck } from './file-validator.js';

const csv = transactionsCsv([validTransaction()]);
const good = { transactions: csv };
/** The valid one-row file with its first `"Ada"` cell replaced by these bytes. */
const damaged = (cell: string | Buffer) => {
  const [before, after] = csv.split('"Ada"') as [string, string];
  return { transactions: Buffer.concat([Buffer.from(before), Buffer.from(cell), Buffer.from(after)]) };
};
const at = (row: number | null) => ({ kind: 'transactions' as const, row, column: null });

/** Each kind of damage to a valid one-row file, reported on the record (or the file) it hits. */
const cases: FileCase[] = [
  { code: 'file_empty', at: at(null), files: { transactions: '' }, good },
  { code: 'file_encoding', at: at(null), files: { transactions: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]) }, good: { transactions: `\ufeff${csv}` } },
  { code: 'no_transactions', at: at(null), files: { transactions: transactionsCsv([]) }, good },
  { code: 'csv_ragged_row', at: at(2), files: damaged('"Ada","extra"'), good },
  { code: 'csv_bad_quote', at: at(2), files: damaged('"A"da"'), good },
  { code: 'csv_nul_byte', at: at(2), files: damaged('"A\u0000da"'), good },
  { code: 'csv_invalid_utf8', at: at(2), files: damaged(Buffer.from([0x22, 0xc3, 0x28, 0x22])), good },
  { code: 'csv_unclosed_quote', at: at(3), files: { transactions: `${csv}"C9","never closed\nmore text` }, good },
];

describeCases(fileShapeCheck, cases);
