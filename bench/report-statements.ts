/**
 * `npm run bench -- report-statements`: where a report's time goes, statement by statement, on a kept store
 * (e.g. the 10,000,000-transaction store `dashboard-scale` keeps). It runs the report the dashboard asks
 * for (`runReport`, the API's query) KBENCH_RUNS times, each a day later in both dates so no run reads the
 * previous one's answer, timing every statement; prints each run's total, the statements' sum (the rest is
 * the report's JavaScript) and its heaviest statements. The baseline is the run's own total.
 *
 * KBENCH_STORE: a DuckDB file (a copy: the run migrates it) or `pg:<schema>` of KONDUIT_TEST_PG's database
 * (required); KBENCH_REPORT (default forecast), KBENCH_FROM / KBENCH_TO (default a year of 2025),
 * KBENCH_GROUP (a breakdown), KBENCH_SUBGROUP (a second breakdown inside it, e.g. subaffiliate in affiliate), KBENCH_TZ (the viewer's zone; default the first connection's, as the bench's
 * store has one: another zone than the account's reads no kept counts), KBENCH_RUNS (default 3). Named
 * only: it needs a kept store. Some statements run at once: their sum can exceed the run's time.
 */
import { addDays } from '../src/core/time.js';
import { parseReportQuery } from '../src/report/query.js';
import { runReport } from '../src/report/run.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../src/store/engines/postgres/postgres-store.js';
import { generateKey } from '../src/store/secrets.js';
import { PG_URL } from '../test/stores.js';

export default async function bench(): Promise<void> {
  const target = process.env.KBENCH_STORE;
  if (!target) {
    console.log('skipped: set KBENCH_STORE to a kept DuckDB file (a copy) or pg:<schema> (see bench/report-statements.ts)');
    return;
  }
  const report = process.env.KBENCH_REPORT ?? 'forecast';
  const runs = Number(process.env.KBENCH_RUNS ?? 3);
  if (!Number.isInteger(runs) || runs <= 0) throw new RangeError(`KBENCH_RUNS must be a positive integer, got "${process.env.KBENCH_RUNS}"`);
  const store = target.startsWith('pg:')
    ? await openPostgresStore(PG_URL, { secretKey: generateKey(), schema: target.slice(3) })
    : await openDuckDbStore(target, { secretKey: generateKey() });
  try {
    await store.migrate();
    const connections = await store.listConnections();
    // Every statement of the report, timed (the store's reads go through `query`).
    const query = store.query.bind(store);
    let log: { ms: number; sql: string }[] = [];
    store.query = async (sql, params, opts) => {
      const t = performance.now();
      try {
        return await query(sql, params, opts);
      } finally {
        log.push({ ms: performance.now() - t, sql: sql.replace(/\s+/g, ' ').slice(0, 110) });
      }
    };
    const from = process.env.KBENCH_FROM ?? '2025-01-01';
    const to = process.env.KBENCH_TO ?? '2025-12-31';
    const group = process.env.KBENCH_GROUP;
    const subgroup = process.env.KBENCH_SUBGROUP;
    const tz = process.env.KBENCH_TZ ?? connections[0]?.timezone ?? 'UTC';
    console.log(`${report}${group ? ` by ${group}` : ''}${subgroup ? ` > ${subgroup}` : ''}, ${from}..${to} (each run a day later), viewer in ${tz}, ${store.engine}`);
    for (let i = 0; i < runs; i++) {
      log = [];
      const params: Record<string, string[]> = { from: [addDays(from, i)], to: [addDays(to, i)], tz: [tz], ...(group ? { groupBy: [group] } : {}), ...(subgroup ? { subgroupBy: [subgroup] } : {}) };
      const t0 = performance.now();
      await runReport(store, parseReportQuery(report as Parameters<typeof parseReportQuery>[0], params, { surface: 'api', connections, defaultTz: 'UTC' }));
      const total = performance.now() - t0;
      const statements = log.reduce((a, x) => a + x.ms, 0);
      const load = (await import('node:os')).loadavg()[0]!.toFixed(2);
      console.log(`run ${i + 1}: ${total.toFixed(0)} ms, ${log.length} statements summing ${statements.toFixed(0)} ms [load ${load}]`);
      for (const x of [...log].sort((a, b) => b.ms - a.ms).slice(0, 5)) console.log(`  ${x.ms.toFixed(0).padStart(6)} ms  ${x.sql}`);
    }
  } finally {
    await store.close();
  }
}
