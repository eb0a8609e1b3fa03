import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './active-subscription-without-next-bill-date.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'required_if', column: 'nextBillDate', bad: { isActiveRecurring: '1' }, good: { isActiveRecurring: '1', nextBillDate: '2026-02-01' } },
];

describeCases(rule, cases);
