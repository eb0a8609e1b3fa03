/**
 * Per-connection limits: at most N requests in flight, and at most R request starts per second
 * (a token bucket). The CRM documents no limit; these protect the merchant's account anyway.
 */

/** A counting semaphore with FIFO waiters. */
export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (limit < 1) throw new RangeError('concurrency must be at least 1');
  }

  /** Waits for a slot; returns a release function. */
  async acquire(): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
    } else {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    };
  }
}

/** Token bucket: `ratePerSec` tokens per second, bursts up to `burst`. */
export class RateLimiter {
  private tokens: number;
  private last: number;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly ratePerSec: number,
    readonly burst: number = Math.max(1, Math.ceil(ratePerSec)),
    private readonly now: () => number = () => performance.now(),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Waits until a request may start. Calls are served in order. */
  take(): Promise<void> {
    if (!Number.isFinite(this.ratePerSec) || this.ratePerSec <= 0) return Promise.resolve();
    const turn = this.chain.then(async () => {
      for (;;) {
        const t = this.now();
        this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
        this.last = t;
        if (this.tokens >= 1) {
          this.tokens -= 1;
          return;
        }
        await this.sleep(Math.ceil(((1 - this.tokens) / this.ratePerSec) * 1000));
      }
    });
    this.chain = turn;
    return turn;
  }
}
