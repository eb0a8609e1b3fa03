/**
 * What the pre-aggregates share (aggregates.ts, cohort-months.ts): the 15-minute UTC slot that keys
 * event_slots and the band edges of cohort_months, and the shapes of a ledger event and of a first sale
 * as the write-time maintenance reads them. A module of its own so both import it without a cycle
 * (aggregates.ts imports cohort-months.ts for its rebuild).
 */
import type { Dimension, MoneyEvent } from '../ledger/index.js';

/** A slot's length: 15 minutes, so every zone's local midnight (whole, half or quarter hours) is a slot edge. */
export const SLOT_MS = 15 * 60_000;

/** The 15-minute UTC slot (epoch ms) of an instant. */
export const slotOf = (ms: number): number => Math.floor(ms / SLOT_MS) * SLOT_MS;

/** A ledger event as the maintenance reads it (instant in epoch ms). */
export type EventFacts = Pick<MoneyEvent, 'kind' | 'instant' | 'amount_cents' | 'is_initial' | 'currency'>;

/**
 * A first sale as the facts hold it: its instant (epoch ms) and currency (the customer's or the
 * order's); for a customer, whether it was acquired before the data's coverage (counted apart, no cohort).
 */
export interface FirstSale {
  ms: number;
  currency: string;
  acquiredBefore?: boolean;
  /** For a customer read with their first-touch values (cohort-groups.ts): those values by dimension. */
  values?: Partial<Record<Dimension, unknown>>;
}
