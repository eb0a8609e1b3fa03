/**
 * One call from survivor counts to everything a reader of an sBG forecast needs: the fit, survival per
 * period observed and projected, retention rates, expected paid periods, their profile-likelihood
 * interval, and plain-language warnings for the cases docs/forecasts.md says not to trust.
 */
import { fitSbgData, sbgData, sbgExpectedPaidPeriods, sbgRetentionRate, sbgSurvivalCurve, type SbgCohort, type SbgData, type SbgParams } from './sbg.js';
import { sbgProfileInterval, type Bound } from './sbg-interval.js';

export interface SbgForecastOptions {
  /** Periods to project beyond the longest cohort's observed ones (default 12). */
  periods?: number;
  /** Interval level (default 0.95). */
  level?: number;
  /**
   * More quantities of the fitted parameters to give with their interval (`SbgForecast.quantities`):
   * each monotone in α and β (sbgProfileInterval), e.g. a cohort's expected future paid periods.
   */
  quantities?: readonly ((p: SbgParams) => number)[];
}

export interface SbgForecast {
  alpha: number;
  beta: number;
  logLikelihood: number;
  /** Periods observed in the longest cohort (T); survival[t] for t > T is projected. */
  observedPeriods: number;
  /** S(0) .. S(T + periods), as fractions of the customers acquired. */
  survival: number[];
  /** projected[t] is true for the periods no cohort has reached: t > T. */
  projected: boolean[];
  /** retention[t - 1] = r(t), t = 1 .. T + periods. */
  retention: number[];
  /** Σ S(t) over periods 0 .. horizon - 1 (horizon = T + periods + 1), undiscounted, with its interval. */
  expectedPaidPeriods: { horizon: number; value: number; interval: Bound };
  /** E[T] = (α + β - 1)/(α - 1), or null when α <= 1 (infinite: see docs/forecasts.md). */
  expectedLifetime: number | null;
  interval: { level: number; method: 'profile likelihood'; alpha: Bound; beta: Bound; survival: Bound[] };
  /** `options.quantities` at the estimate, with their intervals (absent without them). */
  quantities?: { value: number; interval: Bound }[];
  warnings: string[];
  diagnostics: { customers: number; cohorts: number; starts: number; agreeing: number; converged: boolean; atBound: boolean; reachesBound: boolean };
}

/** Few-data thresholds behind the warnings (docs/forecasts.md, "When not to trust a forecast"). */
export const SBG_TRUST = { minPeriods: 4, minCustomers: 100 } as const;

/** Fits the sBG on cohorts' survivors and projects `periods` beyond the longest cohort. */
export function sbgForecast(cohorts: readonly SbgCohort[], opts: SbgForecastOptions = {}): SbgForecast {
  return sbgForecastData(sbgData(cohorts), opts);
}

/** sbgForecast on already checked sufficient statistics (sbgData, sbgDataFromCounts). */
export function sbgForecastData(data: SbgData, opts: SbgForecastOptions = {}): SbgForecast {
  const periods = opts.periods ?? 12;
  if (!Number.isInteger(periods) || periods < 0) throw new RangeError(`periods must be a whole number of at least 0, got ${periods}`);
  const fit = fitSbgData(data);
  const T = fit.data.periods;
  const last = T + periods;
  const quantities = opts.quantities ?? [];
  const interval = sbgProfileInterval(fit, { level: opts.level ?? 0.95, last, paidHorizon: last + 1, quantities });
  const warnings: string[] = [];
  if (T < SBG_TRUST.minPeriods) {
    warnings.push(`only ${T} periods observed: two parameters fitted to so few points can follow noise; trust the projection only with ${SBG_TRUST.minPeriods} or more`);
  }
  if (fit.data.customers < SBG_TRUST.minCustomers) {
    warnings.push(`only ${fit.data.customers} customers: the interval is wide and the fit rests on a few churn events`);
  }
  const unbounded = fit.atBound || interval.reachesBound;
  if (unbounded) {
    warnings.push('the data do not bound alpha and beta (the likelihood stays near its best up to the parameter limits): a constant churn rate fits as well as a spread of rates, so the decline of churn over time is not established');
  }
  if (fit.alpha <= 1) {
    warnings.push(`alpha = ${fit.alpha.toPrecision(3)} <= 1: the expected lifetime is infinite (survival falls like t^-alpha), so paid periods are counted up to the horizon of ${last + 1} periods`);
  }
  // On a flat ridge the starts stop at different points of it: the warning above already says so.
  if (!unbounded && !(fit.converged && fit.agreeing >= 2)) warnings.push(`the optimiser's starts did not agree (${fit.agreeing} of ${fit.starts} reached the best fit): check the fit against the observed survival`);
  const lifetime = sbgExpectedPaidPeriods(fit);
  return {
    alpha: fit.alpha,
    beta: fit.beta,
    logLikelihood: fit.logLikelihood,
    observedPeriods: T,
    survival: sbgSurvivalCurve(fit, last),
    projected: Array.from({ length: last + 1 }, (_, t) => t > T),
    retention: Array.from({ length: last }, (_, i) => sbgRetentionRate(fit, i + 1)),
    expectedPaidPeriods: { horizon: last + 1, value: sbgExpectedPaidPeriods(fit, { horizon: last + 1 }), interval: interval.expectedPaidPeriods },
    expectedLifetime: Number.isFinite(lifetime) ? lifetime : null,
    interval: { level: interval.level, method: interval.method, alpha: interval.alpha, beta: interval.beta, survival: interval.survival },
    ...(quantities.length > 0 ? { quantities: quantities.map((g, i) => ({ value: g(fit), interval: interval.quantities[i]! })) } : {}),
    warnings,
    diagnostics: {
      customers: fit.data.customers,
      cohorts: fit.data.cohorts,
      starts: fit.starts,
      agreeing: fit.agreeing,
      converged: fit.converged,
      atBound: fit.atBound,
      reachesBound: interval.reachesBound,
    },
  };
}
