/**
 * What counts as a card number written somewhere it should not be (issue 16, finding 11): the
 * validator flags it (card_in_other_column) and `import tokenize` refuses or masks it, with this one
 * definition. A card-like number is a run of 13 to 19 digits, written plain or in groups separated by
 * one space or dash, not touching other digits, starting with 2 to 6 (the ranges of Mastercard, Amex,
 * Diners, JCB, Visa, Discover, UnionPay, Maestro) and passing the Luhn check. Letters may touch it
 * ("cc4111111111111111"): glued numbers are still numbers.
 *
 * In a grouped run, every window of whole groups is tried ("4111 1111 1111 1111 123" is a card and its
 * CVV), while a plain run is a card only at its full length: 20 digits and more are tracking numbers.
 *
 * The cardNumber column itself is classified by `classifyCard` (full, masked, or which damage).
 */
import type { IssueCode } from './messages.js';

/** One card-like number found in a text: where it stands and its digits. */
export interface CardRun {
  start: number;
  end: number;
  digits: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;

/** The Luhn (mod 10) check over the digits buf[s, e). */
export function luhn(buf: Uint8Array, s: number, e: number): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = e - 1; i >= s; i--) {
    let d = buf[i]! - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** The Luhn check over a string of digits. */
export function luhnValid(digits: string): boolean {
  return luhn(Buffer.from(digits, 'latin1'), 0, digits.length);
}

/** What a cardNumber cell holds: a full number, a masked one, or the code of its problem. */
export type CardCell = 'full' | 'masked' | Extract<IssueCode, `card_${string}`>;

const D0 = 48;
const D9 = 57;

/**
 * Classifies a cardNumber cell buf[s, e): 12 to 19 digits passing the Luhn check ('full'), a masked
 * number of digits and x, X or * ('masked'), or what is wrong, spreadsheet damage named as such:
 * scientific notation (4.11111E+15), and numbers cut to 15 significant digits and padded with zeros.
 */
export function classifyCard(buf: Uint8Array, s: number, e: number): CardCell {
  const n = e - s;
  let masks = 0;
  let other = 0;
  let sciE = false;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b >= D0 && b <= D9) continue;
    if (b === 0x78 || b === 0x58 || b === 0x2a) masks++;
    else if (b === 0x45 || b === 0x65) sciE = true;
    else other++;
  }
  if (sciE && isScientific(buf, s, e)) return 'card_scientific_notation';
  if (masks > 0 && other === 0 && !sciE) return n > 19 || n < 12 ? 'card_masked_malformed' : 'masked';
  if (masks > 0 || other > 0 || sciE) return 'card_not_digits';
  if (n > 19) return 'card_too_long';
  if (n < 12) return 'card_too_short';
  if (luhn(buf, s, e)) return 'full';
  if (n >= 16) {
    let zeros = true;
    for (let i = s + 15; i < e; i++) if (buf[i] !== D0) zeros = false;
    if (zeros) return 'card_truncated_to_15_digits';
  }
  return 'card_luhn';
}

/** Digits, optionally a point and more digits, then E or e, an optional sign and digits. */
function isScientific(buf: Uint8Array, s: number, e: number): boolean {
  const digit = (i: number) => buf[i]! >= D0 && buf[i]! <= D9;
  let i = s;
  let d = 0;
  while (i < e && digit(i)) (i++, d++);
  if (buf[i] === 0x2e) {
    i++;
    while (i < e && digit(i)) (i++, d++);
  }
  if (d === 0 || (buf[i] !== 0x45 && buf[i] !== 0x65)) return false;
  i++;
  if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
  const expStart = i;
  while (i < e && digit(i)) i++;
  return i === e && i > expStart;
}

/** Whether a string of digits is card-like: 13 to 19 digits, a network's first digit, Luhn-valid. */
export function isCardLike(digits: string): boolean {
  const first = digits.charCodeAt(0);
  return digits.length >= 13 && digits.length <= 19 && first >= 50 && first <= 54 && luhnValid(digits);
}

/** Digits in a text (a cheap test before looking for runs). */
export function countDigits(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) if (isDigit(text.charCodeAt(i))) n++;
  return n;
}

/** Every card-like number in a text, in order (pure). */
export function cardNumbersIn(text: string): CardRun[] {
  const found: CardRun[] = [];
  let i = 0;
  while (i < text.length) {
    if (!isDigit(text.charCodeAt(i))) {
      i++;
      continue;
    }
    // A run: digit groups joined by single spaces or dashes.
    const groups: { start: number; end: number }[] = [];
    let g = i;
    let j = i;
    for (;;) {
      while (j < text.length && isDigit(text.charCodeAt(j))) j++;
      groups.push({ start: g, end: j });
      const sep = text.charCodeAt(j);
      if ((sep === 32 || sep === 45) && isDigit(text.charCodeAt(j + 1))) {
        g = j + 1;
        j = g;
        continue;
      }
      break;
    }
    found.push(...cardsInGroups(text, groups));
    i = j;
  }
  return found;
}

function cardsInGroups(text: string, groups: { start: number; end: number }[]): CardRun[] {
  const digitsOf = (a: number, b: number) => groups.slice(a, b + 1).map((x) => text.slice(x.start, x.end)).join('');
  if (groups.length === 1) {
    const d = digitsOf(0, 0);
    return isCardLike(d) ? [{ start: groups[0]!.start, end: groups[0]!.end, digits: d }] : [];
  }
  const out: CardRun[] = [];
  for (let a = 0; a < groups.length; a++) {
    // Of the card-like windows starting at group a, the most common card length wins (a card and its
    // CVV "4111 1111 1111 1111 123" may also pass Luhn at 19 digits); the search goes on after it.
    let best: { b: number; digits: string } | null = null;
    for (let b = a; b < groups.length; b++) {
      const d = digitsOf(a, b);
      if (d.length > 19) break;
      if (isCardLike(d) && (!best || LENGTH_RANK.indexOf(d.length) < LENGTH_RANK.indexOf(best.digits.length))) best = { b, digits: d };
    }
    if (best) {
      out.push({ start: groups[a]!.start, end: groups[best.b]!.end, digits: best.digits });
      a = best.b;
    }
  }
  return out;
}

/** Card lengths by how common they are (16: Visa, Mastercard, Discover; 15: Amex; 19, 14: Diners; 13: old Visa). */
const LENGTH_RANK = [16, 15, 19, 14, 13, 17, 18];

/** A card-like number's masked form for a file: first 6 and last 4 digits, x in between (the import spec's x's). */
export function maskCardForFile(digits: string): string {
  return digits.slice(0, 6) + 'x'.repeat(Math.max(0, digits.length - 10)) + digits.slice(-4);
}

/** The text with these runs (found in it) masked in place by maskCardForFile (pure). */
export function maskRuns(text: string, runs: readonly CardRun[]): string {
  if (runs.length === 0) return text;
  let out = '';
  let at = 0;
  for (const r of runs) {
    out += text.slice(at, r.start) + maskCardForFile(r.digits);
    at = r.end;
  }
  return out + text.slice(at);
}

/** Where a column is searched for card numbers (ColumnSpec.cardScan). */
export type CardScan = 'anywhere' | 'whole' | 'never';

/**
 * The card-like numbers of one cell: anywhere in free text; in an id column only a cell that is a
 * card-like number as a whole (ids and tokens such as kdt_<hex> hold digit runs that are not cards).
 */
export function cardsInCell(text: string, scan: CardScan): CardRun[] {
  if (scan === 'never' || countDigits(text) < 13) return [];
  if (scan === 'anywhere') return cardNumbersIn(text);
  const t = text.trim();
  if (!/^\d[\d -]*\d$/.test(t)) return [];
  const digits = t.replace(/[ -]/g, '');
  const start = text.indexOf(t);
  return isCardLike(digits) ? [{ start, end: start + t.length, digits }] : [];
}
