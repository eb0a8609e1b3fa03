/**
 * The breakdown dimensions every report can filter and group by (docs/metrics.md), declared once: where each
 * lives on a ledger event, and on a customer's facts (first-touch attribution, for customer-level figures
 * such as new customers and cohorts). The store's facts columns and the reports' SQL read this table.
 */

export const DIMENSIONS = ['connection', 'campaign', 'product', 'affiliate', 'subaffiliate', 'mid', 'coupon', 'cycle'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export interface DimensionSpec {
  /** Column on a ledger event (money_events). */
  event: string;
  /**
   * Column on a customer's facts (customer_facts): the attribution of their first sale. null when the
   * facts do not keep it (the billing cycle: customer-level reports read the first sale event instead).
   */
  fact: string | null;
  /** Its values are CRM integer ids (compared as numbers, so indexes and types line up). */
  numeric: boolean;
  /**
   * Its values are an account's own (campaign 1 of one account is not campaign 1 of another): reports
   * group and filter it by (connection, value) wherever several connections meet (docs/metrics.md, "Accounts").
   */
  scoped: boolean;
  /** Its values have names of their own beside the id, stored by the sync (an affiliate's value is its name). */
  named: boolean;
  label: string;
}

export const DIMENSION_SPECS: Record<Dimension, DimensionSpec> = {
  connection: { event: 'connection_id', fact: 'connection_id', numeric: false, scoped: false, named: true, label: 'Connection' },
  campaign: { event: 'campaign_id', fact: 'first_campaign_id', numeric: true, scoped: true, named: true, label: 'Campaign' },
  product: { event: 'product_id', fact: 'first_product_id', numeric: true, scoped: true, named: true, label: 'Product' },
  affiliate: { event: 'aff_id', fact: 'first_aff_id', numeric: false, scoped: true, named: false, label: 'Affiliate' },
  subaffiliate: { event: 'source_value1', fact: 'first_source_value1', numeric: false, scoped: true, named: false, label: 'Sub-affiliate' },
  mid: { event: 'merchant_id', fact: 'first_merchant_id', numeric: true, scoped: true, named: true, label: 'MID' },
  coupon: { event: 'coupon_code', fact: 'first_coupon_code', numeric: false, scoped: true, named: true, label: 'Coupon' },
  cycle: { event: 'billing_cycle', fact: null, numeric: true, scoped: false, named: false, label: 'Billing cycle' },
};

/** The first-touch attribution a customer's facts copy from their first sale event: [facts column, event column]. */
export const FIRST_TOUCH: readonly [string, string][] = [
  ['first_order_id', 'order_id'],
  ...DIMENSIONS.flatMap((d): [string, string][] => {
    const s = DIMENSION_SPECS[d];
    return s.fact && s.fact !== s.event ? [[s.fact, s.event]] : [];
  }),
];
