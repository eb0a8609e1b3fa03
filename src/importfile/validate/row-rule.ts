/**
 * What a cross-field rule is: a Check (spec/messages.ts) that looks at one row at a time, after the field
 * checks, and reports through a Reporter (the file validator) so that issues stay data until the report.
 */
import type { RowView } from '../read/row.js';
import type { Check, IssueCode, IssueParams } from '../spec/messages.js';

/** Where rules report what they find on the current row. */
export interface Reporter {
  /**
   * Reports an issue on the current row at spec column `column` (-1 for the whole row). `shown` replaces
   * the cell as the issue's value (a masked part of it).
   */
  report(code: IssueCode, column: number, params?: IssueParams, shown?: string): void;
}

/** Run-wide facts rules may need. */
export interface RuleContext {
  /** Today as yyyymmdd. */
  today: number;
  /** The planned import date as yyyymmdd (an active subscription due before it would rebill at once). */
  importDate: number;
}

/** A cross-field rule: one small file each, named for what it forbids, with the codes it raises (DESIGN §3). */
export interface RowRule extends Check {
  /** What the rule forbids, in one sentence (goes into docs/import-files.md). */
  forbids: string;
  /** Spec columns whose required-if condition this rule enforces (tests check every one is owned). */
  owns: readonly string[];
  check(row: RowView, out: Reporter, ctx: RuleContext): void;
}
