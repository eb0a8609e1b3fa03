import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../secrets.js';
import { storeContract } from '../../store.contract.js';
import { openDuckDbStore } from './duckdb-store.js';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-duckdb-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

storeContract('duckdb', (options) => openDuckDbStore(join(dir, `t${++n}.duckdb`), options));

describe('duckdb file store', () => {
  it('reopens a file with its data, and refuses to open a password with another key', async () => {
    const path = join(dir, 'reopen.duckdb');
    const key = generateKey();
    const a = await openDuckDbStore(path, { secretKey: key });
    await a.migrate();
    await a.saveConnection({
      name: 'x', brand: 'checkoutchamp', baseUrl: 'https://api.checkoutchamp.com', loginId: 'u', password: 'p',
      accountName: 'A', accountUsername: 'U', timezone: 'UTC', frequency: 'hourly',
    });
    await a.close();
    const b = await openDuckDbStore(path, { secretKey: key });
    expect((await b.getConnection('x'))?.password).toBe('p');
    await b.close();
    const c = await openDuckDbStore(path, { secretKey: generateKey() });
    await expect(c.getConnection('x')).rejects.toThrow(/cannot decrypt/);
    await c.close();
  });
});
