/**
 * The rebill guard's resolution (issue 17, item 1): an active subscription whose next bill date is before
 * the planned import date would be billed by the CRM the moment it is imported. The validator calls it an
 * error (next_bill_date_past); the merchant chooses, per file, one rule that resolves every such row:
 *
 * - `move:+N`: the next bill date becomes the import date plus N days;
 * - `keep-day`: the same day of the month as before, on the first such day on or after the import date
 *   (the 31st becomes the last day of a shorter month), so the cycle keeps its rhythm;
 * - `cancel`: the subscription is imported as not active (isActiveRecurring=0, next bill date emptied).
 *
 * Pure: `parseRebillRule` and `resolvePastNextBill`; fix.ts applies them and logs every change.
 */
import { InvalidInputError } from '../../core/errors.js';
import { addDays, daysInMonth, formatDate, parseWall } from '../../core/time.js';

/** A rule that resolves the past next bill dates of a file. */
export type RebillRule = { kind: 'move'; days: number } | { kind: 'keep-day' } | { kind: 'cancel' };

/** The rule as written on the command line (and in the change log). */
export function rebillRuleText(r: RebillRule): string {
  return r.kind === 'move' ? `move:+${r.days}` : r.kind;
}

/** Parses `move:+N`, `keep-day` or `cancel` (the flag's value); anything else says what is accepted. */
export function parseRebillRule(text: string): RebillRule {
  const t = text.trim();
  const m = /^move:\+?(\d{1,3})$/.exec(t);
  if (m) return { kind: 'move', days: Number(m[1]) };
  if (t === 'keep-day') return { kind: 'keep-day' };
  if (t === 'cancel') return { kind: 'cancel' };
  throw new InvalidInputError(
    `"${t.slice(0, 40)}" is not a rule for past next bill dates`,
    'Use move:+N (the import date plus N days, e.g. move:+3), keep-day (the same day of the month, on or after the import date) or cancel (imported as not active).',
  );
}

/** What a row becomes: its new next bill date ('' when cancelled) and isActiveRecurring. */
export interface RebillResolution {
  nextBillDate: string;
  isActiveRecurring: '0' | '1';
}

/** Resolves one past next bill date (YYYY-MM-DD) against the import date by the rule (pure). */
export function resolvePastNextBill(next: string, importDate: string, rule: RebillRule): RebillResolution {
  if (rule.kind === 'cancel') return { nextBillDate: '', isActiveRecurring: '0' };
  if (rule.kind === 'move') return { nextBillDate: addDays(importDate, rule.days), isActiveRecurring: '1' };
  const was = parseWall(next);
  const at = parseWall(importDate);
  if (!was || !at) throw new RangeError(`not a date: ${was ? importDate : next}`);
  let { year, month } = at;
  for (;;) {
    const day = Math.min(was.day, daysInMonth(year, month));
    if (day >= at.day || year * 12 + month > at.year * 12 + at.month) return { nextBillDate: formatDate({ year, month, day }), isActiveRecurring: '1' };
    month++;
    if (month > 12) {
      month = 1;
      year++;
    }
  }
}
