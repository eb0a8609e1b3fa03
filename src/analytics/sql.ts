/**
 * SQL building shared by the reports: numbered parameters, filters, and the event source of each basis.
 * What differs between engines (instant parameters, the viewer-zone calendar cut) comes from the
 * store's dialect (ReportReader.sql). Everything a user typed reaches SQL as a parameter, never as text.
 */
import type { Value } from '../store/tables.js';
import { crmBookedAtSql } from '../store/refund-sales.js';
import { DIMENSION_SPECS, type Dimension, type Filter } from './dimensions.js';

/** Collects $1.. parameters while a statement is built. */
export class Params {
  readonly values: Value[] = [];

  /** Adds a value and returns its placeholder. */
  readonly add = (v: Value): string => {
    this.values.push(v);
    return `$${this.values.length}`;
  };
}

/** `col IN (...)` of `values` as parameters; with none `col IN (NULL)`, which no row matches. */
export function inListSql(col: string, values: readonly Value[], p: Params): string {
  return `${col} IN (${values.length > 0 ? values.map((v) => p.add(v)).join(', ') : 'NULL'})`;
}

/** `expr` plus whole days, exact (instants are UTC in both engines, so a day is 24 hours). */
export function plusDaysSql(expr: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw new RangeError(`not a whole number of days: ${days}`);
  return `(${expr} + INTERVAL '${days} days')`;
}

/** A CRM enum as one spelling (store/dialect.ts enumSql: the store's kept tables compare them the same way). */
export { enumSql } from '../store/dialect.js';

/**
 * AND-joined conditions for filters on columns chosen by `column`; '' when there are none. A plain value
 * matches in every connection; a connection's own value (ScopedValue) also needs `column('connection')`.
 */
export function filterSql(filters: readonly Filter[], column: (d: Dimension) => string, p: Params): string {
  return filters
    .filter((f) => f.values.length > 0 || f.missing)
    .map((f) => {
      const col = column(f.dimension);
      const plain = f.values.filter((v): v is string | number => typeof v !== 'object');
      const parts = plain.length > 0 ? [inListSql(col, plain, p)] : [];
      // A connection's own values, one condition per connection.
      const scoped = new Map<string, (string | number)[]>();
      for (const v of f.values) if (typeof v === 'object') scoped.set(v.connectionId, [...(scoped.get(v.connectionId) ?? []), v.value]);
      for (const [connectionId, values] of scoped) {
        parts.push(`(${column('connection')} = ${p.add(connectionId)} AND ${values.length === 1 ? `${col} = ${p.add(values[0]!)}` : inListSql(col, values, p)})`);
      }
      if (f.missing) parts.push(`${col} IS NULL`);
      const any = parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
      // Excluded: a row whose value is missing (NULL) is kept unless `missing` names it.
      return ` AND ${f.exclude ? `NOT COALESCE(${any}, FALSE)` : any}`;
    })
    .join('');
}

/**
 * The breakdown's SELECT items: `grp_conn`, the connection of an account's own value (NULL for the
 * connection and the billing cycle, which need none), and `grp`, the value; both NULL when not grouped.
 * Read back with `groupOf` (dimensions.ts).
 */
export function groupSelect(groupBy: Dimension | null, column: (d: Dimension) => string): string {
  if (!groupBy) return 'NULL AS grp_conn, NULL AS grp';
  return `${DIMENSION_SPECS[groupBy].scoped ? column('connection') : 'NULL'} AS grp_conn, ${column(groupBy)} AS grp`;
}

/** Ledger column of a dimension, qualified by an alias. */
export function eventCol(alias: string): (d: Dimension) => string {
  return (d) => `${alias}.${DIMENSION_SPECS[d].event}`;
}

/**
 * Facts column of a dimension, qualified by an alias; the billing cycle comes from the first sale event
 * (alias `firstAlias`), joined by `firstSaleJoin` when a report needs it.
 */
export function factCol(alias: string, firstAlias: string): (d: Dimension) => string {
  return (d) => {
    const fact = DIMENSION_SPECS[d].fact;
    return fact === null ? `${firstAlias}.${DIMENSION_SPECS[d].event}` : `${alias}.${fact}`;
  };
}

/** Joins a customer's first sale event (the one the facts were taken from) as `alias`. */
export function firstSaleJoin(facts: string, alias: string): string {
  return `JOIN (SELECT connection_id, customer_id, instant, order_id, MIN(billing_cycle) AS billing_cycle FROM money_events WHERE kind = 'sale'
      GROUP BY connection_id, customer_id, instant, order_id) ${alias}
    ON ${alias}.connection_id = ${facts}.connection_id AND ${alias}.customer_id = ${facts}.customer_id
      AND ${alias}.instant = ${facts}.first_sale_at AND ${alias}.order_id = ${facts}.first_order_id`;
}

/** Where refunds and chargebacks are dated: on their own date (event) or on the sale's (crm). */
export type Basis = 'event' | 'crm';

/**
 * The events of a basis, with `at` the instant each is booked at. On the CRM basis a chargeback is booked
 * at its transaction's creation (the sale it flags) and a refund or void at its parent transaction's;
 * one with no stored parent stays on its own date.
 */
export function eventSourceSql(basis: Basis): string {
  return bookedSql('money_events', 'kind', basis);
}

/**
 * The rows of a ledger-shaped table (money_events, or cost_events whose kind column is event_kind) with
 * `at`, the instant each is booked at on `basis` (eventSourceSql says how).
 */
export function bookedSql(table: 'money_events' | 'cost_events', kind: 'kind' | 'event_kind', basis: Basis): string {
  if (basis === 'event') return `(SELECT e.*, e.instant AS at FROM ${table} e)`;
  return `(SELECT e.*, ${crmBookedAtSql(`e.${kind}`)} AS at
      FROM ${table} e
      LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
      LEFT JOIN transactions pt ON pt.connection_id = t.connection_id AND pt.transaction_id = t.parent_txn_id)`;
}
