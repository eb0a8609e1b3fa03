/**
 * Builds a rule from the column table's required-if conditions, so the condition lives in one place
 * (spec/columns.ts) and each named rule only says which columns it owns.
 */
import { describeConditions, transactionColumns, TX, type TxColumn } from '../../spec/columns.js';
import type { RowView } from '../../read/row.js';
import type { RowRule, Reporter } from '../row-rule.js';

interface Compiled {
  column: number;
  /**
   * For enum and bit columns the condition is read from what the field check parsed (`indexes`: the
   * enum indexes or bit values that satisfy it); other columns are compared byte by byte.
   */
  when: { column: number; values: Uint8Array[]; indexes: number[] | null }[];
  text: string;
}

/** Compiles the required-if condition of a transaction column. */
export function compileCondition(name: TxColumn): Compiled {
  const spec = transactionColumns[TX[name]]!;
  if (spec.required.kind !== 'if') throw new Error(`${name} has no required-if condition`);
  const when = spec.required.when.map((c) => {
    const target = transactionColumns[TX[c.column as TxColumn]]!;
    const indexes =
      target.type === 'enum' ? c.in.map((v) => target.values!.indexOf(v)) : target.type === 'bit' ? c.in.map(Number) : null;
    return { column: TX[c.column as TxColumn], values: c.in.map((v) => Buffer.from(v)), indexes };
  });
  return { column: TX[name], when, text: describeConditions(spec.required.when) };
}

/** True when every condition holds on the row. */
export function conditionHolds(row: RowView, c: Compiled): boolean {
  const when = c.when;
  for (let i = 0; i < when.length; i++) {
    const w = when[i]!;
    if (w.indexes !== null) {
      if (!row.ok[w.column] || !w.indexes.includes(row.num[w.column]!)) return false;
      continue;
    }
    let any = false;
    for (let j = 0; j < w.values.length; j++) {
      if (row.equals(w.column, w.values[j]!)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

/** A rule that reports `required_if` for each owned column that is empty while its condition holds. */
export function requiredWhen(name: string, forbids: string, columns: TxColumn[]): RowRule {
  const compiled = columns.map(compileCondition);
  return {
    name,
    forbids,
    owns: columns,
    raises: ['required_if'],
    check(row: RowView, out: Reporter) {
      for (let i = 0; i < compiled.length; i++) {
        const c = compiled[i]!;
        // A column missing from the header is reported once there, not on every row.
        if (row.present[c.column] && row.isEmpty(c.column) && conditionHolds(row, c)) {
          out.report('required_if', c.column, { when: c.text });
        }
      }
    },
  };
}
