/**
 * Date indexes over the merchant's tables: each table's rows sorted by a timestamp, rebuilt lazily when
 * the merchant's version changes, so a one-day window is two binary searches instead of a scan of a
 * million rows.
 */
import type { Merchant } from './model.js';

interface SortedIndex<R> {
  version: number;
  rows: R[];
  keys: Float64Array;
}

const cache = new WeakMap<object, Map<string, SortedIndex<unknown>>>();

/** Rows of `table` whose `key(row)` lies in [from, to), in key order. */
export function rowsInWindow<R>(m: Merchant, name: string, table: readonly R[], key: (r: R) => number, id: (r: R) => number, from: number, to: number): R[] {
  const idx = indexFor(m, name, table, key, id);
  const lo = lowerBound(idx.keys, from);
  const hi = lowerBound(idx.keys, to);
  return idx.rows.slice(lo, hi);
}

function indexFor<R>(m: Merchant, name: string, table: readonly R[], key: (r: R) => number, id: (r: R) => number): SortedIndex<R> {
  let perMerchant = cache.get(m);
  if (!perMerchant) {
    perMerchant = new Map();
    cache.set(m, perMerchant);
  }
  const hit = perMerchant.get(name) as SortedIndex<R> | undefined;
  if (hit && hit.version === m.version && hit.rows.length === table.length) return hit;
  const rows = table.slice();
  rows.sort((a, b) => key(a) - key(b) || id(a) - id(b));
  const keys = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) keys[i] = key(rows[i] as R);
  const built: SortedIndex<R> = { version: m.version, rows, keys };
  perMerchant.set(name, built as SortedIndex<unknown>);
  return built;
}

function lowerBound(keys: Float64Array, value: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
