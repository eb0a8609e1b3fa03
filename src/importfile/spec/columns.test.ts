import { describe, expect, it } from 'vitest';
import { detailColumns, noteColumns, transactionColumns, TX } from './columns.js';
import { transactionRules } from '../validate/rules/index.js';

const letters = (n: number) =>
  Array.from({ length: n }, (_, i) => (i < 26 ? String.fromCharCode(65 + i) : `${String.fromCharCode(64 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`));

describe('the column table', () => {
  it('has the 58 transaction columns A..BF, 4 note columns A..D and 8 detail columns A..H, in letter order', () => {
    expect(transactionColumns.map((c) => c.letter)).toEqual(letters(58));
    expect(transactionColumns.at(-1)?.letter).toBe('BF');
    expect(noteColumns.map((c) => c.letter)).toEqual(['A', 'B', 'C', 'D']);
    expect(detailColumns.map((c) => c.letter)).toEqual(letters(8));
    for (const cols of [transactionColumns, noteColumns, detailColumns]) {
      expect(new Set(cols.map((c) => c.name)).size).toBe(cols.length);
    }
    expect(TX.variantDetailId).toBe(57);
  });

  it('has conditions that name real columns and allowed values', () => {
    const byName = new Map(transactionColumns.map((c) => [c.name, c]));
    for (const c of transactionColumns) {
      if (c.required.kind !== 'if') continue;
      for (const w of c.required.when) {
        const target = byName.get(w.column);
        expect(target, `${c.name} -> ${w.column}`).toBeDefined();
        if (target?.values) for (const v of w.in) expect(target.values).toContain(v);
      }
    }
  });

  it('gives every required-if column to exactly one named cross-field rule', () => {
    const conditional = transactionColumns.filter((c) => c.required.kind === 'if').map((c) => c.name).sort();
    const owned = transactionRules.flatMap((r) => r.owns).sort();
    expect(owned).toEqual(conditional);
  });

  it('marks card and bank columns as sensitive, and only those', () => {
    expect(transactionColumns.filter((c) => c.sensitive).map((c) => c.name)).toEqual(['cardNumber', 'achRoutingNumber', 'achAccountNumber']);
  });
});
