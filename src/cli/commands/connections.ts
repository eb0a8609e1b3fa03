/**
 * `konduit connections [list|remove NAME]`: lists saved connections (never their passwords) or removes one
 * (`konduit connections update NAME` is connections-update.ts).
 */
import { UnknownConnectionError, UsageError } from '../../core/errors.js';
import { localMinute } from '../../core/time.js';
import { readRuns } from '../../sync/runs.js';
import { parseFlags } from '../args.js';
import { connectionsOrExplain, openStore } from './connections-store.js';

export const help = `Usage: konduit connections [list] [--db PATH|postgres://...]
       konduit connections remove NAME [--db PATH|postgres://...]
       konduit connections update NAME [options]      (konduit connections update --help)

Lists the saved CRM connections (name, brand, API host, API user, time zone, base currency, sync
frequency, how its last sync ended: ok, failed, cancelled, running, or interrupted when the process
running it was killed, and how many CRM records are set aside because they could not be read, each
with its reason below the table), or removes one together with everything synced for it. To change
one (a new password, its frequency, time zone or base currency) and keep its data: konduit connections
update NAME.

Exit codes: 0 listed or removed; 2 usage: an unknown connection or action, no store, or a store with no
connection yet.

Examples:
  konduit connections
  konduit connections remove shop
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { db: { type: 'string' } }, true);
  const [action = 'list', name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`, 'See konduit connections --help.');
  if (action !== 'list' && action !== 'remove') throw new UsageError(`unknown action "${action}"`, 'Use list, remove NAME or update NAME (konduit connections --help).');
  // Listing and removing open no CRM password: they work even when the secret key is missing.
  const store = await openStore(values.db, { keyless: true });
  try {
    if (action === 'list') {
      const list = await connectionsOrExplain(store, values.db);
      const rows = [['Name', 'Brand', 'API host', 'API user', 'Time zone', 'Base currency', 'Frequency', 'Created', 'Last sync', 'Data (account time)', 'Set aside']];
      const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
      const notes: string[] = [];
      for (const c of list) {
        const last = (await readRuns(store, c.connectionId))[0];
        const held = await store.quarantined(c.connectionId);
        // What the data covers: its first day to the CRM's "now" at the last complete sync.
        const cov = await store.coverage(c.connectionId);
        const data = !cov ? 'none yet' : `${cov.from} to ${cov.asOf === null ? `${cov.to} (backfill running)` : localMinute(cov.asOf, c.timezone)}`;
        rows.push([c.name, c.brand, c.baseUrl, c.loginId, c.timezone, c.baseCurrency, c.frequency, when(c.createdAt), last ? `${last.status} ${last.startedAt === null ? '' : when(last.startedAt)}`.trimEnd() : 'never', data, String(held.length)]);
        for (const q of held.slice(0, 20)) notes.push(`  ${c.name}: ${q.stream} ${q.recordKey}: ${q.reason}${q.attempts > 1 ? ` (tried ${q.attempts} times)` : ''}`);
        if (held.length > 20) notes.push(`  ${c.name}: and ${held.length - 20} more`);
      }
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
      process.stdout.write(`${rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n')}\n`);
      if (notes.length > 0) process.stdout.write(`\nSet aside (could not be read; every sync tries them again):\n${notes.join('\n')}\n`);
      return 0;
    }
    // remove
    if (!name) throw new UsageError('konduit connections remove needs the NAME of a connection', 'List them with: konduit connections', { code: 'invalid_parameter', param: 'name' });
    if (!(await store.removeConnection(name))) throw new UnknownConnectionError(name, 'name');
    process.stdout.write(`Removed "${name}" and its synced data.\n`);
    return 0;
  } finally {
    await store.close();
  }
}

