/**
 * The rebill guard at the gates (issue 17, item 1): before a transactions file is sampled or uploaded,
 * it must hold no active subscription whose next bill date is before the planned import date. This reads
 * only the three columns the question needs (the full validator runs elsewhere).
 */
import { cellOf, readTable } from '../read/table.js';
import { plural } from '../../core/text.js';

/** Active rows due before the import date: how many, and the first ones. */
export interface PastNextBillDates {
  count: number;
  first: { row: number; customerId: string; nextBillDate: string }[];
}

/** Finds active subscriptions (isActiveRecurring=1) whose nextBillDate is before `importDate` (YYYY-MM-DD). */
export async function findPastNextBillDates(transactionsFile: string, importDate: string, keep = 10): Promise<PastNextBillDates> {
  const found: PastNextBillDates = { count: 0, first: [] };
  for await (const rec of readTable(transactionsFile, ['customerId', 'isActiveRecurring', 'nextBillDate'])) {
    if (cellOf(rec, 'isActiveRecurring').trim() !== '1') continue;
    const next = cellOf(rec, 'nextBillDate').trim();
    // Compared as text: both are YYYY-MM-DD (a malformed date is the validator's to name).
    if (!/^\d{4}-\d{2}-\d{2}$/.test(next) || next >= importDate) continue;
    if (found.count++ < keep) found.first.push({ row: rec.row, customerId: cellOf(rec, 'customerId').trim(), nextBillDate: next });
  }
  return found;
}

/** The refusal's text: the rows, and the way out. */
export function describePastNextBillDates(file: string, importDate: string, p: PastNextBillDates): string {
  const rows = p.first.map((r) => `  row ${r.row}: customer ${r.customerId}, nextBillDate ${r.nextBillDate}`).join('\n');
  return `${file} has ${plural(p.count, 'active subscription')} due before the import date ${importDate}: the CRM would bill ${p.count === 1 ? 'it' : 'each'} the moment it is imported\n${rows}${p.count > p.first.length ? `\n  ... ${p.count - p.first.length} more` : ''}`;
}

/** The hint of every refusal: how to resolve them. */
export const PAST_NEXT_BILL_HINT = 'Resolve them first: konduit import fix --import-date DATE --past-next-bill-date move:+N|keep-day|cancel (each moved row goes to the change log).';
