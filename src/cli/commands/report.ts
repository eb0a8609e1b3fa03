/**
 * `konduit report summary|series|cohorts|retention|mids|declines|chargebacks`: the analytics reports (docs/metrics.md) over
 * the store, rendered as a table, JSON or CSV. The flags are the HTTP API's report parameters, checked by
 * the same parser (src/report/query.ts) and rendered by the same renderer (src/report); the figures come
 * from src/analytics, which never sees flags or the environment.
 */
import { EXIT_INVALID, EXIT_OK, UsageError } from '../../core/errors.js';
import { RANGE_NAMES } from '../../core/ranges.js';
import { systemTimeZone } from '../../core/time.js';
import { CHARGEBACK_VIEWS, DECLINE_VIEWS, DEFAULT_HORIZONS } from '../../analytics/index.js';
import { formatReport, type Format } from '../../report/grid.js';
import { loadPrograms } from '../../report/programs-file.js';
import { parseReportQuery, type ParsedReport, type ReportName } from '../../report/query.js';
import { runReport } from '../../report/run.js';
import type { Store } from '../../store/store.js';
import { enumFlag, parseFlags } from '../args.js';
import { connectionsOrExplain, openStore } from './connections-store.js';

export type ReportKind = 'summary' | 'series' | 'cohorts' | 'retention' | 'mids' | 'declines' | 'chargebacks' | 'rebills' | 'economics' | 'forecast';

const COMMON = `Options:
  --connection NAME     only this connection; repeat for more (default: every connection in the store)
  --currency CODE       the one currency the report is in, ISO 4217 (default: the base currency of the
                        connections reported); the others of the range are listed beside it, never added
  --from YYYY-MM-DD     first day (viewer's zone)
  --to YYYY-MM-DD       last day, inclusive (default: today in the viewer's zone)
  --range NAME          a named range ending --to (or today), instead of --from: ${RANGE_NAMES.join(', ')}
                        (last-12-months on 2026-12-05 is 2025-12-06..2026-12-05; docs/metrics.md)
  --tz ZONE             viewer time zone, IANA name (default: the system zone, ${systemTimeZone()})
  --group-by FIELD      connection, campaign, product, affiliate (affId), subaffiliate (sourceValue1),
                        mid (merchantId), coupon or cycle (billingCycle); an account's own values are
                        grouped per connection ("shop:1"), with their names
  --limit N             with --group-by: at most N groups (1-200, default 200), the first by customers
                        acquired, sales and declines; the others in one last row, "Other ... (up to M more)"
  --filter FIELD:VALUE  keep only rows whose FIELD equals VALUE (FIELD=VALUE works too): an id (of every
                        connection), CONNECTION:ID, or a name (campaign, product, MID, coupon: every
                        id of that name); repeat for more (same FIELD: any of)
  --format FMT          table (default), json (docs/api.md, "Reports", gives its shapes) or csv
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)
`;

const EXIT_CODES = `Exit codes: 0 printed; 2 usage or environment: a flag or value the report cannot take, an unknown
connection or name, no store, or a store with no connection yet (each said on one line, with a hint).
`;

const HELP: Record<ReportKind, string> = {
  summary: `Usage: konduit report summary [--from DATE] [--to DATE] [--tz ZONE] [--basis event|crm] [options]

Gross revenue, refunds & chargebacks (refunds, voids and chargebacks together, each on its own date),
chargebacks alone, net revenue, orders, new customers, AOV, approval rates, the refund & chargeback
rate and the chargeback rate for a range, next to the previous range of the same length ("no change"
when a figure is the same). Default range: the last 30 days ending --to.
--basis crm books refunds and chargebacks on the original sale's date in the account's time zone, to
reconcile with Konnektive's Transaction Summary (docs/metrics.md explains the difference).

${COMMON}  --basis event|crm     event (default) or crm
  --margin              the margin basis beside revenue: product cost, fulfilment, fees, affiliate
                        payouts (commissions), margin and CPA (docs/economics.md); with --basis crm and
                        --group-by cycle it reproduces the CRM retention report's Net and CPA

Examples:
  konduit report summary --from 2025-01-01 --to 2025-01-31 --tz America/Los_Angeles
  konduit report summary --margin --basis crm --group-by cycle
  konduit report summary --connection shop --basis crm --format json
  konduit report summary --currency MXN --group-by campaign --filter "product:Glow Serum 30ml"
`,
  series: `Usage: konduit report series [--by day|week|month] [--from DATE] [--to DATE] [options]

The summary's figures per day, ISO week (Monday) or month of the viewer's zone. Default range: the
last 30 days ending --to.

${COMMON}  --by day|week|month   period (default day)
  --basis event|crm     event (default) or crm
  --margin              the margin basis's figures beside revenue's (docs/economics.md)

Examples:
  konduit report series --by week --from 2025-01-01 --to 2025-03-31 --group-by campaign
`,
  cohorts: `Usage: konduit report cohorts [--by day|week|month] [--horizons 1,7,30] [--triangle] [options]

Cohorts of customers by the period of their first sale (viewer's zone), with cumulative net LTV per
customer at horizons in days after each customer's first sale. A cell whose horizon has not passed for
every member by the data's as-of (the CRM's "now" at the last sync) is incomplete: "~" in tables,
"complete": false in JSON. Customers acquired before the synced history join no cohort. --triangle
shows monthly cohorts by calendar months since acquisition instead. Default range: the calendar months
from the first of the month 11 months before --to's month, to --to (12 cohort months).

${COMMON}  --by day|week|month   cohort period (default month)
  --horizons LIST       comma-separated days (default ${DEFAULT_HORIZONS.join(',')})
  --triangle            the monthly triangle
  --as-of YYYY-MM-DD    judge completeness at the start of this day (default and latest: the data's as-of)
  --margin              margin LTV: revenue less the costs of the margin ledger (docs/economics.md)

Examples:
  konduit report cohorts --by week --horizons 7,30,90 --format json
  konduit report cohorts --margin --group-by affiliate
  konduit report cohorts --triangle --group-by affiliate
`,
  retention: `Usage: konduit report retention [--from DATE] [--to DATE] [--group-by FIELD [--subgroup-by FIELD]] [options]

Subscriptions started in the range (cycle 1 sale), and per billing cycle: due (billed, or its bill
date passed by the data's as-of), approvals, declined (soft: recyclable, of which still recycling;
hard), pending (not yet due), recycle-saved (approved after a decline, by the retry that approved) and
the save rate, retention (approvals / due), rebill rate (approvals / the previous cycle's approvals
among the due), cancellations, and the refunds and chargebacks of each cycle's charge. A table then
lists the rebill attempts by retry number: what the first attempt and each retry approve, and how many
days after the attempt before it each retry came. A cycle with pending subscriptions is not final:
"~" in tables, "complete": false in JSON. Default range: the calendar months from the first of the
month 11 months before --to's month, to --to.

${COMMON}  --subgroup-by FIELD   a second breakdown inside each group, e.g. --group-by affiliate
                        --subgroup-by subaffiliate (the CRM's source report)
  --as-of YYYY-MM-DD    judge what is due at the start of this day (default and latest: the data's as-of)

Examples:
  konduit report retention --from 2025-01-01 --to 2025-03-31 --group-by campaign
  konduit report retention --group-by affiliate --subgroup-by subaffiliate --format csv
`,
  mids: `Usage: konduit report mids [--from DATE] [--to DATE] [--alerts] [options]

MID health by the card networks' programs, per MID per month of the account's time zone (the networks
count by processing date), split by card network: Visa's VAMP ratio (disputes / the month's settled
Visa sales; fraud reports are not in the CRM's data) and Mastercard's Excessive Chargeback Program
(chargebacks / the previous month's Mastercard sales: CMM, ECM, HECM). A label is given only when the
ratio AND the count reach the program's thresholds. The month of the data's last sync is projected to its
end ("~"). Counts are of every currency; amounts are in --currency. Default range: the calendar months
from the first of the month 11 months before --to's month, to --to. The programs' parameters can be replaced by a YAML file named in KONDUIT_PROGRAMS.

--alerts lists the months whose MID alert rule fires (rules: konduit mids alerts) and exits 1 when one
does, for cron. Its default range is the month before --to's and --to's.

${COMMON.replace(/  --group-by FIELD[\s\S]*?with their names\n/, '')}  --alerts              list the alerts that fire; exit 1 when one does

Examples:
  konduit report mids --from 2025-01-01 --to 2025-06-30 --format csv
  konduit report mids --alerts || mail -s "MID alert" ops@example.com
`,
  declines: `Usage: konduit report declines [--by ${DECLINE_VIEWS.join('|')}] [--from DATE] [--to DATE] [options]

Sale attempts of the range (viewer's zone) and their decline rate, with the top reasons (the
processor's response text) by MID, BIN (first 6 digits), card network or billing cycle; --by reason
lists the reasons, --by retry the rebill attempts by retry number (recycle billing) with their approval
rate, --by days the saves by days after their rebill's first decline. Default range: the 30 days
ending --to.

${COMMON.replace(/  --group-by FIELD[\s\S]*?with their names\n/, '')}  --by VIEW             ${DECLINE_VIEWS.join(', ')} (default mid): the rows printed

Examples:
  konduit report declines --by reason --from 2025-06-01 --to 2025-06-30
  konduit report declines --by retry --format csv
`,
  chargebacks: `Usage: konduit report chargebacks [--by ${CHARGEBACK_VIEWS.join('|')}] [--from DATE] [--to DATE] [options]

Chargebacks of the range (each on its own date, viewer's zone) by reason code (its network, and
whether that network files it as fraud), by MID (with its sales and chargeback rate), by days from the
sale to the chargeback, or by the month of the sale; beside each, the refunds and voids of the same
sales. Default range: the 12 months ending --to.

${COMMON.replace(/  --group-by FIELD[\s\S]*?with their names\n/, '')}  --by VIEW             ${CHARGEBACK_VIEWS.join(', ')} (default reason): the rows printed

Examples:
  konduit report chargebacks --by mid --from 2025-01-01 --to 2025-06-30
  konduit report chargebacks --by days --format json
`,
  rebills: `Usage: konduit report rebills [--windows 7,30,60,90] [--as-of DATE] [--connection NAME] [--currency CODE] [--format FMT]

The live subscriptions (active, trial, in recycle billing) whose next bill date falls in the next 7, 30,
60 and 90 days from the data's as-of (account time): count, list price, and the revenue they should
bring at the approval observed per billing cycle in the synced history (first-attempt approval plus
soft declines times the recycle save rate; a subscription already in recycle billing at the save rate).
Each line says the rate it used and where it comes from (the cycle's own, or every rebill cycle's when
the cycle has too few attempts). Then the rates observed per cycle, and the overdue subscriptions.
--format json also lists the calendar by day and the subscriptions due in the first window.

Options:
  --windows LIST        window lengths in days, ascending (default 7,30,60,90)
  --connection NAME     only this connection; repeat for more (default: every connection in the store)
  --currency CODE       the subscriptions in this currency (default: the connections' base currency)
  --as-of YYYY-MM-DD    start the windows on this day (default and latest: the data's as-of; the
                        subscriptions are as last synced)
  --tz ZONE             the zone of --as-of (default the system's); windows are in the account's days
  --format FMT          table (default), json or csv
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)

Examples:
  konduit report rebills
  konduit report rebills --windows 14,45 --format json
`,
  economics: `Usage: konduit report economics [--source KIND] [--by week|month] [--from DATE] [--to DATE] [options]

Acquisition economics per source of customers and cohort (docs/economics.md): new customers, ad spend
recorded against the source (konduit costs import), CAC = spend / new customers, margin LTV at each
horizon (revenue less product cost, fulfilment, fees and payouts, per customer), LTV:CAC, the payback
day (the first horizon where margin LTV reaches CAC) and ROAS at 7, 30 and 90 days. Sources are ranked
by payback; each is followed by its cohorts. A horizon not yet passed for every customer by the data's
as-of is marked "~"; where it is projected from the observed curve of older cohorts, "*". Customers
acquired before the synced history join no cohort. Default range: the 12 months ending --to.

Options:
  --source KIND         campaign, affiliate (default), subaffiliate or utm: where each customer's
                        source is read (their first sale's; a UTM source from their first order)
  --by day|week|month   cohort period (default month)
  --horizons LIST       comma-separated days (default ${DEFAULT_HORIZONS.join(',')})
  --as-of YYYY-MM-DD    judge completeness at the start of this day (default and latest: the data's as-of)
  --connection NAME     only this connection; repeat for more (default: every connection in the store)
  --currency CODE       the one currency the report is in (default: the connections' base currency)
  --from YYYY-MM-DD     first day (viewer's zone)
  --to YYYY-MM-DD       last day, inclusive (default: today in the viewer's zone)
  --range NAME          a named range ending --to (or today), instead of --from: ${RANGE_NAMES.join(', ')}
  --tz ZONE             viewer time zone, IANA name (default: the system zone, ${systemTimeZone()})
  --format FMT          table (default), json (docs/api.md, "Reports", gives its shape) or csv
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)

Examples:
  konduit report economics --source affiliate --from 2025-01-01 --to 2025-12-31
  konduit report economics --source utm --by week --horizons 7,30,60,90 --format json
`,
  forecast: `Usage: konduit report forecast [--from DATE] [--to DATE] [--backtest DATE] [options]

Projects retention and LTV (docs/forecasts.md). Per group (or the whole store), fits the shifted-beta-
geometric (sBG) retention model by maximum likelihood on the subscriptions started in the range, by
billing cycle, every monthly cohort pooled (a cycle not yet due at the data's as-of is right-censored,
not churn): alpha, beta, log-likelihood, survival per cycle observed and fitted with its 95% profile-
likelihood interval, expected paid cycles. Per monthly cohort: LTV per customer at 6, 12 and 24 months
= observed net LTV so far + the expected net revenue of its live subscriptions' future rebills (survival
x the group's observed net per paid rebill), with its interval, in the report currency. The customers
who never subscribed (one-time buyers) get BG/NBD on their repeat purchases and Gamma-Gamma on their
amounts: parameters, log-likelihoods, and per cohort the net value per customer at 6, 12 and 24 months
with a 95% seeded bootstrap prediction interval; each group says which model covers whom. Projected values
end with "*" in tables, have "projected": true in JSON and a Projected column in CSV. Default range:
the calendar months from the first of the month 11 months before --to's month, to --to.

${COMMON.replace(/ mid \(merchantId\), coupon or cycle \(billingCycle\)/, ' mid (merchantId) or coupon')}  --as-of YYYY-MM-DD    read the data as of the start of this day (default and latest: the data's as-of)
  --backtest YYYY-MM-DD fit on the data before this day (cohorts acquired before it) and compare each
                        cohort's projection with what the data show since: error per cohort and horizon

Examples:
  konduit report forecast --from 2025-01-01 --to 2025-12-31
  konduit report forecast --group-by campaign --format json
  konduit report forecast --from 2025-01-01 --backtest 2025-10-01
`,
};

/** Builds the command module ({ help, run }, as commands.ts expects) of one report. */
export function reportCommand(kind: ReportKind): { help: string; run(argv: string[]): Promise<number> } {
  // --alerts is a check for cron: an alert that fires is exit code 1.
  const codes = kind === 'mids' ? EXIT_CODES.replace('Exit codes: 0 printed; ', 'Exit codes: 0 printed; 1 with --alerts, an alert rule fires; ') : EXIT_CODES;
  const help = HELP[kind].replace(/\nExamples?:/, `  -h, --help            this help\n\n${codes}$&`);
  return { help, run: (argv) => runReportCommand(kind, argv) };
}

async function runReportCommand(kind: ReportKind, argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    connection: { type: 'string', multiple: true },
    from: { type: 'string' },
    to: { type: 'string' },
    tz: { type: 'string' },
    by: { type: 'string' },
    horizons: { type: 'string' },
    triangle: { type: 'boolean' },
    'as-of': { type: 'string' },
    alerts: { type: 'boolean' },
    backtest: { type: 'string' },
    windows: { type: 'string' },
    'group-by': { type: 'string' },
    'subgroup-by': { type: 'string' },
    filter: { type: 'string', multiple: true },
    basis: { type: 'string' },
    currency: { type: 'string' },
    range: { type: 'string' },
    margin: { type: 'boolean' },
    source: { type: 'string' },
    format: { type: 'string' },
    db: { type: 'string' },
  });
  const format = enumFlag<Format>('format', values.format, ['table', 'json', 'csv'], 'table');
  const name: ReportName = kind === 'cohorts' && values.triangle ? 'triangle' : kind;
  if (values.triangle && kind !== 'cohorts') throw new UsageError(`--triangle applies to konduit report cohorts only`, `See konduit report ${kind} --help.`);
  if (values.alerts && kind !== 'mids') throw new UsageError(`--alerts applies to konduit report mids only`, `See konduit report ${kind} --help.`);
  // The flags are the API's query parameters under their CLI spelling: one parser checks both.
  const params = {
    from: values.from, to: values.to, tz: values.tz, by: values.by, horizons: values.horizons, asOf: values['as-of'], alerts: values.alerts ? 'true' : undefined, backtest: values.backtest,
    groupBy: values['group-by'], subgroupBy: values['subgroup-by'], filter: values.filter, basis: values.basis, connection: values.connection, currency: values.currency, range: values.range, windows: values.windows,
    margin: values.margin ? 'true' : undefined, source: values.source,
  };
  // Flags are checked before the store is opened, so a typo costs no database connection.
  parseReportQuery(name, params, { surface: 'cli', connections: null, defaultTz: systemTimeZone() });
  const programs = name === 'mids' ? await loadPrograms(process.env.KONDUIT_PROGRAMS) : undefined;
  // A report reads a store that exists and holds a connection: otherwise it says which and what to run.
  const store = await openStore(values.db);
  try {
    const connections = await connectionsOrExplain(store, values.db);
    const parsed = parseReportQuery(name, params, { surface: 'cli', connections, defaultTz: systemTimeZone() });
    const report = await runReport(store, parsed, { programs });
    // A CSV has no room for notes: its warnings go to standard error.
    if (format === 'csv') for (const w of report.body.warnings) process.stderr.write(`warning: ${w.message}\n`);
    process.stdout.write(formatReport(report, format));
    // --alerts is for cron: a firing alert is a failed check.
    if (report.name === 'mids' && values.alerts && report.body.alerts.length > 0) return EXIT_INVALID;
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

/** Runs a checked report and prints it in `format`; exported for tests. */
export async function render(store: Store, parsed: ParsedReport, format: Format): Promise<string> {
  return formatReport(await runReport(store, parsed), format);
}
