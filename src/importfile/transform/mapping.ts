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
 *     values: { importColumn: { sourceValue: importValue } }   # value maps (enums, bits); "" maps empty cells
 *     joins: [ { source: 3, on: { thisColumn: thatColumn }, columns: { importColumn: thatFilesColumn } } ]
 *                                    # columns from another SOURCE (the processor's card export) by a key
 *     derive:                        # values no single column holds (docs/migration.md, "Derivations")
 *       billShipSame: sameAddress    # 1 when the shipping address is empty or equals the billing one
 *       cardExpiry: { from: column, format: auto | MM/YY | MM/YYYY | MMYY | MMYYYY | YYYY-MM }
 *       subscription: { by: [columns] }   # isActiveRecurring and nextBillDate on each one's latest sale only
 *       disputes: { when: [{ column, values }], parent: column, reasonCode: column }   # rows -> chargebacks
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

/** Columns taken from another source file, matched by a key. */
export interface Join {
  source: number;
  /** This file's column -> the other file's column; the rows match when all are equal. */
  on: Record<string, string>;
  /** Import column -> the other file's column. */
  columns: Record<string, string>;
}

/** A condition on a source cell: its value (trimmed, any case) is one of `values`. */
export interface SourceCondition {
  column: string;
  values: string[];
}

/** Values derived from several cells or rows (docs/migration.md, "Derivations"). */
export interface Derivations {
  billShipSame?: 'sameAddress';
  cardExpiry?: { from: string; format: ExpiryFormat };
  subscription?: { by: string[] };
  disputes?: { when: SourceCondition[]; parent: string; reasonCode?: string };
}

/** How a combined card expiry is written. */
export type ExpiryFormat = 'auto' | 'MM/YY' | 'MM/YYYY' | 'MMYY' | 'MMYYYY' | 'YYYY-MM';

/** How one import file is built. */
export interface FileMapping {
  source: number;
  columns: Record<string, string>;
  constants: Record<string, string>;
  lookups: Lookup[];
  values: Record<string, Record<string, string>>;
  joins: Join[];
  derive: Derivations;
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

const condition = z.strictObject({ column: z.string().min(1), values: z.array(text).min(1) });

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
  joins: z
    .array(z.strictObject({ source: z.number().int().min(1), on: z.record(z.string(), z.string()), columns: z.record(z.string(), z.string()) }))
    .nullish()
    .transform((v) => v ?? []),
  derive: z
    .strictObject({
      billShipSame: z.literal('sameAddress').optional(),
      cardExpiry: z.strictObject({ from: z.string().min(1), format: z.enum(['auto', 'MM/YY', 'MM/YYYY', 'MMYY', 'MMYYYY', 'YYYY-MM']).default('auto') }).optional(),
      subscription: z.strictObject({ by: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])) }).optional(),
      disputes: z
        .strictObject({
          when: z.union([condition, z.array(condition).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
          parent: z.string().min(1),
          reasonCode: z.string().min(1).optional(),
        })
        .optional(),
    })
    .nullish()
    .transform((v) => (v ?? {}) as Derivations),
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

/** A column filled two ways would make one of them silently lose: every import column has one origin. */
function checkDerivations(kind: FileKind, f: Omit<FileMapping, 'derive'> & { derive: Derivations }): void {
  const origins = new Map<string, string>();
  const claim = (column: string, where: string) => {
    const before = origins.get(column);
    if (before) throw new InvalidInputError(`mapping: ${kind}: ${column} is filled by ${before} and by ${where}`, 'Keep one of them.');
    origins.set(column, where);
  };
  for (const c of Object.keys(f.columns)) claim(c, `${kind}.columns.${c}`);
  f.joins.forEach((j, i) => Object.keys(j.columns).forEach((c) => claim(c, `${kind}.joins[${i}].columns.${c}`)));
  const d = f.derive;
  if (Object.keys(d).length > 0 && kind !== 'transactions') throw new InvalidInputError(`mapping: ${kind}.derive: derivations are for the transactions file only`);
  if (d.billShipSame) claim('billShipSame', `${kind}.derive.billShipSame`);
  if (d.cardExpiry) {
    claim('cardExpiryMonth', `${kind}.derive.cardExpiry`);
    claim('cardExpiryYear', `${kind}.derive.cardExpiry`);
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
    if (zone.trim() === '?' || zone.trim() === '') {
      throw new InvalidInputError(`mapping: ${k} is still a question: which time zone are these date-times written in?`, 'The data carries no UTC offset, so Konduit will not guess: write the zone, e.g. America/Los_Angeles.');
    }
    if (!isValidTimeZone(zone)) throw new InvalidInputError(`mapping: ${k} "${zone}" is not an IANA time zone (e.g. America/New_York)`);
  }
  for (const [k, format] of [['source.dateTimeFormat', source.dateTimeFormat], ['source.dateFormat', source.dateFormat]] as const) {
    if (format.includes('|')) {
      throw new InvalidInputError(
        `mapping: ${k} is still a choice ("${format}"): the export's dates never have a part above 12, so month/day and day/month both read them`,
        'Keep the one the export uses (check a date you know, e.g. an order placed on the 3rd).',
      );
    }
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
    f.joins.forEach((j, i) => {
      checkColumns(kind, Object.keys(j.columns), `${kind}.joins[${i}].columns`);
      if (Object.keys(j.on).length === 0) throw new InvalidInputError(`mapping: ${kind}.joins[${i}].on names no key column`, 'e.g. on: { "Customer ID": "customer_id" }');
    });
    checkDerivations(kind, f);
    files[kind] = f as FileMapping;
  }
  return { version: 1, source, target, files };
}

/** A parsed date: a wall time, and its UTC offset in minutes when the text carried one. */
export type ParsedDate = WallTime & { offsetMinutes?: number };

/** A compiled date format: parses a string to a wall time, or null. */
export type DateParser = (text: string) => ParsedDate | null;

type Scratch = WallTime & { pm?: boolean | undefined; offsetMinutes?: number | undefined };

const TOKENS: Record<string, { re: string; set: (w: Scratch, v: string) => void }> = {
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
  // Fractions of a second are read and dropped (the import keeps whole seconds).
  SSS: { re: '(\\d{1,9})', set: () => undefined },
  // A UTC offset (Z, +02:00, -0500): the time is converted from it, not from source.timeZone.
  Z: { re: '(Z|[+-]\\d{2}:?\\d{2})', set: (w, v) => (w.offsetMinutes = offsetOf(v)) },
};
const TOKEN_RE = /YYYY|YY|MM|M|DD|D|HH|H|hh|h|mm|ss|SSS|A|Z/g;

function offsetOf(text: string): number {
  if (text === 'Z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}

/** Compiles a format like "MM/DD/YYYY hh:mm:ss A" (tokens YYYY YY MM M DD D HH H hh h mm ss A). */
export function compileFormat(format: string, where = 'format'): DateParser {
  const setters: ((w: Scratch, v: string) => void)[] = [];
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
    const w: Scratch = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    setters.forEach((set, i) => set(w, m[i + 1] ?? ''));
    if (w.pm !== undefined) {
      if (w.hour < 1 || w.hour > 12) return null;
      w.hour = (w.hour % 12) + (w.pm ? 12 : 0);
    }
    if (!isCalendarDate(w.year, w.month, w.day) || w.hour > 23 || w.minute > 59 || w.second > 59) return null;
    const wall = { year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second };
    return w.offsetMinutes === undefined ? wall : { ...wall, offsetMinutes: w.offsetMinutes };
  };
}
