/**
 * Issues are data, messages are rendering (docs/development.md): an issue has a stable code, a location and
 * parameters; text is produced in one place by whoever renders it.
 */
export type Severity = 'error' | 'warning';

/** A located problem found in some input. `value` is already masked when it could be sensitive. */
export interface Issue {
  code: string;
  severity: Severity;
  /** Path of the file, or another name for the input. */
  file: string | null;
  /** Logical record number with the header as row 1 (what a spreadsheet shows), null for file issues. */
  row: number | null;
  /** Physical line where the record starts (1-based), null for file issues. */
  line: number | null;
  /** Field or column name, null for whole-row or whole-file issues. */
  column: string | null;
  value: string | null;
  message: string;
  params?: Record<string, string | number | boolean | null>;
}

/** Counts errors and warnings in a list of issues. */
export function countIssues(issues: Iterable<Pick<Issue, 'severity'>>): { errors: number; warnings: number } {
  let errors = 0;
  let warnings = 0;
  for (const i of issues) {
    if (i.severity === 'error') errors++;
    else warnings++;
  }
  return { errors, warnings };
}
