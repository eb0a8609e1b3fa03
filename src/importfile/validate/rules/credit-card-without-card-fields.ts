import { requiredWhen } from './required-when.js';

/** A card payment needs the card number and expiry. */
export const rule = requiredWhen(
  'credit-card-without-card-fields',
  'paySource=CREDITCARD without cardNumber, cardExpiryMonth or cardExpiryYear',
  ['cardNumber', 'cardExpiryMonth', 'cardExpiryYear'],
);
