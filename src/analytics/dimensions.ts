/**
 * The breakdown dimensions every report can filter and group by (DESIGN §2), and where each lives:
 * on a ledger event, and on a customer's facts (first-touch attribution, for customer-level figures
 * such as new customers and cohorts).
 */
export const DIMENSIONS = ['connection', 'campaign', 'product', 'affiliate', 'subaffiliate', 'mid', 'cycle'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/**
 * Other spellings accepted from users (the CRM's field names). A Map, not an object: a user's
 * "__proto__" or "constructor" must not find Object.prototype's members.
 */
const ALIASES: ReadonlyMap<string, Dimension> = new Map<string, Dimension>([
  ['connection', 'connection'],
  ['campaign', 'campaign'],
  ['campaignid', 'campaign'],
  ['product', 'product'],
  ['productid', 'product'],
  ['affiliate', 'affiliate'],
  ['affid', 'affiliate'],
  ['subaffiliate', 'subaffiliate'],
  ['sub-affiliate', 'subaffiliate'],
  ['sourcevalue1', 'subaffiliate'],
  ['mid', 'mid'],
  ['merchantid', 'mid'],
  ['cycle', 'cycle'],
  ['billingcycle', 'cycle'],
  ['billing-cycle', 'cycle'],
]);

/** Resolves a user-typed dimension name (case-insensitive, CRM field names allowed); null when unknown. */
export function parseDimension(name: string): Dimension | null {
  return ALIASES.get(name.trim().toLowerCase()) ?? null;
}

/** Ledger column of each dimension. */
export const EVENT_COLUMN: Record<Dimension, string> = {
  connection: 'connection_id',
  campaign: 'campaign_id',
  product: 'product_id',
  affiliate: 'aff_id',
  subaffiliate: 'source_value1',
  mid: 'merchant_id',
  cycle: 'billing_cycle',
};

/**
 * Customer-facts column of each dimension: the attribution of the customer's first sale. The billing
 * cycle is not kept in the facts; customer-level reports read it from the first sale event instead.
 */
export const FACT_COLUMN: Record<Exclude<Dimension, 'cycle'>, string> = {
  connection: 'connection_id',
  campaign: 'first_campaign_id',
  product: 'first_product_id',
  affiliate: 'first_aff_id',
  subaffiliate: 'first_source_value1',
  mid: 'first_merchant_id',
};

/** Dimensions whose values are CRM integer ids (compared as numbers so indexes and types line up). */
const NUMERIC: ReadonlySet<Dimension> = new Set(['campaign', 'product', 'mid', 'cycle']);

/** One filter: the dimension equals one of the values. */
export interface Filter {
  dimension: Dimension;
  values: (string | number)[];
}

/** Parses a filter value for a dimension; null when a numeric dimension gets a non-integer or one beyond 2^53. */
export function filterValue(dimension: Dimension, text: string): string | number | null {
  if (!NUMERIC.has(dimension)) return text;
  const n = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** The printable key of a group value (null: "(none)", e.g. orders with no affiliate). */
export function groupKey(v: unknown): string {
  return v === null || v === undefined ? '(none)' : String(v);
}
