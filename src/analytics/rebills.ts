/**
 * Rebills ahead (docs/metrics.md, "Rebills ahead"): the live subscriptions (ACTIVE, TRIAL, RECYCLE_BILLING)
 * whose next bill date (the CRM's nextBillDate, account time) falls in the next 7, 30, 60 and 90 days from
 * the data's as-of, their count and list price (the purchase's price), and the revenue they should bring
 * at the approval rates observed per billing cycle in the ledger:
 * - a subscription about to bill cycle N (the CRM's billing cycle number + 1) is expected to pay
 *   price x (first-attempt approval at N + soft-decline share at N x recycle save rate at N);
 * - one already in recycle billing for N is expected to pay price x the save rate at N;
 * - a cycle with fewer than MIN_FIRST_ATTEMPTS first attempts in the ledger takes the rates of every
 *   rebill cycle together, and says so (`source`).
 * Each next bill is counted once: later cycles inside a window are not projected. Subscriptions whose
 * next bill date passed without a bill are counted apart (overdue).
 */
import type { Cents } from '../core/money.js';
import { addDays, localDate } from '../core/time.js';
import type { ReportReader } from '../store/store.js';
import type { Row } from '../store/tables.js';
import { divRoundMinor, rate } from './arith.js';
import type { Filter } from './dimensions.js';
import { Params, enumSql } from './sql.js';

/** The windows a report lists by default, in days from the as-of's day. */
export const DEFAULT_REBILL_WINDOWS = [7, 30, 60, 90] as const;
/** The longest window a report takes (days). */
export const MAX_REBILL_WINDOW = 366;
/** First attempts a cycle needs before its own rates are used (else every rebill cycle's together). */
export const MIN_FIRST_ATTEMPTS = 30;
/** Subscriptions listed one by one (those due soonest), at most. */
export const MAX_LISTED = 500;

/** The statuses of a subscription that will bill again. */
const LIVE = ['ACTIVE', 'TRIAL', 'RECYCLE_BILLING'];

export interface RebillsQuery {
  /** ISO 4217: subscriptions in this currency. */
  currency: string;
  /** Only `connection` filters apply. */
  filters?: Filter[];
  /** The data's as-of (epoch ms); default the clock. */
  asOf?: number;
  /** Window lengths in days (default 7, 30, 60, 90). */
  windows?: number[];
}

/** The approval observed at one billing cycle (or every rebill cycle together: cycle null). */
export interface CycleRate {
  cycle: number | null;
  /** Subscriptions attempted at the cycle. */
  firstAttempts: number;
  /** ... approved on the first attempt. */
  firstApproved: number;
  /** ... whose first attempt was a soft decline. */
  softFirst: number;
  /** Of those soft first declines no longer recycling: saved later, and not. */
  saved: number;
  lost: number;
  firstAttemptRate: number | null;
  softDeclineRate: number | null;
  saveRate: number | null;
  /** firstAttemptRate + softDeclineRate x saveRate: what a bill of this cycle is expected to bring. */
  expectedRate: number | null;
}

/** The rate a group of bills is valued at, and where it comes from. */
export interface RateUsed {
  /** 'cycle': the cycle's own; 'rebills': every rebill cycle together (the cycle has too few); 'none': no data. */
  source: 'cycle' | 'rebills' | 'none';
  rate: number | null;
}

/** Bills of one cycle (fresh, or retries of recycle billing) in a window or on a day. */
export interface BillLine {
  cycle: number;
  recycling: boolean;
  subscriptions: number;
  listCents: Cents;
  used: RateUsed;
  /** listCents x rate, rounded to the currency's minor unit; null without a rate. */
  expectedCents: Cents | null;
}

export interface RebillWindow {
  days: number;
  /** First and last day of the window (account time; with several zones, the earliest zone's). */
  from: string;
  to: string;
  subscriptions: number;
  listCents: Cents;
  /** The sum of its lines' expected revenue (lines without a rate count as 0 and are flagged). */
  expectedCents: Cents;
  /** Some bills had no rate to value them at. */
  unrated: number;
  lines: BillLine[];
}

/** A day of the calendar (the longest window's). */
export interface RebillDay {
  date: string;
  subscriptions: number;
  listCents: Cents;
  expectedCents: Cents;
}

/** One subscription due soon, for the list. */
export interface UpcomingBill {
  connectionId: string;
  purchaseId: string;
  customerId: number | null;
  date: string;
  cycle: number;
  status: string;
  listCents: Cents;
  rate: number | null;
}

export interface RebillsReport {
  currency: string;
  /** The instant the windows start from (epoch ms): the data's as-of. */
  asOf: number;
  windows: RebillWindow[];
  /** Live subscriptions whose next bill date is before the as-of's day (not billed yet). */
  overdue: { subscriptions: number; listCents: Cents };
  /** Observed rates per cycle (cycles 2 and later), then every rebill cycle together (cycle null). */
  rates: CycleRate[];
  days: RebillDay[];
  /** The subscriptions of the shortest window, soonest first, at most MAX_LISTED. */
  upcoming: UpcomingBill[];
  /** More subscriptions fall in the shortest window than are listed. */
  truncated: boolean;
}

const n = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

function cycleRate(cycle: number | null, firstAttempts: number, firstApproved: number, softFirst: number, saved: number, lost: number): CycleRate {
  const firstAttemptRate = rate(firstApproved, firstAttempts);
  const softDeclineRate = rate(softFirst, firstAttempts);
  const saveRate = rate(saved, saved + lost);
  const expectedRate = firstAttemptRate === null ? null : firstAttemptRate + (softDeclineRate ?? 0) * (saveRate ?? 0);
  return { cycle, firstAttempts, firstApproved, softFirst, saved, lost, firstAttemptRate, softDeclineRate, saveRate, expectedRate };
}

/** Checks the windows: whole days from 1 to MAX_REBILL_WINDOW, ascending, distinct. */
export function checkRebillWindows(w: readonly number[]): void {
  if (w.length === 0 || w.length > 12) throw new RangeError('give 1 to 12 windows');
  w.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 1 || d > MAX_REBILL_WINDOW) throw new RangeError(`a window is a whole number of days from 1 to ${MAX_REBILL_WINDOW}, got ${d}`);
    if (i > 0 && d <= (w[i - 1] ?? 0)) throw new RangeError('windows must be ascending and distinct');
  });
}

/**
 * The observed rates' counts per cycle (rows of cycle, first_attempts, first_ok, first_soft, saved, lost)
 * from the rebill rates kept at write time (src/store/rebill-rates.ts).
 */
async function keptRates(store: ReportReader, currency: string, connections: string[] | null): Promise<Row[]> {
  const p = new Params();
  return store.query(
    `SELECT cycle, SUM(first_attempts) AS first_attempts, SUM(first_ok) AS first_ok, SUM(first_soft) AS first_soft, SUM(saved) AS saved, SUM(lost) AS lost
     FROM rebill_rates WHERE currency = ${p.add(currency)}${connections === null ? '' : ` AND connection_id IN (${connections.map((c) => p.add(c)).join(', ')})`}
     GROUP BY cycle ORDER BY cycle`,
    p.values,
  );
}

/** Where the observed rates are read: the kept rebill rates, or the ledger while a rebuild is pending. */
export type RebillsSource = 'aggregate' | 'ledger';

/**
 * The subscriptions due ahead of the as-of and the revenue they should bring. The observed rates and the
 * live subscriptions per next bill date come from the tables kept at write time (rebill_rates,
 * rebill_due) unless a backfill left them behind (aggregatesBehind), then from the ledger and the
 * purchases; `source` forces one.
 */
export async function rebillsReport(store: ReportReader, q: RebillsQuery, o: { source?: RebillsSource } = {}): Promise<RebillsReport> {
  const windows = [...(q.windows ?? DEFAULT_REBILL_WINDOWS)];
  checkRebillWindows(windows);
  const asOf = q.asOf ?? Date.now();
  const longest = windows[windows.length - 1] ?? 90;
  const connections = (q.filters ?? []).find((f) => f.dimension === 'connection')?.values.map(String) ?? null;
  const p = new Params();
  const conn = (col: string) => (connections === null ? '' : ` AND ${col} IN (${connections.map((c) => p.add(c)).join(', ')})`);

  const source = o.source ?? ((await store.aggregatesBehind()) ? 'ledger' : 'aggregate');
  const currency = p.add(q.currency);
  // Observed rates: every subscription's attempts at each rebill cycle, numbered (ord 0 the first, rev 1 the last).
  const rateRows = source === 'aggregate' ? await keptRates(store, q.currency, connections) : await store.query(
    `WITH tries AS (
       SELECT e.connection_id, e.purchase_id, e.billing_cycle AS cycle, e.kind, ${enumSql('t.response_type')} AS response,
         ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id, e.billing_cycle ORDER BY e.instant, e.event_id) AS ord,
         ROW_NUMBER() OVER (PARTITION BY e.connection_id, e.purchase_id, e.billing_cycle ORDER BY e.instant DESC, e.event_id DESC) AS rev
       FROM money_events e LEFT JOIN transactions t ON t.connection_id = e.connection_id AND t.transaction_id = e.transaction_id
       WHERE e.kind IN ('sale', 'decline') AND e.purchase_id IS NOT NULL AND e.billing_cycle >= 2 AND e.currency = ${currency}${conn('e.connection_id')}),
     att AS (
       SELECT connection_id, purchase_id, cycle,
         MAX(CASE WHEN ord = 1 AND kind = 'sale' THEN 1 ELSE 0 END) AS first_ok,
         MAX(CASE WHEN ord = 1 AND kind = 'decline' AND response = 'SOFT_DECLINE' THEN 1 ELSE 0 END) AS first_soft,
         MAX(CASE WHEN kind = 'sale' THEN 1 ELSE 0 END) AS ok,
         MAX(CASE WHEN rev = 1 AND kind = 'decline' AND response = 'SOFT_DECLINE' THEN 1 ELSE 0 END) AS last_soft
       FROM tries GROUP BY 1, 2, 3),
     per AS (SELECT connection_id, purchase_id, MAX(CASE WHEN ok = 1 THEN cycle ELSE 1 END) AS last_ok FROM att GROUP BY 1, 2)
     SELECT a.cycle, COUNT(*) AS first_attempts, SUM(a.first_ok) AS first_ok, SUM(a.first_soft) AS first_soft,
       SUM(CASE WHEN a.first_soft = 1 AND a.ok = 1 THEN 1 ELSE 0 END) AS saved,
       SUM(CASE WHEN a.first_soft = 1 AND a.ok = 0 AND NOT (a.last_soft = 1 AND ${enumSql('pu.status')} = 'RECYCLE_BILLING' AND a.cycle = pe.last_ok + 1) THEN 1 ELSE 0 END) AS lost
     FROM att a
     JOIN per pe ON pe.connection_id = a.connection_id AND pe.purchase_id = a.purchase_id
     LEFT JOIN purchases pu ON pu.connection_id = a.connection_id AND pu.purchase_id = a.purchase_id
     GROUP BY 1 ORDER BY 1`,
    p.values,
  );
  const byCycle = new Map<number, CycleRate>();
  const pooled = { f: 0, a: 0, s: 0, sv: 0, l: 0 };
  for (const r of rateRows) {
    const c = cycleRate(n(r.cycle), n(r.first_attempts), n(r.first_ok), n(r.first_soft), n(r.saved), n(r.lost));
    byCycle.set(n(r.cycle), c);
    pooled.f += c.firstAttempts;
    pooled.a += c.firstApproved;
    pooled.s += c.softFirst;
    pooled.sv += c.saved;
    pooled.l += c.lost;
  }
  const all = cycleRate(null, pooled.f, pooled.a, pooled.s, pooled.sv, pooled.l);
  const used = (cycle: number, recycling: boolean): RateUsed => {
    const own = byCycle.get(cycle);
    const src = own && own.firstAttempts >= MIN_FIRST_ATTEMPTS ? own : all.firstAttempts > 0 ? all : null;
    if (!src) return { source: 'none', rate: null };
    const r = recycling ? src.saveRate : src.expectedRate;
    return { source: src === own ? 'cycle' : 'rebills', rate: r };
  };

  // Live subscriptions with a next bill date, per connection zone, by day, cycle and whether recycling.
  const zones = new Map((await store.query(`SELECT connection_id, timezone, base_currency FROM connections`)).map((c) => [String(c.connection_id), { zone: String(c.timezone), base: String(c.base_currency ?? 'USD') }]));
  const today = new Map([...zones].map(([id, z]) => [id, localDate(asOf, z.zone)]));
  const firstDay = [...today.values()].sort()[0] ?? localDate(asOf, 'UTC');
  const lastDay = addDays([...today.values()].sort().at(-1) ?? firstDay, longest - 1);
  /** The live subscriptions of the report due by `until` (FROM and WHERE), with their parameters in `pp`. */
  const liveSql = (pp: Params, until: string) => `FROM purchases pu JOIN connections c ON c.connection_id = pu.connection_id
     WHERE ${enumSql('pu.status')} IN (${LIVE.map((x) => `'${x}'`).join(', ')}) AND pu.next_bill_date IS NOT NULL AND pu.next_bill_date <= ${pp.add(until)}
       AND COALESCE(pu.currency, c.base_currency) = ${pp.add(q.currency)}${connections === null ? '' : ` AND pu.connection_id IN (${connections.map((x) => pp.add(x)).join(', ')})`}`;
  const s = new Params();
  // Kept per next bill date (src/store/rebill-rates.ts rebill_due: a purchase without a currency is in its connection's base currency).
  const grouped = await store.query(
    source === 'aggregate'
      ? `SELECT d.connection_id, SUBSTR(d.day, 1, 10) AS day, d.cycle, d.recycling, SUM(d.subscriptions) AS cnt, SUM(d.list_cents) AS cents
         FROM rebill_due d JOIN connections c ON c.connection_id = d.connection_id
         WHERE d.day <= ${s.add(lastDay)} AND CASE WHEN d.currency = '' THEN c.base_currency ELSE d.currency END = ${s.add(q.currency)}${connections === null ? '' : ` AND d.connection_id IN (${connections.map((x) => s.add(x)).join(', ')})`}
         GROUP BY 1, 2, 3, 4`
      : `SELECT pu.connection_id, SUBSTR(pu.next_bill_date, 1, 10) AS day, COALESCE(pu.billing_cycle, 1) + 1 AS cycle,
       CASE WHEN ${enumSql('pu.status')} = 'RECYCLE_BILLING' THEN 1 ELSE 0 END AS recycling, COUNT(*) AS cnt, SUM(COALESCE(pu.price_cents, 0)) AS cents
     ${liveSql(s, lastDay)} GROUP BY 1, 2, 3, 4`,
    s.values,
  );

  const wins: RebillWindow[] = windows.map((d) => ({ days: d, from: firstDay, to: addDays(firstDay, d - 1), subscriptions: 0, listCents: 0 as Cents, expectedCents: 0 as Cents, unrated: 0, lines: [] }));
  const lineKey = (c: number, r: boolean) => `${c}|${r ? 1 : 0}`;
  const lines = wins.map(() => new Map<string, { cycle: number; recycling: boolean; subscriptions: number; listCents: number }>());
  const dayMap = new Map<string, { subscriptions: number; listCents: number; exact: number }>();
  const overdue = { subscriptions: 0, listCents: 0 };
  for (const row of grouped) {
    const t = today.get(String(row.connection_id)) ?? firstDay;
    const date = String(row.day);
    const cnt = n(row.cnt);
    const cents = n(row.cents);
    const cycle = n(row.cycle);
    const recycling = n(row.recycling) === 1;
    if (date < t) {
      overdue.subscriptions += cnt;
      overdue.listCents += cents;
      continue;
    }
    // Days ahead of this connection's own as-of day: a window holds the bills of its first d days.
    const ahead = Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${t}T00:00:00Z`)) / 86_400_000);
    wins.forEach((w, i) => {
      if (ahead >= w.days) return;
      const m = lines[i]!;
      const k = lineKey(cycle, recycling);
      const l = m.get(k) ?? { cycle, recycling, subscriptions: 0, listCents: 0 };
      l.subscriptions += cnt;
      l.listCents += cents;
      m.set(k, l);
    });
    if (ahead < longest) {
      const r = used(cycle, recycling).rate;
      const dd = dayMap.get(date) ?? { subscriptions: 0, listCents: 0, exact: 0 };
      dd.subscriptions += cnt;
      dd.listCents += cents;
      dd.exact += r === null ? 0 : cents * r;
      dayMap.set(date, dd);
    }
  }
  const round = (x: number) => divRoundMinor(Math.round(x * 1e6), 1e6, q.currency) ?? 0;
  wins.forEach((w, i) => {
    w.lines = [...lines[i]!.values()]
      .sort((a, b) => a.cycle - b.cycle || Number(a.recycling) - Number(b.recycling))
      .map((l) => {
        const u = used(l.cycle, l.recycling);
        return { ...l, listCents: l.listCents as Cents, used: u, expectedCents: u.rate === null ? null : (round(l.listCents * u.rate) as Cents) };
      });
    w.subscriptions = w.lines.reduce((a, l) => a + l.subscriptions, 0);
    w.listCents = w.lines.reduce((a, l) => a + l.listCents, 0) as Cents;
    w.expectedCents = w.lines.reduce((a, l) => a + (l.expectedCents ?? 0), 0) as Cents;
    w.unrated = w.lines.filter((l) => l.expectedCents === null).reduce((a, l) => a + l.subscriptions, 0);
  });
  const days: RebillDay[] = [];
  for (let i = 0; i < longest; i++) {
    const date = addDays(firstDay, i);
    const d = dayMap.get(date);
    days.push({ date, subscriptions: d?.subscriptions ?? 0, listCents: (d?.listCents ?? 0) as Cents, expectedCents: round(d?.exact ?? 0) as Cents });
  }
  // Days of other zones' windows past the first zone's calendar, if any (several account zones).
  for (const [date, d] of [...dayMap].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!days.some((x) => x.date === date)) days.push({ date, subscriptions: d.subscriptions, listCents: d.listCents as Cents, expectedCents: round(d.exact) as Cents });
  }

  // The soonest subscriptions of the shortest window, listed.
  const first = windows[0] ?? 7;
  const l = new Params();
  const listed = await store.query(
    `SELECT pu.connection_id, pu.purchase_id, pu.customer_id, SUBSTR(pu.next_bill_date, 1, 10) AS day, COALESCE(pu.billing_cycle, 1) + 1 AS cycle, ${enumSql('pu.status')} AS status, COALESCE(pu.price_cents, 0) AS cents
     ${liveSql(l, addDays([...today.values()].sort().at(-1) ?? firstDay, first - 1))} AND pu.next_bill_date >= ${l.add(firstDay)}
     ORDER BY 4, 1, 2 LIMIT ${MAX_LISTED + 1}`,
    l.values,
  );
  const upcoming: UpcomingBill[] = [];
  for (const r of listed) {
    const t = today.get(String(r.connection_id)) ?? firstDay;
    const date = String(r.day);
    if (date < t || date > addDays(t, first - 1)) continue;
    const status = String(r.status);
    upcoming.push({
      connectionId: String(r.connection_id), purchaseId: String(r.purchase_id), customerId: r.customer_id === null ? null : n(r.customer_id), date, cycle: n(r.cycle), status,
      listCents: n(r.cents) as Cents, rate: used(n(r.cycle), status === 'RECYCLE_BILLING').rate,
    });
  }
  const truncated = listed.length > MAX_LISTED;
  return {
    currency: q.currency, asOf, windows: wins, overdue: { subscriptions: overdue.subscriptions, listCents: overdue.listCents as Cents },
    rates: [...[...byCycle.values()].sort((a, b) => (a.cycle ?? 0) - (b.cycle ?? 0)), all], days, upcoming: upcoming.slice(0, MAX_LISTED), truncated,
  };
}
