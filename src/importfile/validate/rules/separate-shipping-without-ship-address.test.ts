import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './separate-shipping-without-ship-address.js';

/** A separate German shipping address, complete (no state needed outside the US and Canada). */
const shipping = { billShipSame: '0', shipAddress1: '1 B St', shipCity: 'Berlin', shipCountry: 'DE', shipPostalCode: '10115' };

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  {
    code: 'required_if',
    column: 'shipPostalCode',
    bad: { billShipSame: '0', shipAddress1: '1 B St', shipCity: 'Berlin', shipCountry: 'DE' },
    good: { billShipSame: '0', shipAddress1: '1 B St', shipCity: 'Berlin', shipCountry: 'DE', shipPostalCode: '10115' },
  },
  {
    code: 'required_if',
    column: 'shipAddress1',
    bad: { billShipSame: '0', shipCity: 'Reno', shipState: 'NV', shipCountry: 'US', shipPostalCode: '89501' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Reno', shipState: 'NV', shipCountry: 'US', shipPostalCode: '89501' },
  },
  { code: 'required_if', column: 'shipCity', bad: { ...shipping, shipCity: '' }, good: shipping },
  { code: 'required_if', column: 'shipCountry', bad: { ...shipping, shipCountry: '' }, good: shipping },
];

describeCases(rule, cases);
