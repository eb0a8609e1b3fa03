/**
 * Odd values on served transaction records: a small, seeded share of records carries one value a
 * tolerant reader must still read (docs/sync.md: thousands separators, numeric strings, other date
 * formats, unknown enum values), and a rarer share one it cannot read at all, for quarantine. Which
 * record and which oddity is a hash of (seed, transactionId), never a draw from the simulation's
 * streams: the merchant is the same with or without oddities, a record is odd the same way on every
 * call, and only the served text changes (the ground truth keeps the clean value).
 */
import { hash32, mix32 } from './prng.js';
import type { Merchant, Txn } from './model.js';

/** Oddities a tolerant reader reads: the record stays whole. */
export const ODD_KINDS = ['money-thousands', 'cycle-string', 'chargeback-date-us', 'chargeback-date-time', 'enum-casing', 'unknown-enum'] as const;
/** Oddities no reader can read: the record belongs in quarantine. */
export const UNREADABLE_KINDS = ['bad-transaction-id', 'bad-amount'] as const;
export type OddKind = (typeof ODD_KINDS)[number];
export type UnreadableKind = (typeof UNREADABLE_KINDS)[number];

const keys = new WeakMap<Merchant, number>();

/**
 * The oddity a transaction is served with, or null. Kinds that cannot apply to the row (a chargeback
 * date on a row not charged back, a thousands separator under 1,000) are not candidates, so the rate
 * holds exactly; a row that gets charged back later may change kind, as its dateUpdated moves then.
 */
export function oddityOf(m: Merchant, x: Txn): OddKind | UnreadableKind | null {
  const { oddRate, unreadableRate } = m.config;
  if (oddRate === 0 && unreadableRate === 0) return null;
  let key = keys.get(m);
  if (key === undefined) {
    key = hash32(`oddities:${m.config.seed}`);
    keys.set(m, key);
  }
  const roll = mix32(key, x.transactionId) / 4294967296;
  if (roll >= unreadableRate + oddRate) return null;
  const pick = mix32(key ^ 0x2545f491, x.transactionId);
  if (roll < unreadableRate) return UNREADABLE_KINDS[pick % UNREADABLE_KINDS.length] as UnreadableKind;
  const kinds = ODD_KINDS.filter((k) => applies(k, x));
  return kinds[pick % kinds.length] as OddKind;
}

function applies(kind: OddKind, x: Txn): boolean {
  if (kind === 'money-thousands') return x.amount >= 100_000;
  if (kind === 'chargeback-date-us' || kind === 'chargeback-date-time') return x.isChargedback === 1 && x.chargebackDate !== null;
  return true;
}

/** A two-decimal money string with thousands separators: "1234567.50" as "1,234,567.50". */
export function withThousands(money: string): string {
  return money.replace(/\B(?=(\d{3})+\.)/g, ',');
}

const DISPLAY_RESPONSE: Record<string, string> = { SUCCESS: 'Success', SOFT_DECLINE: 'Soft Decline', HARD_DECLINE: 'Hard Decline' };

/** Rewrites a served transaction record per its oddity (in place; the keys stay, only values change). */
export function applyOddity(m: Merchant, x: Txn, rec: Record<string, unknown>): void {
  const kind = oddityOf(m, x);
  if (kind === null) return;
  switch (kind) {
    case 'money-thousands':
      for (const field of ['totalAmount', 'salesTax', 'shipping', 'chargebackAmount']) {
        const v = rec[field];
        if (typeof v === 'string') rec[field] = withThousands(v);
      }
      return;
    case 'cycle-string':
      rec.billingCycleNumber = ` ${x.cycle} `;
      return;
    case 'chargeback-date-us': {
      const d = x.chargebackDate as string;
      rec.chargebackDate = `${d.slice(5, 7)}/${d.slice(8, 10)}/${d.slice(0, 4)}`;
      return;
    }
    case 'chargeback-date-time':
      rec.chargebackDate = `${x.chargebackDate as string} 00:00:00`;
      return;
    case 'enum-casing':
      rec.responseType = DISPLAY_RESPONSE[x.response] ?? x.response;
      return;
    case 'unknown-enum':
      // Nobody knows how the CRM labels upsells: a value no list has.
      rec.orderType = 'UPSALE';
      return;
    case 'bad-transaction-id':
      rec.transactionId = `TX${x.transactionId}`;
      return;
    case 'bad-amount':
      rec.totalAmount = 'abc';
      return;
  }
}
