/**
 * Accounts kept apart (docs/metrics.md, "Accounts"), on both engines: two sandbox merchants whose ids
 * collide (both number campaigns, products and MIDs the same way), synced into one store. Grouped by
 * campaign, product, affiliate or MID, every group of the two together equals that account's own figure
 * (the same report of its connection alone) and carries its own name; cohorts, retention and MID health
 * follow; filters by id, by CONNECTION:ID and by name select what they say.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmClient } from '../crm/client.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import type { ConnectionSummary, Store } from '../store/store.js';
import { runSync } from '../sync/run.js';
import { openTestStore } from '../../test/stores.js';
import type { GroupJson, ReportJson } from './json.js';
import { parseReportQuery, ReportQueryError, type ReportName } from './query.js';
import { listValues, runReport } from './run.js';

const RANGE = { from: '2025-01-01', to: '2025-04-30', tz: 'America/New_York' };
const OPTS = { customers: 150, start: '2025-01-01', now: '2025-05-05 12:00:00', profile: 'rich' } as const;

describe.each(['duckdb', 'postgres'] as const)('two accounts with the same ids in one store, on %s', (engine) => {
  const sandboxes: Record<'a' | 'b', Sandbox | undefined> = { a: undefined, b: undefined };
  let store: Store;
  let dispose: () => Promise<void>;
  let connections: ConnectionSummary[];
  const cid = (name: string) => connections.find((c) => c.name === name)?.connectionId ?? '';

  beforeAll(async () => {
    ({ store, dispose } = await openTestStore(engine, 'accounts'));
    for (const seed of ['a', 'b'] as const) {
      const sb = (sandboxes[seed] = await startSandbox({ seed, ...OPTS }));
      const c = await store.saveConnection({ name: `acct-${seed}`, brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: seed, accountUsername: 'U', timezone: sb.timezone, frequency: 'daily' });
      const client = new CrmClient({ baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, concurrency: 4, requestsPerSecond: 0, baseDelayMs: 5, maxDelayMs: 50, maxAttempts: 12 });
      await runSync({ store, source: client, connectionId: c.connectionId, timezone: sb.timezone, concurrency: 4, today: OPTS.now.slice(0, 10), mode: { kind: 'backfill', from: OPTS.start, to: OPTS.now.slice(0, 10) } });
    }
    connections = await store.listConnections();
    // The two merchants share a catalog; B's campaigns and products are renamed so that a name shown for
    // the wrong account would be seen.
    const b = sandboxes.b?.merchant;
    await store.writePages([
      { connectionId: cid('acct-b'), table: 'campaigns', rows: (b?.campaigns ?? []).map((x) => ({ campaign_id: x.campaignId, name: `B ${x.name}` })) },
      { connectionId: cid('acct-b'), table: 'products', rows: (b?.products ?? []).map((x) => ({ product_id: x.productId, name: `B ${x.name}` })) },
    ]);
  }, 120_000);
  afterAll(async () => {
    await dispose();
    await sandboxes.a?.close();
    await sandboxes.b?.close();
  });

  const report = async <N extends ReportName>(name: N, params: Record<string, string | string[]>): Promise<ReportJson[N]> =>
    (await runReport(store, parseReportQuery(name, { ...RANGE, ...params }, { surface: 'api', connections, defaultTz: 'UTC' }))).body as ReportJson[N];
  /** The name each account stored for a campaign or product id (B's renamed above). */
  const storedName = (dim: 'campaign' | 'product', seed: 'a' | 'b', id: string) => {
    const m = sandboxes[seed]?.merchant;
    const name = dim === 'campaign' ? m?.campaigns.find((c) => String(c.campaignId) === id)?.name : m?.products.find((p) => String(p.productId) === id)?.name;
    return name === undefined ? null : seed === 'b' ? `B ${name}` : name;
  };
  const strip = (g: GroupJson) => ({ connection: g.connection, id: g.id, name: g.name });

  it.each(['campaign', 'product', 'affiliate', 'mid'] as const)('grouped by %s: each group is one account\'s own figure, with its name', async (dim) => {
    const both = await report('summary', { groupBy: dim });
    for (const seed of ['a', 'b'] as const) {
      const own = await report('summary', { groupBy: dim, connection: `acct-${seed}` });
      const mine = both.groups.filter((g) => g.connection === `acct-${seed}`);
      expect(mine.map(strip)).toEqual(own.groups.map(strip));
      expect(mine.map((g) => g.figures)).toEqual(own.groups.map((g) => g.figures));
      for (const g of mine) {
        expect(g.group).toBe(`acct-${seed}:${g.id ?? '(none)'}`);
        if (dim === 'campaign' || dim === 'product') expect(g.name, `${seed} ${dim} ${g.id}`).toBe(storedName(dim, seed, g.id ?? ''));
        if (dim === 'affiliate') expect(g.name).toBe(g.id);
        if (dim === 'mid') expect(g.name).toBe(sandboxes[seed]?.merchant.mids.find((x) => String(x.merchantId) === g.id)?.name);
      }
    }
    // The ids do collide, and the two accounts' groups of one id differ.
    const ids = (seed: string) => new Set(both.groups.filter((g) => g.connection === `acct-${seed}` && g.id !== null).map((g) => g.id));
    const shared = [...ids('a')].filter((id) => ids('b').has(id));
    expect(shared.length).toBeGreaterThan(0);
    const gross = (seed: string, id: string | null | undefined) => both.groups.find((g) => g.connection === `acct-${seed}` && g.id === id)?.figures.grossRevenue.current;
    expect(shared.some((id) => gross('a', id) !== gross('b', id))).toBe(true);
    expect(both.groups.length).toBe(ids('a').size + ids('b').size + both.groups.filter((g) => g.id === null).length);
  });

  it('cohorts, triangle, retention and series grouped, and MID health, follow the accounts', async () => {
    const cases: [ReportName, Record<string, string>][] = [
      ['cohorts', { groupBy: 'campaign', asOf: '2025-05-05' }],
      ['triangle', { groupBy: 'product', asOf: '2025-05-05' }],
      ['retention', { groupBy: 'campaign' }],
      ['series', { groupBy: 'mid', by: 'month' }],
      ['mids', {}],
      ['declines', {}],
      ['chargebacks', { by: 'mid' }],
    ];
    for (const [name, params] of cases) {
      const both = await report(name, params);
      const rows = (b: unknown) => {
        const x = b as { cohorts?: { connection: string | null }[]; rows?: { connection: string | null }[]; points?: { connection: string | null }[]; byMid?: { connection: string | null }[] };
        return x.cohorts ?? x.byMid ?? x.rows ?? x.points ?? [];
      };
      expect(rows(both).length, name).toBeGreaterThan(0);
      for (const seed of ['a', 'b'] as const) {
        const own = rows(await report(name, { ...params, connection: `acct-${seed}` }));
        expect(rows(both).filter((r) => r.connection === `acct-${seed}`), `${name} ${JSON.stringify(params)} ${seed}`).toEqual(own);
      }
    }
    // MID 3 of each account is its own row, named, with its connection.
    const mids = await report('mids', {});
    const march = mids.rows.filter((r) => r.mid === '3' && r.month === '2025-03');
    expect(march.map((r) => [r.key, r.connection, r.name])).toEqual([['acct-a:3', 'acct-a', 'Northwind Payments 01'], ['acct-b:3', 'acct-b', 'Northwind Payments 01']]);
  });

  it('filters by id in every account, by CONNECTION:ID, and by name (every account\'s value of that name)', async () => {
    const gross = async (params: Record<string, string | string[]>) => Number((await report('summary', params)).total.grossRevenue.current);
    const [a1, b1] = [await gross({ filter: 'campaign:1', connection: 'acct-a' }), await gross({ filter: 'campaign:1', connection: 'acct-b' })];
    expect(a1).toBeGreaterThan(0);
    expect(b1).toBeGreaterThan(0);
    expect(await gross({ filter: 'campaign:1' })).toBeCloseTo(a1 + b1, 2);
    expect(await gross({ filter: 'campaign:acct-a:1' })).toBe(a1);
    const nameOf1 = storedName('campaign', 'a', '1') ?? '';
    expect(await gross({ filter: `campaign:${nameOf1}` })).toBe(a1);
    expect(await gross({ filter: `campaign:${nameOf1.toUpperCase()}` })).toBe(a1);
    expect(await gross({ filter: `campaign:B ${nameOf1}` })).toBe(b1);
    // The same MID name in both accounts: both MIDs.
    expect(await gross({ filter: 'mid:Northwind Payments 01' })).toBe(await gross({ filter: 'mid:3' }));
    expect(await gross({ filter: 'mid:acct-b:GLOWLAB*SERUM' })).toBe(await gross({ filter: 'mid:3', connection: 'acct-b' }));
    // No such name: the close ones are listed, with their accounts.
    const err = await report('summary', { filter: `campaign:${nameOf1.slice(0, -1)}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReportQueryError);
    expect((err as ReportQueryError).code).toBe('unknown_value');
    expect((err as ReportQueryError).message).toBe(`filter "campaign:${nameOf1.slice(0, -1)}": no campaign has that id or name; close: "${nameOf1}" (acct-a:1), "B ${nameOf1}" (acct-b:1)`);
  });

  it('lists a dimension\'s values with their names per account, searchable', async () => {
    const all = await listValues(store, { dimension: 'campaign', connectionIds: null });
    const campaigns = (seed: 'a' | 'b') => [...new Set(sandboxes[seed]?.merchant.orders.map((o) => o.campaign.campaignId))];
    expect(all.values.length).toBe(campaigns('a').length + campaigns('b').length);
    expect(all.values.find((v) => v.value === 'acct-b:1')).toEqual({ value: 'acct-b:1', connection: 'acct-b', id: '1', name: storedName('campaign', 'b', '1') });
    const found = await listValues(store, { dimension: 'product', connectionIds: [cid('acct-b')], search: 'b glow' });
    expect(found.values.length).toBeGreaterThan(0);
    expect(found.values.every((v) => v.connection === 'acct-b' && v.name?.toLowerCase().includes('b glow'))).toBe(true);
    const limited = await listValues(store, { dimension: 'subaffiliate', connectionIds: null, limit: 2 });
    expect([limited.values.length, limited.truncated]).toEqual([2, true]);
  });
});
