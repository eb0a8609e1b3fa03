/**
 * Exact arithmetic for report figures: money stays in integer cents, and a per-customer or per-order
 * amount is rounded once, half away from zero, so a figure never drifts by a cent between engines.
 */
import { decimalsOf } from '../core/currency.js';
import type { Cents } from '../core/money.js';

/** a / b rounded to the nearest integer, halves away from zero; null when b is 0. */
export function divRound(a: number, b: number): Cents | null {
  if (b === 0) return null;
  const neg = a < 0 !== b < 0;
  const x = Math.abs(a);
  const y = Math.abs(b);
  const q = Math.floor(x / y);
  const r = x - q * y;
  const out = 2 * r >= y ? q + 1 : q;
  return neg && out !== 0 ? -out : out;
}

/**
 * a / b of an amount in hundredths of `currency`, rounded once, halves away from zero, to the currency's
 * minor unit (a cent of USD, a whole peso of CLP); null when b is 0.
 */
export function divRoundMinor(a: number, b: number, currency: string): Cents | null {
  const unit = decimalsOf(currency) === 2 ? 1 : 100;
  const q = divRound(a, b * unit);
  return q === null ? null : q * unit;
}

/** A model's amount in hundredths (a fraction of a cent) rounded to the currency's minor unit (a cent, a whole peso). */
export function roundMinor(x: number, currency: string): Cents {
  const unit = decimalsOf(currency) === 2 ? 1 : 100;
  return Math.round(x / unit) * unit;
}

/** a / b as a fraction, or null when b is 0 (a rate with no denominator is "no data", not 0). */
export function rate(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/** A figure of the current period next to the previous one. */
export interface Compared<T extends number | null> {
  current: T;
  previous: T;
  /** current - previous (null when either is null). */
  change: T | null;
  /** (current - previous) / |previous|, null when previous is 0 or null. */
  changeRatio: number | null;
}

/** Pairs a current and previous figure with their difference and relative change. */
export function compare<T extends number | null>(current: T, previous: T): Compared<T> {
  const change = (current === null || previous === null ? null : current - previous) as T | null;
  const changeRatio = change === null || previous === null || previous === 0 ? null : change / Math.abs(previous);
  return { current, previous, change, changeRatio };
}
