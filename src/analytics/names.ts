/**
 * Names beside ids (docs/metrics.md, "Accounts"): what the sync stored of each account's campaigns,
 * products, MIDs and coupons, read to label a report's groups, to list a dimension's values for a filter
 * picker, and to resolve a filter given by name into the (connection, id) pairs it names. An affiliate's
 * and a sub-affiliate's values are their own names; a coupon without a stored name is named by its code.
 */
import type { ReportReader } from '../store/store.js';
import { DIMENSION_SPECS, groupId, type Dimension, type Group, type ScopedValue } from './dimensions.js';
import { Params } from './sql.js';

/** A value of a dimension in one connection, with its name (null when the account stored none). */
export interface NamedValue {
  /** null for the billing cycle, whose values are no account's own. */
  connectionId: string | null;
  id: string;
  name: string | null;
}

/**
 * Where each dimension's names are: a query giving connection_id, id (as text), name and alt (another
 * text the value is known by: a MID's descriptor, a coupon's code). Dimensions without one are named by
 * their values (affiliate, sub-affiliate) or have no names (cycle).
 */
const NAME_SQL: Partial<Record<Dimension, string>> = {
  connection: `SELECT connection_id, connection_id AS id, name, NULL AS alt FROM connections`,
  campaign: `SELECT connection_id, CAST(campaign_id AS TEXT) AS id, name, NULL AS alt FROM campaigns`,
  product: `SELECT connection_id, CAST(product_id AS TEXT) AS id, name, NULL AS alt FROM products`,
  mid: `SELECT connection_id, CAST(merchant_id AS TEXT) AS id, COALESCE(NULLIF(name, ''), descriptor) AS name, descriptor AS alt FROM mids`,
  coupon: `SELECT connection_id, coupon_code AS id, COALESCE(NULLIF(name, ''), coupon_code) AS name, coupon_code AS alt FROM coupons`,
};

/** Whether a dimension's values are named by themselves (an affiliate's id is its name). */
const SELF_NAMED: ReadonlySet<Dimension> = new Set(['affiliate', 'subaffiliate', 'coupon']);

/** `connection_id IN (...)` of a column, or TRUE for every connection (null). */
function inConnections(col: string, ids: readonly string[] | null, p: Params): string {
  if (ids === null) return 'TRUE';
  if (ids.length === 0) return 'FALSE';
  return `${col} IN (${ids.map((id) => p.add(id)).join(', ')})`;
}

/** A filter value of a dimension's type: CRM integer ids as numbers, so the SQL compares like types. */
export function typedValue(d: Dimension, id: string): string | number {
  return DIMENSION_SPECS[d].numeric && /^-?\d+$/.test(id) ? Number(id) : id;
}

/** Names of a dimension's groups, keyed by groupId: what a report shows beside each id. */
export type NameBook = ReadonlyMap<string, string>;

/**
 * The names of a dimension's values in these connections (null: all), keyed by groupId. Self-named
 * dimensions (affiliates) need no entry: their value is the name (`nameOf`).
 */
export async function namesOf(store: ReportReader, d: Dimension, connectionIds: readonly string[] | null): Promise<NameBook> {
  const sql = NAME_SQL[d];
  if (!sql) return new Map();
  const p = new Params();
  const rows = await store.query(`SELECT n.connection_id, n.id, n.name FROM (${sql}) n WHERE n.name IS NOT NULL AND ${inConnections('n.connection_id', connectionIds, p)}`, p.values);
  return new Map(rows.map((r) => [groupId({ connectionId: String(r.connection_id), value: String(r.id) }), String(r.name)]));
}

/** A group's name: the stored one, else the value itself for self-named dimensions; null without one. */
export function nameOf(d: Dimension, book: NameBook, g: Group): string | null {
  if (g.value === null) return null;
  return book.get(groupId(g)) ?? (SELF_NAMED.has(d) ? g.value : null);
}

/** LIKE pattern matching `text` anywhere, lowercased, its own % _ and \ escaped. */
function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Most values one list answers. */
export const MAX_VALUES = 500;

/**
 * The values a dimension takes in the ledger of these connections (null: all), each with its name, those
 * whose id or name contains `search` (case-insensitive) when given; sorted by connection name, then name (else
 * id); at most `limit` (truncated says there were more). What a filter picker lists.
 */
export async function dimensionValues(
  store: ReportReader,
  d: Dimension,
  o: { connectionIds: readonly string[] | null; search?: string; limit?: number },
): Promise<{ values: NamedValue[]; truncated: boolean }> {
  const limit = Math.min(Math.max(1, o.limit ?? 100), MAX_VALUES);
  const p = new Params();
  const col = DIMENSION_SPECS[d].event;
  const scoped = d !== 'cycle';
  const names = NAME_SQL[d];
  const distinct =
    d === 'connection'
      ? `SELECT connection_id, connection_id AS id FROM connections WHERE ${inConnections('connection_id', o.connectionIds, p)}`
      : `SELECT DISTINCT ${scoped ? 'connection_id' : 'NULL'} AS connection_id, CAST(${col} AS TEXT) AS id FROM money_events
         WHERE ${col} IS NOT NULL AND ${inConnections('connection_id', o.connectionIds, p)}`;
  const name = names ? (SELF_NAMED.has(d) ? 'COALESCE(n.name, v.id)' : 'n.name') : SELF_NAMED.has(d) ? 'v.id' : 'CAST(NULL AS TEXT)';
  const search = o.search?.trim() ? ` WHERE (LOWER(v.id) LIKE ${p.add(containsPattern(o.search.trim()))} ESCAPE '\\' OR LOWER(${name}) LIKE $${p.values.length} ESCAPE '\\')` : '';
  const rows = await store.query(
    `SELECT v.connection_id AS connection_id, v.id AS id, ${name} AS name FROM (${distinct}) v
     LEFT JOIN connections c ON c.connection_id = v.connection_id
     ${names ? `LEFT JOIN (${names}) n ON n.connection_id = v.connection_id AND n.id = v.id` : ''}${search}
     ORDER BY c.name, ${d === 'cycle' ? 'CAST(v.id AS INTEGER)' : `LOWER(COALESCE(${name}, v.id)), v.id`}
     LIMIT ${limit + 1}`,
    p.values,
  );
  const values = rows.slice(0, limit).map((r) => ({ connectionId: r.connection_id === null ? null : String(r.connection_id), id: String(r.id), name: r.name === null ? null : String(r.name) }));
  return { values, truncated: rows.length > limit };
}

/** Edit distance of two short texts (close-name suggestions). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * The (connection, id) pairs a dimension's value named `text` stands for in these connections: every
 * value whose stored name (or a MID's descriptor, a coupon's code) equals it, ignoring case. With none,
 * `close` lists up to five names that look like it (containing it, contained in it, or a few letters off).
 */
export async function valuesNamed(
  store: ReportReader,
  d: Dimension,
  text: string,
  connectionIds: readonly string[] | null,
): Promise<{ matches: ScopedValue[]; close: NamedValue[] }> {
  const sql = NAME_SQL[d];
  if (!sql) return { matches: [], close: [] };
  const p = new Params();
  const rows = await store.query(`SELECT n.connection_id, n.id, n.name, n.alt FROM (${sql}) n WHERE ${inConnections('n.connection_id', connectionIds, p)}`, p.values);
  const want = text.trim().toLowerCase();
  const all = rows.map((r) => ({ connectionId: String(r.connection_id), id: String(r.id), name: r.name === null ? null : String(r.name), alt: r.alt === null ? null : String(r.alt) }));
  const matches = all.filter((r) => r.name?.toLowerCase() === want || r.alt?.toLowerCase() === want).map((r) => ({ connectionId: r.connectionId, value: typedValue(d, r.id) }));
  if (matches.length > 0) return { matches, close: [] };
  // Closest first: by edit distance, among names that contain the text, are contained in it, or are a few letters off.
  const score = (s: string | null) => {
    if (!s) return Infinity;
    const t = s.toLowerCase();
    const dist = distance(t, want);
    return t.includes(want) || want.includes(t) || dist <= Math.max(2, Math.floor(want.length / 3)) ? dist : Infinity;
  };
  const close = all
    .map((r) => ({ r, s: Math.min(score(r.name), score(r.alt)) }))
    .filter((x) => x.s < Infinity)
    .sort((a, b) => a.s - b.s || (a.r.name ?? '').localeCompare(b.r.name ?? ''))
    .slice(0, 5)
    .map(({ r }) => ({ connectionId: r.connectionId, id: r.id, name: r.name }));
  return { matches, close };
}

/** Whether a coupon code occurs in the ledger of these connections (a coupon filter may name the code). */
export async function couponCodeKnown(store: ReportReader, code: string, connectionIds: readonly string[] | null): Promise<boolean> {
  const p = new Params();
  const rows = await store.query(
    `SELECT 1 AS hit FROM money_events WHERE coupon_code = ${p.add(code)} AND ${inConnections('connection_id', connectionIds, p)}
     UNION ALL SELECT 1 AS hit FROM coupons WHERE coupon_code = $1 AND ${inConnections('connection_id', connectionIds, p)} LIMIT 1`,
    p.values,
  );
  return rows.length > 0;
}
