/**
 * `konduit costs import|list|log`: a connection's costs as data (docs/economics.md): product cost and
 * fulfilment, processing fees, affiliate payouts, ad spend. Import reads a CSV (the ad platforms'
 * exports, Konduit's own layouts) or a YAML file and writes it in one transaction, or nothing when a
 * row is wrong; every change is kept with who made it (list shows what is stored, log the changes).
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { userInfo } from 'node:os';
import { EnvironmentError, EXIT_OK, UsageError } from '../../core/errors.js';
import { importCostFile } from '../../costs/apply.js';
import { parseSpendMap, ratesJson, spendJson } from '../../costs/json.js';
import { COST_KINDS, type CostKind } from '../../store/costs.js';
import type { ConnectionSummary, Store } from '../../store/store.js';
import { gridToCsv, gridToTable, type Grid } from '../../report/grid.js';
import { dateFlag, enumFlag, intFlag, parseFlags } from '../args.js';
import { openStore } from './connections-store.js';

type Action = 'import' | 'list' | 'log';

const HELP: Record<Action, string> = {
  import: `Usage: konduit costs import FILE [--connection NAME] [--as KIND[:VALUE]] [--replace] [options]

Imports costs from FILE into a connection: a CSV or a YAML file (docs/economics.md, "Entering costs").
The CSV's header says what it holds:
  Meta Ads export       Day (or Reporting starts/ends), Campaign name, Amount spent (USD)
  Google Ads export     Day, Campaign, Currency code, Cost (title and date lines above it are skipped)
  TikTok Ads export     By Day (or Date), Campaign name, Cost, Currency
  spend                 day, source (KIND:VALUE, e.g. affiliate:AFF101), spend, [currency, platform]
  products              product, cost, [campaign, fulfilment, currency, from]
  processing            mid, rate (%), [fixed, chargeback, refund, currency, from]
  payouts               affiliate, cpa, [subaffiliate, cycle, currency, from]
A YAML file holds any of products:, processing:, payouts:, spend: as lists of the same fields.
Spend rows of one day, source, platform and currency are added up, and an imported row replaces the
stored one of the same key: importing a file twice changes nothing. A row that cannot be read names the
file, row and column and what was expected, and nothing is imported (exit 1). Every change is recorded
with who made it (konduit costs log).

Options:
  --connection NAME     the connection (default: the only one)
  --as KIND[:VALUE]     for an ad platform's export: what its campaigns are; KIND is campaign, affiliate,
                        subaffiliate or utm. --as subaffiliate reads each campaign name as a sub-affiliate
                        value; --as utm:facebook books every row on UTM source facebook
  --platform NAME       the platform recorded with the spend (default: meta, google, tiktok or manual)
  --map FIELD=COLUMN,.. another export of spend: its columns of day, spend, currency and source
  --currency CODE       the currency of rows that name none (default: the connection's base currency)
  --replace             the file holds the whole set of its kinds of rates: stored ones it lacks are removed
  --dry-run             read the file and say what it holds; write nothing
  --actor NAME          who is recorded as making the change (default: the system user)
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)
  -h, --help            this help

Exit codes: 0 imported (or nothing to change); 1 a row that cannot be read (file, row and column named;
nothing imported); 2 usage or environment: an unknown option or connection, a file that cannot be read,
an ad platform's export without --as, no store.

Examples:
  konduit costs import costs.yaml
  konduit costs import meta-jan.csv --as subaffiliate
  konduit costs import google-ads.csv --as utm:google
  konduit costs import spend.csv --map day=Date,spend=Spend,source=Campaign --as subaffiliate
`,
  list: `Usage: konduit costs list [--kind KIND] [--connection NAME] [--from DATE] [--to DATE] [--format table|csv|json]

Lists a connection's costs: product costs, processing rates, payouts (every version), or with
--kind spend its ad spend by day and source (--from and --to limit the days).

Options:
  --kind KIND           products, processing, payouts or spend (default: the three kinds of rates)
  --connection NAME     the connection (default: the only one)
  --from, --to DATE     the days of spend listed (YYYY-MM-DD)
  --format FMT          table (default), csv or json
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)

Exit codes: 0 listed; 2 usage or environment: an unknown option, kind or connection, no store.

Examples:
  konduit costs list
  konduit costs list --kind spend --from 2025-01-01 --to 2025-01-31 --format csv
`,
  log: `Usage: konduit costs log [--connection NAME] [--kind KIND] [--limit N] [--format table|json]

Every change to a connection's costs, newest first: when, who, through what (cli, web, api) and from
where (a file), what was changed and its values before and after.

Options:
  --connection NAME     the connection (default: the only one)
  --kind KIND           products, processing, payouts or spend
  --limit N             at most N changes (default 200)
  --format FMT          table (default) or json
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)

Exit codes: 0 listed; 2 usage or environment: an unknown option, kind or connection, no store.

Examples:
  konduit costs log --limit 20
`,
};

/** The command module of one action. */
export function costsCommand(action: Action): { help: string; run(argv: string[]): Promise<number> } {
  return { help: HELP[action], run: (argv) => (action === 'import' ? runImport(argv) : action === 'list' ? runList(argv) : runLog(argv)) };
}

/** The connection a command names, or the only one. */
async function connectionOf(store: Store, name: string | undefined): Promise<ConnectionSummary> {
  const list = await store.listConnections();
  if (name === undefined) {
    if (list.length === 1) return list[0] as ConnectionSummary;
    throw new UsageError(list.length === 0 ? 'the store has no connection yet' : `the store has ${list.length} connections: name one with --connection (${list.map((c) => c.name).join(', ')})`, list.length === 0 ? 'Connect one first: konduit connect --help' : undefined);
  }
  const c = list.find((x) => x.name === name);
  if (!c) throw new UsageError(`--connection "${name}" names no connection of this store: expected one of ${list.map((x) => x.name).join(', ') || '(none)'}`);
  return c;
}

async function runImport(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    connection: { type: 'string' }, as: { type: 'string' }, platform: { type: 'string' }, map: { type: 'string' }, currency: { type: 'string' },
    replace: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, actor: { type: 'string' }, db: { type: 'string' },
  }, true);
  const [file, ...extra] = positionals;
  if (!file) throw new UsageError('konduit costs import needs a FILE', 'For example: konduit costs import costs.yaml');
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')} (one FILE at a time)`);
  if (values.currency !== undefined && !/^[A-Za-z]{3}$/.test(values.currency)) throw new UsageError(`--currency "${values.currency}" is not valid: expected an ISO 4217 code such as USD`);
  const map = parseSpendMap(values.map);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new EnvironmentError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const store = await openStore(values.db, { keyless: true });
  try {
    const conn = await connectionOf(store, values.connection);
    const r = await importCostFile(store, conn, bytes, {
      file: basename(file), as: values.as, platform: values.platform, map, currency: values.currency?.toUpperCase(), replace: values.replace, dryRun: values['dry-run'],
    }, { actor: values.actor ?? userInfo().username, via: 'cli', origin: basename(file) });
    const layout = { meta: 'a Meta Ads export', google: 'a Google Ads export', tiktok: 'a TikTok Ads export', mapped: 'spend by the --map', yaml: 'YAML' }[r.layout] ?? `the ${r.layout} layout`;
    const noun: Record<CostKind, [string, string]> = { products: ['product cost', 'product costs'], processing: ['processing rate', 'processing rates'], payouts: ['payout', 'payouts'], spend: ['spend row (day x source)', 'spend rows (day x source)'] };
    const held = COST_KINDS.filter((k) => r.held[k] > 0).map((k) => `${r.held[k]} ${noun[k][r.held[k] === 1 ? 0 : 1]}`).join(', ') || 'nothing';
    process.stdout.write(`${basename(file)}: ${layout}, ${r.rows} row${r.rows === 1 ? '' : 's'}${r.skipped > 0 ? ` (${r.skipped} totals row${r.skipped === 1 ? '' : 's'} skipped)` : ''}: ${held}.\n`);
    if (!r.result) {
      process.stdout.write('Dry run: nothing written.\n');
      return EXIT_OK;
    }
    for (const k of COST_KINDS) {
      const x = r.result.kinds[k];
      if (x.inserted + x.updated + x.removed + x.unchanged === 0) continue;
      process.stdout.write(`  ${k}: ${x.inserted} new, ${x.updated} changed, ${x.removed} removed, ${x.unchanged} unchanged\n`);
    }
    process.stdout.write(r.result.changes === 0 ? 'Nothing changed.\n' : `${r.result.changes} change${r.result.changes === 1 ? '' : 's'} recorded${r.result.rebuilt ? '; the margin ledger was recomputed' : ''}.\n`);
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

/** JSON rows as a grid of the given columns. */
const gridOf = (columns: string[], rows: Record<string, string>[]): Grid => ({ columns, rows: rows.map((r) => columns.map((c) => r[c] ?? '')) });

function print(g: Grid, format: 'table' | 'csv'): void {
  process.stdout.write(format === 'csv' ? gridToCsv(g) : gridToTable(g));
}

async function runList(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { kind: { type: 'string' }, connection: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string' }, db: { type: 'string' } });
  const kind = values.kind === undefined ? undefined : enumFlag<CostKind>('kind', values.kind, COST_KINDS, 'products');
  const format = enumFlag('format', values.format, ['table', 'csv', 'json'] as const, 'table');
  const from = dateFlag('from', values.from);
  const to = dateFlag('to', values.to);
  const store = await openStore(values.db, { keyless: true });
  try {
    const conn = await connectionOf(store, values.connection);
    if (kind === 'spend') {
      const rows = await store.spendRows(conn.connectionId, { from, to });
      const json = spendJson(rows);
      if (format === 'json') process.stdout.write(`${JSON.stringify({ connection: conn.name, spend: json }, null, 2)}\n`);
      else print(gridOf(['day', 'source', 'platform', 'currency', 'spend'], json), format);
      return EXIT_OK;
    }
    const json = ratesJson(await store.rates(conn.connectionId));
    const grids: Record<'products' | 'processing' | 'payouts', Grid> = {
      products: gridOf(['product', 'campaign', 'currency', 'from', 'cost', 'fulfilment'], json.products),
      processing: gridOf(['mid', 'currency', 'from', 'rate', 'fixed', 'chargeback', 'refund'], json.processing),
      payouts: gridOf(['affiliate', 'subaffiliate', 'cycle', 'currency', 'from', 'cpa'], json.payouts),
    };
    const kinds = kind ? [kind] : (['products', 'processing', 'payouts'] as const);
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ connection: conn.name, ...Object.fromEntries(kinds.map((k) => [k, json[k]])) }, null, 2)}\n`);
      return EXIT_OK;
    }
    for (const k of kinds) {
      if (kinds.length > 1 && format === 'table') process.stdout.write(`\n${k}\n`);
      print(grids[k], format);
    }
    return EXIT_OK;
  } finally {
    await store.close();
  }
}

async function runLog(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { connection: { type: 'string' }, kind: { type: 'string' }, limit: { type: 'string' }, format: { type: 'string' }, db: { type: 'string' } });
  const kind = values.kind === undefined ? undefined : enumFlag<CostKind>('kind', values.kind, COST_KINDS, 'products');
  const limit = intFlag('limit', values.limit, 200, 1);
  const format = enumFlag('format', values.format, ['table', 'json'] as const, 'table');
  const store = await openStore(values.db, { keyless: true });
  try {
    const conn = await connectionOf(store, values.connection);
    const changes = await store.costChanges(conn.connectionId, { limit, kind });
    if (format === 'json') {
      process.stdout.write(`${JSON.stringify({ connection: conn.name, changes: changes.map((c) => ({ ...c, at: new Date(c.at).toISOString() })) }, null, 2)}\n`);
      return EXIT_OK;
    }
    const show = (o: Record<string, unknown> | null) => (o === null ? '-' : Object.entries(o).map(([k, v]) => `${k} ${v === null ? '(any)' : String(v)}`).join(', '));
    print({
      columns: ['at (UTC)', 'who', 'via', 'from', 'kind', 'item', 'before', 'after'],
      rows: changes.map((c) => [new Date(c.at).toISOString().slice(0, 19).replace('T', ' '), c.actor, c.via, c.origin ?? '', c.kind, show(c.item), show(c.before), show(c.after)]),
    }, 'table');
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
