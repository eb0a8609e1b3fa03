/**
 * `npm run bench -- refresh-statements`: where an incremental sync's time goes, statement by statement, on
 * DuckDB. A sandbox merchant (KBENCH_REFRESH_CUSTOMERS, default 30,000) is backfilled, its CRM clock moved 30
 * days, and synced again; during that incremental sync every statement the store's driver runs is timed,
 * each run on its own: DuckDB's driver queues a write transaction's statements until its next read (their
 * cost then lands on whichever statement flushes them), so here each is sent at once. Prints the sync's
 * wall time, the statements' total, the heaviest statements and the share of each group of kept tables
 * (retention's counts, the cohort group tables, the cohort aggregates): the baseline is the same sync's own
 * total, so a change that makes one group dearer shows as its share.
 */
import { writeFile } from 'node:fs/promises';
import { localDate } from '../src/core/time.js';
import { startSandbox } from '../src/sandbox/index.js';
import type { SqlDriver } from '../src/store/driver.js';
import { runSync } from '../src/sync/run.js';
import { openTestStore } from '../test/stores.js';
import { sandboxClient } from '../test/synced-sandbox.js';

/** Groups of statements by the tables they write, as printed. */
const GROUPS: [string, RegExp][] = [
  ['retention counts (retention_days, retention_groups, their delta and stages)', /retention_|agg_retention|agg_touched_(starts|cycles|attempts|stamps)/],
  ['cohort group tables', /cohort_group|agg_group/],
  ['cohort aggregates (cohort_ages, cohort_months)', /cohort_ages|cohort_months|agg_age_delta|agg_month_delta/],
  ["customer_ages (each customer's net by age)", /customer_ages|agg_customer_age/],
];

export default async function bench(): Promise<void> {
  const customers = Number(process.env.KBENCH_REFRESH_CUSTOMERS ?? 30_000);
  if (!Number.isInteger(customers) || customers <= 0) throw new RangeError(`KBENCH_REFRESH_CUSTOMERS must be a positive integer, got "${process.env.KBENCH_REFRESH_CUSTOMERS}"`);
  const sb = await startSandbox({ seed: 'refresh-statements', customers, start: '2024-11-22', now: '2026-11-21 18:00:00', port: 0, profile: 'rich' });
  const { store, dispose } = await openTestStore('duckdb', 'refresh-statements');
  try {
    const conn = await store.saveConnection({ name: 's', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'A', accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
    const base = { store, source: sandboxClient(sb), connectionId: conn.connectionId, timezone: sb.timezone, concurrency: 8 };
    await runSync({ ...base, today: localDate(sb.merchant.now, sb.timezone), mode: { kind: 'backfill', from: '2024-11-22', to: localDate(sb.merchant.now, sb.timezone) } });
    await sb.advanceDays(30);
    // The driver every part of the store shares (SqlStore's context): its calls timed, `exec` sent at once.
    const db = (store as unknown as { ctx: { db: SqlDriver } }).ctx.db;
    const byStatement = new Map<string, { ms: number; n: number }>();
    const wrap = <K extends 'exec' | 'query' | 'insert' | 'rowSet' | 'upsert'>(name: K) => {
      const run = (name === 'exec' ? db.query : db[name]).bind(db) as (...a: unknown[]) => Promise<unknown>;
      (db as unknown as Record<string, unknown>)[name] = async (...a: unknown[]) => {
        const t = performance.now();
        try {
          return await run(...a);
        } finally {
          // Keyed by the whole statement: statements alike in their first hundred characters (the counts in
          // and out of a delta, say) are timed apart.
          const key = typeof a[0] === 'string' ? a[0].replace(/\s+/g, ' ') : `${name}: ${(a[0] as { name?: string } | undefined)?.name ?? '?'}`;
          const s = byStatement.get(key) ?? { ms: 0, n: 0 };
          s.ms += performance.now() - t;
          s.n += 1;
          byStatement.set(key, s);
        }
      };
    };
    for (const name of ['exec', 'query', 'insert', 'rowSet', 'upsert'] as const) wrap(name);
    const t0 = performance.now();
    await runSync({ ...base, today: localDate(sb.merchant.now, sb.timezone), mode: { kind: 'incremental' } });
    const wall = performance.now() - t0;
    const all = [...byStatement.entries()].sort((a, b) => b[1].ms - a[1].ms);
    const total = all.reduce((a, [, s]) => a + s.ms, 0);
    const load = (await import('node:os')).loadavg()[0]!.toFixed(2);
    console.log(`incremental sync of a ${customers.toLocaleString('en-US')}-customer merchant: ${(wall / 1000).toFixed(2)} s wall, statements ${(total / 1000).toFixed(2)} s (each run on its own) [load ${load}]`);
    for (const [label, re] of GROUPS) {
      const ms = all.filter(([k]) => re.test(k)).reduce((a, [, s]) => a + s.ms, 0);
      console.log(`  ${label}: ${(ms / 1000).toFixed(2)} s, ${((100 * ms) / total).toFixed(1)}% of the statements`);
    }
    console.log('  heaviest statements:');
    const shown = (k: string) => (k.length <= 160 ? k : `${k.slice(0, 100)} ... ${k.slice(-56)}`);
    for (const [k, s] of all.slice(0, 15)) console.log(`  ${s.ms.toFixed(0).padStart(7)} ms ${String(s.n).padStart(4)}x  ${shown(k)}`);
    // KBENCH_REFRESH_SQL=<file>: the heaviest statements' whole text, to read or EXPLAIN.
    const file = process.env.KBENCH_REFRESH_SQL;
    if (file) await writeFile(file, all.slice(0, 15).map(([k, s]) => `-- ${s.ms.toFixed(0)} ms, ${s.n}x\n${k};\n`).join('\n'));
  } finally {
    await dispose();
    await sb.close();
  }
}
