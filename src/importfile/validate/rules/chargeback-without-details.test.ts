import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './chargeback-without-details.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  {
    code: 'required_if',
    column: 'chargebackTotal',
    bad: { isChargedback: '1', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
    good: { isChargedback: '0', chargebackDate: '', chargebackReasonCode: '' },
  },
  {
    code: 'required_if',
    column: 'chargebackReasonCode',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: '4853' },
  },
  {
    code: 'required_if',
    column: 'chargebackDate',
    bad: { isChargedback: '1', chargebackTotal: '26.54', chargebackReasonCode: '10.4' },
    good: { isChargedback: '1', chargebackTotal: '26.54', chargebackDate: '2025-04-01', chargebackReasonCode: '10.4' },
  },
];

describeCases(rule, cases);
