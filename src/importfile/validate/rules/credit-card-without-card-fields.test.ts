import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './credit-card-without-card-fields.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'required_if', column: 'cardNumber', bad: { cardNumber: '' }, good: { cardNumber: '', paySource: 'PREPAID', cardExpiryMonth: '', cardExpiryYear: '' } },
  { code: 'required_if', column: 'cardExpiryYear', bad: { cardExpiryYear: '' }, good: { cardExpiryYear: '2029' } },
  { code: 'required_if', column: 'cardExpiryMonth', bad: { cardExpiryMonth: '' }, good: { cardExpiryMonth: '01' } },
];

describeCases(rule, cases);
