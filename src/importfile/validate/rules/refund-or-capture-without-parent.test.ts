import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './refund-or-capture-without-parent.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'required_if', column: 'parentTxnId', bad: { txnType: 'CAPTURE' }, good: { txnType: 'SALE' } },
  { code: 'required_if', column: 'parentTxnId', bad: { merchantTxnId: 'R1', txnType: 'REFUND' }, good: { merchantTxnId: 'R1', txnType: 'REFUND', parentTxnId: 'R1' } },
];

describeCases(rule, cases);
