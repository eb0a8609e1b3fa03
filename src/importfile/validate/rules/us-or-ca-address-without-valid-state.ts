import { TX } from '../../spec/columns.js';
import { regionMatches } from '../field-checks.js';
import type { RowView } from '../../read/row.js';
import type { RowRule, Reporter } from '../row-rule.js';
import { compileCondition, conditionHolds } from './required-when.js';

const US = Buffer.from('US');
const CA = Buffer.from('CA');
const billing = compileCondition('state');
const shipping = compileCondition('shipState');

function countryOf(row: RowView, countryCol: number): 'US' | 'CA' | null {
  if (row.equals(countryCol, US)) return 'US';
  if (row.equals(countryCol, CA)) return 'CA';
  return null;
}

function checkRegion(row: RowView, out: Reporter, stateCol: number, countryCol: number, required: boolean, when: string): void {
  const country = countryOf(row, countryCol);
  if (!row.present[stateCol]) return;
  if (row.isEmpty(stateCol)) {
    if (required) out.report('required_if', stateCol, { when });
    return;
  }
  if (country !== null && !regionMatches(row.buf, row.s[stateCol]!, row.e[stateCol]!, country)) {
    out.report('invalid_state', stateCol, { country });
  }
}

/**
 * US and Canadian addresses need a state/province code of that country: state follows country, and
 * shipState follows shipCountry (required only when billShipSame=0).
 */
export const rule: RowRule = {
  name: 'us-or-ca-address-without-valid-state',
  forbids: 'a US or CA address (billing, or shipping when billShipSame=0) without a state/province code of that country',
  owns: ['state', 'shipState'],
  raises: ['required_if', 'invalid_state'],
  check(row, out) {
    checkRegion(row, out, TX.state, TX.country, conditionHolds(row, billing), billing.text);
    checkRegion(row, out, TX.shipState, TX.shipCountry, conditionHolds(row, shipping), shipping.text);
  },
};
