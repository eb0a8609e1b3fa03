/**
 * Starting and stopping the dashboard server: wires the store, the server state file, auth, the sync
 * runner and the app, and listens (127.0.0.1 unless told otherwise).
 */
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type { Store } from '../store/store.js';
import { createApp, type AppOptions } from './app.js';
import { Auth } from './auth.js';
import { ServerState, type ConnectionSettings } from './state.js';
import { SyncManager } from './syncs.js';

export { generatePassword } from './passwords.js';
export { connectionName } from './app.js';

export interface ServerOptions {
  store: Store;
  /** The JSON state file (admin hash, token hashes, connection settings); null keeps it in memory. */
  statePath: string | null;
  /** Directory of the sync lock files, shared with `konduit sync`. */
  locksDir: string;
  port?: number;
  host?: string;
  /** Sets (or resets) the admin password at start; the first-visit form is then skipped. */
  adminPassword?: string;
  adminUser?: string;
  /** The web bundle; default dist/web of this package. */
  webRoot?: string | null;
  secureCookies?: boolean;
  trustProxy?: boolean;
  /** Run due incremental syncs at each connection's frequency (default true). */
  schedule?: boolean;
  testCredentials?: AppOptions['testCredentials'];
  /** Host names to answer to; default: loopback names when listening on loopback, else any. */
  allowedHosts?: string[] | null;
  /** Settings of connections made before the server started (the demo's), used when the state has none. */
  connectionSettings?: Record<string, ConnectionSettings>;
  /** The card programs MID health labels by (KONDUIT_PROGRAMS); default the published ones. */
  programs?: AppOptions['programs'];
  /** Pages fetched at once by the dashboard's syncs (default: the sync use case's SYNC_DEFAULTS). */
  syncConcurrency?: number;
  /** Request starts per second of the dashboard's syncs, 0 = no limit (default: SYNC_DEFAULTS). */
  syncRate?: number;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export interface RunningServer {
  url: string;
  port: number;
  auth: Auth;
  syncs: SyncManager;
  close(): Promise<void>;
}

/** The built bundle beside this file's package: dist/web (from dist/server or src/server). */
export function defaultWebRoot(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')]) {
    // The built bundle has assets/; src/web holds only the sources' index.html.
    if (existsSync(join(candidate, 'index.html')) && existsSync(join(candidate, 'assets'))) return resolve(candidate);
  }
  return null;
}

/** Starts the dashboard server. */
export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const state = await ServerState.open(o.statePath);
  const auth = new Auth(state);
  const user = o.adminUser ?? 'admin';
  if (o.adminPassword !== undefined && !(auth.adminName() === user && (await auth.adminPasswordIs(o.adminPassword)))) {
    await auth.setAdmin(user, o.adminPassword);
  }
  const seeded = Object.entries(o.connectionSettings ?? {}).filter(([id]) => !state.data.connections[id]);
  if (seeded.length > 0) await state.update((d) => seeded.forEach(([id, s]) => (d.connections[id] ??= s)));
  const syncs = new SyncManager({ store: o.store, locksDir: o.locksDir, concurrency: o.syncConcurrency, rate: o.syncRate });
  if (o.schedule !== false) {
    syncs.startScheduler((c) => c.frequency);
  }
  const app = createApp({
    store: o.store,
    state,
    auth,
    syncs,
    webRoot: o.webRoot === undefined ? defaultWebRoot() : o.webRoot,
    secureCookies: o.secureCookies,
    trustProxy: o.trustProxy,
    testCredentials: o.testCredentials,
    programs: o.programs,
    allowedHosts: o.allowedHosts !== undefined ? o.allowedHosts : LOOPBACK.has(o.host ?? '127.0.0.1') ? [...LOOPBACK_NAMES] : null,
  });
  const host = o.host ?? '127.0.0.1';
  const server: ServerType = await new Promise((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, port: o.port ?? 3000, hostname: host }, () => resolveServer(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    auth,
    syncs,
    close: async () => {
      await syncs.close();
      await new Promise<void>((r) => {
        server.close(() => r());
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
