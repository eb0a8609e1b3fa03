/**
 * The date format and time zone of an export, read from its values (issue 17, item 2): `--init` writes
 * what the data shows, and asks (a "A | B" choice, a "?" zone) where the data cannot tell. Pure.
 */

/** What the values of date columns say about their format and zone. */
export interface DateGuess {
  /** The format in mapping.yaml's tokens; "A | B" when month/day and day/month both read every value. */
  format: string;
  /** Every value carries a UTC offset (Z, +02:00): the zone does not matter. */
  offset: boolean;
  /** How many values were read, and an example. */
  seen: number;
  example: string;
}

type Shape = { format: (order: 'MD' | 'DM') => string; order: 'MD' | 'DM' | 'either' | null; offset: boolean } | null;

const TIME = '(?:[T ](\\d{1,2}):(\\d{2})(?::(\\d{2}))?(\\.\\d+)?\\s*([AaPp][Mm])?\\s*(Z|[+-]\\d{2}:?\\d{2})?)?';
const ISO = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})${TIME}$`);
const SLASH = new RegExp(`^(\\d{1,2})([/.-])(\\d{1,2})\\2(\\d{4}|\\d{2})${TIME}$`);
const COMPACT = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;

/** The time part's tokens of a matched value (groups from `at`: hour, minute, second, fraction, AM/PM, offset). */
function timeTokens(v: string, m: RegExpExecArray, at: number, isoT: boolean): { tokens: string; offset: boolean } {
  if (m[at] === undefined) return { tokens: '', offset: false };
  const ampm = m[at + 4] !== undefined;
  const hour = ampm ? 'h' : 'H';
  let t = `${isoT ? 'T' : ' '}${hour}:mm${m[at + 2] !== undefined ? ':ss' : ''}${m[at + 3] !== undefined ? '.SSS' : ''}${ampm ? ' A' : ''}`;
  const offset = m[at + 5];
  // The offset token keeps the space the export writes before it ("2026-01-15 10:23:45 -0500").
  if (offset !== undefined) t += v.charAt(v.length - offset.length - 1) === ' ' ? ' Z' : 'Z';
  return { tokens: t, offset: offset !== undefined };
}

/** The shape of one value: its format, and which part order it allows. */
function shapeOf(v: string): Shape {
  let m = ISO.exec(v);
  if (m) {
    const t = timeTokens(v, m, 4, v.charAt(10) === 'T');
    return { format: () => `YYYY-MM-DD${t.tokens}`, order: null, offset: t.offset };
  }
  m = SLASH.exec(v);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const year = m[4]!.length === 4 ? 'YYYY' : 'YY';
    const sep = m[2]!;
    const t = timeTokens(v, m, 5, false);
    const order = a > 12 && b <= 12 ? 'DM' : b > 12 && a <= 12 ? 'MD' : a <= 12 && b <= 12 ? 'either' : null;
    if (order === null) return null;
    return { format: (o) => `${o === 'MD' ? `M${sep}D` : `D${sep}M`}${sep}${year}${t.tokens}`, order, offset: t.offset };
  }
  m = COMPACT.exec(v);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return { format: () => 'YYYYMMDDHHmmss', order: null, offset: false };
  return null;
}

/**
 * Guesses the format of a column of date or date-time values (pure): null when they are not dates or
 * disagree; "M/D/YYYY h:mm A | D/M/YYYY h:mm A" when every value has both parts 12 or less.
 */
export function guessDateFormat(values: readonly string[]): DateGuess | null {
  const vs = values.map((v) => v.trim()).filter((v) => v !== '');
  if (vs.length === 0) return null;
  let order: 'MD' | 'DM' | 'either' = 'either';
  const formats = new Set<string>();
  let offsets = 0;
  for (const v of vs) {
    const s = shapeOf(v);
    if (!s) return null;
    if (s.order === 'MD' || s.order === 'DM') {
      if (order !== 'either' && order !== s.order) return null;
      order = s.order;
    }
    formats.add(`${s.format('MD')}\u0000${s.format('DM')}`);
    if (s.offset) offsets++;
  }
  if (formats.size !== 1) return null;
  const [md, dm] = [...formats][0]!.split('\u0000') as [string, string];
  const format = md === dm ? md : order === 'MD' ? md : order === 'DM' ? dm : `${md} | ${dm}`;
  return { format, offset: offsets === vs.length, seen: vs.length, example: vs[0]! };
}

/** Whether a header says its date-times are UTC ("Created date (UTC)"). */
export function headerSaysUtc(header: string): boolean {
  return /\butc\b|\bgmt\b/i.test(header);
}
