/**
 * A filter's meaning in SQL (sql.ts filterSql), run by both engines over a few rows: plain values match in
 * every connection, a connection's own values in theirs only; `missing` adds the value's absence; `exclude`
 * keeps every other row, an absent value included unless `missing` names it. A listed filter and its
 * excluded twin partition the rows (what a capped breakdown relies on, report/group-cap.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store/store.js';
import { openTestStore } from '../../test/stores.js';
import type { Filter } from './dimensions.js';
import { filterSql, Params } from './sql.js';

const ROWS: [string, string | null][] = [['a', 'x'], ['a', 'y'], ['a', null], ['b', 'x'], ['b', 'y'], ['b', null], ['b', 'z']];

describe.each(['duckdb', 'postgres'] as const)('filterSql on %s', (engine) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'filtersql'));
  });
  afterAll(async () => dispose());

  const rows = async (...filters: Filter[]) => {
    const p = new Params();
    const values = ROWS.map(([c, v]) => `(${p.add(c)}, CAST(${v === null ? 'NULL' : p.add(v)} AS TEXT))`).join(', ');
    const col = (d: string) => (d === 'connection' ? 't.c' : 't.v');
    const out = await store.query(`SELECT t.c, t.v FROM (VALUES ${values}) t(c, v) WHERE TRUE${filterSql(filters, col, p)} ORDER BY 1, 2 NULLS FIRST`, p.values);
    return out.map((r) => `${String(r.c)}:${r.v === null ? '-' : String(r.v)}`);
  };

  it('selects plain and scoped values, and the missing value', async () => {
    expect(await rows({ dimension: 'subaffiliate', values: ['x'] })).toEqual(['a:x', 'b:x']);
    expect(await rows({ dimension: 'subaffiliate', values: [{ connectionId: 'a', value: 'x' }, { connectionId: 'a', value: 'y' }, { connectionId: 'b', value: 'z' }] })).toEqual(['a:x', 'a:y', 'b:z']);
    expect(await rows({ dimension: 'subaffiliate', values: [], missing: true })).toEqual(['a:-', 'b:-']);
    expect(await rows({ dimension: 'subaffiliate', values: [{ connectionId: 'b', value: 'y' }], missing: true })).toEqual(['a:-', 'b:-', 'b:y']);
  });

  it('excludes them, keeping the missing value unless named, so a filter and its twin partition the rows', async () => {
    expect(await rows({ dimension: 'subaffiliate', values: ['x'], exclude: true })).toEqual(['a:-', 'a:y', 'b:-', 'b:y', 'b:z']);
    expect(await rows({ dimension: 'subaffiliate', values: [{ connectionId: 'a', value: 'x' }], missing: true, exclude: true })).toEqual(['a:y', 'b:x', 'b:y', 'b:z']);
    const listed: Filter = { dimension: 'subaffiliate', values: [{ connectionId: 'a', value: 'y' }, { connectionId: 'b', value: 'x' }, 'z'], missing: true };
    const both = [...(await rows(listed)), ...(await rows({ ...listed, exclude: true }))].sort();
    expect(both).toEqual((await rows()).sort());
    // An empty exclusion excludes nothing; beside a connection filter it narrows that connection's rows.
    expect(await rows({ dimension: 'subaffiliate', values: [], exclude: true })).toEqual(await rows());
    expect(await rows({ dimension: 'connection', values: ['a'] }, { dimension: 'subaffiliate', values: ['y'], missing: true, exclude: true })).toEqual(['a:x']);
  });
});
