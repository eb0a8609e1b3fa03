/**
 * The CRM's ids through its API (issue 17, item 4): `konduit crm ids` against the sandbox lists every
 * campaign with its campaign products (one-time or recurring) and the MIDs; `import validate
 * --connection` checks a file's ids against them; `import build --init --connection` lists them in the
 * template.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../sandbox/index.js';
import { transactionsCsv, validTransaction } from '../../importfile/testkit/test-rows.js';
import { runCli } from '../../../test/cli.js';
import { sandboxWithConnection, setEnv } from '../../../test/migration-env.js';

let dir: string;
let sb: Sandbox;
let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-crm-ids-'));
  restoreEnv = setEnv({ KONDUIT_SECRET: 'crm ids test secret', KONDUIT_HOME: join(dir, 'home') });
  sb = await sandboxWithConnection(join(dir, 'k.duckdb'), 'shop', 'ids');
}, 60_000);

afterAll(async () => {
  await sb.close();
  restoreEnv?.();
  await rm(dir, { recursive: true, force: true });
});

describe('konduit crm ids', () => {
  it('lists campaigns with their campaign products, one-time or recurring, and the MIDs, from the API', async () => {
    const r = await runCli(['crm', 'ids', '--connection', 'shop', '--db', join(dir, 'k.duckdb'), '--days', '60', '--out', join(dir, 'ids.json')]);
    expect(r.code, r.all).toBe(0);
    expect(r.out).toContain('campaignId 1  Glow Serum Store');
    expect(r.out).toMatch(/productId 15201\s+ONE_TIME\s+Glow Serum 30ml \(base product 1001\)/);
    expect(r.out).toMatch(/productId 15202\s+RECURRING\s+Glow Serum 30ml/);
    expect(r.out).toMatch(/merchantId 3\s+Northwind Payments 01 {2}\(GLOWLAB\*SERUM\)/);
    const ids = JSON.parse(await readFile(join(dir, 'ids.json'), 'utf8')) as { campaigns: { campaignId: number; products: unknown[] }[]; mids: { merchantId: number }[] };
    expect(ids.campaigns.map((c) => [c.campaignId, c.products.length])).toEqual([[1, 5], [2, 4], [3, 5]]);
    expect(ids.mids.map((m) => m.merchantId)).toEqual([3, 4, 7, 9]);
  });

  it('import validate --connection checks every id of the file against them', async () => {
    const file = join(dir, 't.csv');
    await writeFile(file, transactionsCsv([
      validTransaction({ merchantTxnId: 'T1', campaignId: '1', productId: '15202', merchantId: '3', isActiveRecurring: '1', nextBillDate: '2026-12-20' }),
      validTransaction({ merchantTxnId: 'T2', campaignId: '1', productId: '1001', merchantId: '3' }),
      validTransaction({ merchantTxnId: 'T3', campaignId: '1', productId: '15201', merchantId: '3', isActiveRecurring: '1', nextBillDate: '2026-12-20' }),
      validTransaction({ merchantTxnId: 'T4', campaignId: '8', productId: '15201', merchantId: '42' }),
    ]));
    const r = await runCli(['import', 'validate', '--transactions', file, '--today', '2026-11-21', '--connection', 'shop', '--db', join(dir, 'k.duckdb'), '--format', 'json']);
    expect(r.code).toBe(1);
    const issues = (JSON.parse(r.out) as { issues: { code: string; row: number; message: string }[] }).issues.filter((i) => i.code.startsWith('unknown_') || i.code.startsWith('active_subscription_on'));
    expect(issues.map((i) => [i.row, i.code])).toEqual([[3, 'unknown_campaign_product'], [4, 'active_subscription_on_one_time_product'], [5, 'unknown_campaign_id'], [5, 'unknown_merchant_id']]);
    expect(issues[0]!.message).toBe('productId 1001 is not a campaign product of campaign 1: it is the base product id of campaign products 15201, 15202');
  });

  it('import build --init --connection lists them in the template', async () => {
    await writeFile(join(dir, 'export.csv'), 'Customer ID,Email,Plan\r\nC1,a@example.com,Gold\r\n');
    const r = await runCli(['import', 'build', '--init', join(dir, 'export.csv'), '--out', join(dir, 'mapping.yaml'), '--connection', 'shop', '--db', join(dir, 'k.duckdb')]);
    expect(r.code, r.all).toBe(0);
    const t = await readFile(join(dir, 'mapping.yaml'), 'utf8');
    expect(t).toContain('#   campaign 1 "Glow Serum Store":');
    expect(t).toContain('#     productId 15202: Glow Serum 30ml (RECURRING)');
    expect(t).toContain('#   merchantId 3: Northwind Payments 01 (GLOWLAB*SERUM)');
    expect(t).toContain('"Gold": { campaignId: "", productId: "" }  # REVIEW');
  });
});
