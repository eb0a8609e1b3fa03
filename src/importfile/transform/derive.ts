/**
 * The mapping's derivations (issue 17, item 2): import values no single source cell holds, declared in
 * mapping.yaml under `derive` and documented in docs/migration.md ("Derivations"). All pure:
 *
 * - `splitExpiry`: a combined card expiry (06/31, 06/2031, 0631, 2031-06) -> month and 4-digit year;
 * - `sameAddress`: billShipSame from comparing the billing and shipping address blocks;
 * - `RowFacts` + `planAcrossRows`: what needs the whole file: isActiveRecurring and nextBillDate kept
 *   only on each subscription's latest approved sale, and dispute rows folded into chargeback columns
 *   of their parent transaction. build.ts reads the source twice when these are used: once for the
 *   facts, once to write.
 */
import { formatCents, parseCents } from '../../core/money.js';
import { TX } from '../spec/columns.js';
import type { ExpiryFormat, SourceCondition } from './mapping.js';

const EXPIRY: Record<Exclude<ExpiryFormat, 'auto'>, RegExp> = {
  'MM/YY': /^(\d{1,2})\s*[/.-]\s*(\d{2})$/,
  'MM/YYYY': /^(\d{1,2})\s*[/.-]\s*(\d{4})$/,
  MMYY: /^(\d{2})(\d{2})$/,
  MMYYYY: /^(\d{2})(\d{4})$/,
  'YYYY-MM': /^(\d{4})[/.-](\d{1,2})$/,
};

/** Splits a combined expiry into a 2-digit month and a 4-digit year, or null when it is not one (pure). */
export function splitExpiry(text: string, format: ExpiryFormat = 'auto'): { month: string; year: string } | null {
  const t = text.trim();
  const formats = format === 'auto' ? (Object.keys(EXPIRY) as (keyof typeof EXPIRY)[]) : [format];
  for (const f of formats) {
    const m = EXPIRY[f].exec(t);
    if (!m) continue;
    const [month, year] = f === 'YYYY-MM' ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
    const mo = Number(month);
    if (mo < 1 || mo > 12) return null;
    // Card expiry years are in this century: a 2-digit year has one reading.
    return { month: String(mo).padStart(2, '0'), year: year.length === 2 ? `20${year}` : year };
  }
  return null;
}

const BILLING = [TX.address1, TX.address2, TX.city, TX.state, TX.postalCode, TX.country] as const;
const SHIPPING = [TX.shipAddress1, TX.shipAddress2, TX.shipCity, TX.shipState, TX.shipPostalCode, TX.shipCountry] as const;
const loose = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * billShipSame of a built row (spec order): '1' when the shipping block is empty or equals the billing
 * block (ignoring case and spacing), else '0' (pure).
 */
export function sameAddress(cells: readonly string[]): '0' | '1' {
  if (SHIPPING.every((k) => (cells[k] ?? '').trim() === '')) return '1';
  return BILLING.every((b, i) => loose(cells[b] ?? '') === loose(cells[SHIPPING[i]!] ?? '')) ? '1' : '0';
}

/** Whether a source row meets every condition (values compared trimmed, in any case). */
export function meets(cells: readonly string[], at: (column: string) => number, when: readonly SourceCondition[]): boolean {
  return when.every((c) => c.values.some((v) => v.trim().toLowerCase() === (cells[at(c.column)] ?? '').trim().toLowerCase()));
}

/** What the first pass keeps of a built row for the derivations across rows (a few fields, not the row). */
export interface RowFacts {
  row: number;
  /** The subscription's key (derive.subscription), '' when the row has none. */
  subscription: string;
  /** A dispute row (derive.disputes): its parent's transaction id and reason code; null otherwise. */
  dispute: { parent: string; reasonCode: string } | null;
  /** dateCreated as built (YYYY-MM-DD HH:MM:SS, comparable as text). */
  at: string;
  /** An approved SALE or CAPTURE. */
  approvedSale: boolean;
  /** totalAmount as built. */
  total: string;
}

/** The facts of a built row (spec order). */
export function rowFacts(row: number, cells: readonly string[], subscription: string, dispute: RowFacts['dispute']): RowFacts {
  const approvedSale = (cells[TX.txnType] === 'SALE' || cells[TX.txnType] === 'CAPTURE') && cells[TX.responseType] === 'SUCCESS';
  return { row, subscription, dispute, at: cells[TX.dateCreated] ?? '', approvedSale, total: cells[TX.totalAmount] ?? '' };
}

/** A chargeback to write onto its parent transaction. */
export interface Chargeback {
  cents: number;
  date: string;
  reasonCode: string;
  /** Source rows of the dispute rows folded in. */
  rows: number[];
}

/** What the second pass does across rows. */
export interface CrossRowPlan {
  /** Per subscription key, the source row that keeps isActiveRecurring and nextBillDate. */
  latest: Map<string, number>;
  /** Per parent merchantTxnId, the chargeback its dispute rows add up to. */
  chargebacks: Map<string, Chargeback>;
}

/**
 * Plans the derivations across rows, fed one row's facts at a time (pure). A subscription's latest row
 * is its latest approved sale or capture by dateCreated (a later refund or decline does not carry the
 * subscription); without one, its latest row. Several disputes of one parent add up, with the latest
 * date and reason.
 */
export class CrossRowPlanner {
  private readonly best = new Map<string, { row: number; at: string; approved: boolean }>();
  private readonly chargebacks = new Map<string, Chargeback>();

  /** Folds in one row. */
  add(f: RowFacts): void {
    if (f.dispute) {
      const cents = Math.abs(parseCents(f.total) ?? 0);
      const date = f.at.slice(0, 10);
      const cb = this.chargebacks.get(f.dispute.parent);
      if (!cb) this.chargebacks.set(f.dispute.parent, { cents, date, reasonCode: f.dispute.reasonCode, rows: [f.row] });
      else {
        cb.cents += cents;
        cb.rows.push(f.row);
        if (date >= cb.date) Object.assign(cb, { date, reasonCode: f.dispute.reasonCode || cb.reasonCode });
      }
      return;
    }
    if (!f.subscription) return;
    const b = this.best.get(f.subscription);
    if (!b || (f.approvedSale && !b.approved) || (f.approvedSale === b.approved && f.at >= b.at)) this.best.set(f.subscription, { row: f.row, at: f.at, approved: f.approvedSale });
  }

  /** The plan for the second pass. */
  plan(): CrossRowPlan {
    return { latest: new Map([...this.best].map(([k, v]) => [k, v.row])), chargebacks: this.chargebacks };
  }
}

/** Applies the plan to a built row (spec order) in place: subscription flags and chargeback columns (pure). */
export function applyAcrossRows(cells: string[], f: Pick<RowFacts, 'row' | 'subscription'>, plan: CrossRowPlan): Chargeback | null {
  if (f.subscription && plan.latest.get(f.subscription) !== f.row) {
    cells[TX.isActiveRecurring] = '0';
    cells[TX.nextBillDate] = '';
  }
  const cb = plan.chargebacks.get((cells[TX.merchantTxnId] ?? '').trim());
  if (!cb) return null;
  cells[TX.isChargedback] = '1';
  cells[TX.chargebackTotal] = formatCents(cb.cents);
  cells[TX.chargebackDate] = cb.date;
  cells[TX.chargebackReasonCode] = cb.reasonCode;
  return cb;
}
