import { TX } from '../../spec/columns.js';
import { ymd } from '../../read/row.js';
import type { RowRule } from '../row-rule.js';

/** An active subscription whose next billing date has passed would rebill at once, or never: warn. */
export const rule: RowRule = {
  name: 'active-subscription-billing-in-past',
  forbids: 'an active subscription whose nextBillDate is before today (a warning)',
  owns: [],
  raises: ['next_bill_date_past'],
  check(row, out, ctx) {
    if (!row.ok[TX.isActiveRecurring] || row.num[TX.isActiveRecurring] !== 1 || !row.ok[TX.nextBillDate]) return;
    const next = row.num[TX.nextBillDate]!;
    if (next < ctx.today) out.report('next_bill_date_past', TX.nextBillDate, { date: ymd(next), today: ymd(ctx.today) });
  },
};
