/**
 * Cell checks that read bytes, never strings: digits, lengths, dates and enums are checked on char codes,
 * so the validator allocates nothing for a valid cell. Each checker returns null when the cell is valid
 * (writing any parsed number to `parsed.value`) or the code of the problem.
 */
import { caProvinceTable, countryTable, usStateTable } from '../spec/regions.js';
import { classifyCard } from '../spec/card-numbers.js';
import type { Check, IssueCode } from '../spec/messages.js';

/**
 * The field checks and the codes they raise. `required` (an empty cell of an always-required column) and
 * `quantity_not_positive` (a parsed quantity) are reported by the file validator's cell loop, the one
 * place that runs these checkers.
 */
export const fieldChecks: Check = {
  name: 'field-checks',
  raises: [
    'required',
    'too_long',
    'not_integer',
    'not_decimal',
    'not_amount_xx_xx',
    'not_bit',
    'not_in_enum',
    'invalid_date',
    'invalid_datetime',
    'invalid_email',
    'phone_not_digits',
    'phone_length',
    'invalid_country',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'invalid_routing_number',
    'routing_checksum',
    'invalid_account_number',
    'card_not_digits',
    'card_too_long',
    'card_too_short',
    'card_luhn',
    'card_scientific_notation',
    'card_truncated_to_15_digits',
    'card_masked_malformed',
    'card_in_other_column',
    'quantity_not_positive',
  ],
};

/** Where checkers leave a parsed number (cents, an integer, a date as yyyymmdd, an enum index). */
export const parsed = { value: 0 };

const D0 = 0x30;
const D9 = 0x39;

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= D0 && b <= D9;
}

/** Number of UTF-8 characters in buf[s, e) (continuation bytes are not counted). */
export function charLength(buf: Uint8Array, s: number, e: number): number {
  let n = 0;
  for (let i = s; i < e; i++) if ((buf[i]! & 0xc0) !== 0x80) n++;
  return n;
}

/** Text of at most `max` characters. */
export function checkVarchar(buf: Uint8Array, s: number, e: number, max: number): IssueCode | null {
  if (e - s <= max) return null;
  parsed.value = charLength(buf, s, e);
  return parsed.value > max ? 'too_long' : null;
}

/** Digits only (a Konnektive id), at most `max` of them. */
export function checkId(buf: Uint8Array, s: number, e: number, max: number): IssueCode | null {
  if (e - s > max) return 'not_integer';
  let v = 0;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b < D0 || b > D9) return 'not_integer';
    v = v * 10 + (b - D0);
  }
  parsed.value = v;
  return null;
}

/** An optional minus sign and digits. */
export function checkInteger(buf: Uint8Array, s: number, e: number, max: number): IssueCode | null {
  const neg = buf[s] === 0x2d;
  const code = checkId(buf, neg ? s + 1 : s, e, max);
  if (code !== null || (neg && e - s === 1)) return 'not_integer';
  if (neg) parsed.value = -parsed.value;
  return null;
}

/**
 * A money amount: digits, optionally a point and decimals ("12", "12.5", "12.50", "-3.99"); decimals
 * past the cent must be zeros (never rounded). Parsed exactly into cents.
 */
export function checkDecimal(buf: Uint8Array, s: number, e: number): IssueCode | null {
  let i = s;
  const neg = buf[i] === 0x2d;
  if (neg) i++;
  let whole = 0;
  let digits = 0;
  while (i < e && isDigit(buf[i])) {
    whole = whole * 10 + (buf[i]! - D0);
    digits++;
    i++;
  }
  if (digits === 0 || digits > 13) return 'not_decimal';
  let frac = 0;
  if (i < e) {
    if (buf[i] !== 0x2e) return 'not_decimal';
    i++;
    let k = 0;
    while (i < e) {
      const b = buf[i]!;
      if (b < D0 || b > D9) return 'not_decimal';
      if (k < 2) frac = frac * 10 + (b - D0);
      else if (b !== D0) return 'not_decimal';
      k++;
      i++;
    }
    if (k === 0) return 'not_decimal';
    if (k === 1) frac *= 10;
  }
  const cents = whole * 100 + frac;
  parsed.value = neg ? -cents : cents;
  return null;
}

/** A money amount written exactly as digits, a point and two decimals (chargebackTotal). */
export function checkAmount2(buf: Uint8Array, s: number, e: number): IssueCode | null {
  const n = e - s;
  if (n < 4 || buf[e - 3] !== 0x2e || !isDigit(buf[e - 2]) || !isDigit(buf[e - 1])) return 'not_amount_xx_xx';
  let whole = 0;
  for (let i = s; i < e - 3; i++) {
    const b = buf[i]!;
    if (b < D0 || b > D9) return 'not_amount_xx_xx';
    whole = whole * 10 + (b - D0);
  }
  if (n - 3 > 13) return 'not_amount_xx_xx';
  parsed.value = whole * 100 + (buf[e - 2]! - D0) * 10 + (buf[e - 1]! - D0);
  return null;
}

/** "0" or "1". */
export function checkBit(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s !== 1) return 'not_bit';
  const b = buf[s]!;
  if (b !== 0x30 && b !== 0x31) return 'not_bit';
  parsed.value = b - D0;
  return null;
}

/** One of the allowed values, exact case; parsed.value is its index. */
export function checkEnum(buf: Uint8Array, s: number, e: number, values: readonly Uint8Array[]): IssueCode | null {
  const n = e - s;
  outer: for (let v = 0; v < values.length; v++) {
    const want = values[v]!;
    if (want.length !== n) continue;
    for (let i = 0; i < n; i++) if (buf[s + i] !== want[i]) continue outer;
    parsed.value = v;
    return null;
  }
  return 'not_in_enum';
}

function twoDigits(buf: Uint8Array, i: number): number {
  const a = buf[i]!;
  const b = buf[i + 1]!;
  if (a < D0 || a > D9 || b < D0 || b > D9) return -1;
  return (a - D0) * 10 + (b - D0);
}

/** Days in a month of the Gregorian calendar. */
function daysIn(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Reads YYYY-MM-DD at buf[s]; returns yyyymmdd or -1 when malformed or not on the calendar. */
function readDate(buf: Uint8Array, s: number): number {
  const y1 = twoDigits(buf, s);
  const y2 = twoDigits(buf, s + 2);
  const m = twoDigits(buf, s + 5);
  const d = twoDigits(buf, s + 8);
  if (y1 < 0 || y2 < 0 || m < 1 || m > 12 || d < 1 || buf[s + 4] !== 0x2d || buf[s + 7] !== 0x2d) return -1;
  const y = y1 * 100 + y2;
  if (d > daysIn(y, m)) return -1;
  return y * 10000 + m * 100 + d;
}

/** YYYY-MM-DD that exists on the calendar; parsed.value is yyyymmdd. */
export function checkDate(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s !== 10) return 'invalid_date';
  const v = readDate(buf, s);
  if (v < 0) return 'invalid_date';
  parsed.value = v;
  return null;
}

/** YYYY-MM-DD HH:MM:SS that exists on the calendar; parsed.value is yyyymmdd (the date part). */
export function checkDatetime(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s !== 19 || buf[s + 10] !== 0x20 || buf[s + 13] !== 0x3a || buf[s + 16] !== 0x3a) return 'invalid_datetime';
  const v = readDate(buf, s);
  const hh = twoDigits(buf, s + 11);
  const mi = twoDigits(buf, s + 14);
  const ss = twoDigits(buf, s + 17);
  if (v < 0 || hh < 0 || hh > 23 || mi < 0 || mi > 59 || ss < 0 || ss > 59) return 'invalid_datetime';
  parsed.value = v;
  return null;
}

/** Characters allowed in the local part of an address (RFC 5322 atext, plus the dot). */
const LOCAL_OK = (() => {
  const t = new Uint8Array(128);
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-.";
  for (const c of chars) t[c.charCodeAt(0)] = 1;
  return t;
})();

/**
 * A practical address check (what mail systems accept, not every RFC 5322 form): local@domain, local
 * of atext and single dots up to 64 characters, domain of letter/digit/hyphen labels with at least one
 * dot and an alphabetic top-level label of 2+ letters.
 */
export function checkEmail(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s > 254) return 'invalid_email';
  let at = -1;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b === 0x40) {
      if (at !== -1) return 'invalid_email';
      at = i;
    } else if (b >= 128) {
      return 'invalid_email';
    }
  }
  if (at <= s || at - s > 64 || at >= e - 1) return 'invalid_email';
  if (buf[s] === 0x2e || buf[at - 1] === 0x2e) return 'invalid_email';
  for (let i = s; i < at; i++) {
    const b = buf[i]!;
    if (!LOCAL_OK[b]) return 'invalid_email';
    if (b === 0x2e && buf[i + 1] === 0x2e) return 'invalid_email';
  }
  // Domain labels.
  let labelStart = at + 1;
  let dots = 0;
  for (let i = at + 1; i <= e; i++) {
    const b = i < e ? buf[i]! : 0x2e;
    if (b === 0x2e) {
      const len = i - labelStart;
      if (len < 1 || len > 63 || buf[labelStart] === 0x2d || buf[i - 1] === 0x2d) return 'invalid_email';
      if (i < e) dots++;
      labelStart = i + 1;
      continue;
    }
    const isAlpha = (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a);
    if (!isAlpha && !isDigit(b) && b !== 0x2d) return 'invalid_email';
  }
  // The top-level label: letters only, at least two.
  let lastDot = e - 1;
  while (lastDot > at && buf[lastDot] !== 0x2e) lastDot--;
  if (dots === 0 || e - lastDot - 1 < 2) return 'invalid_email';
  for (let i = lastDot + 1; i < e; i++) {
    const b = buf[i]!;
    if (!((b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a))) return 'invalid_email';
  }
  return null;
}

/** Digits only (no dashes, spaces or parentheses), 7 to 15 of them (E.164 allows at most 15). */
export function checkPhone(buf: Uint8Array, s: number, e: number): IssueCode | null {
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b < D0 || b > D9) return 'phone_not_digits';
  }
  const n = e - s;
  if (n < 7 || n > 15) return 'phone_length';
  return null;
}

/** An ISO 3166-1 alpha-2 code in upper case. */
export function checkCountry(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s !== 2 || !countryTable[buf[s]! * 256 + buf[s + 1]!]) return 'invalid_country';
  return null;
}

/** Whether buf[s, e) is a state code of the country (US or CA); true for other countries. */
export function regionMatches(buf: Uint8Array, s: number, e: number, country: 'US' | 'CA'): boolean {
  if (e - s !== 2) return false;
  const table = country === 'US' ? usStateTable : caProvinceTable;
  return table[buf[s]! * 256 + buf[s + 1]!] === 1;
}

/** Two digits 01..12. */
export function checkMonth(buf: Uint8Array, s: number, e: number): IssueCode | null {
  const v = e - s === 2 ? twoDigits(buf, s) : -1;
  if (v < 1 || v > 12) return 'invalid_expiry_month';
  parsed.value = v;
  return null;
}

/** Four digits. */
export function checkYear(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s !== 4) return 'invalid_expiry_year';
  const a = twoDigits(buf, s);
  const b = twoDigits(buf, s + 2);
  if (a < 0 || b < 0) return 'invalid_expiry_year';
  parsed.value = a * 100 + b;
  return null;
}

/** Nine digits whose ABA checksum 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) is a multiple of 10. */
export function checkRouting(buf: Uint8Array, s: number, e: number): IssueCode | null {
  if (e - s !== 9) return 'invalid_routing_number';
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    const b = buf[s + i]!;
    if (b < D0 || b > D9) return 'invalid_routing_number';
    const w = i % 3 === 0 ? 3 : i % 3 === 1 ? 7 : 1;
    sum += w * (b - D0);
  }
  return sum % 10 === 0 ? null : 'routing_checksum';
}

/** A bank account number: 4 to 17 digits (the US range). */
export function checkAccount(buf: Uint8Array, s: number, e: number): IssueCode | null {
  const n = e - s;
  if (n < 4 || n > 17) return 'invalid_account_number';
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b < D0 || b > D9) return 'invalid_account_number';
  }
  return null;
}

/** parsed.value after checkCard: a full card number, or a masked one (which needs a token). */
export const CARD_FULL = 1;
export const CARD_MASKED = 2;

/** A card number: 12 to 19 digits passing the Luhn check, or masked (spec/card-numbers.ts classifyCard). */
export function checkCard(buf: Uint8Array, s: number, e: number): IssueCode | null {
  const c = classifyCard(buf, s, e);
  if (c === 'full' || c === 'masked') {
    parsed.value = c === 'full' ? CARD_FULL : CARD_MASKED;
    return null;
  }
  return c;
}
