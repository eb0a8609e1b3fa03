import { describe, expect, it } from 'vitest';
import {
  addDays,
  crmWallToInstant,
  dateOnlyToInstant,
  daysBetween,
  instantToCrmWall,
  isoWeekKey,
  isoWeekStart,
  isValidTimeZone,
  localDate,
  normalizeWall,
  offsetChanges,
  offsetMinutesAt,
  parseWall,
  startOfLocalDay,
} from './time.js';

const NY = 'America/New_York';
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('wall time <-> instant', () => {
  it('converts New York winter and summer times', () => {
    expect(iso(crmWallToInstant('2025-01-15 10:00:00', NY))).toBe('2025-01-15T15:00:00.000Z');
    expect(iso(crmWallToInstant('2025-07-15 10:00:00', NY))).toBe('2025-07-15T14:00:00.000Z');
    expect(instantToCrmWall(Date.parse('2025-07-15T14:00:00Z'), NY)).toBe('2025-07-15 10:00:00');
  });
  it('takes the earlier instant in a fall-back hour', () => {
    // 2025-11-02 01:30 happens twice in New York: first at EDT (-4), then at EST (-5).
    expect(iso(crmWallToInstant('2025-11-02 01:30:00', NY))).toBe('2025-11-02T05:30:00.000Z');
  });
  it('shifts forward in a spring-forward gap', () => {
    // 2025-03-09 02:30 does not exist in New York; read as 03:30 EDT.
    const t = crmWallToInstant('2025-03-09 02:30:00', NY)!;
    expect(iso(t)).toBe('2025-03-09T07:30:00.000Z');
    expect(instantToCrmWall(t, NY)).toBe('2025-03-09 03:30:00');
  });
  it('handles half-hour and southern-hemisphere zones', () => {
    expect(offsetMinutesAt(Date.parse('2025-01-10T00:00:00Z'), 'Asia/Kolkata')).toBe(330);
    expect(offsetMinutesAt(Date.parse('2025-01-10T00:00:00Z'), 'Australia/Sydney')).toBe(660);
    expect(offsetMinutesAt(Date.parse('2025-07-10T00:00:00Z'), 'Australia/Sydney')).toBe(600);
  });
  it('rejects malformed and impossible wall times', () => {
    expect(parseWall('2025-02-29 00:00:00')).toBeNull();
    expect(parseWall('2024-02-29 00:00:00')).not.toBeNull();
    expect(parseWall('2025-13-01')).toBeNull();
    expect(parseWall('2025-01-01 24:00:00')).toBeNull();
    expect(parseWall('01/02/2025')).toBeNull();
  });
});

describe('dates', () => {
  it('puts a date-only value at noon account time', () => {
    expect(iso(dateOnlyToInstant('2025-03-09', NY))).toBe('2025-03-09T16:00:00.000Z');
    // Same calendar date for a viewer 11 hours away either side.
    const t = dateOnlyToInstant('2025-06-01', NY)!;
    expect(localDate(t, 'Pacific/Honolulu')).toBe('2025-06-01');
    expect(localDate(t, 'Asia/Kolkata')).toBe('2025-06-01');
    // 13 hours ahead of New York is past the 12-hour promise: the date moves.
    expect(localDate(t, 'Asia/Tokyo')).toBe('2025-06-02');
  });
  it('finds the start of a local day, also on DST days', () => {
    expect(iso(startOfLocalDay('2025-03-09', NY))).toBe('2025-03-09T05:00:00.000Z');
    expect(iso(startOfLocalDay('2025-03-10', NY))).toBe('2025-03-10T04:00:00.000Z');
  });
  it('does calendar arithmetic', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
    expect(daysBetween('2025-01-01', '2025-03-01')).toBe(59);
  });
  it('computes ISO weeks', () => {
    expect(isoWeekKey('2025-01-01')).toBe('2025-W01');
    expect(isoWeekKey('2024-12-30')).toBe('2025-W01');
    expect(isoWeekKey('2021-01-03')).toBe('2020-W53');
    expect(isoWeekStart('2025-01-01')).toBe('2024-12-30');
  });
  it('knows valid zones', () => {
    expect(isValidTimeZone(NY)).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('offsetMinutesAt (cached per day, per quarter hour on transition days)', () => {
  /** The offset straight from Intl, uncached: the reference. */
  const formats = new Map<string, Intl.DateTimeFormat>();
  const reference = (ms: number, zone: string) => {
    const f = formats.get(zone) ?? new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(zone, f);
    const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
    return Math.round((Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) - ms) / 60_000);
  };
  // New York (1 h DST at 2:00), Lord Howe (30 min DST), Chatham (+12:45/+13:45), Kathmandu (+5:45, no DST).
  for (const zone of ['America/New_York', 'Australia/Lord_Howe', 'Pacific/Chatham', 'Asia/Kathmandu']) {
    it(`agrees with Intl at every quarter hour of 2025 in ${zone}`, () => {
      const start = Date.UTC(2025, 0, 1);
      const misses: string[] = [];
      for (let ms = start; ms < Date.UTC(2026, 0, 1); ms += 15 * 60_000) {
        // The minute before each quarter hour too: a transition lands exactly on one.
        for (const t of [ms - 60_000, ms]) {
          const got = offsetMinutesAt(t, zone);
          const want = reference(t, zone);
          if (got !== want && misses.length < 5) misses.push(`${new Date(t).toISOString()}: ${got} vs ${want}`);
        }
      }
      expect(misses).toEqual([]);
    });
  }
});

describe('offsetChanges', () => {
  it('finds both 2025 New York transitions to the minute', () => {
    expect(offsetChanges('America/New_York', Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1))).toEqual([
      { from: Date.UTC(2025, 0, 1), minutes: -300 },
      { from: Date.UTC(2025, 2, 9, 7), minutes: -240 }, // 02:00 EST
      { from: Date.UTC(2025, 10, 2, 6), minutes: -300 }, // 02:00 EDT
    ]);
  });
  it('handles half-hour DST (Lord Howe) and zones without DST', () => {
    const lh = offsetChanges('Australia/Lord_Howe', Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1)).map((c) => c.minutes);
    expect(lh).toEqual([660, 630, 660]);
    expect(offsetChanges('Asia/Kathmandu', Date.UTC(2025, 0, 1), Date.UTC(2026, 0, 1))).toEqual([{ from: Date.UTC(2025, 0, 1), minutes: 345 }]);
  });
});

describe('normalizeWall', () => {
  it('reads the forms the CRM writes into the one form the store keeps', () => {
    const forms = ['2025-03-09', '2025-03-09 01:30', '2025-03-09T01:30:00', '03/09/2025', '3/9/25 1:30 PM', '12/31/2024 11:59:59 pm', '2022-09-02 06:27:37.000000'];
    expect(forms.map((f) => normalizeWall(f))).toEqual(['2025-03-09', '2025-03-09 01:30:00', '2025-03-09 01:30:00', '2025-03-09', '2025-03-09 13:30:00', '2024-12-31 23:59:59', '2022-09-02 06:27:37']);
    expect(normalizeWall('03/05/2024 10:00:00', { date: true })).toBe('2024-03-05');
    // A day that does not exist, or a day-first date, is refused, never guessed.
    expect(['2025-02-30', '13/01/2025', 'x', '0/1/2025'].map((f) => normalizeWall(f))).toEqual([null, null, null, null]);
  });
});
