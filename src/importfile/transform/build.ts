/**
 * `konduit import build`: a legacy export (any columns) -> the three import files, by a mapping.yaml
 * (mapping.ts). Per output cell, in order: a lookup by a legacy column (per product, plan or MID), else a
 * constant, else the mapped source column (or a joined file's column); then the column's value map (an
 * empty cell too, when the map has ""); then dates parsed with the source's formats (date-times converted
 * from the source's zone, or from their own UTC offset, to the account's); money with "$" and thousands
 * separators dropped; card numbers without spaces or dashes; then the derivations of one row (a split
 * expiry, billShipSame by comparing addresses) and the fixer's safe normalisations (phones, expiry, enum
 * case); then the derivations across rows (derive.ts: each subscription's latest row, disputes folded
 * into their parents), which need a first pass over the source. The result is validated.
 *
 * Plan (pure): `compileBuilder` turns a mapping and a source header into a row function.
 * Apply (I/O): `buildImportFiles` streams each source into its import file.
 */
import { join } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { maskDigitsInText } from '../../core/mask.js';
import { parseCents } from '../../core/money.js';
import { formatDate, formatWall, instantToWall, wallToInstant, type WallTime } from '../../core/time.js';
import { TX, columnsByKind, type FileKind } from '../spec/columns.js';
import { CrossRowPlanner, applyAcrossRows, meets, rowFacts, sameAddress, splitExpiry, type CrossRowPlan, type RowFacts } from './derive.js';
import { fixCells, type OutColumn } from './fix.js';
import { compileFormat, type FileMapping, type Join, type Mapping } from './mapping.js';
import { runValidation, type CodeSummary, type ImportInput, type ValidationReport } from '../validate/validate.js';
import { CsvFileWriter } from './writer.js';
import { cellOf, readTable, type TableHeader } from '../read/table.js';
import { plural, verb } from '../../core/text.js';

/** A problem building a cell, left for the merchant (the cell keeps the source value). */
export interface BuildIssue {
  kind: FileKind;
  /** Row of the source file (header = 1). */
  row: number;
  column: string;
  code: 'unparsed_date' | 'unmapped_value' | 'lookup_missing' | 'join_missing' | 'unparsed_expiry' | 'dispute_parent_missing';
  /** The source value, masked if it holds a long number. */
  value: string;
}

/** What each build issue means, for people. */
export const BUILD_ISSUE_TEXT: Record<BuildIssue['code'], string> = {
  unparsed_date: 'does not match the mapping\'s date format',
  unmapped_value: 'has no entry in the column\'s value map',
  lookup_missing: 'is not a key of the lookup',
  join_missing: 'has no row in the joined file',
  unparsed_expiry: 'is not a card expiry (MM/YY, MM/YYYY, MMYY, YYYY-MM)',
  dispute_parent_missing: 'is a dispute whose parent transaction is not in the export',
};

/** File names `build` writes in its output directory. */
export const OUTPUT_NAMES: Record<FileKind, string> = {
  transactions: 'transactions.csv',
  notes: 'customer-notes.csv',
  details: 'customer-details.csv',
};

/** One built row: its cells (spec order), the issues, and the facts the derivations across rows need. */
export interface BuiltRow {
  cells: string[];
  issues: BuildIssue[];
  facts: RowFacts;
}

/** Builds one import row from one source row. */
export type RowBuilder = (cells: readonly string[], row: number) => BuiltRow;

/** Rows of a joined source file by their key (held in memory: a processor's card export is small). */
export class JoinTable {
  private constructor(
    readonly join: Join,
    private readonly rows: Map<string, string[]>,
    /** Position of each joined column in a stored row. */
    readonly columns: string[],
  ) {}

  /** Reads the joined source; a key column or joined column it lacks is a mapping error naming it. */
  static async read(path: string, j: Join, where: string): Promise<JoinTable> {
    const keys = Object.values(j.on);
    const columns = Object.values(j.columns);
    const rows = new Map<string, string[]>();
    let checked = false;
    for await (const rec of readTable(path)) {
      if (!checked) {
        for (const c of [...keys, ...columns]) {
          if (!rec.header.index.has(c)) throw new InvalidInputError(`mapping: ${where} names the column "${c}", which ${path} does not have`, `Its columns: ${rec.header.names.join(', ')}`);
        }
        checked = true;
      }
      const key = keys.map((k) => cellOf(rec, k).trim()).join('\u0001');
      if (!rows.has(key)) rows.set(key, columns.map((c) => cellOf(rec, c)));
    }
    return new JoinTable(j, rows, columns);
  }

  /** The joined row for a key, as import column -> value. */
  get(key: string): Map<string, string> | undefined {
    const r = this.rows.get(key);
    if (!r) return undefined;
    return new Map(Object.keys(this.join.columns).map((imp, i) => [imp, r[i] ?? '']));
  }
}

/** Compiles the builder for one file kind from its mapping and the source's header (pure but for joined tables read before). */
export function compileBuilder(kind: FileKind, fm: FileMapping, m: Mapping, header: TableHeader, joins: readonly JoinTable[] = []): RowBuilder {
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
  const joined = joins.map((table, i) => ({
    table,
    keyNames: Object.keys(table.join.on),
    keyAt: Object.keys(table.join.on).map((c) => need(c, `${kind}.joins[${i}].on`)),
  }));
  const fromJoin: (string | undefined)[] = new Array(specs.length);
  const d = fm.derive;
  const at = (column: string) => need(column, `${kind}.derive`);
  const expiry = d.cardExpiry ? { at: need(d.cardExpiry.from, `${kind}.derive.cardExpiry.from`), from: d.cardExpiry.from, format: d.cardExpiry.format } : null;
  const deriveBillShip = d.billShipSame === 'sameAddress';
  const subscriptionBy = d.subscription ? d.subscription.by.map((c) => need(c, `${kind}.derive.subscription.by`)) : null;
  const disputes = d.disputes
    ? {
        when: d.disputes.when.map((w) => ({ ...w, at: at(w.column) })),
        parent: need(d.disputes.parent, `${kind}.derive.disputes.parent`),
        reason: d.disputes.reasonCode ? need(d.disputes.reasonCode, `${kind}.derive.disputes.reasonCode`) : null,
      }
    : null;
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
        // A time with its own UTC offset is that instant; otherwise the export's wall time in its zone.
        if (w.offsetMinutes !== undefined) return formatWall(instantToWall(utcOf(w) - w.offsetMinutes * 60_000, m.target.timeZone));
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
        // "$1,234.50", and "-$49.95" as refunds and disputes are often written.
        const plain = v.trim().replace(/^(-?)\$/, '$1').replace(/,(?=\d{3}(\D|$))/g, '');
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
    fromJoin.fill(undefined);
    for (const j of joined) {
      const key = j.keyAt.map((k) => (cells[k] ?? '').trim()).join('\u0001');
      const hit = j.table.get(key);
      if (hit) for (const [c, v] of hit) fromJoin[position.get(c) as number] = v;
      else if (key.replace(/\u0001/g, '') !== '') issue(j.keyNames.join('+'), 'join_missing', key.replace(/\u0001/g, ' '));
    }
    const out = new Array<string>(specs.length);
    for (let i = 0; i < specs.length; i++) {
      const spec = specs[i] as (typeof specs)[number];
      let v = fromLookup[i] ?? constant[i];
      if (v === undefined) {
        const at = source[i];
        v = fromJoin[i] ?? (at === null || at === undefined ? '' : (cells[at] ?? ''));
      }
      const vm = valueMap[i];
      // An empty cell is mapped too when the map has "" (e.g. billShipSame: { "": "1" }).
      if (vm && (v !== '' || vm.exact.has(''))) {
        const mapped = vm.exact.get(v) ?? vm.lower.get(v.trim().toLowerCase());
        if (mapped !== undefined) v = mapped;
        else if (v.trim() !== '' && !(spec.values ?? []).includes(v.trim())) issue(spec.name, 'unmapped_value', v);
      }
      out[i] = v === '' ? '' : convertCell(spec.type, spec.name, v);
    }
    if (expiry) {
      const raw = (cells[expiry.at] ?? '').trim();
      const split = raw === '' ? null : splitExpiry(raw, expiry.format);
      if (split) {
        out[TX.cardExpiryMonth] = split.month;
        out[TX.cardExpiryYear] = split.year;
      } else if (raw !== '') issue(expiry.from, 'unparsed_expiry', raw);
    }
    if (deriveBillShip) out[TX.billShipSame] = sameAddress(out);
    const built = fixCells(plan, out, row, { log: false, postalCodes: false }).cells;
    const subscription = subscriptionBy ? subscriptionBy.map((k) => (cells[k] ?? '').trim()).join('\u0001') : '';
    const dispute = disputes && meets(cells, at, disputes.when) ? { parent: (cells[disputes.parent] ?? '').trim(), reasonCode: disputes.reason === null ? '' : (cells[disputes.reason] ?? '').trim() } : null;
    return { cells: built, issues, facts: rowFacts(row, built, subscription.replace(/\u0001/g, '') === '' ? '' : subscription, dispute) };
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
  /** Dispute rows folded into their parents' chargeback columns (derive.disputes). */
  disputesFolded: number;
}

/** Options of buildImportFiles. */
export interface BuildOptions {
  today?: string;
  /** The planned import date, for the validation of the result (the rebill guard). */
  importDate?: string;
  maxIssues?: number;
}

/** Builds the import files from the sources into `outDir` (atomic files), then validates them. */
export async function buildImportFiles(m: Mapping, sources: readonly string[], outDir: string, o: BuildOptions = {}): Promise<BuildResult> {
  const files: Partial<Record<FileKind, string>> = {};
  const rows: Partial<Record<FileKind, number>> = {};
  const issues: BuildIssue[] = [];
  let issueCount = 0;
  const max = o.maxIssues ?? 200;
  const report = (i: BuildIssue) => {
    issueCount++;
    if (issues.length < max) issues.push(i);
  };
  const sourceOf = (n: number, where: string) => {
    const src = sources[n - 1];
    if (!src) throw new InvalidInputError(`mapping: ${where} is ${n}, but only ${plural(sources.length, 'SOURCE file')} ${verb(sources.length, 'was', 'were')} given`);
    return src;
  };
  let folded = 0;
  for (const kind of ['transactions', 'notes', 'details'] as const) {
    const fm = m.files[kind];
    if (!fm) continue;
    const src = sourceOf(fm.source, `${kind}.source`);
    const joins = await Promise.all(fm.joins.map((j, i) => JoinTable.read(sourceOf(j.source, `${kind}.joins[${i}].source`), j, `${kind}.joins[${i}]`)));
    const acrossRows = !!(fm.derive.subscription || fm.derive.disputes);
    // The first pass: only the facts the derivations across rows need (nothing is written).
    let plan: CrossRowPlan | null = null;
    if (acrossRows) {
      const planner = new CrossRowPlanner();
      let build: RowBuilder | null = null;
      for await (const rec of readTable(src)) {
        build ??= compileBuilder(kind, fm, m, rec.header, joins);
        planner.add(build(rec.cells, rec.row).facts);
      }
      plan = planner.plan();
    }
    const out = join(outDir, OUTPUT_NAMES[kind]);
    const w = await CsvFileWriter.open(out, columnsByKind[kind].map((c) => c.name));
    const cid = columnsByKind[kind].findIndex((c) => c.name === 'customerId');
    const seen = new Set<string>();
    const chargedBack = new Set<string>();
    try {
      let build: RowBuilder | null = null;
      for await (const rec of readTable(src)) {
        build ??= compileBuilder(kind, fm, m, rec.header, joins);
        const r = build(rec.cells, rec.row);
        if (plan && r.facts.dispute) {
          // A dispute row is not a transaction of the import: it becomes its parent's chargeback columns,
          // so only what those are read from (its date, its amount) can be wrong.
          for (const i of r.issues) if (i.code === 'unparsed_date' || i.column === 'totalAmount') report(i);
          continue;
        }
        for (const i of r.issues) report(i);
        if (plan) {
          const cb = applyAcrossRows(r.cells, r.facts, plan);
          if (cb) chargedBack.add((r.cells[TX.merchantTxnId] ?? '').trim());
        }
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
    for (const [parent, cb] of plan?.chargebacks ?? []) {
      if (chargedBack.has(parent)) folded += cb.rows.length;
      else for (const row of cb.rows) report({ kind, row, column: fm.derive.disputes?.parent ?? '', code: 'dispute_parent_missing', value: maskDigitsInText(parent) });
    }
    files[kind] = out;
    rows[kind] = w.rows;
  }
  const input = files as ImportInput & { transactions: string };
  const v = await runValidation(input, { ...(o.today ? { today: o.today } : {}), ...(o.importDate ? { importDate: o.importDate } : {}) });
  return { files: input, rows, issues, issueCount, report: v.report, codes: v.codes, disputesFolded: folded };
}
