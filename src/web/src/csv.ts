/** CSV export of any table the dashboard shows (RFC 4180, money as plain decimals, formula-neutralised). */
import { csvText } from '../../core/csv';

/** The CSV text of a header and rows: text cells that a spreadsheet would run as formulas are neutralised (core/csv.ts). */
export function toCsv(columns: string[], rows: string[][]): string {
  return csvText([columns, ...rows]);
}

/** Offers the CSV to the browser as a download. */
export function downloadCsv(filename: string, columns: string[], rows: string[][]): void {
  const blob = new Blob([toCsv(columns, rows)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
