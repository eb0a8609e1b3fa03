/**
 * The sale, decline, chargeback and reversal events of consecutive instant ranges, as MID health,
 * declines and chargebacks read them (docs/metrics.md, "Performance"): the whole UTC days inside each
 * range from the attempt_days pre-aggregate, the partial UTC days at its edges from the ledger by
 * instant. Every zone's local midnight is an instant, so the split is exact whatever the zone.
 *
 * The source is a subquery of rows with the ledger's column names (connection_id, currency, kind,
 * merchant_id, card_brand, billing_cycle, recycle_number, reason) and `p` (the range's index), `n` (how
 * many events the row stands for) and `cents` (their amount_cents summed): reports count SUM(n).
 */
import { DAY } from '../core/time.js';
import { ATTEMPT_KINDS, attemptDaysColumnsSql } from '../store/attempt-days.js';
import type { ReportReader } from '../store/store.js';
import type { Filter } from './dimensions.js';
import { inListSql, type Params } from './sql.js';

/** Dimensions attempt_days keeps: filters on any other read the ledger alone. */
const KEPT_DIMENSIONS: ReadonlySet<string> = new Set(['connection', 'mid', 'cycle']);

export interface AttemptSourceQuery {
  /** Range boundaries (epoch ms), ascending: range i is [bounds[i], bounds[i+1]). */
  bounds: readonly number[];
  kinds: readonly (typeof ATTEMPT_KINDS)[number][];
  connectionIds?: readonly string[];
  /** Only events in this currency (else every currency). */
  currency?: string;
  /** Read whole UTC days from attempt_days (else every event from the ledger). */
  days: boolean;
}

/** Half-open intervals, empty ones dropped and touching ones merged. */
function merged(list: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  for (const [a, b] of list) {
    if (b <= a) continue;
    const last = out[out.length - 1];
    if (last && last[1] === a) last[1] = b;
    else out.push([a, b]);
  }
  return out;
}

/**
 * Whether attempt_days (and the tables kept beside it: mid_months, rebill_saves) may answer: not asked
 * for the ledger alone (source 'ledger'), the filters only on what it keeps, and no connection's
 * aggregates behind the ledger (checked whatever the source asked for).
 */
export async function attemptDaysAnswer(store: ReportReader, filters: readonly Filter[] | undefined, source?: 'aggregate' | 'ledger'): Promise<boolean> {
  if (source === 'ledger') return false;
  if ((filters ?? []).some((f) => f.values.length > 0 && !KEPT_DIMENSIONS.has(f.dimension))) return false;
  return !(await store.aggregatesBehind());
}

/**
 * Every connection's id: a report over all of them names them to the source, so PostgreSQL reads the
 * edges through its (connection_id, instant) index rather than scanning the ledger.
 */
export async function allConnectionIds(store: ReportReader): Promise<string[]> {
  return (await store.query('SELECT connection_id FROM connections ORDER BY connection_id')).map((r) => String(r.connection_id));
}

/**
 * Consecutive instant ranges (bounds, ascending: range i is [bounds[i], bounds[i+1])) split into the whole
 * UTC days inside each (`covered`: days [from, to) of range i; none unless `days`) and the rest
 * (`ledgerRanges`: half-open instant ranges, merged), which are exactly the parts of the UTC days
 * `ledgerDays` inside [first bound, last bound).
 */
export function splitDays(b: readonly number[], days: boolean): { covered: { i: number; from: number; to: number }[]; ledgerRanges: [number, number][]; ledgerDays: number[] } {
  if (b.length < 2) throw new RangeError('splitDays: at least one range');
  const covered: { i: number; from: number; to: number }[] = [];
  const edges: [number, number][] = [];
  for (let i = 0; i + 1 < b.length; i++) {
    const start = b[i] as number;
    const end = b[i + 1] as number;
    const from = days ? Math.ceil(start / DAY) : 0;
    const to = days ? Math.floor(end / DAY) : 0;
    if (from < to) {
      covered.push({ i, from, to });
      edges.push([start, from * DAY], [to * DAY, end]);
    } else edges.push([start, end]);
  }
  const ledgerRanges = merged(edges);
  const ledgerDays = !days ? [] : [...new Set(ledgerRanges.flatMap(([s, e]) => Array.from({ length: Math.floor((e - 1) / DAY) - Math.floor(s / DAY) + 1 }, (_, k) => Math.floor(s / DAY) + k)))];
  return { covered, ledgerRanges, ledgerDays };
}

/** The source subquery (see the header); filters go on its alias, with eventCol. */
export function attemptSourceSql(store: ReportReader, p: Params, q: AttemptSourceQuery): string {
  const d = store.sql;
  const b = q.bounds;
  if (b.length < 2) throw new RangeError('attemptSourceSql: at least one range');
  const kinds = q.kinds.map((k) => `'${k}'`).join(', ');
  const conns = (col: string) => (q.connectionIds ? ` AND ${inListSql(col, q.connectionIds, p)}` : '');
  const currency = (col: string) => (q.currency !== undefined ? ` AND ${col} = ${p.add(q.currency)}` : '');
  const at = (ms: number) => d.instantParam(p.add, ms);
  // Range i covers the UTC days [first[i], end[i]) whole; the rest of it comes from the ledger.
  const { covered, ledgerRanges } = splitDays(b, q.days);
  /** The range index of a row: a CASE on the ranges' starts (`at` adds a start as it is written). */
  const rangeOf = (col: string, starts: { i: number; at: () => string }[]) =>
    starts.length === 1 ? String(starts[0]?.i) : `CASE ${[...starts].reverse().map((s) => `WHEN ${col} >= ${s.at()} THEN ${s.i}`).join(' ')} END`;
  const parts: string[] = [];
  const ledgerStarts = b.slice(0, -1).map((ms, i) => ({ i, at: () => at(ms) }));
  const ledgerPart = (cols: string, where: string, starts = ledgerStarts) =>
    `SELECT ${rangeOf('x.instant', starts)} AS p, ${cols}, 1 AS n, x.amount_cents AS cents FROM money_events x
       WHERE x.kind IN (${kinds})${conns('x.connection_id')}${currency('x.currency')} AND ${where}`;
  if (!q.days) {
    if (ledgerRanges.length > 0) parts.push(ledgerPart('x.*', `x.instant >= ${at(b[0] as number)} AND x.instant < ${at(b[b.length - 1] as number)}`));
  } else {
    // Each edge a scan of its own on one plain instant range: DuckDB then skips every row group whose
    // min/max instant lies outside it (an OR of ranges, or a day-number test, reads the ledger's whole
    // span between the first and last edge: 0.15-0.3 s at 10M events against 2-4 ms so); PostgreSQL
    // reads each through its (connection_id, instant) index alike. Each part's range index comes from
    // the starts of the ranges it overlaps.
    const cols = 'x.connection_id, x.currency, x.kind, x.merchant_id, x.card_brand, x.billing_cycle, x.recycle_number, x.reason';
    for (const [s, e] of ledgerRanges) {
      const starts = ledgerStarts.filter(({ i }) => (b[i] as number) < e && (b[i + 1] as number) > s);
      parts.push(ledgerPart(cols, `x.instant >= ${at(s)} AND x.instant < ${at(e)}`, starts));
    }
  }
  if (covered.length > 0) {
    const c = attemptDaysColumnsSql('a');
    const where = merged(covered.map((r) => [r.from, r.to])).map(([s, e]) => `(a.day >= ${s} AND a.day < ${e})`).join(' OR ');
    parts.push(
      `SELECT ${rangeOf('a.day', covered.map((r) => ({ i: r.i, at: () => String(r.from) })))} AS p, ${c.connection_id} AS connection_id, ${c.currency} AS currency, ${c.kind} AS kind,
         ${c.merchant_id} AS merchant_id, ${c.card_brand} AS card_brand, ${c.billing_cycle} AS billing_cycle, ${c.recycle_number} AS recycle_number, ${c.reason} AS reason,
         a.events AS n, a.cents AS cents
       FROM attempt_days a WHERE a.kind IN (${kinds})${conns('a.connection_id')}${currency('a.currency')} AND (${where})`,
    );
  }
  if (parts.length === 0) return `(SELECT 0 AS p, x.*, 1 AS n, x.amount_cents AS cents FROM money_events x WHERE FALSE)`;
  return `(${parts.join('\n UNION ALL ')})`;
}
