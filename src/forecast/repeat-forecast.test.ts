/**
 * repeatForecast on customers simulated from BG/NBD and Gamma-Gamma (seeded): the point projection of a
 * bucket is Σ E[Y(H - T) | history] × E[M | x, m] computed here from the fitted parameters; the
 * prediction interval holds what the simulated customers went on to do; the same seed gives the same
 * interval; too few repeat buyers and a short history are warned of.
 */
import { describe, expect, it } from 'vitest';
import { bgNbdConditionalExpectedTransactions } from './bgnbd.js';
import { gammaGammaExpectedSpend, gammaGammaMeanSpend } from './gamma-gamma.js';
import { repeatForecast, type RepeatBuyer } from './repeat-forecast.js';
import { simulateBgNbdCustomers, Draws } from './simulate.js';

const P = { r: 0.8, alpha: 90, a: 0.9, b: 3 };
const SPEND = { p: 6, q: 4, gamma: 9000 };

/** Customers observed 30 to 330 days, followed for 200 more; each repeat purchase's amount drawn from Gamma-Gamma. */
function customers(count: number, seed: number): { buyers: RepeatBuyer[]; futureSpend: number[] } {
  const sim = simulateBgNbdCustomers(P, count, [30, 90, 150, 210, 270, 330], 200, seed);
  const draw = new Draws(seed + 1);
  const futureSpend: number[] = [];
  const buyers = sim.map((c, i) => {
    const nu = draw.gamma(SPEND.q, SPEND.gamma);
    let sum = 0;
    for (let k = 0; k < c.x; k++) sum += draw.gamma(SPEND.p, nu);
    let later = 0;
    for (let k = 0; k < c.future; k++) later += draw.gamma(SPEND.p, nu);
    futureSpend.push(later);
    return { x: c.x, tx: c.tx, T: c.T, meanSpend: c.x > 0 ? sum / c.x : 0, bucket: i % 6 };
  });
  return { buyers, futureSpend };
}

describe('repeatForecast', () => {
  it('projects each bucket as the sum of its customers\' expected purchases and spend, and its interval holds what they did', () => {
    const { buyers, futureSpend } = customers(3000, 21);
    const sim = simulateBgNbdCustomers(P, 3000, [30, 90, 150, 210, 270, 330], 200, 21);
    // Bucket b's customers were all observed ages[b] days and followed 200 more: horizon b is ages[b] + 200.
    const ages = [30, 90, 150, 210, 270, 330];
    const f = repeatForecast(buyers, { horizons: [230, 290, 350, 410, 470, 530], buckets: 6, seed: 4, replicates: 60 });
    const outside: string[] = [];
    for (let b = 0; b < 6; b++) {
      const k = b;
      const members = buyers.map((c, i) => ({ c, i })).filter(({ c }) => c.bucket === b);
      let purchases = 0;
      let spend = 0;
      for (const { c } of members) {
        const n = bgNbdConditionalExpectedTransactions(f.bgnbd, c, ages[b]! + 200 - c.T);
        purchases += n;
        spend += n * (c.x > 0 ? gammaGammaExpectedSpend(f.gammaGamma, { x: c.x, meanSpend: c.meanSpend }) : gammaGammaMeanSpend(f.gammaGamma));
      }
      const cell = f.buckets[b]![k]!;
      expect(cell.purchases).toBeCloseTo(purchases, 6);
      expect(cell.spend!).toBeCloseTo(spend, 3);
      const actual = members.reduce((a, { i }) => a + sim[i]!.future, 0);
      const actualSpend = members.reduce((a, { i }) => a + futureSpend[i]!, 0);
            outside.push(...[
        actual < cell.purchasesInterval[0] || actual > cell.purchasesInterval[1] ? [`bucket ${b} purchases ${actual} outside ${cell.purchasesInterval.join('-')}`] : [],
        actualSpend < cell.spendInterval![0] || actualSpend > cell.spendInterval![1] ? [`bucket ${b} spend ${actualSpend} outside ${cell.spendInterval!.join('-')}`] : [],
      ].flat());
    }
    // Were the 12 intervals independent, 2 or fewer outside would have probability 0.98 (they share the fit)
    // (measured with this seed: 1, bucket 0's purchases, 652 against 516-647).
    expect(outside.length, outside.join('; ')).toBeLessThanOrEqual(2);
    expect(f.interval).toMatchObject({ method: 'bootstrap', replicates: 60, seed: 4 });
  }, 120_000);

  it('gives the same interval for the same seed, and warns of few repeat buyers and a short history', () => {
    const { buyers } = customers(40, 5);
    const short = buyers.map((c) => ({ ...c, bucket: 0 }));
    const a = repeatForecast(short, { horizons: [731], buckets: 1, seed: 8, replicates: 20 });
    const b = repeatForecast(short, { horizons: [731], buckets: 1, seed: 8, replicates: 20 });
    expect(b.buckets).toEqual(a.buckets);
    expect(a.warnings.some((w) => w.includes('bought again'))).toBe(true);
    expect(a.warnings.some((w) => w.includes('extrapolation'))).toBe(true);
  }, 120_000);
});
