import { describe, expect, it } from 'vitest';
import { parseRequestDate, parseRequestTime, requestWindow } from './dates.js';

const HOUR = 3_600_000;

describe('parseRequestDate', () => {
  it('reads m/d/Y, m/d/y, Y-m-d and Y/m/d, with or without a time of day', () => {
    for (const s of ['11/20/2026', '11/20/26', '2026-11-20', '2026/11/20', '2026-11-20 13:45:00', '11/20/2026 23:59', '2026-11-20T08:00:00', '11-20-2026']) {
      expect(parseRequestDate(s), s).toBe('2026-11-20');
    }
    expect(parseRequestDate('1/2/2025')).toBe('2025-01-02');
    expect(parseRequestDate('01/01/10')).toBe('2010-01-01');
    expect(parseRequestDate('01/01/75')).toBe('1975-01-01');
  });
  it('rejects what is not a calendar date', () => {
    for (const s of ['', 'yesterday', '13/01/2026', '02/30/2026', '2026-02-29', '2026-13-01', '20261120']) {
      expect(parseRequestDate(s), s).toBeNull();
    }
  });
});

describe('requestWindow', () => {
  const zone = 'America/New_York';
  it('covers whole local days, 23 hours on spring-forward day and 25 on fall-back day', () => {
    const spring = requestWindow('2026-03-08', '2026-03-08', zone, null, null);
    expect(spring.to - spring.from).toBe(23 * HOUR);
    const fall = requestWindow('2026-11-01', '2026-11-01', zone, null, null);
    expect(fall.to - fall.from).toBe(25 * HOUR);
    const normal = requestWindow('2026-06-01', '2026-06-02', zone, null, null);
    expect(normal.to - normal.from).toBe(48 * HOUR);
    expect(new Date(normal.from).toISOString()).toBe('2026-06-01T04:00:00.000Z');
  });
  it('applies startTime/endTime, wrapping past midnight when endTime is not after startTime', () => {
    const w = requestWindow('2026-06-01', '2026-06-01', zone, parseRequestTime('03:00'), parseRequestTime('02:59'));
    expect(new Date(w.from).toISOString()).toBe('2026-06-01T07:00:00.000Z');
    expect(new Date(w.to).toISOString()).toBe('2026-06-02T07:00:00.000Z');
    const same = requestWindow('2026-06-01', '2026-06-01', zone, parseRequestTime('09:00'), parseRequestTime('17:30'));
    expect(same.to - same.from).toBe(8.5 * HOUR + 60_000);
  });
  it('parses H:i times and rejects others', () => {
    expect(parseRequestTime('03:00')).toBe(180);
    expect(parseRequestTime('23:59')).toBe(1439);
    expect(parseRequestTime('24:00')).toBeNull();
    expect(parseRequestTime('3pm')).toBeNull();
  });
});
