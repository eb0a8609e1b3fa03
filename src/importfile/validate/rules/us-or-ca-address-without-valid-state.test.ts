import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './us-or-ca-address-without-valid-state.js';

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'invalid_state', column: 'state', bad: { state: 'Illinois' }, good: { state: 'DC' } },
  { code: 'invalid_state', column: 'state', bad: { country: 'CA', state: 'NY', postalCode: 'K1A 0B1' }, good: { country: 'CA', state: 'ON', postalCode: 'K1A 0B1' } },
  { code: 'required_if', column: 'state', bad: { state: '' }, good: { country: 'GB', state: '' } },
  {
    code: 'required_if',
    column: 'shipState',
    bad: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipCountry: 'CA', shipPostalCode: 'K1A 0B1' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'London', shipCountry: 'GB', shipPostalCode: 'SW1A 1AA' },
  },
  {
    code: 'invalid_state',
    column: 'shipState',
    bad: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipState: 'NY', shipCountry: 'CA', shipPostalCode: 'K1A 0B1' },
    good: { billShipSame: '0', shipAddress1: '9 B St', shipCity: 'Ottawa', shipState: 'ON', shipCountry: 'CA', shipPostalCode: 'K1A 0B1' },
  },
];

describeCases(rule, cases);
