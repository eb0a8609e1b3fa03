/**
 * Reconciliation with the CRM (docs/metrics.md, "Reconciliation"): the CRM's own transactions/summary
 * beside Konduit's CRM-basis figures, line by line (per account day and per campaign, in each currency),
 * with every difference explained transaction by transaction where it can be, and what cannot be
 * explained listed.
 *
 * Three figures per line and measure (sales, refunds, chargebacks; a count and an amount):
 *  - crm: what the CRM's report says (refunds and chargebacks on the original sale's day, account zone);
 *  - konduit: Konduit's CRM basis (the ledger, the same rule: `report summary --basis crm`);
 *  - shown: Konduit's default view, each event on its own date in the viewer's zone (the dashboard).
 * shown -> konduit is explained by moves (an event the CRM books on another day: a refund or chargeback
 * on the sale's date, or a day boundary of the viewer's zone); konduit -> crm by transactions:
 *  - not_synced: the CRM changed it after Konduit's last sync (its current record, fetched by dateUpdated);
 *  - quarantine: a record the sync set aside as unreadable (read leniently here), or a refund whose sale it is;
 *  - chargeback_reversed: the CRM cleared a chargeback flag; Konduit keeps the chargeback on its date and
 *    books the reversal on the day it saw it, the CRM forgets both;
 *  - outside_coverage: a day before the first day Konduit's backfills walked.
 * The rest is unexplained. The CRM's counts are whole; an amount a quarantined record holds unreadable is
 * taken to be the line's remaining difference when its count explains the rest.
 */
import type { CountAndCents, CrmSummaryLine, CrmTxnView } from '../core/crm-summary.js';
import { addDays, localDate, startOfLocalDay } from '../core/time.js';
import type { EventKind } from '../ledger/index.js';
import type { ReportReader } from '../store/store.js';
import { breakdownValueSql } from '../store/breakdown-days.js';
import { crmBookedAtSql, crmClearedSql } from '../store/refund-sales.js';
import { Params } from './sql.js';

export const RECONCILE_MEASURES = ['sales', 'refunds', 'chargebacks'] as const;
export type ReconcileMeasure = (typeof RECONCILE_MEASURES)[number];
export type LineFigures = Record<ReconcileMeasure, CountAndCents>;

export type ExplainedReason = 'not_synced' | 'quarantine' | 'chargeback_reversed' | 'outside_coverage';
export type MoveReason = 'booked_on_sale_date' | 'time_zone';

/** What one transaction adds to the CRM's lines, or to Konduit's. */
interface Contribution {
  txn: number;
  /** The account day the CRM basis books it on. */
  date: string;
  campaignId: number | null;
  currency: string;
  measure: ReconcileMeasure;
  count: number;
  /** Null: the amount is unreadable (a record in quarantine). */
  cents: number | null;
}

/** A difference a transaction explains on one line. */
export interface Explanation {
  reason: ExplainedReason;
  transactionId: number | null;
  measure: ReconcileMeasure;
  count: number;
  /** Null: the record's amount is unreadable; the line's remaining difference is taken as its amount. */
  cents: number | null;
  /** The amount was unreadable and is the line's remaining difference. */
  inferred?: boolean;
}

/** An event Konduit shows on one day and the CRM books on another. */
export interface Move {
  transactionId: number;
  kind: EventKind;
  measure: ReconcileMeasure;
  /** The day Konduit shows it on (viewer's zone, its own date). */
  shownOn: string;
  /** The account day the CRM books it on. */
  bookedOn: string;
  reason: MoveReason;
  count: number;
  cents: number;
}

export interface ReconcileLine {
  /** An account day, or a campaign id. */
  key: string;
  name: string | null;
  currency: string;
  crm: LineFigures;
  konduit: LineFigures;
  /** Day lines only: what Konduit shows on that day in the viewer's zone (null on campaign lines). */
  shown: LineFigures | null;
  explained: Explanation[];
  /** What remains per measure after the explanations (zero everywhere when all is explained). */
  unexplained: LineFigures;
  ok: boolean;
}

export interface ReconcileResult {
  connectionId: string;
  from: string;
  to: string;
  accountZone: string;
  viewerZone: string;
  /** The first day Konduit's data covers, and its as-of (epoch ms). */
  coverageFrom: string | null;
  asOf: number | null;
  days: ReconcileLine[];
  campaigns: ReconcileLine[];
  /**
   * The events shown on another day than the CRM books it, in the range's days: the first
   * MAX_MOVES_LISTED by the day shown, then transaction and kind (a year can hold hundreds of thousands).
   */
  moves: Move[];
  /** How many moves there are by reason, all of them (listed or not). */
  moveCounts: Record<MoveReason, number>;
  /** Transactions the CRM changed after the as-of that touch the range. */
  notSynced: number;
  /** Records in quarantine that touch the range. */
  quarantined: number;
  ok: boolean;
}

export interface ReconcileQuery {
  connectionId: string;
  from: string;
  to: string;
  accountZone: string;
  viewerZone: string;
  crmDays: readonly CrmSummaryLine[];
  crmCampaigns: readonly CrmSummaryLine[];
  /** The CRM's current records of the transactions changed since the as-of's day. */
  changed: readonly CrmTxnView[];
  /** The records of the connection in quarantine. */
  quarantined: readonly CrmTxnView[];
  coverageFrom: string | null;
  asOf: number | null;
  /** The most moves listed (default MAX_MOVES_LISTED). */
  maxMovesListed?: number;
}

const zero = (): LineFigures => ({ sales: { count: 0, cents: 0 }, refunds: { count: 0, cents: 0 }, chargebacks: { count: 0, cents: 0 } });
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const MEASURE_OF: Partial<Record<EventKind, ReconcileMeasure>> = { sale: 'sales', refund: 'refunds', void: 'refunds', chargeback: 'chargebacks', chargeback_reversal: 'chargebacks' };

/** A stored transaction as the CRM's summary reads it (the rule of the CRM's report, on Konduit's copy). */
interface StoredTxn extends CrmTxnView {
  stored: true;
}

/**
 * What a transaction adds to the CRM's summary: a successful SALE or CAPTURE is a sale on its day, with
 * its chargeback when flagged; a successful REFUND or VOID of a successful sale is a refund on the sale's
 * day. `parentOf` finds the sale; null when the sale is nowhere to be found (the contribution cannot be placed).
 */
function crmContribution(x: CrmTxnView, zone: string, parentOf: (id: number) => CrmTxnView | null): Contribution[] | null {
  if (x.responseType !== 'SUCCESS') return [];
  const at = (t: CrmTxnView, measure: ReconcileMeasure, cents: number | null, campaign = t.campaignId, currency = t.currency): Contribution | null =>
    t.createdAt === null ? null : { txn: x.transactionId, date: localDate(t.createdAt, zone), campaignId: campaign, currency, measure, count: 1, cents };
  if (x.txnType === 'SALE' || x.txnType === 'CAPTURE') {
    const out = [at(x, 'sales', x.amountCents)];
    if (x.isChargedback) out.push(at(x, 'chargebacks', x.chargebackCents ?? x.amountCents));
    return out.every((c) => c !== null) ? (out as Contribution[]) : null;
  }
  if (x.txnType === 'REFUND' || x.txnType === 'VOID') {
    if (x.parentTxnId === null) return [];
    const p = parentOf(x.parentTxnId);
    if (p === null) return null;
    if (p.responseType !== 'SUCCESS' || (p.txnType !== 'SALE' && p.txnType !== 'CAPTURE')) return [];
    const c = at(p, 'refunds', x.amountCents, p.campaignId, p.currency);
    return c === null ? null : [c];
  }
  return [];
}

type Key = string;
const lineKey = (date: string, currency: string) => `${date}|${currency}`;
const campaignKey = (campaign: number | null, currency: string) => `${campaign ?? ''}|${currency}`;

/** Sums contributions per (line, measure); a null amount is counted apart. */
function add(into: Map<Key, LineFigures>, key: Key, c: { measure: ReconcileMeasure; count: number; cents: number | null }, sign = 1): void {
  let f = into.get(key);
  if (!f) into.set(key, (f = zero()));
  f[c.measure].count += sign * c.count;
  f[c.measure].cents += sign * (c.cents ?? 0);
}

/** The diff of two contribution lists per (date, campaign, currency, measure): b - a, zero entries dropped. */
function diff(a: readonly Contribution[], b: readonly Contribution[]): Contribution[] {
  const m = new Map<string, Contribution>();
  const put = (c: Contribution, sign: number) => {
    const k = `${c.date}|${c.campaignId}|${c.currency}|${c.measure}`;
    const e = m.get(k) ?? { ...c, count: 0, cents: 0 };
    e.count += sign * c.count;
    e.cents = e.cents === null || c.cents === null ? null : e.cents + sign * c.cents;
    m.set(k, e);
  };
  for (const c of a) put(c, -1);
  for (const c of b) put(c, 1);
  return [...m.values()].filter((c) => c.count !== 0 || c.cents !== 0);
}

/** Transaction ids as a one-column row set (parameters in `p`), empty when there are none. */
const idValuesSql = (p: Params, ids: readonly number[]) =>
  ids.length > 0 ? `VALUES ${ids.map((id) => `(CAST(${p.add(id)} AS BIGINT))`).join(', ')}` : 'SELECT CAST(NULL AS BIGINT) WHERE 1 = 0';

/** The most moves a result lists one by one (all are counted: `moveCounts`). */
export const MAX_MOVES_LISTED = 1000;

/** Days since 1970-01-01 of a "YYYY-MM-DD". */
const dayNumber = (d: string) => Math.round(Date.parse(`${d}T00:00:00Z`) / 86_400_000);

/**
 * Compares the CRM's summary with Konduit's figures for a connection and explains the differences.
 *
 * Konduit's lines are sums the engine makes (docs/metrics.md, "Reconciliation"): the range's events
 * are read once, each with the instant the CRM basis books it at, and summed per (kind, currency, account
 * day booked, viewer day shown); per campaign the same; the moves are counted from the same sums and listed
 * one by one up to MAX_MOVES_LISTED. Single transactions are read only where an explanation needs them: those
 * the CRM changed or holds in quarantine, refunds of a sale in quarantine, and chargebacks the CRM cleared.
 */
export async function reconcile(store: ReportReader, q: ReconcileQuery): Promise<ReconcileResult> {
  const az = q.accountZone;
  const vz = q.viewerZone;
  const aStart = startOfLocalDay(q.from, az);
  const aEnd = startOfLocalDay(addDays(q.to, 1), az);
  const vStart = startOfLocalDay(q.from, vz);
  const vEnd = startOfLocalDay(addDays(q.to, 1), vz);
  const inRange = (d: string) => d >= q.from && d <= q.to;
  const ms = (e: string) => store.sql.epochMs(e);
  const d = store.sql;
  const maxMoves = q.maxMovesListed ?? MAX_MOVES_LISTED;
  if (!Number.isSafeInteger(maxMoves) || maxMoves < 0) throw new RangeError(`maxMovesListed must be a whole number, got ${maxMoves}`);
  const changed = new Map(q.changed.map((x) => [x.transactionId, x]));
  const held = new Map(q.quarantined.map((x) => [x.transactionId, x]));

  // The range's events, once: every money event booked in the account's days on the CRM basis, or shown in
  // the viewer's days. The instant the CRM basis books a refund, void or chargeback at is its sale's creation
  // (bookedSql's rule), so those can lie anywhere in the ledger (a chargeback of a sale of the range can come
  // months later): refund_sales keeps each with that instant (store/refund-sales.ts) and is read by range;
  // with the kept tables behind, the ledger's every one is read and its transactions found by id.
  const p = new Params();
  const ins = (t: number) => d.instantParam(p.add, t);
  const conn = p.add(q.connectionId);
  const h0 = ins(Math.min(aStart, vStart));
  const h1 = ins(Math.max(aEnd, vEnd));
  const a0 = ins(aStart);
  const a1 = ins(aEnd);
  const v0 = ins(vStart);
  const v1 = ins(vEnd);
  // Calendar days over a span wide enough for every instant the range's events can carry (a sale years
  // before its chargeback): the dialect's offsets are exact inside it.
  const lo = Math.min(aStart, vStart) - 10 * 366 * 86_400_000;
  const hi = Math.max(aEnd, vEnd, Date.now()) + 2 * 366 * 86_400_000;
  const bookedDay = d.localDay(p.add, 'b.at', az, lo, hi);
  const shownDay = d.localDay(p.add, 'b.instant', vz, lo, hi);
  const ownDay = d.localDay(p.add, 'b.instant', az, lo, hi);
  const fromDay = dayNumber(q.from);
  const toDay = dayNumber(q.to);
  const dayIn = (e: string) => `(${e} >= ${fromDay} AND ${e} <= ${toDay})`;
  // Transactions whose every event an explanation needs: changed, held, and refunds of a held sale.
  const asked = [...new Set([...changed.keys(), ...held.keys()])];
  const askedSql = idValuesSql(p, asked);
  const heldSql = idValuesSql(p, [...held.keys()]);
  const cols = 'e.kind, e.transaction_id, e.amount_cents, e.currency, e.campaign_id, e.instant';
  // The sales, nine events in ten, come from the kept tables when they are not behind the ledger (event_slots
  // per 15-minute slot, in which every zone's day is whole; breakdown_days per campaign and UTC day): a sale
  // is booked at its own instant on both bases. The ledger's own statement reads them when they are.
  const kept = !(await store.aggregatesBehind());
  // Refunds, voids and chargebacks with the instant they are booked at: from refund_sales (kept at write
  // time, booked_at) by range when the kept tables are current, else the ledger's every one with their
  // transactions and parents found by id; the reversals (booked at their own instant) from the range's hull.
  const fromLedger = `ev AS (
       SELECT ${cols} FROM money_events e
       WHERE e.connection_id = ${conn} AND e.kind IN ('sale', 'refund', 'void', 'chargeback', 'chargeback_reversal') AND e.instant >= ${h0} AND e.instant < ${h1}
       UNION ALL
       SELECT ${cols} FROM money_events e
       WHERE e.connection_id = ${conn} AND e.kind IN ('refund', 'void', 'chargeback') AND NOT (e.instant >= ${h0} AND e.instant < ${h1})),
     b AS (SELECT ev.*, ${crmBookedAtSql('ev.kind', 'ev')} AS at, (ev.kind = 'chargeback_reversal' OR ${crmClearedSql('ev.kind')}) AS rev
       FROM ev
       LEFT JOIN transactions t ON t.connection_id = ${conn} AND t.transaction_id = ev.transaction_id AND ev.kind IN ('refund', 'void', 'chargeback')
       LEFT JOIN transactions pt ON pt.connection_id = ${conn} AND pt.transaction_id = t.parent_txn_id)`;
  const fromKept = `b AS (
       SELECT r.kind, r.transaction_id, r.amount_cents, r.currency, r.campaign_id, r.instant, r.booked_at AS at, r.cleared AS rev FROM refund_sales r
       WHERE r.connection_id = ${conn} AND ((r.booked_at >= ${a0} AND r.booked_at < ${a1}) OR (r.instant >= ${v0} AND r.instant < ${v1}))
       UNION ALL
       SELECT ${cols}, e.instant AS at, TRUE AS rev FROM money_events e
       WHERE e.connection_id = ${conn} AND e.kind = 'chargeback_reversal' AND e.instant >= ${h0} AND e.instant < ${h1})`;
  const rows = await store.query(
    `WITH ${kept ? fromKept : fromLedger},
     c AS MATERIALIZED (SELECT b.*, ${bookedDay} AS bd, ${shownDay} AS sd, ${ownDay} AS od FROM b
       WHERE (b.at >= ${a0} AND b.at < ${a1}) OR (b.instant >= ${v0} AND b.instant < ${v1}))
     SELECT 'line' AS g, kind, currency, CAST(NULL AS BIGINT) AS campaign_id, CAST(NULL AS BIGINT) AS transaction_id, bd, sd, CASE WHEN od = bd THEN 1 ELSE 0 END AS same, COUNT(*) AS n, SUM(amount_cents) AS cents, CAST(NULL AS BIGINT) AS at_ms, CAST(NULL AS BIGINT) AS own_ms
       FROM c GROUP BY kind, currency, bd, sd, CASE WHEN od = bd THEN 1 ELSE 0 END
     UNION ALL
     SELECT 'campaign', kind, currency, campaign_id, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT), COUNT(*), SUM(amount_cents), CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
       FROM c WHERE ${dayIn('bd')} GROUP BY kind, currency, campaign_id
     UNION ALL
     SELECT * FROM (SELECT 'move', kind, currency, CAST(NULL AS BIGINT), transaction_id, bd, sd, CASE WHEN od = bd THEN 1 ELSE 0 END, 1, amount_cents, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
       FROM c WHERE bd <> sd AND (${dayIn('bd')} OR ${dayIn('sd')}) ORDER BY sd, transaction_id, kind LIMIT ${maxMoves}) m
     UNION ALL
     SELECT 'event', kind, currency, campaign_id, transaction_id, bd, sd, CAST(NULL AS BIGINT), 1, amount_cents, ${ms('c.at')}, ${ms('c.instant')}
       FROM c WHERE c.transaction_id IN (
         SELECT transaction_id FROM c WHERE rev
         UNION SELECT * FROM (${askedSql}) a(id)
         UNION SELECT transaction_id FROM transactions WHERE connection_id = ${conn} AND parent_txn_id IN (SELECT * FROM (${heldSql}) h(id)))`,
    p.values,
  );

  const measureOf = (kind: EventKind) => MEASURE_OF[kind];
  const signed = (measure: ReconcileMeasure, cents: number) => (measure === 'sales' ? cents : -cents);
  const shownDays = new Map<Key, LineFigures>();
  const konduitDays = new Map<Key, LineFigures>();
  const konduitCampaigns = new Map<Key, LineFigures>();
  const movesCount: Record<MoveReason, number> = { booked_on_sale_date: 0, time_zone: 0 };
  const moves: Move[] = [];
  const ledgerOf = new Map<number, Contribution[]>();
  for (const r of rows) {
    const kind = String(r.kind) as EventKind;
    const measure = measureOf(kind);
    if (!measure) continue;
    const n = Number(r.n);
    const c = { measure, count: kind === 'chargeback_reversal' ? 0 : n, cents: signed(measure, Number(r.cents)) };
    const currency = String(r.currency);
    if (r.g === 'line') {
      const booked = d.dayOf(r.bd);
      const shown = d.dayOf(r.sd);
      if (inRange(booked)) add(konduitDays, lineKey(booked, currency), c);
      if (inRange(shown)) add(shownDays, lineKey(shown, currency), c);
      if (booked !== shown && (inRange(booked) || inRange(shown))) movesCount[Number(r.same) === 1 ? 'time_zone' : 'booked_on_sale_date'] += n;
    } else if (r.g === 'campaign') add(konduitCampaigns, campaignKey(num(r.campaign_id), currency), c);
    else if (r.g === 'move') {
      moves.push({ transactionId: Number(r.transaction_id), kind, measure, shownOn: d.dayOf(r.sd), bookedOn: d.dayOf(r.bd), reason: Number(r.same) === 1 ? 'time_zone' : 'booked_on_sale_date', count: c.count, cents: c.cents });
    } else {
      const txn = Number(r.transaction_id);
      const list = ledgerOf.get(txn) ?? [];
      list.push({ txn, date: localDate(Number(r.at_ms), az), campaignId: num(r.campaign_id), currency, measure, count: c.count, cents: c.cents });
      ledgerOf.set(txn, list);
    }
  }

  if (kept) await keptSales();

  /** The sales from the kept tables: the day lines, the campaign lines, the sales of the transactions an explanation reads, and the sales' moves listed. */
  async function keptSales(): Promise<void> {
    const sale = { measure: 'sales' as const };
    const rangeSql = (pp: Params, e: string) => {
      const at = (t: number) => d.instantParam(pp.add, t);
      return `${e} >= ${at(Math.min(aStart, vStart))} AND ${e} < ${at(Math.max(aEnd, vEnd))} AND ((${e} >= ${at(aStart)} AND ${e} < ${at(aEnd)}) OR (${e} >= ${at(vStart)} AND ${e} < ${at(vEnd)}))`;
    };
    // Per slot: the day each is booked on (account) and shown on (viewer); every sale's is its slot's.
    const p2 = new Params();
    const c2 = p2.add(q.connectionId);
    const slotRows = await store.query(
      `SELECT s.currency, ${d.localDay(p2.add, 's.slot', az, lo, hi)} AS bd, ${d.localDay(p2.add, 's.slot', vz, lo, hi)} AS sd, SUM(s.sale_count) AS n, SUM(s.gross_cents) AS cents
       FROM event_slots s WHERE s.connection_id = ${c2} AND ${rangeSql(p2, 's.slot')} GROUP BY 1, 2, 3`,
      p2.values,
    );
    const saleMovesByDay = new Map<string, number>();
    for (const r of slotRows) {
      const n = Number(r.n);
      if (n === 0 && Number(r.cents) === 0) continue;
      const c = { ...sale, count: n, cents: Number(r.cents) };
      const currency = String(r.currency);
      const booked = d.dayOf(r.bd);
      const shown = d.dayOf(r.sd);
      if (inRange(booked)) add(konduitDays, lineKey(booked, currency), c);
      if (inRange(shown)) add(shownDays, lineKey(shown, currency), c);
      if (booked !== shown && (inRange(booked) || inRange(shown))) {
        movesCount.time_zone += n;
        saleMovesByDay.set(shown, (saleMovesByDay.get(shown) ?? 0) + n);
      }
    }
    // Per campaign: the whole UTC days of the account's range from breakdown_days, its edges from the ledger.
    const p3 = new Params();
    const c3 = p3.add(q.connectionId);
    const first = Math.ceil(aStart / 86_400_000);
    const last = Math.floor(aEnd / 86_400_000);
    const whole = first < last;
    const edge = whole
      ? `e.instant >= ${d.instantParam(p3.add, aStart)} AND e.instant < ${d.instantParam(p3.add, aEnd)} AND (e.instant < ${d.instantParam(p3.add, first * 86_400_000)} OR e.instant >= ${d.instantParam(p3.add, last * 86_400_000)})`
      : `e.instant >= ${d.instantParam(p3.add, aStart)} AND e.instant < ${d.instantParam(p3.add, aEnd)}`;
    const campaignRows = await store.query(
      `${whole ? `SELECT k.currency, ${breakdownValueSql('campaign', 'k')} AS campaign_id, SUM(k.sale_count) AS n, SUM(k.gross_cents) AS cents FROM breakdown_days k
         WHERE k.connection_id = ${c3} AND k.dimension = 'campaign' AND k.day >= ${first} AND k.day < ${last} GROUP BY 1, 2
       UNION ALL ` : ''}SELECT e.currency, e.campaign_id, COUNT(*) AS n, SUM(e.amount_cents) AS cents FROM money_events e WHERE e.connection_id = ${c3} AND e.kind = 'sale' AND ${edge} GROUP BY 1, 2`,
      p3.values,
    );
    for (const r of campaignRows) {
      if (Number(r.n) === 0 && Number(r.cents) === 0) continue;
      add(konduitCampaigns, campaignKey(num(r.campaign_id), String(r.currency)), { ...sale, count: Number(r.n), cents: Number(r.cents) });
    }
    // The sales of the transactions an explanation reads (the ledger's other events of them came above).
    const p4 = new Params();
    const c4 = p4.add(q.connectionId);
    const want = [...new Set([...asked, ...ledgerOf.keys()])];
    const saleRows = await store.query(
      `SELECT e.transaction_id, e.amount_cents, e.currency, e.campaign_id, ${ms('e.instant')} AS at_ms FROM money_events e
       WHERE e.connection_id = ${c4} AND e.kind = 'sale' AND ${rangeSql(p4, 'e.instant')}
         AND e.transaction_id IN (SELECT * FROM (${idValuesSql(p4, want)}) w(id)
           UNION SELECT transaction_id FROM transactions WHERE connection_id = ${c4} AND parent_txn_id IN (SELECT * FROM (${idValuesSql(p4, [...held.keys()])}) h(id)))`,
      p4.values,
    );
    for (const r of saleRows) {
      const txn = Number(r.transaction_id);
      const list = ledgerOf.get(txn) ?? [];
      list.push({ txn, date: localDate(Number(r.at_ms), az), campaignId: num(r.campaign_id), currency: String(r.currency), measure: 'sales', count: 1, cents: Number(r.amount_cents) });
      ledgerOf.set(txn, list);
    }
    // The sales' moves listed: the first MAX_MOVES_LISTED by the day shown, read from the ledger up to the
    // day shown that completes them.
    if (saleMovesByDay.size > 0) {
      let through = '';
      let sum = 0;
      for (const day of [...saleMovesByDay.keys()].sort()) {
        through = day;
        sum += saleMovesByDay.get(day)!;
        if (sum >= maxMoves) break;
      }
      const p5 = new Params();
      const c5 = p5.add(q.connectionId);
      const until = Math.min(Math.max(aEnd, vEnd), startOfLocalDay(addDays(through, 1), vz));
      const moveRows = await store.query(
        `SELECT * FROM (SELECT e.transaction_id, e.amount_cents, ${d.localDay(p5.add, 'e.instant', az, lo, hi)} AS bd, ${d.localDay(p5.add, 'e.instant', vz, lo, hi)} AS sd FROM money_events e
           WHERE e.connection_id = ${c5} AND e.kind = 'sale' AND e.instant < ${d.instantParam(p5.add, until)} AND ${rangeSql(p5, 'e.instant')}) x
         WHERE x.bd <> x.sd AND (${dayIn('x.bd')} OR ${dayIn('x.sd')}) ORDER BY x.sd, x.transaction_id LIMIT ${maxMoves}`,
        p5.values,
      );
      for (const r of moveRows) {
        moves.push({ transactionId: Number(r.transaction_id), kind: 'sale', measure: 'sales', shownOn: d.dayOf(r.sd), bookedOn: d.dayOf(r.bd), reason: 'time_zone', count: 1, cents: Number(r.amount_cents) });
      }
    }
  }

  // Konduit's copies of the transactions an explanation reads, and of the sales they refund.
  const stored = new Map<number, StoredTxn>();
  const toView = (r: Record<string, unknown>): StoredTxn => ({
    stored: true, transactionId: Number(r.transaction_id), txnType: r.txn_type === null ? null : String(r.txn_type), responseType: r.response_type === null ? null : String(r.response_type),
    amountCents: num(r.total_cents), createdAt: num(r.created), parentTxnId: num(r.parent_txn_id), campaignId: num(r.campaign_id), currency: String(r.currency),
    isChargedback: r.is_chargedback === true, chargebackCents: num(r.chargeback_cents),
  });
  const load = async (wanted: readonly number[]) => {
    for (let i = 0; i < wanted.length; i += 500) {
      const chunk = [...new Set(wanted.slice(i, i + 500))];
      const p3 = new Params();
      const c3 = p3.add(q.connectionId);
      const more = await store.query(
        `SELECT transaction_id, txn_type, response_type, total_cents, ${ms('date_created')} AS created, parent_txn_id, campaign_id, currency, is_chargedback, chargeback_cents
         FROM transactions WHERE connection_id = ${c3} AND transaction_id IN (${chunk.map((id) => p3.add(id)).join(', ')})`,
        p3.values,
      );
      for (const r of more) stored.set(Number(r.transaction_id), toView(r));
    }
  };
  const ids = new Set<number>([...ledgerOf.keys(), ...changed.keys(), ...held.keys()]);
  await load([...ids]);
  // Parents a refund refers to that the first read did not bring (a sale outside the range).
  await load([...stored.values(), ...changed.values(), ...held.values()].map((x) => x.parentTxnId).filter((id): id is number => id !== null && !stored.has(id)));
  /** A transaction as the CRM has it now: its changed record, else Konduit's copy, else its quarantined copy. */
  const current = (id: number): CrmTxnView | null => changed.get(id) ?? stored.get(id) ?? held.get(id) ?? null;
  const asStored = (id: number): CrmTxnView | null => stored.get(id) ?? held.get(id) ?? null;

  // Explanations, transaction by transaction: (what the CRM counts now) - (what Konduit's ledger counts).
  const explained: (Explanation & { date: string; campaignId: number | null; currency: string })[] = [];
  const explain = (reason: ExplainedReason, cs: Contribution[]) => {
    for (const c of cs) explained.push({ reason, transactionId: c.txn, measure: c.measure, count: c.count, cents: c.cents, date: c.date, campaignId: c.campaignId, currency: c.currency });
  };
  let notSynced = 0;
  let quarantinedTouching = 0;
  const touches = (cs: Contribution[]) => cs.some((c) => inRange(c.date));
  const parentHeld = (x: CrmTxnView) => x.parentTxnId !== null && !stored.has(x.parentTxnId) && held.has(x.parentTxnId);
  /** Explains (x as the CRM has it now) - `base` with `reason`; true when that changes a line of the range. */
  const against = (base: Contribution[], x: CrmTxnView, reason: ExplainedReason): boolean => {
    const now = crmContribution(x, az, current);
    if (now === null) return false;
    const d = diff(base, now);
    explain(reason, d);
    return touches(d);
  };
  for (const id of ids) {
    const ledger = ledgerOf.get(id) ?? [];
    const mine = stored.get(id);
    const fresh = changed.get(id);
    const h = held.get(id);
    if (mine) {
      // Konduit's copy against its own ledger: a reversed chargeback, or a refund of a sale in quarantine.
      const asCopy = crmContribution(mine, az, asStored);
      if (asCopy === null) continue;
      const d = diff(ledger, asCopy);
      // A reversal booked, or a chargeback the copy no longer flags: the CRM cleared it.
      const reversed = ledger.some((c) => c.measure === 'chargebacks' && c.count === 0) || (!mine.isChargedback && ledger.some((c) => c.measure === 'chargebacks'));
      const reason: ExplainedReason | null = parentHeld(mine) ? 'quarantine' : reversed ? 'chargeback_reversed' : null;
      // Otherwise Konduit's copy and its own ledger disagree: left unexplained.
      if (d.length > 0 && reason) explain(reason, d);
      // Then the CRM's current record against Konduit's copy.
      if (fresh && against(asCopy, fresh, 'not_synced')) notSynced++;
    } else if (fresh) {
      // A record a sync would not read either stays in quarantine.
      if (against(ledger, fresh, h ? 'quarantine' : 'not_synced')) notSynced++;
    } else if (h && against(ledger, h, 'quarantine')) quarantinedTouching++;
  }

  // The lines: the CRM's, Konduit's CRM basis, and the explanations, per day and per campaign.
  const crmDays = new Map<Key, { line: CrmSummaryLine }>();
  for (const l of q.crmDays) if (inRange(l.key)) crmDays.set(lineKey(l.key, l.currency), { line: l });
  const crmCampaigns = new Map<Key, { line: CrmSummaryLine }>();
  for (const l of q.crmCampaigns) crmCampaigns.set(campaignKey(Number(l.key), l.currency), { line: l });
  const dayKeys = new Set<Key>([...konduitDays.keys(), ...crmDays.keys(), ...shownDays.keys()]);
  for (const e of explained) if (inRange(e.date)) dayKeys.add(lineKey(e.date, e.currency));
  const campaignKeys = new Set<Key>([...konduitCampaigns.keys(), ...crmCampaigns.keys()]);

  /** Amounts inferred for unreadable records, by transaction and measure (day lines first, then campaigns reuse them). */
  const inferred = new Map<string, number>();
  const build = (key: Key, crm: CrmSummaryLine | undefined, konduit: LineFigures | undefined, shown: LineFigures | null, mine: Explanation[], outside: boolean, display: string, currency: string): ReconcileLine => {
    const c: LineFigures = crm ? { sales: { ...crm.sales }, refunds: { ...crm.refunds }, chargebacks: { ...crm.chargebacks } } : zero();
    const k = konduit ?? zero();
    const rest = zero();
    // In a stable order whatever order the engine returned rows in: measure, reason, transaction.
    const items: Explanation[] = mine
      .filter((e) => e.count !== 0 || e.cents !== 0)
      .sort((a, b) => RECONCILE_MEASURES.indexOf(a.measure) - RECONCILE_MEASURES.indexOf(b.measure) || a.reason.localeCompare(b.reason) || (a.transactionId ?? 0) - (b.transactionId ?? 0) || a.count - b.count);
    for (const m of RECONCILE_MEASURES) {
      rest[m].count = c[m].count - k[m].count - items.filter((e) => e.measure === m).reduce((s, e) => s + e.count, 0);
      rest[m].cents = c[m].cents - k[m].cents - items.filter((e) => e.measure === m).reduce((s, e) => s + (e.cents ?? 0), 0);
      // Unreadable amounts of records whose count explains the rest: an amount a day line already
      // inferred is that record's; the rest of the line is the amount of the others (one record's, or
      // several records' together, given to the first of them).
      const unknown = items.filter((e) => e.measure === m && e.cents === null);
      for (const e of unknown) {
        const known = e.transactionId === null ? undefined : inferred.get(`${e.transactionId}|${m}`);
        if (known !== undefined) {
          e.cents = known;
          e.inferred = true;
          rest[m].cents -= known;
        }
      }
      const still = unknown.filter((e) => e.cents === null);
      if (rest[m].count === 0 && still.length > 0) {
        still.forEach((e, i) => {
          e.cents = i === 0 ? rest[m].cents : 0;
          e.inferred = true;
        });
        if (still.length === 1 && still[0]!.transactionId !== null) inferred.set(`${still[0]!.transactionId}|${m}`, rest[m].cents);
        rest[m].cents = 0;
      }
      if (outside && (rest[m].count !== 0 || rest[m].cents !== 0)) {
        items.push({ reason: 'outside_coverage', transactionId: null, measure: m, count: rest[m].count, cents: rest[m].cents });
        rest[m] = { count: 0, cents: 0 };
      }
    }
    const ok = RECONCILE_MEASURES.every((m) => rest[m].count === 0 && rest[m].cents === 0);
    return { key: display, name: crm?.name ?? null, currency, crm: c, konduit: k, shown, explained: items, unexplained: rest, ok };
  };

  const strip = (e: (typeof explained)[number]): Explanation => ({ reason: e.reason, transactionId: e.transactionId, measure: e.measure, count: e.count, cents: e.cents });
  const days = [...dayKeys].sort().map((key) => {
    const [date, currency] = key.split('|') as [string, string];
    const mine = explained.filter((e) => e.date === date && e.currency === currency).map(strip);
    const outside = q.coverageFrom !== null && date < q.coverageFrom;
    return build(key, crmDays.get(key)?.line, konduitDays.get(key), shownDays.get(key) ?? zero(), mine, outside, date, currency);
  });
  const campaigns = [...campaignKeys]
    .sort((a, b) => Number(a.split('|')[0]) - Number(b.split('|')[0]) || a.localeCompare(b))
    .map((key) => {
      const [campaign, currency] = key.split('|') as [string, string];
      const mine = explained.filter((e) => inRange(e.date) && String(e.campaignId ?? '') === campaign && e.currency === currency).map(strip);
      const outside = q.coverageFrom !== null && q.from < q.coverageFrom;
      return build(key, crmCampaigns.get(key)?.line, konduitCampaigns.get(key), null, mine, outside, campaign, currency);
    });
  moves.sort((a, b) => (a.shownOn < b.shownOn ? -1 : a.shownOn > b.shownOn ? 1 : a.transactionId - b.transactionId || a.kind.localeCompare(b.kind)));
  moves.length = Math.min(moves.length, maxMoves);
  return {
    connectionId: q.connectionId, from: q.from, to: q.to, accountZone: az, viewerZone: vz, coverageFrom: q.coverageFrom, asOf: q.asOf,
    days, campaigns, moves, moveCounts: movesCount, notSynced, quarantined: quarantinedTouching, ok: days.every((l) => l.ok) && campaigns.every((l) => l.ok),
  };
}
