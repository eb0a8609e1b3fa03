/**
 * Import-direction rules of docs/architecture.md: CRM API -> crm -> sync -> store -> analytics -> server -> web,
 * with `ledger` the one place that says what money is (sync, store and analytics read it).
 * `core` imports nothing of ours; only `cli` and `server` wire engines together. Inside `importfile`, the
 * stages import only earlier ones (src/importfile/README.md).
 */
const mod = (name) => `^src/${name}/`;
const notOurs = (...allowed) => `^src/(?!(${allowed.join('|')})/)`;
const stage = (name) => `^src/importfile/${name}/`;
const otherStages = (...allowed) => `^src/importfile/(?!(${allowed.join('|')})/)`;
/** Modules with no imports at all: the web may bundle them (the ledger's dimensions, the reports' defaults). */
const PURE = '^src/(ledger/dimensions|analytics/defaults)\\.ts$';

module.exports = {
  forbidden: [
    { name: 'core-is-a-leaf', severity: 'error', comment: 'core imports nothing of ours',
      from: { path: mod('core') }, to: { path: notOurs('core') } },
    { name: 'crm-only-core', severity: 'error', comment: 'the CRM client depends on core only',
      from: { path: mod('crm') }, to: { path: notOurs('core', 'crm') } },
    { name: 'ledger-is-pure', severity: 'error', comment: 'the ledger reads CRM rows (crm) and core, nothing downstream',
      from: { path: mod('ledger') }, to: { path: notOurs('core', 'crm', 'ledger') } },
    { name: 'store-only-core', severity: 'error', comment: 'the store depends on core and the ledger only',
      from: { path: mod('store') }, to: { path: notOurs('core', 'ledger', 'store') } },
    { name: 'sync-sees-store-interface', severity: 'error',
      comment: 'sync sees the Store interface, never an engine',
      from: { path: mod('sync') }, to: { path: '^src/store/engines/' } },
    { name: 'sync-deps', severity: 'error', comment: 'sync reads crm, derives the ledger and writes store',
      from: { path: mod('sync') }, to: { path: notOurs('core', 'crm', 'ledger', 'store', 'sync') } },
    { name: 'analytics-deps', severity: 'error',
      comment: 'analytics reads the store only (never crm or sync), and never an engine directly; it feeds the forecast models',
      from: { path: mod('analytics') }, to: { path: `${notOurs('core', 'ledger', 'store', 'analytics', 'forecast')}|^src/store/engines/` } },
    { name: 'report-deps', severity: 'error',
      comment: 'the report contract (request, JSON, grids) reads analytics (and the forecast types) and the Store interface; cli and server use it',
      from: { path: mod('report') }, to: { path: `${notOurs('core', 'ledger', 'store', 'analytics', 'forecast', 'report')}|^src/store/engines/` } },
    { name: 'forecast-is-pure', severity: 'error', comment: 'the forecast models are numerics on numbers: core only (no store, no I/O)',
      from: { path: mod('forecast') }, to: { path: notOurs('core', 'forecast') } },
    { name: 'importfile-deps', severity: 'error', comment: 'importfile imports core (and crm only for verify)',
      from: { path: mod('importfile'), pathNot: '^src/importfile/deliver/verify\\.ts$' },
      to: { path: notOurs('core', 'importfile') } },
    { name: 'importfile-verify-deps', severity: 'error',
      from: { path: '^src/importfile/deliver/verify\\.ts$' }, to: { path: notOurs('core', 'importfile', 'crm') } },
    // The import-file stages, in the order of the data: spec -> read -> validate -> transform; cards and
    // deliver work on built files (cards write theirs with transform's CSV writer, nothing else of it).
    { name: 'importfile-spec-deps', severity: 'error', comment: 'the spec imports no other stage',
      from: { path: stage('spec') }, to: { path: otherStages('spec') } },
    { name: 'importfile-read-deps', severity: 'error', comment: 'reading knows the spec, no later stage',
      from: { path: stage('read') }, to: { path: otherStages('spec', 'read') } },
    { name: 'importfile-validate-deps', severity: 'error', comment: 'the validator reads files through the spec',
      from: { path: stage('validate') }, to: { path: otherStages('spec', 'read', 'validate') } },
    { name: 'importfile-transform-deps', severity: 'error', comment: 'transforms may validate what they write',
      from: { path: stage('transform') }, to: { path: otherStages('spec', 'read', 'validate', 'transform') } },
    { name: 'importfile-cards-deps', severity: 'error', comment: 'cards read files and write them with the CSV writer only',
      from: { path: stage('cards') }, to: { path: otherStages('spec', 'read', 'cards'), pathNot: '^src/importfile/transform/writer\\.ts$' } },
    { name: 'importfile-deliver-deps', severity: 'error', comment: 'delivery reads built files; it transforms nothing',
      from: { path: stage('deliver') }, to: { path: otherStages('spec', 'read', 'deliver') } },
    { name: 'importfile-testkit-not-shipped', severity: 'error',
      comment: 'test kits stay out of dist (tsconfig.build.json): only tests, bench and other kits use them',
      from: { path: '^src/', pathNot: '^src/importfile/testkit/' }, to: { path: stage('testkit') } },
    { name: 'sandbox-deps', severity: 'error',
      comment: 'the sandbox is a stand-alone CRM: it may validate import files, nothing else of ours',
      from: { path: mod('sandbox') }, to: { path: `${notOurs('core', 'sandbox', 'importfile')}|${otherStages('spec', 'read', 'validate')}` } },
    { name: 'web-is-a-client', severity: 'error',
      comment: 'the web build talks to the server over HTTP: at run time it bundles only modules that import nothing',
      from: { path: mod('web') }, to: { path: notOurs('core', 'web'), pathNot: PURE, dependencyTypesNot: ['type-only'] } },
    { name: 'web-types-are-the-api-contract', severity: 'error',
      comment: 'the web may import types (erased from the bundle) of the API contract only: report requests and JSON, the error shape, the sync status',
      from: { path: mod('web') }, to: { path: notOurs('core', 'web', 'report', 'analytics', 'ledger'), pathNot: '^src/server/(errors|syncs)\\.ts$', dependencyTypes: ['type-only'] } },
    { name: 'pure-modules-import-nothing', severity: 'error', comment: 'what the web bundles must not pull other code in',
      from: { path: PURE }, to: {} },
    { name: 'nobody-imports-cli', severity: 'error', from: { path: '^src/(?!cli/)' }, to: { path: mod('cli') } },
    { name: 'only-cli-imports-server', severity: 'error', comment: 'the web may import the error shape\'s and the sync status\'s types (web-types-are-the-api-contract)',
      from: { path: '^src/(?!(cli|server|web)/)' }, to: { path: mod('server') } },
    { name: 'engines-wired-at-the-edge', severity: 'error',
      comment: 'only cli and server pick a store engine',
      from: { path: '^src/(?!(cli|server|store)/)' }, to: { path: '^src/store/engines/' } },
    { name: 'shipped-code-not-tests', severity: 'error', comment: 'test kits and contracts live outside the published build',
      from: { path: '^src/' }, to: { path: '^test/' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
