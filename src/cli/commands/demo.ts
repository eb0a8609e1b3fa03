/**
 * `konduit demo`: the whole product in one command. Starts the sandbox CRM in-process with a seeded
 * merchant, connects it, imports its history with a progress bar, and serves the dashboard with a login
 * printed once. Everything lives in a temp directory that is removed on exit (unless --keep).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CANCELLED, UsageError } from '../../core/errors.js';
import { addDays, localDate } from '../../core/time.js';
import { CrmClient } from '../../crm/client.js';
import { startSandbox } from '../../sandbox/index.js';
import { generatePassword, startServer } from '../../server/index.js';
import { syncConnection } from '../../sync/sync-connection.js';
import { intFlag, parseFlags } from '../args.js';
import { progressRenderer } from '../progress.js';
import { openStore } from './connections-store.js';

export const help = `Usage: konduit demo [--port 3000] [--host 127.0.0.1] [--customers N] [--months N] [--seed S] [--keep]

Starts a sandbox CRM with a synthetic merchant, connects it as "demo-shop", imports its history (you see
the progress), then serves the dashboard and prints its address and login. The admin password is
KONDUIT_ADMIN_PASSWORD when set, else a generated one printed once. Ctrl-C stops everything.

Options:
  --port N         dashboard port (default 3000; 0 picks a free one)
  --host HOST      address to listen on (default 127.0.0.1)
  --customers N    customers of the synthetic merchant (default 1500)
  --months N       months of history to generate and import (default 12)
  --seed S         merchant seed; the same seed gives the same merchant (default demo)
  --keep           keep the demo's data directory (its path is printed)
  -h, --help       this help

Exit codes: 0 stopped with Ctrl-C after serving; 2 usage or environment: a bad option, the port taken
(checked before anything is generated); 130 stopped with Ctrl-C during the import.

Example:
  npm ci && npx konduit demo
`;

/** The port is taken: said before anything is generated or imported. */
function portTaken(host: string, port: number): UsageError {
  return new UsageError(`port ${port} on ${host} is taken`, 'Pick another with --port (0 = any free port).', { code: 'port_taken', param: 'port' });
}

/** Whether `port` can be listened on at `host` now (0 always can): a listen, closed at once. */
export function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' ? portTaken(host, port) : err));
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/** Runs `konduit demo`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    customers: { type: 'string' },
    months: { type: 'string' },
    seed: { type: 'string' },
    keep: { type: 'boolean' },
  });
  const customers = intFlag('customers', values.customers, 1500, 1);
  const months = intFlag('months', values.months, 12, 1);
  if (months > 36) throw new UsageError('--months is at most 36', 'Pick 1 to 36.', { code: 'invalid_parameter', param: 'months' });
  const port = intFlag('port', values.port, 3000);
  const host = values.host ?? '127.0.0.1';
  // A taken port is said now, not after a full import.
  await checkPortFree(host, port);
  const adminPassword = process.env.KONDUIT_ADMIN_PASSWORD || generatePassword();
  const dir = await mkdtemp(join(tmpdir(), 'konduit-demo-'));
  // The demo's key file and locks stay in its own directory, never in the user's ~/.konduit.
  process.env.KONDUIT_HOME = join(dir, 'home');
  const out = process.stderr;
  const cleanup: (() => Promise<void>)[] = [];
  try {
    const zone = 'America/New_York';
    const today = localDate(Date.now(), zone);
    const start = addDays(today, -Math.round(months * 30.44));
    out.write(`Generating a sandbox merchant (${customers} customers since ${start})...\n`);
    const sandbox = await startSandbox({ seed: values.seed ?? 'demo', customers, start, timezone: zone });
    cleanup.unshift(() => sandbox.close());
    const store = await openStore(join(dir, 'demo.duckdb'), { create: true });
    cleanup.unshift(() => store.close());
    await new CrmClient({ baseUrl: sandbox.baseUrl, loginId: sandbox.loginId, password: sandbox.password }).testCredentials(today);
    const conn = await store.saveConnection({
      name: 'demo-shop', brand: 'konnektive', baseUrl: sandbox.baseUrl, loginId: sandbox.loginId, password: sandbox.password,
      accountName: 'Demo Shop', accountUsername: 'owner', timezone: zone, frequency: 'daily',
    });
    out.write(`Connected the sandbox at ${sandbox.baseUrl} as "demo-shop"; importing ${start}..${today}\n`);
    const bar = progressRenderer(out, 'demo-shop backfill', 2000);
    const locksDir = join(dir, 'home', 'locks');
    // Ctrl-C during the import stops it and cleans up (the finally below), said as a cancel, not an error.
    const ac = new AbortController();
    const cancel = () => ac.abort(new Error('cancelled with Ctrl-C'));
    process.once('SIGINT', cancel);
    // No request-rate cap here or on the demo's dashboard: the CRM is the sandbox in this process, with
    // no merchant account to protect, and the cap would only make the first run wait (docs/sync.md).
    const result = await syncConnection({
      store, connection: conn, mode: { kind: 'backfill', from: start, to: today }, locksDir, requestsPerSecond: 0, today, signal: ac.signal, onProgress: (p) => bar.update(p),
    }).catch((err: unknown) => {
      if (ac.signal.aborted) return null;
      throw err;
    }).finally(() => process.off('SIGINT', cancel));
    bar.finish();
    if (!result) {
      out.write('\nDemo cancelled during the import.\n');
      return EXIT_CANCELLED;
    }
    out.write(`Imported ${result.records} records in ${(result.elapsedMs / 1000).toFixed(1)}s.\n`);
    const server = await startServer({
      store, statePath: join(dir, 'web.json'), locksDir,
      port, host, adminPassword, schedule: false, syncRate: 0,
      // The integration page shows the range imported above.
      connectionSettings: { [conn.connectionId]: { historyFrom: start, historyTo: today } },
    }).catch((err: unknown) => {
      // Taken since the check at the start.
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw portTaken(host, port);
      throw err;
    });
    cleanup.unshift(() => server.close());
    process.stdout.write(
      [
        '',
        `  Konduit dashboard:  ${server.url}`,
        `  Sign in as:         admin`,
        `  Password:           ${process.env.KONDUIT_ADMIN_PASSWORD ? '(KONDUIT_ADMIN_PASSWORD)' : adminPassword}`,
        '',
        values.keep ? `  Data kept in ${dir}` : '  Demo data lives in a temp directory, removed when you stop.',
        '  Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    out.write('\nStopping...\n');
    return 0;
  } finally {
    for (const f of cleanup) await f().catch(() => undefined);
    if (!values.keep) await rm(dir, { recursive: true, force: true });
  }
}
