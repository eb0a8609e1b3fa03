/**
 * Costs and acquisition economics at scale, beside the existing reports (docs/metrics.md, "Unit
 * economics"): the analytics bench's 10,000,000 transactions / 2,000,000 customers generated in bulk
 * (bench/analytics.ts), then rates entered (the margin ledger derived for every sale, refund and
 * chargeback, timed) and two years of daily spend for 50 affiliates; then the economics report by
 * affiliate and month and the summary on the margin basis are timed against the cohort report forced onto
 * the ledger and the plain summary, measured in the same run (the ratios are the result; absolute times
 * depend on the machine). Named only: `npm run bench -- economics` (KONDUIT_BENCH_CUSTOMERS,
 * KONDUIT_BENCH_ENGINES as for analytics).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { cohortReport } from '../src/analytics/cohorts.js';
import { economicsReport } from '../src/analytics/economics.js';
import { summaryReport } from '../src/analytics/summary.js';
import { addDays } from '../src/core/time.js';
import type { SpendRow } from '../src/ledger/costs.js';
import { openDuckDbStore } from '../src/store/engines/duckdb/duckdb-store.js';
import { openPostgresStore } from '../src/store/engines/postgres/postgres-store.js';
import { generateKey } from '../src/store/secrets.js';
import type { Store } from '../src/store/store.js';
import { fmt, generateSql, time } from './analytics.js';

const CUSTOMERS = Number(process.env.KONDUIT_BENCH_CUSTOMERS ?? 2_000_000);
const PG_URL = process.env.KONDUIT_TEST_PG ?? 'postgres://konduit:konduit@127.0.0.1:5432/konduit_test';
const ZONE = 'America/New_York';
const WHO = { actor: 'bench', via: 'cli' as const, origin: 'bench' };

type Engine = 'duckdb' | 'postgres';

async function openEngine(engine: Engine): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  if (engine === 'duckdb') {
    const dir = await mkdtemp(join(tmpdir(), 'konduit-bench-economics-'));
    return { store: await openDuckDbStore(join(dir, 'bench.duckdb'), { secretKey: generateKey() }), cleanup: () => rm(dir, { recursive: true, force: true }) };
  }
  const schema = `kb_economics_${process.pid}`;
  return {
    store: await openPostgresStore(PG_URL, { secretKey: generateKey(), schema }),
    cleanup: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

async function benchEngine(engine: Engine): Promise<void> {
  const { store, cleanup } = await openEngine(engine);
  const line = (label: string, ms: number, extra = '') => console.log(`[${engine}] ${label.padEnd(64)} ${fmt(ms).padStart(9)}  ${extra}`);
  try {
    await store.migrate();
    let t = performance.now();
    for (const sql of generateSql(engine, CUSTOMERS)) await store.query(sql);
    await store.rebuildAggregates();
    if (engine === 'postgres') await store.query('ANALYZE');
    const events = Number((await store.query('SELECT COUNT(*) AS n FROM money_events'))[0]?.n);
    console.log(`[${engine}] generated ${events.toLocaleString()} ledger events of ${CUSTOMERS.toLocaleString()} customers in ${fmt(performance.now() - t)}`);

    // Rates: the 10 products, every MID, the 50 affiliates' cycle-1 CPA; the margin ledger is derived in the change.
    t = performance.now();
    await store.applyCostChanges('bench', {
      products: Array.from({ length: 10 }, (_, i) => ({ productId: 100 + i, campaignId: null, currency: 'USD', from: '1970-01-01', costCents: 800 + 50 * i, fulfilmentCents: 350 })),
      processing: [{ merchantId: null, currency: 'USD', from: '1970-01-01', ratePpm: 29_000, fixedCents: 30, chargebackCents: 1500, refundCents: 100 }],
      payouts: Array.from({ length: 50 }, (_, i) => ({ affId: `A${i}`, subAffId: null, cycle: 1, currency: 'USD', from: '1970-01-01', cpaCents: 1000 + 40 * i })),
    }, WHO);
    const costRows = Number((await store.query('SELECT COUNT(*) AS n FROM cost_events'))[0]?.n);
    line(`rates entered: margin ledger derived (${costRows.toLocaleString()} cost rows)`, performance.now() - t);
    const spend: SpendRow[] = [];
    for (let d = '2024-01-01'; d <= '2025-12-31'; d = addDays(d, 1)) {
      for (let a = 0; a < 50; a++) spend.push({ day: d, sourceKind: 'affiliate', source: `A${a}`, platform: 'meta', currency: 'USD', spendCents: 20_000 + ((a * 7919 + d.charCodeAt(9)) % 5000) * 10 });
    }
    t = performance.now();
    await store.applyCostChanges('bench', { spend }, WHO);
    line(`spend entered: ${spend.length.toLocaleString()} rows (day x affiliate)`, performance.now() - t);
    if (engine === 'postgres') await store.query('ANALYZE');

    const runs = engine === 'duckdb' ? 3 : 1;
    const q = { from: '2024-01-01', to: '2025-12-31', tz: ZONE, currency: 'USD', asOf: Date.UTC(2026, 6, 1) };
    const base = await time(runs, () => cohortReport(store, { ...q, by: 'month' }, { source: 'ledger' }));
    const econ = await time(runs, () => economicsReport(store, { ...q, by: 'month', source: 'affiliate' }));
    const customers = econ.value.sources.reduce((s, x) => s + x.total.customers, 0);
    const same = customers === base.value.cohorts.reduce((s, c) => s + c.customers, 0);
    line('  baseline: cohortReport on the ledger + facts, by month', base.ms);
    line('economicsReport by affiliate and month (50 x 24 x 8 horizons)', econ.ms, `${(econ.ms / base.ms).toFixed(2)}x the baseline; same customers: ${same}`);
    const june = { from: '2025-06-01', to: '2025-06-30', tz: ZONE, currency: 'USD' };
    const plain = await time(runs, () => summaryReport(store, june, { source: 'ledger' }));
    const margin = await time(runs, () => summaryReport(store, { ...june, margin: true }, { source: 'ledger' }));
    line('  baseline: summaryReport on the ledger, 30 days vs previous 30', plain.ms);
    line('summaryReport with the margin basis, 30 days vs previous 30', margin.ms, `${(margin.ms / plain.ms).toFixed(2)}x the baseline`);
  } finally {
    await store.close();
    await cleanup();
  }
}

export default async function bench(): Promise<void> {
  const engines = (process.env.KONDUIT_BENCH_ENGINES ?? 'duckdb,postgres').split(',') as Engine[];
  console.log(`economics at ${(CUSTOMERS * 5).toLocaleString()} transactions / ${CUSTOMERS.toLocaleString()} customers`);
  for (const e of engines) {
    await benchEngine(e);
    console.log(`[${e}] load average after: ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  }
}
