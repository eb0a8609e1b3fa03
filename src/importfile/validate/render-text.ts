/** The text report for people: a summary per file, then issues grouped by code with a fix hint each. */
import { hintFor } from '../spec/messages.js';
import type { CodeSummary, ReportIssue, ValidationReport } from './report.js';
import { plural } from '../../core/text.js';

function where(i: ReportIssue): string {
  const loc = i.row === null ? i.file : `${i.file} row ${i.row}${i.line !== i.row ? ` (line ${i.line})` : ''}`;
  const col = i.column ? ` ${i.column} (${i.columnLetter})` : '';
  const value = i.value !== null && i.value !== '' ? `: "${i.value}"` : '';
  return `${loc}${col}${value}`;
}

/**
 * Renders the report as text. `maxListed` caps the example rows shown in total (the counts are always
 * complete); each code shows at most `perCode` examples.
 */
export function renderText(report: ValidationReport, codes: CodeSummary[], maxListed: number, perCode = 3): string {
  const out: string[] = [];
  for (const f of report.files) {
    out.push(`${f.file} (${f.kind}): ${plural(f.rows, 'row')}, ${plural(f.errors, 'error')}, ${plural(f.warnings, 'warning')}`);
  }
  let budget = maxListed;
  let shown = 0;
  let total = 0;
  for (const c of codes) {
    total += c.count;
    out.push('');
    out.push(`${c.severity} ${c.code}: ${plural(c.count, 'issue')}`);
    const take = Math.max(0, Math.min(perCode, budget, c.examples.length));
    for (const ex of c.examples.slice(0, take)) out.push(`  - ${where(ex)}: ${ex.message}`);
    budget -= take;
    shown += take;
    if (c.count > take) out.push(`  ... ${c.count - take} more`);
    out.push(`  fix: ${hintFor(c.code)}`);
  }
  const errors = report.files.reduce((n, f) => n + f.errors, 0);
  const warnings = report.files.reduce((n, f) => n + f.warnings, 0);
  out.push('');
  out.push(
    `${report.valid ? 'VALID' : 'INVALID'}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}` +
      (total > shown ? ` (${shown} of ${total} issues shown; --max-issues changes how many, --format json lists them)` : ''),
  );
  return `${out.join('\n')}\n`;
}
