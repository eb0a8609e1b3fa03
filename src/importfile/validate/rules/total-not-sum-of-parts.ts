import { formatCents } from '../../../core/money.js';
import { TX } from '../../spec/columns.js';
import type { RowRule } from '../row-rule.js';

/** totalAmount must equal subTotal + shipTotal + salesTax to the cent (amounts are integer cents). */
export const rule: RowRule = {
  name: 'total-not-sum-of-parts',
  forbids: 'a totalAmount that is not exactly subTotal + shipTotal + salesTax',
  owns: [],
  raises: ['total_mismatch'],
  check(row, out) {
    const { ok, num } = row;
    if (!ok[TX.subTotal] || !ok[TX.shipTotal] || !ok[TX.salesTax] || !ok[TX.totalAmount]) return;
    const expected = num[TX.subTotal]! + num[TX.shipTotal]! + num[TX.salesTax]!;
    if (expected !== num[TX.totalAmount]) {
      out.report('total_mismatch', TX.totalAmount, { total: formatCents(num[TX.totalAmount]!), expected: formatCents(expected) });
    }
  },
};
