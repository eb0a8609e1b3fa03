/**
 * `npm run bench [-- NAME...]`: runs the named benchmarks (all but the named-only ones when none is
 * named). Each benchmark measures Konduit against a baseline in the same run and prints the ratio.
 */
const benches: Record<string, () => Promise<{ default: () => Promise<void> }>> = {
  sync: () => import('./sync.js'),
  // Each benchmark registers itself here, e.g. validate: () => import('./validate.js').
  sandbox: () => import('./sandbox.js'),
  validate: () => import('./validate.js'),
  analytics: () => import('./analytics.js'),
  migration: () => import('./migration.js'),
  'init-mapping': () => import('./init-mapping.js'),
  'sync-scale': () => import('./sync-scale.js'),
  'newest-first': () => import('./newest-first.js'),
  dashboard: () => import('./dashboard.js'),
  'dashboard-scale': () => import('./dashboard-scale.js'),
  economics: () => import('./economics.js'),
  forecast: () => import('./forecast.js'),
  'refresh-statements': () => import('./refresh-statements.js'),
  'report-statements': () => import('./report-statements.js'),
  'reconcile-scale': () => import('./reconcile-scale.js'),
};

// Run only when named: sync-scale syncs and compares a 1,000,000-transaction merchant (well over ten
// minutes and gigabytes of memory), newest-first a backfill at the CRM's latency, dashboard-scale generates
// 10,000,000 transactions per engine, economics derives the margin ledger of 10,000,000 transactions: all
// too long for the default set; forecast fits 100,000 simulated one-time buyers (minutes); refresh-statements
// backfills a 30,000-customer merchant to time its incremental sync's statements (a few minutes);
// report-statements times a report's statements on a kept store (KBENCH_STORE), reconcile-scale Konduit's side of a
// reconciliation on one.
const namedOnly = new Set(['sync-scale', 'newest-first', 'dashboard-scale', 'economics', 'forecast', 'refresh-statements', 'report-statements', 'reconcile-scale']);

const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const selected = names.length > 0 ? names : Object.keys(benches).filter((n) => !namedOnly.has(n));
for (const name of selected) {
  const load = benches[name];
  if (!load) {
    console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ') || '(none)'}`);
    process.exit(2);
  }
  console.log(`# bench ${name}`);
  await (await load()).default();
}
