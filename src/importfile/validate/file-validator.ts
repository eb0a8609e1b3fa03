/**
 * Validates the records of one file, in the pipeline order of docs/architecture.md ("The import files"): shape (CSV flags, header,
 * cell count) -> field checks (one per column type) -> cross-field rules -> cross-row state.
 */
import { maskNumber } from '../../core/mask.js';
import { cardsInCell, type CardScan } from '../spec/card-numbers.js';
import type { ColumnSpec, FileKind } from '../spec/columns.js';
import {
  FLAG_BAD_QUOTE,
  FLAG_INVALID_UTF8,
  FLAG_NUL,
  FLAG_UNCLOSED_QUOTE,
  type RawRecord,
} from '../read/csv-scanner.js';
import type { CrossRowState } from './cross-row.js';
import * as F from './field-checks.js';
import { checkHeader } from '../read/header.js';
import type { Check, IssueCode, IssueParams } from '../spec/messages.js';
import type { FileSummary, IssueCollector } from './report.js';
import { RowView } from '../read/row.js';
import type { Reporter, RowRule, RuleContext } from './row-rule.js';

/** Scan modes by number (spec/card-numbers.ts), for the per-cell loop. */
const SCAN: Record<CardScan, number> = { never: 0, anywhere: 1, whole: 2 };
const SCAN_MODE: CardScan[] = ['never', 'anywhere', 'whole'];

// Column type ids, so the per-cell dispatch is a switch on small integers.
const T = {
  varchar: 0, id: 1, integer: 2, decimal: 3, amount2: 4, bit: 5, enum: 6, date: 7, datetime: 8, email: 9,
  phone: 10, country: 11, region: 12, card: 13, month: 14, year: 15, routing: 16, account: 17,
} as const;

/** The file's own shape (an empty file, damaged CSV) and the codes it raises; cells are the field checks'. */
export const fileShapeCheck: Check = {
  name: 'file-validator',
  raises: ['file_empty', 'file_encoding', 'no_transactions', 'csv_unclosed_quote', 'csv_bad_quote', 'csv_nul_byte', 'csv_invalid_utf8', 'csv_ragged_row'],
};

/** What a file validator needs from the run. */
export interface FileValidatorOptions {
  file: string;
  kind: FileKind;
  cols: readonly ColumnSpec[];
  rules: readonly RowRule[];
  collector: IssueCollector;
  cross: CrossRowState;
  ctx: RuleContext;
}

/** Validates one file record by record; feed it to a CsvScanner as the record callback. */
export class FileValidator implements Reporter {
  private readonly view: RowView;
  private readonly summary: FileSummary;
  private readonly typeId: Uint8Array;
  private readonly maxLen: Int32Array;
  private readonly mustHave: Uint8Array;
  private readonly enums: (Uint8Array[] | null)[];
  private readonly quantityCol: number;
  /** Per column: where card numbers are looked for (SCAN), and whether a valid cell rules one out. */
  private readonly scan: Uint8Array;
  private readonly cardProof: Uint8Array;
  private readonly customerCol: number;
  private cellOf: Int32Array | null = null;
  private width = 0;
  /** The header is exactly the spec's columns in order: rows are read in place, without a copy. */
  private identity = false;
  private readonly ownS: Int32Array;
  private readonly ownE: Int32Array;
  /** The file is something else (another encoding, an export's header): records are counted, not checked. */
  private skipRows = false;
  private rejected = false;

  constructor(private readonly o: FileValidatorOptions) {
    const cols = o.cols;
    this.view = new RowView(cols);
    this.ownS = this.view.s;
    this.ownE = this.view.e;
    this.summary = o.collector.startFile(o.file, o.kind);
    this.typeId = Uint8Array.from(cols, (c) => T[c.type]);
    this.maxLen = Int32Array.from(cols, (c) => c.maxLength ?? 0);
    this.mustHave = Uint8Array.from(cols, (c) => (c.required.kind === 'always' ? 1 : 0));
    this.enums = cols.map((c) => (c.values ? c.values.map((v) => Buffer.from(v)) : null));
    this.quantityCol = cols.findIndex((c) => c.name === 'quantity');
    this.scan = Uint8Array.from(cols, (c) => SCAN[c.cardScan]);
    // A cell that passed one of these type checks cannot hold 13 digits in a row.
    const proof = new Set<number>([T.date, T.datetime, T.bit, T.enum, T.month, T.year, T.country, T.decimal, T.amount2]);
    this.cardProof = Uint8Array.from(cols, (c) => (proof.has(T[c.type]) ? 1 : 0));
    this.customerCol = cols.findIndex((c) => c.name === 'customerId');
  }

  /** Whether the header was read and maps the customerId column. */
  get hasCustomerIds(): boolean {
    return !this.skipRows && this.cellOf !== null && this.customerCol >= 0 && this.cellOf[this.customerCol]! >= 0;
  }

  /** The record callback. */
  readonly onRecord = (rec: RawRecord): void => {
    if (this.cellOf === null) {
      this.header(rec);
      return;
    }
    this.summary.rows++;
    if (this.skipRows) return;
    const v = this.view;
    v.buf = rec.buf;
    v.row = rec.row;
    v.line = rec.line;
    const flags = rec.flags;
    if (flags !== 0) {
      if (flags & FLAG_UNCLOSED_QUOTE) {
        // The record was cut short: its cells cannot be trusted.
        this.report('csv_unclosed_quote', -1);
        return;
      }
      if (flags & FLAG_BAD_QUOTE) this.report('csv_bad_quote', -1);
      if (flags & FLAG_NUL) this.report('csv_nul_byte', -1);
      if (flags & FLAG_INVALID_UTF8) this.report('csv_invalid_utf8', -1);
    }
    if (rec.count !== this.width) {
      this.report('csv_ragged_row', -1, { found: rec.count, expected: this.width });
      return;
    }
    if (this.identity) {
      v.s = rec.starts;
      v.e = rec.ends;
    } else {
      const cellOf = this.cellOf;
      const s = this.ownS;
      const e = this.ownE;
      const n = cellOf.length;
      for (let k = 0; k < n; k++) {
        const c = cellOf[k]!;
        if (c >= 0) {
          s[k] = rec.starts[c]!;
          e[k] = rec.ends[c]!;
        }
      }
    }
    const { s, e } = v;
    this.checkFields();
    for (const rule of this.o.rules) rule.check(v, this, this.o.ctx);
    if (this.o.kind === 'transactions') {
      this.o.cross.addTransaction(v, this);
    } else if (this.o.cross.customersKnown && v.ok[this.customerCol]) {
      const k = this.customerCol;
      if (!this.o.cross.hasCustomer(v.buf, s[k]!, e[k]!)) this.report('customer_not_in_transactions', k);
    }
  };

  private checkFields(): void {
    const v = this.view;
    const { buf, s, e, ok, num, present } = v;
    const parsed = F.parsed;
    const n = this.o.cols.length;
    // Locals, not `this.` loads, in the loop that runs once per cell.
    const typeId = this.typeId;
    const maxLen = this.maxLen;
    const mustHave = this.mustHave;
    const quantityCol = this.quantityCol;
    for (let k = 0; k < n; k++) {
      const cs = s[k]!;
      const ce = e[k]!;
      if (ce <= cs) {
        ok[k] = 0;
        if (mustHave[k] && present[k]) this.report('required', k);
        continue;
      }
      let code: IssueCode | null;
      switch (typeId[k]) {
        case T.varchar:
        case T.region:
          code = F.checkVarchar(buf, cs, ce, maxLen[k]!);
          break;
        case T.id:
          code = F.checkId(buf, cs, ce, maxLen[k]!);
          break;
        case T.integer:
          code = F.checkInteger(buf, cs, ce, maxLen[k]!);
          break;
        case T.decimal:
          code = F.checkDecimal(buf, cs, ce);
          break;
        case T.amount2:
          code = F.checkAmount2(buf, cs, ce);
          break;
        case T.bit:
          code = F.checkBit(buf, cs, ce);
          break;
        case T.enum:
          code = F.checkEnum(buf, cs, ce, this.enums[k]!);
          break;
        case T.date:
          code = F.checkDate(buf, cs, ce);
          break;
        case T.datetime:
          code = F.checkDatetime(buf, cs, ce);
          break;
        case T.email:
          code = F.checkEmail(buf, cs, ce);
          break;
        case T.phone:
          code = F.checkPhone(buf, cs, ce);
          break;
        case T.country:
          code = F.checkCountry(buf, cs, ce);
          break;
        case T.card:
          code = F.checkCard(buf, cs, ce);
          break;
        case T.month:
          code = F.checkMonth(buf, cs, ce);
          break;
        case T.year:
          code = F.checkYear(buf, cs, ce);
          break;
        case T.routing:
          code = F.checkRouting(buf, cs, ce);
          break;
        default:
          code = F.checkAccount(buf, cs, ce);
      }
      if (code === null) {
        ok[k] = 1;
        num[k] = parsed.value;
        if (k === quantityCol && parsed.value <= 0) this.report('quantity_not_positive', k);
      } else {
        ok[k] = 0;
        this.report(code, k, this.paramsFor(code, k));
      }
      if (this.scan[k] && ce - cs >= 13 && !(code === null && this.cardProof[k])) this.scanForCard(k, cs, ce);
    }
  }

  /** Reports a card-like number in a column other than cardNumber (only its masked digits are shown). */
  private scanForCard(k: number, cs: number, ce: number): void {
    const buf = this.view.buf;
    let digits = 0;
    for (let i = cs; i < ce; i++) if (buf[i]! >= 0x30 && buf[i]! <= 0x39) digits++;
    if (digits < 13) return;
    const found = cardsInCell(buf.toString('utf8', cs, ce), SCAN_MODE[this.scan[k]!]!);
    if (found.length > 0) this.report('card_in_other_column', k, { digits: found[0]!.digits.length }, maskNumber(found[0]!.digits));
  }

  private paramsFor(code: IssueCode, k: number): IssueParams {
    const spec = this.o.cols[k]!;
    const v = this.view;
    switch (code) {
      case 'too_long':
        return { length: F.charLength(v.buf, v.s[k]!, v.e[k]!), max: spec.maxLength ?? 0 };
      case 'not_in_enum':
        return { allowed: (spec.values ?? []).join(', ') };
      case 'card_too_long':
      case 'card_too_short':
        return { length: v.e[k]! - v.s[k]! };
      case 'invalid_date':
      case 'invalid_datetime':
        // The way out depends on what was written: a slash date needs --date-order.
        return /^\s*\d{1,2}[/.]\d{1,2}[/.]\d{2,4}/.test(v.text(k)) ? { slash: 1 } : {};
      case 'invalid_expiry_month':
        return /^\s*\d{1,2}\s*[/-]\s*(\d{2}|\d{4})\s*$/.test(v.text(k)) ? { combined: 1 } : {};
      default:
        return {};
    }
  }

  private header(rec: RawRecord): void {
    const cells: string[] = [];
    for (let i = 0; i < Math.min(rec.count, rec.starts.length); i++) {
      cells.push(rec.buf.toString('utf8', rec.starts[i]!, rec.ends[i]!));
    }
    const h = checkHeader(cells, this.o.cols);
    this.skipRows = h.notImportFile;
    this.cellOf = h.cellOf;
    this.width = h.width;
    this.identity = h.width === this.o.cols.length && h.cellOf.every((c, k) => c === k);
    const v = this.view;
    for (let k = 0; k < h.cellOf.length; k++) {
      v.present[k] = h.cellOf[k]! >= 0 ? 1 : 0;
      v.s[k] = 0;
      v.e[k] = 0;
    }
    for (const issue of h.issues) {
      const spec = issue.column >= 0 ? this.o.cols[issue.column]! : null;
      this.o.collector.add(this.summary, rec.row, rec.line, spec, issue.column, issue.code, issue.value, issue.params);
    }
  }

  /** Reports an issue on the current row (Reporter). */
  report(code: IssueCode, column: number, params?: IssueParams, shown?: string): void {
    const v = this.view;
    const spec = column >= 0 ? this.o.cols[column]! : null;
    const value = shown !== undefined ? shown : column >= 0 ? () => v.text(column) : null;
    this.o.collector.add(this.summary, v.row, v.line, spec, column, code, value, params);
  }

  /** Reports an issue on an earlier row (forward references settled at the end). */
  reportAt(code: IssueCode, column: number, row: number, line: number, value: string, params: IssueParams): void {
    const spec = column >= 0 ? this.o.cols[column]! : null;
    this.o.collector.add(this.summary, row, line, spec, column, code, value, params);
  }

  /** Reports an issue on the whole file (no row, no column). */
  reportFileIssue(code: IssueCode, params: IssueParams): void {
    this.o.collector.add(this.summary, null, null, null, -1, code, null, params);
  }

  /** Reports that the file is not UTF-8 CSV text (what it is, and how to get the CSV); its bytes are not read. */
  rejectFile(what: string, fix: string): void {
    this.rejected = true;
    this.o.collector.add(this.summary, null, null, null, -1, 'file_encoding', null, { what, fix });
  }

  /** Ends the file: file-level issues (an empty file, a transactions file without transactions). */
  finish(): void {
    if (this.rejected) return;
    if (this.cellOf === null) this.o.collector.add(this.summary, null, null, null, -1, 'file_empty', null);
    else if (this.o.kind === 'transactions' && this.summary.rows === 0 && !this.skipRows) this.o.collector.add(this.summary, null, null, null, -1, 'no_transactions', null);
  }
}
