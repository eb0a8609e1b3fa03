/**
 * A cost file's text as records: the bytes decoded (UTF-8 with or without BOM; UTF-16 with its BOM, as
 * Google Ads' "Excel" export writes it), the delimiter found (comma, tab or semicolon: whichever splits
 * the header line into the most cells), and RFC 4180 records (quoted cells may hold the delimiter,
 * doubled quotes and line breaks), each with the line it starts on. Cost files are small (days x
 * sources): read whole.
 */

/** One record and the line of the file it starts on (1-based, as a spreadsheet numbers rows). */
export interface TextRecord {
  line: number;
  cells: string[];
}

/** The text of a file's bytes. */
export function decodeText(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const swapped = Buffer.from(b.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const text = b.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Splits text into records of cells by `delimiter`, RFC 4180 quoting; blank lines are left out. */
export function records(text: string, delimiter: string): TextRecord[] {
  const out: TextRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endCell = () => {
    cells.push(cell);
    cell = '';
  };
  const endRecord = () => {
    endCell();
    if (any || cells.length > 1 || cells[0] !== '') out.push({ line: start, cells });
    cells = [];
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
      continue;
    }
    if (ch === '"' && cell === '') {
      quoted = true;
      any = true;
    } else if (ch === delimiter) {
      endCell();
      any = true;
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += ch;
      if (ch.trim() !== '') any = true;
    }
  }
  if (cell !== '' || cells.length > 0 || quoted) endRecord();
  return out;
}

/** The delimiter that splits a header line into the most cells: comma, tab or semicolon. */
export function delimiterOf(headerLine: string): string {
  let best = ',';
  let most = 0;
  for (const d of [',', '\t', ';']) {
    const n = records(headerLine, d)[0]?.cells.length ?? 0;
    if (n > most) {
      most = n;
      best = d;
    }
  }
  return best;
}

/** A header cell as the layouts compare them: lowercase, spaces and underscores as one space, trimmed. */
export function normalHeader(h: string): string {
  return h.trim().toLowerCase().replace(/[\s_]+/g, ' ');
}
