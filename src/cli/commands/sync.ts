/**
 * `konduit sync`: a backfill of a date range, an incremental sync, or `--watch` to keep every
 * connection fresh at its frequency (one process per connection at a time, by a lock file).
 */
import { join } from 'node:path';
import { EXIT_CANCELLED, EXIT_OK, KonduitError, UsageError, errorMessage } from '../../core/errors.js';
import { checkInput } from '../../core/input.js';
import { safeText } from '../../core/mask.js';
import type { Store } from '../../store/store.js';
import { SYNC_EXPECTED, SyncRange } from '../../sync/inputs.js';
import type { SyncMode, SyncResult } from '../../sync/run.js';
import { lastSuccessAt, readRuns } from '../../sync/runs.js';
import { isDue, msUntilDue } from '../../sync/schedule.js';
import { SYNC_DEFAULTS, SyncAlreadyRunningError, UnknownConnectionError, syncConnection } from '../../sync/sync-connection.js';
import { intFlag, parseFlags } from '../args.js';
import { progressRenderer } from '../progress.js';
import { connectionsOrExplain, konduitHome, openStore } from './connections-store.js';
import { plural } from '../../core/text.js';

export const help = `Usage: konduit sync --connection NAME [--from YYYY-MM-DD --to YYYY-MM-DD] [options]
       konduit sync --watch [--connection NAME] [options]

With --from and --to: a backfill of that range (by the CRM's dateCreated, in the account's time zone).
Without: an incremental sync (by dateUpdated, from the last checkpoint minus a 3-day look-back).
A sync interrupted in any way (Ctrl-C, a crash, a kill) resumes where it stopped when run again
with the same arguments; nothing is lost or stored twice.

--watch syncs every connection (or the one named) whenever its frequency says it is due, and never
runs two syncs of one connection at once, even across processes. Ctrl-C stops it (exit code 0).

Options:
  --connection NAME   the connection (see konduit connections)
  --from DATE         first day of a backfill
  --to DATE           last day of a backfill
  --watch             keep syncing at each connection's frequency (Ctrl-C to stop)
  --concurrency N     pages fetched at once (default ${SYNC_DEFAULTS.concurrency})
  --rate N            at most N requests per second to the CRM (default ${SYNC_DEFAULTS.requestsPerSecond}; 0 = no limit)
  --db PATH|URL       the store (default KONDUIT_DB, else ./konduit.duckdb)

Exit codes: 0 done (or --watch stopped with Ctrl-C); 1 the CRM refused the credentials or a request;
2 usage or environment: a bad date or range, an unknown connection, no store or no connection, the
connection synced by another process, the CRM unreachable, a password this key cannot decrypt;
130 cancelled with Ctrl-C (run the same command again to resume).

Examples:
  konduit sync --connection shop --from 2024-01-01 --to 2025-06-30
  konduit sync --connection shop
  konduit sync --watch
`;

/** A sync stopped by its user (Ctrl-C): said as such, not as an error, with how to resume. */
class SyncCancelled extends KonduitError {
  constructor(label: string, records: number) {
    super(`${label}: cancelled after ${plural(records, 'record')}`, EXIT_CANCELLED, 'Run the same command again to resume where it stopped.');
  }
}

interface RunOpts {
  concurrency: number;
  rate: number;
  signal: AbortSignal;
}

/** What a finished run says beyond its counts: records set aside, streams left out, attribution gaps. */
export function runNotes(r: SyncResult): string[] {
  const out: string[] = [];
  if (r.quarantined > 0) out.push(`${plural(r.quarantined, 'record')} could not be read and ${r.quarantined === 1 ? 'was' : 'were'} set aside (konduit connections shows why; the next sync tries again)`);
  if (r.retried.stored > 0) out.push(`${plural(r.retried.stored, 'record')} set aside earlier ${r.retried.stored === 1 ? 'was' : 'were'} read and stored`);
  if (r.retried.still > 0) out.push(`${plural(r.retried.still, 'record')} set aside earlier still cannot be read`);
  for (const [stream, why] of Object.entries(r.skipped)) out.push(`${stream} left out: ${why}`);
  const a = r.attribution;
  if (a.withoutProduct > 0) out.push(`${plural(a.withoutProduct, 'sale')} of ${a.sales.toLocaleString('en-US')} have no product yet (their orders are not synced)`);
  if (a.rebillsWithoutPurchase > 0) out.push(`${plural(a.rebillsWithoutPurchase, 'rebill')} have no subscription yet (their purchases are not synced)`);
  return out;
}

/** Syncs one connection (by name) with a progress display and a closing line. */
async function syncOne(store: Store, name: string, mode: SyncMode, o: RunOpts): Promise<SyncResult> {
  const label = `${name} ${mode.kind === 'backfill' ? `backfill ${mode.from}..${mode.to}` : 'incremental'}`;
  const renderer = progressRenderer(process.stderr, label);
  let records = 0;
  try {
    const result = await syncConnection({
      store,
      connection: name,
      mode,
      locksDir: join(konduitHome(), 'locks'),
      concurrency: o.concurrency,
      requestsPerSecond: o.rate,
      signal: o.signal,
      onProgress: (p) => {
        records = p.records;
        renderer.update(p);
      },
    });
    renderer.finish();
    const per = Object.entries(result.streams)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    process.stdout.write(`${label}: done in ${(result.elapsedMs / 1000).toFixed(1)}s: ${plural(result.records, 'record')} (${per || 'nothing new'}), ${plural(result.pages, 'page')}, ${plural(result.retries, 'retry', 'retries')}\n`);
    for (const line of runNotes(result)) process.stdout.write(`${label}: ${line}\n`);
    return result;
  } catch (err) {
    renderer.finish();
    if (o.signal.aborted) throw new SyncCancelled(label, records);
    throw err;
  }
}

async function watch(store: Store, only: string | undefined, o: RunOpts): Promise<number> {
  process.stdout.write(`Watching ${only ? `"${only}"` : 'every connection'}; Ctrl-C to stop.\n`);
  while (!o.signal.aborted) {
    const all = (await store.listConnections()).filter((c) => !only || c.name === only);
    if (all.length === 0) {
      process.stderr.write(`konduit: ${only ? `"${only}" was removed` : 'every connection was removed'}; nothing left to watch\n`);
      return EXIT_OK;
    }
    let nextIn = 60_000;
    for (const summary of all) {
      if (o.signal.aborted) break;
      const last = lastSuccessAt(await readRuns(store, summary.connectionId));
      if (!isDue(last, summary.frequency, Date.now())) {
        nextIn = Math.min(nextIn, msUntilDue(last, summary.frequency, Date.now()));
        continue;
      }
      try {
        await syncOne(store, summary.name, { kind: 'incremental' }, o);
      } catch (err) {
        if (o.signal.aborted) {
          if (err instanceof SyncCancelled) process.stderr.write(`${err.message}; the next run resumes it\n`);
          break;
        }
        // Removed since the list was read: nothing to sync.
        if (err instanceof UnknownConnectionError) continue;
        // One connection's failure must not stop the others; it is retried at the next tick.
        process.stderr.write(err instanceof SyncAlreadyRunningError ? `konduit: ${err.message}\n` : `konduit: ${summary.name}: ${safeText(errorMessage(err))}\n`);
      }
    }
    await new Promise<void>((r) => {
      const t = setTimeout(r, Math.max(1000, Math.min(nextIn, 60_000)));
      o.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });
  }
  process.stdout.write('Stopped watching.\n');
  return EXIT_OK;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    connection: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    watch: { type: 'boolean' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    db: { type: 'string' },
  });
  // The range is checked by the schema the API's POST /api/connections/:name/sync uses (src/sync/inputs.ts).
  const swapped = values.from !== undefined && values.to !== undefined && values.from > values.to;
  const { from, to } = checkInput(SyncRange, { from: values.from, to: values.to }, {
    surface: 'cli',
    label: 'konduit sync',
    expected: (p) => SYNC_EXPECTED[p] ?? '',
    hint: swapped ? `Swap them: --from ${values.to} --to ${values.from}.` : 'See konduit sync --help.',
  });
  if (values.watch && from) throw new UsageError('--watch runs incremental syncs; it does not take --from/--to', 'Run the backfill first (konduit sync --connection NAME --from ... --to ...), then --watch.');
  if (!values.watch && !values.connection) throw new UsageError('--connection is required (or --watch)', 'List connections with: konduit connections');
  const concurrency = intFlag('concurrency', values.concurrency, SYNC_DEFAULTS.concurrency, 1);
  const rate = intFlag('rate', values.rate, SYNC_DEFAULTS.requestsPerSecond, 0);
  const ac = new AbortController();
  const onSigint = () => {
    process.stderr.write('\nkonduit: stopping; what is synced so far is kept\n');
    ac.abort(new Error('cancelled with Ctrl-C'));
  };
  const o: RunOpts = { concurrency, rate, signal: ac.signal };
  const store = await openStore(values.db);
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    // Nothing to sync is said first (before "Watching"): no connection at all, or none of that name.
    const known = await connectionsOrExplain(store, values.db);
    if (values.connection && !known.some((c) => c.name === values.connection)) throw new UnknownConnectionError(values.connection);
    if (values.watch) return await watch(store, values.connection, o);
    const mode: SyncMode = from && to ? { kind: 'backfill', from, to } : { kind: 'incremental' };
    // A connection synced elsewhere, or a password this key cannot open, ends here with its message and exit code.
    await syncOne(store, values.connection as string, mode, o);
    return EXIT_OK;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await store.close();
  }
}
