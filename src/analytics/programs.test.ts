/**
 * The card programs at their thresholds (docs/metrics.md, "MID health"): a label only when the ratio AND
 * the count qualify, Mastercard's consecutive months, and Visa's thresholds by date and region.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROGRAMS, mastercardMonths, parsePrograms, vampMonth, type Programs } from './programs.js';

const P = DEFAULT_PROGRAMS;
/** Mastercard statuses of a run of months, each `[chargebacks, previous month's sales]`. */
const mc = (months: [number, number][], p: Programs = P) => mastercardMonths(p, months.map(([chargebacks, previousMonthSales]) => ({ chargebacks, previousMonthSales }))).map((m) => m.status);

describe('Mastercard Excessive Chargeback Program', () => {
  it('needs 100 chargebacks for CMM and ECM: 99 at a 2% ratio is nothing, 100 is', () => {
    // 99 / 4,950 = 2.0% and 100 / 5,000 = 2.0%: the same ratio, one chargeback apart.
    expect(mastercardMonths(P, [{ chargebacks: 99, previousMonthSales: 4950 }])[0]).toMatchObject({ ratio: 0.02, meets: [], status: 'none' });
    expect(mastercardMonths(P, [{ chargebacks: 100, previousMonthSales: 5000 }])[0]).toMatchObject({ ratio: 0.02, meets: ['CMM', 'ECM'], status: 'CMM' });
  });

  it('puts a MID in ECM after two consecutive qualifying months, not one', () => {
    expect(mc([[150, 10_000]])).toEqual(['CMM']); // 1.5%, 150: meets ECM once
    expect(mc([[150, 10_000], [150, 10_000]])).toEqual(['CMM', 'ECM']);
    // A month between them that misses (99 chargebacks) breaks the run.
    expect(mc([[150, 10_000], [99, 6_000], [150, 10_000]])).toEqual(['CMM', 'none', 'CMM']);
    // The ratio alone: 1.49% twice is CMM, never ECM.
    expect(mc([[149, 10_000], [149, 10_000]])).toEqual(['CMM', 'CMM']);
  });

  it('needs 300 chargebacks at 3% in two consecutive months for HECM', () => {
    expect(mc([[300, 10_000], [300, 10_000]])).toEqual(['CMM', 'HECM']);
    expect(mc([[300, 10_000], [299, 9_000]])).toEqual(['CMM', 'ECM']);
  });

  it('keeps a MID in ECM until three months in a row are below the ratio', () => {
    const months: [number, number][] = [[150, 10_000], [150, 10_000], [50, 10_000], [50, 10_000], [50, 10_000], [50, 10_000]];
    expect(mc(months)).toEqual(['CMM', 'ECM', 'ECM', 'ECM', 'none', 'none']);
  });

  it('divides by the previous month\'s sales: none, and the ratio is unknown', () => {
    expect(mastercardMonths(P, [{ chargebacks: 120, previousMonthSales: 0 }])[0]).toMatchObject({ ratio: null, status: 'none' });
    expect(mastercardMonths(P, [{ chargebacks: 0, previousMonthSales: 0 }])[0]).toMatchObject({ ratio: null, status: 'no-sales' });
  });
});

describe('Visa Acquirer Monitoring Program (VAMP)', () => {
  const vamp = (month: string, disputes: number, sales: number, region = 'US') => vampMonth(P, month, region, { sales, disputes, fraudReports: 0 });

  it('is not in force before April 2025 (VDMP and VFMP were)', () => {
    expect(vamp('2025-03-01', 5000, 100_000)).toMatchObject({ status: 'not-in-force', threshold: null });
  });

  it('labels at 2.2% with 1,500 disputes and fraud reports until March 2026: 1,499 is below', () => {
    expect(vamp('2025-06-01', 2200, 100_000)).toMatchObject({ ratio: 0.022, status: 'excessive' });
    expect(vamp('2025-06-01', 2199, 100_000).status).toBe('below');
    expect(vamp('2025-06-01', 1499, 60_000)).toMatchObject({ count: 1499, status: 'below' }); // 2.5%
    expect(vamp('2025-06-01', 1500, 60_000).status).toBe('excessive');
    // Fraud reports count with disputes.
    expect(vampMonth(P, '2025-06-01', 'US', { sales: 60_000, disputes: 1000, fraudReports: 500 })).toMatchObject({ count: 1500, status: 'excessive' });
  });

  it('lowers the threshold to 1.5% from 1 April 2026 in the US, Canada, Europe and Asia Pacific', () => {
    // 2.0%: below in March 2026, excessive in April 2026.
    expect(vamp('2026-03-01', 2000, 100_000)).toMatchObject({ status: 'below', threshold: { ratio: 0.022 } });
    expect(vamp('2026-04-01', 2000, 100_000)).toMatchObject({ status: 'excessive', threshold: { ratio: 0.015 } });
    expect(vamp('2026-04-01', 1500, 100_000).status).toBe('excessive');
    expect(vamp('2026-04-01', 1499, 100_000).status).toBe('below');
    // Latin America and CEMEA stay at 2.2%.
    expect(vamp('2026-04-01', 2000, 100_000, 'LAC')).toMatchObject({ status: 'below', threshold: { ratio: 0.022 } });
  });
});

describe('one chargeback in 49 sales', () => {
  it('labels nothing: the ratio is high, the count is far below every program\'s minimum', () => {
    for (const month of ['2025-06-01', '2026-04-01']) expect(vampMonth(P, month, 'US', { sales: 49, disputes: 1, fraudReports: 0 })).toMatchObject({ status: 'below' });
    expect(mastercardMonths(P, [{ chargebacks: 1, previousMonthSales: 49 }, { chargebacks: 1, previousMonthSales: 49 }]).map((m) => [m.meets, m.status])).toEqual([[[], 'none'], [[], 'none']]);
  });
});

describe('program parameters from a file', () => {
  it('replaces what it names, as percentages, and names what is wrong', () => {
    const p = parsePrograms({ mastercard: { levels: [{ name: 'ECM', ratio: 1.2, minCount: 50 }] }, visa: { region: 'eu', merchant: [{ from: '2025-04-01', ratio: 0.9, minCount: 10 }] } }, 'programs.yaml');
    expect(p.mastercard.levels).toEqual([{ name: 'ECM', ratio: 0.012, minCount: 50, consecutiveMonths: 2, exitMonths: 3 }]);
    expect(p.visa).toMatchObject({ region: 'EU', merchant: [{ from: '2025-04-01', regions: '*', ratio: 0.009, minCount: 10 }] });
    expect(() => parsePrograms({ visa: { merchant: [{ from: '2025-04', ratio: 1, minCount: 1 }] } }, 'programs.yaml')).toThrow('programs.yaml: visa.merchant[0].from is not valid: expected a date YYYY-MM-DD');
    expect(() => parsePrograms({ amex: {} }, 'p.yaml')).toThrow(/p\.yaml: amex is not valid/);
    expect(() => parsePrograms({ mastercard: { levels: [{ name: 'CMM', ratio: 150 }] } }, 'p.yaml')).toThrow(/mastercard\.levels\[0\]\.ratio .* a percentage from 0 to 100/);
  });
});
