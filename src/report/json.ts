/**
 * The one JSON rendering of every report (docs/api.md, "Reports"): `konduit report --format json` prints
 * these bodies and GET /api/reports/:name answers them, so the two cannot disagree; the dashboard imports
 * the types. Money is a decimal string in the report currency's minor units ("1234.50" USD, "125000" CLP;
 * docs/metrics.md, "Currency"), rates are fractions rounded to 6 places, counts are numbers. Every body
 * says its `currency` and lists the `otherCurrencies` its range holds. A grouped row carries its group's
 * key, connection, id and name (docs/metrics.md, "Accounts"). Every key is present whatever the query:
 * the group's are null when not grouped.
 */
import { formatMinor } from '../core/currency.js';
import { startOfLocalDay } from '../core/time.js';
import type { SourceKind } from '../ledger/costs.js';
import {
  MARGIN_MONEY, MARGIN_RATES, MONEY_FIGURES, nameOf, RATE_FIGURES, ROAS_HORIZONS,
  type ComparedMargin, type EconomicsReport, type EconomicsRow, type PaybackStatus, type MarginFigures,
  type BacktestCell, type BacktestReport, type BacktestSummary, type Basis, type CohortReport, type ForecastReport, type ReportCoverage, type ReportWarning, type ComparedFigures, type CurrencyGross, type CycleRow, type RetentionRow, type RetryRow, type CycleRate, type RateUsed, type RebillsReport, type Dimension, type Figures, type Group, type MidReport, type NameBook, type Period, type RetentionReport, type SeriesReport, type SummaryReport, type TriangleReport,
  type AcquirerScale, type AlertMetric, type ChargebackCounts, type ChargebackReport, type ChargebackView, type CodeNetwork, type DeclineCounts, type DeclineReport, type DeclineView, type MastercardStatus, type Programs, type VampStatus,
} from '../analytics/index.js';

/** Money: a decimal string in the report currency's minor units, e.g. "1234.50" or "-10.00" (USD), "125000" (CLP). */
export type Money = string;
/** A rate: a fraction rounded to 6 places (0.25 = 25%); null when it has no denominator ("no data"). */
export type Rate = number | null;

/**
 * A figure's JSON type follows its analytics type: money (branded cents) becomes a decimal string, every
 * other figure keeps its number (rates rounded), null where the figure can be null.
 */
type FigureJson<T> = '__brand' extends keyof NonNullable<T> ? Money | Extract<T, null> : T;

/** One period's figures (docs/metrics.md defines each). */
export type FiguresJson = { [K in keyof Figures]: FigureJson<Figures[K]> };

/** Each figure of the range next to the previous range of the same length. */
export type ComparedJson = {
  [K in keyof Figures]: { current: FiguresJson[K]; previous: FiguresJson[K]; change: FiguresJson[K] | null; changeRatio: Rate };
};

/** The margin basis's figures of a period (docs/economics.md): money as decimal strings, the margin rate a fraction. */
export type MarginJson = { [K in keyof MarginFigures]: FigureJson<MarginFigures[K]> };

/** Each margin figure of the range next to the previous range. */
export type ComparedMarginJson = {
  [K in keyof MarginFigures]: { current: MarginJson[K]; previous: MarginJson[K]; change: MarginJson[K] | null; changeRatio: Rate };
};

/** Another currency with sales in the report's range: its code and gross revenue in its own minor units. */
export interface OtherCurrencyJson {
  currency: string;
  gross: Money;
}

/** What every report body says of its money: the one currency it is in, and the others its range holds. */
export interface CurrencyJson {
  /** ISO 4217: every amount of the body is in it. */
  currency: string;
  /** The other currencies with sales in the range of the connections reported, by code (never added in). */
  otherCurrencies: OtherCurrencyJson[];
}

/** One connection's coverage (docs/metrics.md, "Coverage"). */
export interface ConnectionCoverageJson {
  connection: string;
  /** First and last day its backfills walked, account time. */
  from: string;
  to: string;
  /** The CRM's "now" at its last complete sync (ISO 8601); null while its first backfill runs. */
  asOf: string | null;
  timeZone: string;
}

/** What the reported connections' data covers: every report body says it, with its warnings. */
export interface CoverageJson {
  /**
   * The first day every reported connection covers (account time) and the earliest of their as-ofs:
   * completeness is judged at it. Null when no reported connection has been backfilled.
   */
  coverage: { from: string; asOf: string | null; connections: ConnectionCoverageJson[] } | null;
  /** Said beside the figures: a range starting before the coverage, a first backfill still running. */
  warnings: { code: ReportWarning['code']; message: string }[];
}

/** A row's group (all null when the report is not grouped). */
export interface GroupJson {
  /**
   * A key unique across connections: "<connection>:<id>" for an account's own value ("shop:1",
   * "shop:(none)"), the connection's name when grouped by connection, the cycle when by billing cycle.
   * As a filter value (`campaign:shop:1`) it selects this group.
   */
  group: string | null;
  /** The connection's name: the value's own, or the one grouped by; null for the billing cycle. */
  connection: string | null;
  /** The value: a campaign, product or MID id, an affiliate, a coupon code, the connection's id, the cycle; null when missing. */
  id: string | null;
  /**
   * Its name: the campaign's, the product's, the MID's (else its descriptor), the coupon's (else its code),
   * the affiliate itself, the connection's; null when the account stored none (or for a cycle).
   */
  name: string | null;
  /**
   * Only on the row that pools the values a capped breakdown does not list (the request's `limit`,
   * docs/metrics.md "Breakdowns with many values"), and it comes last: how many values it may hold, those
   * with a money event or a first sale on the UTC days the range touches but the listed ones (the report's
   * own rows may hold fewer). Its group is "(other N)", its connection and id null, its name "Other
   * sub-affiliates (up to N more)".
   */
  rest?: number;
}

/** GET /api/reports/summary, `konduit report summary --format json`. */
export interface SummaryJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  timeZone: string;
  basis: Basis;
  groupBy: Dimension | null;
  /** The whole range (every group together). */
  total: ComparedJson;
  /** The margin basis's figures of the whole range (`margin=true`); null on revenue alone. */
  margin: ComparedMarginJson | null;
  /** One entry per group when grouped, else empty. */
  groups: (GroupJson & { group: string; figures: ComparedJson; margin: ComparedMarginJson | null })[];
}

/** One period (and group) of a series; `margin` holds the margin basis's figures (null on revenue alone). */
export type SeriesPointJson = { period: string; start: string } & GroupJson & FiguresJson & { margin: MarginJson | null };

/** GET /api/reports/series, `konduit report series --format json`. */
export interface SeriesJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  by: Period;
  timeZone: string;
  basis: Basis;
  groupBy: Dimension | null;
  points: SeriesPointJson[];
}

/** An LTV cell: complete only when its horizon (or month) has passed for every member. */
export interface LtvCellJson {
  value: Money;
  complete: boolean;
}

/** GET /api/reports/cohorts, `konduit report cohorts --format json`. */
export interface CohortsJson extends CurrencyJson, CoverageJson {
  by: Period;
  timeZone: string;
  groupBy: Dimension | null;
  horizons: number[];
  /** The instant completeness was judged at (ISO 8601). */
  asOf: string;
  /** LTV and net to date on the margin basis (revenue less the margin ledger's costs). */
  margin: boolean;
  cohorts: ({ cohort: string; start: string } & GroupJson & { customers: number; netToDate: Money; ltv: Record<string, LtvCellJson> })[];
}

/** GET /api/reports/triangle, `konduit report cohorts --triangle --format json`. */
export interface TriangleJson extends CurrencyJson, CoverageJson {
  timeZone: string;
  groupBy: Dimension | null;
  asOf: string;
  /** On the margin basis. */
  margin: boolean;
  rows: ({ cohort: string } & GroupJson & { customers: number; months: LtvCellJson[] })[];
}

/** One cycle of a retention row: the analytics' counts, its rates rounded, its amounts as money. */
export type RetentionCycleJson = Omit<CycleRow, 'retention' | 'rebillRate' | 'recycleSaveRate' | 'refundCents' | 'chargebackCents'> & {
  retention: Rate;
  rebillRate: Rate;
  recycleSaveRate: Rate;
  refundAmount: Money;
  chargebackAmount: Money;
};

/** Rebill attempts of one retry number (0: the first attempt). */
export type RetentionRetryJson = Omit<RetryRow, 'approvalRate'> & { approvalRate: Rate };

/** A retention row: its group, its cycles, its rebill attempts by retry, and (with subgroupBy) its subgroups. */
export type RetentionRowJson = GroupJson & {
  initialPurchases: number;
  cycles: RetentionCycleJson[];
  rebillAttempts: RetentionRetryJson[];
  /** With `subgroupBy`, the group's rows by the second field (their own subgroups null); else null. */
  subgroups: RetentionRowJson[] | null;
};

/** GET /api/reports/retention, `konduit report retention --format json`. */
export interface RetentionJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  timeZone: string;
  groupBy: Dimension | null;
  subgroupBy: Dimension | null;
  /** The instant due dates were judged at (ISO 8601): the data's as-of. */
  asOf: string;
  rows: RetentionRowJson[];
}

/** A group of bills valued at one rate: the rate and where it comes from (the cycle's own, every rebill cycle's, none). */
export interface RateUsedJson {
  rateSource: RateUsed['source'];
  rate: Rate;
}

/** GET /api/reports/rebills, `konduit report rebills --format json`. */
export interface RebillsJson extends CurrencyJson, CoverageJson {
  /** The instant the windows start from (ISO 8601): the data's as-of. */
  asOf: string;
  windows: {
    days: number;
    from: string;
    to: string;
    subscriptions: number;
    listPrice: Money;
    expectedRevenue: Money;
    /** Subscriptions no rate could value (none observed yet): counted at 0. */
    unrated: number;
    lines: ({ cycle: number; recycling: boolean; subscriptions: number; listPrice: Money; expectedRevenue: Money | null } & RateUsedJson)[];
  }[];
  overdue: { subscriptions: number; listPrice: Money };
  /** Per cycle (2 and later), then every rebill cycle together (`cycle` null). */
  rates: (Omit<CycleRate, 'firstAttemptRate' | 'softDeclineRate' | 'saveRate' | 'expectedRate'> & { firstAttemptRate: Rate; softDeclineRate: Rate; saveRate: Rate; expectedRate: Rate })[];
  days: { date: string; subscriptions: number; listPrice: Money; expectedRevenue: Money }[];
  upcoming: { connection: string; purchaseId: string; customerId: number | null; date: string; cycle: number; status: string; listPrice: Money; rate: Rate }[];
  truncated: boolean;
}

/** A VAMP threshold as a body names it: a fraction and a count minimum, from a date, in regions. */
export interface VampThresholdJson {
  from: string;
  regions: string[] | '*';
  ratio: number;
  minCount: number;
}

/**
 * One MID's month (docs/metrics.md, "MID health"): the MID (its connection, id and name, and a key unique
 * across connections), the month in the account's zone, every network together, each network's counts,
 * Visa's VAMP and Mastercard's program, and the MID's alert rule. A projected month's figures are
 * projected to the month's end; `actual` holds them so far.
 */
export interface MidMonthJson {
  key: string;
  connection: string;
  mid: string;
  name: string | null;
  /** YYYY-MM in the account's zone (`timeZone`). */
  month: string;
  timeZone: string;
  projected: boolean;
  actual: { sales: number; chargebacks: number; visaSales: number; visaDisputes: number; mastercardChargebacks: number; elapsed: Rate } | null;
  sales: number;
  chargebacks: number;
  /** In the body's currency only (counts are of every currency). */
  chargebackAmount: Money;
  /** Chargebacks / the same month's sales, every network together. */
  ratio: Rate;
  brands: { brand: string; sales: number; chargebacks: number }[];
  visa: {
    sales: number;
    disputes: number;
    /** TC40 fraud reports: not in the CRM's data (null): the ratio counts disputes alone, a lower bound. */
    fraudReports: number | null;
    /** Fraud reports + disputes: what the count minimum applies to. */
    count: number;
    ratio: Rate;
    /** excessive only when the ratio AND the count reach the month's threshold. */
    status: VampStatus;
    threshold: VampThresholdJson | null;
    region: string;
    acquirerScale: AcquirerScale;
  };
  mastercard: {
    sales: number;
    previousMonthSales: number;
    chargebacks: number;
    ratio: Rate;
    /** The levels this month meets on its own (ratio and count). */
    meets: string[];
    /** The level the MID is in (CMM, ECM, HECM), entered over its consecutive months. */
    status: MastercardStatus;
  };
  /** The MID's alert rule (`scope` mid: its own; connection: its connection's default). */
  alert: { scope: 'mid' | 'connection'; metric: AlertMetric; threshold: number; minCount: number; firing: boolean } | null;
}

/** GET /api/reports/mids, `konduit report mids --format json`. */
export interface MidsJson extends CurrencyJson, CoverageJson {
  /** First and last month (YYYY-MM; each connection's months in its account's zone). */
  from: string;
  to: string;
  /** The programs' parameters the labels were given by (ratios as fractions). */
  programs: {
    mastercard: { levels: { name: string; ratio: number; minCount: number; consecutiveMonths: number; exitMonths: number }[] };
    visa: { region: string; regions: Record<string, string>; merchant: VampThresholdJson[]; acquirer: { from: string; aboveStandard: number | null; excessive: number }[] };
  };
  /** What a table or CSV of the body lists: every month, or the alerts that fire (`alerts`). */
  view: 'months' | 'alerts';
  rows: MidMonthJson[];
  /** The rows whose alert fires, in the same shape. */
  alerts: MidMonthJson[];
}

/** A declines report's counts. */
export type DeclineCountsJson = Omit<DeclineCounts, 'declineRate'> & { declineRate: Rate };

/** A reason and its declines (share of its row's declines). */
export interface DeclineReasonJson {
  reason: string | null;
  declines: number;
  share: Rate;
}

/** GET /api/reports/declines, `konduit report declines --format json`. */
export interface DeclinesJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  timeZone: string;
  by: DeclineView;
  total: DeclineCountsJson;
  /**
   * The rows of `by` when it is mid, bin, brand or cycle: `key` unique across connections for a MID
   * ("shop:3"), the value itself otherwise ("(none)" when missing); `connection` a MID's; `name` a MID's.
   */
  rows: (DeclineCountsJson & { key: string; connection: string | null; value: string | null; name: string | null; reasons: DeclineReasonJson[] })[];
  moreRows: number;
  reasons: DeclineReasonJson[];
  recycle: {
    byRetry: { retry: number; attempts: number; approvals: number; approvalRate: Rate }[];
    firstDeclines: number;
    saves: number;
    saveRate: Rate;
    byDays: { retry: number; days: number; saves: number }[];
  };
}

/** A chargebacks report's counts: money as decimal strings. */
export interface ChargebackCountsJson {
  chargebacks: number;
  amount: Money;
  fraud: number;
  fraudAmount: Money;
  refunded: number;
  refundAmount: Money;
}

/** GET /api/reports/chargebacks, `konduit report chargebacks --format json`. */
export interface ChargebacksJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  timeZone: string;
  by: ChargebackView;
  total: ChargebackCountsJson & { sales: number; chargebackRate: Rate; reversals: number; reversalAmount: Money; medianDays: number | null };
  byReason: (ChargebackCountsJson & { reason: string | null; network: CodeNetwork | null; isFraud: boolean | null; description: string | null; share: Rate })[];
  byMid: (ChargebackCountsJson & { key: string; connection: string; mid: string | null; name: string | null; sales: number; chargebackRate: Rate })[];
  byDays: (ChargebackCountsJson & { from: number | null; to: number | null })[];
  byCohort: (ChargebackCountsJson & { cohort: string | null })[];
}

/** Margin LTV at a horizon (per customer); projected from the observed curve where not observed in full. */
export interface EconomicsCellJson {
  value: Money;
  complete: boolean;
  projected: boolean;
  /** Margin LTV / CAC; null without spend. */
  ltvToCac: Rate;
}

/** A source's economics over one cohort, or over the range (`cohort` null). */
export interface EconomicsRowJson {
  cohort: string | null;
  start: string | null;
  customers: number;
  /** Ad spend recorded against the source (null: none recorded). */
  spend: Money | null;
  /** Spend / new customers (null without spend or customers). */
  cac: Money | null;
  /** Horizon in days -> margin LTV; null where neither observed nor projectable. */
  ltv: Record<string, EconomicsCellJson | null>;
  /** The first horizon whose margin LTV reaches CAC; null when none does (or no spend). */
  payback: { day: number; projected: boolean } | null;
  /** reached, projected (only with the projection), not_reached (below CAC at every horizon with a value), unknown (none has one), no_spend. */
  paybackStatus: PaybackStatus;
  /** The last horizon with a margin LTV: not_reached means not by this day. */
  paybackThrough: number | null;
  /** ROAS at 7, 30 and 90 days: net revenue within them / spend. */
  roas: Record<string, { value: Rate; complete: boolean }>;
  marginToDate: Money;
  revenueToDate: Money;
}

/** GET /api/reports/economics, `konduit report economics --format json`. */
export interface EconomicsJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  by: Period;
  timeZone: string;
  /** Where each customer's source is read: campaign, affiliate, subaffiliate or utm (of their first sale). */
  source: SourceKind;
  horizons: number[];
  roasHorizons: number[];
  /** The instant completeness was judged at (ISO 8601). */
  asOf: string;
  /** Ranked by payback (rank 1 first); each source's cohorts behind it. */
  sources: (GroupJson & { group: string; rank: number; total: EconomicsRowJson; cohorts: EconomicsRowJson[] })[];
}

/** A lower and an upper bound. */
export type Interval<T> = [lower: T, upper: T];

/** One billing cycle of a group's survival: observed (Kaplan-Meier, null beyond the data) beside the model's, with its interval. */
export interface SurvivalPointJson {
  cycle: number;
  observed: Rate;
  /** The fitted S(cycle - 1), rounded to 6 places. */
  fitted: number;
  interval: Interval<number>;
  /** No subscription was observed this far: the model's value alone. */
  projected: boolean;
}

/** A cohort's value per customer at a horizon: observed when complete, else projected with its 95% prediction interval. */
export interface HorizonValueJson {
  months: number;
  days: number;
  /** Observed so far within the horizon. */
  observed: Money;
  complete: boolean;
  /** Observed so far plus what the model expects within the horizon; null when it cannot price it. */
  value: Money | null;
  interval: Interval<Money> | null;
  /** True unless the horizon has passed for every customer. */
  projected: boolean;
}

/** A subscription cohort's LTV per customer (expected: future rebills). */
export interface ForecastLtvJson extends HorizonValueJson {
  /** Expected paid cycles per subscription within the horizon, with its interval. */
  paidCycles: number;
  paidCyclesInterval: Interval<number>;
}

/** One group's forecast: the sBG fit on its subscriptions, its survival curve, its monthly cohorts' projected LTV. */
export type ForecastGroupJson = GroupJson & {
  subscriptions: number;
  fit: {
    alpha: number;
    beta: number;
    logLikelihood: number;
    interval: { level: number; method: 'profile likelihood'; alpha: Interval<number>; beta: Interval<number> };
    observedPeriods: number;
    /** Σ S(t) over the first `cycles` cycles: a projection. */
    expectedPaidCycles: { cycles: number; value: number; interval: Interval<number>; projected: true };
    expectedLifetime: number | null;
    diagnostics: { customers: number; cohorts: number; starts: number; agreeing: number; converged: boolean; atBound: boolean; reachesBound: boolean };
    /** How the cohorts' LTV intervals were made: "prediction" (seeded; parameters and the cohort's own randomness) or "profile likelihood" (parameters only). */
    ltvInterval: { level: number; method: 'prediction' | 'profile likelihood'; replicates: number | null; seed: number | null };
  } | null;
  /** Why there is no fit (too few cycles, no churn); null when fitted. */
  error: string | null;
  schedule: { firstGapDays: number; gapDays: number };
  rebill: { sales: number; price: Money | null; reversedShare: Rate; net: Money | null };
  survival: SurvivalPointJson[];
  cohorts: {
    cohort: string;
    start: string;
    customers: number;
    subscriptions: number;
    netToDate: Money;
    observedCycles: number;
    survival: { cycle: number; observed: number }[];
    ltv: ForecastLtvJson[];
  }[];
  /** The group's one-time buyers (acquired in the range, never subscribed): BG/NBD + Gamma-Gamma; null without any. */
  oneTime: OneTimeForecastJson | null;
  /** Which model covers which customers, one line per model used. */
  models: string[];
  warnings: string[];
};

/** A one-time cohort's net value per customer (expected: repeat purchases still to come; interval by the bootstrap). */
export interface OneTimeLtvJson extends HorizonValueJson {
  /** Purchases per customer within the horizon (the first included), with its interval. */
  purchases: number;
  purchasesInterval: Interval<number>;
}

export interface OneTimeForecastJson {
  customers: number;
  repeatBuyers: number;
  repeatPurchases: number;
  reversedShare: Rate;
  fit: {
    timeUnit: 'day';
    /** distinct: the (x, t_x, T) the likelihood summed over; dropoutRidge: the drop-out's spread is not identified (docs/forecasts.md). */
    bgnbd: { r: number; alpha: number; a: number; b: number; logLikelihood: number; converged: boolean; agreeing: number; starts: number; atBound: boolean; distinct: number; dropoutRidge: boolean };
    gammaGamma: { p: number; q: number; gamma: number; logLikelihood: number; customers: number; converged: boolean; agreeing: number; starts: number; atBound: boolean };
    /** Mean approved amount per repeat purchase (pγ/(q-1)); null when infinite. */
    meanSpend: Money | null;
    interval: { level: number; method: 'bootstrap'; replicates: number; seed: number; refitsFailed: number };
  } | null;
  error: string | null;
  /** A new customer's expected repeat purchases and their net value by each horizon. */
  newCustomer: { months: number; days: number; purchases: number; purchasesInterval: Interval<number>; value: Money | null; interval: Interval<Money> | null; projected: true }[];
  cohorts: { cohort: string; start: string; customers: number; repeatBuyers: number; netToDate: Money; ltv: OneTimeLtvJson[] }[];
  warnings: string[];
}

/** A projection made at the backtest's cutoff beside what happened. */
export interface BacktestCellJson {
  months: number;
  projected: Money | null;
  interval: Interval<Money> | null;
  /** Whether the value at the cutoff was a projection. */
  wasProjected: boolean;
  actual: Money;
  actualComplete: boolean;
  error: Money | null;
  relativeError: Rate;
  inInterval: boolean | null;
}

/** A one-time cohort's projection at the backtest's cutoff beside what happened: net value and purchases per customer. */
export interface OneTimeBacktestCellJson extends BacktestCellJson {
  purchases: number;
  purchasesInterval: Interval<number>;
  actualPurchases: number;
  purchasesError: number | null;
  purchasesInInterval: boolean | null;
}

/** GET /api/reports/forecast, `konduit report forecast --format json`. */
export interface ForecastJson extends CurrencyJson, CoverageJson {
  from: string;
  to: string;
  timeZone: string;
  groupBy: Dimension | null;
  /** The instant the data were read at (ISO 8601): the data's as-of, or the backtest's cutoff. */
  asOf: string;
  model: 'sBG';
  /** LTV horizons in months. */
  horizons: number[];
  groups: ForecastGroupJson[];
  /** With `backtest`: the forecast above was made on the data before `cutoff`; this compares it with the data since. */
  backtest: {
    cutoff: string;
    asOf: string;
    summary: { months: number; cohorts: number; meanAbsError: Money | null; meanAbsRelativeError: Rate; coverage: Rate }[];
    /** The one-time buyers' (BG/NBD + Gamma-Gamma) projections, per horizon; purchases per customer too. */
    oneTimeSummary: { months: number; cohorts: number; meanAbsError: Money | null; meanAbsRelativeError: Rate; coverage: Rate; purchasesMeanAbsError: number | null; purchasesCoverage: Rate }[];
    groups: (GroupJson & {
      cohorts: { cohort: string; customers: number; cells: BacktestCellJson[] }[];
      survival: { cycle: number; projected: number; interval: Interval<number>; projectedAtCutoff: boolean; actual: Rate; error: Rate }[];
      /** customersNow: the cohort's customers still one-time buyers now. Null without one-time buyers. */
      oneTime: { cohort: string; customers: number; customersNow: number; cells: OneTimeBacktestCellJson[] }[] | null;
    })[];
  } | null;
}

/** Each report's JSON body, by its name (the route GET /api/reports/:name). */
export interface ReportJson {
  summary: SummaryJson;
  series: SeriesJson;
  cohorts: CohortsJson;
  triangle: TriangleJson;
  retention: RetentionJson;
  mids: MidsJson;
  rebills: RebillsJson;
  declines: DeclinesJson;
  chargebacks: ChargebacksJson;
  economics: EconomicsJson;
  forecast: ForecastJson;
}

/** What the runner read for a body besides the report: the other currencies, and names beside ids. */
export interface RenderContext {
  /** Connection id -> name: groups and MIDs name their connection. */
  connectionNames?: ReadonlyMap<string, string>;
  /** Every currency with sales in the range (the report's own is left out of the body). */
  currencies?: readonly CurrencyGross[];
  /** Names of the values of the dimension grouped by (analytics names.ts). */
  names?: NameBook;
  /** Names of the MIDs (the MID, declines and chargebacks reports). */
  midNames?: NameBook;
  /** Names of the values of a second breakdown (retention's subgroupBy). */
  subgroupNames?: NameBook;
  /** What the reported connections' data covers, and the warnings of the range against it. */
  coverage?: ReportCoverage;
  warnings?: readonly ReportWarning[];
}

/** Rounds a rate to 6 places; null stays null. */
export function fraction(r: number | null): Rate {
  return r === null ? null : Math.round(r * 1e6) / 1e6;
}

function figureJson(k: keyof Figures, v: number | null, currency: string): string | number | null {
  if (MONEY_FIGURES.has(k)) return v === null ? null : formatMinor(v, currency);
  if (RATE_FIGURES.has(k)) return fraction(v);
  return v;
}

/** A period's figures in `currency` as JSON. */
export function figuresJson(f: Figures, currency: string): FiguresJson {
  return Object.fromEntries((Object.keys(f) as (keyof Figures)[]).map((k) => [k, figureJson(k, f[k], currency)])) as FiguresJson;
}

/** Compared figures in `currency` as JSON: {FIGURE: {current, previous, change, changeRatio}}. */
export function comparedJson(f: ComparedFigures, currency: string): ComparedJson {
  return Object.fromEntries(
    (Object.keys(f) as (keyof Figures)[]).map((k) => [
      k,
      { current: figureJson(k, f[k].current, currency), previous: figureJson(k, f[k].previous, currency), change: figureJson(k, f[k].change, currency), changeRatio: fraction(f[k].changeRatio) },
    ]),
  ) as ComparedJson;
}

/** A period's margin figures in `currency` as JSON. */
export function marginJson(m: MarginFigures, currency: string): MarginJson {
  const one = (k: keyof MarginFigures, v: number | null) => (MARGIN_MONEY.has(k) ? (v === null ? null : formatMinor(v, currency)) : MARGIN_RATES.has(k) ? fraction(v) : v);
  return Object.fromEntries((Object.keys(m) as (keyof MarginFigures)[]).map((k) => [k, one(k, m[k])])) as MarginJson;
}

/** Compared margin figures in `currency` as JSON. */
export function comparedMarginJson(m: ComparedMargin, currency: string): ComparedMarginJson {
  const one = (k: keyof MarginFigures, v: number | null) => (MARGIN_MONEY.has(k) ? (v === null ? null : formatMinor(v, currency)) : MARGIN_RATES.has(k) ? fraction(v) : v);
  return Object.fromEntries(
    (Object.keys(m) as (keyof MarginFigures)[]).map((k) => [k, { current: one(k, m[k].current), previous: one(k, m[k].previous), change: one(k, m[k].change), changeRatio: fraction(m[k].changeRatio) }]),
  ) as ComparedMarginJson;
}

/** A connection's coverage as JSON. */
function coverageJson(c: ReportCoverage | undefined): CoverageJson['coverage'] {
  if (!c || c.connections.length === 0) return null;
  const latest = c.connections.reduce((a, b) => (startOfLocalDay(b.from, b.zone) > startOfLocalDay(a.from, a.zone) ? b : a));
  return {
    from: latest.from,
    asOf: c.asOfMs === null ? null : new Date(c.asOfMs).toISOString(),
    connections: c.connections.map((x) => ({ connection: x.name, from: x.from, to: x.to, asOf: x.asOf === null ? null : new Date(x.asOf).toISOString(), timeZone: x.zone })),
  };
}

/** What every body says besides its rows: its currency and the others, its coverage and warnings. */
function currencyJson(currency: string, o: RenderContext): CurrencyJson & CoverageJson {
  return {
    coverage: coverageJson(o.coverage),
    warnings: (o.warnings ?? []).map((w) => ({ code: w.code, message: w.message })),
    currency,
    otherCurrencies: (o.currencies ?? []).filter((c) => c.currency !== currency).map((c) => ({ currency: c.currency, gross: formatMinor(c.grossCents, c.currency) })),
  };
}

const NO_GROUP: GroupJson = { group: null, connection: null, id: null, name: null };

/** A connection's name (its id when the store no longer has it). */
const connectionName = (id: string, o: RenderContext) => o.connectionNames?.get(id) ?? id;

/** A row's group as JSON: its key unique across connections, its connection's name, its id and its name. */
export function groupJson(groupBy: Dimension | null, g: Group | null, o: RenderContext): GroupJson {
  if (!groupBy || !g) return NO_GROUP;
  if (g.rest !== undefined) return { group: `(other ${g.rest})`, connection: null, id: null, name: `Other ${DIMENSION_NOUN[groupBy]} (up to ${g.rest} more)`, rest: g.rest };
  if (groupBy === 'connection') {
    const name = g.value === null ? '(none)' : connectionName(g.value, o);
    return { group: name, connection: name, id: g.value, name };
  }
  const connection = g.connectionId === null ? null : connectionName(g.connectionId, o);
  const id = g.value ?? '(none)';
  return { group: connection === null ? id : `${connection}:${id}`, connection, id: g.value, name: nameOf(groupBy, o.names ?? new Map(), g) };
}

/**
 * Rows in the analytics' order, the connections' by name: a stable sort on (`within`, the connection's
 * name), so rows of one period (or cohort, or MID) keep their order inside each connection.
 */
function byConnection<T extends { connection: string | null; rest?: number }>(rows: T[], within: (r: T) => string = () => ''): T[] {
  // The pooled row of a capped breakdown last (within its period or cohort).
  const key = (r: T) => [within(r), r.rest === undefined ? 0 : 1, r.connection ?? ''] as const;
  return rows.sort((a, b) => {
    const [x, y] = [key(a), key(b)];
    return x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] !== y[1] ? x[1] - y[1] : x[2] !== y[2] ? (x[2] < y[2] ? -1 : 1) : 0;
  });
}

/** A dimension's values as a noun, for the pooled row's name. */
const DIMENSION_NOUN: Record<Dimension, string> = {
  connection: 'connections', campaign: 'campaigns', product: 'products', affiliate: 'affiliates', subaffiliate: 'sub-affiliates', mid: 'MIDs', coupon: 'coupons', cycle: 'cycles',
};

/** Summary as JSON: the ungrouped report gives `total`, the grouped one (if any) `groups`. */
export function summaryJson(total: SummaryReport, grouped: SummaryReport | null, o: RenderContext = {}): SummaryJson {
  const first = total.rows[0];
  if (!first) throw new RangeError('an ungrouped summary has one row');
  const c = total.currency;
  return {
    from: total.from, to: total.to, previousFrom: total.previousFrom, previousTo: total.previousTo, timeZone: total.zone, basis: total.basis, ...currencyJson(c, o), groupBy: grouped?.groupBy ?? null,
    total: comparedJson(first.figures, c),
    margin: first.margin ? comparedMarginJson(first.margin, c) : null,
    groups: grouped
      ? byConnection(
          grouped.rows.map((row) => {
            const g = groupJson(grouped.groupBy, row.group, o);
            return { ...g, group: g.group ?? '(none)', figures: comparedJson(row.figures, c), margin: row.margin ? comparedMarginJson(row.margin, c) : null };
          }),
        )
      : [],
  };
}

/** Series as JSON: one point per period (and group), the figures beside the period. */
export function seriesJson(r: SeriesReport, o: RenderContext = {}): SeriesJson {
  return {
    from: r.from, to: r.to, by: r.by, timeZone: r.zone, basis: r.basis, ...currencyJson(r.currency, o), groupBy: r.groupBy,
    points: byConnection(
      r.points.map((p) => ({ period: p.period, start: p.start, ...groupJson(r.groupBy, p.group, o), ...figuresJson(p.figures, r.currency), margin: p.margin ? marginJson(p.margin, r.currency) : null })),
      (p) => p.start,
    ),
  };
}

/** Cohorts as JSON: LTV per horizon keyed by the number of days ("30"). */
export function cohortsJson(r: CohortReport, o: RenderContext = {}): CohortsJson {
  const money = (cents: number) => formatMinor(cents, r.currency);
  return {
    by: r.by, timeZone: r.zone, ...currencyJson(r.currency, o), groupBy: r.groupBy, horizons: r.horizons, asOf: new Date(r.asOf).toISOString(), margin: r.margin,
    cohorts: byConnection(r.cohorts.map((c) => ({
      cohort: c.cohort, start: c.start, ...groupJson(r.groupBy, c.group, o), customers: c.customers, netToDate: money(c.netToDate),
      ltv: Object.fromEntries(r.horizons.map((h) => [String(h), { value: money(c.ltv[h]?.cents ?? 0), complete: c.ltv[h]?.complete ?? false }])),
    })), (c) => c.start),
  };
}

/** The monthly triangle as JSON: months[k] is the cumulative LTV through k months after acquisition. */
export function triangleJson(r: TriangleReport, o: RenderContext = {}): TriangleJson {
  return {
    timeZone: r.zone, ...currencyJson(r.currency, o), groupBy: r.groupBy, asOf: new Date(r.asOf).toISOString(), margin: r.margin,
    rows: byConnection(
      r.rows.map((row) => ({ cohort: row.cohort, ...groupJson(r.groupBy, row.group, o), customers: row.customers, months: row.months.map((m) => ({ value: formatMinor(m.cents, r.currency), complete: m.complete })) })),
      (row) => row.cohort,
    ),
  };
}

/** Retention as JSON: one row per group, its cycles in order (and, with subgroupBy, its subgroups'). */
export function retentionJson(r: RetentionReport, o: RenderContext = {}): RetentionJson {
  const money = (cents: number) => formatMinor(cents, r.currency);
  const sub = o.subgroupNames ? { ...o, names: o.subgroupNames } : o;
  const rowJson = (row: RetentionRow, by: Dimension | null, ctx: RenderContext): RetentionRowJson => ({
    ...groupJson(by, row.group, ctx), initialPurchases: row.initialPurchases,
    cycles: row.cycles.map(({ refundCents, chargebackCents, ...c }) => ({
      ...c, retention: fraction(c.retention), rebillRate: fraction(c.rebillRate), recycleSaveRate: fraction(c.recycleSaveRate), refundAmount: money(refundCents), chargebackAmount: money(chargebackCents),
    })),
    rebillAttempts: row.rebillAttempts.map((a) => ({ ...a, approvalRate: fraction(a.approvalRate) })),
    subgroups: row.subgroups === null ? null : byConnection(row.subgroups.map((x) => rowJson(x, r.subgroupBy, sub))),
  });
  return {
    from: r.from, to: r.to, timeZone: r.zone, ...currencyJson(r.currency, o), groupBy: r.groupBy, subgroupBy: r.subgroupBy, asOf: new Date(r.asOf).toISOString(),
    rows: byConnection(r.rows.map((row) => rowJson(row, r.groupBy, o))),
  };
}

/** Rebills ahead as JSON: windows, the rates observed, the calendar and the soonest subscriptions. */
export function rebillsJson(r: RebillsReport, o: RenderContext = {}): RebillsJson {
  const money = (cents: number) => formatMinor(cents, r.currency);
  return {
    ...currencyJson(r.currency, o), asOf: new Date(r.asOf).toISOString(),
    windows: r.windows.map((w) => ({
      days: w.days, from: w.from, to: w.to, subscriptions: w.subscriptions, listPrice: money(w.listCents), expectedRevenue: money(w.expectedCents), unrated: w.unrated,
      lines: w.lines.map((l) => ({ cycle: l.cycle, recycling: l.recycling, subscriptions: l.subscriptions, listPrice: money(l.listCents), rateSource: l.used.source, rate: fraction(l.used.rate), expectedRevenue: l.expectedCents === null ? null : money(l.expectedCents) })),
    })),
    overdue: { subscriptions: r.overdue.subscriptions, listPrice: money(r.overdue.listCents) },
    rates: r.rates.map((x) => ({ ...x, firstAttemptRate: fraction(x.firstAttemptRate), softDeclineRate: fraction(x.softDeclineRate), saveRate: fraction(x.saveRate), expectedRate: fraction(x.expectedRate) })),
    days: r.days.map((d) => ({ date: d.date, subscriptions: d.subscriptions, listPrice: money(d.listCents), expectedRevenue: money(d.expectedCents) })),
    upcoming: r.upcoming.map((u) => ({ connection: connectionName(u.connectionId, o), purchaseId: u.purchaseId, customerId: u.customerId, date: u.date, cycle: u.cycle, status: u.status, listPrice: money(u.listCents), rate: fraction(u.rate) })),
    truncated: r.truncated,
  };
}

/** The programs' parameters as a body names them. */
function programsJson(p: Programs): MidsJson['programs'] {
  const vt = (t: Programs['visa']['merchant'][number]): VampThresholdJson => ({ from: t.from, regions: t.regions === '*' ? '*' : [...t.regions], ratio: fraction(t.ratio) ?? 0, minCount: t.minCount });
  return {
    mastercard: { levels: p.mastercard.levels.map((l) => ({ ...l, ratio: fraction(l.ratio) ?? 0 })) },
    visa: { region: p.visa.region, regions: { ...p.visa.regions }, merchant: p.visa.merchant.map(vt), acquirer: p.visa.acquirer.map((a) => ({ from: a.from, aboveStandard: fraction(a.aboveStandard), excessive: fraction(a.excessive) ?? 0 })) },
  };
}

/** MID health as JSON: one row per MID per month, and the rows whose alert fires. */
export function midsJson(r: MidReport, o: RenderContext = {}, view: MidsJson['view'] = 'months'): MidsJson {
  const rows = byConnection(r.rows.map((m): MidMonthJson => {
    const connection = connectionName(m.connectionId, o);
    return {
      key: `${connection}:${m.mid}`, connection, mid: m.mid, name: nameOf('mid', o.midNames ?? new Map(), { connectionId: m.connectionId, value: m.mid }),
      month: m.month, timeZone: m.zone, projected: m.projected, actual: m.actual ? { ...m.actual, elapsed: fraction(m.actual.elapsed) } : null,
      sales: m.sales, chargebacks: m.chargebacks, chargebackAmount: formatMinor(m.chargebackCents, r.currency), ratio: fraction(m.ratio), brands: m.brands,
      visa: {
        sales: m.visa.sales, disputes: m.visa.disputes, fraudReports: m.visa.fraudReports, count: m.visa.count, ratio: fraction(m.visa.ratio), status: m.visa.status,
        threshold: m.visa.threshold ? { from: m.visa.threshold.from, regions: m.visa.threshold.regions === '*' ? '*' : [...m.visa.threshold.regions], ratio: fraction(m.visa.threshold.ratio) ?? 0, minCount: m.visa.threshold.minCount } : null,
        region: m.visa.region, acquirerScale: m.visa.acquirerScale,
      },
      mastercard: { sales: m.mastercard.sales, previousMonthSales: m.mastercard.previousMonthSales, chargebacks: m.mastercard.chargebacks, ratio: fraction(m.mastercard.ratio), meets: m.mastercard.meets, status: m.mastercard.status },
      alert: m.alert ? { scope: m.alert.mid === '*' ? 'connection' : 'mid', metric: m.alert.metric, threshold: fraction(m.alert.threshold) ?? 0, minCount: m.alert.minCount, firing: m.alert.firing } : null,
    };
  }));
  return { from: r.from, to: r.to, ...currencyJson(r.currency, o), programs: programsJson(r.programs), view, rows, alerts: rows.filter((m) => m.alert?.firing) };
}

/** Declines as JSON: counts and rates, reasons, and recycling. */
export function declinesJson(r: DeclineReport, o: RenderContext = {}): DeclinesJson {
  const c = (x: DeclineCounts): DeclineCountsJson => ({ attempts: x.attempts, approvals: x.approvals, declines: x.declines, declineRate: fraction(x.declineRate) });
  const reasons = (list: DeclineReport['reasons']): DeclineReasonJson[] => list.map((x) => ({ reason: x.reason, declines: x.declines, share: fraction(x.share) }));
  return {
    from: r.from, to: r.to, timeZone: r.zone, ...currencyJson(r.currency, o), by: r.by, total: c(r.total),
    rows: byConnection(r.rows.map((x) => {
      const connection = x.connectionId === null ? null : connectionName(x.connectionId, o);
      const value = x.value;
      return {
        key: connection === null ? (value ?? '(none)') : `${connection}:${value ?? '(none)'}`, connection, value,
        name: x.connectionId === null ? null : nameOf('mid', o.midNames ?? new Map(), { connectionId: x.connectionId, value }),
        ...c(x), reasons: reasons(x.reasons),
      };
    })),
    moreRows: r.moreRows,
    reasons: reasons(r.reasons),
    recycle: { ...r.recycle, byRetry: r.recycle.byRetry.map((x) => ({ ...x, approvalRate: fraction(x.approvalRate) })), saveRate: fraction(r.recycle.saveRate) },
  };
}

/** Chargebacks as JSON: every cut with its refunds beside, money as decimal strings. */
export function chargebacksJson(r: ChargebackReport, o: RenderContext = {}): ChargebacksJson {
  const m = (cents: number) => formatMinor(cents, r.currency);
  const c = (x: ChargebackCounts): ChargebackCountsJson => ({ chargebacks: x.chargebacks, amount: m(x.cents), fraud: x.fraud, fraudAmount: m(x.fraudCents), refunded: x.refunded, refundAmount: m(x.refundCents) });
  return {
    from: r.from, to: r.to, timeZone: r.zone, ...currencyJson(r.currency, o), by: r.by,
    total: { ...c(r.total), sales: r.total.sales, chargebackRate: fraction(r.total.chargebackRate), reversals: r.total.reversals, reversalAmount: m(r.total.reversalCents), medianDays: r.total.medianDays },
    byReason: r.byReason.map((x) => ({ reason: x.reason, network: x.network, isFraud: x.isFraud, description: x.description, ...c(x), share: fraction(x.share) })),
    byMid: byConnection(r.byMid.map((x) => {
      const connection = connectionName(x.connectionId, o);
      return { key: `${connection}:${x.mid ?? '(none)'}`, connection, mid: x.mid, name: nameOf('mid', o.midNames ?? new Map(), { connectionId: x.connectionId, value: x.mid }), ...c(x), sales: x.sales, chargebackRate: fraction(x.chargebackRate) };
    })),
    byDays: r.byDays.map((x) => ({ from: x.from, to: x.to, ...c(x) })),
    byCohort: r.byCohort.map((x) => ({ cohort: x.cohort, ...c(x) })),
  };
}

/** The dimension whose names and keys a source kind's values take (a UTM source is an account's own text, like a sub-affiliate). */
export const SOURCE_DIMENSION: Record<SourceKind, Dimension> = { campaign: 'campaign', affiliate: 'affiliate', subaffiliate: 'subaffiliate', utm: 'subaffiliate' };

/** Economics as JSON: sources in rank order, each with its total and its cohorts. */
export function economicsJson(r: EconomicsReport, q: { from: string; to: string }, o: RenderContext = {}): EconomicsJson {
  const money = (cents: number) => formatMinor(cents, r.currency);
  const row = (x: EconomicsRow): EconomicsRowJson => ({
    cohort: x.cohort, start: x.start, customers: x.customers, spend: x.spendCents === null ? null : money(x.spendCents), cac: x.cacCents === null ? null : money(x.cacCents),
    ltv: Object.fromEntries(r.horizons.map((h) => {
      const c = x.ltv[h];
      return [String(h), c ? { value: money(c.cents), complete: c.complete, projected: c.projected, ltvToCac: fraction(c.ltvToCac) } : null];
    })),
    payback: x.payback, paybackStatus: x.paybackStatus, paybackThrough: x.paybackThrough, roas: Object.fromEntries(ROAS_HORIZONS.map((h) => [String(h), { value: fraction(x.roas[h]?.value ?? null), complete: x.roas[h]?.complete ?? false }])),
    marginToDate: money(x.marginToDate), revenueToDate: money(x.revenueToDate),
  });
  return {
    from: q.from, to: q.to, by: r.by, timeZone: r.zone, ...currencyJson(r.currency, o), source: r.sourceKind, horizons: r.horizons, roasHorizons: [...ROAS_HORIZONS], asOf: new Date(r.asOf).toISOString(),
    sources: r.sources.map((s, i) => {
      const g = groupJson(SOURCE_DIMENSION[r.sourceKind], s.source, o);
      return { ...g, group: g.group ?? '(none)', rank: i + 1, total: row(s.total), cohorts: s.cohorts.map(row) };
    }),
  };
}

/** A number rounded to 6 places (a fraction or a count of cycles). */
const six = (x: number): number => Math.round(x * 1e6) / 1e6;
const six2 = (b: readonly [number, number]): Interval<number> => [six(b[0]), six(b[1])];

/** The forecast as JSON: every projected number beside a `projected` flag (docs/forecasts.md). */
export function forecastJson(r: ForecastReport, o: RenderContext = {}, b: BacktestReport | null = null): ForecastJson {
  const money = (cents: number) => formatMinor(cents, r.currency);
  const maybe = (cents: number | null) => (cents === null ? null : money(cents));
  const cellJson = (x: BacktestCell): BacktestCellJson => ({
    months: x.months, projected: maybe(x.projectedCents), interval: x.interval && [money(x.interval[0]), money(x.interval[1])], wasProjected: x.projected,
    actual: money(x.actualCents), actualComplete: x.actualComplete, error: maybe(x.errorCents), relativeError: fraction(x.relativeError), inInterval: x.inInterval,
  });
  const summaryJson = (s: BacktestSummary) => ({
    months: s.months, cohorts: s.cohorts, meanAbsError: s.meanAbsErrorCents === null ? null : money(Math.round(s.meanAbsErrorCents)),
    meanAbsRelativeError: fraction(s.meanAbsRelativeError), coverage: fraction(s.coverage),
  });
  return {
    from: r.from, to: r.to, timeZone: r.zone, ...currencyJson(r.currency, o), groupBy: r.groupBy, asOf: new Date(r.asOf).toISOString(), model: 'sBG', horizons: r.horizons,
    groups: byConnection(r.groups.map((g) => ({
      ...groupJson(r.groupBy, g.group, o),
      subscriptions: g.subscriptions,
      fit: g.fit && {
        alpha: g.fit.alpha, beta: g.fit.beta, logLikelihood: g.fit.logLikelihood,
        interval: { level: g.fit.interval.level, method: g.fit.interval.method, alpha: six2(g.fit.interval.alpha), beta: six2(g.fit.interval.beta) },
        observedPeriods: g.fit.observedPeriods,
        expectedPaidCycles: { cycles: g.fit.expectedPaidCycles.cycles, value: six(g.fit.expectedPaidCycles.value), interval: six2(g.fit.expectedPaidCycles.interval), projected: true as const },
        expectedLifetime: g.fit.expectedLifetime === null ? null : six(g.fit.expectedLifetime),
        diagnostics: g.fit.diagnostics,
        ltvInterval: g.fit.ltvInterval,
      },
      error: g.error,
      schedule: { firstGapDays: g.firstGapDays, gapDays: g.gapDays },
      rebill: { sales: g.rebill.sales, price: maybe(g.rebill.priceCents), reversedShare: fraction(g.rebill.reversedShare), net: maybe(g.rebill.netCents) },
      survival: g.survival.map((s) => ({ cycle: s.cycle, observed: fraction(s.observed), fitted: six(s.fitted), interval: six2(s.interval), projected: s.projected })),
      cohorts: g.cohorts.map((c) => ({
        cohort: c.cohort, start: c.start, customers: c.customers, subscriptions: c.subscriptions, netToDate: money(c.netToDateCents), observedCycles: c.observedCycles,
        survival: c.survival.map((s) => ({ cycle: s.cycle, observed: six(s.observed) })),
        ltv: c.ltv.map((l) => ({
          months: l.months, days: l.days, observed: money(l.observedCents), complete: l.complete, value: maybe(l.valueCents),
          interval: l.interval && [money(l.interval[0]), money(l.interval[1])], projected: l.projected,
          paidCycles: six(l.paidCycles), paidCyclesInterval: six2(l.paidCyclesInterval),
        })),
      })),
      oneTime: g.oneTime && {
        customers: g.oneTime.customers, repeatBuyers: g.oneTime.repeatBuyers, repeatPurchases: g.oneTime.repeatPurchases, reversedShare: fraction(g.oneTime.reversedShare),
        fit: g.oneTime.fit && (({ meanSpendCents, ...rest }) => ({ ...rest, meanSpend: maybe(meanSpendCents) }))(g.oneTime.fit),
        error: g.oneTime.error,
        newCustomer: g.oneTime.newCustomer.map((c) => ({
          months: c.months, days: c.days, purchases: six(c.purchases), purchasesInterval: six2(c.purchasesInterval),
          value: maybe(c.valueCents), interval: c.interval && [money(c.interval[0]), money(c.interval[1])], projected: true as const,
        })),
        cohorts: g.oneTime.cohorts.map((c) => ({
          cohort: c.cohort, start: c.start, customers: c.customers, repeatBuyers: c.repeatBuyers, netToDate: money(c.netToDateCents),
          ltv: c.ltv.map((l) => ({
            months: l.months, days: l.days, observed: money(l.observedCents), complete: l.complete, value: maybe(l.valueCents),
            interval: l.interval && [money(l.interval[0]), money(l.interval[1])], projected: l.projected,
            purchases: six(l.purchases), purchasesInterval: six2(l.purchasesInterval),
          })),
        })),
        warnings: g.oneTime.warnings,
      },
      models: g.models,
      warnings: g.warnings,
    }))),
    backtest: b && {
      cutoff: new Date(b.cutoff).toISOString(),
      asOf: new Date(b.asOf).toISOString(),
      summary: b.summary.map(summaryJson),
      oneTimeSummary: b.oneTimeSummary.map((s) => ({
        ...summaryJson(s), purchasesMeanAbsError: s.purchasesMeanAbsError === null ? null : six(s.purchasesMeanAbsError), purchasesCoverage: fraction(s.purchasesCoverage),
      })),
      groups: byConnection(b.groups.map((g) => ({
        ...groupJson(r.groupBy, g.group, o),
        cohorts: g.cohorts.map((c) => ({
          cohort: c.cohort, customers: c.customers,
          cells: c.cells.map(cellJson),
        })),
        survival: g.survival.map((s) => ({ cycle: s.cycle, projected: six(s.projected), interval: six2(s.interval), projectedAtCutoff: s.projectedAtCutoff, actual: fraction(s.actual), error: fraction(s.error) })),
        oneTime: g.oneTime && g.oneTime.map((c) => ({
          cohort: c.cohort, customers: c.customers, customersNow: c.customersNow,
          cells: c.cells.map((x) => ({
            ...cellJson(x), purchases: six(x.purchases), purchasesInterval: six2(x.purchasesInterval), actualPurchases: six(x.actualPurchases),
            purchasesError: x.purchasesError === null ? null : six(x.purchasesError), purchasesInInterval: x.purchasesInInterval,
          })),
        })),
      }))),
    },
  };
}
