/**
 * One renderer: every report, asked of `konduit report ... --format json` and of GET /api/reports/:name
 * with the same parameters on the same store (the golden dataset, DuckDB), gives the same JSON body. The
 * CLI runs first, the server after it, because one DuckDB file is open in one place at a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { startServer, type RunningServer } from '../server/index.js';
import { runCli } from '../../test/cli.js';
import { ledger, NY, PURCHASES } from '../../test/golden-ledger.js';
import { REPORT_NAMES, type ReportName } from './query.js';

const SECRET = 'cli-api-test';
const ADMIN = 'cli-api-admin-pass';

/** [report, query parameters]: every report, grouped and not, on both bases, with each report's own options. */
const CASES: [ReportName, Record<string, string | string[]>][] = [
  ['summary', { from: '2025-01-01', to: '2025-01-31', tz: NY }],
  ['summary', { from: '2025-01-01', to: '2025-01-31', tz: 'Australia/Brisbane', groupBy: 'campaign', filter: ['mid:501', 'mid:502'] }],
  ['summary', { from: '2025-01-01', to: '2025-01-31', tz: NY, groupBy: 'connection' }],
  ['summary', { from: '2024-11-01', to: '2025-01-31', tz: NY, basis: 'crm', connection: 'golden' }],
  ['series', { from: '2025-01-01', to: '2025-03-31', tz: NY, by: 'week', groupBy: 'mid' }],
  ['series', { from: '2025-03-01', to: '2025-03-31', tz: 'Asia/Kolkata', basis: 'crm' }],
  ['cohorts', { from: '2024-11-01', to: '2025-03-31', tz: NY, horizons: '1,30,90', asOf: '2025-06-01' }],
  ['cohorts', { from: '2025-01-01', to: '2025-03-31', tz: NY, by: 'week', groupBy: 'affiliate', asOf: '2025-03-01' }],
  ['triangle', { from: '2024-11-01', to: '2025-03-31', tz: NY, asOf: '2025-03-15' }],
  ['triangle', { from: '2024-11-01', to: '2025-03-31', tz: NY, groupBy: 'campaign', asOf: '2025-06-01' }],
  ['retention', { from: '2024-11-01', to: '2025-03-31', tz: NY }],
  ['retention', { from: '2024-11-01', to: '2025-03-31', tz: NY, groupBy: 'mid', filter: 'campaign:1' }],
  ['mids', { from: '2024-12-01', to: '2025-02-28', tz: NY }],
  ['mids', { from: '2024-12-01', to: '2025-02-28', tz: NY, groupBy: 'campaign', thresholds: '0.5,2,30' }],
];

/** The CLI's argv for a case: the parameters under their flag names (the triangle is cohorts --triangle). */
function argv(name: ReportName, params: Record<string, string | string[]>, db: string): string[] {
  const flags = Object.entries(params).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).flatMap((x) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, x]));
  return ['report', ...(name === 'triangle' ? ['cohorts', '--triangle'] : [name]), ...flags, '--format', 'json', '--db', db];
}

function queryString(params: Record<string, string | string[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : [v]) u.append(k, x);
  return u.toString();
}

let dir: string;
let db: string;
let store: Store | undefined;
let srv: RunningServer | undefined;
const env = { ...process.env };
const fromCli: unknown[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-cli-api-'));
  db = join(dir, 'k.duckdb');
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = SECRET;
  const writer = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
  await writer.migrate();
  const c = await writer.saveConnection({ name: 'golden', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'A', accountUsername: 'U', timezone: NY, frequency: 'daily' });
  const { rows, events } = ledger();
  await writer.writePages([
    { connectionId: c.connectionId, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } },
    { connectionId: c.connectionId, table: 'purchases', rows: PURCHASES },
  ]);
  await writer.close();
  for (const [name, params] of CASES) {
    const r = await runCli(argv(name, params, db));
    expect(r.code, `${name} ${JSON.stringify(params)}: ${r.err}`).toBe(0);
    fromCli.push(JSON.parse(r.out));
  }
  store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
  srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
});

afterAll(async () => {
  await srv?.close();
  await store?.close();
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

describe('konduit report --format json and the HTTP API', () => {
  it('cover every report', () => {
    expect(new Set(CASES.map(([name]) => name))).toEqual(new Set(REPORT_NAMES));
  });

  it('answer every report with the same body', async () => {
    const login = await fetch(`${srv!.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv!.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const cookie = login.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    for (const [i, [name, params]] of CASES.entries()) {
      const res = await fetch(`${srv!.url}/api/reports/${name}?${queryString(params)}`, { headers: { cookie } });
      expect(res.status, `${name} ${JSON.stringify(params)}`).toBe(200);
      expect(await res.json(), `${name} ${JSON.stringify(params)}`).toEqual(fromCli[i]);
    }
    // The connection is named, not numbered, when grouped by it.
    expect((fromCli[2] as { groups: { group: string }[] }).groups.map((g) => g.group)).toEqual(['golden']);
  });
});
