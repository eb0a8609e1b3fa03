/**
 * What a money event costs (docs/economics.md, "The margin ledger"), declared once: the merchant's rates
 * (product cost and fulfilment per product, processing per MID, payouts per affiliate and cycle), each
 * versioned by the date it takes effect and in its currency, and the cost columns a money event carries
 * beside its amount. The store derives each event's costs from these declarations (store/costs.ts); the
 * reports sum the columns by their group (expenses, fees, commissions) and subtract them from revenue.
 * Pure.
 *
 * | money event | costs it carries |
 * |---|---|
 * | sale | product cost and fulfilment (its product, or its campaign's product); the processing rate of its amount and the fixed fee (its MID); the payout of its affiliate for its cycle, once per order, at the order's first sale |
 * | refund | the refund fee of its MID |
 * | chargeback | the chargeback fee of its MID |
 * | void, chargeback reversal, decline | nothing |
 */
import { decimalsOf } from '../core/currency.js';
import type { EventKind } from './events.js';

/** The rate tables a connection keeps (docs/economics.md, "Costs"). */
export const RATE_KINDS = ['products', 'processing', 'payouts'] as const;
export type RateKind = (typeof RATE_KINDS)[number];

/** Where a source of customers is read (economics: spend is recorded against one of them). */
export const SOURCE_KINDS = ['campaign', 'affiliate', 'subaffiliate', 'utm'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** The group a cost belongs to when it is reported: the CRM's Expenses, its Commissions, and the dispute and refund fees apart. */
export type CostGroup = 'expenses' | 'commissions' | 'fees';

/** One cost column of an event. */
export interface CostColumn {
  /** The column on cost_events (hundredths of the event's currency, a positive cost; NULL: no rate applied). */
  column: string;
  /** The money event it is booked with. */
  kind: EventKind;
  group: CostGroup;
  label: string;
}

/** Every cost an event can carry, in report order. */
export const COST_COLUMNS = {
  product: { column: 'product_cents', kind: 'sale', group: 'expenses', label: 'Product cost' },
  fulfilment: { column: 'fulfilment_cents', kind: 'sale', group: 'expenses', label: 'Fulfilment' },
  transactionFee: { column: 'txn_fee_cents', kind: 'sale', group: 'expenses', label: 'Transaction fees' },
  rateFee: { column: 'rate_fee_cents', kind: 'sale', group: 'expenses', label: 'Discount-rate fees' },
  refundFee: { column: 'refund_fee_cents', kind: 'refund', group: 'fees', label: 'Refund fees' },
  chargebackFee: { column: 'chargeback_fee_cents', kind: 'chargeback', group: 'fees', label: 'Chargeback fees' },
  payout: { column: 'payout_cents', kind: 'sale', group: 'commissions', label: 'Affiliate payouts' },
} as const satisfies Record<string, CostColumn>;
export type CostName = keyof typeof COST_COLUMNS;
export const COST_NAMES = Object.keys(COST_COLUMNS) as CostName[];

/** The money events that carry costs (a cost row each in the margin ledger). */
export const COSTED_KINDS: readonly EventKind[] = [...new Set(Object.values(COST_COLUMNS).map((c) => c.kind))];

/** The cost columns of a group. */
export function costsOf(group: CostGroup): CostName[] {
  return COST_NAMES.filter((n) => COST_COLUMNS[n].group === group);
}

/** A rate version: it applies from local midnight of `from` (account time) until the next version of the same key. */
export interface Versioned {
  /** "YYYY-MM-DD", the account's calendar. */
  from: string;
  /** ISO 4217: it applies to events in this currency only. */
  currency: string;
}

/** Product cost and fulfilment of a product, optionally in one campaign only (a campaign product). */
export interface ProductRate extends Versioned {
  productId: number;
  /** null: every campaign that has no rate of its own for the product. */
  campaignId: number | null;
  costCents: number;
  fulfilmentCents: number;
}

/** A MID's processing fees. */
export interface ProcessingRate extends Versioned {
  /** null: every MID that has no rate of its own. */
  merchantId: number | null;
  /** The discount rate in millionths of the amount (2.9% = 29,000). */
  ratePpm: number;
  fixedCents: number;
  chargebackCents: number;
  refundCents: number;
}

/** An affiliate's payout (CPA) for an approved order of a billing cycle. */
export interface PayoutRate extends Versioned {
  affId: string;
  /** null: every sub-affiliate of the affiliate that has no rate of its own. */
  subAffId: string | null;
  cycle: number;
  cpaCents: number;
}

/** Ad spend of one day against one source of customers. */
export interface SpendRow {
  /** "YYYY-MM-DD": the day the platform reported it for. */
  day: string;
  sourceKind: SourceKind;
  /** The source's value: a campaign id, an affiliate id, a sub-affiliate, a UTM source. */
  source: string;
  /** Where it came from: meta, google, tiktok, or what the importer said (manual, api, ...). */
  platform: string;
  currency: string;
  spendCents: number;
}

/** The rates of every kind, as stored. */
export interface Rates {
  products: ProductRate[];
  processing: ProcessingRate[];
  payouts: PayoutRate[];
}

/** A key's versions as instant intervals [startMs, endMs): the last runs to `endOfTime`. */
export interface Interval<T> {
  rate: T;
  startMs: number;
  endMs: number;
}

/** Far beyond any event (year 9999): the end of a rate's last version. */
export const END_OF_TIME = Date.UTC(9999, 11, 31);

/**
 * Each key's versions as intervals of instants: a version applies from local midnight of its `from`
 * in the account's zone (`startOf`) until the next version of the same key. `keyOf` names the key;
 * the currency is always part of it.
 */
export function intervalsOf<T extends Versioned>(rates: readonly T[], keyOf: (r: T) => string, startOf: (date: string) => number): Interval<T>[] {
  const byKey = new Map<string, T[]>();
  for (const r of rates) {
    const k = `${r.currency}\u0001${keyOf(r)}`;
    const list = byKey.get(k) ?? [];
    list.push(r);
    byKey.set(k, list);
  }
  const out: Interval<T>[] = [];
  for (const list of byKey.values()) {
    list.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    list.forEach((rate, i) => {
      const next = list[i + 1];
      out.push({ rate, startMs: startOf(rate.from), endMs: next ? startOf(next.from) : END_OF_TIME });
    });
  }
  return out;
}

/** The keys of each rate kind (the currency and the effective date complete them). */
export const RATE_KEYS = {
  products: (r: ProductRate) => `${r.productId}\u0001${r.campaignId ?? ''}`,
  processing: (r: ProcessingRate) => `${r.merchantId ?? ''}`,
  payouts: (r: PayoutRate) => `${r.affId}\u0001${r.subAffId ?? ''}\u0001${r.cycle}`,
} as const;

/**
 * The discount-rate fee of an amount: amount x rate, rounded once, half away from zero, to the
 * currency's minor unit (a cent; a whole peso of CLP).
 */
export function rateFee(amountCents: number, ratePpm: number, currency: string): number {
  const unit = decimalsOf(currency) === 2 ? 1 : 100;
  const a = Math.abs(amountCents) * ratePpm;
  const d = 1_000_000 * unit;
  return Math.floor((2 * a + d) / (2 * d)) * unit;
}

/** Millionths of an amount from a percentage as people write it ("2.9", "2.9%", "0.25%"): exact, never through a float. */
export function percentToPpm(text: string): number | null {
  const m = /^\s*(\d{1,3})(?:\.(\d{1,4}))?\s*%?\s*$/.exec(text);
  if (!m) return null;
  const ppm = Number(m[1]) * 10_000 + Number((m[2] ?? '').padEnd(4, '0'));
  return ppm <= 1_000_000 ? ppm : null;
}

/** A rate in millionths as a percentage string: 29000 -> "2.9". */
export function ppmToPercent(ppm: number): string {
  const whole = Math.floor(ppm / 10_000);
  const frac = String(ppm % 10_000).padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : String(whole);
}
