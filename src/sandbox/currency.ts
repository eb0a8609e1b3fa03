/**
 * The currencies a sandbox account can sell in, with the symbols the CRM prints (docs/crm-api.md, "What
 * real merchant data shows": a live account's 783 sales carry 9 symbols and no `currencyCode`) and the
 * share of sales each had there. A campaign sells in one currency (in that export every campaign id
 * carries one symbol), so a customer, their orders, transactions and purchases all share it.
 * Amounts stay hundredths of the currency's unit, as the API's two-decimal strings show them, also
 * for CLP and COP, whose prices are whole units ("13990.00").
 */
import type { Currency } from './model.js';

/** Every currency the sandbox knows, in the order of the real export's counts (of 783 rows). */
export const CURRENCIES: readonly Currency[] = [
  { code: 'USD', symbol: '$', weight: 548, factor: 1, step: 1, charm: 0, unit: 1, country: 'US', wire: '$' },
  { code: 'MXN', symbol: 'MX$', weight: 117, factor: 17.5, step: 100, charm: 0, unit: 1, country: 'MX', wire: 'MX$' },
  { code: 'AUD', symbol: 'AU$', weight: 68, factor: 1.55, step: 100, charm: 5, unit: 1, country: 'AU', wire: 'AU$' },
  { code: 'ZAR', symbol: 'R', weight: 20, factor: 18.5, step: 100, charm: 0, unit: 1, country: 'ZA', wire: 'R' },
  { code: 'EUR', symbol: '€', weight: 13, factor: 0.92, step: 100, charm: 1, unit: 1, country: 'DE', wire: '\u0001' },
  { code: 'GBP', symbol: '£', weight: 10, factor: 0.79, step: 100, charm: 1, unit: 1, country: 'GB', wire: '\u0002' },
  { code: 'CAD', symbol: 'CA$', weight: 5, factor: 1.38, step: 100, charm: 1, unit: 1, country: 'CA', wire: 'CA$' },
  { code: 'COP', symbol: 'CO$', weight: 1, factor: 4100, step: 100_000, charm: 0, unit: 100, country: 'CO', wire: 'CO$' },
  { code: 'CLP', symbol: 'CL$', weight: 1, factor: 950, step: 100_000, charm: 1_000, unit: 100, country: 'CL', wire: 'CL$' },
];

/** The `real` profile's default: all of them, as in the real export. */
export const REAL_CURRENCIES: readonly string[] = CURRENCIES.map((c) => c.code);

/** The currency of an ISO code; throws RangeError for one the sandbox cannot show by symbol. */
export function currencyOf(code: string): Currency {
  const c = CURRENCIES.find((x) => x.code === code.trim().toUpperCase());
  if (!c) throw new RangeError(`unknown currency "${code}" (the sandbox sells in ${REAL_CURRENCIES.join(', ')})`);
  return c;
}

/**
 * A USD catalog amount (cents) as the local price: converted, rounded to the currency's price step and
 * given its charm ending (AU$ 61.95, € 36.99, CL$ 37,990), so prices look set by hand, not converted.
 */
export function localPrice(usd: number, c: Currency): number {
  if (usd <= 0 || c.factor === 1) return usd;
  const rounded = Math.max(c.step, Math.round((usd * c.factor) / c.step) * c.step);
  return rounded - (rounded > c.charm ? c.charm : 0);
}

/** An amount rounded to what the currency can charge (whole units for CLP and COP, at least one unit). */
export function roundToUnit(amount: number, c: Currency): number {
  return c.unit === 1 ? amount : Math.max(c.unit, Math.round(amount / c.unit) * c.unit);
}
