/**
 * `konduit forecast sbg`: the analyst's calculator. Fits the shifted-beta-geometric retention model on
 * one cohort's survivor counts given on the command line and prints the fit and the survival curve,
 * observed and projected (src/forecast, docs/forecasts.md). No store, no network.
 */
import { EXIT_OK, UsageError } from '../../core/errors.js';
import { ForecastInputError, sbgForecast, type SbgForecast } from '../../forecast/index.js';
import { gridToTable } from '../../report/grid.js';
import { enumFlag, intFlag, parseFlags } from '../args.js';

/** Most periods the calculator projects (a longer curve is a typo more often than a need). */
const MAX_PERIODS = 1000;

export const help = `Usage: konduit forecast sbg --survivors N0,N1,...,NT [--periods P] [--format table|json]

Fits the shifted-beta-geometric (sBG) retention model of Fader & Hardie (2007) by maximum likelihood on
one cohort's survivor counts: N0 customers acquired, N1 still subscribed after one period, ..., NT after T
periods. Prints alpha, beta, the log-likelihood and the survival S(0..T+P) as fractions of N0, with a 95%
profile-likelihood interval, the retention rate per period and the expected paid periods.
Projected periods (after T) are marked "*" in the table and "projected": true in JSON.
docs/forecasts.md explains the model and when not to trust it.

Options:
  --survivors LIST   comma-separated whole numbers, non-increasing, N0 > 0, at least N0,N1,N2
                     (required; counts, e.g. per 1,000 acquired, not percentages)
  --periods P        periods to project after T (default 12, at most ${MAX_PERIODS})
  --format FMT       table (default) or json: {"alpha", "beta", "logLikelihood", "survival": [S(0), ...],
                     "projected", "retention", "expectedPaidPeriods", "expectedLifetime", "interval",
                     "warnings", "diagnostics"}
  -h, --help         this help

Exit codes: 0 fitted; 2 usage error (a survivor that is not a whole number, survivors that increase, N0 = 0,
fewer than 3 counts, a bad flag).

Examples:
  konduit forecast sbg --survivors 1000,631,468,382,326,289,262,241 --periods 5
  konduit forecast sbg --survivors 1000,869,743,653,593,551,517,491 --format json
`;

/** Reads --survivors: comma-separated whole numbers; names the position of the first that is not. */
export function parseSurvivors(text: string | undefined): number[] {
  if (text === undefined || text.trim() === '') {
    throw new UsageError('--survivors is required: the counts N0,N1,...,NT', 'For example: konduit forecast sbg --survivors 1000,631,468,382');
  }
  return text.split(',').map((raw, t) => {
    const v = raw.trim();
    if (!/^\d+$/.test(v)) {
      throw new UsageError(`--survivors: N${t} = "${v.slice(0, 40)}" is not a whole number`,
        'Give counts of customers separated by commas, e.g. 1000,631,468 (no percent signs, decimals or spaces inside a number).');
    }
    return Number(v);
  });
}

/** Runs `konduit forecast sbg`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    survivors: { type: 'string' },
    periods: { type: 'string' },
    format: { type: 'string' },
  });
  const survivors = parseSurvivors(values.survivors);
  const periods = intFlag('periods', values.periods, 12, 0);
  if (periods > MAX_PERIODS) throw new UsageError(`--periods must be at most ${MAX_PERIODS}, got ${periods}`);
  const format = enumFlag('format', values.format, ['table', 'json'] as const, 'table');
  let forecast: SbgForecast;
  try {
    forecast = sbgForecast([{ survivors }], { periods });
  } catch (err) {
    if (err instanceof ForecastInputError) throw new UsageError(`--survivors: ${err.message}`, err.hint);
    throw err;
  }
  process.stdout.write(format === 'json' ? `${JSON.stringify(forecast, null, 2)}\n` : sbgTable(forecast, survivors));
  return EXIT_OK;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
const range = ([lo, hi]: [number, number]) => `${(lo * 100).toFixed(2)}-${(hi * 100).toFixed(2)}%`;

/** The readable form: one row per period, projected rows marked "*", then the fit and any warnings. */
function sbgTable(f: SbgForecast, survivors: number[]): string {
  const level = `${Math.round(f.interval.level * 100)}%`;
  const rows = f.survival.map((s, t) => [
    f.projected[t] ? `${t}*` : String(t),
    t < survivors.length ? String(survivors[t]) : '',
    t < survivors.length ? pct(survivors[t]! / survivors[0]!) : '',
    pct(s),
    range(f.interval.survival[t]!),
    t === 0 ? '' : pct(f.retention[t - 1]!),
  ]);
  const head = [
    `sBG fit on ${f.diagnostics.customers} customers, ${f.observedPeriods} periods observed, ${f.survival.length - 1 - f.observedPeriods} projected (*)`,
    `alpha ${f.alpha.toFixed(4)} (${level}: ${f.interval.alpha[0].toFixed(4)}-${f.interval.alpha[1].toFixed(4)})   ` +
      `beta ${f.beta.toFixed(4)} (${level}: ${f.interval.beta[0].toFixed(4)}-${f.interval.beta[1].toFixed(4)})   ` +
      `log-likelihood ${f.logLikelihood.toFixed(2)}`,
    '',
  ];
  const paid = f.expectedPaidPeriods;
  const tail = [
    '',
    `Expected paid periods in periods 0-${paid.horizon - 1}: ${paid.value.toFixed(2)} (${level}: ${paid.interval[0].toFixed(2)}-${paid.interval[1].toFixed(2)}); ` +
      (f.expectedLifetime === null ? 'expected lifetime: infinite (alpha <= 1)' : `expected lifetime: ${f.expectedLifetime.toFixed(2)} periods`),
    `* projected. Interval: ${level} profile likelihood.`,
    ...f.warnings.map((w) => `warning: ${w}`),
  ];
  const table = gridToTable({ columns: ['period', 'survivors', 'observed', 'survival', `${level} interval`, 'retention'], rows });
  return `${head.join('\n')}\n${table}${tail.join('\n')}\n`;
}
