import { TX } from '../../spec/columns.js';
import { ymd } from '../../read/row.js';
import type { RowRule } from '../row-rule.js';

/** A chargeback is filed after the transaction it disputes (dates compared as calendar days). */
export const rule: RowRule = {
  name: 'chargeback-before-transaction',
  forbids: 'a chargebackDate before the date of its transaction (dateCreated)',
  owns: [],
  raises: ['chargeback_before_transaction'],
  check(row, out) {
    if (!row.ok[TX.chargebackDate] || !row.ok[TX.dateCreated]) return;
    const cb = row.num[TX.chargebackDate]!;
    const txn = row.num[TX.dateCreated]!;
    if (cb < txn) out.report('chargeback_before_transaction', TX.chargebackDate, { date: ymd(cb), txnDate: ymd(txn) });
  },
};
