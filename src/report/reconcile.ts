/**
 * `konduit reconcile` and GET /api/reconcile (docs/metrics.md, "Reconciliation"): the request checked, the
 * CRM's side read through the caller's function (the report layer never calls the CRM itself), the
 * comparison run, and its one JSON rendering, printed as text by the CLI. Money is a decimal string in
 * the line's currency; an explanation names its transaction.
 */
import type { CountAndCents, CrmSummaryLine, CrmTxnView } from '../core/crm-summary.js';
import { formatMinor } from '../core/currency.js';
import { addDays, daysBetween, isValidTimeZone, localDate, parseWall } from '../core/time.js';
import { reconcile, RECONCILE_MEASURES, type ExplainedReason, type LineFigures, type MoveReason, type ReconcileLine, type ReconcileMeasure, type ReconcileResult } from '../analytics/reconcile.js';
import { reportCoverage } from '../analytics/coverage.js';
import type { ConnectionSummary, ReportReader, SyncState } from '../store/store.js';
import { gridToTable } from './grid.js';
import type { Money } from './json.js';
import { ReportQueryError, type Surface } from './query.js';

/** The longest range reconciled at once (days). */
export const MAX_RECONCILE_DAYS = 366;

/** A checked reconciliation request. */
export interface ReconcileRequest {
  connection: ConnectionSummary;
  from: string;
  to: string;
  tz: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Checks `from`, `to`, `tz` and `connection` (a name; needed when the store has several connections).
 * Throws ReportQueryError (exit code 2, HTTP 400) naming the parameter in the surface's spelling.
 */
export function parseReconcileQuery(
  params: { from?: string; to?: string; tz?: string; connection?: string },
  connections: readonly ConnectionSummary[],
  ctx: { surface: Surface; defaultTz: string; now?: number },
): ReconcileRequest {
  const s = (p: string) => (ctx.surface === 'api' ? p : `--${p}`);
  const tz = params.tz ?? ctx.defaultTz;
  if (!isValidTimeZone(tz)) throw new ReportQueryError('invalid_parameter', 'tz', `${s('tz')} "${tz.slice(0, 60)}" is not valid: expected an IANA time zone name such as America/New_York or Europe/Berlin`);
  let conn: ConnectionSummary | undefined;
  if (params.connection !== undefined) {
    conn = connections.find((c) => c.name === params.connection || c.connectionId === params.connection);
    if (!conn) throw new ReportQueryError('unknown_connection', 'connection', `${s('connection')} "${params.connection}" names no connection of this store: expected one of ${connections.map((c) => c.name).join(', ') || '(none yet)'}`);
  } else if (connections.length === 1) conn = connections[0];
  else if (connections.length === 0) throw new ReportQueryError('unknown_connection', 'connection', 'this store has no connection yet: connect one first (konduit connect)');
  else throw new ReportQueryError('invalid_parameter', 'connection', `${s('connection')} is required: reconciliation is per CRM account, and this store has ${connections.length} (${connections.map((c) => c.name).join(', ')})`);
  const c = conn as ConnectionSummary;
  const date = (p: 'from' | 'to', v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!DATE.test(v) || parseWall(v) === null) throw new ReportQueryError('invalid_parameter', p, `${s(p)} "${v.slice(0, 40)}" is not valid: expected a date YYYY-MM-DD, e.g. 2026-01-31`);
    return v;
  };
  const to = date('to', params.to) ?? localDate(ctx.now ?? Date.now(), c.timezone);
  const from = date('from', params.from) ?? addDays(to, -29);
  if (from > to) throw new ReportQueryError('invalid_parameter', 'from', `${s('from')} "${from}" is not valid: expected a date on or before ${s('to')} (${to})`);
  if (daysBetween(from, to) + 1 > MAX_RECONCILE_DAYS) throw new ReportQueryError('invalid_parameter', 'to', `${s('from')} ${from} to ${s('to')} ${to} is ${daysBetween(from, to) + 1} days: reconcile at most ${MAX_RECONCILE_DAYS} days at once`);
  return { connection: c, from, to, tz };
}

/** What a reconciliation asks of the CRM (src/crm/summary.ts readCrmSide answers it). */
export interface CrmSideRequest {
  from: string;
  to: string;
  accountZone: string;
  baseCurrency: string;
  /** The account day of Konduit's as-of: the CRM's records changed since are read (null: none). */
  changedFrom: string | null;
  changedTo: string;
  quarantine: readonly { stream: string; raw: string }[];
}

export type CrmSideReader = (a: CrmSideRequest) => Promise<{ days: CrmSummaryLine[]; campaigns: CrmSummaryLine[]; changed: CrmTxnView[]; quarantined: CrmTxnView[] }>;

/** Runs a reconciliation: the store's coverage and quarantine, the CRM's side through `readCrm`, the comparison. */
export async function runReconcile(store: ReportReader & Pick<SyncState, 'quarantined'>, r: ReconcileRequest, readCrm: CrmSideReader, now = Date.now()): Promise<ReconcileJson> {
  const c = r.connection;
  const cov = (await reportCoverage(store, [c.connectionId])).connections[0] ?? null;
  const asOf = cov?.asOf ?? null;
  const today = localDate(now, c.timezone);
  const crm = await readCrm({
    from: r.from, to: r.to, accountZone: c.timezone, baseCurrency: c.baseCurrency,
    changedFrom: asOf === null ? null : localDate(asOf, c.timezone), changedTo: addDays(today > r.to ? today : r.to, 1), quarantine: await store.quarantined(c.connectionId),
  });
  const result = await reconcile(store, {
    connectionId: c.connectionId, from: r.from, to: r.to, accountZone: c.timezone, viewerZone: r.tz, crmDays: crm.days, crmCampaigns: crm.campaigns,
    changed: crm.changed, quarantined: crm.quarantined, coverageFrom: cov?.from ?? null, asOf,
  });
  return reconcileJson(result, c.name);
}

type FiguresJson = Record<ReconcileMeasure, { count: number; amount: Money }>;

export interface ExplanationJson {
  reason: ExplainedReason;
  transactionId: number | null;
  measure: ReconcileMeasure;
  count: number;
  amount: Money;
  /** True when the record's amount is unreadable and the line's remaining difference was taken as it. */
  amountInferred: boolean;
}

export interface ReconcileLineJson {
  /** The account day ("YYYY-MM-DD"), or the campaign id. */
  key: string;
  name: string | null;
  currency: string;
  /** The CRM's transactions/summary. */
  crm: FiguresJson;
  /** Konduit on the CRM basis (report summary --basis crm). */
  konduit: FiguresJson;
  /** Day lines: what Konduit shows on that day of the viewer's zone (each event on its own date); null on campaign lines. */
  shown: FiguresJson | null;
  /** crm - konduit. */
  difference: FiguresJson;
  explained: ExplanationJson[];
  unexplained: FiguresJson;
  ok: boolean;
}

export interface MoveJson {
  transactionId: number;
  kind: string;
  measure: ReconcileMeasure;
  shownOn: string;
  bookedOn: string;
  reason: MoveReason;
  count: number;
  amount: Money;
  currency: string;
}

export interface ReconcileJson {
  connection: string;
  from: string;
  to: string;
  accountZone: string;
  viewerZone: string;
  coverageFrom: string | null;
  asOf: string | null;
  /** True when every difference is explained (the CLI exits 1 otherwise). */
  ok: boolean;
  /** Explained differences by reason, across the day lines: how many transactions and lines. */
  reasons: Record<ExplainedReason, number>;
  /**
   * Events shown on another day than the CRM books them: how many by reason (all), the first
   * MAX_MOVES_LISTED of them (by the day shown, transaction, kind) and how many more are not listed.
   */
  moves: { booked_on_sale_date: number; time_zone: number; list: Omit<MoveJson, 'currency'>[]; more: number };
  notSynced: number;
  quarantined: number;
  days: ReconcileLineJson[];
  campaigns: ReconcileLineJson[];
  /** Every line with something unexplained, days first. */
  unexplained: { line: 'day' | 'campaign'; key: string; currency: string; unexplained: FiguresJson }[];
}

function figuresJson(f: LineFigures, currency: string): FiguresJson {
  const one = (x: CountAndCents) => ({ count: x.count, amount: formatMinor(x.cents, currency) });
  return { sales: one(f.sales), refunds: one(f.refunds), chargebacks: one(f.chargebacks) };
}

function lineJson(l: ReconcileLine): ReconcileLineJson {
  const d: LineFigures = { sales: { count: 0, cents: 0 }, refunds: { count: 0, cents: 0 }, chargebacks: { count: 0, cents: 0 } };
  for (const m of RECONCILE_MEASURES) d[m] = { count: l.crm[m].count - l.konduit[m].count, cents: l.crm[m].cents - l.konduit[m].cents };
  return {
    key: l.key, name: l.name, currency: l.currency, crm: figuresJson(l.crm, l.currency), konduit: figuresJson(l.konduit, l.currency), shown: l.shown && figuresJson(l.shown, l.currency),
    difference: figuresJson(d, l.currency),
    explained: l.explained.map((e) => ({ reason: e.reason, transactionId: e.transactionId, measure: e.measure, count: e.count, amount: formatMinor(e.cents ?? 0, l.currency), amountInferred: e.inferred === true })),
    unexplained: figuresJson(l.unexplained, l.currency), ok: l.ok,
  };
}

/** The JSON body of a reconciliation. */
export function reconcileJson(r: ReconcileResult, connection: string): ReconcileJson {
  const reasons: Record<ExplainedReason, number> = { not_synced: 0, quarantine: 0, chargeback_reversed: 0, outside_coverage: 0 };
  for (const l of r.days) for (const e of l.explained) reasons[e.reason]++;
  const days = r.days.map(lineJson);
  const campaigns = r.campaigns.map(lineJson);
  const currencyOf = new Map(r.days.map((l) => [l.key, l.currency]));
  return {
    connection, from: r.from, to: r.to, accountZone: r.accountZone, viewerZone: r.viewerZone, coverageFrom: r.coverageFrom, asOf: r.asOf === null ? null : new Date(r.asOf).toISOString(), ok: r.ok,
    reasons,
    moves: {
      booked_on_sale_date: r.moveCounts.booked_on_sale_date,
      time_zone: r.moveCounts.time_zone,
      list: r.moves.map((m) => ({ ...m, amount: formatMinor(m.cents, currencyOf.get(m.bookedOn) ?? currencyOf.get(m.shownOn) ?? 'USD'), cents: undefined })).map(({ cents: _c, ...m }) => m),
      more: r.moveCounts.booked_on_sale_date + r.moveCounts.time_zone - r.moves.length,
    },
    notSynced: r.notSynced,
    quarantined: r.quarantined,
    days,
    campaigns,
    unexplained: [
      ...days.filter((l) => !l.ok).map((l) => ({ line: 'day' as const, key: l.key, currency: l.currency, unexplained: l.unexplained })),
      ...campaigns.filter((l) => !l.ok).map((l) => ({ line: 'campaign' as const, key: l.key, currency: l.currency, unexplained: l.unexplained })),
    ],
  };
}

const REASON_TEXT: Record<ExplainedReason, string> = {
  not_synced: 'changed in the CRM after Konduit\'s last sync (the next sync brings it)',
  quarantine: 'a record the sync set aside as unreadable (konduit connections shows why), or a refund of one',
  chargeback_reversed: 'a chargeback the CRM cleared: Konduit keeps it on its date and books the reversal on the day it saw it',
  outside_coverage: 'a day before the first day Konduit\'s data covers',
};

/** The text `konduit reconcile` prints. */
export function reconcileText(j: ReconcileJson): string {
  const out: string[] = [];
  out.push(`Reconciliation of ${j.connection}, ${j.from} to ${j.to} (account days, ${j.accountZone}), with Konduit as shown in ${j.viewerZone}.`);
  out.push(`Konduit's data: from ${j.coverageFrom ?? '(never backfilled)'}, as of ${j.asOf ?? '(no complete sync)'}.`);
  const f = (x: { count: number; amount: Money }) => `${x.count} / ${x.amount}`;
  const rows = j.days.map((l) => [
    l.key, l.currency, f(l.crm.sales), f(l.konduit.sales), l.shown ? f(l.shown.sales) : '', f(l.crm.refunds), f(l.konduit.refunds), l.shown ? f(l.shown.refunds) : '',
    f(l.crm.chargebacks), f(l.konduit.chargebacks), l.shown ? f(l.shown.chargebacks) : '', String(l.explained.length), l.ok ? 'ok' : 'UNEXPLAINED',
  ]);
  out.push('', 'Per day (count / amount): CRM = the CRM\'s transactions/summary; CRM basis = Konduit with refunds and chargebacks on the sale\'s day, account zone; shown = Konduit\'s default view, each event on its own day in the viewer\'s zone.');
  out.push(gridToTable({ columns: ['Day', 'Cur', 'Sales CRM', 'Sales CRM basis', 'Sales shown', 'Refunds CRM', 'Refunds CRM basis', 'Refunds shown', 'Chargebacks CRM', 'Chargebacks CRM basis', 'Chargebacks shown', 'Explained', ''], rows }).trimEnd());
  out.push('', 'Per campaign over the range:');
  out.push(gridToTable({
    columns: ['Campaign', 'Name', 'Cur', 'Sales CRM', 'Sales CRM basis', 'Refunds CRM', 'Refunds CRM basis', 'Chargebacks CRM', 'Chargebacks CRM basis', 'Explained', ''],
    rows: j.campaigns.map((l) => [l.key, l.name ?? '', l.currency, f(l.crm.sales), f(l.konduit.sales), f(l.crm.refunds), f(l.konduit.refunds), f(l.crm.chargebacks), f(l.konduit.chargebacks), String(l.explained.length), l.ok ? 'ok' : 'UNEXPLAINED']),
  }).trimEnd());
  out.push('', 'Why what Konduit shows differs from the CRM basis:');
  out.push(`  ${j.moves.booked_on_sale_date} refunds and chargebacks shown on their own date, which the CRM books on the sale's date`);
  out.push(`  ${j.moves.time_zone} events on another day in ${j.viewerZone} than in ${j.accountZone}`);
  out.push('', 'Why the CRM differs from Konduit\'s CRM basis (explained, by transaction):');
  for (const [reason, n] of Object.entries(j.reasons) as [ExplainedReason, number][]) if (n > 0) out.push(`  ${n} x ${reason}: ${REASON_TEXT[reason]}`);
  if (Object.values(j.reasons).every((n) => n === 0)) out.push('  none: the CRM and Konduit\'s CRM basis agree on every line');
  for (const l of j.days) {
    for (const e of l.explained) out.push(`    ${l.key} ${e.measure}: ${e.count >= 0 ? '+' : ''}${e.count} / ${e.amount} ${l.currency}${e.amountInferred ? ' (amount unreadable; the rest of the line)' : ''}, ${e.reason}${e.transactionId === null ? '' : `, transaction ${e.transactionId}`}`);
  }
  out.push('');
  if (j.ok) out.push('Every difference is explained.');
  else {
    out.push(`Not explained (${j.unexplained.length} line${j.unexplained.length === 1 ? '' : 's'}):`);
    for (const u of j.unexplained) {
      const parts = RECONCILE_MEASURES.filter((m) => u.unexplained[m].count !== 0 || u.unexplained[m].amount.replace(/[-0.]/g, '') !== '').map((m) => `${m} ${f(u.unexplained[m])}`);
      out.push(`  ${u.line} ${u.key} (${u.currency}): ${parts.join(', ')}`);
    }
  }
  return `${out.join('\n')}\n`;
}
