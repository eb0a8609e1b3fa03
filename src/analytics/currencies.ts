/**
 * The currencies a report's range holds (docs/metrics.md, "Currency"). A report answers for one currency;
 * beside it, it names every currency the connections reported sold in during the range, with its gross
 * revenue in its own units, so sales in another currency are never hidden and never added in.
 */
import type { Cents } from '../core/money.js';
import { MEASURES, measureSql, TOTAL_COLUMNS, kindSql } from '../ledger/index.js';
import type { ReportReader } from '../store/store.js';
import type { Filter } from './dimensions.js';
import { checkReportRange, instantRange } from './range.js';
import { filterSql, Params } from './sql.js';
import { reportZone, type ReportScope, type TotalsSource } from './summary.js';

/** A currency with sales in a range, and their gross revenue in hundredths of it. */
export interface CurrencyGross {
  currency: string;
  grossCents: Cents;
  sales: number;
}

/**
 * Every currency with a sale in [from, to] (the report's zone: the viewer's, or the account's on the CRM
 * basis; sales are on their own dates on both) of the connections the filters select (only the
 * connection filter counts: the other currencies are the account's, not the breakdown's), by code.
 * Read from the event_slots pre-aggregate unless a backfill has left it behind, else from the ledger.
 */
export async function currenciesInRange(
  store: ReportReader,
  q: Pick<ReportScope, 'tz' | 'basis' | 'accountZone'> & { from: string; to: string; filters?: readonly Filter[] },
  o: TotalsSource = {},
): Promise<CurrencyGross[]> {
  checkReportRange(q);
  const r = instantRange(q.from, q.to, reportZone(q));
  const connections = (q.filters ?? []).filter((f) => f.dimension === 'connection');
  const source = o.source ?? ((await store.aggregatesBehind()) ? 'ledger' : 'aggregate');
  const p = new Params();
  const sql =
    source === 'aggregate'
      ? `SELECT s.currency AS currency, SUM(s.${TOTAL_COLUMNS.gross}) AS gross, SUM(s.${TOTAL_COLUMNS.sales}) AS sales FROM event_slots s
         WHERE s.slot >= ${store.sql.instantParam(p.add, r.startMs)} AND s.slot < ${store.sql.instantParam(p.add, r.endMs)}${filterSql(connections, () => 's.connection_id', p)}
         GROUP BY s.currency`
      : `SELECT e.currency AS currency, ${measureSql('gross', 'e')} AS gross, COUNT(*) AS sales FROM money_events e
         WHERE ${kindSql(MEASURES.sales.kinds, 'e')} AND e.instant >= ${store.sql.instantParam(p.add, r.startMs)} AND e.instant < ${store.sql.instantParam(p.add, r.endMs)}${filterSql(connections, () => 'e.connection_id', p)}
         GROUP BY e.currency`;
  return (await store.query(sql, p.values))
    .map((row) => ({ currency: String(row.currency), grossCents: Number(row.gross ?? 0), sales: Number(row.sales ?? 0) }))
    .filter((c) => c.sales > 0)
    .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0));
}
