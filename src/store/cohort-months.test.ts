/**
 * The cohort_months keys (cohort-months.ts) against the zone database: a key has the calendar month of
 * the instant it stands for in every zone, the widest offsets included, and the band is no wider than
 * the widest offsets make it need be.
 */
import { describe, expect, it } from 'vitest';
import { localDate, offsetMinutesAt, startOfLocalDay } from '../core/time.js';
import { coreEnd, coreStart, isKeyBound, monthKeyOf } from './cohort-months.js';

/** The widest offsets (+14, -12), quarter- and half-hour offsets, half-hour DST (Lord Howe), DST both sides of the equator. */
const ZONES = ['Pacific/Kiritimati', 'Etc/GMT+12', 'Etc/GMT-14', 'Pacific/Chatham', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/St_Johns', 'America/New_York', 'Pacific/Apia', 'UTC'];
const MIN = 60_000;
const HOUR = 60 * MIN;
const month = (ms: number, zone: string) => localDate(ms, zone).slice(0, 7);

/** UTC month starts from 2024-01 to 2026-12. */
const BOUNDARIES = Array.from({ length: 36 }, (_, i) => Date.UTC(2024, i, 1));

describe('cohort_months keys', () => {
  it('the widest offsets are as the band assumes: -12 h .. +14 h, on quarter hours', () => {
    for (const zone of ZONES) {
      for (const b of BOUNDARIES) {
        const o = offsetMinutesAt(b, zone);
        expect(o, zone).toBeGreaterThanOrEqual(-12 * 60);
        expect(o, zone).toBeLessThanOrEqual(14 * 60);
        expect(Math.abs(o) % 15, zone).toBe(0);
      }
    }
  });

  it('a key has the month of its instant in every zone, all through every band and through the cores', () => {
    for (const b of BOUNDARIES) {
      // Every 7 minutes (every slot, at each minute of it in turn) from 15 h before the month start to 13 h
      // after it: the band and a margin both sides.
      for (let t = b - 15 * HOUR; t < b + 13 * HOUR; t += 7 * MIN) {
        const k = monthKeyOf(t);
        expect(k).toBeLessThanOrEqual(t);
        for (const zone of ZONES) if (month(k, zone) !== month(t, zone)) expect.fail(`${new Date(t).toISOString()} in ${zone}: key ${new Date(k).toISOString()}`);
      }
      // The core, every 37 minutes (no multiple of the slot), and its last millisecond.
      for (let t = coreStart(b); t < coreEnd(b); t += 37 * MIN) {
        expect(monthKeyOf(t)).toBe(coreStart(b));
        for (const zone of ZONES) expect(month(monthKeyOf(t), zone), zone).toBe(month(t, zone));
      }
      expect(monthKeyOf(coreEnd(b) - 1)).toBe(coreStart(b));
    }
  });

  it('the band is as narrow as it can be: one slot less either side and a zone sees another month', () => {
    for (const b of BOUNDARIES) {
      const next = Date.UTC(new Date(b).getUTCFullYear(), new Date(b).getUTCMonth() + 1, 1);
      // The core's last slot, [next - 14 h - 15 min, next - 14 h), is the UTC month everywhere; the first
      // instant after it is already the next month on Kiritimati (+14), so it must be in the band.
      expect(month(next - 14 * HOUR, 'Pacific/Kiritimati')).toBe(month(next, 'UTC'));
      expect(monthKeyOf(next - 14 * HOUR)).toBe(next - 14 * HOUR);
      expect(monthKeyOf(next - 14 * HOUR - 1)).toBe(coreStart(b));
      // The last instant before the core is still the previous month at -12.
      expect(month(b + 12 * HOUR - 1, 'Etc/GMT+12')).toBe(month(b - 1, 'UTC'));
      expect(monthKeyOf(b + 12 * HOUR - 1)).toBe(b + 12 * HOUR - 15 * MIN);
      expect(monthKeyOf(b + 12 * HOUR)).toBe(b + 12 * HOUR);
    }
  });

  it('every local start of a month in every zone splits no key (a range of whole months reads keys exactly)', () => {
    for (const zone of ZONES) {
      for (let y = 2000; y <= 2100; y += 11) {
        for (let m = 1; m <= 12; m++) {
          const start = startOfLocalDay(`${y}-${String(m).padStart(2, '0')}-01`, zone);
          expect(isKeyBound(start), `${y}-${m} ${zone}`).toBe(true);
        }
      }
    }
    // A bound inside a core splits its key.
    expect(isKeyBound(Date.UTC(2025, 0, 15))).toBe(false);
  });
});
