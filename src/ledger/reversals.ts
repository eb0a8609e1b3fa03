/**
 * Chargebacks that are reversed, without restating a closed period (docs/metrics.md, "Chargeback
 * reversals"). The CRM keeps a chargeback as flags on the charged-back transaction and clears them when
 * the dispute is won; re-deriving the transaction alone would make its chargeback vanish from the month it
 * was booked in. Instead a transaction keeps its dispute history: every chargeback Konduit has booked
 * stays, and a flag seen cleared books a reversal, +amount, on the day the change was seen (the
 * transaction's dateUpdated). A chargeback already reversed at the first sync books nothing. Charged
 * back again after a reversal, it books a second chargeback (event ids "...:2"). Pure.
 */
import { eventId, type MoneyEvent } from './events.js';

/** A chargeback or reversal the ledger holds for a transaction. */
export interface DisputeEvent {
  event_id: string;
  kind: 'chargeback' | 'chargeback_reversal';
  instant: number;
  amount_cents: number;
  /** The reason code it was booked with (a reversal: the reversed chargeback's); absent when not read. */
  reason?: string | null;
}

const generationOf = (id: string): number => {
  const parts = id.split(':');
  return parts.length > 2 ? Number(parts[2]) : 1;
};

/**
 * A transaction's events with its dispute history carried forward: `derived` is its derivation from its
 * latest copy (at most one chargeback), `stored` the chargebacks and reversals the ledger holds for it,
 * `seenAt` the instant its latest copy was last changed (dateUpdated).
 */
export function withDisputeHistory(derived: MoneyEvent[], stored: readonly DisputeEvent[], seenAt: number | null): MoneyEvent[] {
  if (stored.length === 0) return derived;
  const current = derived.find((e) => e.kind === 'chargeback');
  const template = current ?? derived[0];
  // Without any event to take the transaction's attribution from, its history is left as derived.
  if (!template) return derived;
  const others = derived.filter((e) => e.kind !== 'chargeback');
  const history = [...stored].sort((a, b) => generationOf(a.event_id) - generationOf(b.event_id) || (a.kind === 'chargeback' ? -1 : 1));
  const last = history[history.length - 1] as DisputeEvent;
  const open = last.kind === 'chargeback';
  const generation = generationOf(last.event_id);
  const txn = template.transaction_id;
  // A past dispute keeps the reason code it was booked with.
  const as = (e: DisputeEvent): MoneyEvent => ({ ...template, event_id: e.event_id, kind: e.kind, instant: e.instant, amount_cents: e.amount_cents, reason: e.reason !== undefined ? e.reason : template.reason });
  const out = [...others, ...history.map(as)];
  if (current && open) {
    // The open dispute, as the CRM now states it (amount or date corrected): the same event, updated.
    out[out.length - 1] = { ...current, event_id: last.event_id };
  } else if (current) {
    out.push({ ...current, event_id: eventId('chargeback', txn, generation + 1) });
  } else if (open) {
    out.push({ ...template, event_id: eventId('chargeback_reversal', txn, generation), kind: 'chargeback_reversal', instant: seenAt ?? last.instant, amount_cents: -last.amount_cents, reason: last.reason !== undefined ? last.reason : template.reason });
  }
  return out;
}
