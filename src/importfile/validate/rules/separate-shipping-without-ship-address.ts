import { requiredWhen } from './required-when.js';

/** billShipSame=0 means the shipping address is given in the ship* columns (shipState: see the state rule). */
export const rule = requiredWhen(
  'separate-shipping-without-ship-address',
  'billShipSame=0 without shipAddress1, shipCity, shipCountry or shipPostalCode',
  ['shipAddress1', 'shipCity', 'shipCountry', 'shipPostalCode'],
);
