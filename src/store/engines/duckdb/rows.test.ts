import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsToValue, resultRows } from './rows.js';

let instance: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
});
afterAll(() => {
  conn.closeSync();
  instance.closeSync();
});

/** The rows as node-api's own JS conversion gives them, each value turned into the store's. */
async function byNodeApi(sql: string) {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJS().map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsToValue(v)])));
}

describe('resultRows (DuckDB results read column by column)', () => {
  it('gives every type the values node-api gives, NULLs and extremes included', async () => {
    const sql = `SELECT * FROM (VALUES
      (TRUE, CAST(-128 AS TINYINT), CAST(255 AS UTINYINT), CAST(-32768 AS SMALLINT), CAST(65535 AS USMALLINT), CAST(-2147483648 AS INTEGER), CAST(4294967295 AS UINTEGER),
       CAST(-9007199254740991 AS BIGINT), CAST(9007199254740991 AS UBIGINT), CAST(-1 AS BIGINT), CAST(-1 AS HUGEINT), CAST(-9007199254740991 AS HUGEINT), CAST(4294967296 AS HUGEINT),
       CAST(18446744073709551616 AS HUGEINT), CAST(340282366920938463463374607431768211455 AS UHUGEINT), CAST(1.5 AS FLOAT), CAST(-0.1 AS DOUBLE), 'short', 'exactly12chr', 'thirteen char', 'ünïcødé 12b', 'a longer string with ünïcødé in it',
       DATE '2025-03-09', TIMESTAMP '2025-03-09 07:00:00.123456', CAST(12.34 AS DECIMAL(10, 2)), CAST(-5 AS DECIMAL(38, 0)), ''),
      (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (FALSE, 127, 0, 32767, 0, 2147483647, 0, 9007199254740991, 0, 0, 0, 9007199254740991, -4294967296, -18446744073709551616, 0, -2.5, 1e300, '', 'x', 'y', 'z', 'w', DATE '1969-12-31', TIMESTAMP '1969-12-31 23:59:59.999', 0, 0, NULL)
    ) t(b, ti, uti, si, usi, i, ui, bi, ubi, neg1, hneg1, hmin, h32, h64, uh, f, d, s1, s12, s13, su, sl, dt, ts, dec, dec38, empty)`;
    const got = resultRows(await conn.run(sql));
    expect(got).toEqual(await byNodeApi(sql));
    // Spelled out where a mistake would be easy: the sign and width of the integers, the strings' two layouts.
    expect(got[0]).toMatchObject({ ti: -128, uti: 255, i: -2147483648, ui: 4294967295, bi: -9007199254740991, neg1: -1, hneg1: -1, hmin: -9007199254740991, h32: 4294967296, h64: 18446744073709551616, s12: 'exactly12chr', s13: 'thirteen char', sl: 'a longer string with ünïcødé in it', dt: Date.UTC(2025, 2, 9), dec: 12.34, empty: '' });
    expect(got[2]).toMatchObject({ b: false, h32: -4294967296, h64: -18446744073709551616, empty: null });
    expect(Object.values(got[1]!).every((v) => v === null)).toBe(true);
  });

  it('reads every chunk of a result of many rows, in order', async () => {
    const sql = `SELECT i, CAST(i * 1000003 AS BIGINT) - 5000000000 AS big, CASE WHEN i % 7 = 0 THEN NULL ELSE 'row number ' || i END AS label, i % 3 = 0 AS third
      FROM range(5000) r(i) ORDER BY i`;
    const got = resultRows(await conn.run(sql));
    expect(got).toHaveLength(5000);
    expect(got).toEqual(await byNodeApi(sql));
    expect(got[4999]).toEqual({ i: 4999, big: 4999 * 1000003 - 5000000000, label: 'row number 4999', third: false });
    expect(got[4998]!.label).toBeNull();
  });

  it('names a second column of a name as node-api does, and keeps a column named __proto__ as a column', async () => {
    const sql = `SELECT 1 AS a, 2 AS b, 3 AS a, 'c' AS "quote""d"`;
    const got = resultRows(await conn.run(sql));
    expect(got).toEqual(await byNodeApi(sql));
    expect(got[0]).toEqual({ a: 1, b: 2, 'a:1': 3, 'quote"d': 'c' });
    const proto = resultRows(await conn.run(`SELECT 'p' AS "__proto__", 1 AS x`));
    expect(Object.getPrototypeOf(proto[0]!)).toBe(Object.prototype);
    expect(Object.keys(proto[0]!)).toEqual(['__proto__', 'x']);
    expect(Object.getOwnPropertyDescriptor(proto[0]!, '__proto__')?.value).toBe('p');
  });

  it('gives no rows for an empty result', async () => {
    expect(resultRows(await conn.run('SELECT 1 AS a WHERE false'))).toEqual([]);
  });
});
