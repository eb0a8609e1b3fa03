/**
 * The values of a cost file, each read exactly or refused with what was expected (the caller names the
 * file, row and column): days, amounts (exact decimals, never floats), percentages, ids, currencies,
 * sources. A value is either read or an `Expected` text; nothing is guessed.
 */
import { isCurrencyCode } from '../core/currency.js';
import { parseAmount } from '../core/money.js';
import { isCalendarDate } from '../core/time.js';
import { percentToPpm, SOURCE_KINDS, type SourceKind } from '../ledger/costs.js';

/** What a value should have been, for the message. */
export class Expected {
  constructor(readonly text: string) {}
}

export type Read<T> = T | Expected;

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DATE = 'a date YYYY-MM-DD (or MM/DD/YYYY, or "Jan 5, 2025"), e.g. 2025-01-05';

const ymd = (y: number, m: number, d: number): Read<string> =>
  isCalendarDate(y, m, d) && y >= 1970 && y <= 9999 ? `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` : new Expected(`${DATE} that exists`);

/** A calendar day as the platforms write it: 2025-01-05, 2025/01/05, 01/05/2025 (month first), Jan 5, 2025. */
export function readDay(text: string): Read<string> {
  const t = text.trim();
  let m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?$/.exec(t);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(t);
  if (m) {
    if (Number(m[1]) > 12) return new Expected(`${DATE}: ${t} reads as day/month/year; write dates as YYYY-MM-DD`);
    return ymd(Number(m[3]), Number(m[1]), Number(m[2]));
  }
  m = /^([A-Za-z]{3})[a-z]*\.? (\d{1,2}),? (\d{4})$/.exec(t);
  if (m) {
    const month = MONTHS.indexOf((m[1] as string).toLowerCase()) + 1;
    if (month > 0) return ymd(Number(m[3]), month, Number(m[2]));
  }
  return new Expected(DATE);
}

/**
 * An amount of money in hundredths: "1234.56", "1,234.56", "$1,234.56", "USD 12"; at most two decimals
 * (no rounding), not negative.
 */
export function readAmount(text: string, opts: { blankIsZero?: boolean } = {}): Read<number> {
  const t = text.trim();
  if (opts.blankIsZero && (t === '' || t === '--' || t === '-')) return 0;
  const cents = parseAmount(t);
  if (cents === null) return new Expected('an amount with at most two decimals, e.g. 1234.56 (thousands separated by commas, if at all)');
  if (cents < 0) return new Expected('an amount of zero or more');
  return cents;
}

/** A percentage: "2.9", "2.9%", up to four decimals, at most 100. */
export function readPercent(text: string): Read<number> {
  const ppm = percentToPpm(text);
  return ppm === null ? new Expected('a percentage from 0 to 100 with at most four decimals, e.g. 2.9 or 2.9%') : ppm;
}

/** A CRM id: a positive whole number. */
export function readId(text: string, what: string): Read<number> {
  const t = text.trim();
  return /^\d{1,15}$/.test(t) && Number(t) > 0 ? Number(t) : new Expected(`${what}: a positive whole number`);
}

/** A billing cycle: 1 (the initial sale) or more. */
export function readCycle(text: string): Read<number> {
  const t = text.trim();
  return /^\d{1,3}$/.test(t) && Number(t) >= 1 ? Number(t) : new Expected('a billing cycle: a whole number from 1 (the initial sale)');
}

/** An ISO 4217 code. */
export function readCurrency(text: string): Read<string> {
  const t = text.trim().toUpperCase();
  return isCurrencyCode(t) ? t : new Expected('an ISO 4217 currency code such as USD, MXN or CLP');
}

/** A text value (an affiliate, a sub-affiliate, a UTM source): trimmed, not empty, at most 200 characters. */
export function readText(text: string, what: string): Read<string> {
  const t = text.trim();
  if (t === '' || t.length > 200) return new Expected(`${what}: text of 1 to 200 characters`);
  if (/[\u0000-\u001f]/.test(t)) return new Expected(`${what}: text without control characters`);
  return t;
}

/** A source of customers written KIND:VALUE (affiliate:AFF101, utm:facebook, campaign:3, subaffiliate:mb-fb-01). */
export function readSource(text: string): Read<{ kind: SourceKind; value: string }> {
  const i = text.indexOf(':');
  const kind = (i > 0 ? text.slice(0, i).trim().toLowerCase().replace(/[-_ ]/g, '') : '') as SourceKind;
  const expected = `KIND:VALUE with KIND one of ${SOURCE_KINDS.join(', ')}, e.g. affiliate:AFF101 or utm:facebook`;
  if (!SOURCE_KINDS.includes(kind)) return new Expected(expected);
  const value = readText(text.slice(i + 1), 'the value');
  if (value instanceof Expected) return new Expected(expected);
  return { kind, value };
}
