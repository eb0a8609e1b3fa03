/**
 * Currencies (docs/metrics.md, "Currency"). Every amount Konduit keeps is an integer number of hundredths
 * of its currency's major unit (the "cents" of every money column), whatever the currency; it is printed
 * with the currency's own minor units (none for CLP and JPY, two for most). A CRM record names its
 * currency by an ISO 4217 code, or only by a symbol (real accounts send `currencySymbol` alone), or not
 * at all: then it is the connection's base currency.
 */

/** ISO 4217 codes whose minor unit is not 1/100 (every other code has two decimals). */
const ZERO_DECIMALS: ReadonlySet<string> = new Set(['CLP', 'JPY', 'KRW', 'VND', 'ISK', 'PYG', 'UGX', 'XAF', 'XOF']);

/**
 * The symbols the CRM writes for the currencies it sells in (seen in a real account: $, MX$, AU$, R, €, £,
 * CA$, CO$, CL$), and a few more in common use. A bare `$` is the connection's base currency.
 */
const SYMBOLS: ReadonlyMap<string, string> = new Map([
  ['US$', 'USD'],
  ['MX$', 'MXN'],
  ['AU$', 'AUD'],
  ['A$', 'AUD'],
  ['CA$', 'CAD'],
  ['C$', 'CAD'],
  ['CO$', 'COP'],
  ['CL$', 'CLP'],
  ['NZ$', 'NZD'],
  ['HK$', 'HKD'],
  ['S$', 'SGD'],
  ['R$', 'BRL'],
  ['R', 'ZAR'],
  ['€', 'EUR'],
  ['£', 'GBP'],
  ['¥', 'JPY'],
  ['₹', 'INR'],
  ['₩', 'KRW'],
  ['CHF', 'CHF'],
  ['kr', 'SEK'],
]);

/** The code for a currency that could not be named (an unknown symbol): never added to another. */
export const UNKNOWN_CURRENCY = 'XXX';

const ISO = /^[A-Z]{3}$/;

/** Whether a text is an ISO 4217-shaped code (three capital letters). */
export function isCurrencyCode(text: string): boolean {
  return ISO.test(text);
}

/**
 * The ISO code of a record's amounts: its currency code when it has one, else its symbol's currency,
 * else `base`. A symbol Konduit does not know gives UNKNOWN_CURRENCY (its amounts stay apart).
 */
export function currencyOf(code: string | null | undefined, symbol: string | null | undefined, base: string): string {
  const c = code?.trim().toUpperCase();
  if (c && ISO.test(c)) return c;
  const s = symbol?.trim();
  if (!s || s === '$') return base;
  return SYMBOLS.get(s) ?? (ISO.test(s.toUpperCase()) ? s.toUpperCase() : UNKNOWN_CURRENCY);
}

/** How many decimals a currency prints (its minor unit): 0 for CLP or JPY, 2 for most. */
export function decimalsOf(currency: string): 0 | 2 {
  return ZERO_DECIMALS.has(currency) ? 0 : 2;
}

/**
 * Hundredths of a currency printed with its minor units: 123450 USD -> "1234.50"; 1250000 CLP ->
 * "12500" (a fraction of a peso, which no real amount has, rounds half away from zero).
 */
export function formatMinor(cents: number, currency: string): string {
  if (!Number.isInteger(cents)) throw new RangeError(`not an integer amount: ${cents}`);
  const neg = cents < 0;
  const abs = Math.abs(cents);
  if (decimalsOf(currency) === 0) {
    const whole = Math.floor(abs / 100) + (abs % 100 >= 50 ? 1 : 0);
    return `${neg && whole !== 0 ? '-' : ''}${whole}`;
  }
  const frac = abs % 100;
  return `${neg ? '-' : ''}${Math.floor(abs / 100)}.${frac < 10 ? '0' : ''}${frac}`;
}
