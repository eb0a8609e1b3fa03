import { TX } from '../../spec/columns.js';
import { CARD_MASKED } from '../field-checks.js';
import type { RowRule } from '../row-rule.js';

/** A masked card number (x or *) can only be rebilled through a gateway token. */
export const rule: RowRule = {
  name: 'masked-card-without-token',
  forbids: 'a masked cardNumber (x or *) without externalToken',
  owns: [],
  raises: ['masked_card_without_token'],
  check(row, out) {
    if (row.ok[TX.cardNumber] && row.num[TX.cardNumber] === CARD_MASKED && row.isEmpty(TX.externalToken)) {
      out.report('masked_card_without_token', TX.cardNumber);
    }
  },
};
