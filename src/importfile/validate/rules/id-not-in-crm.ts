import { TX } from '../../spec/columns.js';
import type { RowRule } from '../row-rule.js';

/**
 * The CRM's ids (step 4 of the CRM's migration guide), checked when they were given (import validate --connection or
 * --crm-ids): the campaign exists, the productId is one of its CAMPAIGN products (the base product id is
 * named as the likely mix-up), an active subscription is on a product sold as recurring, and the MID is
 * one the CRM billed on recently (a warning: the API has no full MID list).
 */
export const rule: RowRule = {
  name: 'id-not-in-crm',
  forbids: 'a campaignId, productId or merchantId the CRM does not have, or an active subscription on a one-time product (when the CRM\'s ids are given)',
  owns: [],
  raises: ['unknown_campaign_id', 'unknown_campaign_product', 'active_subscription_on_one_time_product', 'unknown_merchant_id'],
  check(row, out, ctx) {
    const crm = ctx.crm;
    if (!crm) return;
    const { ok, num } = row;
    if (ok[TX.campaignId]) {
      const campaign = num[TX.campaignId]!;
      const products = crm.campaigns.get(campaign);
      if (!products) out.report('unknown_campaign_id', TX.campaignId, { id: campaign, known: crm.knownCampaigns });
      else if (ok[TX.productId]) {
        const product = num[TX.productId]!;
        const billing = products.get(product);
        if (billing === undefined) {
          out.report('unknown_campaign_product', TX.productId, { id: product, campaign, base: crm.bases.get(campaign)?.get(product) ?? '' });
        } else if (billing === 'ONE_TIME' && ok[TX.isActiveRecurring] && num[TX.isActiveRecurring] === 1) {
          out.report('active_subscription_on_one_time_product', TX.productId, { id: product });
        }
      }
    }
    if (ok[TX.merchantId] && crm.mids.size > 0 && !crm.mids.has(num[TX.merchantId]!)) out.report('unknown_merchant_id', TX.merchantId, { id: num[TX.merchantId]!, known: crm.knownMids });
  },
};
