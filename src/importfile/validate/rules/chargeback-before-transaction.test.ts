import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './chargeback-before-transaction.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  {
    code: 'chargeback_before_transaction',
    column: 'chargebackDate',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-03-09', chargebackReasonCode: '10.4' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-03-10', chargebackReasonCode: '10.4' },
  },
];

describeCases(rule, cases);
