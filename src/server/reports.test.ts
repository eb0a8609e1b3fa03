import { describe, expect, it } from 'vitest';
import type { ConnectionSummary } from '../store/store.js';
import { BadRequest, parseReport, ReportCache } from './reports.js';

const conn = (name: string, timezone: string): ConnectionSummary => ({
  connectionId: `id-${name}`, name, brand: 'konnektive', baseUrl: 'http://x', loginId: 'l', accountName: name, accountUsername: 'u', timezone, frequency: 'daily', createdAt: 0,
});

describe('parseReport', () => {
  it('fills the CLI defaults and reads filters, group-by and connection names', () => {
    const r = parseReport('summary', { tz: ['Asia/Tokyo'], to: ['2026-03-31'], filter: ['campaign:3', 'affid:A1'], groupBy: ['sourceValue1'], connection: ['shop'] }, [conn('shop', 'America/New_York')]);
    expect(r.q).toMatchObject({ from: '2026-03-02', to: '2026-03-31', tz: 'Asia/Tokyo', groupBy: 'subaffiliate', basis: 'event', accountZone: 'America/New_York' });
    expect(r.q.filters).toEqual([
      { dimension: 'connection', values: ['id-shop'] },
      { dimension: 'campaign', values: [3] },
      { dimension: 'affiliate', values: ['A1'] },
    ]);
    // The same default as konduit report: from the first day of the month 335 days before the month of `to`.
    expect(parseReport('cohorts', { to: ['2026-03-31'] }, []).q.from).toBe('2025-03-01');
  });

  it('refuses what the analytics cannot answer, with the reason', () => {
    expect(() => parseReport('summary', { tz: ['Nowhere/Else'] }, [])).toThrow(BadRequest);
    expect(() => parseReport('summary', { from: ['2026-02-30'] }, [])).toThrow(/YYYY-MM-DD/);
    expect(() => parseReport('cohorts', { basis: ['crm'] }, [])).toThrow(/summary and series only/);
    expect(() => parseReport('summary', { filter: ['campaign:abc'] }, [])).toThrow(/whole number/);
    expect(() => parseReport('summary', { basis: ['crm'] }, [conn('a', 'America/New_York'), conn('b', 'Europe/Paris')])).toThrow(/one account time zone/);
  });
});

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
