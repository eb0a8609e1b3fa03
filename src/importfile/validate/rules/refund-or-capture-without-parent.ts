import { requiredWhen } from './required-when.js';

/** Refunds and captures are run against a parent transaction. */
export const rule = requiredWhen(
  'refund-or-capture-without-parent',
  'a REFUND or CAPTURE without parentTxnId',
  ['parentTxnId'],
);
