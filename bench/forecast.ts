/**
 * The forecast report's models at scale (docs/forecasts.md, "Cost"). One-time buyers: on simulated
 * whole-day histories of 10,000 and 100,000 customers, once with a drop-out the data identify (r 0.8, α 100,
 * a 0.8, b 2.5: the sandbox's repeat buyers) and once with one they do not (a 1, b 1000: nearly the same
 * small drop-out for everyone, the ridge where a and b run off together), it times the BG/NBD fit, the
 * Gamma-Gamma fit and the whole `repeatForecast` (both fits, the projection and the 100-replicate
 * bootstrap) against a baseline measured in the same run: one pass of the per-customer likelihood over
 * every customer (what one evaluation cost before the fit summed over distinct histories). Subscriptions:
 * the sBG's prediction interval (400 replicates) of 24 monthly cohorts of SBG_COHORT subscriptions at
 * three horizons, against one replicate drawn subscription by subscription (θ ~ Beta, then each renewal:
 * how every replicate was drawn before). The ratios are the result. Named only: `npm run bench -- forecast`;
 * KONDUIT_BENCH_FORECAST_SIZES (default 10000,100000) sets the sizes, KONDUIT_BENCH_FORECAST_WHOLE (default
 * 100000) the largest size the whole forecast runs at, KONDUIT_BENCH_SBG_COHORT (default 5000) the
 * subscriptions per sBG cohort.
 */
import { loadavg } from 'node:os';
import { bgNbdCustomerLogLikelihood, bgNbdData, fitBgNbd, type BgNbdParams } from '../src/forecast/bgnbd.js';
import { fitGammaGamma } from '../src/forecast/gamma-gamma.js';
import { repeatForecast, type RepeatBuyer } from '../src/forecast/repeat-forecast.js';
import { fitSbg } from '../src/forecast/sbg.js';
import { sbgPredictionIntervals, type LiveSubscriptions } from '../src/forecast/sbg-predict.js';
import { Draws, simulateBgNbdCustomers, simulateGammaGammaCustomers, simulateSbgCohorts } from '../src/forecast/simulate.js';
import { fmt } from './analytics.js';

const SIZES = (process.env.KONDUIT_BENCH_FORECAST_SIZES ?? '10000,100000').split(',').map(Number);
const WHOLE = Number(process.env.KONDUIT_BENCH_FORECAST_WHOLE ?? 100_000);
const SBG_COHORT = Number(process.env.KONDUIT_BENCH_SBG_COHORT ?? 5000);
const CASES: [string, BgNbdParams][] = [
  ['identified', { r: 0.8, alpha: 100, a: 0.8, b: 2.5 }],
  ['ridge', { r: 0.8, alpha: 100, a: 1, b: 1000 }],
];

/** Customers acquired over a year (observed 30 to 394 days), times in whole days as the report reads them; 13 monthly buckets. */
function buyers(p: BgNbdParams, n: number): RepeatBuyer[] {
  const sims = simulateBgNbdCustomers(p, n, Array.from({ length: 365 }, (_, i) => i + 30), 0, 7);
  const spend = simulateGammaGammaCustomers({ p: 6, q: 4, gamma: 15000 }, n, [1, 2, 3], 8);
  return sims.map((c, i) => {
    const tx = c.x === 0 ? 0 : Math.min(c.T, Math.max(1, Math.round(c.tx)));
    return { x: c.x, tx, T: c.T, meanSpend: c.x > 0 ? spend[i]!.meanSpend : 0, bucket: Math.floor((394 - c.T) / 31) };
  });
}

const timed = <T>(f: () => T): { ms: number; value: T } => {
  const t = performance.now();
  const value = f();
  return { ms: performance.now() - t, value };
};

export default async function run(): Promise<void> {
  console.log(`load average at start: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  for (const n of SIZES) {
    for (const [name, truth] of CASES) {
      const cs = buyers(truth, n);
      // Baseline: one pass of the per-customer likelihood, the median of 5.
      const passes: number[] = [];
      for (let i = 0; i < 6; i++) {
        const t = performance.now();
        let ll = 0;
        for (const c of cs) ll += bgNbdCustomerLogLikelihood(truth, c);
        if (!Number.isFinite(ll)) throw new Error('the baseline likelihood is not finite');
        if (i > 0) passes.push(performance.now() - t);
      }
      passes.sort((a, b) => a - b);
      const base = passes[2]!;
      const distinct = bgNbdData(cs).distinct;
      const line = (label: string, ms: number, extra = '') => console.log(`[${n} ${name}] ${label.padEnd(44)} ${fmt(ms).padStart(9)}  ${(ms / base).toFixed(0).padStart(7)} passes  ${extra}`);
      console.log(`[${n} ${name}] ${distinct.toLocaleString()} distinct (x, t_x, T) of ${n.toLocaleString()} customers`);
      line('baseline: one per-customer likelihood pass', base);
      const bg = timed(() => fitBgNbd(cs));
      const f = bg.value;
      line('BG/NBD fit', bg.ms, `a ${f.a.toPrecision(4)} b ${f.b.toPrecision(4)} stalled ${f.stalled} dropoutRidge ${f.dropoutRidge}`);
      const gg = timed(() => fitGammaGamma(cs.filter((c) => c.x > 0)));
      line('Gamma-Gamma fit', gg.ms);
      if (n <= WHOLE) {
        const whole = timed(() => repeatForecast(cs, { horizons: [183, 365, 731], buckets: 13, seed: 1, replicates: 100 }));
        const iv = whole.value.interval;
        line('repeatForecast (fits, projection, 100 replicates)', whole.ms, `refits by Newton ${iv.newton}, fell back to the simplex ${iv.fallbacks}, failed ${iv.refitsFailed}`);
      }
    }
  }
  sbgBench();
  console.log(`load average at end: ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
}

/**
 * The sBG prediction interval of a large group: 24 monthly cohorts aged 1 to 24 cycles (α 1.2, β 3), each
 * cohort's survivors live at the cutoff, horizons of 6, 12 and 24 cycles beyond it.
 */
function sbgBench(): void {
  const truth = { alpha: 1.2, beta: 3 };
  const ages = Array.from({ length: 24 }, (_, i) => i + 1);
  const cohorts = simulateSbgCohorts(truth, ages, SBG_COHORT, 17);
  const fit = fitSbg(cohorts);
  // A cohort aged A has its survivors N_A live, having paid A cycles; a horizon H counts cycles up to A + H.
  const quantities: LiveSubscriptions[][] = cohorts.flatMap((c, i) => [6, 12, 24].map((h) => [{ count: c.survivors[ages[i]!]!, paid: ages[i]!, lastCycle: ages[i]! + h }]));
  const live = cohorts.reduce((a, c, i) => a + c.survivors[ages[i]!]!, 0);
  // Baseline: one replicate at the estimate, subscription by subscription.
  const base = timed(() => {
    const draw = new Draws(1);
    let total = 0;
    for (const q of quantities) {
      for (const s of q) {
        for (let i = 0; i < s.count; i++) {
          const theta = draw.beta(fit.alpha, fit.beta + s.paid - 1);
          for (let cycle = s.paid + 1; cycle <= s.lastCycle; cycle++) {
            if (draw.uniform() < theta) break;
            total++;
          }
        }
      }
    }
    return total;
  });
  const label = `[sBG ${(SBG_COHORT * 24).toLocaleString()} subscriptions, ${live.toLocaleString()} live, 72 cells]`;
  console.log(`${label} baseline: one replicate subscription by subscription ${fmt(base.ms).padStart(9)}`);
  const whole = timed(() => sbgPredictionIntervals(fit, fit.data, quantities, { seed: 1, replicates: 400 }));
  console.log(`${label} prediction interval, 400 replicates          ${fmt(whole.ms).padStart(9)}  ${(whole.ms / base.ms).toFixed(2).padStart(7)} replicates drawn one by one`);
}
