import { describe, expect, it } from 'vitest';
import { ReportCache } from './reports.js';

describe('ReportCache', () => {
  it('answers a repeated query from memory until cleared', async () => {
    const cache = new ReportCache(60_000, 2);
    let runs = 0;
    const compute = async () => ++runs;
    expect(await cache.get('a', compute)).toBe(1);
    expect(await cache.get('a', compute)).toBe(1);
    cache.clear();
    expect(await cache.get('a', compute)).toBe(2);
  });

  it('expires entries and keeps at most `max`', async () => {
    const cache = new ReportCache(0, 2);
    let runs = 0;
    await cache.get('a', async () => ++runs);
    expect(await cache.get('a', async () => ++runs)).toBe(2);
    const small = new ReportCache(60_000, 2);
    for (const k of ['a', 'b', 'c']) await small.get(k, async () => k);
    expect(await small.get('a', async () => 'recomputed')).toBe('recomputed');
  });

  // Finding 7 of the hardening review: 200 entries of up to 19 MB each had no bound in bytes.
  it('keeps at most maxBytes of answers, and never keeps one larger than a quarter of it', async () => {
    const cache = new ReportCache(60_000, 200, 10_000);
    const big = (n: number) => async () => ({ cells: 'x'.repeat(n) });
    for (let i = 0; i < 50; i++) await cache.get(`k${i}`, big(1_000));
    expect(cache.size()).toBeLessThanOrEqual(10_000);
    expect(cache.size()).toBeGreaterThan(8_000);
    let runs = 0;
    const huge = async () => (runs++, { cells: 'x'.repeat(5_000) });
    await cache.get('huge', huge);
    await cache.get('huge', huge);
    expect(runs).toBe(2);
    expect(cache.size()).toBeLessThanOrEqual(10_000);
  });
});
