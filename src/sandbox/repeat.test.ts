/**
 * The sandbox's repeat buyers (src/sandbox/repeat.ts): only customers whose first order bought a one-time
 * product order again, every repeat order is approved (it may be refunded later, as any sale); their orders follow the BG/NBD story, so a BG/NBD
 * fit on them gives back the configured parameters within 3.29 standard errors (from the observed
 * information of the same data); and without the option the merchant is the one it always was.
 */
import { describe, expect, it } from 'vitest';
import { standardErrors } from '../../test/observed-information.js';
import { DAY } from '../core/time.js';
import { bgNbdData, bgNbdLogLikelihood, fitBgNbd } from '../forecast/index.js';
import { generateMerchant } from './generator.js';
import { DEFAULT_REPEAT_BUYERS, resolveRepeatBuyers } from './repeat.js';

const OPTS = { start: '2024-01-01', now: '2026-06-01 12:00:00', profile: 'rich', seed: 'repeat-story' } as const;

describe('repeat buyers in the sandbox', () => {
  it('follow the BG/NBD story: a fit on them gives back the configured parameters', () => {
    const m = generateMerchant({ ...OPTS, customers: 12000, repeatBuyers: true });
    const byCustomer = new Map<unknown, { first: number; orders: number[]; oneTime: boolean }>();
    for (const o of m.orders) {
      if (o.type !== 'NEW_SALE') continue;
      const c = byCustomer.get(o.customer);
      if (!c) byCustomer.set(o.customer, { first: o.t, orders: [], oneTime: o.lines[0]?.cp.kind === 'ONE_TIME' && o.txns[0]?.response === 'SUCCESS' });
      else {
        c.orders.push(o.t);
        expect(c.oneTime, 'a repeat order of a customer whose first order was a one-time sale').toBe(true);
        expect(o.txns.every((t) => t.response === 'SUCCESS')).toBe(true);
      }
    }
    // The repeat process starts at the first order: x, t_x, T in days from it.
    const customers = [...byCustomer.values()].filter((c) => c.oneTime).map((c) => {
      const x = c.orders.length;
      return { x, tx: x === 0 ? 0 : (c.orders[x - 1]! - c.first) / DAY, T: (m.now - c.first) / DAY };
    });
    expect(customers.filter((c) => c.x > 0).length).toBeGreaterThan(500);
    const fit = fitBgNbd(customers);
    const d = bgNbdData(customers);
    const se = standardErrors((v) => bgNbdLogLikelihood({ r: Math.exp(v[0]!), alpha: Math.exp(v[1]!), a: Math.exp(v[2]!), b: Math.exp(v[3]!) }, d), [fit.r, fit.alpha, fit.a, fit.b].map(Math.log));
    (['r', 'alpha', 'a', 'b'] as const).forEach((k, i) => {
      expect(Math.abs(Math.log(fit[k]) - Math.log(DEFAULT_REPEAT_BUYERS[k])), `${k}: ${fit[k]} against ${DEFAULT_REPEAT_BUYERS[k]} (se of ln ${se[i]})`).toBeLessThanOrEqual(3.29 * se[i]!);
    });
  }, 120_000);

  it('is off by default, and checks its parameters', () => {
    const a = generateMerchant({ ...OPTS, customers: 300 });
    const b = generateMerchant({ ...OPTS, customers: 300, repeatBuyers: false });
    expect(b.txns.map((t) => [t.t, t.amount])).toEqual(a.txns.map((t) => [t.t, t.amount]));
    expect(a.config.repeatBuyers).toBeNull();
    expect(() => resolveRepeatBuyers({ r: 1, alpha: 0, a: 1, b: 1 })).toThrow(/repeatBuyers.alpha/);
  });
});
