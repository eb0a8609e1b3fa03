/**
 * The programmatic API: validate a set of import files (transactions, and optionally notes and
 * details) and get the report that `konduit import validate --format json` prints.
 */
import { open, stat } from 'node:fs/promises';
import { EnvironmentError, UsageError } from '../../core/errors.js';
import { isCalendarDate } from '../../core/time.js';
import { SNIFF_BYTES, sniffNotCsvText } from '../read/encoding.js';
import { columnsByKind, type FileKind } from '../spec/columns.js';
import { CrossRowState } from './cross-row.js';
import { scanCsvBuffer, scanCsvFile } from '../read/csv-file.js';
import { FileValidator } from './file-validator.js';
import { IssueCollector, type CodeSummary, type ValidationReport } from './report.js';
import { transactionRules } from './rules/index.js';
import { indexCrmIds } from './row-rule.js';
import type { CrmIdLists } from '../../core/crm-ids.js';

export type { ValidationReport, ReportIssue, FileSummary, CodeSummary } from './report.js';

/** A file path, or in-memory content with a name to report it under. */
export type ImportSource = string | { name: string; content: string | Uint8Array };

/** The files of one import. */
export interface ImportInput {
  transactions: ImportSource;
  notes?: ImportSource;
  details?: ImportSource;
}

/** Options of a validation run. */
export interface ValidateOptions {
  /** Most issues listed in the report (all are counted). Default 1000. */
  maxIssues?: number;
  /** Today's date (YYYY-MM-DD). Default: the system's local date. */
  today?: string;
  /**
   * The planned import date (YYYY-MM-DD): an active subscription whose next bill date is before it is an
   * error (the rebill guard). Default: today.
   */
  importDate?: string;
  /** The CRM's ids (konduit crm ids): every campaignId, productId and merchantId is checked against them. */
  crmIds?: CrmIdLists;
  /** Size cap of the cross-row tables as a power of two (default 22: ~2.9M ids each); tests lower it. */
  crossRowBits?: number;
}

/** Default for ValidateOptions.maxIssues. */
export const DEFAULT_MAX_ISSUES = 1000;

/** Validates the import files; resolves to the JSON report (throws EnvironmentError when a file cannot be read). */
export async function validateImportFiles(input: ImportInput, opts: ValidateOptions = {}): Promise<ValidationReport> {
  return (await runValidation(input, opts)).report;
}

/** Like validateImportFiles, also returning per-code totals and examples (for the text output). */
export async function runValidation(
  input: ImportInput,
  opts: ValidateOptions = {},
): Promise<{ report: ValidationReport; codes: CodeSummary[] }> {
  const today = parseToday(opts.today);
  const importDate = opts.importDate === undefined ? today : parseToday(opts.importDate, 'importDate');
  const crm = opts.crmIds ? indexCrmIds(opts.crmIds) : null;
  // Fail on a missing file before spending time on the others.
  for (const [kind, src] of Object.entries(input) as [FileKind, ImportSource | undefined][]) {
    if (src !== undefined) await assertReadable(kind, src);
  }
  const collector = new IssueCollector(opts.maxIssues ?? DEFAULT_MAX_ISSUES);
  // Rows are ~430 bytes in a typical all-quoted file: size the cross-row tables once from that.
  const cross = new CrossRowState(Math.floor((await sizeOf(input.transactions)) / 450), opts.crossRowBits ?? 22);
  const files: [FileKind, ImportSource | undefined][] = [
    ['transactions', input.transactions],
    ['notes', input.notes],
    ['details', input.details],
  ];
  for (const [kind, src] of files) {
    if (src === undefined) continue;
    const v = new FileValidator({
      file: typeof src === 'string' ? src : src.name,
      kind,
      cols: columnsByKind[kind],
      rules: kind === 'transactions' ? transactionRules : [],
      collector,
      cross,
      ctx: { today, importDate, crm },
    });
    const notText = sniffNotCsvText(await headOf(src));
    if (notText) {
      v.rejectFile(notText.what, notText.fix);
    } else if (typeof src === 'string') {
      try {
        await scanCsvFile(src, v.onRecord);
      } catch (err) {
        // A read that fails half-way (EIO, a file removed under us) is an environment problem, not a bug.
        const e = err as NodeJS.ErrnoException;
        if (typeof e?.code !== 'string') throw err;
        throw new EnvironmentError(`cannot read the ${kind} file ${src}: ${e.message}`);
      }
    } else {
      // The scanner unescapes quotes in place: never modify the caller's bytes.
      scanCsvBuffer(Buffer.from(src.content), v.onRecord);
    }
    if (kind === 'transactions') {
      cross.finishTransactions((code, column, row, line, value, params) => v.reportAt(code, column, row, line, value, params));
      cross.customersKnown = v.hasCustomerIds;
      if (cross.limited) v.reportFileIssue('cross_row_checks_limited', { tracked: cross.tracked });
    }
    v.finish();
  }
  return { report: collector.report(), codes: collector.codeSummaries() };
}

/** The first bytes of a source, to tell what it is before reading it as CSV. */
async function headOf(src: ImportSource): Promise<Uint8Array> {
  if (typeof src !== 'string') return Buffer.from(src.content.slice(0, SNIFF_BYTES));
  const fh = await open(src, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

async function sizeOf(src: ImportSource): Promise<number> {
  if (typeof src !== 'string') return src.content.length;
  try {
    return (await stat(src)).size;
  } catch {
    return 0;
  }
}

async function assertReadable(kind: FileKind, src: ImportSource): Promise<void> {
  if (typeof src !== 'string') return;
  const flag = kind === 'transactions' ? '--transactions' : `--${kind}`;
  let info;
  try {
    info = await stat(src);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? err);
    throw new EnvironmentError(`cannot read the ${kind} file ${src} (${flag}): ${why}`, 'Check the path.');
  }
  if (!info.isFile()) throw new EnvironmentError(`the ${kind} file ${src} (${flag}) is not a regular file`);
}

/** Today (or another option's date) as yyyymmdd, from YYYY-MM-DD or the system's local date. */
function parseToday(text: string | undefined, name = 'today'): number {
  if (text === undefined) {
    const d = new Date();
    return d.getFullYear() * 10000 + (d.getMonth() + 1) * 100 + d.getDate();
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw new UsageError(`${name} must be a real date written YYYY-MM-DD, got "${text.slice(0, 40)}"`);
  return Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]);
}
