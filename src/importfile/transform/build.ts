/**
 * `konduit import build`: a legacy export (any columns) -> the three import files, by a mapping.yaml
 * (mapping.ts). Per output cell, in order: a lookup by a legacy column (per product, plan or MID), else a
 * constant, else the mapped source column; then the column's value map; then dates parsed with the
 * source's formats (date-times converted from the source's zone to the account's); money with "$" and
 * thousands separators dropped; card numbers without spaces or dashes; then the fixer's safe
 * normalisations (phones, expiry, enum case). The result is validated with validateImportFiles.
 *
 * Plan (pure): `compileBuilder` turns a mapping and a source header into a row function.
 * Apply (I/O): `buildImportFiles` streams each source into its import file.
 */
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { maskDigitsInText } from '../../core/mask.js';
import { parseCents } from '../../core/money.js';
import { formatDate, formatWall, instantToWall, wallToInstant, type WallTime } from '../../core/time.js';
import { columnsByKind, type FileKind } from '../spec/columns.js';
import { fixCells, type OutColumn } from './fix.js';
import { compileFormat, type FileMapping, type Mapping } from './mapping.js';
import { runValidation, type CodeSummary, type ImportInput, type ValidationReport } from '../validate/validate.js';
import { CsvFileWriter } from './writer.js';
import { readTable, type TableHeader } from '../read/table.js';

/** A problem building a cell, left for the merchant (the cell keeps the source value). */
export interface BuildIssue {
  kind: FileKind;
  /** Row of the source file (header = 1). */
  row: number;
  column: string;
  code: 'unparsed_date' | 'unmapped_value' | 'lookup_missing';
  /** The source value, masked if it holds a long number. */
  value: string;
}

/** File names `build` writes in its output directory. */
export const OUTPUT_NAMES: Record<FileKind, string> = {
  transactions: 'transactions.csv',
  notes: 'customer-notes.csv',
  details: 'customer-details.csv',
};

/** Builds one import row from one source row. */
export type RowBuilder = (cells: readonly string[], row: number) => { cells: string[]; issues: BuildIssue[] };

/** Compiles the builder for one file kind from its mapping and the source's header (pure). */
export function compileBuilder(kind: FileKind, fm: FileMapping, m: Mapping, header: TableHeader): RowBuilder {
  const specs = columnsByKind[kind];
  const need = (name: string, where: string): number => {
    const i = header.index.get(name);
    if (i === undefined) {
      throw new InvalidInputError(`mapping: ${where} names the source column "${name}", which the source file does not have`, `Its columns: ${header.names.join(', ')}`);
    }
    return i;
  };
  const position = new Map(specs.map((c, i) => [c.name, i]));
  // Per output column, everything a row needs, resolved once: rows only index arrays.
  const source: (number | null)[] = specs.map((c) => (fm.columns[c.name] === undefined ? null : need(fm.columns[c.name] as string, `${kind}.columns.${c.name}`)));
  const constant: (string | undefined)[] = specs.map((c) => fm.constants[c.name]);
  const valueMap = specs.map((c) => {
    const vm = fm.values[c.name];
    return vm ? { exact: new Map(Object.entries(vm)), lower: new Map(Object.entries(vm).map(([k, v]) => [k.trim().toLowerCase(), v])) } : null;
  });
  const lookups = fm.lookups.map((l, i) => ({
    at: need(l.by, `${kind}.lookups[${i}].by`),
    by: l.by,
    values: new Map(Object.entries(l.values).map(([k, set]) => [k, Object.entries(set).map(([c, v]) => [position.get(c) as number, v] as const)])),
  }));
  const parseDateTime = compileFormat(m.source.dateTimeFormat);
  const parseDate = compileFormat(m.source.dateFormat);
  const sameZone = m.source.timeZone === m.target.timeZone;
  const convert = zoneConverter(m.source.timeZone, m.target.timeZone);
  const plan: OutColumn[] = specs.map((spec, i) => ({ name: spec.name, spec, from: i }));
  const fromLookup: (string | undefined)[] = new Array(specs.length);
  let issueOf: (column: string, code: BuildIssue['code'], value: string) => void = () => undefined;
  const convertCell = (type: string, name: string, v: string): string => {
    if (v.trim() === '') return '';
    switch (type) {
      case 'datetime': {
        const w = parseDateTime(v);
        if (!w) {
          issueOf(name, 'unparsed_date', v);
          return v;
        }
        // The export's wall time in its zone -> the same instant as the account's wall time.
        return sameZone ? formatWall(w) : convert(w);
      }
      case 'date': {
        // A calendar date (next bill date, ship date) is not an instant: never shifted between zones.
        const w = parseDate(v) ?? parseDateTime(v);
        if (!w) {
          issueOf(name, 'unparsed_date', v);
          return v;
        }
        return formatDate(w);
      }
      case 'decimal':
      case 'amount2': {
        const plain = v.trim().replace(/^\$/, '').replace(/,(?=\d{3}(\D|$))/g, '');
        return parseCents(plain) === null ? v : plain;
      }
      case 'card': {
        const digits = v.replace(/[\s-]/g, '');
        return /^\d+$/.test(digits) ? digits : v;
      }
      default:
        return v;
    }
  };

  return (cells, row) => {
    const issues: BuildIssue[] = [];
    const issue = (column: string, code: BuildIssue['code'], value: string) => issues.push({ kind, row, column, code, value: maskDigitsInText(value) });
    issueOf = issue;
    fromLookup.fill(undefined);
    for (const l of lookups) {
      const key = (cells[l.at] ?? '').trim();
      const hit = l.values.get(key);
      if (hit) for (const [i, v] of hit) fromLookup[i] = v;
      else issue(l.by, 'lookup_missing', key);
    }
    const out = new Array<string>(specs.length);
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as (typeof specs)[number];
      let v = fromLookup[i] ?? constant[i];
      if (v === undefined) {
        const at = source[i];
        v = at === null || at === undefined ? '' : (cells[at] ?? '');
      }
      const vm = valueMap[i];
      if (vm && v !== '') {
        const mapped = vm.exact.get(v) ?? vm.lower.get(v.trim().toLowerCase());
        if (mapped !== undefined) v = mapped;
        else if (v.trim() !== '' && !(spec.values ?? []).includes(v.trim())) issue(spec.name, 'unmapped_value', v);
      }
      out[i] = v === '' ? '' : convertCell(spec.type, spec.name, v);
    }
    return { cells: fixCells(plan, out, row, { log: false, postalCodes: false }).cells, issues };
  };
}

const utcOf = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);

/**
 * Converts wall times between two zones, fast: the shift (target wall - source wall) is computed once per
 * source day, and used when it is the same at the day's first and last second (no transition that day in
 * either zone); on a transition day, once per hour the same way; inside an hour with a transition, each
 * time exactly. Exports hold millions of rows over a few hundred days, and the exact conversion costs
 * several Intl calls.
 */
export function zoneConverter(from: string, to: string): (w: WallTime) => string {
  const days = new Map<number, number | null>();
  const hours = new Map<number, number | null>();
  const exact = (w: WallTime) => instantToWall(wallToInstant(w, from), to);
  const shiftAt = (w: WallTime) => utcOf(exact(w)) - utcOf(w);
  const steady = (a: WallTime, b: WallTime) => {
    const x = shiftAt(a);
    return x === shiftAt(b) ? x : null;
  };
  return (w) => {
    const day = (w.year * 100 + w.month) * 100 + w.day;
    let shift = days.get(day);
    if (shift === undefined) {
      shift = steady({ ...w, hour: 0, minute: 0, second: 0 }, { ...w, hour: 23, minute: 59, second: 59 });
      days.set(day, shift);
    }
    if (shift === null) {
      const hour = day * 100 + w.hour;
      shift = hours.get(hour);
      if (shift === undefined) {
        shift = steady({ ...w, minute: 0, second: 0 }, { ...w, minute: 59, second: 59 });
        hours.set(hour, shift);
      }
    }
    if (shift === null) return formatWall(exact(w));
    const d = new Date(utcOf(w) + shift);
    return formatWall({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() });
  };
}

/** What buildImportFiles did. */
export interface BuildResult {
  files: ImportInput & { transactions: string };
  rows: Partial<Record<FileKind, number>>;
  /** First issues (all are counted in issueCount). */
  issues: BuildIssue[];
  issueCount: number;
  report: ValidationReport;
  /** Per-code totals and examples of the report (for the text rendering). */
  codes: CodeSummary[];
}

/** Builds the import files from the sources into `outDir` (atomic files), then validates them. */
export async function buildImportFiles(m: Mapping, sources: readonly string[], outDir: string, o: { today?: string; maxIssues?: number } = {}): Promise<BuildResult> {
  const files: Partial<Record<FileKind, string>> = {};
  const rows: Partial<Record<FileKind, number>> = {};
  const issues: BuildIssue[] = [];
  let issueCount = 0;
  const max = o.maxIssues ?? 200;
  for (const kind of ['transactions', 'notes', 'details'] as const) {
    const fm = m.files[kind];
    if (!fm) continue;
    const src = sources[fm.source - 1];
    if (!src) throw new InvalidInputError(`mapping: ${kind}.source is ${fm.source}, but only ${sources.length} SOURCE file(s) were given`);
    const out = join(outDir, OUTPUT_NAMES[kind]);
    const w = await CsvFileWriter.open(out, columnsByKind[kind].map((c) => c.name));
    const cid = columnsByKind[kind].findIndex((c) => c.name === 'customerId');
    const seen = new Set<string>();
    try {
      let build: RowBuilder | null = null;
      for await (const rec of readTable(src)) {
        build ??= compileBuilder(kind, fm, m, rec.header);
        const r = build(rec.cells, rec.row);
        issueCount += r.issues.length;
        for (const i of r.issues) if (issues.length < max) issues.push(i);
        if (kind === 'notes' && (r.cells[3] ?? '').trim() === '') continue;
        if (kind === 'details') {
          // One details row per customer, the first seen; rows with nothing but the id say nothing.
          const id = r.cells[cid] ?? '';
          if (seen.has(id) || r.cells.every((c, i) => i === cid || c.trim() === '')) continue;
          seen.add(id);
        }
        await w.write(r.cells);
      }
      await w.commit();
    } catch (err) {
      await w.abort();
      throw err;
    }
    files[kind] = out;
    rows[kind] = w.rows;
  }
  const input = files as ImportInput & { transactions: string };
  const { report, codes } = await runValidation(input, o.today ? { today: o.today } : {});
  return { files: input, rows, issues, issueCount, report, codes };
}
