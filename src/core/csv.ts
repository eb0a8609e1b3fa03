/**
 * CSV cells for files a person opens in a spreadsheet (reports, the dashboard's exports). Text is
 * neutralised against formula injection as OWASP describes ("CSV Injection"): a text cell that starts
 * with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading single quote, so the spreadsheet
 * shows it as text instead of running it. A cell that is a plain number (-12.50, +3, 0.015) is data, not
 * a formula: it stays as it is, so negative amounts remain numbers (docs/security.md). No imports: the
 * web bundle uses it too.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[-+]?\d+(\.\d+)?$/;

/** A cell as RFC 4180 writes it (quoted when it holds a comma, quote or line break), formula-neutralised. */
export function csvCell(value: string): string {
  const s = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of a header and rows, CRLF line ends (RFC 4180). */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
