/**
 * The summary figures of docs/metrics.md, derived from additive totals (it defines each).
 */
import type { Cents } from '../core/money.js';
import { compare, divRoundMinor, rate, type Compared } from './arith.js';
import { derived, type Totals } from '../ledger/index.js';

/** The figures of one period. Money in cents; rates are fractions (0.25 = 25%), null with no denominator. */
export interface Figures {
  grossRevenue: Cents;
  refunds: Cents;
  chargebacks: Cents;
  netRevenue: Cents;
  /** Orders placed: orders whose first sale event falls in the period. */
  orders: number;
  newCustomers: number;
  /**
   * Customers whose first synced sale is in the period but who were acquired before the data's coverage
   * (their first sale a rebill, or older than the synced history): not new, in no cohort.
   */
  earlierCustomers: number;
  /** Gross revenue / orders placed, rounded to the currency's minor unit. */
  aov: Cents | null;
  initialApprovalRate: number | null;
  rebillApprovalRate: number | null;
  /** Refunds (with voids and chargebacks) / gross revenue, by amount. */
  refundRate: number | null;
  /** Chargeback events / sale events, by count. */
  chargebackRate: number | null;
  saleCount: number;
  chargebackCount: number;
  initialAttempts: number;
  initialApproved: number;
  rebillAttempts: number;
  rebillApproved: number;
}

/** Derives the figures from totals in one currency (each total is a measure of ledger/measures.ts). */
export function figuresOf(t: Totals, currency: string): Figures {
  const initialAttempts = t.initialApproved + t.initialDeclined;
  const rebillAttempts = t.rebillApproved + t.rebillDeclined;
  return {
    grossRevenue: t.gross,
    refunds: t.refunds,
    chargebacks: t.chargebacks,
    netRevenue: derived('net', t),
    orders: t.orders,
    newCustomers: t.newCustomers,
    earlierCustomers: t.earlierCustomers,
    aov: divRoundMinor(t.gross, t.orders, currency),
    initialApprovalRate: rate(t.initialApproved, initialAttempts),
    rebillApprovalRate: rate(t.rebillApproved, rebillAttempts),
    refundRate: rate(t.refunds, t.gross),
    chargebackRate: rate(t.chargebackCount, t.sales),
    saleCount: t.sales,
    chargebackCount: t.chargebackCount,
    initialAttempts,
    initialApproved: t.initialApproved,
    rebillAttempts,
    rebillApproved: t.rebillApproved,
  };
}

/** Every figure of the current period compared with the previous one. */
export type ComparedFigures = { [K in keyof Figures]: Compared<Figures[K]> };

/** Pairs two periods' figures field by field. */
export function compareFigures(current: Figures, previous: Figures): ComparedFigures {
  const out: Record<string, Compared<number | null>> = {};
  for (const k of Object.keys(current) as (keyof Figures)[]) out[k] = compare<number | null>(current[k], previous[k]);
  return out as ComparedFigures;
}

/** Names of the money figures (rendered as decimal strings). */
export const MONEY_FIGURES: ReadonlySet<keyof Figures> = new Set(['grossRevenue', 'refunds', 'chargebacks', 'netRevenue', 'aov']);
/** Names of the rate figures (fractions). */
export const RATE_FIGURES: ReadonlySet<keyof Figures> = new Set(['initialApprovalRate', 'rebillApprovalRate', 'refundRate', 'chargebackRate']);
