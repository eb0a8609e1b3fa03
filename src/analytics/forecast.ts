/**
 * The forecast report (docs/forecasts.md, "The forecast report"): per group (or the whole store), the
 * sBG retention model fitted by maximum likelihood on the subscriptions started in the range, every
 * monthly cohort's observed billing cycles pooled (a cycle still pending at the as-of is right-censored,
 * not churn); and per monthly cohort, its projected net LTV per customer at 6, 12 and 24 months: the
 * observed net LTV to date plus the expected net revenue of its live subscriptions' future rebills,
 * with the profile-likelihood interval of the fit.
 *
 * Periods are billing cycles: S(t) is the share of subscriptions with a paid cycle t + 1 (S(0) = 1, the
 * initial sale). A cycle declined for good ends a subscription like a cancellation, so the approval rate
 * is inside the survival, and a projected cycle earns the group's observed net per paid rebill: the mean
 * approved rebill gross less the share refunded, voided or charged back.
 */
import { UsageError } from '../core/errors.js';
import { roundMinor } from './arith.js';
import { DAY, localDate } from '../core/time.js';
import { ForecastInputError, sbgDataFromCounts, type Bound, type SbgData } from '../forecast/index.js';
import { lastCycleWithin, type GroupModelInput, type GroupModelResult } from './forecast-model.js';
import { runGroupModels, warmForecastPool } from './forecast-pool.js';
import { fnv1a32 } from '../core/prng.js';
import type { ReportReader } from '../store/store.js';
import { cohortReport } from './cohorts.js';
import { groupId, type Group } from './dimensions.js';
import { periodsOf } from './range.js';
import { fatesWithSchedules, monthlyCohorts, subscriptionFates, type RetentionReport, type SubscriptionFate } from './retention.js';
import { reportZone, type RangeQuery } from './summary.js';
import { repeatBuyersForecast, type HorizonValue, type RepeatGroupForecast } from './forecast-repeat.js';

/** Replicates of the LTV cells' prediction interval (src/forecast/sbg-predict.ts). */
export const SBG_REPLICATES = 400;

/** The LTV horizons of the forecast, in months, and in days as the cohort report counts them. */
export const FORECAST_HORIZONS = [6, 12, 24] as const;
export const horizonDays = (months: number): number => Math.round((months * 365.25) / 12);

export interface ForecastQuery extends RangeQuery {
  /** The data's as-of (epoch ms); default the clock. */
  asOf?: number;
  /** Read only the events before this instant, as if the data ended there (a backtest); it is then the as-of. */
  until?: number;
}

/** One billing cycle of a survival curve: observed (Kaplan-Meier) up to the data's last, the model's throughout. */
export interface SurvivalPoint {
  cycle: number;
  /** The observed share of subscriptions with this cycle paid, right-censored subscriptions handled (Kaplan-Meier); null once no subscription was observed that far. */
  observed: number | null;
  /** The fitted S(cycle - 1). */
  fitted: number;
  interval: Bound;
  /** No subscription of the group was observed this far: the value is the model's alone. */
  projected: boolean;
}

/** A subscription cohort's LTV per customer at a horizon (observed: the cohort report's cell; expected: future rebills). */
export interface LtvForecast extends HorizonValue {
  /** Expected paid cycles per subscription within the horizon (observed plus expected), with its interval. */
  paidCycles: number;
  paidCyclesInterval: Bound;
}

export interface CohortForecast {
  /** YYYY-MM of acquisition (the viewer's zone). */
  cohort: string;
  start: string;
  customers: number;
  /** Subscriptions started in the month. */
  subscriptions: number;
  /** Net revenue per customer so far (minor units). */
  netToDateCents: number;
  /** The most billing cycles any of its subscriptions was observed for (due). */
  observedCycles: number;
  /** Its own observed survival by cycle (Kaplan-Meier). */
  survival: { cycle: number; observed: number }[];
  ltv: LtvForecast[];
}

export interface SbgFitSummary {
  alpha: number;
  beta: number;
  logLikelihood: number;
  interval: { level: number; method: 'profile likelihood'; alpha: Bound; beta: Bound };
  /** Periods (cycles after the first) observed in the longest cohort. */
  observedPeriods: number;
  /** Σ S(t) over the cycles up to the longest horizon, with its interval. */
  expectedPaidCycles: { cycles: number; value: number; interval: Bound };
  /** E[T] in cycles, null when infinite (alpha <= 1). */
  expectedLifetime: number | null;
  diagnostics: { customers: number; cohorts: number; starts: number; agreeing: number; converged: boolean; atBound: boolean; reachesBound: boolean };
  /**
   * How the LTV cells' interval was made: a seeded prediction interval (the parameters' uncertainty and
   * the cohort's own randomness), or, when the information matrix is not positive definite (the
   * estimate at a bound), the parameters' profile likelihood alone.
   */
  ltvInterval: { level: number; method: 'prediction' | 'profile likelihood'; replicates: number | null; seed: number | null };
}

export interface GroupForecast {
  group: Group | null;
  subscriptions: number;
  /** The fit, or null when the data cannot be fitted (`error` says why). */
  fit: SbgFitSummary | null;
  error: string | null;
  survival: SurvivalPoint[];
  /** Days from the initial sale to cycle 2, and between later cycles. */
  firstGapDays: number;
  gapDays: number;
  /** The observed rebills: paid rebills, their mean gross, the share taken back, the net a paid rebill earns (minor units); null without rebills. */
  rebill: { sales: number; priceCents: number | null; reversedShare: number | null; netCents: number | null };
  cohorts: CohortForecast[];
  /** The group's one-time buyers (customers who never subscribed) and their BG/NBD + Gamma-Gamma forecast; null when it has none. */
  oneTime: RepeatGroupForecast | null;
  /** Which model covers which customers, one line per model used. */
  models: string[];
  warnings: string[];
}

/** The retention report's scope (its `asOf`: the instant the data were read at), with the forecast per group. */
export interface ForecastReport extends Omit<RetentionReport, 'rows' | 'subgroupBy'> {
  /** LTV horizons in months. */
  horizons: number[];
  groups: GroupForecast[];
}

/** A group's subscriptions' fates pooled into the sBG's life table. */
export function lifeTable(fates: readonly SubscriptionFate[]): { churned: number[]; censored: number[] } {
  const churned: number[] = [0];
  const censored: number[] = [0];
  for (const f of fates) {
    const l = Math.max(1, f.lastOk);
    // Paid cycles 1..l: alive for periods 0..l-1; churned in period l when cycle l + 1 was due.
    const [arr, t] = f.dueThrough > l ? [churned, l] : [censored, l - 1];
    while (churned.length <= t) {
      churned.push(0);
      censored.push(0);
    }
    arr[t]! += f.count;
  }
  return { churned, censored };
}

/** Kaplan-Meier survival S(0..T) from a life table: the share surviving each period among those observed at it. */
export function kaplanMeier(table: { churned: readonly number[]; censored: readonly number[] }): number[] {
  const T = table.churned.length - 1;
  const out = [1];
  let atRisk = table.censored.reduce((a, b) => a + b, 0) + table.churned.reduce((a, b) => a + b, 0) - (table.censored[0] ?? 0);
  let s = 1;
  for (let t = 1; t <= T; t++) {
    const d = table.churned[t] ?? 0;
    if (atRisk <= 0) break;
    s *= 1 - d / atRisk;
    out.push(s);
    atRisk -= d + (table.censored[t] ?? 0);
  }
  return out;
}

/** Paid cycles observed within `days` of the initial sale, each subscription by its product's schedule. */
const paidWithin = (fates: readonly SubscriptionFate[], days: number) => fates.reduce((a, f) => a + f.count * Math.min(f.lastOk, lastCycleWithin(days, f.firstGapDays, f.gapDays)), 0);

/** Thrown by forecastReport when its groups are more than `maxGroups`, before any is fitted. */
export class GroupsOverLimit extends Error {
  constructor(readonly groups: number) {
    super(`the forecast has ${groups} groups, more than it was asked to fit`);
  }
}

/**
 * Runs the forecast report. With `maxGroups`, a breakdown of more groups throws GroupsOverLimit after the
 * statements and before the models (the caller caps the breakdown: report/group-cap.ts).
 */
export async function forecastReport(store: ReportReader, q: ForecastQuery, o: { maxGroups?: number } = {}): Promise<ForecastReport> {
  if (q.groupBy === 'cycle') throw new UsageError('a forecast is already by billing cycle; group it by another field');
  const zone = reportZone({ ...q, basis: 'event' });
  const asOf = q.until ?? q.asOf ?? Date.now();
  // A breakdown's groups run on the pool's threads too: its workers start while the statements run.
  if (q.groupBy) warmForecastPool();
  const horizons = [...FORECAST_HORIZONS];
  const longest = horizonDays(horizons[horizons.length - 1]!);
  // Fates per monthly cohort (the month's part of the range), each month grouped alike.
  const months = periodsOf(q.from, q.to, 'month');
  const cohorts = monthlyCohorts(q.from, q.to);
  // The cohort LTV, the fates and the one-time buyers are asked at once: on an engine with readers of its
  // own (PostgreSQL, SqlDriver.read) their statements run side by side.
  const [ltvReport, { byCohort: fatesBy, whole }, oneTime] = await Promise.all([
    cohortReport(store, { ...q, by: 'month', horizons: horizons.map(horizonDays), asOf, until: q.until }),
    // With them, the group's schedule and money over the whole range.
    fatesWithSchedules(store, { ...q, asOf, until: q.until }, cohorts),
    repeatBuyersForecast(store, { ...q, zone, asOf, until: q.until, horizons: horizons.map((months) => ({ months, days: horizonDays(months) })) }),
  ]);
  const perMonth = new Map([...fatesBy].map(([key, groups]) => [key, new Map(groups.map((g) => [g.group ? groupId(g.group) : '', g]))]));
  const keys = new Map<string, Group | null>();
  for (const g of whole) keys.set(g.group ? groupId(g.group) : '', g.group);
  for (const c of ltvReport.cohorts) keys.set(c.group ? groupId(c.group) : '', c.group);
  for (const [key, g] of oneTime) keys.set(key, g.group);
  if (o.maxGroups !== undefined && keys.size > o.maxGroups) throw new GroupsOverLimit(keys.size);
  const wholeBy = new Map(whole.map((g) => [g.group ? groupId(g.group) : '', g]));

  const prepared = [...keys.entries()].map(([key, group]) => {
    const w = wholeBy.get(key);
    const firstGap = w?.firstGapDays ?? 30;
    const gap = w?.gapDays ?? 30;
    const sales = w?.rebill.sales ?? 0;
    const gross = w?.rebill.grossCents ?? 0;
    const reversed = w?.rebill.reversedCents ?? 0;
    const netPerCycle = sales > 0 ? (gross + reversed) / sales : null;
    const cohortRows = ltvReport.cohorts.filter((c) => (c.group ? groupId(c.group) : '') === key);
    const cohortFates = months.map((m) => ({ key: m.key, start: m.start, fates: perMonth.get(m.key)?.get(key)?.fates ?? [] }));
    const allFates = cohortFates.flatMap((c) => c.fates);
    const table = lifeTable(allFates);
    const warnings: string[] = [];
    const lastCycle = Math.max(lastCycleWithin(longest, firstGap, gap), ...allFates.map((x) => lastCycleWithin(longest, x.firstGapDays, x.gapDays)));
    const km = kaplanMeier(table);
    const repeat = oneTime.get(key)?.forecast ?? null;
    const subscriptions = allFates.reduce((a, f) => a + f.count, 0);
    const models = [
      ...(subscriptions > 0 ? [`sBG: the ${subscriptions} subscriptions started in the range (their rebills)`] : []),
      ...(repeat ? [`BG/NBD + Gamma-Gamma: the ${repeat.customers} customers acquired in the range who never subscribed (their repeat purchases)`] : []),
    ];
    const base: Omit<GroupForecast, 'fit' | 'error' | 'survival' | 'cohorts'> = {
      group,
      oneTime: repeat,
      models,
      subscriptions,
      firstGapDays: firstGap,
      gapDays: gap,
      rebill: {
        sales,
        priceCents: sales > 0 ? roundMinor(gross / sales, q.currency) : null,
        reversedShare: gross > 0 ? -reversed / gross : null,
        netCents: netPerCycle === null ? null : roundMinor(netPerCycle, q.currency),
      },
      warnings,
    };
    let data: SbgData | null = null;
    let error: string | null = null;
    if (base.subscriptions === 0) error = `no subscription forecast: no subscription started in the range, so the sBG has nothing to fit${repeat ? ' (the one-time buyers have their own forecast)' : ''}`;
    else {
      try {
        data = sbgDataFromCounts(table.churned, table.censored, cohortFates.filter((c) => c.fates.length > 0).length);
      } catch (err) {
        if (!(err instanceof ForecastInputError)) throw err;
        error = `no forecast: ${err.message}`;
      }
    }
    // Per cohort and horizon still open: the future cycles of its live subscriptions (a quantity bounded
    // with the fit, and simulated for the prediction interval). A complete cell (the horizon passed for
    // every customer) is the cohort report's value: it has no quantity and no simulation.
    const plans = cohortRows.map((c) => {
      const fates = cohortFates.find((x) => x.key === c.cohort)?.fates ?? [];
      const live = fates.filter((f) => f.dueThrough <= f.lastOk).map((x) => ({ count: x.count, lastOk: x.lastOk, firstGapDays: x.firstGapDays, gapDays: x.gapDays }));
      return {
        c, fates,
        perHorizon: horizons.map((h) => {
          const cell = c.ltv[horizonDays(h)] ?? { cents: 0, complete: false };
          return { h, cell, days: horizonDays(h), open: !cell.complete, live };
        }),
      };
    });
    // The group's models (forecast-model.ts: the fit, the cells' quantities and prediction interval,
    // seeded by the group), run with the other groups' (forecast-pool.ts).
    const input: GroupModelInput | null = data === null ? null : {
      data,
      periods: Math.max(0, lastCycle - 1 - data.periods),
      cells: plans.flatMap((p) => p.perHorizon.filter((x) => x.open).map((x) => ({ live: x.live, days: x.days }))),
      seed: fnv1a32(`sbg|${key}`),
      replicates: SBG_REPLICATES,
    };
    return {
      input,
      finish: (model: GroupModelResult | null): GroupForecast => {
        const f = model?.forecast ?? null;
        const predicted = model?.predicted ?? null;
        const seed = input?.seed ?? null;
        if (f) {
          warnings.push(...f.warnings);
        }
        if (netPerCycle === null && base.subscriptions > 0) warnings.push('no paid rebill in the range: nothing says what a future rebill earns, so no LTV is projected');
        const survival: SurvivalPoint[] = f
          ? f.survival.map((s, t) => ({ cycle: t + 1, observed: km[t] ?? null, fitted: s, interval: f.interval.survival[t]!, projected: f.projected[t]! }))
          : base.subscriptions === 0 ? [] : km.map((s, t) => ({ cycle: t + 1, observed: s, fitted: s, interval: [s, s], projected: false }));
        let qi = 0;
        let pi = 0;
        const cohorts: CohortForecast[] = plans.map(({ c, fates, perHorizon }) => {
          const subs = fates.reduce((a, x) => a + x.count, 0);
          const own = kaplanMeier(lifeTable(fates));
          const ltv = perHorizon.map(({ h, cell, days, open }): LtvForecast => {
            const q0 = open ? f?.quantities?.[qi++] : undefined;
            const range = open ? (predicted?.[pi++] ?? q0?.interval) : undefined;
            const observedPaid = paidWithin(fates, days);
            const perSub = (x: number) => (subs > 0 ? x / subs : 0);
            if (cell.complete || !q0) {
              const paid = perSub(observedPaid);
              return {
                months: h, days: horizonDays(h), observedCents: cell.cents, complete: cell.complete,
                valueCents: cell.complete ? cell.cents : null, interval: cell.complete ? [cell.cents, cell.cents] : null, projected: !cell.complete,
                paidCycles: paid, paidCyclesInterval: [paid, paid],
              };
            }
            const money = (cycles: number) => (netPerCycle === null || c.customers === 0 ? null : roundMinor(cell.cents + (cycles * netPerCycle) / c.customers, q.currency));
            const v = money(q0.value);
            const lo = money(range![0]);
            const hi = money(range![1]);
            return {
              months: h, days: horizonDays(h), observedCents: cell.cents, complete: false,
              valueCents: v, interval: v === null || lo === null || hi === null ? null : [Math.min(lo, hi), Math.max(lo, hi)], projected: true,
              paidCycles: perSub(observedPaid + q0.value), paidCyclesInterval: [perSub(observedPaid + range![0]), perSub(observedPaid + range![1])],
            };
          });
          return {
            cohort: c.cohort, start: c.start, customers: c.customers, subscriptions: subs, netToDateCents: c.customers > 0 ? roundMinor(c.netToDate / c.customers, q.currency) : 0,
            observedCycles: Math.max(0, ...fates.map((x) => x.dueThrough)), survival: own.map((s, t) => ({ cycle: t + 1, observed: s })), ltv,
          };
        });
        return {
          ...base,
          fit: f && {
            alpha: f.alpha, beta: f.beta, logLikelihood: f.logLikelihood,
            interval: { level: f.interval.level, method: f.interval.method, alpha: f.interval.alpha, beta: f.interval.beta },
            observedPeriods: f.observedPeriods,
            expectedPaidCycles: { cycles: f.expectedPaidPeriods.horizon, value: f.expectedPaidPeriods.value, interval: f.expectedPaidPeriods.interval },
            expectedLifetime: f.expectedLifetime,
            diagnostics: f.diagnostics,
            ltvInterval: predicted
              ? { level: 0.95, method: 'prediction', replicates: SBG_REPLICATES, seed }
              : { level: f.interval.level, method: 'profile likelihood', replicates: null, seed: null },
          },
          error,
          survival,
          cohorts,
        };
      },
    };
  });
  const models = await runGroupModels(prepared.flatMap((p) => (p.input ? [p.input] : [])));
  let mi = 0;
  const groups = prepared.map((p) => p.finish(p.input ? models[mi++]! : null));
  return { from: q.from, to: q.to, zone, currency: q.currency, groupBy: q.groupBy ?? null, asOf, horizons, groups };
}

/** One cohort's projection at a horizon beside what happened. */
export interface BacktestCell {
  months: number;
  projectedCents: number | null;
  interval: [number, number] | null;
  /** Whether the projection at the cutoff was a projection (false: the horizon had already passed). */
  projected: boolean;
  /** Observed LTV per customer at the horizon in the full data, and whether the horizon has passed for every customer. */
  actualCents: number;
  actualComplete: boolean;
  /** projected - actual, and its ratio to actual: only when the horizon is complete in the full data. */
  errorCents: number | null;
  relativeError: number | null;
  inInterval: boolean | null;
}

/** A one-time cohort's projection at a horizon beside what happened: its net value and its purchases per customer. */
export interface OneTimeBacktestCell extends BacktestCell {
  /** Purchases per customer within the horizon (the first included): projected at the cutoff with its interval, and observed now. */
  purchases: number;
  purchasesInterval: Bound;
  actualPurchases: number;
  purchasesError: number | null;
  purchasesInInterval: boolean | null;
}

/** Per horizon: cohorts compared, mean absolute error (minor units), mean absolute relative error, share inside the interval. */
export interface BacktestSummary { months: number; cohorts: number; meanAbsErrorCents: number | null; meanAbsRelativeError: number | null; coverage: number | null }

export interface BacktestReport {
  /** The forecast made with the data before the cutoff. */
  forecast: ForecastReport;
  cutoff: number;
  /** The full data's as-of. */
  asOf: number;
  groups: {
    group: Group | null;
    cohorts: { cohort: string; customers: number; cells: BacktestCell[] }[];
    /** Per cycle: the survival projected at the cutoff beside the survival observed now, for the same subscriptions. */
    survival: { cycle: number; projected: number; interval: Bound; projectedAtCutoff: boolean; actual: number | null; error: number | null }[];
    /**
     * The one-time buyers' cohorts (those acquired before the cutoff who had not subscribed by then): the
     * projection at the cutoff beside the same cohort's observed value now; `customersNow` is how many of
     * them are still one-time buyers (a customer who subscribed since has left the cohort). Null without one-time buyers.
     */
    oneTime: { cohort: string; customers: number; customersNow: number; cells: OneTimeBacktestCell[] }[] | null;
  }[];
  /** The subscriptions' projections, per horizon over every group. */
  summary: BacktestSummary[];
  /** The one-time buyers' net value per customer, per horizon over every group; purchases: the same for purchases per customer. */
  oneTimeSummary: (BacktestSummary & { purchasesMeanAbsError: number | null; purchasesCoverage: number | null })[];
}

/** A projection at the cutoff beside the actual value now: the error and whether it fell in the interval, once the horizon is complete. */
function compareCell(l: HorizonValue, actualCents: number, actualComplete: boolean): BacktestCell {
  const known = actualComplete && l.valueCents !== null;
  return {
    months: l.months, projectedCents: l.valueCents, interval: l.interval, projected: l.projected, actualCents, actualComplete,
    errorCents: known ? l.valueCents! - actualCents : null,
    relativeError: known && actualCents !== 0 ? (l.valueCents! - actualCents) / actualCents : null,
    inInterval: known && l.interval ? actualCents >= l.interval[0] && actualCents <= l.interval[1] : null,
  };
}

/** The forecast made on the data before `cutoff`, beside what the full data show after it. */
export async function forecastBacktest(store: ReportReader, q: ForecastQuery, cutoff: number): Promise<BacktestReport> {
  const asOf = q.asOf ?? Date.now();
  if (!(cutoff < asOf)) throw new UsageError(`the backtest date must be before the data's as-of (${new Date(asOf).toISOString().slice(0, 10)}): there is nothing after it to compare with`);
  const zone = reportZone({ ...q, basis: 'event' });
  const lastDay = localDate(cutoff - DAY, zone);
  if (q.from > lastDay) throw new UsageError(`the backtest date must be after the range's first day (${q.from}): no cohort was acquired before it`);
  const scope: ForecastQuery = { ...q, to: q.to < lastDay ? q.to : lastDay };
  const forecast = await forecastReport(store, { ...scope, until: cutoff });
  const horizons = forecast.horizons;
  const actual = await cohortReport(store, { ...scope, by: 'month', horizons: horizons.map(horizonDays), asOf });
  const actualBy = new Map(actual.cohorts.map((c) => [`${c.cohort}|${c.group ? groupId(c.group) : ''}`, c]));
  const now = await subscriptionFates(store, { ...scope, asOf });
  const nowBy = new Map(now.groups.map((g) => [g.group ? groupId(g.group) : '', g]));
  const all: { months: number; cell: BacktestCell }[] = [];
  const oneTimeAll: { months: number; cell: OneTimeBacktestCell }[] = [];
  // The one-time buyers' values now: observed only (the projection is the cutoff's).
  const oneTimeNow = await repeatBuyersForecast(store, {
    ...scope, zone, asOf, horizons: horizons.map((months) => ({ months, days: horizonDays(months) })), project: false,
  });
  const groups = forecast.groups.map((g) => {
    const key = g.group ? groupId(g.group) : '';
    const cohorts = g.cohorts.map((c) => {
      const a = actualBy.get(`${c.cohort}|${key}`);
      const cells = c.ltv.map((l): BacktestCell => {
        const cell = compareCell(l, a?.ltv[l.days]?.cents ?? 0, a?.ltv[l.days]?.complete ?? false);
        if (l.projected) all.push({ months: l.months, cell });
        return cell;
      });
      return { cohort: c.cohort, customers: c.customers, cells };
    });
    const km = kaplanMeier(lifeTable(nowBy.get(key)?.fates ?? []));
    const survival = g.survival.map((s) => {
      const observedAtCutoff = s.observed !== null;
      const actualS = km[s.cycle - 1] ?? null;
      return { cycle: s.cycle, projected: s.fitted, interval: s.interval, projectedAtCutoff: !observedAtCutoff, actual: actualS, error: actualS === null ? null : s.fitted - actualS };
    });
    const nowOneTime = oneTimeNow.get(key)?.forecast;
    const oneTime = g.oneTime && g.oneTime.cohorts.map((c) => {
      const later = nowOneTime?.cohorts.find((x) => x.cohort === c.cohort);
      const cells = c.ltv.map((l): OneTimeBacktestCell => {
        const a = later?.ltv.find((x) => x.months === l.months);
        const actualComplete = a?.complete ?? false;
        const actualPurchases = a?.purchases ?? 0;
        const cell: OneTimeBacktestCell = {
          ...compareCell(l, a?.observedCents ?? 0, actualComplete),
          purchases: l.purchases, purchasesInterval: l.purchasesInterval, actualPurchases,
          purchasesError: actualComplete ? l.purchases - actualPurchases : null,
          purchasesInInterval: actualComplete ? actualPurchases >= l.purchasesInterval[0] && actualPurchases <= l.purchasesInterval[1] : null,
        };
        if (l.projected) oneTimeAll.push({ months: l.months, cell });
        return cell;
      });
      return { cohort: c.cohort, customers: c.customers, customersNow: later?.customers ?? 0, cells };
    });
    return { group: g.group, cohorts, survival, oneTime };
  });
  const mean = (xs: number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
  const compared = <C extends BacktestCell>(list: { months: number; cell: C }[], months: number): C[] =>
    list.filter((x) => x.months === months && x.cell.errorCents !== null).map((x) => x.cell);
  const summarise = (cells: BacktestCell[], months: number): BacktestSummary => ({
    months,
    cohorts: cells.length,
    meanAbsErrorCents: mean(cells.map((c) => Math.abs(c.errorCents!))),
    meanAbsRelativeError: mean(cells.filter((c) => c.relativeError !== null).map((c) => Math.abs(c.relativeError!))),
    coverage: mean(cells.filter((c) => c.inInterval !== null).map((c) => (c.inInterval ? 1 : 0))),
  });
  const summary = horizons.map((months) => summarise(compared(all, months), months));
  const oneTimeSummary = horizons.map((months) => {
    const cells = compared(oneTimeAll, months);
    return {
      ...summarise(cells, months),
      purchasesMeanAbsError: mean(cells.map((c) => Math.abs(c.purchasesError!))),
      purchasesCoverage: mean(cells.map((c) => (c.purchasesInInterval ? 1 : 0))),
    };
  });
  return { forecast, cutoff, asOf, groups, summary, oneTimeSummary };
}
