import { describeCases, type FileCase } from '../testkit/check-cases.js';
import { validTransaction, type RowCells } from '../testkit/test-rows.js';
import { crossRowCheck } from './cross-row.js';

const sale = (id: string, over: RowCells = {}) => validTransaction({ merchantTxnId: id, ...over });
const refund = (id: string, parent: string, amount: string) =>
  validTransaction({ merchantTxnId: id, txnType: 'REFUND', parentTxnId: parent, subTotal: amount, shipTotal: '0', salesTax: '0', totalAmount: amount });
const note = (customerId: string) => ({ customerId, dateCreated: '2025-01-01 10:00:00', noteText: 'hi' });
const at = (row: number | null, column: string | null, kind: 'transactions' | 'notes' = 'transactions') => ({ kind, row, column });
const forty = Array.from({ length: 40 }, (_, i) => sale(`T${i}`, { customerId: `C${i}` }));

/** Each rule across rows and files, with files that keep to it. */
const cases: FileCase[] = [
  { code: 'duplicate_merchant_txn_id', at: at(3, 'merchantTxnId'), files: { transactions: [sale('T1'), sale('T1', { orderId: 'O2' })] }, good: { transactions: [sale('T1'), sale('T2')] } },
  { code: 'parent_not_found', at: at(3, 'parentTxnId'), files: { transactions: [sale('T1'), refund('R1', 'T9', '5.00')] }, good: { transactions: [sale('T1'), refund('R1', 'T1', '5.00')] } },
  { code: 'refund_exceeds_parent', at: at(3, 'totalAmount'), files: { transactions: [sale('T1'), refund('R1', 'T1', '26.55')] }, good: { transactions: [sale('T1'), refund('R1', 'T1', '26.54')] } },
  {
    code: 'customer_identity_mismatch',
    at: at(3, 'customerId'),
    files: { transactions: [sale('T1'), sale('T2', { emailAddress: 'other@example.com' })] },
    good: { transactions: [sale('T1'), sale('T2', { firstName: 'ADA' })] },
  },
  {
    code: 'customer_not_in_transactions',
    at: at(2, 'customerId', 'notes'),
    files: { transactions: [sale('T1')], notes: [note('C2')] },
    good: { transactions: [sale('T1')], notes: [note('C1')] },
  },
  // Tables of 2^4 slots hold 11 ids: the file is told its cross-row checks stopped there.
  { code: 'cross_row_checks_limited', at: at(null, null), files: { transactions: forty }, crossRowBits: 4 },
];

describeCases(crossRowCheck, cases);
