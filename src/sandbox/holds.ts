/**
 * Holds: a test's handle on "while a call is in flight". A hold selects API calls as they arrive and
 * keeps their answers (worked out at arrival, as every answer is) until the test releases them, so a
 * test acts at a known point of a client's work (once the ledger's stream is done, mid-sync, while a
 * call is pending) on an event, never after a sleep that a busy machine can outrun.
 */

/** An API call as a hold sees it: its path (e.g. "order/query") and its number since the start. */
export interface ApiCall {
  path: string;
  n: number;
  /** The call's parameters (query string and form body), e.g. a window's startDate and endDate. */
  params: Readonly<Record<string, string>>;
}

/** A hold on the answers of the calls it selects. */
export interface RequestHold {
  /** Resolves when the first selected call has arrived (its answer is then held). */
  readonly arrived: Promise<void>;
  /** Calls held so far. */
  held(): number;
  /** Sends every held answer and lets later calls through. */
  release(): void;
}

interface Entry {
  match: (call: ApiCall) => boolean;
  count: number;
  arrive: () => void;
  released: Promise<void>;
  release: () => void;
}

/** The sandbox's holds: added by tests, checked by every API call. */
export class Holds {
  private readonly active = new Set<Entry>();

  /** Holds the answers of the calls `match` selects from now on, until release(). */
  add(match: (call: ApiCall) => boolean): RequestHold {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    const released = new Promise<void>((r) => (release = r));
    const e: Entry = { match, count: 0, arrive, released, release };
    this.active.add(e);
    return {
      arrived,
      held: () => e.count,
      release: () => {
        this.active.delete(e);
        e.release();
      },
    };
  }

  /** What the call's answer waits for: the release of the first hold that selects it, or nothing. */
  check(call: ApiCall): Promise<void> | null {
    for (const e of this.active) {
      if (!e.match(call)) continue;
      e.count++;
      e.arrive();
      return e.released;
    }
    return null;
  }

  /** Releases every hold (the sandbox is closing). */
  releaseAll(): void {
    for (const e of this.active) e.release();
    this.active.clear();
  }
}
