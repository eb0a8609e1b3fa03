/**
 * `konduit import fix`: only the normalisations that cannot change what a row means, each one logged
 * (row, column, before, after, rule). Amounts, card and bank numbers and ids are never touched; whatever
 * is not certainly fixable is left as it is for the validator's report.
 *
 * Plan (pure): the header decides the output columns (spec order, names in spec case, unknown columns
 * kept at the end, missing optional columns added empty); `fixCells` fixes one row's cells.
 * Apply (I/O): `fixFile` streams the input to an atomic output and collects the change log.
 */
import { maskDigitsInText } from '../../core/mask.js';
import { isCalendarDate } from '../../core/time.js';
import { columnsByKind, type ColumnSpec, type FileKind } from '../spec/columns.js';
import { rebillRuleText, resolvePastNextBill, type RebillRule } from './rebill-guard.js';
import { CsvFileWriter } from './writer.js';
import { readHeader, readTable } from '../read/table.js';

/** Rule names, as they appear in the change log. */
export type FixRule =
  | 'header_name_case'
  | 'column_order'
  | 'column_added'
  | 'trim'
  | 'date_format'
  | 'datetime_format'
  | 'phone_digits'
  | 'expiry_month_2_digits'
  | 'expiry_year_4_digits'
  | 'enum_case'
  | 'bit_word'
  | 'country_case'
  | 'state_case'
  | 'quantity_default'
  | 'zip_leading_zeros'
  | 'postal_code_format'
  | 'rebill_guard_choice'
  | 'next_bill_date_moved'
  | 'subscription_cancelled';

/** One logged change. Row is the record number with the header as row 1 (as the validator counts). */
export interface Change {
  row: number;
  column: string;
  before: string;
  after: string;
  rule: FixRule;
}

/** How dates written with slashes are read: only when unambiguous unless an order is given. */
export type DateOrder = 'mdy' | 'dmy' | null;

/** Options of the fixer. */
export interface FixOptions {
  /** Order of slash dates like 03/04/2025; null (default) fixes only unambiguous ones (a part > 12). */
  dateOrder?: DateOrder;
  /** Collect the changes (default true; build, which logs nothing, turns it off). */
  log?: boolean;
  /**
   * Restore US ZIP codes' leading zeros and format Canadian postal codes (default true). Build leaves
   * them to fix, so that every such change is in fix's change log.
   */
  postalCodes?: boolean;
  /** fixFile: runs before the fixed file is renamed into place (the change log is written first). */
  beforeCommit?: (changes: readonly Change[]) => Promise<void>;
  /**
   * The rebill guard (rebill-guard.ts): active subscriptions whose next bill date is before `importDate`
   * are resolved by `rule`, or, without a rule, only counted (the validator then names them).
   */
  rebill?: { importDate: string; rule: RebillRule | null };
}

/** One output column: its spec (null for a column the spec does not know) and where its value comes from. */
export interface OutColumn {
  name: string;
  spec: ColumnSpec | null;
  /** Input position, or null for a column the fixer added. */
  from: number | null;
}

/** The output layout for an input header (pure), and the header-level changes. */
export function planColumns(kind: FileKind, header: readonly string[]): { columns: OutColumn[]; changes: Change[] } {
  const specs = columnsByKind[kind];
  const changes: Change[] = [];
  const byLower = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (!byLower.has(k)) byLower.set(k, i);
  });
  const used = new Set<number>();
  const columns: OutColumn[] = [];
  for (const spec of specs) {
    const i = byLower.get(spec.name.toLowerCase());
    if (i !== undefined) {
      used.add(i);
      const written = header[i] ?? '';
      if (written !== spec.name) changes.push({ row: 1, column: spec.name, before: written, after: spec.name, rule: 'header_name_case' });
      columns.push({ name: spec.name, spec, from: i });
    } else if (spec.required.kind === 'never') {
      // An optional column may be absent; adding it empty is what the CRM assumes anyway.
      changes.push({ row: 1, column: spec.name, before: '', after: '(empty column)', rule: 'column_added' });
      columns.push({ name: spec.name, spec, from: null });
    }
    // A missing required column is left missing: the validator names it.
  }
  header.forEach((h, i) => {
    if (!used.has(i)) columns.push({ name: h, spec: null, from: i });
  });
  const order = columns.filter((c) => c.from !== null).map((c) => c.from);
  const sorted = [...order].sort((a, b) => (a as number) - (b as number));
  if (order.some((v, i) => v !== sorted[i])) {
    changes.push({ row: 1, column: '*', before: header.join(','), after: columns.map((c) => c.name).join(','), rule: 'column_order' });
  }
  return { columns, changes };
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A date written another way, as YYYY-MM-DD; null when not certain. */
export function fixDate(text: string, order: DateOrder = null): string | null {
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
  if (m) return ymd(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  if (!m) return null;
  const a = Number(m[1]);
  const b = Number(m[2]);
  const y = Number(m[3]);
  if (a > 12 && b <= 12) return ymd(y, b, a);
  if (b > 12 && a <= 12) return ymd(y, a, b);
  if (a === b) return ymd(y, a, b);
  if (order === 'mdy') return ymd(y, a, b);
  if (order === 'dmy') return ymd(y, b, a);
  return null;
}

function ymd(y: number, mo: number, d: number): string | null {
  return isCalendarDate(y, mo, d) ? `${y}-${pad2(mo)}-${pad2(d)}` : null;
}

/** Whether a date or date-time is a slash date that only --date-order can read (both parts 12 or less, and different). */
export function isAmbiguousDate(text: string): boolean {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[T ]|$)/.exec(text.trim());
  return !!m && Number(m[1]) <= 12 && Number(m[2]) <= 12 && m[1] !== m[2] && Number(m[1]) > 0 && Number(m[2]) > 0;
}

/** A date-time written another way (ISO T, missing seconds, slashes, 12-hour clock), as YYYY-MM-DD HH:MM:SS. */
export function fixDatetime(text: string, order: DateOrder = null): string | null {
  // A zone suffix (Z, +02:00) would need a conversion to the account's zone: not a safe fix.
  const m = /^([0-9./-]+)[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(?:\s*([AaPp])\.?[Mm]\.?)?$/.exec(text);
  if (!m) return null;
  const date = fixDate(m[1] ?? '', order);
  if (!date) return null;
  let h = Number(m[2]);
  const mi = Number(m[3]);
  const s = m[4] === undefined ? 0 : Number(m[4]);
  if (m[5]) {
    if (h < 1 || h > 12) return null;
    const pm = m[5].toLowerCase() === 'p';
    h = (h % 12) + (pm ? 12 : 0);
  }
  if (h > 23 || mi > 59 || s > 59) return null;
  return `${date} ${pad2(h)}:${pad2(mi)}:${pad2(s)}`;
}

const POSTAL = new Set(['postalCode', 'shipPostalCode']);

/**
 * A US ZIP code whose leading zeros a spreadsheet dropped (every ZIP has 5 digits, so "2134" can only be
 * "02134", and 7 or 8 digits only a ZIP+4), or a Canadian postal code written without its space or in
 * lower case. Anything else is left for the validator.
 */
export function fixPostalCode(raw: string, countryCell: string): { value: string; rule: FixRule } | null {
  const v = raw.trim();
  const country = countryCell.trim().toUpperCase();
  if (country === 'US') {
    if (/^\d{3,4}$/.test(v)) return { value: v.padStart(5, '0'), rule: 'zip_leading_zeros' };
    const plus4 = /^(\d{3,5})-?(\d{4})$/.exec(v);
    if (plus4 && (plus4[1]!.length < 5 || v.length < 9)) {
      const all = `${plus4[1]}${plus4[2]}`.padStart(9, '0');
      return { value: `${all.slice(0, 5)}-${all.slice(5)}`, rule: 'zip_leading_zeros' };
    }
  } else if (country === 'CA') {
    const m = /^([A-Za-z]\d[A-Za-z])[\s-]*(\d[A-Za-z]\d)$/.exec(v);
    if (m) {
      const value = `${m[1]} ${m[2]}`.toUpperCase();
      if (value !== v) return { value, rule: 'postal_code_format' };
    }
  }
  return v !== raw ? { value: v, rule: 'trim' } : null;
}

// A Map: a cell "constructor" or "__proto__" must not find Object.prototype's members.
const BIT_WORDS: ReadonlyMap<string, string> = new Map([['true', '1'], ['false', '0'], ['yes', '1'], ['no', '0'], ['y', '1'], ['n', '0']]);


/** Fixes one cell of a typed column (pure); returns the new value and rule, or null to leave it. */
export function fixCell(spec: ColumnSpec, raw: string, row: (name: string) => string, o: FixOptions = {}): { value: string; rule: FixRule } | null {
  // Never touched: amounts, card and bank numbers, Konnektive ids and the merchant's own ids.
  if (spec.sensitive || spec.type === 'decimal' || spec.type === 'amount2' || spec.type === 'id') return null;
  if (POSTAL.has(spec.name)) return o.postalCodes === false ? null : fixPostalCode(raw, row(spec.name === 'shipPostalCode' ? 'shipCountry' : 'country'));
  if (spec.type === 'varchar') return null;
  const v = raw.trim();
  const trimmed = v !== raw ? { value: v, rule: 'trim' as const } : null;
  const order = o.dateOrder ?? null;
  switch (spec.type) {
    case 'date': {
      if (v === '' || /^\d{4}-\d{2}-\d{2}$/.test(v)) return trimmed;
      const d = fixDate(v, order);
      return d ? { value: d, rule: 'date_format' } : trimmed;
    }
    case 'datetime': {
      if (v === '' || /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(v)) return trimmed;
      const d = fixDatetime(v, order);
      return d ? { value: d, rule: 'datetime_format' } : trimmed;
    }
    case 'phone': {
      // Only separators are dropped; letters (an extension) mean it is not certainly one number.
      if (/^\+?[\d\s().\-/]+$/.test(v)) {
        const digits = v.replace(/\D/g, '');
        if (digits !== v && digits.length > 0) return { value: digits, rule: 'phone_digits' };
      }
      return trimmed;
    }
    case 'month':
      if (/^[1-9]$/.test(v)) return { value: `0${v}`, rule: 'expiry_month_2_digits' };
      return trimmed;
    case 'year':
      // Card expiry years are in this century; a 2-digit year has only one reading.
      if (/^\d{2}$/.test(v)) return { value: `20${v}`, rule: 'expiry_year_4_digits' };
      return trimmed;
    case 'enum': {
      const hit = spec.values?.find((x) => x.toLowerCase() === v.toLowerCase());
      if (hit && hit !== v) return { value: hit, rule: 'enum_case' };
      return trimmed;
    }
    case 'bit': {
      const b = BIT_WORDS.get(v.toLowerCase());
      if (b !== undefined) return { value: b, rule: 'bit_word' };
      return trimmed;
    }
    case 'country':
      if (/^[a-z]{2}$/i.test(v) && v !== v.toUpperCase()) return { value: v.toUpperCase(), rule: 'country_case' };
      return trimmed;
    case 'region': {
      const country = (spec.name === 'shipState' ? row('shipCountry') : row('country')).trim().toUpperCase();
      if ((country === 'US' || country === 'CA') && /^[a-z]{2}$/i.test(v) && v !== v.toUpperCase()) {
        return { value: v.toUpperCase(), rule: 'state_case' };
      }
      return trimmed;
    }
    case 'integer':
      if (spec.name === 'quantity' && (v === '' || (/^-?\d+$/.test(v) && Number(v) <= 0))) {
        // Seed 002: "If not provided or not greater than 0, then it will be set to 1."
        return { value: '1', rule: 'quantity_default' };
      }
      return trimmed;
    default:
      return trimmed;
  }
}

interface CompiledPlan {
  pos: Map<string, number>;
  /** Typed columns in fix order: enums and bits first (conditions of other fixes read the fixed values). */
  order: { c: OutColumn & { spec: ColumnSpec }; i: number }[];
}

// Plans are compiled once per layout (per file), not per row.
const compiled = new WeakMap<readonly OutColumn[], CompiledPlan>();

function compile(columns: readonly OutColumn[]): CompiledPlan {
  let p = compiled.get(columns);
  if (!p) {
    const order = columns
      .map((c, i) => ({ c, i }))
      .filter((x): x is { c: OutColumn & { spec: ColumnSpec }; i: number } => x.c.spec !== null && !untouched(x.c.spec))
      .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i);
    p = { pos: new Map(columns.map((c, i) => [c.name, i])), order };
    compiled.set(columns, p);
  }
  return p;
}

/** Columns the fixer never changes (amounts, card and bank numbers, ids, free text). */
function untouched(spec: ColumnSpec): boolean {
  return spec.sensitive || spec.type === 'decimal' || spec.type === 'amount2' || spec.type === 'id' || (spec.type === 'varchar' && !POSTAL.has(spec.name));
}

/** Fixes one data row laid out as `columns` (pure): the output cells and the changes. */
export function fixCells(
  columns: readonly OutColumn[],
  input: readonly string[],
  row: number,
  o: FixOptions = {},
): { cells: string[]; changes: Change[]; pastNextBill: boolean; ambiguous: { column: string; value: string } | null } {
  const plan = compile(columns);
  const cells = columns.map((c) => (c.from === null ? '' : (input[c.from] ?? '')));
  const changes: Change[] = [];
  const get = (name: string) => {
    const i = plan.pos.get(name);
    return i === undefined ? '' : (cells[i] ?? '');
  };
  const set = (i: number, value: string, rule: FixRule) => {
    const before = cells[i] ?? '';
    cells[i] = value;
    // Defence in depth: a card number typed into the wrong column never reaches the log in clear.
    if (o.log !== false) changes.push({ row, column: columns[i]!.name, before: maskDigitsInText(before), after: maskDigitsInText(value), rule });
  };
  let ambiguous: { column: string; value: string } | null = null;
  for (const { c, i } of plan.order) {
    const before = cells[i] ?? '';
    const f = fixCell(c.spec, before, get, o);
    if (f && f.value !== before) set(i, f.value, f.rule);
    else if (!o.dateOrder && (c.spec.type === 'date' || c.spec.type === 'datetime') && isAmbiguousDate(before)) ambiguous ??= { column: c.name, value: before };
  }
  // After the dates and bits are in spec form: the rebill guard reads them.
  let pastNextBill = false;
  const active = plan.pos.get('isActiveRecurring');
  const next = plan.pos.get('nextBillDate');
  if (o.rebill && active !== undefined && next !== undefined && cells[active] === '1') {
    const date = cells[next] ?? '';
    if (/^\d{4}-\d{2}-\d{2}$/.test(date) && date < o.rebill.importDate) {
      pastNextBill = true;
      const rule = o.rebill.rule;
      if (rule) {
        const r = resolvePastNextBill(date, o.rebill.importDate, rule);
        if (rule.kind === 'cancel') {
          set(active, '0', 'subscription_cancelled');
          set(next, '', 'subscription_cancelled');
        } else set(next, r.nextBillDate, 'next_bill_date_moved');
      }
    }
  }
  return { cells, changes, pastNextBill, ambiguous };
}

function rank(c: OutColumn): number {
  const t = c.spec?.type;
  return t === 'enum' || t === 'bit' || t === 'country' ? 0 : 1;
}

/** What fixFile did. */
export interface FixResult {
  rows: number;
  changes: Change[];
  /** Changes per rule. */
  byRule: Partial<Record<FixRule, number>>;
  /** Rows copied as they were because their cell count differs from the header's. */
  shapeSkipped: number[];
  /** Active subscriptions with a next bill date before the import date: found (first rows kept), and whether resolved. */
  pastNextBill: { count: number; rows: number[]; resolved: boolean };
  /** Rows with a slash date only --date-order can read, and the first of them. */
  ambiguousDates: { count: number; first: { row: number; column: string; value: string } | null };
}

/** Fixes a file into `out` (atomic), returning every change. */
export async function fixFile(kind: FileKind, input: string, out: string, o: FixOptions = {}): Promise<FixResult> {
  let plan: { columns: OutColumn[]; changes: Change[] } | null = null;
  let w: CsvFileWriter | null = null;
  const changes: Change[] = [];
  const shapeSkipped: number[] = [];
  const past = { count: 0, rows: [] as number[], resolved: !!o.rebill?.rule };
  const ambiguous: FixResult['ambiguousDates'] = { count: 0, first: null };
  if (o.rebill?.rule) {
    // The choice itself is the first entry of the log, before the rows it moved.
    changes.push({ row: 1, column: 'nextBillDate', before: `active subscriptions due before the import date ${o.rebill.importDate}`, after: rebillRuleText(o.rebill.rule), rule: 'rebill_guard_choice' });
  }
  let rows = 0;
  try {
    for await (const rec of readTable(input)) {
      if (!plan) {
        plan = planColumns(kind, rec.header.names);
        changes.push(...plan.changes);
        w = await CsvFileWriter.open(out, plan.columns.map((c) => c.name));
      }
      rows++;
      if (rec.cells.length !== rec.header.names.length || rec.problems.length > 0) {
        // A damaged record cannot be re-laid safely: it goes through unchanged, for the validator to name.
        shapeSkipped.push(rec.row);
        await w!.write(rec.cells);
        continue;
      }
      const r = fixCells(plan.columns, rec.cells, rec.row, o);
      changes.push(...r.changes);
      if (r.pastNextBill && past.count++ < 20) past.rows.push(rec.row);
      if (r.ambiguous && ambiguous.count++ === 0) ambiguous.first = { row: rec.row, ...r.ambiguous };
      await w!.write(r.cells);
    }
    if (!plan) {
      plan = planColumns(kind, (await readHeader(input)).names);
      changes.push(...plan.changes);
      w = await CsvFileWriter.open(out, plan.columns.map((c) => c.name));
    }
    await o.beforeCommit?.(changes);
    await w!.commit();
  } catch (err) {
    await w?.abort();
    throw err;
  }
  const byRule: Partial<Record<FixRule, number>> = {};
  for (const c of changes) byRule[c.rule] = (byRule[c.rule] ?? 0) + 1;
  return { rows, changes, byRule, shapeSkipped, pastNextBill: past, ambiguousDates: ambiguous };
}

/** Renders a change log as CSV text (every cell quoted) or JSON. */
export function renderChangeLog(changes: readonly Change[], format: 'csv' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(changes, null, 2)}\n`;
  const q = (v: string | number) => `"${String(v).replace(/"/g, '""')}"`;
  return ['"row","column","before","after","rule"', ...changes.map((c) => [c.row, c.column, c.before, c.after, c.rule].map(q).join(','))].join('\r\n') + '\r\n';
}
