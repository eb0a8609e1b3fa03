/** The cross-field rules of the transactions file, run on every row after the field checks. */
import type { RowRule } from '../row-rule.js';
import { rule as activeWithoutNextBill } from './active-subscription-without-next-bill-date.js';
import { rule as billingInPast } from './active-subscription-billing-in-past.js';
import { rule as cardWithoutFields } from './credit-card-without-card-fields.js';
import { rule as checkWithoutBank } from './check-without-bank-fields.js';
import { rule as refundWithoutParent } from './refund-or-capture-without-parent.js';
import { rule as shipWithoutAddress } from './separate-shipping-without-ship-address.js';
import { rule as stateOfCountry } from './us-or-ca-address-without-valid-state.js';
import { rule as postalOfCountry } from './postal-code-not-of-country.js';
import { rule as chargebackWithoutDetails } from './chargeback-without-details.js';
import { rule as totalNotSum } from './total-not-sum-of-parts.js';
import { rule as maskedWithoutToken } from './masked-card-without-token.js';
import { rule as chargebackBefore } from './chargeback-before-transaction.js';
import { rule as idNotInCrm } from './id-not-in-crm.js';

/** Every cross-field rule of the transactions file, in the order they run. */
export const transactionRules: readonly RowRule[] = [
  activeWithoutNextBill,
  cardWithoutFields,
  checkWithoutBank,
  refundWithoutParent,
  shipWithoutAddress,
  stateOfCountry,
  postalOfCountry,
  chargebackWithoutDetails,
  totalNotSum,
  maskedWithoutToken,
  chargebackBefore,
  billingInPast,
  idNotInCrm,
];
