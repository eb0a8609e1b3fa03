/**
 * `konduit serve`: the web dashboard and its HTTP API (docs/dashboard.md, docs/api.md).
 */
import { join } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { forecastThreads, MAX_FORECAST_THREADS, setForecastThreads } from '../../analytics/forecast-pool.js';
import { startServer } from '../../server/index.js';
import { loadPrograms } from '../../report/programs-file.js';
import { intFlag, parseFlags } from '../args.js';
import { konduitHome, openStore, resolveDb, storeLabel } from './connections-store.js';

export const help = `Usage: konduit serve [--port 3000] [--host 127.0.0.1] [--db PATH|postgres://...] [options]

Serves the dashboard (Settings: connect a CRM and sync it; Reports: revenue, cohort LTV, retention, MID
health) and its HTTP API until Ctrl-C. The first visit creates the admin account, unless
KONDUIT_ADMIN_PASSWORD sets its password (user "admin"). Scripts use API tokens (docs/api.md).
Connections are kept fresh at their sync frequency while the server runs.

Options:
  --port N           port (default 3000; 0 picks a free one)
  --host HOST        address to listen on (default 127.0.0.1, this machine only; 0.0.0.0 for every
                     interface, behind a TLS proxy)
  --db PATH|URL      the store (default KONDUIT_DB, else ./konduit.duckdb)
  --secure-cookies   mark cookies Secure even without X-Forwarded-Proto: https (TLS terminated elsewhere)
  --trust-proxy      trust X-Forwarded-For and X-Forwarded-Host from a reverse proxy; the sign-in limit
                     then keys on the rightmost X-Forwarded-For entry, the address the proxy saw (the
                     proxy must append to the header, as nginx's $proxy_add_x_forwarded_for does)
  --allowed-host H   a host name the server answers to (repeatable). On 127.0.0.1 the default is
                     127.0.0.1 and localhost only (no DNS rebinding); on other addresses, any
  --no-schedule      do not run scheduled syncs from this process (e.g. konduit sync --watch runs them)
  --forecast-threads N  worker threads fitting the Forecast's groups beside the server's (0: all in the
                     server's thread; default ${forecastThreads()}: the cores but one, at most 3; docs/forecasts.md)
  -h, --help         this help

Environment:
  KONDUIT_ADMIN_PASSWORD   the admin's password (set or reset at start)
  KONDUIT_HOME             where the server state (web.json: password hash, token hashes) and locks live

Exit codes: 0 stopped with Ctrl-C; 2 usage or environment: a bad option, the port taken, a store that
cannot be opened. A store that does not exist yet is created: connect a CRM in Settings.

Examples:
  konduit serve
  KONDUIT_ADMIN_PASSWORD='a long passphrase' konduit serve --port 8080 --db ./shop.duckdb
`;

/** Runs `konduit serve`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    db: { type: 'string' },
    'secure-cookies': { type: 'boolean' },
    'trust-proxy': { type: 'boolean' },
    'no-schedule': { type: 'boolean' },
    'allowed-host': { type: 'string', multiple: true },
    'forecast-threads': { type: 'string' },
  });
  const threads = intFlag('forecast-threads', values['forecast-threads'], forecastThreads());
  if (threads > MAX_FORECAST_THREADS) throw new UsageError(`--forecast-threads must be at most ${MAX_FORECAST_THREADS}, got ${threads}`, 'Each thread fits one group at a time; more than the cores gains nothing.');
  setForecastThreads(threads);
  const adminPassword = process.env.KONDUIT_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 10) throw new UsageError('KONDUIT_ADMIN_PASSWORD needs at least 10 characters');
  const programs = await loadPrograms(process.env.KONDUIT_PROGRAMS);
  // Like konduit connect, the dashboard connects CRMs (Settings): serving a new store creates it.
  const store = await openStore(values.db, { create: true });
  const connections = (await store.listConnections()).length;
  const home = konduitHome();
  const server = await startServer({
    store,
    statePath: join(home, 'web.json'),
    locksDir: join(home, 'locks'),
    port: intFlag('port', values.port, 3000),
    host: values.host ?? '127.0.0.1',
    adminPassword,
    secureCookies: values['secure-cookies'] === true,
    trustProxy: values['trust-proxy'] === true,
    schedule: values['no-schedule'] !== true,
    allowedHosts: values['allowed-host']?.length ? values['allowed-host'] : undefined,
    programs,
  }).catch(async (err: unknown) => {
    await store.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${values.port ?? 3000} is taken`, 'Pick another with --port.', { code: 'port_taken', param: 'port' });
    throw err;
  });
  const firstRun = server.auth.needsSetup();
  process.stdout.write(
    `Konduit dashboard: ${server.url}\n` +
      `Store: ${storeLabel(resolveDb(values.db))}${connections === 0 ? ' (no connection yet: connect a CRM in Settings)' : ''}\n` +
      (adminPassword ? 'Sign in as "admin" with KONDUIT_ADMIN_PASSWORD.\n' : firstRun ? 'First visit: create the admin account in the browser.\n' : '') +
      'Ctrl-C to stop.\n',
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  process.stdout.write('\nStopping (running syncs resume where they stopped next time)...\n');
  await server.close();
  await store.close();
  return 0;
}
