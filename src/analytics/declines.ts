/**
 * Declines (docs/metrics.md, "Declines"): for the sale attempts of a range (viewer's zone, the report's
 * currency), the decline rate and the top reasons (the processor's response text) by MID, BIN (first 6
 * digits), card network or billing cycle; and recycling: rebill attempts by retry number (the CRM's
 * recycleNumber) with how many were approved, and the saves by days after their rebill's first decline.
 * Reads whole UTC days of sale and decline events from attempt_days and the edges from the ledger
 * (attempt-source.ts), and the saves with their first declines from rebill_saves (store/rebill-saves.ts);
 * BIN rows from the ledger alone; everything from the ledger while the pre-aggregates are behind or a
 * filter is on a dimension they do not keep.
 */
import type { ReportReader } from '../store/store.js';
import type { Row } from '../store/tables.js';
import { rate } from './arith.js';
import { compareGroups, type Dimension } from './dimensions.js';
import { checkReportRange, instantRange } from './range.js';
import { allConnectionIds, attemptDaysAnswer, attemptSourceSql } from './attempt-source.js';
import { eventCol, filterSql, inListSql, Params } from './sql.js';
import type { RangeQuery } from './summary.js';

/** What the rows of a declines report are by (reason, retry and days choose the table the CLI prints). */
export const DECLINE_VIEWS = ['mid', 'bin', 'brand', 'cycle', 'reason', 'retry', 'days'] as const;
export type DeclineView = (typeof DECLINE_VIEWS)[number];

/** Most BIN rows listed (the BINs with most declines). */
export const MAX_BIN_ROWS = 100;
/** Most reasons listed overall, and per row. */
export const TOP_REASONS = 20;
export const TOP_ROW_REASONS = 3;
/** How far back a save's first decline is looked for (days before the range). */
export const FIRST_DECLINE_LOOKBACK_DAYS = 90;

export interface DeclineCounts {
  /** Sale events plus decline events: every attempt to charge. */
  attempts: number;
  approvals: number;
  declines: number;
  /** declines / attempts. */
  declineRate: number | null;
}

export interface ReasonCount {
  /** The response text; null when the CRM gave none. */
  reason: string | null;
  declines: number;
  /** Of the declines of its row (or of the range). */
  share: number | null;
}

export interface DeclineRow extends DeclineCounts {
  /** The MID's connection (MID rows only). */
  connectionId: string | null;
  /** The MID, BIN, network or cycle; null when the events carry none. */
  value: string | null;
  reasons: ReasonCount[];
}

export interface DeclineRetryRow {
  /** 0: a rebill's first attempt; 1..: its retries in recycle billing. */
  retry: number;
  attempts: number;
  approvals: number;
  approvalRate: number | null;
}

export interface SaveDays {
  /** The retry number of the approval. */
  retry: number;
  /** Whole days from the rebill's first (declined) attempt to the approval, rounded to the nearest. */
  days: number;
  saves: number;
}

export interface DeclineReport {
  from: string;
  to: string;
  zone: string;
  currency: string;
  by: DeclineView;
  total: DeclineCounts;
  /** The rows of `by` (mid, bin, brand, cycle); empty for the other views. */
  rows: DeclineRow[];
  /** BINs with declines beyond the MAX_BIN_ROWS listed. */
  moreRows: number;
  /** The top reasons of the range's declines. */
  reasons: ReasonCount[];
  recycle: {
    /** Rebill attempts (billing cycle 2 and later) of the range by retry number. */
    byRetry: DeclineRetryRow[];
    /** Declines of rebills' first attempts, and approvals of their retries (saves), in the range. */
    firstDeclines: number;
    saves: number;
    /** saves / firstDeclines. */
    saveRate: number | null;
    /** Saves of the range by retry and days after their rebill's first decline (found up to FIRST_DECLINE_LOOKBACK_DAYS before the range). */
    byDays: SaveDays[];
  };
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function counts(approvals: number, declines: number): DeclineCounts {
  return { attempts: approvals + declines, approvals, declines, declineRate: rate(declines, approvals + declines) };
}

/** The row key of a view: the connection (MID only) and the value columns. */
function keySql(by: DeclineView, alias: string): { conn: string; value: string } | null {
  switch (by) {
    case 'mid':
      return { conn: `${alias}.connection_id`, value: `${alias}.merchant_id` };
    case 'bin':
      return { conn: 'NULL', value: `${alias}.card_bin` };
    case 'brand':
      return { conn: 'NULL', value: `${alias}.card_brand` };
    case 'cycle':
      return { conn: 'NULL', value: `${alias}.billing_cycle` };
    default:
      return null;
  }
}

/** Top reasons from (reason, count) pairs, most first (then by text, no reason last). */
function topReasons(list: { reason: string | null; declines: number }[], total: number, limit: number): ReasonCount[] {
  return [...list]
    .sort((a, b) => b.declines - a.declines || (a.reason === null ? 1 : b.reason === null ? -1 : a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0))
    .slice(0, limit)
    .map((r) => ({ ...r, share: rate(r.declines, total) }));
}

/**
 * `source`: 'ledger' reads the ledger alone; by default (or 'aggregate') whole UTC days come from
 * attempt_days and the saves by days from rebill_saves when they can answer (attempt-source.ts'
 * attemptDaysAnswer). The BIN view's rows read the ledger either way (attempt_days keeps no BIN).
 */
export async function declineReport(store: ReportReader, q: RangeQuery & { by?: DeclineView; source?: 'aggregate' | 'ledger' }): Promise<DeclineReport> {
  checkReportRange(q);
  const by = q.by ?? 'mid';
  const zone = q.tz;
  const r = instantRange(q.from, q.to, zone);
  const e = eventCol('e');
  /** The conditions every query shares: the range, the currency and the filters, on alias `e`. */
  const scope = (p: Params, alias = 'e') =>
    `${alias}.instant >= ${store.sql.instantParam(p.add, r.startMs)} AND ${alias}.instant < ${store.sql.instantParam(p.add, r.endMs)} AND ${alias}.currency = ${p.add(q.currency)}${filterSql(q.filters ?? [], alias === 'e' ? e : eventCol(alias), p)}`;
  const key = keySql(by, 'e');
  // The pre-aggregates unless asked for the ledger, behind it, or filtered on what they do not keep.
  const useDays = await attemptDaysAnswer(store, q.filters, q.source);
  const connectionIds = useDays ? await allConnectionIds(store) : undefined;
  /** The range's events of `kinds` in the report's currency, filtered, as alias `e` (attempt-source.ts): BINs only from the ledger. */
  const from = (p: Params, kinds: ('sale' | 'decline')[], days = useDays) =>
    `${attemptSourceSql(store, p, { bounds: [r.startMs, r.endMs], kinds, currency: q.currency, days, connectionIds })} e WHERE TRUE${filterSql(q.filters ?? [], e, p)}`;

  const keyCols = key ? `${key.conn} AS k_conn, ${key.value} AS k` : 'NULL AS k_conn, NULL AS k';
  // Every view but BIN: the rows, their reasons and the retries from one pass over the source (its
  // ledger edges read once), rolled up here; BIN rows read the ledger, so they keep queries of their own.
  /** Runs a statement built with its own parameters. */
  const query = (sql: (p: Params) => string) => {
    const p = new Params();
    return store.query(sql(p), p.values);
  };
  const one =
    by === 'bin'
      ? null
      : await query(
          (p) => `SELECT ${keyCols}, e.kind AS kind, CASE WHEN e.kind = 'decline' THEN e.reason END AS reason,
             CASE WHEN e.billing_cycle >= 2 THEN COALESCE(e.recycle_number, 0) END AS retry, SUM(e.n) AS n
           FROM ${from(p, ['sale', 'decline'])}
           GROUP BY 1, 2, 3, 4, 5`,
        );
  // Attempts by row (or in all).
  const grouped = one
    ? rollUp(one, ['k_conn', 'k'], (x) => ({ approvals: x.kind === 'sale' ? n(x.n) : 0, declines: x.kind === 'decline' ? n(x.n) : 0 }))
    : await query(
        (p) => `SELECT ${keyCols},
           SUM(CASE WHEN e.kind = 'sale' THEN e.n ELSE 0 END) AS approvals, SUM(CASE WHEN e.kind = 'decline' THEN e.n ELSE 0 END) AS declines
         FROM ${from(p, ['sale', 'decline'], false)}
         GROUP BY 1, 2`,
      );
  let rows: DeclineRow[] = grouped.map((g) => ({ connectionId: key && by === 'mid' ? text(g.k_conn) : null, value: text(g.k), ...counts(n(g.approvals), n(g.declines)), reasons: [] }));
  const total = counts(rows.reduce((s, x) => s + x.approvals, 0), rows.reduce((s, x) => s + x.declines, 0));
  let moreRows = 0;
  if (!key) rows = [];
  else if (by === 'bin') {
    const withDeclines = rows.filter((x) => x.declines > 0).sort((a, b) => b.declines - a.declines || ((a.value ?? '') < (b.value ?? '') ? -1 : 1));
    moreRows = Math.max(0, withDeclines.length - MAX_BIN_ROWS);
    rows = withDeclines.slice(0, MAX_BIN_ROWS);
  } else if (by === 'mid') {
    rows.sort((a, b) => compareGroups({ connectionId: a.connectionId, value: a.value }, { connectionId: b.connectionId, value: b.value }));
  } else if (by === 'cycle') {
    rows.sort((a, b) => Number(a.value) - Number(b.value));
  } else {
    rows.sort((a, b) => (a.value === null ? 1 : b.value === null ? -1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  }

  // Reasons: per row (its top few) and over the range.
  const binList = by === 'bin' ? rows.map((x) => x.value).filter((v): v is string => v !== null) : [];
  const reasonRows = one
    ? rollUp(one.filter((x) => x.kind === 'decline'), ['k_conn', 'k', 'reason'], (x) => ({ declines: n(x.n) }))
    : await query(
        (p) => `SELECT ${keyCols}, e.reason AS reason, SUM(e.n) AS declines
         FROM ${from(p, ['decline'], false)}${by === 'bin' ? binCondition(binList, rows.some((x) => x.value === null), p) : ''}
         GROUP BY 1, 2, 3`,
      );
  const perRow = new Map<string, { reason: string | null; declines: number }[]>();
  const overall = new Map<string | null, number>();
  for (const x of reasonRows) {
    const k = JSON.stringify([by === 'mid' ? text(x.k_conn) : null, text(x.k)]);
    perRow.set(k, [...(perRow.get(k) ?? []), { reason: text(x.reason), declines: n(x.declines) }]);
    overall.set(text(x.reason), (overall.get(text(x.reason)) ?? 0) + n(x.declines));
  }
  for (const row of rows) row.reasons = topReasons(perRow.get(JSON.stringify([row.connectionId, row.value])) ?? [], row.declines, TOP_ROW_REASONS);
  let reasons: ReasonCount[];
  if (by === 'bin') {
    // The listed BINs are not all of them: the range's reasons are counted apart.
    const all = await query((p) => `SELECT e.reason AS reason, SUM(e.n) AS declines FROM ${from(p, ['decline'])} GROUP BY 1`);
    reasons = topReasons(all.map((x) => ({ reason: text(x.reason), declines: n(x.declines) })), total.declines, TOP_REASONS);
  } else {
    reasons = topReasons([...overall].map(([reason, declines]) => ({ reason, declines })), total.declines, TOP_REASONS);
  }

  // Recycling: rebill attempts by retry number, and each save's days after its rebill's first decline.
  const retries = one
    ? rollUp(one.filter((x) => x.retry !== null && x.retry !== undefined), ['retry'], (x) => ({ attempts: n(x.n), approvals: x.kind === 'sale' ? n(x.n) : 0 })).sort((a, b) => n(a.retry) - n(b.retry))
    : await query(
        (p) => `SELECT COALESCE(e.recycle_number, 0) AS retry, SUM(e.n) AS attempts, SUM(CASE WHEN e.kind = 'sale' THEN e.n ELSE 0 END) AS approvals
         FROM ${from(p, ['sale', 'decline'])} AND e.billing_cycle >= 2
         GROUP BY 1 ORDER BY 1`,
      );
  const byRetry = retries.map((x) => ({ retry: n(x.retry), attempts: n(x.attempts), approvals: n(x.approvals), approvalRate: rate(n(x.approvals), n(x.attempts)) }));
  const ms = (expr: string) => store.sql.epochMs(expr);
  const lookback = (p: Params) => store.sql.instantParam(p.add, r.startMs - FIRST_DECLINE_LOOKBACK_DAYS * 86_400_000);
  // Each save paired with each first decline of its rebill: kept at write time (rebill_saves), else the ledger joined with itself.
  const days = await query((p) =>
    useDays
      ? `SELECT COALESCE(e.recycle_number, 0) AS retry, CAST(FLOOR((${ms('e.instant')} - ${ms('e.decline_instant')}) / 86400000.0 + 0.5) AS INTEGER) AS days, COUNT(*) AS saves
     FROM rebill_saves e WHERE e.decline_instant >= ${lookback(p)} AND ${scope(p)}
     GROUP BY 1, 2 ORDER BY 1, 2`
      : `SELECT COALESCE(e.recycle_number, 0) AS retry, CAST(FLOOR((${ms('e.instant')} - ${ms('d.instant')}) / 86400000.0 + 0.5) AS INTEGER) AS days, COUNT(*) AS saves
     FROM money_events e
     JOIN money_events d ON d.connection_id = e.connection_id AND d.purchase_id = e.purchase_id AND d.billing_cycle = e.billing_cycle
       AND d.kind = 'decline' AND COALESCE(d.recycle_number, 0) = 0 AND d.instant < e.instant
       AND d.instant >= ${lookback(p)}
     WHERE e.kind = 'sale' AND e.billing_cycle >= 2 AND e.recycle_number >= 1 AND ${scope(p)}
     GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const firstDeclines = n(retries.find((x) => n(x.retry) === 0)?.attempts) - n(retries.find((x) => n(x.retry) === 0)?.approvals);
  const saves = byRetry.filter((x) => x.retry >= 1).reduce((s, x) => s + x.approvals, 0);
  return {
    from: q.from, to: q.to, zone, currency: q.currency, by, total, rows, moreRows, reasons,
    recycle: { byRetry, firstDeclines, saves, saveRate: rate(saves, firstDeclines), byDays: days.map((x) => ({ retry: n(x.retry), days: n(x.days), saves: n(x.saves) })) },
  };
}

/** Rows summed by the columns `keys`, as a GROUP BY would give them: those columns and the summed fields. */
function rollUp(list: readonly Row[], keys: readonly string[], fields: (r: Row) => Record<string, number>): Row[] {
  const out = new Map<string, Row>();
  for (const r of list) {
    const id = JSON.stringify(keys.map((k) => r[k] ?? null));
    const f = fields(r);
    const cur = out.get(id);
    if (!cur) out.set(id, { ...Object.fromEntries(keys.map((k) => [k, r[k] ?? null])), ...f });
    else for (const [name, v] of Object.entries(f)) cur[name] = n(cur[name]) + v;
  }
  return [...out.values()];
}

/** The listed BINs (and the row without a BIN, when listed) as a condition on `e`. */
function binCondition(bins: string[], withNone: boolean, p: Params): string {
  const parts = [...(bins.length > 0 ? [inListSql('e.card_bin', bins, p)] : []), ...(withNone ? ['e.card_bin IS NULL'] : [])];
  return parts.length === 0 ? ' AND FALSE' : ` AND (${parts.join(' OR ')})`;
}

/** The dimension a view's rows are of, for names (a MID's name); null for the others. */
export function declineViewDimension(by: DeclineView): Dimension | null {
  return by === 'mid' ? 'mid' : null;
}
