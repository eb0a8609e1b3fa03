/**
 * `konduit forecast sbg` end to end through the CLI entry point: Fader & Hardie's published fits, the
 * JSON and table outputs, and usage errors that name the field and the fix.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../test/cli.js';

const REGULAR = '1000,631,468,382,326,289,262,241';
const HIGH_END = '1000,869,743,653,593,551,517,491';

interface Output {
  alpha: number;
  beta: number;
  logLikelihood: number;
  survival: number[];
  projected: boolean[];
  retention: number[];
  expectedPaidPeriods: { horizon: number; value: number; interval: [number, number] };
  expectedLifetime: number | null;
  interval: { level: number; method: string; alpha: [number, number]; beta: [number, number]; survival: [number, number][] };
  warnings: string[];
}

async function json(args: string[]): Promise<Output> {
  const r = await runCli(['forecast', 'sbg', ...args, '--format', 'json']);
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Output;
}

describe('konduit forecast sbg', () => {
  it('reproduces Fader & Hardie\'s "regular" segment in its JSON: alpha 0.704, beta 1.182, LL -1680.3, years 8-12', async () => {
    const out = await json(['--survivors', REGULAR, '--periods', '5']);
    expect(Math.abs(out.alpha / 0.704 - 1)).toBeLessThan(0.005);
    expect(Math.abs(out.beta / 1.182 - 1)).toBeLessThan(0.005);
    expect(Math.abs(out.logLikelihood - -1680.3)).toBeLessThan(0.1);
    expect(out.survival).toHaveLength(13);
    expect(out.survival[0]).toBe(1);
    const published = [22.0, 20.4, 19.1, 18.0, 17.0];
    published.forEach((p, i) => expect(Math.abs(100 * out.survival[8 + i]! - p)).toBeLessThan(0.2));
    // The observed years are fitted, not copied: within 1 point of the data (the paper's Figure 3).
    REGULAR.split(',').forEach((n, t) => expect(Math.abs(out.survival[t]! - Number(n) / 1000)).toBeLessThan(0.01));
    expect(out.projected).toEqual([...new Array<boolean>(8).fill(false), ...new Array<boolean>(5).fill(true)]);
    // r(t) = S(t)/S(t-1), from the printed survival.
    out.retention.forEach((r, i) => expect(r).toBeCloseTo(out.survival[i + 1]! / out.survival[i]!, 10));
    // α < 1: the expected lifetime is infinite, said as null and as a warning; paid periods are summed to the horizon.
    expect(out.expectedLifetime).toBeNull();
    expect(out.warnings.join('\n')).toMatch(/alpha = 0.704 <= 1: the expected lifetime is infinite/);
    expect(out.expectedPaidPeriods.horizon).toBe(13);
    expect(out.expectedPaidPeriods.value).toBeCloseTo(out.survival.reduce((s, v) => s + v, 0), 10);
    const [lo, hi] = out.expectedPaidPeriods.interval;
    expect(lo).toBeLessThan(out.expectedPaidPeriods.value);
    expect(hi).toBeGreaterThan(out.expectedPaidPeriods.value);
    expect(out.interval.level).toBe(0.95);
    expect(out.interval.method).toBe('profile likelihood');
    expect(out.interval.survival).toHaveLength(13);
  });

  it('reproduces the "high end" segment: alpha 0.668, beta 3.806', async () => {
    const out = await json(['--survivors', HIGH_END]);
    expect(Math.abs(out.alpha / 0.668 - 1)).toBeLessThan(0.005);
    expect(Math.abs(out.beta / 3.806 - 1)).toBeLessThan(0.005);
    // Default: 12 projected periods.
    expect(out.survival).toHaveLength(8 + 12);
  });

  it('prints a table whose projected periods are marked "*"', async () => {
    const r = await runCli(['forecast', 'sbg', '--survivors', REGULAR, '--periods', '5']);
    expect(r.code).toBe(0);
    const rows = r.out.split('\n').filter((l) => /^\d+\*?\s/.test(l));
    expect(rows).toHaveLength(13);
    rows.forEach((row, t) => expect(row.startsWith(t > 7 ? `${t}*` : `${t} `)).toBe(true));
    expect(rows[8]).toMatch(/^8\*\s+22\.01%\s+\d+\.\d\d-\d+\.\d\d%\s+\d+\.\d\d%$/);
    expect(rows[1]).toMatch(/^1\s+631\s+63\.10%\s+62\.6\d%/);
    expect(r.out).toMatch(/alpha 0\.704\d \(95%: [\d.]+-[\d.]+\)\s+beta 1\.182\d/);
    expect(r.out).toMatch(/log-likelihood -1680\.2\d/);
    expect(r.out).toContain('* projected');
  });

  it.each([
    [['--survivors', '10,12'], /--survivors: N1 = 12 is more than N0 = 10: survivors cannot increase/, /each count is at most the one before/],
    [['--survivors', '100,abc,50'], /--survivors: N1 = "abc" is not a whole number/, /separated by commas/],
    [['--survivors', '100,63.1,40'], /N1 = "63.1" is not a whole number/, /no percent signs, decimals/],
    [['--survivors', '0,0,0'], /--survivors: N0 = 0/, /customers acquired/],
    [['--survivors', '100,60'], /--survivors: too few periods/, /two periods or more/],
    [['--survivors', '100,100,100'], /no customer churned/, /at least one churned customer/],
    [[], /--survivors is required/, /konduit forecast sbg --survivors/],
    [['--survivors', REGULAR, '--periods', 'x'], /--periods must be a whole number of at least 0, got "x"/, null],
    [['--survivors', REGULAR, '--periods', '1001'], /--periods must be at most 1000/, null],
    [['--survivors', REGULAR, '--format', 'csv'], /--format must be one of table, json/, null],
  ])('exits 2 on %j with the field and the fix', async (args, message, hint) => {
    const r = await runCli(['forecast', 'sbg', ...args]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    if (hint) expect(r.err).toMatch(new RegExp(`hint: .*${hint.source}`));
    expect(r.err).not.toContain('unexpected');
  });

  it('has help with an example, and is listed in the overview', async () => {
    const help = await runCli(['forecast', 'sbg', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: konduit forecast sbg --survivors N0,N1,...,NT/);
    expect(help.out).toContain('konduit forecast sbg --survivors 1000,631,468');
    const overview = await runCli(['--help']);
    expect(overview.out).toMatch(/konduit forecast sbg\s+fit the sBG retention model/);
  });
});
