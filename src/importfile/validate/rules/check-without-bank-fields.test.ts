import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './check-without-bank-fields.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  {
    code: 'required_if',
    column: 'achRoutingNumber',
    bad: { paySource: 'CHECK', cardNumber: '', achAccountNumber: '12345678', achAccountType: 'CHECKING' },
    good: { paySource: 'CHECK', cardNumber: '', achRoutingNumber: '021000021', achAccountNumber: '12345678', achAccountType: 'CHECKING' },
  },
  {
    code: 'required_if',
    column: 'achAccountType',
    bad: { paySource: 'CHECK', achRoutingNumber: '021000021', achAccountNumber: '12345678' },
    good: { paySource: 'CHECK', achRoutingNumber: '021000021', achAccountNumber: '12345678', achAccountType: 'SAVINGS' },
  },
  {
    code: 'required_if',
    column: 'achAccountNumber',
    bad: { paySource: 'CHECK', cardNumber: '', cardExpiryMonth: '', cardExpiryYear: '', achRoutingNumber: '021000021', achAccountType: 'CHECKING' },
    good: { paySource: 'CHECK', cardNumber: '', cardExpiryMonth: '', cardExpiryYear: '', achRoutingNumber: '021000021', achAccountNumber: '000123456789', achAccountType: 'CHECKING' },
  },
];

describeCases(rule, cases);
