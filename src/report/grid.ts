/**
 * Tables and CSV for `konduit report`, built from the JSON bodies of json.ts so that the three formats
 * show the same values: money as the JSON's decimal strings (in the report currency's minor units, the
 * currency named in the money columns' headers); rates as the JSON's fractions in CSV and as percentages
 * in tables; an incomplete LTV cell ends with "~" in tables and has a "complete" column in CSV. A grouped
 * row shows its connection, its id and its name. A table ends with a line naming the currency and the
 * other currencies of the range.
 */
import { csvText } from '../core/csv.js';
import { localMinute } from '../core/time.js';
import { DIMENSION_SPECS, RATE_FIGURES, type Dimension, type Figures } from '../analytics/index.js';
import { SOURCE_DIMENSION, type BacktestCellJson, type ChargebackCountsJson, type CoverageJson, type CurrencyJson, type EconomicsCellJson, type EconomicsRowJson, type GroupJson, type MarginJson, type Rate, type ReportJson, type RetentionRowJson } from './json.js';
import type { RenderedReport } from './run.js';

export type Format = 'table' | 'json' | 'csv';

/** A rectangular report: header and string cells. */
export interface Grid {
  columns: string[];
  rows: string[][];
}

/** Prints a grid as a space-aligned text table (numbers right-aligned). */
export function gridToTable(g: Grid): string {
  const widths = g.columns.map((c, i) => Math.max(c.length, ...g.rows.map((r) => (r[i] ?? '').length)));
  const numeric = g.columns.map((_, i) => g.rows.length > 0 && g.rows.every((r) => /^[-+]?[\d.,%~]*$|^-$/.test(r[i] ?? '')));
  const line = (cells: string[]) => cells.map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(g.columns), line(widths.map((w) => '-'.repeat(w))), ...g.rows.map(line)].join('\n') + '\n';
}

/** Prints a grid as RFC 4180 CSV, text cells neutralised against formula injection (core/csv.ts). */
export function gridToCsv(g: Grid): string {
  return csvText([g.columns, ...g.rows]);
}

/** The figures shown by summary and series tables, in order, with their headers. */
export const SHOWN = [
  'grossRevenue', 'refunds', 'chargebacks', 'netRevenue', 'orders', 'newCustomers', 'earlierCustomers', 'aov',
  'initialApprovalRate', 'rebillApprovalRate', 'refundRate', 'chargebackRate',
] as const satisfies readonly (keyof Figures)[];
// `refunds` holds refunds, voids and chargebacks (docs/metrics.md), so its label says so; chargebacks are
// also shown alone.
const LABELS: Record<(typeof SHOWN)[number], string> = {
  grossRevenue: 'Gross revenue', refunds: 'Refunds & chargebacks', chargebacks: 'Chargebacks', netRevenue: 'Net revenue', orders: 'Orders', newCustomers: 'New customers', earlierCustomers: 'Acquired earlier', aov: 'AOV',
  initialApprovalRate: 'Initial approval', rebillApprovalRate: 'Rebill approval', refundRate: 'Refund & chargeback rate', chargebackRate: 'Chargeback rate',
};
const MONEY: ReadonlySet<keyof Figures> = new Set(['grossRevenue', 'refunds', 'chargebacks', 'netRevenue', 'aov']);

/** A figure's header: its label, money with its currency ("Gross revenue (USD)"). */
const label = (k: (typeof SHOWN)[number], currency: string) => (MONEY.has(k) ? `${LABELS[k]} (${currency})` : LABELS[k]);

const pct = (r: Rate): string => (r === null ? '-' : `${(r * 100).toFixed(2)}%`);

/** A rate cell: the fraction in CSV, a percentage in tables. */
function rateCell(r: Rate, format: Format): string {
  return format === 'csv' ? String(r ?? '') : pct(r);
}

/** A figure's cell: the JSON value, a rate as a percentage in tables; no value is "-" (table) or empty (CSV). */
function figureCell(k: keyof Figures, v: string | number | null, format: Format): string {
  if (RATE_FIGURES.has(k)) return rateCell(v as Rate, format);
  return v === null ? (format === 'csv' ? '' : '-') : String(v);
}

/** An LTV cell: "~" marks an incomplete one in tables (CSV has a column for completeness). */
const ltvCell = (c: { value: string; complete: boolean } | undefined, format: Format): string => (c ? `${c.value}${format !== 'csv' && !c.complete ? '~' : ''}` : '');

/**
 * The group's columns, present only when the report is grouped: the connection (for an account's own
 * values), the value, and its name when it has one of its own.
 */
function groupCols(groupBy: Dimension | null): string[] {
  if (!groupBy) return [];
  const spec = DIMENSION_SPECS[groupBy];
  if (!spec.scoped) return [spec.label];
  return ['Connection', spec.label, ...(spec.named ? [`${spec.label} name`] : [])];
}
function groupCells(groupBy: Dimension | null, g: GroupJson): string[] {
  if (!groupBy) return [];
  // The row pooling a capped breakdown's other values: its name in the value's column.
  if (g.rest !== undefined) return DIMENSION_SPECS[groupBy].scoped ? ['', g.name ?? '', ...(DIMENSION_SPECS[groupBy].named ? [''] : [])] : [g.name ?? ''];
  if (!DIMENSION_SPECS[groupBy].scoped) return [g.group ?? ''];
  return [g.connection ?? '', g.id ?? '(none)', ...(DIMENSION_SPECS[groupBy].named ? [g.name ?? ''] : [])];
}

/** A change of nothing: 0, "0.00" (money), a rate's 0. */
const isZero = (c: string | number | null): boolean => c !== null && Number(c) === 0;

/** The margin basis's figures shown by summary and series tables (docs/economics.md), with their headers. */
export const MARGIN_SHOWN = [
  'productCosts', 'fulfilment', 'transactionFees', 'rateFees', 'expenses', 'commissions', 'crmNet', 'refundFees', 'chargebackFees', 'totalCosts', 'margin', 'marginRate', 'approvals', 'cpa',
] as const satisfies readonly (keyof MarginJson)[];
const MARGIN_LABELS: Record<(typeof MARGIN_SHOWN)[number], string> = {
  productCosts: 'Product cost', fulfilment: 'Fulfilment', transactionFees: 'Transaction fees', rateFees: 'Discount-rate fees', expenses: 'Expenses', refundFees: 'Refund fees',
  chargebackFees: 'Chargeback fees', commissions: 'Commissions', crmNet: 'CRM Net', totalCosts: 'Total costs', margin: 'Margin', marginRate: 'Margin rate', approvals: 'Approvals', cpa: 'CPA',
};
const marginLabel = (k: (typeof MARGIN_SHOWN)[number], currency: string) => (k === 'marginRate' || k === 'approvals' ? MARGIN_LABELS[k] : `${MARGIN_LABELS[k]} (${currency})`);
const marginCell = (k: (typeof MARGIN_SHOWN)[number], v: string | number | null, format: Format) => (k === 'marginRate' ? rateCell(v as Rate, format) : v === null ? (format === 'csv' ? '' : '-') : String(v));

/**
 * Summary: one row per figure (current, previous, change), or one row per group; the margin basis's figures
 * after revenue's. In tables a figure that did not change reads "no change", with no percentage (0% of
 * nothing means nothing); CSV keeps the numbers.
 */
export function summaryGrid(r: ReportJson['summary'], format: Format): Grid {
  if (!r.groupBy) {
    const f = r.total;
    const same = (k: keyof Figures) => format !== 'csv' && isZero(f[k].change);
    const change = (k: keyof Figures) => {
      const c = f[k].change;
      if (same(k)) return 'no change';
      if (RATE_FIGURES.has(k) && format !== 'csv') return c === null ? '-' : `${((c as number) * 100).toFixed(2)}pp`;
      return figureCell(k, c, format);
    };
    const m = r.margin;
    const marginRows = m
      ? MARGIN_SHOWN.map((k) => {
          const c = m[k].change;
          const ch = k === 'marginRate' && format !== 'csv' ? (c === null ? '-' : `${((c as number) * 100).toFixed(2)}pp`) : marginCell(k, c, format);
          return [marginLabel(k, r.currency), marginCell(k, m[k].current, format), marginCell(k, m[k].previous, format), ch, rateCell(m[k].changeRatio, format)];
        })
      : [];
    return {
      columns: ['Figure', `${r.from}..${r.to}`, `${r.previousFrom}..${r.previousTo}`, 'Change', 'Change %'],
      rows: [...SHOWN.map((k) => [label(k, r.currency), figureCell(k, f[k].current, format), figureCell(k, f[k].previous, format), change(k), same(k) ? '' : rateCell(f[k].changeRatio, format)]), ...marginRows],
    };
  }
  const margin = r.margin !== null;
  return {
    columns: [...groupCols(r.groupBy), ...SHOWN.map((k) => label(k, r.currency)), ...(margin ? MARGIN_SHOWN.map((k) => marginLabel(k, r.currency)) : [])],
    rows: r.groups.map((g) => [
      ...groupCells(r.groupBy, g), ...SHOWN.map((k) => figureCell(k, g.figures[k].current, format)),
      ...(margin ? MARGIN_SHOWN.map((k) => marginCell(k, g.margin?.[k].current ?? null, format)) : []),
    ]),
  };
}

/** Series: one row per period (and group); the margin basis's figures after revenue's. */
export function seriesGrid(r: ReportJson['series'], format: Format): Grid {
  const margin = r.points.some((p) => p.margin !== null);
  return {
    columns: ['Period', ...groupCols(r.groupBy), ...SHOWN.map((k) => label(k, r.currency)), ...(margin ? MARGIN_SHOWN.map((k) => marginLabel(k, r.currency)) : [])],
    rows: r.points.map((p) => [
      p.period, ...groupCells(r.groupBy, p), ...SHOWN.map((k) => figureCell(k, p[k], format)),
      ...(margin ? MARGIN_SHOWN.map((k) => marginCell(k, p.margin?.[k] ?? null, format)) : []),
    ]),
  };
}

/** Cohorts: one row per cohort (and group), a column per horizon (margin LTV on the margin basis). */
export function cohortsGrid(r: ReportJson['cohorts'], format: Format): Grid {
  const ltv = r.margin ? 'Margin LTV' : 'LTV';
  return {
    columns: [
      'Cohort', ...groupCols(r.groupBy), 'Customers', ...r.horizons.map((h) => `${ltv} ${h}d (${r.currency})`),
      ...(format === 'csv' ? r.horizons.map((h) => `${ltv} ${h}d complete`) : []), `${r.margin ? 'Margin' : 'Net'} to date (${r.currency})`,
    ],
    rows: r.cohorts.map((c) => [
      c.cohort, ...groupCells(r.groupBy, c), String(c.customers),
      ...r.horizons.map((h) => ltvCell(c.ltv[String(h)], format)),
      ...(format === 'csv' ? r.horizons.map((h) => String(c.ltv[String(h)]?.complete ?? false)) : []),
      c.netToDate,
    ]),
  };
}

/** The monthly triangle: a column per month since acquisition (Month 0, Month 1, ...). */
export function triangleGrid(r: ReportJson['triangle'], format: Format): Grid {
  const width = Math.max(0, ...r.rows.map((row) => row.months.length));
  const months = Array.from({ length: width }, (_, k) => k);
  return {
    columns: ['Cohort', ...groupCols(r.groupBy), 'Customers', ...months.map((k) => `Month ${k} (${r.currency})`)],
    rows: r.rows.map((row) => [row.cohort, ...groupCells(r.groupBy, row), String(row.customers), ...months.map((k) => ltvCell(row.months[k], format))]),
  };
}

/** "1:12 2:5": the subscriptions saved at a cycle by each retry. */
const savesCell = (saves: { retry: number; count: number }[]) => saves.map((x) => `${x.retry}:${x.count}`).join(' ');

/**
 * Retention: one row per (group, subgroup and) cycle. A cycle with subscriptions not yet due is not
 * final: its retention and rebill rate end with "~" in tables; CSV has a column for completeness. With a
 * subgroup breakdown, a group's own rows come first ("(all)" in the subgroup's columns), then its
 * subgroups'.
 */
export function retentionGrid(r: ReportJson['retention'], format: Format): Grid {
  const mark = (v: string, complete: boolean) => (format !== 'csv' && !complete && v !== '-' ? `${v}~` : v);
  const sub = r.subgroupBy;
  const all: GroupJson = { group: '(all)', connection: '(all)', id: '(all)', name: '' };
  const rowsOf = (row: RetentionRowJson, subgroup: GroupJson | null) =>
    row.cycles.map((c) => [
      ...groupCells(r.groupBy, row), ...(sub ? groupCells(sub, subgroup ?? all) : []),
      String(c.cycle), String(row.initialPurchases), String(c.due), String(c.approvals), String(c.declined), String(c.softDeclined), String(c.hardDeclined), String(c.recycling), String(c.pending),
      String(c.recycleSaved), savesCell(c.recycleSaves), rateCell(c.recycleSaveRate, format),
      mark(rateCell(c.retention, format), c.complete), mark(rateCell(c.rebillRate, format), c.complete), String(c.cancellations),
      String(c.refunds), c.refundAmount, String(c.chargebacks), c.chargebackAmount,
      ...(format === 'csv' ? [String(c.complete)] : []),
    ]);
  return {
    columns: [
      ...groupCols(r.groupBy), ...(sub ? groupCols(sub).map((c) => (c === 'Connection' ? 'Subgroup connection' : c)) : []),
      'Cycle', 'Initial subscriptions', 'Due', 'Approvals', 'Declined', 'Soft declined', 'Hard declined', 'Recycling', 'Pending', 'Recycle saved', 'Saves by retry', 'Save rate',
      'Retention', 'Rebill rate', 'Cancellations', 'Refunds', `Refunded (${r.currency})`, 'Chargebacks', `Charged back (${r.currency})`,
      ...(format === 'csv' ? ['Complete'] : []),
    ],
    rows: r.rows.flatMap((row) => [...rowsOf(row, null), ...(row.subgroups ?? []).flatMap((x) => rowsOf({ ...x, group: row.group, connection: row.connection, id: row.id, name: row.name, rest: row.rest }, x))]),
  };
}

/** Rebill attempts (cycles 2 and later) by retry number, per group: what each retry approves and when it comes. */
export function retentionRetryGrid(r: ReportJson['retention'], format: Format): Grid {
  return {
    columns: [...groupCols(r.groupBy), 'Retry', 'Attempts', 'Approved', 'Soft declined', 'Hard declined', 'Approval rate', 'Days after previous'],
    rows: r.rows.flatMap((row) =>
      row.rebillAttempts.map((a) => [
        ...groupCells(r.groupBy, row), a.retry === 0 ? (format === 'csv' ? '0' : '0 (first)') : String(a.retry), String(a.attempts), String(a.approved), String(a.softDeclined), String(a.hardDeclined),
        rateCell(a.approvalRate, format), a.daysAfterPrevious === null ? (format === 'csv' ? '' : '-') : String(a.daysAfterPrevious),
      ]),
    ),
  };
}

/**
 * Rebills ahead: per window, one row per cycle billed (fresh bills and recycle retries apart) with the
 * rate that values it and where that rate comes from, then the window's total ("all").
 */
export function rebillsGrid(r: ReportJson['rebills'], format: Format): Grid {
  const source = (s: string) => (s === 'cycle' ? 'this cycle' : s === 'rebills' ? 'all rebills' : 'none');
  return {
    columns: ['Window (days)', 'From', 'To', 'Cycle', 'Recycling', 'Subscriptions', `List price (${r.currency})`, 'Rate', 'Rate from', `Expected revenue (${r.currency})`],
    rows: r.windows.flatMap((w) => [
      ...w.lines.map((l) => [String(w.days), w.from, w.to, String(l.cycle), l.recycling ? 'yes' : 'no', String(l.subscriptions), l.listPrice, rateCell(l.rate, format), source(l.rateSource), l.expectedRevenue ?? (format === 'csv' ? '' : '-')]),
      [String(w.days), w.from, w.to, 'all', '', String(w.subscriptions), w.listPrice, '', '', w.expectedRevenue],
    ]),
  };
}

/** The approval observed per rebill cycle that rebills ahead values bills at. */
export function rebillRatesGrid(r: ReportJson['rebills'], format: Format): Grid {
  return {
    columns: ['Cycle', 'First attempts', 'Approved first', 'Soft first', 'Saved', 'Not saved', 'First-attempt rate', 'Soft-decline rate', 'Save rate', 'Expected rate'],
    rows: r.rates.map((x) => [
      x.cycle === null ? 'all' : String(x.cycle), String(x.firstAttempts), String(x.firstApproved), String(x.softFirst), String(x.saved), String(x.lost),
      rateCell(x.firstAttemptRate, format), rateCell(x.softDeclineRate, format), rateCell(x.saveRate, format), rateCell(x.expectedRate, format),
    ]),
  };
}

const pctText = (r: number) => `${(r * 100).toFixed(2).replace(/\.?0+$/, '')}%`;

/** A projected month: "~" after the month in tables; CSV has a column for it. */
const monthCell = (m: { month: string; projected: boolean }, format: Format) => `${m.month}${format !== 'csv' && m.projected ? '~' : ''}`;

/** A MID's alert rule in words: "visa >= 0.9%, 10+" (and whether it fires, in tables). */
function alertCell(a: ReportJson['mids']['rows'][number]['alert'], format: Format): string {
  if (!a) return '';
  const rule = `${a.metric} >= ${pctText(a.threshold)}${a.minCount > 0 ? `, ${a.minCount}+` : ''}`;
  return format === 'csv' ? rule : `${a.firing ? 'FIRING ' : ''}${rule}`;
}

/** MID health: one row per MID per month (or, for `alerts`, per month whose alert fires). */
export function midsGrid(r: ReportJson['mids'], format: Format): Grid {
  if (r.view === 'alerts') {
    return {
      columns: ['Connection', 'MID', 'MID name', 'Month', ...(format === 'csv' ? ['Projected'] : []), 'Rule', 'VAMP ratio', 'Visa disputes', 'Mastercard ratio', 'Mastercard chargebacks'],
      rows: r.alerts.map((m) => [
        m.connection, m.mid, m.name ?? '', monthCell(m, format), ...(format === 'csv' ? [String(m.projected)] : []), alertCell(m.alert, 'csv'),
        rateCell(m.visa.ratio, format), String(m.visa.count), rateCell(m.mastercard.ratio, format), String(m.mastercard.chargebacks),
      ]),
    };
  }
  return {
    columns: [
      'Connection', 'MID', 'MID name', 'Month', ...(format === 'csv' ? ['Projected'] : []), 'Sales', 'Chargebacks', `Chargeback amount (${r.currency})`, 'Ratio',
      'Visa sales', 'Visa disputes', 'VAMP ratio', 'VAMP', 'Mastercard previous month\'s sales', 'Mastercard chargebacks', 'Mastercard ratio', 'Mastercard', 'Alert',
    ],
    rows: r.rows.map((m) => [
      m.connection, m.mid, m.name ?? '', monthCell(m, format), ...(format === 'csv' ? [String(m.projected)] : []), String(m.sales), String(m.chargebacks), m.chargebackAmount, rateCell(m.ratio, format),
      String(m.visa.sales), String(m.visa.disputes), rateCell(m.visa.ratio, format), m.visa.status, String(m.mastercard.previousMonthSales), String(m.mastercard.chargebacks), rateCell(m.mastercard.ratio, format), m.mastercard.status,
      alertCell(m.alert, format),
    ]),
  };
}

/** The lines under a MID health table: what the labels mean, with the parameters used. */
export function programsNote(r: ReportJson['mids']): string {
  const mc = r.programs.mastercard.levels.map((l) => `${l.name} at ${pctText(l.ratio)} and ${l.minCount}+ chargebacks${l.consecutiveMonths > 1 ? ` in ${l.consecutiveMonths} consecutive months` : ''}`).join('; ');
  const visa = r.programs.visa.merchant.map((t) => `from ${t.from}${t.regions === '*' ? '' : ` (${t.regions.join(', ')})`} ${pctText(t.ratio)} and ${t.minCount}+`).join('; ');
  return [
    `Mastercard (chargebacks / the previous month's sales): ${mc}.`,
    `Visa VAMP (disputes / settled sales; fraud reports are not in the CRM's data): excessive ${visa}; region ${r.programs.visa.region}.`,
    'Months are the accounts\' (the networks count by processing date); a month ending in ~ is projected to its end from the data so far.',
  ].map((l) => `${l}\n`).join('');
}

const reasonsCell = (list: { reason: string | null; share: Rate }[]) => list.map((x) => `${x.reason ?? '(none)'} ${pct(x.share)}`).join('; ');

/** Declines: the rows of the report's view (`by`). */
export function declinesGrid(r: ReportJson['declines'], format: Format): Grid {
  const counts = (x: { attempts: number; approvals: number; declines: number; declineRate: Rate }) => [String(x.attempts), String(x.approvals), String(x.declines), rateCell(x.declineRate, format)];
  const countCols = ['Attempts', 'Approvals', 'Declines', 'Decline rate'];
  switch (r.by) {
    case 'reason':
      return { columns: ['Reason', 'Declines', 'Share'], rows: r.reasons.map((x) => [x.reason ?? '(none)', String(x.declines), rateCell(x.share, format)]) };
    case 'retry':
      return { columns: ['Retry', 'Attempts', 'Approvals', 'Approval rate'], rows: r.recycle.byRetry.map((x) => [String(x.retry), String(x.attempts), String(x.approvals), rateCell(x.approvalRate, format)]) };
    case 'days':
      return { columns: ['Retry', 'Days after first decline', 'Saves'], rows: r.recycle.byDays.map((x) => [String(x.retry), String(x.days), String(x.saves)]) };
    case 'mid':
      return {
        columns: ['Connection', 'MID', 'MID name', ...countCols, 'Top reasons'],
        rows: r.rows.map((x) => [x.connection ?? '', x.value ?? '(none)', x.name ?? '', ...counts(x), reasonsCell(x.reasons)]),
      };
    default: {
      const label = r.by === 'bin' ? 'BIN' : r.by === 'brand' ? 'Card network' : 'Billing cycle';
      return { columns: [label, ...countCols, 'Top reasons'], rows: r.rows.map((x) => [x.value ?? '(none)', ...counts(x), reasonsCell(x.reasons)]) };
    }
  }
}

/** The line under a declines table: the range's totals and recycling. */
export function declinesNote(r: ReportJson['declines']): string {
  const t = r.total;
  const more = r.moreRows > 0 ? ` ${r.moreRows} more BINs with declines are not listed.` : '';
  return `${t.attempts} attempts, ${t.declines} declined (${pct(t.declineRate)}). Rebills: ${r.recycle.firstDeclines} first attempts declined, ${r.recycle.saves} saved by a retry (${pct(r.recycle.saveRate)}).${more}\n`;
}

/** Chargebacks: the rows of the report's view (`by`), each with the refunds of the same sales beside. */
export function chargebacksGrid(r: ReportJson['chargebacks'], format: Format): Grid {
  const cur = r.currency;
  const cols = ['Chargebacks', `Amount (${cur})`, 'Fraud', `Fraud amount (${cur})`, 'Also refunded', `Refunded (${cur})`];
  const cells = (x: ChargebackCountsJson) => [String(x.chargebacks), x.amount, String(x.fraud), x.fraudAmount, String(x.refunded), x.refundAmount];
  switch (r.by) {
    case 'mid':
      return {
        columns: ['Connection', 'MID', 'MID name', 'Sales', ...cols.slice(0, 1), 'Chargeback rate', ...cols.slice(1)],
        rows: r.byMid.map((x) => {
          const c = cells(x);
          return [x.connection, x.mid ?? '(none)', x.name ?? '', String(x.sales), c[0] ?? '', rateCell(x.chargebackRate, format), ...c.slice(1)];
        }),
      };
    case 'days':
      return { columns: ['Days from sale', ...cols], rows: r.byDays.map((x) => [x.from === null ? 'sale not in the data' : x.to === null ? `${x.from}+` : `${x.from}-${x.to}`, ...cells(x)]) };
    case 'cohort':
      return { columns: ['Sale month', ...cols], rows: r.byCohort.map((x) => [x.cohort ?? 'sale not in the data', ...cells(x)]) };
    default:
      return {
        columns: ['Reason code', 'Network', 'Fraud code', 'Description', ...cols.slice(0, 2), 'Share', ...cols.slice(2)],
        rows: r.byReason.map((x) => {
          const c = cells(x);
          return [x.reason ?? '(none)', x.network ?? '', x.isFraud === null ? '' : x.isFraud ? 'yes' : 'no', x.description ?? '', c[0] ?? '', c[1] ?? '', rateCell(x.share, format), ...c.slice(2)];
        }),
      };
  }
}

/** The line under a chargebacks table: the range's totals. */
export function chargebacksNote(r: ReportJson['chargebacks']): string {
  const t = r.total;
  return `${t.chargebacks} chargebacks (${t.amount} ${r.currency}), ${t.fraud} under fraud codes, of ${t.sales} sales (${pct(t.chargebackRate)}); ${t.refunded} of their sales were also refunded (${t.refundAmount}); ${t.reversals} chargebacks reversed in the range (${t.reversalAmount}); median ${t.medianDays ?? '-'} days from sale.\n`;
}

/** The line under a table: the currency of its amounts, and the other currencies of the range. */
export function currencyNote(r: CurrencyJson): string {
  const others = r.otherCurrencies.map((c) => `${c.currency} ${c.gross}`).join(', ');
  return `Amounts in ${r.currency}.${others ? ` The range also has sales in ${others} (gross; see --currency).` : ''}\n`;
}

/** The lines under a table about its data: what the data covers, and the warnings of the range. */
export function coverageNote(r: CoverageJson): string {
  const lines: string[] = [];
  if (r.coverage) {
    const each = r.coverage.connections.map((c) => `${c.connection} ${c.from} to ${c.asOf === null ? `${c.to} (backfill running)` : localMinute(Date.parse(c.asOf), c.timeZone)}`);
    lines.push(`Data: ${each.join('; ')} (account time).`);
  }
  for (const w of r.warnings) lines.push(`Warning: ${w.message}.`);
  return lines.map((l) => `${l}\n`).join('');
}

/** Prints a rendered report in a format: its JSON body, or its grid as a table or CSV. */
export function formatReport(r: RenderedReport, format: Format): string {
  if (format === 'json') return `${JSON.stringify(r.body, null, 2)}\n`;
  if (r.name === 'forecast') {
    if (format === 'csv') return gridToCsv(r.body.backtest ? backtestGrid(r.body, format) : forecastGrid(r.body, format));
    return `${forecastText(r.body)}\n${currencyNote(r.body)}${coverageNote(r.body)}`;
  }
  const grid = (() => {
    switch (r.name) {
      case 'summary': return summaryGrid(r.body, format);
      case 'series': return seriesGrid(r.body, format);
      case 'cohorts': return cohortsGrid(r.body, format);
      case 'triangle': return triangleGrid(r.body, format);
      case 'retention': return retentionGrid(r.body, format);
      case 'mids': return midsGrid(r.body, format);
      case 'declines': return declinesGrid(r.body, format);
      case 'chargebacks': return chargebacksGrid(r.body, format);
      case 'rebills': return rebillsGrid(r.body, format);
      case 'economics': return economicsGrid(r.body, format);
    }
  })();
  if (format === 'csv') return gridToCsv(grid);
  // Retention's table is followed by its rebill attempts by retry (in JSON they are rebillAttempts);
  // rebills ahead's by the rates it used and the overdue subscriptions; MID health, declines and
  // chargebacks by their notes (the programs' parameters, the totals).
  const more =
    r.name === 'retention' && r.body.rows.some((x) => x.rebillAttempts.length > 0) ? `\nRebill attempts by retry (cycles 2 and later):\n${gridToTable(retentionRetryGrid(r.body, format))}`
    : r.name === 'rebills' ? `\nApproval observed per cycle (every rebill cycle together: "all"):\n${gridToTable(rebillRatesGrid(r.body, format))}\nOverdue (next bill date passed, not billed): ${r.body.overdue.subscriptions} subscriptions, ${r.body.overdue.listPrice} ${r.body.currency} list price.\n`
    : r.name === 'economics' ? `\n${ECONOMICS_LEGEND}`
    : '';
  const own = r.name === 'mids' ? programsNote(r.body) : r.name === 'declines' ? declinesNote(r.body) : r.name === 'chargebacks' ? chargebacksNote(r.body) : '';
  const empty = r.name === 'mids' && r.body.view === 'alerts' && r.body.alerts.length === 0 ? 'No alert rule fires.\n' : '';
  return `${empty || gridToTable(grid)}${more}\n${own}${currencyNote(r.body)}${coverageNote(r.body)}`;
}

/** What the marks of the economics table mean. */
export const ECONOMICS_LEGEND = '~ not final: the horizon has not passed for every customer by the as-of. * projected from the observed curve of older cohorts.\n';

/** An economics LTV cell: "*" marks a projected one, "~" an incomplete observed one (tables); CSV has columns for both. */
function economicsCell(c: EconomicsCellJson | null | undefined, format: Format): string {
  if (!c) return format === 'csv' ? '' : '-';
  return `${c.value}${format === 'csv' ? '' : c.projected ? '*' : c.complete ? '' : '~'}`;
}

/** A ratio as "2.35x" in tables, the fraction in CSV. */
const times = (v: number | null, format: Format) => (v === null ? (format === 'csv' ? '' : '-') : format === 'csv' ? String(v) : `${v.toFixed(2)}x`);

/** The LTV:CAC of the longest horizon with a value. */
function lastLtvToCac(x: EconomicsRowJson, horizons: number[]): EconomicsCellJson | null {
  for (let i = horizons.length - 1; i >= 0; i--) {
    const c = x.ltv[String(horizons[i])];
    if (c) return c;
  }
  return null;
}

/** A row's payback: "30d" ("30d*" projected), "not by 180d" (the last horizon with a value; "never": no customer), "?" unknown, "-" without spend; CSV: the day, or empty. */
function paybackText(x: EconomicsRowJson, csv: boolean): string {
  if (x.payback) return `${x.payback.day}d${!csv && x.payback.projected ? '*' : ''}`;
  if (csv) return '';
  return x.paybackStatus === 'not_reached' ? (x.paybackThrough === null ? 'never' : `not by ${x.paybackThrough}d`) : x.paybackStatus === 'unknown' ? '?' : '-';
}

/**
 * Economics: per source in rank order, its row over the whole range ("all"), then a row per cohort: new
 * customers, spend, CAC, margin LTV per horizon, LTV:CAC at the longest horizon with a value, payback,
 * ROAS at 7, 30 and 90 days, margin to date. CSV adds each horizon's completeness, projection and LTV:CAC.
 */
export function economicsGrid(r: ReportJson['economics'], format: Format): Grid {
  const d = SOURCE_DIMENSION[r.source];
  const label = { campaign: 'Campaign', affiliate: 'Affiliate', subaffiliate: 'Sub-affiliate', utm: 'UTM source' }[r.source];
  const named = DIMENSION_SPECS[d].named;
  const cur = r.currency;
  const csv = format === 'csv';
  const columns = [
    'Rank', 'Connection', label, ...(named ? [`${label} name`] : []), 'Cohort', 'Customers', `Spend (${cur})`, `CAC (${cur})`,
    ...r.horizons.map((h) => `Margin LTV ${h}d (${cur})`),
    ...(csv ? r.horizons.flatMap((h) => [`Margin LTV ${h}d complete`, `Margin LTV ${h}d projected`, `LTV:CAC ${h}d`]) : ['LTV:CAC']),
    'Payback', ...(csv ? ['Payback projected', 'Payback status'] : []), ...r.roasHorizons.map((h) => `ROAS ${h}d`), ...(csv ? r.roasHorizons.map((h) => `ROAS ${h}d complete`) : []), `Margin to date (${cur})`,
  ];
  const line = (src: (typeof r.sources)[number], x: EconomicsRowJson): string[] => {
    const last = lastLtvToCac(x, r.horizons);
    return [
      String(src.rank), src.connection ?? '', src.id ?? '(none)', ...(named ? [src.name ?? ''] : []), x.cohort ?? 'all', String(x.customers), x.spend ?? (csv ? '' : '-'), x.cac ?? (csv ? '' : '-'),
      ...r.horizons.map((h) => economicsCell(x.ltv[String(h)], format)),
      ...(csv
        ? r.horizons.flatMap((h) => {
            const c = x.ltv[String(h)];
            return [c ? String(c.complete) : '', c ? String(c.projected) : '', c?.ltvToCac === null || !c ? '' : String(c.ltvToCac)];
          })
        : [last ? `${times(last.ltvToCac, format)}${last.ltvToCac !== null && last.projected ? '*' : ''}` : '-']),
      paybackText(x, csv), ...(csv ? [x.payback ? String(x.payback.projected) : '', x.paybackStatus] : []),
      ...r.roasHorizons.map((h) => {
        const c = x.roas[String(h)];
        const v = times(c?.value ?? null, format);
        return !csv && c && !c.complete && c.value !== null ? `${v}~` : v;
      }),
      ...(csv ? r.roasHorizons.map((h) => String(x.roas[String(h)]?.complete ?? false)) : []),
      x.marginToDate,
    ];
  };
  return { columns, rows: r.sources.flatMap((s) => [line(s, s.total), ...s.cohorts.map((c) => line(s, c))]) };
}

/** A projected value ends with "*" in tables (CSV has a column for it). */
const star = (v: string, projected: boolean) => (projected ? `${v}*` : v);
const num = (x: number, digits = 4) => x.toFixed(digits);
const span = (b: readonly [string | number, string | number] | null, f: (x: never) => string = String) => (b === null ? '-' : `${f(b[0] as never)}-${f(b[1] as never)}`);

/**
 * The forecast's CSV: one row per group, model, cohort and horizon, with the model's fit beside it. sBG
 * rows are the subscriptions' (every customer of the cohort, paid cycles); BG/NBD rows the one-time
 * buyers' (purchases, the first included; alpha is BG/NBD's, per day).
 */
export function forecastGrid(r: ReportJson['forecast'], format: Format): Grid {
  const value = (v: string | null, projected: boolean) => (v === null ? '' : format === 'csv' ? v : star(v, projected));
  return {
    columns: [
      ...groupCols(r.groupBy), 'Model', 'Cohort', 'Customers', 'Subscriptions', `Net to date (${r.currency})`, 'Horizon (months)', `Observed (${r.currency})`,
      `LTV (${r.currency})`, 'LTV low', 'LTV high', 'Projected', 'Complete', 'Paid cycles', 'Paid cycles low', 'Paid cycles high', 'Purchases', 'Purchases low', 'Purchases high',
      'alpha', 'beta', 'r', 'a', 'b', 'p', 'q', 'gamma', 'Log-likelihood',
    ],
    rows: r.groups.flatMap((g) => [
      ...g.cohorts.flatMap((c) => c.ltv.map((l) => [
        ...groupCells(r.groupBy, g), 'sBG', c.cohort, String(c.customers), String(c.subscriptions), c.netToDate, String(l.months), l.observed,
        value(l.value, l.projected), l.interval?.[0] ?? '', l.interval?.[1] ?? '', String(l.projected), String(l.complete),
        num(l.paidCycles), num(l.paidCyclesInterval[0]), num(l.paidCyclesInterval[1]), '', '', '',
        g.fit ? String(g.fit.alpha) : '', g.fit ? String(g.fit.beta) : '', '', '', '', '', '', '', g.fit ? String(g.fit.logLikelihood) : '',
      ])),
      ...(g.oneTime?.cohorts ?? []).flatMap((c) => c.ltv.map((l) => {
        const f = g.oneTime!.fit;
        return [
          ...groupCells(r.groupBy, g), 'BG/NBD + Gamma-Gamma', c.cohort, String(c.customers), '', c.netToDate, String(l.months), l.observed,
          value(l.value, l.projected), l.interval?.[0] ?? '', l.interval?.[1] ?? '', String(l.projected), String(l.complete),
          '', '', '', num(l.purchases), num(l.purchasesInterval[0]), num(l.purchasesInterval[1]),
          ...(f ? [f.bgnbd.alpha, '', f.bgnbd.r, f.bgnbd.a, f.bgnbd.b, f.gammaGamma.p, f.gammaGamma.q, f.gammaGamma.gamma, f.bgnbd.logLikelihood].map(String) : ['', '', '', '', '', '', '', '', '']),
        ];
      })),
    ]),
  };
}

/** A group's one-time buyers as text: the fits, a new customer's expectation, each cohort's value; projected values end with "*". */
function oneTimeText(r: ReportJson['forecast'], o: NonNullable<ReportJson['forecast']['groups'][number]['oneTime']>): string[] {
  const out: string[] = [];
  out.push(`One-time buyers: ${o.customers} customers who never subscribed, ${o.repeatBuyers} bought again (${o.repeatPurchases} repeat purchases).`);
  const f = o.fit;
  if (!f) {
    out.push(o.error ?? 'no forecast');
  } else {
    const L = `${Math.round(f.interval.level * 100)}%`;
    out.push(
      `BG/NBD (time in days): r ${num(f.bgnbd.r)}  alpha ${num(f.bgnbd.alpha)}  a ${num(f.bgnbd.a)}  b ${num(f.bgnbd.b)}  log-likelihood ${f.bgnbd.logLikelihood.toFixed(2)}${f.bgnbd.dropoutRidge ? ' (drop-out not identified: a and b stand where the fit stopped along a ridge)' : ''}`,
      `Gamma-Gamma on ${f.gammaGamma.customers} repeat buyers: p ${num(f.gammaGamma.p)}  q ${num(f.gammaGamma.q)}  gamma ${num(f.gammaGamma.gamma)}  log-likelihood ${f.gammaGamma.logLikelihood.toFixed(2)}; ` +
        `mean repeat purchase ${f.meanSpend === null ? 'infinite (q <= 1)' : `${f.meanSpend}*`}; ${pct(o.reversedShare)} of their sales refunded, voided or charged back.`,
      `A new customer, in ${o.newCustomer.map((c) => `${c.months} months: ${num(c.purchases, 2)}* repeat purchases (${L}: ${span(c.purchasesInterval, (x: number) => num(x, 2))}), ${c.value === null ? '-' : `${c.value}*`} net (${L}: ${span(c.interval)})`).join('; ')}.`,
    );
  }
  out.push('', gridToTable({
    columns: ['Cohort', 'Customers', 'Bought again', `Net to date (${r.currency})`, ...r.horizons.flatMap((h) => [`Value ${h}m (${r.currency})`, '95% interval', `Purchases ${h}m`])],
    rows: o.cohorts.map((c) => [c.cohort, String(c.customers), String(c.repeatBuyers), c.netToDate, ...c.ltv.flatMap((l) => [
      l.value === null ? '-' : star(l.value, l.projected), l.projected ? span(l.interval) : '', star(num(l.purchases, 2), l.projected),
    ])]),
  }));
  for (const w of o.warnings) out.push(`warning: ${w}`);
  return out;
}

/**
 * The backtest's CSV: one row per group, model, cohort and horizon: the projection at the cutoff beside
 * what happened (`Model`: sBG for the subscriptions, BG/NBD + Gamma-Gamma for the one-time buyers, whose
 * rows also carry purchases per customer and the cohort's customers still one-time buyers now).
 */
export function backtestGrid(r: ReportJson['forecast'], format: Format): Grid {
  const b = r.backtest;
  const cells = (x: BacktestCellJson) => [
    x.projected ?? '', x.interval?.[0] ?? '', x.interval?.[1] ?? '', String(x.wasProjected),
    x.actual, String(x.actualComplete), x.error ?? '', rateCell(x.relativeError, format), x.inInterval === null ? '' : String(x.inInterval),
  ];
  return {
    columns: [
      ...groupCols(r.groupBy), 'Cohort', 'Customers', 'Horizon (months)', `Projected (${r.currency})`, 'Projected low', 'Projected high', 'Projected at cutoff',
      `Actual (${r.currency})`, 'Actual complete', `Error (${r.currency})`, 'Relative error', 'In interval',
      'Model', 'Customers now', 'Purchases projected', 'Purchases low', 'Purchases high', 'Purchases actual', 'Purchases error', 'Purchases in interval',
    ],
    rows: (b?.groups ?? []).flatMap((g) => [
      ...g.cohorts.flatMap((c) => c.cells.map((x) => [
        ...groupCells(r.groupBy, g), c.cohort, String(c.customers), String(x.months), ...cells(x), 'sBG', '', '', '', '', '', '', '',
      ])),
      ...(g.oneTime ?? []).flatMap((c) => c.cells.map((x) => [
        ...groupCells(r.groupBy, g), c.cohort, String(c.customers), String(x.months), ...cells(x), 'BG/NBD + Gamma-Gamma', String(c.customersNow),
        String(x.purchases), String(x.purchasesInterval[0]), String(x.purchasesInterval[1]), String(x.actualPurchases),
        x.purchasesError === null ? '' : String(x.purchasesError), x.purchasesInInterval === null ? '' : String(x.purchasesInInterval),
      ])),
    ]),
  };
}

/** The forecast as text: per group its fit, its survival curve and its cohorts' LTV; projected values end with "*". */
export function forecastText(r: ReportJson['forecast']): string {
  const out: string[] = [];
  const level = (g: ReportJson['forecast']['groups'][number]) => `${Math.round((g.fit?.interval.level ?? 0.95) * 100)}%`;
  const backtestBy = new Map((r.backtest?.groups ?? []).map((g) => [g.group ?? '', g]));
  if (r.backtest) out.push(`Backtest: fitted on the data before ${r.backtest.cutoff.slice(0, 10)}, compared with the data to ${r.backtest.asOf.slice(0, 10)}.`, '');
  for (const g of r.groups) {
    if (r.groupBy) out.push(g.rest !== undefined ? (g.name ?? '') : `${DIMENSION_SPECS[r.groupBy].label} ${g.group ?? '(none)'}${g.name ? ` (${g.name})` : ''}`);
    for (const m of g.models) out.push(`Model: ${m}`);
    const L = level(g);
    if (g.fit) {
      const f = g.fit;
      out.push(
        `sBG fit on ${g.subscriptions} subscriptions in ${f.diagnostics.cohorts} monthly cohorts, ${f.observedPeriods + 1} cycles observed: ` +
          `alpha ${num(f.alpha)} (${L}: ${span(f.interval.alpha, (x: number) => num(x))})  beta ${num(f.beta)} (${L}: ${span(f.interval.beta, (x: number) => num(x))})  log-likelihood ${f.logLikelihood.toFixed(2)}`,
        `Expected paid cycles per subscription in the first ${f.expectedPaidCycles.cycles}: ${num(f.expectedPaidCycles.value, 2)}* (${L}: ${span(f.expectedPaidCycles.interval, (x: number) => num(x, 2))})` +
          `; expected lifetime: ${f.expectedLifetime === null ? 'infinite (alpha <= 1)' : `${num(f.expectedLifetime, 2)} cycles*`}`,
      );
    } else {
      out.push(`${g.subscriptions} subscriptions: ${g.error ?? 'no forecast'}`);
    }
    if (g.subscriptions > 0) {
      out.push(
        `Schedule: cycle 2 ${g.schedule.firstGapDays} days after the initial sale, then every ${g.schedule.gapDays} days. ` +
          (g.rebill.net === null ? 'No paid rebill yet.' : `A paid rebill: ${g.rebill.price} gross, ${pct(g.rebill.reversedShare)} refunded or charged back, ${g.rebill.net} net (${g.rebill.sales} rebills).`),
      );
    }
    out.push('');
    const bt = backtestBy.get(g.group ?? '');
    if (g.survival.length > 0) out.push(gridToTable({
      columns: ['Cycle', 'Observed', 'Fitted', `${L} interval`, ...(bt ? ['Actual since'] : [])],
      rows: g.survival.map((s) => [
        star(String(s.cycle), s.projected), s.observed === null ? '' : pct(s.observed), star(pct(s.fitted), s.projected), span(s.interval, (x: number) => pct(x)),
        ...(bt ? [((a) => (a === null ? '' : pct(a)))(bt.survival.find((x) => x.cycle === s.cycle)?.actual ?? null)] : []),
      ]),
    }));
    const cohortGrid: Grid = bt
      ? {
          columns: ['Cohort', 'Customers', ...r.horizons.flatMap((h) => [`LTV ${h}m (${r.currency})`, `Actual ${h}m`, `Error ${h}m`])],
          rows: bt.cohorts.map((c) => [c.cohort, String(c.customers), ...c.cells.flatMap((x) => [
            x.projected === null ? '-' : star(x.projected, x.wasProjected), `${x.actual}${x.actualComplete ? '' : '~'}`, x.relativeError === null ? '-' : pct(x.relativeError),
          ])]),
        }
      : {
          columns: ['Cohort', 'Customers', 'Subscriptions', `Net to date (${r.currency})`, ...r.horizons.flatMap((h) => [`LTV ${h}m (${r.currency})`, `${L} interval`])],
          rows: g.cohorts.map((c) => [c.cohort, String(c.customers), String(c.subscriptions), c.netToDate, ...c.ltv.flatMap((l) => [
            l.value === null ? '-' : star(l.value, l.projected), l.projected ? span(l.interval) : '',
          ])]),
        };
    out.push('', gridToTable(cohortGrid));
    for (const w of g.warnings) out.push(`warning: ${w}`);
    if (g.oneTime && !bt) out.push('', ...oneTimeText(r, g.oneTime));
    if (bt?.oneTime) {
      out.push('', 'One-time buyers (BG/NBD + Gamma-Gamma): net value and purchases per customer projected at the cutoff beside what happened.', gridToTable({
        columns: ['Cohort', 'Customers', 'Still one-time', ...r.horizons.flatMap((h) => [`Value ${h}m (${r.currency})`, `Actual ${h}m`, `Error ${h}m`, `Purchases ${h}m`, `Actual purchases ${h}m`])],
        rows: bt.oneTime.map((c) => [c.cohort, String(c.customers), String(c.customersNow), ...c.cells.flatMap((x) => [
          x.projected === null ? '-' : star(x.projected, x.wasProjected), `${x.actual}${x.actualComplete ? '' : '~'}`, x.relativeError === null ? '-' : pct(x.relativeError),
          star(num(x.purchases, 2), x.wasProjected), `${num(x.actualPurchases, 2)}${x.actualComplete ? '' : '~'}`,
        ])]),
      }));
    }
    out.push('');
  }
  if (r.backtest) {
    out.push(gridToTable({
      columns: ['Horizon', 'Cohorts compared', `Mean abs. error (${r.currency})`, 'Mean abs. relative error', 'Actual inside interval'],
      rows: r.backtest.summary.map((s) => [`${s.months}m`, String(s.cohorts), s.meanAbsError ?? '-', pct(s.meanAbsRelativeError), pct(s.coverage)]),
    }), '');
    if (r.backtest.oneTimeSummary.some((s) => s.cohorts > 0)) {
      out.push('One-time buyers:', gridToTable({
        columns: ['Horizon', 'Cohorts compared', `Mean abs. error (${r.currency})`, 'Mean abs. relative error', 'Actual inside interval', 'Purchases: mean abs. error', 'Purchases: actual inside interval'],
        rows: r.backtest.oneTimeSummary.map((s) => [`${s.months}m`, String(s.cohorts), s.meanAbsError ?? '-', pct(s.meanAbsRelativeError), pct(s.coverage),
          s.purchasesMeanAbsError === null ? '-' : num(s.purchasesMeanAbsError, 2), pct(s.purchasesCoverage)]),
      }), '');
    }
    out.push('Compared: cohorts whose horizon had not passed at the cutoff and has passed in the data now. "~": not yet complete.', '');
  }
  out.push(`* projected: the model's, not observed. Intervals: survival, ${r.groups[0]?.fit ? level(r.groups[0]) : '95%'} profile likelihood of the fit; ` +
    'subscriptions\' LTV, 95% seeded prediction interval (the parameters and the cohort\'s own randomness); ' +
    'one-time buyers, 95% seeded bootstrap prediction interval (parameters and the customers\' own randomness; docs/forecasts.md).');
  return `${out.join('\n')}\n`;
}
