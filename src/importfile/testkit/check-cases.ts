/**
 * The cases of a check, run through the whole validator (docs/architecture.md, "The import files"; after frictionless-py's checks/):
 * each check's test file lists one case or more per code it raises, and `describeCases` fails when a
 * declared code has no case or a case claims a code the check does not declare.
 */
import { describe, expect, it } from 'vitest';
import type { CrmIdLists } from '../../core/crm-ids.js';
import { transactionColumns, type FileKind } from '../spec/columns.js';
import type { Check, IssueCode } from '../spec/messages.js';
import type { RowRule } from '../validate/row-rule.js';
import { validateImportFiles, type ImportInput } from '../validate/validate.js';
import { detailsCsv, notesCsv, transactionsCsv, validTransaction, type RowCells } from './test-rows.js';

/** Today for every case (the "already past" checks compare with it). */
export const CASE_TODAY = '2026-01-15';

/** A case on one transaction row: changes to the valid base row that raise the code, and ones that raise nothing. */
export interface RowCase {
  code: IssueCode;
  column: string | null;
  bad: RowCells;
  good: RowCells;
  /** The CRM's ids the validator is given (rules that check against them). */
  crmIds?: CrmIdLists;
}

/** Files of a case: transaction rows or raw CSV bytes, and optional note and detail rows. */
export interface CaseFiles {
  transactions: RowCells[] | string | Uint8Array;
  notes?: RowCells[];
  details?: RowCells[];
}

/** A case on whole files: they raise the code at `at` (row null: the whole file; column null: the whole row). */
export interface FileCase {
  code: IssueCode;
  at: { kind: FileKind; row: number | null; column: string | null };
  files: CaseFiles;
  /** Files like those that raise nothing, when there is a near variant worth showing. */
  good?: CaseFiles;
  /** Size cap of the cross-row tables (ValidateOptions.crossRowBits). */
  crossRowBits?: number;
}

/** One case of a check. */
export type CheckCase = RowCase | FileCase;

function inputOf(files: CaseFiles): ImportInput {
  const t = files.transactions;
  const input: ImportInput = { transactions: { name: 't.csv', content: Array.isArray(t) ? transactionsCsv(t) : t } };
  if (files.notes) input.notes = { name: 'n.csv', content: notesCsv(files.notes) };
  if (files.details) input.details = { name: 'd.csv', content: detailsCsv(files.details) };
  return input;
}

async function issuesOf(files: CaseFiles, crossRowBits?: number, crmIds?: CrmIdLists) {
  return (await validateImportFiles(inputOf(files), { today: CASE_TODAY, maxIssues: 1000, crossRowBits, ...(crmIds ? { crmIds } : {}) })).issues;
}

function runRowCase(c: RowCase): void {
  it(`${c.code} on ${c.column}: ${JSON.stringify(c.bad)}`, async () => {
    const bad = await issuesOf({ transactions: [validTransaction(c.bad)] }, undefined, c.crmIds);
    expect(bad.map((i) => [i.code, i.column])).toContainEqual([c.code, c.column]);
    const hit = bad.find((i) => i.code === c.code && i.column === c.column)!;
    expect(hit).toMatchObject({ file: 't.csv', kind: 'transactions', row: 2, line: 2 });
    expect(hit.columnLetter).toBe(transactionColumns.find((col) => col.name === c.column)!.letter);
    expect(hit.message.length).toBeGreaterThan(5);
    const good = await issuesOf({ transactions: [validTransaction(c.good)] }, undefined, c.crmIds);
    expect(good).toEqual([]);
  });
}

function runFileCase(c: FileCase): void {
  it(`${c.code} in ${c.at.kind} row ${c.at.row} column ${c.at.column}`, async () => {
    const bad = await issuesOf(c.files, c.crossRowBits);
    expect(bad.map((i) => [i.kind, i.code, i.row, i.column])).toContainEqual([c.at.kind, c.code, c.at.row, c.at.column]);
    expect(bad.find((i) => i.code === c.code)!.message.length).toBeGreaterThan(5);
    if (c.good) expect(await issuesOf(c.good, c.crossRowBits)).toEqual([]);
  });
}

/** Runs a check's cases, and holds the check to its declaration: a case for every code it raises, no other. */
export function describeCases(check: Check, cases: readonly CheckCase[]): void {
  describe(`${check.name}: its cases`, () => {
    it('has a case for every code it raises, and only for those', () => {
      expect([...new Set(cases.map((c) => c.code))].sort()).toEqual([...new Set(check.raises)].sort());
    });
    const owns = (check as Partial<RowRule>).owns;
    if (owns && owns.length > 0) {
      it('has a required_if case for every column whose condition it owns', () => {
        const covered = cases.flatMap((c) => ('bad' in c && c.code === 'required_if' ? [c.column] : []));
        expect(owns.filter((col) => !covered.includes(col))).toEqual([]);
      });
    }
    for (const c of cases) {
      if ('bad' in c) runRowCase(c);
      else runFileCase(c);
    }
  });
}
