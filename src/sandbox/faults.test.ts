import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, faultFor } from './faults.js';

describe('faultFor', () => {
  it('fails about the configured share of requests, with every kind, the same way for the same seed', () => {
    const run = (seed: string) => Array.from({ length: 20_000 }, (_, n) => faultFor(seed, 0.1, n));
    const a = run('s');
    const failed = a.filter((f) => f !== null);
    expect(failed.length / a.length).toBeGreaterThan(0.09);
    expect(failed.length / a.length).toBeLessThan(0.11);
    for (const k of FAULT_KINDS) expect(failed.filter((f) => f?.kind === k).length).toBeGreaterThan(failed.length / 10);
    expect(run('s')).toEqual(a);
    expect(run('t')).not.toEqual(a);
    expect(faultFor('s', 0, 5)).toBeNull();
  });
});
