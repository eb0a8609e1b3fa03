/**
 * `konduit report summary|series|cohorts|retention|mids`: the analytics reports (docs/metrics.md) over
 * the store, rendered as a table, JSON or CSV. Options are parsed and checked here; the figures come from
 * src/analytics, which never sees flags or the environment.
 */
import { EXIT_OK, UsageError } from '../../core/errors.js';
import { addDays, isValidTimeZone, localDate, parseWall, startOfLocalDay, systemTimeZone } from '../../core/time.js';
import {
  cohortReport, cohortTriangle, DEFAULT_HORIZONS, DEFAULT_THRESHOLDS, filterValue, midReport, parseDimension, retentionReport, seriesReport, summaryReport,
  type Basis, type Dimension, type Filter, type Period, type RangeQuery,
} from '../../analytics/index.js';
import type { ConnectionSummary, Store } from '../../store/store.js';
import { enumFlag, parseFlags } from '../args.js';
import { openStore } from './connections-store.js';
import {
  cohortsGrid, cohortsJson, gridToCsv, gridToTable, midsGrid, midsJson, retentionGrid, retentionJson, seriesGrid, seriesJson, summaryGrid, summaryJson, triangleGrid, triangleJson,
  type Format, type Grid,
} from './report-render.js';

export type ReportKind = 'summary' | 'series' | 'cohorts' | 'retention' | 'mids';

const COMMON = `Options:
  --connection NAME     only this connection (default: every connection in the store)
  --from YYYY-MM-DD     first day (viewer's zone)
  --to YYYY-MM-DD       last day, inclusive (default: today in the viewer's zone)
  --tz ZONE             viewer time zone, IANA name (default: the system zone, ${systemTimeZone()})
  --group-by FIELD      connection, campaign, product, affiliate (affId), subaffiliate (sourceValue1),
                        mid (merchantId) or cycle (billingCycle)
  --filter FIELD=VALUE  keep only rows whose FIELD equals VALUE; repeat for more (same FIELD: any of)
  --format FMT          table (default), json or csv
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)
  -h, --help            this help
`;

const HELP: Record<ReportKind, string> = {
  summary: `Usage: konduit report summary [--from DATE] [--to DATE] [--tz ZONE] [--basis event|crm] [options]

Gross revenue, refunds (refunds, voids and chargebacks, each on its own date), chargebacks, net revenue,
orders, new customers, AOV, approval rates, refund and chargeback rates for a range, next to the
previous range of the same length. Default range: the 30 days ending --to.
--basis crm books refunds and chargebacks on the original sale's date in the account's time zone, to
reconcile with Konnektive's Transaction Summary (docs/metrics.md explains the difference).

${COMMON}  --basis event|crm     event (default) or crm

Examples:
  konduit report summary --from 2025-01-01 --to 2025-01-31 --tz America/Los_Angeles
  konduit report summary --connection shop --basis crm --format json
`,
  series: `Usage: konduit report series [--by day|week|month] [--from DATE] [--to DATE] [options]

The summary's figures per day, ISO week (Monday) or month of the viewer's zone. Default range: the
30 days ending --to.

${COMMON}  --by day|week|month   period (default day)
  --basis event|crm     event (default) or crm

Examples:
  konduit report series --by week --from 2025-01-01 --to 2025-03-31 --group-by campaign
`,
  cohorts: `Usage: konduit report cohorts [--by day|week|month] [--horizons 1,7,30] [--triangle] [options]

Cohorts of customers by the period of their first sale (viewer's zone), with cumulative net LTV per
customer at horizons in days after each customer's first sale. A cell whose horizon has not passed for
every member is incomplete: "~" in tables, "complete": false in JSON. --triangle shows monthly cohorts
by calendar months since acquisition instead. Default range: the 12 months ending --to.

${COMMON}  --by day|week|month   cohort period (default month)
  --horizons LIST       comma-separated days (default ${DEFAULT_HORIZONS.join(',')})
  --triangle            the monthly triangle
  --as-of YYYY-MM-DD    judge completeness at the start of this day (default: now)

Examples:
  konduit report cohorts --by week --horizons 7,30,90 --format json
  konduit report cohorts --triangle --group-by affiliate
`,
  retention: `Usage: konduit report retention [--from DATE] [--to DATE] [options]

Subscriptions started in the range (cycle 1 sale), and per billing cycle: approvals, retention
(approvals / initial subscriptions), rebill rate (approvals / previous cycle's approvals) and
cancellations. Default range: the 12 months ending --to.

${COMMON}
Examples:
  konduit report retention --from 2025-01-01 --to 2025-03-31 --group-by campaign
`,
  mids: `Usage: konduit report mids [--from DATE] [--to DATE] [--thresholds 0.9,1.0,1.5] [options]

Per MID per month: sales, chargebacks, and the chargeback ratio by the Visa definition (chargebacks /
the same month's sales) and the Mastercard one (chargebacks / the previous month's sales), labelled ok,
watch, warning or excessive against the thresholds. Default range: the 12 months ending --to.

${COMMON}  --thresholds LIST     three percentages, ascending (default ${DEFAULT_THRESHOLDS.map((t) => (t * 100).toFixed(1)).join(',')})

Examples:
  konduit report mids --from 2025-01-01 --to 2025-06-30 --format csv
`,
};

function checkDate(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !parseWall(v)) throw new UsageError(`--${name} must be a date YYYY-MM-DD, got "${v}"`);
  return v;
}

function dimensionFlag(name: string, v: string): Dimension {
  const d = parseDimension(v);
  if (!d) throw new UsageError(`--${name}: unknown field "${v}"`, 'Fields: connection, campaign, product, affiliate, subaffiliate, mid, cycle.');
  return d;
}

function listFlag(name: string, v: string, parse: (s: string) => number | null): number[] {
  const out = v.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const x = parse(s);
    if (x === null) throw new UsageError(`--${name}: "${s}" is not a valid value`);
    return x;
  });
  if (out.length === 0) throw new UsageError(`--${name} needs at least one value`);
  return out;
}

function byName(conns: ConnectionSummary[], name: string): ConnectionSummary {
  const c = conns.find((x) => x.name === name);
  if (!c) throw new UsageError(`no connection named "${name}"`, 'See konduit connections.');
  return c;
}

/** Builds the command module ({ help, run }, as commands.ts expects) of one report. */
export function reportCommand(kind: ReportKind): { help: string; run(argv: string[]): Promise<number> } {
  return { help: HELP[kind], run: (argv) => runReport(kind, argv) };
}

async function runReport(kind: ReportKind, argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    connection: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    tz: { type: 'string' },
    by: { type: 'string' },
    horizons: { type: 'string' },
    triangle: { type: 'boolean' },
    'as-of': { type: 'string' },
    thresholds: { type: 'string' },
    'group-by': { type: 'string' },
    filter: { type: 'string', multiple: true },
    basis: { type: 'string' },
    format: { type: 'string' },
    db: { type: 'string' },
  });
  const tz = values.tz ?? systemTimeZone();
  if (!isValidTimeZone(tz)) throw new UsageError(`--tz: unknown time zone "${tz}"`, 'Use an IANA name such as America/New_York or Europe/Berlin.');
  const format = enumFlag<Format>('format', values.format, ['table', 'json', 'csv'], 'table');
  const basis = enumFlag<Basis>('basis', values.basis, ['event', 'crm'], 'event');
  if (basis === 'crm' && kind !== 'summary' && kind !== 'series') throw new UsageError('--basis crm applies to summary and series only');
  const by = enumFlag<Period>('by', values.by, ['day', 'week', 'month'], kind === 'cohorts' ? 'month' : 'day');
  const to = checkDate('to', values.to) ?? localDate(Date.now(), tz);
  const defaultFrom = kind === 'summary' || kind === 'series' ? addDays(to, -29) : `${addDays(`${to.slice(0, 7)}-01`, -335).slice(0, 7)}-01`;
  const from = checkDate('from', values.from) ?? defaultFrom;
  if (from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
  const groupBy = values['group-by'] === undefined ? null : dimensionFlag('group-by', values['group-by']);
  const horizons = values.horizons === undefined ? undefined : listFlag('horizons', values.horizons, (s) => (/^\d+$/.test(s) && Number(s) > 0 ? Number(s) : null));
  const thresholds = values.thresholds === undefined ? undefined : listFlag('thresholds', values.thresholds, (s) => (/^\d+(\.\d+)?$/.test(s) ? Number(s) / 100 : null));
  const asOfDate = checkDate('as-of', values['as-of']);
  const rawFilters = (values.filter ?? []).map((f) => {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new UsageError(`--filter must be FIELD=VALUE, got "${f}"`);
    return { dimension: dimensionFlag('filter', f.slice(0, eq)), text: f.slice(eq + 1) };
  });

  const store = await openStore(values.db);
  try {
    const conns = await store.listConnections();
    const filters = new Map<Dimension, Filter>();
    const addFilter = (dimension: Dimension, v: string | number) => {
      const f = filters.get(dimension) ?? { dimension, values: [] };
      f.values.push(v);
      filters.set(dimension, f);
    };
    if (values.connection !== undefined) addFilter('connection', byName(conns, values.connection).connectionId);
    for (const f of rawFilters) {
      if (f.dimension === 'connection') {
        addFilter('connection', byName(conns, f.text).connectionId);
        continue;
      }
      const v = filterValue(f.dimension, f.text);
      if (v === null) throw new UsageError(`--filter ${f.dimension}=${f.text}: the value must be a whole number`);
      addFilter(f.dimension, v);
    }
    const selected = filters.get('connection')?.values ?? conns.map((c) => c.connectionId);
    const zones = new Set(conns.filter((c) => selected.includes(c.connectionId)).map((c) => c.timezone));
    if (basis === 'crm' && zones.size > 1) throw new UsageError('--basis crm needs connections that share one account time zone', 'Pick one with --connection.');
    const accountZone = [...zones][0] ?? tz;
    const q: RangeQuery = { from, to, tz, filters: [...filters.values()], groupBy, basis, accountZone };
    const names = new Map(conns.map((c) => [c.connectionId, c.name]));
    const out = await render(store, kind, q, { by, horizons, triangle: values.triangle === true, thresholds, asOf: asOfDate ? startOfLocalDay(asOfDate, tz) : undefined }, format, names);
    process.stdout.write(out);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

interface Extra {
  by: Period;
  horizons?: number[];
  triangle: boolean;
  thresholds?: number[];
  asOf?: number;
}

/** Shows connection names instead of ids when a report is grouped by connection. */
function nameGroups<T extends object>(report: T, names: ReadonlyMap<string, string> | undefined): T {
  if (!names) return report;
  const r = report as Record<string, unknown>;
  for (const list of ['rows', 'points', 'cohorts']) {
    const items = r[list];
    if (!Array.isArray(items)) continue;
    for (const it of items as { group?: string | null }[]) if (typeof it.group === 'string') it.group = names.get(it.group) ?? it.group;
  }
  return report;
}

/** Runs a report and renders it; exported for tests. `names` maps connection ids to names. */
export async function render(store: Store, kind: ReportKind, q: RangeQuery, x: Extra, format: Format, names?: ReadonlyMap<string, string>): Promise<string> {
  const emit = (json: unknown, grid: () => Grid) =>
    format === 'json' ? `${JSON.stringify(json, null, 2)}\n` : format === 'csv' ? gridToCsv(grid()) : gridToTable(grid());
  const n = q.groupBy === 'connection' ? names : undefined;
  switch (kind) {
    case 'summary': {
      const total = await summaryReport(store, { ...q, groupBy: null });
      const grouped = q.groupBy ? nameGroups(await summaryReport(store, q), n) : null;
      return emit(summaryJson(total, grouped), () => summaryGrid(grouped ?? total, format));
    }
    case 'series': {
      const r = nameGroups(await seriesReport(store, { ...q, by: x.by }), n);
      return emit(seriesJson(r), () => seriesGrid(r, format));
    }
    case 'cohorts': {
      if (x.triangle) {
        const r = nameGroups(await cohortTriangle(store, { ...q, asOf: x.asOf }), n);
        return emit(triangleJson(r), () => triangleGrid(r, format));
      }
      const r = nameGroups(await cohortReport(store, { ...q, by: x.by, horizons: x.horizons, asOf: x.asOf }), n);
      return emit(cohortsJson(r), () => cohortsGrid(r, format));
    }
    case 'retention': {
      const r = nameGroups(await retentionReport(store, q), n);
      return emit(retentionJson(r), () => retentionGrid(r, format));
    }
    case 'mids': {
      const r = nameGroups(await midReport(store, { ...q, thresholds: x.thresholds }), n);
      return emit(midsJson(r), () => midsGrid(r, format));
    }
  }
}
