import { requiredWhen } from './required-when.js';

/** An active subscription (isActiveRecurring=1) needs its next billing date. */
export const rule = requiredWhen(
  'active-subscription-without-next-bill-date',
  'an active subscription (isActiveRecurring=1) without nextBillDate',
  ['nextBillDate'],
);
