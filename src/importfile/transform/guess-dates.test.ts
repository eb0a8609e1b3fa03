import { describe, expect, it } from 'vitest';
import { compileFormat } from './mapping.js';
import { guessDateFormat } from './guess-dates.js';

describe('the date format read from the data', () => {
  it('reads US 12-hour times, ISO with offsets, and compact NMI stamps; every format it writes parses its values', () => {
    for (const [values, format] of [
      [['4/10/2026 5:35 AM', '4/13/2026 11:02 PM'], 'M/D/YYYY h:mm A'],
      [['2026-10-01 08:00:12 -0400'], 'YYYY-MM-DD H:mm:ss Z'],
      [['2026-10-01T08:00:12Z', '2026-10-02T09:00:12.250Z'], null],
      [['2026-10-01T08:00:12Z', '2026-10-02T09:00:13Z'], 'YYYY-MM-DDTH:mm:ssZ'],
      [['20261014093112'], 'YYYYMMDDHHmmss'],
      [['13/04/2026'], 'D/M/YYYY'],
    ] as const) {
      const g = guessDateFormat(values);
      expect(g?.format ?? null).toBe(format);
      if (format) for (const v of values) expect(compileFormat(format)(v), `${format} ${v}`).not.toBeNull();
    }
  });

  it('asks when month/day and day/month both read every value, and says which carry an offset', () => {
    expect(guessDateFormat(['04/10/2026 05:35 AM', '03/11/2026 07:00 PM'])?.format).toBe('M/D/YYYY h:mm A | D/M/YYYY h:mm A');
    expect(guessDateFormat(['2026-10-01T08:00:12+02:00'])?.offset).toBe(true);
    expect(guessDateFormat(['soon'])).toBeNull();
  });
});
