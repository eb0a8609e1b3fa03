/**
 * A breakdown's values ranked, for a report that lists at most so many groups (docs/metrics.md, "Breakdowns
 * with many values"): a sub-affiliate that carries a click id has a value per customer (and per declined
 * visitor), and a report by it would list one group per customer. The values are those with a money event
 * or a first sale on the UTC days the range touches; they rank by the customers they acquired there, then
 * their sales, then their declines, then by value. report/group-cap.ts lists the first ones and pools the
 * others in one row. One statement: `breakdown_days`' rows of those days when the kept tables are current
 * and no filter names another dimension than the connection; else the ledger and the facts, filtered.
 */
import { DAY } from '../core/time.js';
import { breakdownValueSql } from '../store/breakdown-days.js';
import type { ReportReader } from '../store/store.js';
import { DIMENSION_SPECS, groupOf, type Dimension, type Filter, type FilterValue, type Group } from './dimensions.js';
import { typedValue } from './names.js';
import { instantRange } from './range.js';
import { eventCol, factCol, filterSql, firstSaleJoin, groupSelect, Params } from './sql.js';

/** What rankGroups reads: the report's range, zone, currency and filters. */
export interface RankQuery {
  from: string;
  to: string;
  /** The zone the range's dates are read in. */
  zone: string;
  currency: string;
  filters?: readonly Filter[];
}

/** A breakdown's values ranked: the first `limit` and how many there are in all. */
export interface RankedGroups {
  /** The first values by rank, at most `limit`. */
  top: Group[];
  /**
   * How many values have a money event or a first sale on the UTC days the range touches (the missing value
   * counted as one): the listed and the pooled together, at least the report's groups.
   */
  values: number;
}

/**
 * The first `limit` values of `d` by rank in `currency` on the UTC days the range touches, matching the
 * filters, and how many values there are. Ranked and cut by the engine: at most `limit` + 1 rows come back
 * however many values there are.
 */
export async function rankGroups(store: ReportReader, d: Dimension, q: RankQuery, limit: number, o: { current?: boolean } = {}): Promise<RankedGroups> {
  if (d === 'connection' || d === 'cycle') throw new RangeError(`a breakdown by ${d} is not ranked: its values are few`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a rank's limit is a whole number from 1, got ${limit}`);
  const r = instantRange(q.from, q.to, q.zone);
  const lo = Math.floor(r.startMs / DAY);
  const hi = Math.floor((r.endMs - 1) / DAY);
  const filters = q.filters ?? [];
  const p = new Params();
  // `current`: the caller already knows the kept tables are current (no backfill behind).
  const kept = filters.every((f) => f.dimension === 'connection') && (o.current ?? !(await store.aggregatesBehind()));
  let ranked: string;
  if (kept) {
    const col = (x: Dimension) => (x === 'connection' ? 'k.connection_id' : breakdownValueSql(x, 'k'));
    ranked = `SELECT ${groupSelect(d, col)}, SUM(k.new_customers) AS acquired, SUM(k.sale_count) AS sales, SUM(k.initial_declined + k.rebill_declined) AS declines
      FROM breakdown_days k WHERE k.dimension = ${p.add(d)} AND k.currency = ${p.add(q.currency)} AND k.day >= ${p.add(lo)} AND k.day <= ${p.add(hi)}${filterSql(filters, col, p)}
      GROUP BY 1, 2`;
  } else {
    const from = store.sql.instantParam(p.add, lo * DAY);
    const to = store.sql.instantParam(p.add, (hi + 1) * DAY);
    const currency = p.add(q.currency);
    const f = factCol('f', 'fs');
    const join = filters.some((x) => x.dimension === 'cycle') ? firstSaleJoin('f', 'fs') : '';
    ranked = `SELECT x.grp_conn, x.grp, SUM(x.acquired) AS acquired, SUM(x.sales) AS sales, SUM(x.declines) AS declines FROM (
        SELECT ${groupSelect(d, eventCol('e'))}, 0 AS acquired, CASE WHEN e.kind = 'sale' THEN 1 ELSE 0 END AS sales, CASE WHEN e.kind = 'decline' THEN 1 ELSE 0 END AS declines
        FROM money_events e WHERE e.instant >= ${from} AND e.instant < ${to} AND e.currency = ${currency}${filterSql(filters, eventCol('e'), p)}
        UNION ALL
        SELECT ${groupSelect(d, f)}, 1, 0, 0 FROM customer_facts f ${join}
        WHERE f.first_sale_at >= ${from} AND f.first_sale_at < ${to} AND f.currency = ${currency} AND NOT f.acquired_before${filterSql(filters, f, p)}) x
      GROUP BY 1, 2`;
  }
  const sql = `SELECT g.grp_conn, g.grp, COUNT(*) OVER () AS n_values FROM (${ranked}) g
    ORDER BY g.acquired DESC, g.sales DESC, g.declines DESC, g.grp_conn NULLS FIRST, g.grp NULLS FIRST
    LIMIT ${limit + 1}`;
  const rows = await store.query(sql, p.values);
  return { top: rows.slice(0, limit).map((x) => groupOf(d, x.grp_conn, x.grp)), values: rows.length === 0 ? 0 : Number(rows[0]!.n_values) };
}

/**
 * A filter selecting exactly `groups` of `d` (`exclude`: every other value, the missing one included unless
 * a group is it): the report's listed groups and its pooled rest partition its rows.
 */
export function groupsFilter(d: Dimension, groups: readonly Group[], exclude: boolean): Filter {
  const values: FilterValue[] = [];
  let missing = false;
  for (const g of groups) {
    if (g.value === null) missing = true;
    else if (DIMENSION_SPECS[d].scoped && g.connectionId !== null) values.push({ connectionId: g.connectionId, value: typedValue(d, g.value) });
    else values.push(typedValue(d, g.value));
  }
  return { dimension: d, values, ...(missing ? { missing } : {}), ...(exclude ? { exclude } : {}) };
}
