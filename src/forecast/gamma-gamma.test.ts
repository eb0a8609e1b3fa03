import { describe, expect, it } from 'vitest';
import { standardErrors } from '../../test/observed-information.js';
import { lnGammaMixtureMean, lnPowExpIntegral } from '../../test/quadrature.js';
import { ForecastInputError } from './errors.js';
import {
  checkGammaGammaCustomers,
  fitGammaGamma,
  gammaGammaExpectedSpend,
  gammaGammaLogLikelihood,
  gammaGammaMeanSpend,
  type GammaGammaCustomer,
  type GammaGammaParams,
} from './gamma-gamma.js';
import { simulateGammaGammaCustomers } from './simulate.js';
import { normalQuantile } from './special.js';

const Z999 = normalQuantile(0.9995);

/**
 * The density of a customer's mean spend from the model's story, numerically: given ν the sum of x
 * Gamma(p, ν) amounts is Gamma(px, ν), so the mean m has density (xν)^(px) m^(px-1) e^(-xνm) / Γ(px);
 * mixed over ν ~ Gamma(q, γ) that is x^(px) m^(px-1) / Γ(px) · E[ν^(px) e^(-xmν)]. Γ(px) and the mixture
 * are integrals computed by quadrature, not gamma functions.
 */
function quadratureLL(g: GammaGammaParams, c: GammaGammaCustomer): number {
  const k = g.p * c.x;
  return k * Math.log(c.x) + (k - 1) * Math.log(c.meanSpend) - lnPowExpIntegral(k, 1) + lnGammaMixtureMean(g.q, g.gamma, k, c.x * c.meanSpend);
}

describe('Gamma-Gamma likelihood', () => {
  it('equals the model mixed over ν by numerical integration', () => {
    const customers: GammaGammaCustomer[] = [{ x: 1, meanSpend: 2999 }, { x: 3, meanSpend: 1250.5 }, { x: 12, meanSpend: 8000 }];
    for (const g of [{ p: 6.25, q: 3.74, gamma: 1544 }, { p: 0.7, q: 1.3, gamma: 20 }, { p: 40, q: 9, gamma: 5e4 }]) {
      const quad = customers.reduce((s, c) => s + quadratureLL(g, c), 0);
      const ll = gammaGammaLogLikelihood(g, customers);
      expect(Math.abs(ll - quad)).toBeLessThan(1e-8 * Math.abs(quad));
    }
  });
});

describe('Gamma-Gamma expected spend', () => {
  const truth = { p: 6, q: 4, gamma: 1500 };
  const sims = simulateGammaGammaCustomers(truth, 40000, [1, 2, 3, 5, 8], 51);
  const within = (diffs: number[]) => {
    const mean = diffs.reduce((s, v) => s + v, 0) / diffs.length;
    const sd = Math.sqrt(diffs.reduce((s, v) => s + (v - mean) ** 2, 0) / (diffs.length - 1));
    expect(Math.abs(mean)).toBeLessThan((Z999 * sd) / Math.sqrt(diffs.length));
  };

  it('pγ/(q-1) is the mean of customers\' true mean spends; infinite when q <= 1', () => {
    within(sims.map((s) => s.trueMean - gammaGammaMeanSpend(truth)));
    expect(gammaGammaMeanSpend({ p: 1, q: 1, gamma: 5 })).toBe(Number.POSITIVE_INFINITY);
  });

  it('E[spend | x, m] averages to the customers\' true mean spend, for every number of transactions', () => {
    for (const x of [1, 2, 3, 5, 8]) within(sims.filter((s) => s.x === x).map((s) => s.trueMean - gammaGammaExpectedSpend(truth, s)));
  });

  it('weighs the customer\'s own mean more as x grows', () => {
    const population = gammaGammaMeanSpend(truth);
    const own = 3 * population;
    const gap = (x: number) => Math.abs(gammaGammaExpectedSpend(truth, { x, meanSpend: own }) - own);
    expect(gap(1)).toBeGreaterThan(gap(5));
    expect(gap(5)).toBeGreaterThan(gap(50));
    expect(gammaGammaExpectedSpend(truth, { x: 1, meanSpend: population })).toBeCloseTo(population, 8);
  });
});

describe('Gamma-Gamma fit', () => {
  it.each([
    [{ p: 6, q: 4, gamma: 1500 }, 5000, 61],
    [{ p: 1.5, q: 2.5, gamma: 900 }, 5000, 62],
  ])('recovers %o from %i simulated customers (seed %i) within 3.29 standard errors', (truth, n, seed) => {
    const sims = simulateGammaGammaCustomers(truth, n, [1, 1, 2, 3, 5, 8], seed);
    const f = fitGammaGamma(sims);
    expect(f.converged).toBe(true);
    expect(f.atBound).toBe(false);
    const hat = [f.p, f.q, f.gamma].map(Math.log);
    const se = standardErrors((v) => gammaGammaLogLikelihood({ p: Math.exp(v[0]!), q: Math.exp(v[1]!), gamma: Math.exp(v[2]!) }, sims), hat);
    [truth.p, truth.q, truth.gamma].forEach((v, i) => {
      expect(Math.abs(hat[i]! - Math.log(v))).toBeLessThan(Z999 * se[i]!);
      expect(se[i]!).toBeLessThan(0.5);
    });
  });

  it('rejects customers without a transaction or with a spend of 0 or less, naming the field', () => {
    const fails = (c: GammaGammaCustomer, field: string) => {
      try {
        checkGammaGammaCustomers([{ x: 1, meanSpend: 10 }, c]);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ForecastInputError);
        expect((e as ForecastInputError).field).toBe(field);
      }
    };
    fails({ x: 0, meanSpend: 10 }, 'customers[1].x');
    fails({ x: 1.5, meanSpend: 10 }, 'customers[1].x');
    fails({ x: 2, meanSpend: 0 }, 'customers[1].meanSpend');
    fails({ x: 2, meanSpend: Number.NaN }, 'customers[1].meanSpend');
    expect(() => fitGammaGamma([])).toThrow(ForecastInputError);
  });
});
