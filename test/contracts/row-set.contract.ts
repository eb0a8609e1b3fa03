/**
 * SqlDriver.rowSet on every engine: rows come back from the subquery as given, whatever their text
 * holds (quotes, backslashes, braces, commas, the word NULL), with each column's type.
 */
import { describe, expect, it } from 'vitest';
import type { SqlDriver } from '../../src/store/driver.js';
import type { Row, TableSpec } from '../../src/store/tables.js';

const SPEC: TableSpec = {
  name: 'row_set_probe',
  key: ['k'],
  columns: [
    { name: 'k', type: 'int' },
    { name: 'label', type: 'text' },
    { name: 'cents', type: 'bigint' },
    { name: 'flag', type: 'bool' },
    { name: 'ts', type: 'instant' },
    { name: 'day', type: 'date' },
  ],
  types: { k: 'int', label: 'text', cents: 'bigint', flag: 'bool', ts: 'instant', day: 'date' },
};

const TEXTS = ["it's", 'a "quoted" \\ back\\\\slash', '{braces, commas}', 'NULL', '', 'café ✓', "x'); DROP TABLE q; --", null];

export function rowSetContract(name: string, open: () => Promise<SqlDriver>): void {
  describe(`SqlDriver.rowSet: ${name}`, () => {
    it('gives the rows back as given, each column with its type', async () => {
      const db = await open();
      try {
        const rows: Row[] = TEXTS.map((label, k) => ({
          k,
          label,
          cents: k % 2 === 0 ? 9_007_199_254_740_991 - k : null,
          flag: k % 3 === 0 ? null : k % 3 === 1,
          ts: k === 5 ? null : 1_735_689_600_000 + k * 900_000,
          day: `2026-01-0${k + 1}`,
        }));
        const out = await db.transaction(async () => {
          const set = await db.rowSet(SPEC, rows);
          return db.query(`SELECT k, label, cents, flag, ${db.sql.epochMs('ts')} AS ts, day FROM (${set}) AS d ORDER BY k`);
        });
        expect(out).toEqual(rows);
        const none = await db.transaction(async () => db.query(`SELECT COUNT(*) AS n FROM (${await db.rowSet(SPEC, [])}) AS d`));
        expect(none).toEqual([{ n: 0 }]);
      } finally {
        await db.close();
      }
    });
  });
}
