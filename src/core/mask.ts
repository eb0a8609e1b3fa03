/**
 * Card and bank numbers never reach logs, reports, errors or the database in clear: at most the first 6
 * and last 4 digits are shown. `maskDigitsInText` is the one function that finds them in free text;
 * `safeText` is what every message leaving the process (a log line, a stored error, a printed error)
 * goes through: passwords redacted, digit runs masked, control characters escaped.
 *
 * What counts as a number (docs/security.md, "Masking"):
 * - a run of at least 12 digits, wherever it stands: glued to letters or underscores ("cc4111...",
 *   "..._exp") as well as between spaces;
 * - a digit is any Unicode decimal digit (full-width, Arabic-Indic, mathematical, ...), read as 0-9;
 * - up to 3 separators may stand between two digits of one run: horizontal spaces (any Unicode space,
 *   no-break space included), dashes (any Unicode dash, the minus sign) and dots;
 * - any length: runs longer than 19 digits are masked too;
 * - except a run that is only ISO dates or months (2026-03-01..2026-03-31, 2025-01 2025-12) or an IPv4
 *   address (192.168.100.200): no card is written that way, and messages name date ranges and the
 *   address to whitelist.
 * A masked run is printed with ASCII digits: the first 6 and last 4 of a run of 15 or more digits, the
 * last 4 only of a shorter one (12 to 14 digits are as often bank accounts, where 6 + 4 is most of it).
 */

/** Fewest digits in a run that is masked (Maestro cards have 12). */
export const MIN_MASKED_DIGITS = 12;
/** Fewest digits for which the first 6 are shown beside the last 4. */
const SHOW_FIRST_SIX_FROM = 15;

const SEPARATOR = '[\\p{Zs}\\p{Pd}\\u2212.\\uFF0E\\u2024\\u00B7]';
const RUN = new RegExp(`\\p{Nd}(?:${SEPARATOR}{0,3}\\p{Nd}){${MIN_MASKED_DIGITS - 1},}`, 'gu');
const DIGIT = /\p{Nd}/u;
const DATE = '(?:19|20|21)\\d{2}-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\\d|3[01]))?';
const DATES_ONLY = new RegExp(`^${DATE}(?:${SEPARATOR}{1,3}${DATE})*$`, 'u');
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A run's masked form; a run of dates or an IPv4 address is not a number and stays as it is. */
function maskRun(run: string): string {
  return DATES_ONLY.test(run) || IPV4.test(run) ? run : maskNumber(asciiDigits(run));
}

/**
 * Whether `text` may hold a run: a cheap scan before the regular expression, exact on ASCII text (runs of
 * ASCII digits with at most 3 of space, dash or dot between two) and leaving any other character to
 * the expression. Dates and times ("2026-01-15 10:30:00", 10 digits) are the usual case it settles.
 */
function mayHoldRun(text: string): boolean {
  let digits = 0;
  let gap = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (++digits >= MIN_MASKED_DIGITS) return true;
      gap = 0;
    } else if (c >= 0x80) return true;
    else if (digits > 0 && (c === 32 || c === 45 || c === 46) && ++gap <= 3) continue;
    else digits = gap = 0;
  }
  return false;
}

// The zero of each non-ASCII digit's block: Unicode lays every decimal digit set out as 0..9 in a row.
const zeroOf = new Map<number, number>();

/** The value 0-9 of a Unicode decimal digit (code point). */
function digitValue(cp: number): number {
  if (cp >= 48 && cp <= 57) return cp - 48;
  let zero = zeroOf.get(cp);
  if (zero === undefined) {
    let start = cp;
    // Sets can be adjacent (the mathematical digits are five sets in a row): count back to the block start.
    while (cp - start < 60 && DIGIT.test(String.fromCodePoint(start - 1))) start--;
    zero = cp - ((cp - start) % 10);
    zeroOf.set(cp, zero);
  }
  return cp - zero;
}

/** The ASCII digits of a run (separators dropped, any Unicode digit read as 0-9). */
function asciiDigits(run: string): string {
  let out = '';
  for (const ch of run) {
    const cp = ch.codePointAt(0) as number;
    if ((cp >= 48 && cp <= 57) || DIGIT.test(ch)) out += String(digitValue(cp));
  }
  return out;
}

/** Masks a card or bank number: first 6 and last 4 of 15 digits or more, last 4 of shorter ones. */
export function maskNumber(value: string): string {
  const s = value.trim();
  if (s.length <= 4) return '*'.repeat(s.length);
  if (s.length < SHOW_FIRST_SIX_FROM) return '*'.repeat(s.length - 4) + s.slice(-4);
  return s.slice(0, 6) + '*'.repeat(s.length - 10) + s.slice(-4);
}

/** True when `text` may hold a digit run that maskDigitsInText would mask (a run of dates counts too). */
export function holdsDigitRun(text: string): boolean {
  if (!mayHoldRun(text)) return false;
  RUN.lastIndex = 0;
  return RUN.test(text);
}

/** Replaces every digit run of 12 or more digits in free text with its masked form (see the file comment). */
export function maskDigitsInText(text: string): string {
  if (!mayHoldRun(text)) return text;
  return text.replace(RUN, maskRun);
}

/**
 * A deep copy of a JSON value with every string, object key and number passed through
 * maskDigitsInText (a number that holds a run becomes its masked text). Objects have no prototype, so a
 * "__proto__" key stays a plain key.
 */
export function maskDeep(value: unknown): unknown {
  if (typeof value === 'string') return maskDigitsInText(value);
  if (typeof value === 'number') {
    const s = String(value);
    const m = maskDigitsInText(s);
    return m === s ? value : m;
  }
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value !== null && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[maskDigitsInText(k)] = maskDeep(v);
    return out;
  }
  return value;
}

/** Masks a secret completely (passwords, API keys). */
export function redact(value: string | undefined | null): string {
  return value ? '********' : '';
}

const REDACTED = '********';
// A password form field (password=..., the CRM's request echoed) and a JSON "password": "..." member.
const FORM_PASSWORD = /\b((?:e[Cc]ommerce)?(?:password|passwd|pwd))=[^&\s"'<>]*/gi;
const JSON_PASSWORD = /("(?:e[Cc]ommerce)?(?:password|passwd|pwd)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;

/**
 * Removes passwords from a text: every `password=` form field and JSON "password" member, and each of
 * `secrets` wherever it appears (as written and URL-encoded, as a form body carries it).
 */
export function redactPasswords(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(FORM_PASSWORD, `$1=${REDACTED}`).replace(JSON_PASSWORD, `$1"${REDACTED}"`);
  for (const s of secrets) {
    // Very short secrets would redact ordinary words; the CRM's are long enough to be unambiguous.
    if (s.length < 4) continue;
    const forms = new Set([s, encodeURIComponent(s), new URLSearchParams({ p: s }).toString().slice(2)]);
    for (const f of forms) out = out.split(f).join(REDACTED);
  }
  return out;
}

// C0 and C1 controls, DEL, and the invisible characters that reorder or break lines in a terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Escapes control characters (CR, LF, ESC, bidi overrides...) so a text cannot forge lines or drive a terminal. */
export function escapeControls(text: string, o: { keepNewlines?: boolean } = {}): string {
  return text.replace(o.keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Free text made safe to log, store or print: passwords redacted (and `secrets`), card and bank numbers
 * masked, control characters escaped (newlines kept when asked, for multi-line messages on a terminal).
 * Control characters count as separators inside a number here, so that escaping them cannot print a
 * number in clear between its escapes.
 */
export function safeText(text: string, o: { keepNewlines?: boolean; secrets?: readonly string[] } = {}): string {
  const t = redactPasswords(text, o.secrets);
  const spaced = t.replace(o.keepNewlines ? CONTROL_BUT_NEWLINE : CONTROL, ' ');
  if (!mayHoldRun(spaced)) return escapeControls(t, o);
  let out = '';
  let last = 0;
  for (const m of spaced.matchAll(RUN)) {
    out += escapeControls(t.slice(last, m.index), o) + maskRun(t.slice(m.index, m.index + m[0].length));
    last = m.index + m[0].length;
  }
  return out + escapeControls(t.slice(last), o);
}
