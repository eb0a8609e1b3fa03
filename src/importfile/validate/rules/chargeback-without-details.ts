import { requiredWhen } from './required-when.js';

/** A charged-back transaction needs the chargeback's amount, date and reason. */
export const rule = requiredWhen(
  'chargeback-without-details',
  'isChargedback=1 without chargebackTotal, chargebackDate or chargebackReasonCode',
  ['chargebackTotal', 'chargebackDate', 'chargebackReasonCode'],
);
