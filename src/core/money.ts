/**
 * Money is integer minor units (cents) everywhere in code and storage (docs/metrics.md).
 * Decimal strings are parsed exactly, digit by digit, never through floating point.
 */

/** Integer number of cents. Safe to +/- within Number.MAX_SAFE_INTEGER (~ $90 trillion). */
export type Cents = number & { readonly __brand?: 'Cents' };

const DECIMAL = /^(-)?(\d+)(?:\.(\d*))?$/;

/**
 * Parses a decimal string ("12", "12.5", "-0.99", ".50" is rejected) into cents.
 * Returns null when the string is not a plain decimal, or has digits beyond the cent that are not zeros.
 */
export function parseCents(text: string): Cents | null {
  const m = DECIMAL.exec(text.trim());
  if (!m) return null;
  const [, neg, whole = '', fracRaw = ''] = m;
  let frac = fracRaw;
  if (frac.length > 2) {
    // Extra digits are allowed only when they are zeros ("12.500"): no rounding, ever.
    if (!/^0*$/.test(frac.slice(2))) return null;
    frac = frac.slice(0, 2);
  }
  frac = frac.padEnd(2, '0');
  if (whole.length > 13) return null;
  const cents = Number(whole) * 100 + Number(frac);
  if (!Number.isSafeInteger(cents)) return null;
  return neg && cents !== 0 ? -cents : cents;
}

const GROUPED = /^\d{1,3}(,\d{3})+(\.\d*)?$/;

/**
 * An amount as a CRM or an export may write it, as cents: parseCents after dropping white space, a
 * currency sign or code before or after the number ("$", "MX$", "€", "USD") and thousands separators
 * ("1,234.50"). A comma that is not a thousands separator ("12,50") is refused, never guessed.
 */
export function parseAmount(text: string): Cents | null {
  let t = text.replace(/[\s\u00a0]+/g, '');
  const neg = t.startsWith('-');
  if (neg) t = t.slice(1);
  t = t.replace(/^[^\d.-]{1,4}(?=[\d.])/, '').replace(/(?<=\d)[^\d.,]{1,4}$/, '');
  if (t.startsWith('-')) return null;
  if (t.includes(',')) {
    if (!GROUPED.test(t)) return null;
    t = t.replaceAll(',', '');
  }
  const cents = parseCents(t);
  return cents === null ? null : neg && cents !== 0 ? -cents : cents;
}

/** Prints cents as a decimal string with exactly two decimals: 123450 -> "1234.50". */
export function formatCents(cents: Cents): string {
  if (!Number.isInteger(cents)) throw new RangeError(`not an integer number of cents: ${cents}`);
  const neg = cents < 0;
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const frac = abs % 100;
  return `${neg ? '-' : ''}${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** Sums a list of cents exactly. */
export function sumCents(values: Iterable<Cents>): Cents {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

/** Ratio a/b as a number, or null when b is 0 (a rate with no denominator is "no data", not 0). */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
