/**
 * Entering costs: `konduit costs import FILE` on the ad platforms' exports (Meta Ads, Google Ads, TikTok
 * Ads), a mapped export and a YAML file of rates; importing a file twice changes nothing; a file with a
 * bad row names the file, row and column, exits 1 and imports nothing. Then the HTTP API on the same
 * store: the rates and spend as the CLI lists them, a rate table put whole, spend rows posted twice, a
 * bad row answered 422 naming it with nothing written, a file imported through the API, and the audit
 * trail saying who changed what through which door. DuckDB: one file, the CLI first, then the server.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckDbStore } from '../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../store/secrets.js';
import type { Store } from '../store/store.js';
import { startServer, type RunningServer } from '../server/index.js';
import { runCli } from '../../test/cli.js';

const SECRET = 'costs-import-test';
const ADMIN = 'costs-import-admin';

let dir: string;
let listedByCli: Record<string, unknown> = {};
let db: string;
const env = { ...process.env };

/** Writes a file into the test's directory and returns its path. */
async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const byKey = (a: Record<string, string>, b: Record<string, string>) => (`${a.day} ${a.source} ${a.platform}` < `${b.day} ${b.source} ${b.platform}` ? -1 : 1);
const cli = (...argv: string[]) => runCli([...argv, '--db', db]);
const spendList = async () => JSON.parse((await cli('costs', 'list', '--kind', 'spend', '--format', 'json')).out) as { spend: Record<string, string>[] };
const logLength = async () => (JSON.parse((await cli('costs', 'log', '--format', 'json')).out) as { changes: unknown[] }).changes.length;

// Meta Ads: "Amount spent (USD)" names the currency; ad-level rows of one campaign and day add up; the totals row is skipped.
const META = `Campaign name,Ad name,Day,Amount spent (USD),Impressions
Spring Glow,Ad 1,2025-01-05,"1,200.50",10000
Spring Glow,Ad 2,2025-01-05,99.50,800
Winter,Ad 1,2025-01-05,40.00,300
Spring Glow,Ad 1,2025-01-06,300.00,2000
,,,"1,640.00",13100
`;
// Google Ads: a title and a date range above the header; the campaign given as a CRM campaign by name.
const GOOGLE = `Campaign performance report
"January 1, 2025 - January 31, 2025"
Day,Campaign,Currency code,Cost,Clicks
2025-01-05,Golden One,USD,25.00,12
2025-01-06,2,USD,10.25,3
Total: Account,,USD,35.25,15
`;
// TikTok Ads: "By Day", "Campaign name", "Cost", "Currency"; all UTM source tiktok.
const TIKTOK = `By Day,Campaign name,Cost,Currency
2025-01-05,TT Promo,12.34,USD
2025-01-06,TT Promo,0,USD
`;
// Another platform through --map.
const OTHER = `Datum;Kampagne;Ausgaben
2025-01-05;NL-1;5.00
2025-01-07;NL-1;6.00
`;
const RATES = `products:
  - { product: 11, cost: 12.00, fulfilment: 4.50 }
  - { product: 11, cost: 13.00, fulfilment: 4.50, from: 2025-02-01 }
processing:
  - { mid: "*", rate: 2.9%, fixed: 0.25, chargeback: 15.00 }
payouts:
  - { affiliate: A, cycle: 1, cpa: 40.00 }
  - { affiliate: B, subaffiliate: B-sub, cycle: 1, cpa: 25.00 }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-costs-import-'));
  db = join(dir, 'k.duckdb');
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = SECRET;
  const writer = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
  await writer.migrate();
  const c = await writer.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: 'http://x', loginId: 'x', password: 'x', accountName: 'Shop', accountUsername: 'U', timezone: 'America/New_York', frequency: 'daily' });
  await writer.writePages([{ connectionId: c.connectionId, table: 'campaigns', rows: [{ campaign_id: 1, name: 'Golden One' }, { campaign_id: 2, name: 'Golden Two' }] }]);
  await writer.close();
});

afterAll(async () => {
  process.env = env;
  await rm(dir, { recursive: true, force: true });
});

describe('konduit costs import', () => {
  it('reads the ad platforms\' exports and a mapped one, and importing them twice changes nothing', async () => {
    const files = [
      [await file('meta.csv', META), '--as', 'subaffiliate'],
      [await file('google.csv', GOOGLE), '--as', 'campaign'],
      [await file('tiktok.csv', TIKTOK), '--as', 'utm:tiktok'],
      [await file('other.csv', OTHER), '--as', 'affiliate', '--map', 'day=Datum,spend=Ausgaben,source=Kampagne', '--platform', 'newsletter'],
    ];
    const first = [];
    for (const argv of files) {
      const r = await cli('costs', 'import', ...argv);
      expect(r.code, r.err).toBe(0);
      first.push(r.out);
    }
    expect(first[0]).toContain('meta.csv: a Meta Ads export, 4 rows (1 totals row skipped): 3 spend rows (day x source).');
    expect(first[1]).toContain('google.csv: a Google Ads export, 2 rows (1 totals row skipped): 2 spend rows (day x source).');
    expect(first[2]).toContain('tiktok.csv: a TikTok Ads export, 2 rows: 2 spend rows (day x source).');
    // The ad-level rows of Spring Glow on Jan 5 add up: 1200.50 + 99.50; "Golden One" is campaign 1.
    const stored = (await spendList()).spend;
    expect([...stored].sort(byKey)).toEqual([
      { day: '2025-01-05', source: 'affiliate:NL-1', platform: 'newsletter', currency: 'USD', spend: '5.00' },
      { day: '2025-01-05', source: 'campaign:1', platform: 'google', currency: 'USD', spend: '25.00' },
      { day: '2025-01-05', source: 'subaffiliate:Spring Glow', platform: 'meta', currency: 'USD', spend: '1300.00' },
      { day: '2025-01-05', source: 'subaffiliate:Winter', platform: 'meta', currency: 'USD', spend: '40.00' },
      { day: '2025-01-05', source: 'utm:tiktok', platform: 'tiktok', currency: 'USD', spend: '12.34' },
      { day: '2025-01-06', source: 'campaign:2', platform: 'google', currency: 'USD', spend: '10.25' },
      { day: '2025-01-06', source: 'subaffiliate:Spring Glow', platform: 'meta', currency: 'USD', spend: '300.00' },
      { day: '2025-01-06', source: 'utm:tiktok', platform: 'tiktok', currency: 'USD', spend: '0.00' },
      { day: '2025-01-07', source: 'affiliate:NL-1', platform: 'newsletter', currency: 'USD', spend: '6.00' },
    ].sort(byKey));
    const changes = await logLength();
    expect(changes).toBe(9);
    for (const argv of files) {
      const r = await cli('costs', 'import', ...argv);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('Nothing changed.');
    }
    expect((await spendList()).spend).toEqual(stored);
    expect(await logLength()).toBe(changes);
  });

  it('imports a YAML file of rates once: again, nothing changes', async () => {
    const path = await file('rates.yaml', RATES);
    const r = await cli('costs', 'import', path, '--actor', 'ana');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('rates.yaml: YAML');
    expect(r.out).toContain('  products: 2 new, 0 changed, 0 removed, 0 unchanged');
    listedByCli = JSON.parse((await cli('costs', 'list', '--format', 'json')).out) as Record<string, unknown>;
    expect(listedByCli).toEqual({
      connection: 'shop',
      products: [
        { product: '11', campaign: '', currency: 'USD', from: '1970-01-01', cost: '12.00', fulfilment: '4.50' },
        { product: '11', campaign: '', currency: 'USD', from: '2025-02-01', cost: '13.00', fulfilment: '4.50' },
      ],
      processing: [{ mid: '*', currency: 'USD', from: '1970-01-01', rate: '2.9', fixed: '0.25', chargeback: '15.00', refund: '0.00' }],
      payouts: [
        { affiliate: 'A', subaffiliate: '', cycle: '1', currency: 'USD', from: '1970-01-01', cpa: '40.00' },
        { affiliate: 'B', subaffiliate: 'B-sub', cycle: '1', currency: 'USD', from: '1970-01-01', cpa: '25.00' },
      ],
    });
    const before = await logLength();
    const again = await cli('costs', 'import', path, '--actor', 'ana');
    expect(again.out).toContain('Nothing changed.');
    expect(await logLength()).toBe(before);
    const log = JSON.parse((await cli('costs', 'log', '--kind', 'payouts', '--format', 'json')).out) as { changes: { actor: string; via: string; origin: string; before: unknown }[] };
    expect(log.changes.map((c) => [c.actor, c.via, c.origin, c.before])).toEqual([['ana', 'cli', 'rates.yaml', null], ['ana', 'cli', 'rates.yaml', null]]);
  });

  it('refuses a file with a bad row, naming the file, row and column, and imports nothing (exit 1)', async () => {
    const before = { spend: await spendList(), log: await logLength() };
    // Row 3 (the file's line) has an unreadable amount; the good rows around it are not imported either.
    const bad = await file('bad-meta.csv', META.replace('Winter,Ad 1,2025-01-05,40.00', 'Winter,Ad 1,2025-01-05,forty').replace('Spring Glow,Ad 1,2025-01-06,300.00', 'Spring Glow,Ad 1,2025-01-06,310.00'));
    const r = await cli('costs', 'import', bad, '--as', 'subaffiliate');
    expect(r.code).toBe(1);
    expect(r.err).toContain('bad-meta.csv, row 4, column "Amount spent (USD)": "forty" is not valid: expected an amount with at most two decimals');
    expect(r.err).toContain('Nothing was imported.');
    const badDay = await file('bad-spend.csv', 'day,source,spend\n2025-01-05,affiliate:X,1.00\n2025-13-01,affiliate:X,2.00\n');
    const d = await cli('costs', 'import', badDay);
    expect(d.code).toBe(1);
    expect(d.err).toMatch(/bad-spend\.csv, row 3, column "day": "2025-13-01" is not valid/);
    const badYaml = await file('bad.yaml', 'payouts:\n  - { affiliate: C, cpa: 10.00 }\n  - { affiliate: D, cpa: lots }\n');
    const y = await cli('costs', 'import', badYaml);
    expect(y.code).toBe(1);
    expect(y.err).toMatch(/bad\.yaml, row 3, column "cpa": "lots" is not valid/);
    expect(await spendList()).toEqual(before.spend);
    expect(await logLength()).toBe(before.log);
    // An ad platform's export without saying which source its rows are: a usage error (exit 2).
    expect((await cli('costs', 'import', join(dir, 'meta.csv'))).code).toBe(2);
  });
});

describe('the costs API', () => {
  let store: Store;
  let srv: RunningServer;
  let cookie = '';
  let csrf = '';
  beforeAll(async () => {
    store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    srv = await startServer({ store, statePath: null, locksDir: join(dir, 'locks'), port: 0, adminPassword: ADMIN, webRoot: null, schedule: false });
    const login = await fetch(`${srv.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: srv.url }, body: JSON.stringify({ username: 'admin', password: ADMIN }) });
    const cookies = login.headers.getSetCookie().map((x) => x.split(';')[0] as string);
    cookie = cookies.join('; ');
    csrf = (cookies.find((x) => x.startsWith('konduit_csrf=')) ?? '').split('=')[1] ?? '';
  });
  afterAll(async () => {
    await srv?.close();
    await store?.close();
  });
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${srv.url}/api/connections/shop${path}`, {
      method, headers: { cookie, origin: srv.url, 'x-csrf-token': csrf, ...(body === undefined ? {} : { 'content-type': type }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  it('answers the rates and spend as the CLI lists them', async () => {
    const rates = await call('GET', '/costs');
    expect(rates.status).toBe(200);
    // The server holds the DuckDB file, so the CLI's listing was taken before it started.
    expect({ connection: rates.body.connection, products: rates.body.products, processing: rates.body.processing, payouts: rates.body.payouts }).toEqual(listedByCli);
    expect(rates.body.baseCurrency).toBe('USD');
    const spend = await call('GET', '/spend?from=2025-01-06&to=2025-01-06&source=subaffiliate');
    expect(spend.body.spend).toEqual([{ day: '2025-01-06', source: 'subaffiliate:Spring Glow', platform: 'meta', currency: 'USD', spend: '300.00' }]);
  });

  it('puts a rate table whole, and sending it again changes nothing', async () => {
    const current = (await call('GET', '/costs')).body;
    const rows = [...(current.products as Record<string, string>[]).slice(0, 1), { product: '12', cost: '8.00', fulfilment: '3.00', campaign: '2', from: '2025-01-15' }];
    const put = await call('PUT', '/costs/products', { rows });
    expect(put.status).toBe(200);
    expect(put.body.kinds.products).toEqual({ inserted: 1, updated: 0, removed: 1, unchanged: 1 });
    expect(put.body.rebuilt).toBe(true);
    const again = await call('PUT', '/costs/products', { rows });
    expect([again.body.changes, again.body.kinds.products]).toEqual([0, { inserted: 0, updated: 0, removed: 0, unchanged: 2 }]);
    expect(((await call('GET', '/costs')).body.products as unknown[]).length).toBe(2);
  });

  it('adds spend rows; the same rows twice change nothing; a bad row is named and nothing is written', async () => {
    const rows = [{ day: '2025-02-01', source: 'utm:newsletter', spend: '20.00' }, { day: '2025-02-02', source: 'utm:newsletter', spend: 15 }];
    const first = await call('POST', '/spend', { rows });
    expect([first.status, first.body.kinds.spend]).toEqual([200, { inserted: 2, updated: 0, removed: 0, unchanged: 0 }]);
    const second = await call('POST', '/spend', { rows });
    expect([second.body.changes, second.body.kinds.spend]).toEqual([0, { inserted: 0, updated: 0, removed: 0, unchanged: 2 }]);
    const before = (await call('GET', '/spend')).body.spend as unknown[];
    const bad = await call('POST', '/spend', { rows: [{ day: '2025-02-03', source: 'utm:newsletter', spend: '1.00' }, { day: '2025-02-04', source: 'newsletter', spend: '1.00' }] });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('invalid_costs');
    expect(bad.body.error.issues).toEqual([{ row: 2, column: 'source', message: expect.stringContaining('"newsletter" is not valid: expected KIND:VALUE') }]);
    expect((await call('GET', '/spend')).body.spend).toEqual(before);
    const stored = (await call('GET', '/spend?from=2025-02-01&to=2025-02-02')).body.spend;
    expect(stored).toEqual([
      { day: '2025-02-01', source: 'utm:newsletter', platform: 'api', currency: 'USD', spend: '20.00' },
      { day: '2025-02-02', source: 'utm:newsletter', platform: 'api', currency: 'USD', spend: '15.00' },
    ]);
  });

  it('imports a file sent as the body, as the CLI does, and refuses a bad one whole', async () => {
    const first = await call('POST', '/costs/import?as=utm:tiktok&file=tiktok-feb.csv', TIKTOK.replaceAll('2025-01-0', '2025-02-0'), 'text/csv');
    expect([first.status, first.body.layout, first.body.rows, first.body.kinds.spend.inserted]).toEqual([200, 'tiktok', 2, 2]);
    const again = await call('POST', '/costs/import?as=utm:tiktok&file=tiktok-feb.csv', TIKTOK.replaceAll('2025-01-0', '2025-02-0'), 'text/csv');
    expect(again.body.changes).toBe(0);
    const before = (await call('GET', '/spend')).body.spend as unknown[];
    const bad = await call('POST', '/costs/import?as=utm:tiktok&file=tiktok-bad.csv', `${TIKTOK.replaceAll('2025-01-0', '2025-03-0')}2025-03-07,TT Promo,-4,USD\n`, 'text/csv');
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues).toEqual([{ row: 4, column: 'Cost', message: expect.stringContaining('"-4" is not valid: expected an amount of zero or more') }]);
    expect((await call('GET', '/spend')).body.spend).toEqual(before);
    const yaml = await call('POST', '/costs/import', 'payouts:\n  - { affiliate: C, cpa: 10.00 }\n', 'application/yaml');
    expect([yaml.status, yaml.body.layout, yaml.body.kinds.payouts.inserted]).toEqual([200, 'yaml', 1]);
  });

  it('keeps who changed what, through which door', async () => {
    const log = await call('GET', '/costs/log?limit=3');
    expect(log.body.changes.map((c: Record<string, unknown>) => [c.actor, c.via, c.origin, c.kind])).toEqual([
      ['admin', 'web', 'upload.yaml', 'payouts'], ['admin', 'web', 'tiktok-feb.csv', 'spend'], ['admin', 'web', 'tiktok-feb.csv', 'spend'],
    ]);
    // A script with an API token: recorded as the token, through the API.
    const created = await fetch(`${srv.url}/api/tokens`, { method: 'POST', headers: { cookie, origin: srv.url, 'x-csrf-token': csrf, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ads-sync' }) });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const res = await fetch(`${srv.url}/api/connections/shop/spend`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [{ day: '2025-02-09', source: 'utm:newsletter', spend: '3.00' }] }),
    });
    expect(res.status).toBe(200);
    const latest = (await call('GET', '/costs/log?limit=1')).body.changes[0];
    expect([latest.actor, latest.via, latest.origin, latest.after]).toEqual(['token ads-sync', 'api', 'POST spend', { spend: '3.00' }]);
    expect((await call('GET', '/costs/log?kind=colour')).status).toBe(400);
    expect((await call('PUT', '/costs/spendings', { rows: [] })).status).toBe(404);
  });
});
