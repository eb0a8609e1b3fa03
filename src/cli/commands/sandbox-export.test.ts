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
    const files = (await readdir(join(dir, 'a'))).sort();
    expect(files).toEqual(['campaigns.csv', 'customers.csv', 'orders.csv', 'products.csv', 'purchases.csv', 'transactions.csv']);
    for (const f of files) expect(await readFile(join(dir, 'b', f), 'utf8')).toBe(await readFile(join(dir, 'a', f), 'utf8'));
    expect((await readFile(join(dir, 'a', 'transactions.csv'), 'utf8')).split('\n')[0]).toMatch(/^transactionId,dateCreated,dateUpdated,txnType,responseType/);
  });

  it('refuses a missing --out and a bad time zone as usage errors', async () => {
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['--out', '/tmp/x', '--timezone', 'Mars/Olympus'])).rejects.toBeInstanceOf(UsageError);
  });
});
