import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './total-not-sum-of-parts.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'total_mismatch', column: 'totalAmount', bad: { totalAmount: '26.55' }, good: { totalAmount: '26.540' } },
];

describeCases(rule, cases);
