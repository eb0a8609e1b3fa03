/** Header checks: each spec column by name; missing, unknown, duplicated, mis-cased and out-of-order columns. */
import type { ColumnSpec } from '../spec/columns.js';
import type { Check, IssueCode, IssueParams } from '../spec/messages.js';

/** The header check and the codes it raises. */
export const headerCheck: Check = {
  name: 'header',
  raises: [
    'header_not_import_file',
    'header_unknown_column',
    'header_wrong_case',
    'header_duplicate_column',
    'header_out_of_order',
    'header_missing_column',
    'header_missing_optional_column',
  ],
};

/** A header problem: `column` is a spec index, or -1 when the header cell names no spec column. */
export interface HeaderIssue {
  code: IssueCode;
  column: number;
  params: IssueParams;
  /** The header cell as written, when there is one. */
  value: string | null;
}

/** Where each spec column is in the file, and what was wrong with the header. */
export interface HeaderResult {
  /** Cell index of each spec column, -1 when absent. */
  cellOf: Int32Array;
  /** Number of header cells (every record should have as many). */
  width: number;
  issues: HeaderIssue[];
  /** The header is not an import file's (header_not_import_file): its rows are not checked. */
  notImportFile: boolean;
}

const normalise = (s: string) => s.trim().toLowerCase();

/** Maps the header's cells to the spec columns and reports every header problem. */
export function checkHeader(cells: readonly string[], cols: readonly ColumnSpec[]): HeaderResult {
  const byName = new Map(cols.map((c, i) => [c.name, i]));
  const byNormal = new Map(cols.map((c, i) => [normalise(c.name), i]));
  const cellOf = new Int32Array(cols.length).fill(-1);
  const issues: HeaderIssue[] = [];
  let maxSeen = -1;
  cells.forEach((cell, i) => {
    let k = byName.get(cell);
    if (k === undefined) {
      k = byNormal.get(normalise(cell));
      if (k === undefined) {
        if (cell.trim() !== '' || i < cells.length - 1) {
          issues.push({ code: 'header_unknown_column', column: -1, params: { name: cell }, value: cell });
        }
        return;
      }
      issues.push({ code: 'header_wrong_case', column: k, params: { name: cell }, value: cell });
    }
    if (cellOf[k]! >= 0) {
      issues.push({ code: 'header_duplicate_column', column: k, params: { first: cellOf[k]! + 1 }, value: cell });
      return;
    }
    cellOf[k] = i;
    if (k < maxSeen) {
      issues.push({
        code: 'header_out_of_order',
        column: k,
        params: { after: cols[maxSeen]!.name, letter: cols[k]!.letter },
        value: cell,
      });
    } else {
      maxSeen = k;
    }
  });
  cols.forEach((c, k) => {
    if (cellOf[k]! >= 0) return;
    const code: IssueCode = c.required.kind === 'never' ? 'header_missing_optional_column' : 'header_missing_column';
    issues.push({ code, column: k, params: {}, value: null });
  });
  // A header that names fewer than half the required columns is some other file (a platform's export):
  // one issue that says so and what to run, instead of a missing column each and an error per cell.
  const required = cols.filter((c) => c.required.kind !== 'never').length;
  const found = cols.filter((c, k) => c.required.kind !== 'never' && cellOf[k]! >= 0).length;
  if (found * 2 < required) {
    const unknown = issues.filter((i) => i.code === 'header_unknown_column');
    const params = { found, total: required, unknown: unknown.length, example: unknown[0]?.value ?? '' };
    return { cellOf, width: cells.length, issues: [{ code: 'header_not_import_file', column: -1, params, value: null }], notImportFile: true };
  }
  return { cellOf, width: cells.length, issues, notImportFile: false };
}
