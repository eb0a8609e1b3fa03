/**
 * The golden dataset: a hand-built ledger (account zone America/New_York) whose figures the golden test
 * (src/analytics/golden.integration.test.ts) works out by hand, and the report snapshot reuses.
 *
 * The dataset (NY wall times; EST = UTC-5 until 2025-03-09 02:00, then EDT = UTC-4):
 *   C1  T101 sale  2025-01-10 10:00  +100.00  c1 P1 O1  camp 1 aff A mid 501
 *       T102 sale  2025-02-09 10:00   +50.00  c2 P1 O1b (exactly 30 days after T101)
 *       T103 refund 2025-03-01 09:00  -50.00  parent T102
 *   C2  T201 sale  2025-01-31 23:30   +80.00  c1 O2 camp 1 aff B mid 501   (Feb 1 04:30Z)
 *       T202 refund 2025-02-01 00:30  -30.00  parent T201 (just after a January range ends)
 *   C3  T301 sale  2025-01-01 00:30   +60.00  c1 O3 camp 2 mid 502 (no affiliate)
 *   C4  T401 sale  2024-12-20 12:00   +40.00  c1 O4 camp 2 mid 502
 *       T402 refund 2024-12-31 23:50  -40.00  parent T401 (just before a January range starts; Jan 1 04:50Z)
 *   C5  T501 sale  2024-11-15 14:00  +120.00  c1 O5 camp 1 mid 501, charged back 2025-01-20 (12:00 NY = 17:00Z)
 *   C6  T601 sale  2025-03-09 01:30   +30.00  c1 P6 O6 camp 1 mid 501 (DST day, before the jump: 06:30Z)
 *   C7  T701 sale  2025-03-09 23:30   +45.00  c1 O7 camp 2 mid 502 (DST day, after: Mar 10 03:30Z)
 *   C8  T801 decline 2025-01-15 10:00 (70.00) c1; T802 sale 2025-01-15 10:05 +70.00 c1 O8 camp 2 mid 502
 *   C9  T901 sale  2025-01-05 12:00   +25.00  c1 O9 camp 1 mid 501; T902 void 2025-01-05 13:00 -25.00 parent T901
 *   C10 T1001 sale 2025-01-02 09:00   +20.00  c1 P10 O10 camp 1 mid 501
 *       T1002 decline 2025-02-01 09:00 (20.00) c2 P10; T1003 sale 2025-02-04 09:00 +20.00 c2 P10 O10b
 *   C11 T1101 sale 2025-01-31 22:00   +10.00 and T1102 +5.00, one order O11, camp 2 mid 502 (Feb 1 03:00Z)
 *   C12 T1201 sale 2024-12-05 10:00   +90.00  c1 O12 camp 1 mid 501
 * Purchases: P1 CANCELLED, P6 CANCELLED, P10 ACTIVE.
 * The far viewer is Australia/Brisbane (UTC+10, no DST): 15 hours ahead of New York in winter.
 */
import { crmWallToInstant, dateOnlyToInstant } from '../src/core/time.js';
import type { EventKind, MoneyEvent } from '../src/ledger/index.js';
import type { PageRow, PURCHASES as PURCHASES_TABLE, TRANSACTIONS } from '../src/store/tables.js';
import type { Store } from '../src/store/store.js';
import { openTestStore } from './stores.js';

export const NY = 'America/New_York';
export const BNE = 'Australia/Brisbane';

const at = (wall: string, zone = NY): number => {
  const ms = crmWallToInstant(wall, zone);
  if (ms === null) throw new Error(wall);
  return ms;
};

/**
 * A transaction written by hand: wall times in the account's zone, amounts in hundredths of its currency
 * (`cur`, USD unless given). A sale may be charged back (`cb`, a date) and the chargeback reversed (`rev`,
 * the wall time the reversal was seen).
 */
export interface HandTxn {
  id: number;
  cust: number;
  type: 'SALE' | 'REFUND' | 'VOID';
  ok?: boolean;
  wall: string;
  cents: number;
  cur?: string;
  cycle?: number;
  purchase?: string;
  order: string;
  camp: number;
  aff?: string;
  mid: number;
  parent?: number;
  cb?: string;
  rev?: string;
  /** A declined attempt's response as the CRM serves it (default SOFT_DECLINE; also "Soft Decline"). */
  resp?: string;
  /** The sub-affiliate (sourceValue1); default "<aff>-sub". */
  sub?: string;
}
type T = HandTxn;

const TXNS: T[] = [
  { id: 101, cust: 1, type: 'SALE', wall: '2025-01-10 10:00:00', cents: 10000, purchase: 'P1', order: 'O1', camp: 1, aff: 'A', mid: 501 },
  { id: 102, cust: 1, type: 'SALE', wall: '2025-02-09 10:00:00', cents: 5000, cycle: 2, purchase: 'P1', order: 'O1b', camp: 1, aff: 'A', mid: 501 },
  { id: 103, cust: 1, type: 'REFUND', wall: '2025-03-01 09:00:00', cents: 5000, cycle: 2, purchase: 'P1', order: 'O1b', camp: 1, aff: 'A', mid: 501, parent: 102 },
  { id: 201, cust: 2, type: 'SALE', wall: '2025-01-31 23:30:00', cents: 8000, order: 'O2', camp: 1, aff: 'B', mid: 501 },
  { id: 202, cust: 2, type: 'REFUND', wall: '2025-02-01 00:30:00', cents: 3000, order: 'O2', camp: 1, aff: 'B', mid: 501, parent: 201 },
  { id: 301, cust: 3, type: 'SALE', wall: '2025-01-01 00:30:00', cents: 6000, order: 'O3', camp: 2, mid: 502 },
  { id: 401, cust: 4, type: 'SALE', wall: '2024-12-20 12:00:00', cents: 4000, order: 'O4', camp: 2, mid: 502 },
  { id: 402, cust: 4, type: 'REFUND', wall: '2024-12-31 23:50:00', cents: 4000, order: 'O4', camp: 2, mid: 502, parent: 401 },
  { id: 501, cust: 5, type: 'SALE', wall: '2024-11-15 14:00:00', cents: 12000, order: 'O5', camp: 1, mid: 501, cb: '2025-01-20' },
  { id: 601, cust: 6, type: 'SALE', wall: '2025-03-09 01:30:00', cents: 3000, purchase: 'P6', order: 'O6', camp: 1, mid: 501 },
  { id: 701, cust: 7, type: 'SALE', wall: '2025-03-09 23:30:00', cents: 4500, order: 'O7', camp: 2, mid: 502 },
  { id: 801, cust: 8, type: 'SALE', ok: false, wall: '2025-01-15 10:00:00', cents: 7000, order: 'O8', camp: 2, mid: 502 },
  { id: 802, cust: 8, type: 'SALE', wall: '2025-01-15 10:05:00', cents: 7000, order: 'O8', camp: 2, mid: 502 },
  { id: 901, cust: 9, type: 'SALE', wall: '2025-01-05 12:00:00', cents: 2500, order: 'O9', camp: 1, mid: 501 },
  { id: 902, cust: 9, type: 'VOID', wall: '2025-01-05 13:00:00', cents: 2500, order: 'O9', camp: 1, mid: 501, parent: 901 },
  { id: 1001, cust: 10, type: 'SALE', wall: '2025-01-02 09:00:00', cents: 2000, purchase: 'P10', order: 'O10', camp: 1, mid: 501 },
  { id: 1002, cust: 10, type: 'SALE', ok: false, wall: '2025-02-01 09:00:00', cents: 2000, cycle: 2, purchase: 'P10', order: 'O10b', camp: 1, mid: 501 },
  { id: 1003, cust: 10, type: 'SALE', wall: '2025-02-04 09:00:00', cents: 2000, cycle: 2, purchase: 'P10', order: 'O10b', camp: 1, mid: 501 },
  { id: 1101, cust: 11, type: 'SALE', wall: '2025-01-31 22:00:00', cents: 1000, order: 'O11', camp: 2, mid: 502 },
  { id: 1102, cust: 11, type: 'SALE', wall: '2025-01-31 22:00:00', cents: 500, order: 'O11', camp: 2, mid: 502 },
  { id: 1201, cust: 12, type: 'SALE', wall: '2024-12-05 10:00:00', cents: 9000, order: 'O12', camp: 1, mid: 501 },
];

/** Ledger rows of hand-written transactions (signs as docs/metrics.md: sales +, a reversal +, the rest -). */
export function ledgerOf(txns: readonly HandTxn[], zone = NY): { rows: PageRow<typeof TRANSACTIONS>[]; events: MoneyEvent[] } {
  const rows: PageRow<typeof TRANSACTIONS>[] = [];
  const events: MoneyEvent[] = [];
  for (const t of txns) {
    const cycle = t.cycle ?? 1;
    const currency = t.cur ?? 'USD';
    rows.push({
      transaction_id: t.id, order_id: t.order, customer_id: t.cust, purchase_id: t.purchase ?? null, parent_txn_id: t.parent ?? null, txn_type: t.type,
      response_type: t.ok === false ? (t.resp ?? 'SOFT_DECLINE') : 'SUCCESS', total_cents: t.cents, billing_cycle: cycle, merchant_id: t.mid, campaign_id: t.camp, product_id: 10 + t.camp,
      aff_id: t.aff ?? null, source_value1: t.sub ?? (t.aff ? `${t.aff}-sub` : null), is_chargedback: t.cb !== undefined && t.rev === undefined, chargeback_cents: t.cb ? t.cents : null, chargeback_date: t.cb ?? null,
      date_created: at(t.wall, zone), date_updated: at(t.rev ?? t.wall, zone), currency,
    });
    const base = { transaction_id: t.id, customer_id: t.cust, order_id: t.order, purchase_id: t.purchase ?? null, campaign_id: t.camp, product_id: 10 + t.camp, aff_id: t.aff ?? null, source_value1: t.sub ?? (t.aff ? `${t.aff}-sub` : null), merchant_id: t.mid, billing_cycle: cycle, is_initial: cycle <= 1, currency, coupon_code: null, attribution: null };
    const kind = (t.ok === false ? 'decline' : t.type.toLowerCase()) as EventKind;
    const sign = kind === 'sale' || kind === 'decline' ? 1 : -1;
    events.push({ ...base, event_id: `${kind}:${t.id}`, kind, instant: at(t.wall, zone), amount_cents: sign * t.cents });
    if (t.cb) events.push({ ...base, event_id: `chargeback:${t.id}`, kind: 'chargeback', instant: dateOnlyToInstant(t.cb, zone) ?? at(t.wall, zone), amount_cents: -t.cents });
    if (t.rev) events.push({ ...base, event_id: `chargeback_reversal:${t.id}`, kind: 'chargeback_reversal', instant: at(t.rev, zone), amount_cents: t.cents });
  }
  return { rows, events };
}

/** The golden dataset's ledger rows, written by hand from the table above. */
export function ledger(): { rows: PageRow<typeof TRANSACTIONS>[]; events: MoneyEvent[] } {
  return ledgerOf(TXNS);
}

export const PURCHASES: PageRow<typeof PURCHASES_TABLE>[] = [
  { purchase_id: 'P1', customer_id: 1, order_id: 'O1', status: 'CANCELLED', billing_cycle: 2 },
  { purchase_id: 'P6', customer_id: 6, order_id: 'O6', status: 'CANCELLED', billing_cycle: 1 },
  { purchase_id: 'P10', customer_id: 10, order_id: 'O10', status: 'ACTIVE', billing_cycle: 2 },
];

/** A fresh store on the engine with one New York connection of that name. */
export async function openEngine(engine: 'duckdb' | 'postgres', name: string): Promise<{ store: Store; dispose: () => Promise<void>; cid: string }> {
  const { store, dispose } = await openTestStore(engine, 'golden');
  const c = await store.saveConnection({ name, brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: NY, frequency: 'daily' });
  return { store, dispose, cid: c.connectionId };
}

/** A fresh store on the engine with the golden dataset written under one New York connection. */
export async function openGoldenStore(engine: 'duckdb' | 'postgres'): Promise<{ store: Store; dispose: () => Promise<void>; cid: string }> {
  const opened = await openEngine(engine, 'golden');
  const { rows, events } = ledger();
  await opened.store.writePages([
    { connectionId: opened.cid, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } },
    { connectionId: opened.cid, table: 'purchases', rows: PURCHASES },
  ]);
  return opened;
}
