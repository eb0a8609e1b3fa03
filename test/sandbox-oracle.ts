/**
 * Test helper: the money-event ledger by docs/metrics.md, computed from a sandbox merchant's ground truth
 * (its in-memory transactions), never from Konduit's code: the oracle the report tests compare against.
 */
import { dateOnlyToInstant } from '../src/core/time.js';
import { oddityOf, UNREADABLE_KINDS, type Merchant } from '../src/sandbox/index.js';

export type Kind = 'sale' | 'refund' | 'void' | 'chargeback' | 'decline';

export interface Ev {
  id: string;
  txn: number;
  kind: Kind;
  t: number;
  /** The instant the CRM basis books it at: the sale's creation for refunds, voids and chargebacks. */
  crmT: number;
  cents: number;
  customer: number;
  order: string;
  purchase: string | null;
  campaign: number;
  /** The transaction's product, else its order's first. */
  product: number | null;
  mid: number;
  /** The customer's affiliate and sub-affiliate (sourceValue1), as the CRM serves them on each record. */
  aff: string | null;
  sub: string | null;
  /** The UTM source of the order: the sandbox serves "affiliate" for customers who came through one. */
  utm: string | null;
  cycle: number;
  /** ISO 4217: its campaign's currency. */
  currency: string;
  /** The sandbox's response type and recycle number (0 on a cycle's first attempt) of the transaction. */
  response: string;
  recycle: number;
}

/** The ledger by docs/metrics.md, from the ground truth (a void of an authorization books nothing). */
export function oracleEvents(m: Merchant): Ev[] {
  const z = m.config.timezone;
  const out: Ev[] = [];
  for (const x of m.txns) {
    // A record the CRM serves unreadable is set aside (quarantine), not in any report.
    if ((UNREADABLE_KINDS as readonly string[]).includes(oddityOf(m, x) ?? '')) continue;
    const ok = x.response === 'SUCCESS';
    const c = x.order.customer;
    const base = {
      txn: x.transactionId, currency: x.order.campaign.currency.code, customer: c.customerId, order: x.order.orderId, purchase: x.purchase?.purchaseId ?? null,
      campaign: x.order.campaign.campaignId, product: x.line?.cp.productId ?? x.order.lines[0]?.cp.productId ?? null, mid: x.mid.merchantId,
      aff: c.affiliate?.affId ?? null, sub: c.sourceValue1, utm: c.affiliate ? 'affiliate' : null, cycle: x.cycle, response: x.response, recycle: x.recycle,
    };
    const parentT = x.parent ? x.parent.t : x.t;
    let kind: Kind | null = null;
    if (ok && (x.type === 'SALE' || x.type === 'CAPTURE')) kind = 'sale';
    else if (ok && x.type === 'REFUND') kind = 'refund';
    else if (ok && x.type === 'VOID' && x.parent?.type !== 'AUTHORIZE') kind = 'void';
    else if (!ok && (x.type === 'SALE' || x.type === 'AUTHORIZE')) kind = 'decline';
    if (kind) out.push({ ...base, id: `${kind}:${x.transactionId}`, kind, t: x.t, crmT: kind === 'refund' || kind === 'void' ? parentT : x.t, cents: kind === 'sale' || kind === 'decline' ? x.amount : -x.amount });
    if (x.isChargedback) {
      const t = dateOnlyToInstant(x.chargebackDate ?? '', z) ?? x.t;
      out.push({ ...base, id: `chargeback:${x.transactionId}`, kind: 'chargeback', t, crmT: x.t, cents: -(x.chargebackAmount ?? x.amount) });
    }
  }
  return out;
}

/**
 * Each customer's first sale event (earliest instant, then event id); a customer whose first sale read
 * is a rebill (their first was set aside unreadable) was acquired before the data, and has none.
 */
export function firstSales(evs: Ev[]): Map<number, Ev> {
  const first = new Map<number, Ev>();
  for (const e of evs) {
    if (e.kind !== 'sale') continue;
    const f = first.get(e.customer);
    if (!f || e.t < f.t || (e.t === f.t && e.id < f.id)) first.set(e.customer, e);
  }
  for (const [c, f] of first) if (f.cycle > 1) first.delete(c);
  return first;
}
