import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './masked-card-without-token.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'masked_card_without_token', column: 'cardNumber', bad: { cardNumber: '411111xxxxxx1111' }, good: { cardNumber: '411111xxxxxx1111', externalToken: 'tok_1' } },
  { code: 'masked_card_without_token', column: 'cardNumber', bad: { cardNumber: '411111******1111' }, good: { cardNumber: '411111******1111', externalToken: 'tok_2' } },
];

describeCases(rule, cases);
