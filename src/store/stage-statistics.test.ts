/**
 * The subscription refresh refreshes PostgreSQL's statistics of a scratch stage (agg_...) it filled before a
 * later statement reads it (subscription-cycles.ts withStageStatistics): without them an incremental sync's
 * refresh at 60,000 customers joined the staged events and starts by nested loops (178 s against 9 s).
 */
import { describe, expect, it } from 'vitest';
import { duckdbDialect } from './engines/duckdb/dialect.js';
import { postgresDialect } from './engines/postgres/dialect.js';
import { refreshSubscriptionCyclesSql, withStageStatistics } from './subscription-cycles.js';

describe('withStageStatistics', () => {
  it('PostgreSQL: ANALYZE right after each fill of a stage that a later statement reads; nothing else changed', () => {
    const plain = refreshSubscriptionCyclesSql('SELECT 1', postgresDialect);
    const marked = withStageStatistics(postgresDialect, plain);
    expect(marked.filter((s) => !s.analyze).map((s) => s.sql)).toEqual(plain);
    expect(marked.filter((s) => s.analyze).every((s) => /^ANALYZE agg_\w+$/.test(s.sql))).toBe(true);
    marked.forEach((s, i) => {
      if (!s.analyze) return;
      const table = s.sql.slice('ANALYZE '.length);
      expect(marked[i - 1]?.sql).toMatch(new RegExp(`^\\s*INSERT INTO ${table}\\b`));
      expect(marked.slice(i + 1).some((later) => new RegExp(`\\b(FROM|JOIN|USING)\\s+${table}\\b`).test(later.sql))).toBe(true);
    });
    // The stages the refresh joins: the touched purchases, their events, the staged subscription rows.
    const analyzed = new Set(marked.filter((s) => s.analyze).map((s) => s.sql.slice('ANALYZE '.length)));
    for (const t of ['agg_touched_purchases', 'agg_touched_events', 'agg_touched_starts', 'agg_touched_cycles', 'agg_touched_attempts', 'agg_retention_delta']) expect(analyzed).toContain(t);
    // No real table is analyzed (each refresh would sample it).
    expect([...analyzed].every((t) => t.startsWith('agg_'))).toBe(true);
  });

  it('DuckDB: the statements unchanged (its dialect has no statistics to refresh)', () => {
    const plain = refreshSubscriptionCyclesSql('SELECT 1', duckdbDialect);
    expect(withStageStatistics(duckdbDialect, plain)).toEqual(plain.map((sql) => ({ sql, analyze: false })));
  });
});
