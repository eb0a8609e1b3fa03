import { TX } from '../../spec/columns.js';
import type { RowView } from '../../read/row.js';
import type { Reporter, RowRule } from '../row-rule.js';

const US = Buffer.from('US');
const CA = Buffer.from('CA');
const digit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
const upper = (b: number | undefined) => b !== undefined && b >= 0x41 && b <= 0x5a;

/** A US ZIP code: 5 digits, or ZIP+4 as 9 digits or 5-4. */
function isUsZip(buf: Uint8Array, s: number, e: number): boolean {
  const n = e - s;
  if (n !== 5 && n !== 9 && n !== 10) return false;
  for (let i = s; i < e; i++) if (!digit(buf[i]) && !(n === 10 && i === s + 5 && buf[i] === 0x2d)) return false;
  return true;
}

// Canada Post never uses D, F, I, O, Q or U, nor W or Z as the first letter.
const CA_LETTER = new Set('ABCEGHJKLMNPRSTVWXYZ'.split('').map((c) => c.charCodeAt(0)));
const CA_FIRST = new Set('ABCEGHJKLMNPRSTVXY'.split('').map((c) => c.charCodeAt(0)));

/** A Canadian postal code as Canada Post writes it: A1A 1A1. */
function isCaPostalCode(buf: Uint8Array, s: number, e: number): boolean {
  if (e - s !== 7 || buf[s + 3] !== 0x20) return false;
  const [a, b, c, d, f, g] = [buf[s], buf[s + 1], buf[s + 2], buf[s + 4], buf[s + 5], buf[s + 6]];
  return CA_FIRST.has(a!) && digit(b) && upper(c) && CA_LETTER.has(c!) && digit(d) && CA_LETTER.has(f!) && digit(g);
}

function checkPostal(row: RowView, out: Reporter, postal: number, country: number): void {
  if (row.isEmpty(postal)) return;
  const { buf, s, e } = row;
  if (row.equals(country, US) && !isUsZip(buf, s[postal]!, e[postal]!)) {
    let digits = 0;
    for (let i = s[postal]!; i < e[postal]!; i++) if (digit(buf[i])) digits++;
    // 3 or 4 digits (or 7-8 with a ZIP+4) is what a spreadsheet leaves of a ZIP starting with zeros.
    const dropped = digits === e[postal]! - s[postal]! && (digits === 3 || digits === 4 || digits === 7 || digits === 8);
    out.report('invalid_us_zip', postal, { dropped: dropped ? 1 : 0 });
  } else if (row.equals(country, CA) && !isCaPostalCode(buf, s[postal]!, e[postal]!)) {
    out.report('invalid_ca_postal_code', postal);
  }
}

/** A US address needs a ZIP code (5 or 9 digits), a Canadian one a postal code (A1A 1A1): billing and shipping. */
export const rule: RowRule = {
  name: 'postal-code-not-of-country',
  forbids: 'a US postal code that is not a 5- or 9-digit ZIP code, or a Canadian one not written A1A 1A1 (billing, and shipping by shipCountry)',
  owns: [],
  raises: ['invalid_us_zip', 'invalid_ca_postal_code'],
  check(row, out) {
    checkPostal(row, out, TX.postalCode, TX.country);
    checkPostal(row, out, TX.shipPostalCode, TX.shipCountry);
  },
};
