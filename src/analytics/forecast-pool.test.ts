/**
 * The forecast groups' models off the report's thread: a worker's results are the in-thread results,
 * number for number (each group is seeded by its own id), whatever the pool's size; a cell's expected
 * future cycles, carried as a running product, are the sum of sbgConditionalSurvival's own products.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { sbgConditionalSurvival, sbgData } from '../forecast/index.js';
import { simulateSbgCohorts } from '../forecast/simulate.js';
import { futureCycles, groupModel, lastCycleWithin, type GroupModelInput } from './forecast-model.js';
import { forecastGroupsByWorkers, forecastThreads, runGroupModels, setForecastThreads } from './forecast-pool.js';

const before = forecastThreads();
afterAll(() => setForecastThreads(before));

function input(seed: number): GroupModelInput {
  const data = sbgData(simulateSbgCohorts({ alpha: 1 + seed / 4, beta: 3 }, [9, 7, 5, 3], 400 + 50 * seed, seed));
  const live = (n: number, paid: number) => [{ count: n, lastOk: paid, firstGapDays: 14, gapDays: 30 }, { count: 7, lastOk: paid, firstGapDays: 30, gapDays: 30 }];
  return {
    data, periods: 12, seed: 1000 + seed, replicates: 100,
    cells: [183, 365, 731].flatMap((days) => [{ live: live(60 + seed, 3), days }, { live: live(200, 5), days }]),
  };
}

describe('forecast pool', () => {
  const inputs = [1, 2, 3, 4, 5].map(input);
  const here = inputs.map(groupModel);

  it('gives the in-thread results from a worker, for every pool size', async () => {
    for (const n of [0, 1, 2]) {
      setForecastThreads(n);
      const before = forecastGroupsByWorkers();
      expect(await runGroupModels(inputs)).toEqual(here);
      // The workers did compute a share (a worker that failed would leave it to this thread).
      if (n > 0) expect(forecastGroupsByWorkers() - before).toBeGreaterThan(0);
      else expect(forecastGroupsByWorkers()).toBe(before);
    }
    // One group stays in this thread whatever the pool.
    expect(await runGroupModels(inputs.slice(0, 1))).toEqual(here.slice(0, 1));
  }, 60_000);

  it('carries a cell\'s expected future cycles as a running product: the same numbers as sbgConditionalSurvival', () => {
    const live = [{ count: 40, lastOk: 3, firstGapDays: 14, gapDays: 30 }, { count: 5, lastOk: 1, firstGapDays: 30, gapDays: 7 }];
    for (const p of [{ alpha: 0.7, beta: 1.2 }, { alpha: 15654, beta: 1e5 }, { alpha: 2, beta: 0.3 }]) {
      let sum = 0;
      for (const f of live) for (let c = f.lastOk + 1; c <= lastCycleWithin(731, f.firstGapDays, f.gapDays); c++) sum += f.count * sbgConditionalSurvival(p, f.lastOk - 1, c - 1);
      expect(futureCycles(live, 731)(p)).toBe(sum);
    }
  });
});
