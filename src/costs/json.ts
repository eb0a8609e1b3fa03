/**
 * Costs as JSON and as text options, the same for `konduit costs list --format json` and the HTTP API
 * (docs/api.md, "Costs"): every amount a decimal string in its currency, rates with the fields the
 * import reads, so what GET answers can be sent back to PUT unchanged.
 */
import { formatMinor } from '../core/currency.js';
import { UsageError } from '../core/errors.js';
import { ppmToPercent, type Rates, type SpendRow } from '../ledger/costs.js';

/** One rate or spend row as JSON: field -> text. */
export type CostRowJson = Record<string, string>;

/** A connection's rates, kind by kind, with the import's field names. */
export function ratesJson(rates: Rates): { products: CostRowJson[]; processing: CostRowJson[]; payouts: CostRowJson[] } {
  return {
    products: rates.products.map((r) => ({
      product: String(r.productId), campaign: r.campaignId === null ? '' : String(r.campaignId), currency: r.currency, from: r.from,
      cost: formatMinor(r.costCents, r.currency), fulfilment: formatMinor(r.fulfilmentCents, r.currency),
    })),
    processing: rates.processing.map((r) => ({
      mid: r.merchantId === null ? '*' : String(r.merchantId), currency: r.currency, from: r.from, rate: ppmToPercent(r.ratePpm),
      fixed: formatMinor(r.fixedCents, r.currency), chargeback: formatMinor(r.chargebackCents, r.currency), refund: formatMinor(r.refundCents, r.currency),
    })),
    payouts: rates.payouts.map((r) => ({
      affiliate: r.affId, subaffiliate: r.subAffId ?? '', cycle: String(r.cycle), currency: r.currency, from: r.from, cpa: formatMinor(r.cpaCents, r.currency),
    })),
  };
}

/** Spend rows: day, source as KIND:VALUE, platform, currency, spend. */
export function spendJson(rows: readonly SpendRow[]): CostRowJson[] {
  return rows.map((r) => ({ day: r.day, source: `${r.sourceKind}:${r.source}`, platform: r.platform, currency: r.currency, spend: formatMinor(r.spendCents, r.currency) }));
}

export type SpendMap = Partial<Record<'day' | 'spend' | 'currency' | 'source', string>>;

/** FIELD=COLUMN pairs naming the columns of another spend export (the CLI's --map, the API's map). */
export function parseSpendMap(text: string | undefined, name = '--map'): SpendMap | undefined {
  if (text === undefined) return undefined;
  const out: SpendMap = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    const field = part.slice(0, i).trim().toLowerCase();
    if (i <= 0 || !['day', 'spend', 'currency', 'source'].includes(field) || part.slice(i + 1).trim() === '') {
      throw new UsageError(`${name} "${text}" is not valid: expected FIELD=COLUMN pairs, FIELD one of day, spend, currency, source, e.g. day=Date,spend=Spend,source=Campaign`);
    }
    out[field as 'day'] = part.slice(i + 1).trim();
  }
  if (!out.day || !out.spend) throw new UsageError(`${name} needs at least day=COLUMN and spend=COLUMN`);
  return out;
}
