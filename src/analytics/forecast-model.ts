/**
 * A forecast group's models, from plain data to plain data (docs/forecasts.md, "The forecast report"):
 * the sBG fit with its profile-likelihood interval and the LTV cells' quantities, and the cells'
 * seeded prediction interval. Everything a group needs travels in `GroupModelInput` (numbers and arrays,
 * no functions), so the same call runs in the report's thread or in a worker of the pool
 * (forecast-pool.ts) and gives the same numbers: the seed is the group's, not the thread's.
 */
import {
  RATIO_BY_PRODUCT, sbgConditionalSurvival, sbgForecastData, sbgPredictionIntervals, type Bound, type SbgData, type SbgForecast, type SbgParams,
} from '../forecast/index.js';

/** The last billing cycle paid within `days` of a customer's first sale, by the group's schedule. */
export function lastCycleWithin(days: number, firstGap: number, gap: number): number {
  if (days <= firstGap) return 1;
  return 2 + Math.floor((days - 1 - firstGap) / Math.max(1, gap));
}

/** Live (censored) subscriptions alike: how many, the cycles they paid, and their product's schedule. */
export interface LiveFate {
  count: number;
  lastOk: number;
  firstGapDays: number;
  gapDays: number;
}

export interface GroupModelInput {
  data: SbgData;
  /** Periods projected beyond the data's. */
  periods: number;
  /** Per LTV cell still open: its cohort's live subscriptions and the horizon in days. */
  cells: { live: LiveFate[]; days: number }[];
  seed: number;
  replicates: number;
}

export interface GroupModelResult {
  forecast: SbgForecast;
  /** The cells' prediction intervals of their future paid cycles, in order; null without a normal approximation. */
  predicted: Bound[] | null;
}

/**
 * The expected future paid cycles of live subscriptions up to their last cycle within `days`: Σ count
 * Σ_{c = L+1..last} S(c - 1)/S(L - 1). Monotone in α and β (a sum of products of retention rates), as the
 * interval needs. Each S(c - 1)/S(L - 1) is sbgConditionalSurvival's product of retention rates, carried
 * from one cycle to the next instead of started again (the same multiplications in the same order: the
 * same numbers), so an evaluation costs a division per cycle, not per cycle squared.
 */
export function futureCycles(live: readonly LiveFate[], days: number): (p: SbgParams) => number {
  const plan = live.map((f) => ({ count: f.count, paid: f.lastOk, last: lastCycleWithin(days, f.firstGapDays, f.gapDays) }));
  return (p) => {
    let total = 0;
    for (const f of plan) {
      const t = f.paid - 1;
      let s = 1;
      let j = t;
      for (let c = f.paid + 1; c <= f.last; c++) {
        const k = c - 1;
        if (t < 0 || k - t > RATIO_BY_PRODUCT) {
          total += f.count * sbgConditionalSurvival(p, t, k);
          continue;
        }
        for (; j < k; j++) s *= (p.beta + j) / (p.alpha + p.beta + j);
        total += f.count * s;
      }
    }
    return total;
  };
}

/** Fits a group's sBG, bounds its cells' expectations and draws their prediction intervals. */
export function groupModel(input: GroupModelInput): GroupModelResult {
  const quantities = input.cells.map((c) => futureCycles(c.live, c.days));
  const forecast = sbgForecastData(input.data, { periods: input.periods, quantities });
  const live = input.cells.map((c) => c.live.map((x) => ({ count: x.count, paid: x.lastOk, lastCycle: lastCycleWithin(c.days, x.firstGapDays, x.gapDays) })));
  const predicted = sbgPredictionIntervals(forecast, input.data, live, { seed: input.seed, replicates: input.replicates });
  return { forecast, predicted };
}

/** A rough cost of a group's models, to share groups between threads: its simulated cycles per replicate, and a fit. */
export function groupModelCost(input: GroupModelInput): number {
  let cycles = 0;
  for (const c of input.cells) for (const x of c.live) cycles += Math.max(0, lastCycleWithin(c.days, x.firstGapDays, x.gapDays) - x.lastOk);
  return 50 + cycles;
}
