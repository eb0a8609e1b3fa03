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
  ['coupon', 'coupon'],
  ['couponcode', 'coupon'],
  ['coupon-code', 'coupon'],
  ['cycle', 'cycle'],
  ['billingcycle', 'cycle'],
  ['billing-cycle', 'cycle'],
]);

/** Resolves a user-typed dimension name (case-insensitive, CRM field names allowed); null when unknown. */
export function parseDimension(name: string): Dimension | null {
  return ALIASES.get(name.trim().toLowerCase()) ?? null;
}

/** A value of one connection: campaign 1 of that account, not of another (DIMENSION_SPECS[d].scoped). */
export interface ScopedValue {
  connectionId: string;
  value: string | number;
}

/** A filter value: a plain value matches it in every connection reported, a scoped one in its own only. */
export type FilterValue = string | number | ScopedValue;

/**
 * One filter: the dimension equals one of the values (or, with `missing`, has none). With `exclude` the
 * opposite: the dimension is none of them, a missing value included unless `missing` names it. A report's
 * capped breakdown (report/group-cap.ts) lists its top values with one and pools the rest with the other.
 */
export interface Filter {
  dimension: Dimension;
  values: FilterValue[];
  /** The missing value ("(none)") is one of the values. */
  missing?: boolean;
  /** Match rows whose value is not one of the values. */
  exclude?: boolean;
}

/**
 * A group of a grouped report. An account's own value (a campaign, a product, a MID, a coupon, an
 * affiliate, a sub-affiliate) is grouped with its connection, so two accounts' campaign 1 are two groups;
 * a connection group is the connection itself; a billing cycle has no connection.
 */
export interface Group {
  /** The connection of the value; null for the billing cycle. */
  connectionId: string | null;
  /** The value as text (a connection group's is the connection id); null when missing, shown as "(none)". */
  value: string | null;
  /**
   * Set on the one row that pools the values a capped breakdown does not list (report/group-cap.ts): how
   * many values it holds. Its connectionId and value are null.
   */
  rest?: number;
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The group of a row read with `groupSelect` (sql.ts): its grp_conn and grp columns. */
export function groupOf(d: Dimension, connectionId: unknown, value: unknown): Group {
  if (d === 'connection') return { connectionId: text(value), value: text(value) };
  return { connectionId: DIMENSION_SPECS[d].scoped ? text(connectionId) : null, value: text(value) };
}

/** A group as a Map key (the reverse of `groupFromId`). */
export function groupId(g: Group): string {
  return JSON.stringify([g.connectionId, g.value]);
}

/** The group a `groupId` stands for. */
export function groupFromId(id: string): Group {
  const [connectionId, value] = JSON.parse(id) as [string | null, string | null];
  return { connectionId, value };
}

const WHOLE = /^-?\d+$/;

/**
 * The order groups are listed in: by connection id, then a missing value first, then whole numbers by
 * size (campaign 2 before 10), then text.
 */
export function compareGroups(a: Group, b: Group): number {
  const ca = a.connectionId ?? '';
  const cb = b.connectionId ?? '';
  if (ca !== cb) return ca < cb ? -1 : 1;
  if (a.value === b.value) return 0;
  if (a.value === null) return -1;
  if (b.value === null) return 1;
  const na = WHOLE.test(a.value);
  const nb = WHOLE.test(b.value);
  if (na && nb) return Number(a.value) - Number(b.value) || (a.value < b.value ? -1 : 1);
  if (na !== nb) return na ? -1 : 1;
  return a.value < b.value ? -1 : 1;
}
