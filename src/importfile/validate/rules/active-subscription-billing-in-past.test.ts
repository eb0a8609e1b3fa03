import { CASE_TODAY as TODAY, describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './active-subscription-billing-in-past.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'next_bill_date_past', column: 'nextBillDate', bad: { isActiveRecurring: '1', nextBillDate: '2026-01-14' }, good: { isActiveRecurring: '1', nextBillDate: TODAY } },
  { code: 'next_bill_date_past', column: 'nextBillDate', bad: { isActiveRecurring: '1', nextBillDate: '2025-12-31' }, good: { isActiveRecurring: '0', nextBillDate: '2025-12-31' } },
];

describeCases(rule, cases);
