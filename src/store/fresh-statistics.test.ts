/**
 * A whole rebuild refreshes PostgreSQL's statistics of a table it refilled before a later statement reads
 * it (dialect.ts withFreshStatistics): without them the subscription cycles' rebuild at 10,000,000
 * transactions was planned on the emptied subscription_starts (a nested loop, over an hour).
 */
import { describe, expect, it } from 'vitest';
import { rebuildAggregatesSql } from './aggregates.js';
import { withFreshStatistics } from './dialect.js';
import { duckdbDialect } from './engines/duckdb/dialect.js';
import { postgresDialect } from './engines/postgres/dialect.js';

const insertOf = (sql: string) => /^\s*INSERT INTO (\w+)/.exec(sql)?.[1];
const reads = (sql: string, table: string) => new RegExp(`\\b(FROM|JOIN)\\s+${table}\\b`).test(sql);

describe('withFreshStatistics', () => {
  for (const byConnection of [true, false]) {
    it(`PostgreSQL: ANALYZE after each refilled table that a later statement reads, before that read (byConnection ${byConnection})`, () => {
      const plain = rebuildAggregatesSql(postgresDialect, byConnection);
      const marked = withFreshStatistics(postgresDialect, plain);
      // The added statements, and only they, are marked (they take no parameters).
      expect(marked.filter((s) => s.analyze).map((s) => s.sql)).toEqual(marked.filter((s) => s.sql.startsWith('ANALYZE ')).map((s) => s.sql));
      const out = marked.map((s) => s.sql);
      // Every statement kept, in its order; only ANALYZE statements added.
      expect(out.filter((s) => !s.startsWith('ANALYZE '))).toEqual(plain);
      // Worked out here from the statements: the refilled tables a later statement reads.
      const expected = plain.flatMap((sql, i) => {
        const t = insertOf(sql);
        return t !== undefined && plain.slice(i + 1).some((later) => reads(later, t)) ? [t] : [];
      });
      expect(expected).toContain('subscription_starts');
      expect(out.filter((s) => s.startsWith('ANALYZE ')).map((s) => s.slice('ANALYZE '.length))).toEqual(expected);
      for (const t of expected) {
        const analyzed = out.indexOf(`ANALYZE ${t}`);
        const filled = out.findIndex((s) => insertOf(s) === t);
        const firstRead = out.findIndex((s, i) => i > filled && reads(s, t));
        expect(analyzed).toBe(filled + 1);
        expect(analyzed).toBeLessThan(firstRead);
      }
    });
  }

  it('DuckDB: the statements unchanged (it plans on the data it scans)', () => {
    const plain = rebuildAggregatesSql(duckdbDialect, true);
    expect(withFreshStatistics(duckdbDialect, plain)).toEqual(plain.map((sql) => ({ sql, analyze: false })));
  });

  it('a table filled and never read again is not analyzed; one read by a JOIN is', () => {
    const out = withFreshStatistics(postgresDialect, ['INSERT INTO a SELECT 1', 'INSERT INTO b SELECT * FROM c', 'INSERT INTO d SELECT x.* FROM c x JOIN b y ON y.k = x.k', 'SELECT 1 FROM abc']).map((s) => s.sql);
    expect(out).toEqual(['INSERT INTO a SELECT 1', 'INSERT INTO b SELECT * FROM c', 'ANALYZE b', 'INSERT INTO d SELECT x.* FROM c x JOIN b y ON y.k = x.k', 'SELECT 1 FROM abc']);
  });
});
