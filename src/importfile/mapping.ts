/**
 * mapping.yaml: how `konduit import build` turns a legacy export into the import files. The format is
 * documented for merchants in docs/migration.md ("Build"); `import build --init` writes a template.
 *
 *   version: 1
 *   source: { timeZone, dateTimeFormat, dateFormat }   # how the export writes dates, and in which zone
 *   target: { timeZone }                               # the CRM account's zone (dateCreated is converted)
 *   transactions | notes | details:
 *     source: 1                      # which SOURCE.csv (1-based; default 1)
 *     columns: { importColumn: sourceColumn }
 *     constants: { importColumn: value }               # e.g. campaignId, merchantId
 *     lookups: [ { by: sourceColumn, values: { legacyValue: { importColumn: value } } } ]
 *                                    # per legacy product, plan or MID: campaignId, productId, merchantId
 *     values: { importColumn: { sourceValue: importValue } }   # value maps (enums, bits)
 */
import { parse as parseYaml } from 'yaml';
import { InvalidInputError } from '../core/errors.js';
import { isCalendarDate, isValidTimeZone, type WallTime } from '../core/time.js';
import { columnsByKind, type FileKind } from './columns.js';

/** A lookup table keyed by one source column's value. */
export interface Lookup {
  by: string;
  values: Record<string, Record<string, string>>;
}

/** How one import file is built. */
export interface FileMapping {
  source: number;
  columns: Record<string, string>;
  constants: Record<string, string>;
  lookups: Lookup[];
  values: Record<string, Record<string, string>>;
}

/** A parsed, checked mapping. */
export interface Mapping {
  version: 1;
  source: { timeZone: string; dateTimeFormat: string; dateFormat: string };
  target: { timeZone: string };
  files: Partial<Record<FileKind, FileMapping>>;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalar = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === null ? '' : null);

function strMap(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new InvalidInputError(`mapping: ${where} must be a map of names to values`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = scalar(x);
    if (s === null) throw new InvalidInputError(`mapping: ${where}.${k} must be a single value`);
    out[k] = s;
  }
  return out;
}

function checkColumns(kind: FileKind, names: Iterable<string>, where: string): void {
  const known = new Set(columnsByKind[kind].map((c) => c.name));
  for (const n of names) {
    if (!known.has(n)) throw new InvalidInputError(`mapping: ${where} names "${n}", which is not a column of the ${kind} file`, `The columns are listed in docs/import-files.md.`);
  }
}

/** Parses and checks a mapping's YAML text (pure); errors name the offending key. */
export function parseMapping(text: string): Mapping {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new InvalidInputError(`mapping: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (!isObj(doc)) throw new InvalidInputError('mapping: expected a YAML map at the top level');
  if (doc.version !== 1) throw new InvalidInputError('mapping: "version: 1" is required');
  const src = isObj(doc.source) ? doc.source : {};
  const tgt = isObj(doc.target) ? doc.target : {};
  const source = {
    timeZone: scalar(src.timeZone) || 'America/New_York',
    dateTimeFormat: scalar(src.dateTimeFormat) || 'YYYY-MM-DD HH:mm:ss',
    dateFormat: scalar(src.dateFormat) || 'YYYY-MM-DD',
  };
  const target = { timeZone: scalar(tgt.timeZone) || 'America/New_York' };
  for (const [k, z] of [['source.timeZone', source.timeZone], ['target.timeZone', target.timeZone]] as const) {
    if (!isValidTimeZone(z)) throw new InvalidInputError(`mapping: ${k} "${z}" is not an IANA time zone (e.g. America/New_York)`);
  }
  compileFormat(source.dateTimeFormat, 'source.dateTimeFormat');
  compileFormat(source.dateFormat, 'source.dateFormat');
  const files: Partial<Record<FileKind, FileMapping>> = {};
  for (const kind of ['transactions', 'notes', 'details'] as const) {
    const f = doc[kind];
    if (f === undefined || f === null) continue;
    if (!isObj(f)) throw new InvalidInputError(`mapping: ${kind} must be a map`);
    const columns = strMap(f.columns, `${kind}.columns`);
    const constants = strMap(f.constants, `${kind}.constants`);
    checkColumns(kind, Object.keys(columns), `${kind}.columns`);
    checkColumns(kind, Object.keys(constants), `${kind}.constants`);
    const lookups: Lookup[] = [];
    if (f.lookups !== undefined && f.lookups !== null) {
      if (!Array.isArray(f.lookups)) throw new InvalidInputError(`mapping: ${kind}.lookups must be a list`);
      f.lookups.forEach((l, i) => {
        if (!isObj(l) || typeof l.by !== 'string' || !isObj(l.values)) throw new InvalidInputError(`mapping: ${kind}.lookups[${i}] needs "by" (a source column) and "values"`);
        const values: Record<string, Record<string, string>> = {};
        for (const [k, v] of Object.entries(l.values)) {
          values[k] = strMap(v, `${kind}.lookups[${i}].values.${k}`);
          checkColumns(kind, Object.keys(values[k] as object), `${kind}.lookups[${i}].values.${k}`);
        }
        lookups.push({ by: l.by, values });
      });
    }
    const values: Record<string, Record<string, string>> = {};
    if (isObj(f.values)) {
      for (const [col, m] of Object.entries(f.values)) values[col] = strMap(m, `${kind}.values.${col}`);
      checkColumns(kind, Object.keys(values), `${kind}.values`);
    }
    const sourceIndex = f.source === undefined ? 1 : Number(f.source);
    if (!Number.isInteger(sourceIndex) || sourceIndex < 1) throw new InvalidInputError(`mapping: ${kind}.source must be 1, 2, ... (the position of its SOURCE file)`);
    files[kind] = { source: sourceIndex, columns, constants, lookups, values };
  }
  if (!files.transactions) throw new InvalidInputError('mapping: a "transactions" section is required');
  return { version: 1, source, target, files };
}

/** A compiled date format: parses a string to a wall time, or null. */
export type DateParser = (text: string) => WallTime | null;

const TOKENS: Record<string, { re: string; set: (w: WallTime & { pm?: boolean | undefined }, v: string) => void }> = {
  YYYY: { re: '(\\d{4})', set: (w, v) => (w.year = Number(v)) },
  YY: { re: '(\\d{2})', set: (w, v) => (w.year = 2000 + Number(v)) },
  MM: { re: '(\\d{2})', set: (w, v) => (w.month = Number(v)) },
  M: { re: '(\\d{1,2})', set: (w, v) => (w.month = Number(v)) },
  DD: { re: '(\\d{2})', set: (w, v) => (w.day = Number(v)) },
  D: { re: '(\\d{1,2})', set: (w, v) => (w.day = Number(v)) },
  HH: { re: '(\\d{2})', set: (w, v) => (w.hour = Number(v)) },
  H: { re: '(\\d{1,2})', set: (w, v) => (w.hour = Number(v)) },
  hh: { re: '(\\d{2})', set: (w, v) => (w.hour = Number(v)) },
  h: { re: '(\\d{1,2})', set: (w, v) => (w.hour = Number(v)) },
  mm: { re: '(\\d{2})', set: (w, v) => (w.minute = Number(v)) },
  ss: { re: '(\\d{2})', set: (w, v) => (w.second = Number(v)) },
  A: { re: '([AaPp][Mm])', set: (w, v) => (w.pm = v.toLowerCase() === 'pm') },
};
const TOKEN_RE = /YYYY|YY|MM|M|DD|D|HH|H|hh|h|mm|ss|A/g;

/** Compiles a format like "MM/DD/YYYY hh:mm:ss A" (tokens YYYY YY MM M DD D HH H hh h mm ss A). */
export function compileFormat(format: string, where = 'format'): DateParser {
  const setters: ((w: WallTime & { pm?: boolean | undefined }, v: string) => void)[] = [];
  let re = '';
  let last = 0;
  let twelve = false;
  for (const m of format.matchAll(TOKEN_RE)) {
    re += format.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const t = TOKENS[m[0]] as (typeof TOKENS)[string];
    if (m[0] === 'hh' || m[0] === 'h') twelve = true;
    re += t.re;
    setters.push(t.set);
    last = (m.index ?? 0) + m[0].length;
  }
  re += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (setters.length === 0) throw new InvalidInputError(`mapping: ${where} "${format}" has no date tokens (YYYY, MM, DD, HH, mm, ss, ...)`);
  if (twelve && !format.includes('A')) throw new InvalidInputError(`mapping: ${where} "${format}" uses a 12-hour clock (hh) without AM/PM (A)`);
  const rx = new RegExp(`^${re}$`);
  return (text) => {
    const m = rx.exec(text.trim());
    if (!m) return null;
    const w: WallTime & { pm?: boolean | undefined } = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    setters.forEach((set, i) => set(w, m[i + 1] ?? ''));
    if (w.pm !== undefined) {
      if (w.hour < 1 || w.hour > 12) return null;
      w.hour = (w.hour % 12) + (w.pm ? 12 : 0);
    }
    if (!isCalendarDate(w.year, w.month, w.day) || w.hour > 23 || w.minute > 59 || w.second > 59) return null;
    return { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second };
  };
}
