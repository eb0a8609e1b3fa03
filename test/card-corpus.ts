/**
 * Test kit: free text with card and bank numbers hidden the ways a hostile reviewer hid them (glued to
 * letters and underscores, dot, dash, no-break and other Unicode spaces as separators, full-width and
 * other Unicode decimal digits, runs longer than 19 digits), generated from a seeded PRNG, and the check
 * that an output shows none of them. The check reads digits by its own table of digit sets, not by
 * src/core/mask.ts, so a gap in the masking cannot hide itself.
 */
import { mulberry32 } from '../src/core/prng.js';

/** One generated text and the numbers (ASCII digits) hidden in it. */
export interface CorpusItem {
  text: string;
  numbers: string[];
}

/** The zero of each digit set the corpus writes in (ASCII, full-width, Arabic-Indic, Extended Arabic-Indic, Devanagari, Bengali, Thai, mathematical bold/double-struck/sans/sans-bold/monospace). */
export const DIGIT_ZEROS = [0x30, 0xff10, 0x660, 0x6f0, 0x966, 0x9e6, 0xe50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6];

/** Separators the masking rule allows between two digits of one number (docs/security.md). */
const SEPARATORS = [' ', '-', '.', '\u00a0', '\u202f', '\u2007', '\u2009', '\u3000', '\u2013', '\u2014', '\u2212', '\uff0e', '\u2010'];

/** Whether a digit string passes the Luhn check. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** A random Luhn-valid number of `length` digits starting with `prefix`. */
export function luhnNumber(rand: () => number, length: number, prefix = ''): string {
  let body = prefix;
  while (body.length < length - 1) body += String(Math.floor(rand() * 10));
  for (let check = 0; check < 10; check++) if (luhnValid(body + check)) return body + check;
  throw new Error('unreachable');
}

const KNOWN_CARDS = ['4111111111111111', '4012888888881881', '5555555555554444', '378282246310005', '6011111111111117', '3530111333300000', '5105105105105100', '4222222222222'];
const KNOWN_BANKS = ['987654321012345', '000123456789', '12345678901234567'];

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;

/** Writes ASCII digits in a digit set (one set for the whole number, or a set per digit). */
function inDigits(rand: () => number, digits: string, mixed: boolean): string {
  let zero = pick(rand, DIGIT_ZEROS);
  let out = '';
  for (const d of digits) {
    if (mixed) zero = pick(rand, DIGIT_ZEROS);
    out += String.fromCodePoint(zero + Number(d));
  }
  return out;
}

/** Groups digits (fixed or random sizes, or none) with separators of 1 character, or 1 to 3. */
function grouped(rand: () => number, digits: string[]): string {
  const style = Math.floor(rand() * 4);
  if (style === 0) return digits.join('');
  const sep = () => {
    const n = style === 3 ? 1 + Math.floor(rand() * 3) : 1;
    let s = '';
    for (let i = 0; i < n; i++) s += pick(rand, SEPARATORS);
    return s;
  };
  const fixed = style === 1 ? pick(rand, [[4], [4, 6, 5], [3], [2]]) : null;
  let out = '';
  let i = 0;
  let g = 0;
  while (i < digits.length) {
    const size = fixed ? (fixed[g % fixed.length] as number) : 1 + Math.floor(rand() * 5);
    out += digits.slice(i, i + size).join('');
    i += size;
    g++;
    if (i < digits.length) out += sep();
  }
  return out;
}

const PREFIXES = ['', '', 'cc', 'card:', 'card#', '_', 'x', 'CC_', 'pan=', 'acct', '№', 'ref-', 'Kartennummer '];
const SUFFIXES = ['', '', 'x', '_exp', '/29', 'ABC', '_', ' exp 03/29', '.', 'ok'];
const TEMPLATES = [
  'new card {n} exp 03/29, thanks',
  'customer says: {n}',
  '{n}',
  'bank acct {n} routing 021000021',
  'note: please charge {n} again',
  '{"cardNumber":"{n}"}',
  'call back re {n}; left voicemail',
  'カード番号{n}です',
  'رقم البطاقة {n}',
  'card={n}&cvv=123',
  'Card {n} declined (do not retry)',
  '<b>{n}</b>',
];

/** `count` texts, each hiding one or two numbers (Luhn-valid cards of 13 to 19 digits, or bank accounts). */
export function cardCorpus(seed: number, count: number): CorpusItem[] {
  const rand = mulberry32(seed);
  const items: CorpusItem[] = [];
  for (let k = 0; k < count; k++) {
    const numbers: string[] = [];
    const one = (): string => {
      const kind = rand();
      const n =
        kind < 0.25 ? pick(rand, KNOWN_CARDS) : kind < 0.35 ? pick(rand, KNOWN_BANKS) : kind < 0.45 ? luhnNumber(rand, 20 + Math.floor(rand() * 12)) : luhnNumber(rand, 13 + Math.floor(rand() * 7), pick(rand, ['4', '5', '34', '37', '6011', '35', '']));
      numbers.push(n);
      const digits = [...inDigits(rand, n, rand() < 0.2)];
      const plainAscii = rand() < 0.4;
      const text = grouped(rand, plainAscii ? [...n] : digits);
      return pick(rand, PREFIXES) + text + pick(rand, SUFFIXES);
    };
    let body = one();
    // Two numbers glued or side by side: a run longer than 19 digits, or two in one text.
    if (rand() < 0.15) body += pick(rand, ['', ' ', ' and ', '_', '-']) + one();
    items.push({ text: pick(rand, TEMPLATES).replace('{n}', body), numbers });
  }
  return items;
}

const ZERO_OF = new Map<number, number>();
for (const z of DIGIT_ZEROS) for (let d = 0; d < 10; d++) ZERO_OF.set(z + d, z);
// Every character the masking rule reads as a separator, and more (any punctuation an eye skips).
const SKIPPED = /[\p{Zs}\p{Pd}\u2212.\uff0e\u2024\u00b7]/u;

/** The output's digits as ASCII with every separator dropped: what a reader could copy out of it. */
export function readableDigits(output: string): string {
  let out = '';
  for (const ch of output) {
    const cp = ch.codePointAt(0) as number;
    const zero = ZERO_OF.get(cp);
    if (zero !== undefined) out += String(cp - zero);
    else if (SKIPPED.test(ch)) continue;
    else out += ' ';
  }
  return out;
}

/**
 * The hidden numbers an output shows: a Luhn-valid card counts as shown when any 13 of its consecutive
 * digits can be read in the output, a bank account (or a longer run) when the whole of it can.
 */
export function shownNumbers(output: string, numbers: readonly string[]): string[] {
  const readable = readableDigits(output);
  const shown: string[] = [];
  for (const n of numbers) {
    const windows = luhnValid(n) && n.length <= 19 ? Array.from({ length: n.length - 12 }, (_, i) => n.slice(i, i + 13)) : [n];
    if (windows.some((w) => readable.includes(w))) shown.push(n);
  }
  return shown;
}
