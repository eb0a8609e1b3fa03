/**
 * Filters and breakdowns as users give them: the dimensions are the ledger's (ledger/dimensions.ts:
 * where each lives on an event and on a customer's facts); this file reads user-typed names and values.
 */
import { DIMENSION_SPECS, type Dimension } from '../ledger/index.js';

export { DIMENSIONS, DIMENSION_SPECS, type Dimension } from '../ledger/index.js';

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

/** One filter: the dimension equals one of the values. */
export interface Filter {
  dimension: Dimension;
  values: (string | number)[];
}

/** Parses a filter value for a dimension; null when a numeric dimension gets a non-integer or one beyond 2^53. */
export function filterValue(dimension: Dimension, text: string): string | number | null {
  if (!DIMENSION_SPECS[dimension].numeric) return text;
  const n = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** The printable key of a group value (null: "(none)", e.g. orders with no affiliate). */
export function groupKey(v: unknown): string {
  return v === null || v === undefined ? '(none)' : String(v);
}
