/** The forecast models (docs/forecasts.md): pure numerics, no store, no I/O. */
export { ForecastInputError } from './errors.js';
export type { FitDiagnostics } from './optimize.js';
export {
  RATIO_BY_PRODUCT,
  SBG_BOUNDS,
  fitSbg,
  fitSbgData,
  sbgChurn,
  sbgConditionalSurvival,
  sbgData,
  sbgDataFromCounts,
  sbgExpectedPaidPeriods,
  sbgLogLikelihood,
  sbgRetentionRate,
  sbgSurvival,
  sbgSurvivalCurve,
  type PaidPeriodsOptions,
  type SbgCohort,
  type SbgData,
  type SbgFit,
  type SbgParams,
} from './sbg.js';
export { sbgProfileInterval, type Bound, type SbgInterval, type SbgIntervalOptions } from './sbg-interval.js';
export { SBG_TRUST, sbgForecast, sbgForecastData, type SbgForecast, type SbgForecastOptions } from './sbg-forecast.js';
export {
  BGNBD_BOUNDS,
  bgNbdConditionalExpectedTransactions,
  bgNbdCustomerLogLikelihood,
  bgNbdData,
  bgNbdExpectedTransactions,
  bgNbdLogLikelihood,
  bgNbdProbabilityAlive,
  fitBgNbd,
  type BgNbdCustomer,
  type BgNbdFit,
  type BgNbdParams,
} from './bgnbd.js';
export {
  fitGammaGamma,
  gammaGammaExpectedSpend,
  gammaGammaLogLikelihood,
  gammaGammaMeanSpend,
  type GammaGammaCustomer,
  type GammaGammaFit,
  type GammaGammaParams,
} from './gamma-gamma.js';
export { REPEAT_TRUST, repeatForecast, type RepeatBuyer, type RepeatForecast, type RepeatForecastOptions, type RepeatProjection } from './repeat-forecast.js';
export { sbgLogInformation, sbgPredictionIntervals, type LiveSubscriptions, type SbgPredictionOptions } from './sbg-predict.js';
