import { requiredWhen } from './required-when.js';

/** A check (ACH) payment needs the bank details. */
export const rule = requiredWhen(
  'check-without-bank-fields',
  'paySource=CHECK without achRoutingNumber, achAccountNumber or achAccountType',
  ['achRoutingNumber', 'achAccountNumber', 'achAccountType'],
);
