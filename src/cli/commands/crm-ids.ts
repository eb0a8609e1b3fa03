/** `konduit crm ids`: the CRM's campaigns, campaign products and MIDs a legacy import names. */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic.js';
import type { CrmIdLists } from '../../core/crm-ids.js';
import { EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { localDate } from '../../core/time.js';
import { listCrmIds } from '../../crm/ids.js';
import { enumFlag, intFlag, parseFlags } from '../args.js';
import { crmClientFor } from './connections-store.js';

export const help = `Usage: konduit crm ids --connection NAME [--db PATH|URL] [--days N] [--format text|json] [--out FILE]

Lists, from the CRM's API, the ids a legacy import file must name (step 4 of the CRM's migration guide):
  - each campaign (campaignId) with its campaign products: the productId the import wants is the
    CAMPAIGN product id, not the base product id, and each is shown as sold ONE_TIME or RECURRING
    (an active subscription must be on a recurring one);
  - the MIDs (merchantId) future rebills can run on, with their names and descriptors. The API has no
    MID list: these are the MIDs of the last --days days of transactions (a MID without transactions
    there is not shown; check it in the CRM under Merchants).
Name these ids in mapping.yaml (constants or a lookup per product); konduit import validate --connection
NAME (or --crm-ids FILE) then checks every id of the file against them.

Options:
  --connection NAME   a saved connection (konduit connect)
  --db PATH|URL       the store holding the connection (default KONDUIT_DB, else ./konduit.duckdb)
  --days N            how many days of transactions to read MIDs from (default 30)
  --format text|json  text (default) or JSON
  --out FILE          also write the ids as JSON, for --crm-ids FILE of import validate and build --init
  -h, --help          this help

Exit codes: 0 listed, 2 usage error or the CRM unreachable.

Examples:
  konduit crm ids --connection shop
  konduit crm ids --connection shop --out crm-ids.json
`;

/** Reads the CRM ids of a connection (shared with import validate, build --init and migrate). */
export async function crmIdsOf(connection: string, db: string | undefined, days = 30): Promise<CrmIdLists> {
  const { client, timezone } = await crmClientFor(connection, db);
  return listCrmIds(client, { today: localDate(Date.now(), timezone), days });
}

/** Reads an ids file written by crm ids --out. */
export async function readCrmIdsFile(path: string): Promise<CrmIdLists> {
  let parsed: CrmIdLists;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as CrmIdLists;
  } catch (err) {
    throw new EnvironmentError(`cannot read --crm-ids ${path}: ${errorMessage(err)}`, 'Write it with: konduit crm ids --connection NAME --out FILE');
  }
  if (!Array.isArray(parsed?.campaigns) || !Array.isArray(parsed?.mids)) throw new EnvironmentError(`--crm-ids ${path} is not a konduit crm ids file`);
  return parsed;
}

/** The ids as text for people (pure). */
export function renderCrmIds(ids: CrmIdLists, days: number): string {
  const out: string[] = ['campaigns (productId is the campaign product id the import wants):'];
  for (const c of ids.campaigns) {
    out.push(`  campaignId ${c.campaignId}  ${c.name}`);
    for (const p of c.products) out.push(`    productId ${String(p.campaignProductId).padEnd(7)} ${p.billing.padEnd(9)} ${p.name}${p.productId ? ` (base product ${p.productId})` : ''}`);
    if (c.products.length === 0) out.push('    (no campaign products)');
  }
  if (ids.campaigns.length === 0) out.push('  (none)');
  out.push('', `MIDs billed in the last ${days} days (merchantId):`);
  for (const m of ids.mids) out.push(`  merchantId ${String(m.merchantId).padEnd(5)} ${m.name}${m.descriptor ? `  (${m.descriptor})` : ''}`);
  if (ids.mids.length === 0) out.push('  (none seen: check CRM > Merchants for the MID future rebills should run on)');
  return `${out.join('\n')}\n`;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, { connection: { type: 'string' }, db: { type: 'string' }, days: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' } });
  if (!values.connection) throw new UsageError('--connection NAME is required', 'Run konduit crm ids --help.');
  const days = intFlag('days', values.days, 30, 1);
  const format = enumFlag('format', values.format, ['text', 'json'] as const, 'text');
  const ids = await crmIdsOf(values.connection, values.db, days);
  if (values.out) await writeFileAtomic(values.out, `${JSON.stringify(ids, null, 2)}\n`, 0o600);
  process.stdout.write(format === 'json' ? `${JSON.stringify(ids, null, 2)}\n` : renderCrmIds(ids, days));
  return EXIT_OK;
}
