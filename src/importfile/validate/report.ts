/**
 * The validation report (the JSON output, exactly) and the collector that builds it: it counts every
 * issue, lists at most `maxIssues` of them, and keeps the first few of each code for the text output.
 */
import { maskDigitsInText, maskNumber } from '../../core/mask.js';
import type { ColumnSpec, FileKind } from '../spec/columns.js';
import { renderMessage, severityOf, type IssueCode, type IssueParams } from '../spec/messages.js';

/** One issue as reported (JSON shape). */
export interface ReportIssue {
  file: string;
  kind: FileKind;
  /** Record number with the header as row 1; null for a file issue. */
  row: number | null;
  /** Physical line where the record starts; null for a file issue. */
  line: number | null;
  /** Spec column name; null for a whole-row or file issue. */
  column: string | null;
  columnLetter: string | null;
  code: IssueCode;
  severity: 'error' | 'warning';
  message: string;
  /** The cell, masked when it holds a card or bank number; null when there is no single cell. */
  value: string | null;
}

/** Per-file totals (JSON shape). `rows` counts data records, the header not included. */
export interface FileSummary {
  file: string;
  kind: FileKind;
  rows: number;
  errors: number;
  warnings: number;
}

/** The whole report (JSON shape). */
export interface ValidationReport {
  valid: boolean;
  files: FileSummary[];
  issues: ReportIssue[];
}

/** Per-code totals and first examples, for the grouped text output. */
export interface CodeSummary {
  code: IssueCode;
  severity: 'error' | 'warning';
  count: number;
  examples: ReportIssue[];
}

/** Longest value shown in an issue. */
const MAX_VALUE = 80;

/** Text cut to `max` characters with an ellipsis (a 1 MB header cell must not make a 1 MB message). */
export function truncate(text: string, max = MAX_VALUE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The value as it may be shown: sensitive columns masked to first 6 + last 4, card-like runs masked anywhere. */
export function displayValue(spec: ColumnSpec | null, raw: string): string {
  // Masked before it is cut, so a cut never leaves a digit run the mask would not recognise.
  return truncate(spec?.sensitive ? maskNumber(raw) : maskDigitsInText(raw));
}

/** Longest parameter quoted in a message (the catalog's own texts stay under it). */
const MAX_PARAM = 120;

/** Parameters as they may be quoted in a message: text from the file (a header cell) is cut. */
function shownParams(params: IssueParams): IssueParams {
  let out: IssueParams | null = null;
  for (const [k, v] of Object.entries(params)) {
    if (typeof v === 'string' && v.length > MAX_PARAM) (out ??= { ...params })[k] = truncate(maskDigitsInText(v), MAX_PARAM);
  }
  return out ?? params;
}

interface Listed {
  issue: ReportIssue;
  fileIndex: number;
  col: number;
}

/** Collects issues: counts all, lists the first `maxIssues`, keeps `examplesPerCode` per code. */
export class IssueCollector {
  private readonly listed: Listed[] = [];
  private readonly codes = new Map<IssueCode, CodeSummary>();
  private readonly files: FileSummary[] = [];

  constructor(
    private readonly maxIssues: number,
    private readonly examplesPerCode = 3,
  ) {}

  /** Starts the totals of a file; later issues count against it. */
  startFile(file: string, kind: FileKind): FileSummary {
    const f: FileSummary = { file, kind, rows: 0, errors: 0, warnings: 0 };
    this.files.push(f);
    return f;
  }

  /**
   * Records one issue. `value` is the raw cell (masked here) or a function producing it, called only
   * when the issue is kept, so counting a million issues allocates nothing per issue.
   */
  add(
    fileSummary: FileSummary,
    row: number | null,
    line: number | null,
    spec: ColumnSpec | null,
    col: number,
    code: IssueCode,
    value: string | null | (() => string | null),
    params: IssueParams = {},
  ): void {
    const severity = severityOf(code);
    if (severity === 'error') fileSummary.errors++;
    else fileSummary.warnings++;
    let summary = this.codes.get(code);
    if (!summary) {
      summary = { code, severity, count: 0, examples: [] };
      this.codes.set(code, summary);
    }
    summary.count++;
    const wantList = this.listed.length < this.maxIssues;
    const wantExample = summary.examples.length < this.examplesPerCode;
    if (!wantList && !wantExample) return;
    const raw = typeof value === 'function' ? value() : value;
    const issue: ReportIssue = {
      file: fileSummary.file,
      kind: fileSummary.kind,
      row,
      line,
      column: spec ? spec.name : null,
      columnLetter: spec ? spec.letter : null,
      code,
      severity,
      // Messages may quote user text (a header cell): mask card-like digit runs there too.
      message: maskDigitsInText(renderMessage(code, spec ? spec.name : null, shownParams(params))),
      value: raw === null ? null : displayValue(spec, raw),
    };
    if (wantList) this.listed.push({ issue, fileIndex: this.files.indexOf(fileSummary), col });
    if (wantExample) summary.examples.push(issue);
  }

  /** The finished report: listed issues in file, row and column order. */
  report(): ValidationReport {
    const sorted = [...this.listed].sort(
      (a, b) => a.fileIndex - b.fileIndex || (a.issue.row ?? 0) - (b.issue.row ?? 0) || a.col - b.col,
    );
    const errors = this.files.reduce((n, f) => n + f.errors, 0);
    return { valid: errors === 0, files: this.files, issues: sorted.map((l) => l.issue) };
  }

  /** Totals per code, errors first, then by count. */
  codeSummaries(): CodeSummary[] {
    return [...this.codes.values()].sort(
      (a, b) => (a.severity === b.severity ? b.count - a.count : a.severity === 'error' ? -1 : 1),
    );
  }
}
