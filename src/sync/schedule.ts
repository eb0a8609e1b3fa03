/**
 * When a connection is due for its next incremental sync (`konduit sync --watch`). Pure.
 */
import type { Frequency } from '../store/store.js';

const HOUR = 3_600_000;

/** The interval of a sync frequency in milliseconds. */
export function frequencyMs(f: Frequency): number {
  switch (f) {
    case 'hourly':
      return HOUR;
    case '6h':
      return 6 * HOUR;
    case '12h':
      return 12 * HOUR;
    case 'daily':
      return 24 * HOUR;
  }
}

/** True when a connection last synced successfully at `lastOkAt` (null = never) is due at `now`. */
export function isDue(lastOkAt: number | null, frequency: Frequency, now: number): boolean {
  return lastOkAt === null || now - lastOkAt >= frequencyMs(frequency);
}

/** Milliseconds until the connection is next due (0 when due now). */
export function msUntilDue(lastOkAt: number | null, frequency: Frequency, now: number): number {
  return lastOkAt === null ? 0 : Math.max(0, lastOkAt + frequencyMs(frequency) - now);
}
