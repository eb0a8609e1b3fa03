/**
 * Every measure, declared once (docs/development.md, after Cube's BaseMeasure): which events it takes, with what
 * sign, and where the store keeps it. The store's facts and pre-aggregates (their columns, their SQL,
 * their per-event deltas) and the reports' sums are generated from this table, so "refunds" means one
 * thing everywhere: refunds, voids and chargebacks, as a positive amount (the CRM's "Refunds"), less the
 * chargebacks reversed in the period.
 */
import { MONEY_KINDS, type EventKind, type MoneyEvent } from './events.js';

/** Which billing cycles an event measure takes. */
export type CycleScope = 'any' | 'initial' | 'rebill';

/** A sum of event amounts, or a count of events, over some kinds of event. */
export interface EventMeasure {
  type: 'event';
  agg: 'sum' | 'count';
  kinds: readonly EventKind[];
  /** sum: each amount is multiplied by it (-1 turns the ledger's negative refunds into a positive total). */
  sign: 1 | -1;
  cycle: CycleScope;
  /** Its column in the report pre-aggregate (event_slots) and, when perCustomer, in customer_facts. */
  column: string;
  /** Kept per customer in customer_facts. */
  perCustomer: boolean;
  label: string;
}

/** A count placed at the first sale of an order or of a customer (orders placed, new customers). */
export interface FirstSaleMeasure {
  type: 'firstSale';
  of: 'order' | 'customer';
  /**
   * Customers only: those acquired within what the data covers (new customers), or before it (their
   * first sale precedes the coverage: counted apart, in no cohort; docs/metrics.md, "Coverage").
   */
  acquired?: 'within' | 'before';
  column: string;
  label: string;
}

/** A difference of sums (net = gross - refunds): no column of its own in event_slots. */
export interface DerivedMeasure {
  type: 'derived';
  plus: SumMeasureName;
  minus: SumMeasureName;
  /** Its column in customer_facts and cohort_ages. */
  column: string;
  label: string;
}

const sum = (kinds: readonly EventKind[], sign: 1 | -1, column: string, label: string): EventMeasure => ({ type: 'event', agg: 'sum', kinds, sign, cycle: 'any', column, perCustomer: true, label });
const count = (kinds: readonly EventKind[], cycle: CycleScope, column: string, label: string, perCustomer = false): EventMeasure => ({ type: 'event', agg: 'count', kinds, sign: 1, cycle, column, perCustomer, label });

export const MEASURES = {
  gross: sum(['sale'], 1, 'gross_cents', 'Gross revenue'),
  refunds: sum(['refund', 'void', 'chargeback', 'chargeback_reversal'], -1, 'refunds_cents', 'Refunds & chargebacks'),
  chargebacks: sum(['chargeback', 'chargeback_reversal'], -1, 'chargebacks_cents', 'Chargebacks'),
  sales: count(['sale'], 'any', 'sale_count', 'Sales', true),
  chargebackCount: count(['chargeback'], 'any', 'chargeback_count', 'Chargebacks (count)'),
  initialApproved: count(['sale'], 'initial', 'initial_approved', 'Initial sales approved'),
  initialDeclined: count(['decline'], 'initial', 'initial_declined', 'Initial sales declined'),
  rebillApproved: count(['sale'], 'rebill', 'rebill_approved', 'Rebills approved'),
  rebillDeclined: count(['decline'], 'rebill', 'rebill_declined', 'Rebills declined'),
  orders: { type: 'firstSale', of: 'order', column: 'orders', label: 'Orders' } as FirstSaleMeasure,
  newCustomers: { type: 'firstSale', of: 'customer', acquired: 'within', column: 'new_customers', label: 'New customers' } as FirstSaleMeasure,
  earlierCustomers: { type: 'firstSale', of: 'customer', acquired: 'before', column: 'earlier_customers', label: 'Customers acquired before the data' } as FirstSaleMeasure,
  net: { type: 'derived', plus: 'gross', minus: 'refunds', column: 'net_cents', label: 'Net revenue' } as DerivedMeasure,
} as const;

export type MeasureName = keyof typeof MEASURES;
/** The measures a report pre-aggregate keeps and a report totals: all but the derived ones. */
export type TotalName = { [K in MeasureName]: (typeof MEASURES)[K] extends DerivedMeasure ? never : K }[MeasureName];
export type EventMeasureName = { [K in MeasureName]: (typeof MEASURES)[K] extends EventMeasure ? K : never }[MeasureName];
export type SumMeasureName = 'gross' | 'refunds' | 'chargebacks';

/** Additive totals of a bucket: one number per measure (money in cents). */
export type Totals = Record<TotalName, number>;

const entries = Object.entries(MEASURES) as [MeasureName, EventMeasure | FirstSaleMeasure | DerivedMeasure][];

/** Event measures, in declaration order. */
export const EVENT_MEASURES = entries.filter((e): e is [EventMeasureName, EventMeasure] => e[1].type === 'event');
/** First-sale measures, in declaration order. */
export const FIRST_SALE_MEASURES = entries.filter((e): e is [TotalName, FirstSaleMeasure] => e[1].type === 'firstSale');
/** The measures of event_slots, in column order (every total). */
export const TOTALS: readonly TotalName[] = entries.filter(([, m]) => m.type !== 'derived').map(([n]) => n as TotalName);

/** The pre-aggregate (event_slots) column of each total. */
export const TOTAL_COLUMNS = Object.fromEntries([...EVENT_MEASURES, ...FIRST_SALE_MEASURES].map(([n, m]) => [n, m.column])) as Record<TotalName, string>;

/** All-zero totals. */
export function emptyTotals(): Totals {
  return Object.fromEntries(TOTALS.map((n) => [n, 0])) as Totals;
}

/** A derived measure's value from totals (net = gross - refunds). */
export function derived(name: 'net', t: Pick<Totals, SumMeasureName>): number {
  const m = MEASURES[name];
  return t[m.plus] - t[m.minus];
}

/**
 * How much each kind of event adds to a sum measure or derived measure, per unit of its amount: +1, -1
 * or 0. For net: a sale +1 (gross), a refund -1 * -1 (it leaves refunds, which net subtracts) = +1.
 */
export function coefficients(name: SumMeasureName | 'net'): Map<EventKind, number> {
  const out = new Map<EventKind, number>();
  const add = (m: EventMeasure, factor: number) => {
    for (const k of m.kinds) out.set(k, (out.get(k) ?? 0) + factor * m.sign);
  };
  const m = MEASURES[name];
  if (m.type === 'derived') {
    add(MEASURES[m.plus], 1);
    add(MEASURES[m.minus], -1);
  } else add(m, 1);
  for (const [k, c] of out) if (c === 0) out.delete(k);
  return out;
}

const quoted = (kinds: readonly EventKind[]) => (kinds.length === 1 ? `= '${kinds[0]}'` : `IN (${kinds.map((k) => `'${k}'`).join(', ')})`);

/** SQL condition: the event (columns prefixed by `alias.`, or bare when '') is of one of these kinds. */
export function kindSql(kinds: readonly EventKind[], alias = ''): string {
  return `${alias ? `${alias}.` : ''}kind ${quoted(kinds)}`;
}

/** SQL condition: the event moves money (every kind but a decline). */
export function moneySql(alias = ''): string {
  return kindSql(MONEY_KINDS, alias);
}

function cycleSql(cycle: CycleScope, col: (c: string) => string): string {
  return cycle === 'initial' ? ` AND ${col('is_initial')}` : cycle === 'rebill' ? ` AND NOT ${col('is_initial')}` : '';
}

/**
 * The SQL aggregate of an event measure, or of net, over ledger rows (columns prefixed by `alias.`):
 * e.g. gross `SUM(CASE WHEN kind = 'sale' THEN amount_cents ELSE 0 END)`.
 */
export function measureSql(name: EventMeasureName | 'net', alias = ''): string {
  const col = (c: string) => (alias ? `${alias}.${c}` : c);
  const m = MEASURES[name];
  if (m.type === 'event' && m.agg === 'count') return `COUNT(CASE WHEN ${kindSql(m.kinds, alias)}${cycleSql(m.cycle, col)} THEN 1 END)`;
  const arms: string[] = [];
  const coef = coefficients(name as SumMeasureName | 'net');
  for (const sign of [1, -1]) {
    const kinds = [...coef].filter(([, c]) => c === sign).map(([k]) => k);
    if (kinds.length > 0) arms.push(`WHEN ${kindSql(kinds, alias)} THEN ${sign === 1 ? '' : '-'}${col('amount_cents')}`);
  }
  return `SUM(CASE ${arms.join(' ')} ELSE 0 END)`;
}

type EventFacts = Pick<MoneyEvent, 'kind' | 'amount_cents' | 'is_initial'>;

/** What one event adds to each total it counts in (first-sale measures aside), times `sign` (-1: removed). */
export function addEvent(t: Partial<Record<TotalName, number>>, e: EventFacts, sign: 1 | -1): void {
  for (const [name, m] of EVENT_MEASURES) {
    if (!m.kinds.includes(e.kind)) continue;
    if (m.cycle === 'initial' ? !e.is_initial : m.cycle === 'rebill' ? e.is_initial : false) continue;
    t[name] = (t[name] ?? 0) + (m.agg === 'count' ? sign : sign * m.sign * e.amount_cents);
  }
}

/** An event's contribution to net (0 for a decline). */
export function netOf(e: Pick<MoneyEvent, 'kind' | 'amount_cents'>): number {
  return (NET.get(e.kind) ?? 0) * e.amount_cents;
}

const NET = coefficients('net');
