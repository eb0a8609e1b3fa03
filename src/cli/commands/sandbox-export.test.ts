import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { run } from './sandbox-export.js';

describe('konduit sandbox export', () => {
  let dir = '';
  afterEach(async () => {
    vi.restoreAllMocks();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes one CSV per table, the same bytes for the same options', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    dir = await mkdtemp(join(tmpdir(), 'konduit-sbx-export-'));
    const args = ['--seed', 'cli', '--customers', '50', '--start', '2026-09-01', '--now', '2026-11-21 12:00:00'];
    expect(await run([...args, '--out', join(dir, 'a')])).toBe(0);
    expect(await run([...args, '--out', join(dir, 'b')])).toBe(0);
    const files = (await readdir(join(dir, 'a'), { recursive: true })).sort();
    expect(files).toEqual(['campaigns.csv', 'coupons.csv', 'customers.csv', 'orders.csv', 'products.csv', 'purchases.csv', 'transactions.csv', 'truth', 'truth/customers.csv', 'truth/orders.csv', 'truth/purchases.csv', 'truth/transactions.csv']);
    for (const f of files.filter((x) => x.endsWith('.csv'))) expect(await readFile(join(dir, 'b', f), 'utf8')).toBe(await readFile(join(dir, 'a', f), 'utf8'));
    // The truth carries what the real rows leave out: the product, the purchase, the ISO currency code.
    expect((await readFile(join(dir, 'a', 'transactions.csv'), 'utf8')).split('\n')[0]).not.toMatch(/productId|purchaseId|currencyCode/);
    expect((await readFile(join(dir, 'a', 'truth/transactions.csv'), 'utf8')).split('\n')[0]).toMatch(/currencyCode.*purchaseId.*productId.*campaignProductId.*servedOddity/);
    expect((await readFile(join(dir, 'a', 'transactions.csv'), 'utf8')).split('\n')[0]).toMatch(/^transactionId,dateCreated,dateUpdated,txnType,responseType/);
  });

  it('refuses a missing --out, a bad time zone, profile or currency as usage errors', async () => {
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--out', '/tmp/x', '--timezone', 'Mars/Olympus'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--out', '/tmp/x', '--profile', 'fancy'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--out', '/tmp/x', '--currencies', 'USD,XYZ'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--out', '/tmp/x', '--odd-rate', '2'])).rejects.toBeInstanceOf(UsageError);
  });

  it('writes the rich profile when asked: the ids on the served transactions, the same rows as the truth', async () => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    dir = await mkdtemp(join(tmpdir(), 'konduit-sbx-export-'));
    expect(await run(['--seed', 'cli', '--customers', '30', '--start', '2026-10-01', '--now', '2026-11-21 12:00:00', '--profile', 'rich', '--out', dir])).toBe(0);
    const served = await readFile(join(dir, 'transactions.csv'), 'utf8');
    expect(served.split('\n')[0]).toMatch(/currencyCode,currencySymbol.*purchaseId.*productId,campaignProductId,productName/);
    expect(await readFile(join(dir, 'truth/transactions.csv'), 'utf8')).toContain(served.split('\n')[1]!);
  });
});
