import type { CrmIdLists } from '../../../core/crm-ids.js';
import { describeCases, type RowCase } from '../../testkit/check-cases.js';
import { rule } from './id-not-in-crm.js';

/** The CRM of the cases: campaign 3 sells product 101 one-time (base product 9) and 102 recurring; MID 2. */
const crmIds: CrmIdLists = {
  campaigns: [{ campaignId: 3, name: 'Store', products: [{ campaignProductId: 101, productId: 9, name: 'Kit', billing: 'ONE_TIME' }, { campaignProductId: 102, productId: 9, name: 'Kit monthly', billing: 'RECURRING' }] }],
  mids: [{ merchantId: 2, name: 'Northwind 01', descriptor: null }],
  midsComplete: false,
};

/** A failing change and a passing one on a valid base row, for each code the rule raises. */
const cases: RowCase[] = [
  { code: 'unknown_campaign_id', column: 'campaignId', bad: { campaignId: '4' }, good: { campaignId: '3' }, crmIds },
  { code: 'unknown_campaign_product', column: 'productId', bad: { productId: '9' }, good: { productId: '101' }, crmIds },
  { code: 'active_subscription_on_one_time_product', column: 'productId', bad: { isActiveRecurring: '1', nextBillDate: '2026-02-01' }, good: { isActiveRecurring: '1', nextBillDate: '2026-02-01', productId: '102' }, crmIds },
  { code: 'unknown_merchant_id', column: 'merchantId', bad: { merchantId: '7' }, good: { merchantId: '2' }, crmIds },
];

describeCases(rule, cases);
