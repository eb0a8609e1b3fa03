/**
 * The simulation's agenda: a binary min-heap of future events ordered by (instant, sequence). The
 * sequence number makes ties deterministic, so one seed always yields the same merchant.
 */

export type EventKind =
  | 'ARRIVAL'
  | 'UPSELL'
  | 'DECLINE_SAVE'
  | 'CAPTURE'
  | 'VOID'
  | 'REFUND'
  | 'CHARGEBACK'
  | 'CHARGEBACK_REVERSAL'
  | 'REBILL'
  | 'CANCEL'
  | 'REPEAT';

export interface SimEvent {
  t: number;
  seq: number;
  kind: EventKind;
  /** The row the event acts on (an order, transaction or purchase), or null for an arrival. */
  ref: unknown;
  /** A number the event needs: a refund amount, the purchase cycle it was scheduled for. */
  n: number;
}

/** Min-heap of events by (t, seq). */
export class Agenda {
  private items: SimEvent[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Schedules an event. */
  push(t: number, kind: EventKind, ref: unknown, n = 0): void {
    // The API shows whole seconds, so events happen on whole seconds: a row's instant round-trips.
    const e: SimEvent = { t: Math.floor(t / 1000) * 1000, seq: this.seq++, kind, ref, n };
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = a[p] as SimEvent;
      if (!before(e, pe)) break;
      a[i] = pe;
      i = p;
    }
    a[i] = e;
  }

  /** The earliest event without removing it. */
  peek(): SimEvent | undefined {
    return this.items[0];
  }

  /** Removes and returns the earliest event. */
  pop(): SimEvent | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(a[r] as SimEvent, a[l] as SimEvent)) c = r;
      const ce = a[c] as SimEvent;
      if (!before(ce, last)) break;
      a[i] = ce;
      i = c;
    }
    a[i] = last;
    return top;
  }
}

function before(x: SimEvent, y: SimEvent): boolean {
  return x.t < y.t || (x.t === y.t && x.seq < y.seq);
}
