import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './postal-code-not-of-country.js';

const ship = { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Boston', shipState: 'MA', shipCountry: 'US' };

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'invalid_us_zip', column: 'postalCode', bad: { postalCode: '2134' }, good: { postalCode: '02134' } },
  { code: 'invalid_us_zip', column: 'postalCode', bad: { postalCode: '021345' }, good: { postalCode: '02134-1234' } },
  { code: 'invalid_us_zip', column: 'postalCode', bad: { postalCode: 'K1A 0B1' }, good: { postalCode: '021341234' } },
  { code: 'invalid_us_zip', column: 'shipPostalCode', bad: { ...ship, shipPostalCode: '2134' }, good: { ...ship, shipPostalCode: '02134' } },
  { code: 'invalid_ca_postal_code', column: 'postalCode', bad: { country: 'CA', state: 'ON', postalCode: 'k1a0b1' }, good: { country: 'CA', state: 'ON', postalCode: 'K1A 0B1' } },
  { code: 'invalid_ca_postal_code', column: 'postalCode', bad: { country: 'CA', state: 'ON', postalCode: 'D1A 0B1' }, good: { country: 'GB', state: '', postalCode: 'D1A 0B1' } },
  {
    code: 'invalid_ca_postal_code',
    column: 'shipPostalCode',
    bad: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipState: 'ON', shipCountry: 'CA', shipPostalCode: '12345' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipState: 'ON', shipCountry: 'CA', shipPostalCode: 'K2P 1L4' },
  },
];

describeCases(rule, cases);
