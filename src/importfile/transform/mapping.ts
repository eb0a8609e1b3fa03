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
import { z } from 'zod';
import { InvalidInputError } from '../../core/errors.js';
import { isCalendarDate, isValidTimeZone, type WallTime } from '../../core/time.js';
import { columnsByKind, type FileKind } from '../spec/columns.js';

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

/** A YAML scalar as text ("3", 3 and true all mean the text); null (an empty value) is "". */
const text = z.union([z.string(), z.number(), z.boolean(), z.null()]).transform((v) => (v === null ? '' : String(v)));
const textMap = z.record(z.string(), text);

/** The schema of one file's section (unknown keys are refused: a typo must not be ignored silently). */
const FileSchema = z.strictObject({
  source: z.number().int().min(1).default(1),
  columns: textMap.nullish().transform((v) => v ?? {}),
  constants: textMap.nullish().transform((v) => v ?? {}),
  lookups: z
    .array(z.strictObject({ by: z.string().min(1), values: z.record(z.string(), textMap) }))
    .nullish()
    .transform((v) => v ?? []),
  values: z.record(z.string(), textMap).nullish().transform((v) => v ?? {}),
});

/** The schema of mapping.yaml. */
const MappingSchema = z.strictObject({
  version: z.literal(1),
  source: z
    .strictObject({ timeZone: z.string().default('America/New_York'), dateTimeFormat: z.string().default('YYYY-MM-DD HH:mm:ss'), dateFormat: z.string().default('YYYY-MM-DD') })
    .default({ timeZone: 'America/New_York', dateTimeFormat: 'YYYY-MM-DD HH:mm:ss', dateFormat: 'YYYY-MM-DD' }),
  target: z.strictObject({ timeZone: z.string().default('America/New_York') }).default({ timeZone: 'America/New_York' }),
  transactions: FileSchema,
  notes: FileSchema.nullish(),
  details: FileSchema.nullish(),
});

function checkColumns(kind: FileKind, names: Iterable<string>, where: string): void {
  const known = new Set(columnsByKind[kind].map((c) => c.name));
  for (const n of names) {
    if (!known.has(n)) throw new InvalidInputError(`mapping: ${where} names "${n}", which is not a column of the ${kind} file`, `The columns are listed in docs/import-files.md.`);
  }
}

/** Parses and checks a mapping's YAML text (pure); errors name the offending key. */
export function parseMapping(yamlText: string): Mapping {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    throw new InvalidInputError(`mapping: not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  const parsed = MappingSchema.safeParse(doc);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    const at = i?.path.length ? i.path.join('.') : '(top level)';
    if (i?.path[0] === 'version') throw new InvalidInputError('mapping: "version: 1" is required');
    if (i?.path[0] === 'transactions' && i.path.length === 1 && i.code === 'invalid_type') throw new InvalidInputError('mapping: a "transactions" section is required');
    throw new InvalidInputError(`mapping: ${at}: ${i?.message ?? 'invalid'}`, 'The format is in docs/migration.md ("2. Build").');
  }
  const { source, target } = parsed.data;
  for (const [k, zone] of [['source.timeZone', source.timeZone], ['target.timeZone', target.timeZone]] as const) {
    if (!isValidTimeZone(zone)) throw new InvalidInputError(`mapping: ${k} "${zone}" is not an IANA time zone (e.g. America/New_York)`);
  }
  compileFormat(source.dateTimeFormat, 'source.dateTimeFormat');
  compileFormat(source.dateFormat, 'source.dateFormat');
  const files: Partial<Record<FileKind, FileMapping>> = {};
  for (const kind of ['transactions', 'notes', 'details'] as const) {
    const f = parsed.data[kind];
    if (!f) continue;
    checkColumns(kind, Object.keys(f.columns), `${kind}.columns`);
    checkColumns(kind, Object.keys(f.constants), `${kind}.constants`);
    checkColumns(kind, Object.keys(f.values), `${kind}.values`);
    f.lookups.forEach((l, i) => {
      for (const [k, v] of Object.entries(l.values)) checkColumns(kind, Object.keys(v), `${kind}.lookups[${i}].values.${k}`);
    });
    files[kind] = f;
  }
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
