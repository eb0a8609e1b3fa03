/**
 * One renderer: every report, asked of `konduit report ... --format json` and of GET /api/reports/:name
 * with the same parameters on the same store (DuckDB) gives the same JSON body: the golden dataset, and a
 * second account whose campaign and MID ids collide with it and which also sells in MXN (currencies,
 * groups across connections, names, filters by name). The CLI runs first, the server after it, because
 * one DuckDB file is open in one place at a time.
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
import { crmWallToInstant } from '../core/time.js';
import type { MoneyEvent } from '../ledger/index.js';
import { ledger, NY, PURCHASES } from '../../test/golden-ledger.js';
import type { MidsJson, SummaryJson } from './json.js';
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
  ['retention', { from: '2024-11-01', to: '2025-03-31', tz: NY, asOf: '2025-03-01' }],
  ['retention', { from: '2024-11-01', to: '2025-03-31', tz: NY, groupBy: 'mid', filter: 'campaign:1', asOf: '2025-06-01' }],
  ['mids', { from: '2024-12-01', to: '2025-02-28', tz: NY }],
  ['mids', { from: '2024-12-01', to: '2025-02-28', tz: 'Pacific/Auckland', connection: 'golden' }],
  ['declines', { from: '2024-12-01', to: '2025-03-31', tz: NY }],
  ['declines', { from: '2024-12-01', to: '2025-03-31', tz: NY, by: 'cycle', filter: 'campaign:1' }],
  ['chargebacks', { from: '2024-12-01', to: '2025-03-31', tz: NY }],
  ['chargebacks', { from: '2024-12-01', to: '2025-03-31', tz: 'Asia/Kolkata', by: 'days' }],
  ['economics', { from: '2024-11-01', to: '2025-03-31', tz: NY, source: 'campaign', horizons: '7,30,90', asOf: '2025-06-01' }],
  ['economics', { from: '2024-11-01', to: '2025-03-31', tz: NY, by: 'week', connection: 'golden', asOf: '2025-02-01' }],
  // Too few cycles to fit: the body says why, beside the observed figures.
  ['forecast', { from: '2024-11-01', to: '2025-03-31', tz: NY, groupBy: 'campaign', asOf: '2025-06-01' }],
  ['forecast', { from: '2024-11-01', to: '2025-03-31', tz: NY, connection: 'golden', backtest: '2025-02-01', asOf: '2025-06-01' }],
  // Two accounts, two currencies: groups keyed by connection, names, filters by name and CONNECTION:ID.
  ['summary', { from: '2025-01-01', to: '2025-01-31', tz: NY, groupBy: 'campaign' }],
  ['summary', { from: '2025-01-01', to: '2025-01-31', tz: NY, groupBy: 'mid', currency: 'mxn' }],
  ['summary', { from: '2025-01-01', to: '2025-01-31', tz: NY, filter: ['campaign:Golden One', 'campaign:second:2'] }],
  ['series', { from: '2025-01-01', to: '2025-01-31', tz: NY, by: 'week', groupBy: 'campaign', currency: 'MXN' }],
  ['cohorts', { from: '2025-01-01', to: '2025-01-31', tz: NY, groupBy: 'product', currency: 'MXN', asOf: '2025-06-01' }],
  ['triangle', { from: '2025-01-01', to: '2025-01-31', tz: NY, groupBy: 'connection', asOf: '2025-06-01' }],
  ['retention', { from: '2024-11-01', to: '2025-03-31', tz: NY, groupBy: 'campaign', asOf: '2025-06-01' }],
  ['mids', { from: '2025-01-01', to: '2025-01-31', tz: NY, filter: 'mid:Gateway Five-O-One' }],
  ['retention', { from: '2024-11-01', to: '2025-03-31', tz: NY, groupBy: 'affiliate', subgroupBy: 'subaffiliate', asOf: '2025-06-01' }],
  ['rebills', { asOf: '2025-01-20', tz: NY }],
  ['rebills', { windows: '3,30', connection: 'golden', currency: 'USD', asOf: '2025-01-20', tz: NY }],
];

/** The second account: campaign 1 and 2 and MID 501 as the golden one numbers them; sales in USD and MXN. */
function second(): MoneyEvent[] {
  const at = (wall: string) => crmWallToInstant(wall, NY) ?? 0;
  const ev = (id: number, wall: string, cents: number, currency: string, campaign: number): MoneyEvent => ({
    event_id: `sale:${id}`, kind: 'sale', transaction_id: id, instant: at(wall), amount_cents: cents, customer_id: id, order_id: `S${id}`, purchase_id: null, campaign_id: campaign,
    product_id: 10 + campaign, aff_id: null, source_value1: null, merchant_id: 501, billing_cycle: 1, is_initial: true, currency, coupon_code: null, attribution: null,
  });
  return [ev(1, '2025-01-03 10:00:00', 4000, 'USD', 1), ev(2, '2025-01-04 10:00:00', 150000, 'MXN', 1), ev(3, '2025-01-09 10:00:00', 99900, 'MXN', 2), ev(4, '2025-01-12 10:00:00', 2500, 'USD', 2)];
}

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
  const s = await writer.saveConnection({ name: 'second', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'B', accountUsername: 'U', timezone: NY, frequency: 'daily' });
  const sec = second();
  await writer.writePages([
    { connectionId: c.connectionId, table: 'transactions', rows, ledger: { transactionIds: rows.map((r) => Number(r.transaction_id)), events } },
    { connectionId: c.connectionId, table: 'purchases', rows: PURCHASES },
    { connectionId: c.connectionId, table: 'campaigns', rows: [{ campaign_id: 1, name: 'Golden One' }, { campaign_id: 2, name: 'Golden Two' }] },
    { connectionId: s.connectionId, table: 'campaigns', rows: [{ campaign_id: 1, name: 'Second One' }, { campaign_id: 2, name: 'Second Two' }] },
    {
      connectionId: s.connectionId, table: 'transactions', rows: sec.map((e) => ({ transaction_id: e.transaction_id, customer_id: e.customer_id })),
      ledger: { transactionIds: sec.map((e) => e.transaction_id), events: sec }, related: { mids: [{ merchant_id: 501, name: 'Gateway Five-O-One', descriptor: 'SECOND*501' }] },
    },
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
    expect((fromCli[2] as SummaryJson).groups.map((g) => g.group)).toEqual(['golden', 'second']);
  });

  it('keep the accounts and the currencies apart, with names', () => {
    const at = (i: number) => fromCli[CASES.length - 11 + i];
    const byCampaign = at(0) as SummaryJson;
    expect([byCampaign.currency, byCampaign.otherCurrencies]).toEqual(['USD', [{ currency: 'MXN', gross: '2499.00' }]]);
    expect(byCampaign.groups.map((g) => [g.group, g.connection, g.id, g.name, g.figures.grossRevenue.current])).toEqual([
      ['golden:1', 'golden', '1', 'Golden One', '225.00'], ['golden:2', 'golden', '2', 'Golden Two', '145.00'],
      ['second:1', 'second', '1', 'Second One', '40.00'], ['second:2', 'second', '2', 'Second Two', '25.00'],
    ]);
    const pesos = at(1) as SummaryJson;
    expect([pesos.currency, pesos.otherCurrencies, pesos.total.grossRevenue.current]).toEqual(['MXN', [{ currency: 'USD', gross: '435.00' }], '2499.00']);
    expect(pesos.groups.map((g) => [g.group, g.name])).toEqual([['second:501', 'Gateway Five-O-One']]);
    // Golden's campaign 1 by name and second's campaign 2 by CONNECTION:ID: 225.00 + 25.00.
    expect((at(2) as SummaryJson).total.grossRevenue.current).toBe('250.00');
    // MID 501 by the second account's name for it: that account's MID alone, its sales of both currencies
    // (the networks count transactions, whatever their currency).
    expect((at(7) as MidsJson).rows.map((r) => [r.key, r.name, r.sales])).toEqual([['second:501', 'Gateway Five-O-One', 4]]);
  });

  it('list a dimension\'s values with their names (the API), and refuse a dimension it does not have', async () => {
    const login = await fetch(`${srv!.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv!.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const cookie = login.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    const get = async (path: string) => {
      const res = await fetch(`${srv!.url}${path}`, { headers: { cookie } });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await get('/api/dimensions/campaign/values?search=one')).toEqual({ status: 200, body: { dimension: 'campaign', truncated: false, values: [
      { value: 'golden:1', connection: 'golden', id: '1', name: 'Golden One' }, { value: 'second:1', connection: 'second', id: '1', name: 'Second One' },
    ] } });
    expect((await get('/api/dimensions/merchantId/values?connection=second')).body).toEqual({ dimension: 'mid', truncated: false, values: [{ value: 'second:501', connection: 'second', id: '501', name: 'Gateway Five-O-One' }] });
    expect(await get('/api/dimensions/colour/values')).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', param: 'dimension' } } });
    expect(await get('/api/dimensions/campaign/values?limit=0')).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', param: 'limit' } } });
    expect(await get('/api/dimensions/campaign/values?sort=name')).toMatchObject({ status: 400, body: { error: { code: 'unknown_parameter', param: 'sort' } } });
  });

  it('keep MID alert rules (CLI and API alike), and report mids --alerts exits 1 while one fires', async () => {
    await srv?.close();
    await store?.close();
    const alerts = (...a: string[]) => runCli(['report', 'mids', '--alerts', '--from', '2025-01-01', '--to', '2025-02-28', '--db', db, ...a]);
    expect((await alerts()).code).toBe(0);
    // MID 501, January: 1 chargeback in 4 sales (25%) of cards of no known network: "total" compares it.
    expect((await runCli(['mids', 'alerts', 'set', '--connection', 'golden', '--mid', '501', '--threshold', '20', '--metric', 'total', '--min-count', '1', '--db', db])).code).toBe(0);
    const fired = await alerts();
    expect([fired.code, fired.out]).toEqual([1, expect.stringMatching(/^Connection\s+MID\s+MID name\s+Month\s+Rule/)]);
    expect(fired.out).toMatch(/golden\s+501\s+2025-01\s+total >= 20%, 1\+\s+-\s+0\s+-\s+0/);
    const json = JSON.parse((await alerts('--format', 'json')).out) as MidsJson;
    expect(json.alerts.map((a) => [a.key, a.month, a.ratio, a.alert])).toEqual([['golden:501', '2025-01', 0.25, { scope: 'mid', metric: 'total', threshold: 0.2, minCount: 1, firing: true }]]);
    // Two chargebacks asked for: quiet again; a bad threshold is a usage error naming the flag.
    await runCli(['mids', 'alerts', 'set', '--connection', 'golden', '--mid', '501', '--threshold', '20', '--metric', 'total', '--min-count', '2', '--db', db]);
    expect((await alerts()).code).toBe(0);
    const bad = await runCli(['mids', 'alerts', 'set', '--connection', 'golden', '--mid', '501', '--threshold', 'high', '--db', db]);
    expect([bad.code, bad.err]).toEqual([2, expect.stringContaining('--threshold is not valid: expected a ratio above 0% and at most 100%')]);
    expect((await runCli(['mids', 'alerts', 'set', '--connection', 'nope', '--mid', '1', '--threshold', '1', '--db', db])).code).toBe(1);
    const listed = JSON.parse((await runCli(['mids', 'alerts', '--format', 'json', '--db', db])).out) as { rules: unknown[] };
    expect(listed.rules).toEqual([{ connection: 'golden', mid: '501', metric: 'total', threshold: 0.2, minCount: 2, updatedAt: expect.any(String) }]);

    store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
    const login = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const cookie = login.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    const csrf = /konduit_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${srv!.url}${path}`, { method, headers: { cookie, origin: srv!.url, 'content-type': 'application/json', 'x-csrf-token': csrf }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as Record<string, unknown>) };
    };
    expect((await call('GET', '/api/connections/golden/mid-alerts')).body).toEqual({ rules: listed.rules });
    expect(await call('PUT', '/api/connections/golden/mid-alerts/*', { metric: 'any', threshold: 0.009, minCount: 10 })).toMatchObject({ status: 200, body: { rule: { mid: '*', metric: 'any', threshold: 0.009, minCount: 10 } } });
    expect(await call('PUT', '/api/connections/golden/mid-alerts/501', { metric: 'total', threshold: 0.1 })).toMatchObject({ status: 200, body: { rule: { mid: '501', threshold: 0.1, minCount: 0 } } });
    expect(await call('PUT', '/api/connections/golden/mid-alerts/501', { metric: 'amex', threshold: 0.1 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', param: 'metric' } } });
    expect(await call('PUT', '/api/connections/golden/mid-alerts/501', { threshold: 2 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_parameter', param: 'threshold' } } });
    expect(await call('PUT', '/api/connections/golden/mid-alerts/501', { threshold: 0.1, colour: 1 })).toMatchObject({ status: 400, body: { error: { code: 'unknown_parameter', param: 'colour' } } });
    // The report answers with the new rule at once (the cache is dropped), and marks the month it fires in.
    const mids = (await call('GET', '/api/reports/mids?from=2025-01-01&to=2025-02-28&connection=golden')).body as unknown as MidsJson;
    expect(mids.alerts.map((a) => [a.mid, a.month])).toEqual([['501', '2025-01']]);
    expect(mids.rows.find((r) => r.mid === '502')?.alert).toMatchObject({ scope: 'connection', metric: 'any', firing: false });
    expect((await call('DELETE', '/api/connections/golden/mid-alerts/501')).status).toBe(204);
    expect(await call('DELETE', '/api/connections/golden/mid-alerts/501')).toMatchObject({ status: 404, body: { error: { code: 'unknown_alert_rule' } } });
    expect((await call('DELETE', '/api/connections/golden/mid-alerts/*')).status).toBe(204);
  });

  it('refuse a report over connections of different base currencies alike, naming them', async () => {
    await srv?.close();
    await store?.close();
    const writer = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    await writer.saveConnection({ name: 'mx', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'M', accountUsername: 'U', timezone: NY, frequency: 'daily', baseCurrency: 'MXN' });
    await writer.close();
    const cli = await runCli(['report', 'summary', '--db', db]);
    expect(cli.code).toBe(2);
    expect(cli.err).toContain('konduit: the connections reported have different base currencies (golden USD, mx MXN, second USD) and a report is in one currency: choose it with --currency (MXN or USD), or select connections with --connection');
    expect((await runCli(['report', 'summary', '--db', db, '--currency', 'MXN', '--format', 'json'])).code).toBe(0);
    store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
    const login = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const cookie = login.headers.getSetCookie().map((x) => x.split(';')[0]).join('; ');
    const res = await fetch(`${srv.url}/api/reports/summary`, { headers: { cookie } });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'ambiguous_currency', param: 'currency', message: 'the connections reported have different base currencies (golden USD, mx MXN, second USD) and a report is in one currency: choose it with currency (MXN or USD), or select connections with connection' } });
  });
});
