import { TX } from '../../spec/columns.js';
import { ymd } from '../../read/row.js';
import type { RowRule } from '../row-rule.js';

/**
 * The rebill guard: an active subscription whose next billing date is before the planned import date
 * would be billed by the CRM the moment it is imported. An error until the merchant chooses, per file,
 * how to resolve it (import fix --past-next-bill-date), never a warning to scroll past.
 */
export const rule: RowRule = {
  name: 'active-subscription-billing-in-past',
  forbids: 'an active subscription whose nextBillDate is before the planned import date (it would rebill at once)',
  owns: [],
  raises: ['next_bill_date_past'],
  check(row, out, ctx) {
    if (!row.ok[TX.isActiveRecurring] || row.num[TX.isActiveRecurring] !== 1 || !row.ok[TX.nextBillDate]) return;
    const next = row.num[TX.nextBillDate]!;
    if (next < ctx.importDate) out.report('next_bill_date_past', TX.nextBillDate, { date: ymd(next), importDate: ymd(ctx.importDate) });
  },
};
