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
});
