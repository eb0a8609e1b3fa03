/**
 * The JSON bytes the API sends. The CRM runs on PHP, whose json_encode escapes every non-ASCII
 * character by default (inferred; the reference has no raw bytes to tell): "€" travels as "\u20ac",
 * and any JSON parser reads it back as "€". The sandbox sends the same, cheaply. One "€" in a page
 * makes V8 build, measure and encode the whole page as two-byte text (measured: +45% server CPU per
 * page of a real-profile merchant), and rewriting the text afterwards copies it again (+15%). So
 * records rendered for the wire carry "€" and "£" as the control characters U+0001 and U+0002
 * (Currency.wire), which JSON.stringify writes as the 6-byte escapes "\u0001" and "\u0002", the
 * length of "\u20ac" and "\u00a3": their four hex digits are patched in the bytes, in place.
 */
import { CURRENCIES } from './currency.js';

const MARK = Buffer.from('\\u000', 'latin1');
// The hex digits each placeholder's escape becomes, by the placeholder's last digit ("1" -> "20ac").
const DIGITS = new Map(CURRENCIES.filter((c) => c.wire !== c.symbol).map((c) => [c.wire.charCodeAt(0) + 0x30, Buffer.from(c.symbol.charCodeAt(0).toString(16).padStart(4, '0'), 'latin1')]));

/** Escapes every non-ASCII character as \uXXXX, as PHP's json_encode does by default. */
export function escapeNonAscii(text: string): string {
  return text.replace(/[\u0080-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A response (rendered with the 'wire' view) as the JSON bytes the CRM would send: ASCII only. */
export function wireBytes(value: unknown): Buffer {
  const text = JSON.stringify(value);
  let buf = Buffer.from(text, 'utf8');
  // Other non-ASCII text (what an import brought in, a note or coupon naming a price in euros) is rare: escaped the slow way.
  if (buf.length !== text.length) buf = Buffer.from(escapeNonAscii(text), 'latin1');
  for (let i = buf.indexOf(MARK); i !== -1; i = buf.indexOf(MARK, i + 6)) {
    const digits = DIGITS.get(buf[i + 5] as number);
    if (digits) digits.copy(buf, i + 2);
  }
  return buf;
}
