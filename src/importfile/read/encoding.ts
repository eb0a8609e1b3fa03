/**
 * What a file is, from its first bytes, when it is not UTF-8 text: a UTF-16 or UTF-32 file (with or
 * without a byte order mark: Excel's "Unicode text" and some Windows tools write them), a spreadsheet
 * workbook saved instead of CSV, or an export still OpenPGP-encrypted. Such a file is reported once as
 * what it is, instead of as dozens of unknown columns.
 */

/** A file that is not UTF-8 CSV text: what it is, and how to get the CSV. */
export interface NotCsvText {
  what: string;
  fix: string;
}

const RESAVE = 'save it again as "CSV UTF-8 (Comma delimited)" (Excel) or export it as UTF-8 CSV';

/** First bytes of binary OpenPGP messages (old and new packet formats of tags 1 and 3); no CSV starts so. */
const PGP_FIRST_BYTES = new Set([0x84, 0x85, 0x86, 0x8c, 0x8d, 0xc1, 0xc3]);

/** How many bytes `sniffNotCsvText` wants to see (fewer for a short file is fine). */
export const SNIFF_BYTES = 4096;

/** Names what the file is when its first bytes show it is not UTF-8 CSV text; null when it may be (pure). */
export function sniffNotCsvText(head: Uint8Array): NotCsvText | null {
  const b = (i: number) => head[i];
  if (b(0) === 0x00 && b(1) === 0x00 && b(2) === 0xfe && b(3) === 0xff) return { what: 'UTF-32 text (big-endian, with a byte order mark)', fix: RESAVE };
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0x00 && b(3) === 0x00) return { what: 'UTF-32 text (little-endian, with a byte order mark)', fix: RESAVE };
  if (b(0) === 0xfe && b(1) === 0xff) return { what: 'UTF-16 text (big-endian, with a byte order mark)', fix: RESAVE };
  if (b(0) === 0xff && b(1) === 0xfe) return { what: 'UTF-16 text (little-endian, with a byte order mark)', fix: RESAVE };
  if (b(0) === 0x50 && b(1) === 0x4b && b(2) === 0x03 && b(3) === 0x04) return { what: 'a ZIP archive (an Excel .xlsx or OpenDocument workbook?)', fix: 'open it in the spreadsheet program and save it as "CSV UTF-8 (Comma delimited)"' };
  if (b(0) === 0xd0 && b(1) === 0xcf && b(2) === 0x11 && b(3) === 0xe0) return { what: 'an old Excel workbook (.xls)', fix: 'open it in Excel and save it as "CSV UTF-8 (Comma delimited)"' };
  const text = Buffer.from(head.subarray(0, 64)).toString('latin1');
  // Armored, or a binary message's first packet: a public-key (tag 1) or symmetric (tag 3) session key.
  if (text.startsWith('-----BEGIN PGP MESSAGE-----') || PGP_FIRST_BYTES.has(b(0) ?? -1)) {
    return { what: 'an OpenPGP-encrypted file', fix: 'decrypt it first: konduit import decrypt --key YOUR_KEY.asc --out export.csv FILE' };
  }
  // Without a byte order mark, UTF-16 text of mostly ASCII has a NUL in every other byte.
  const n = Math.min(head.length, SNIFF_BYTES) & ~3;
  if (n < 4) return null;
  const zeros = [0, 0, 0, 0];
  for (let i = 0; i < n; i++) if (head[i] === 0) zeros[i & 3]!++;
  const quarter = n / 4;
  const high = (k: number) => zeros[k]! > quarter * 0.6;
  if (high(1) && high(2) && high(3) && !high(0)) return { what: 'UTF-32 text (little-endian)', fix: RESAVE };
  if (high(0) && high(1) && high(2) && !high(3)) return { what: 'UTF-32 text (big-endian)', fix: RESAVE };
  if (high(1) && high(3) && !high(0) && !high(2)) return { what: 'UTF-16 text (little-endian)', fix: RESAVE };
  if (high(0) && high(2) && !high(1) && !high(3)) return { what: 'UTF-16 text (big-endian)', fix: RESAVE };
  return null;
}
