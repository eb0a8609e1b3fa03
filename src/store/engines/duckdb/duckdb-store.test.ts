import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../secrets.js';
import { rowSetContract } from '../../../../test/contracts/row-set.contract.js';
import { storeContract } from '../../../../test/contracts/store.contract.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { sqlLiteral } from '../../driver.js';
import { DuckDriver, inlineParams, openDuckDbStore } from './duckdb-store.js';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-duckdb-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

storeContract('duckdb', (options) => openDuckDbStore(join(dir, `t${++n}.duckdb`), options));

rowSetContract('duckdb', async () => {
  const instance = await DuckDBInstance.create(':memory:');
  return new DuckDriver(instance, await instance.connect(), 2);
});

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
    await expect(c.getConnection('x')).rejects.toThrow(/cannot decrypt the stored CRM password of "x"/);
    // Listed without the password, with the state of its credentials; a new password mends it.
    expect(await c.connectionInfo('x')).toMatchObject({ name: 'x', credentials: 'undecryptable' });
    expect(await c.updateConnection('x', { password: 'p2' })).toMatchObject({ credentials: 'ok' });
    expect((await c.getConnection('x'))?.password).toBe('p2');
    await c.close();
  });
});

describe('statements queued inside a write transaction', () => {
  it('inline their parameters as literals: strings quoted, $10 not read as $1', () => {
    expect(sqlLiteral("O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral(null)).toBe('NULL');
    expect(sqlLiteral(true)).toBe('TRUE');
    expect(sqlLiteral(-12.5)).toBe('-12.5');
    expect(() => sqlLiteral(Number.NaN)).toThrow(/finite/);
    expect(() => sqlLiteral('a\0b')).toThrow(/NUL/);
    const ten = Array.from({ length: 10 }, (_, i) => i + 1);
    expect(inlineParams('SELECT $1, $10, $2', ten)).toBe('SELECT 1, 10, 2');
    expect(() => inlineParams('SELECT $3', [1, 2])).toThrow(/\$3/);
  });

  it('run in order with the transaction, values holding quotes stored as given (never run as SQL)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const driver = new DuckDriver(instance, conn, 2);
    const evil = "x'); DROP TABLE q; --";
    const rows = await driver.transaction(async () => {
      await driver.exec('CREATE TABLE q (s VARCHAR, n BIGINT)');
      await driver.exec('INSERT INTO q VALUES ($1, $2)', [evil, 1]);
      await driver.exec('INSERT INTO q VALUES ($1, $2)', ["it's", 2]);
      return driver.query('SELECT s, n FROM q WHERE s = $1 OR n = $2 ORDER BY n', [evil, 2]);
    });
    expect(rows).toEqual([{ s: evil, n: 1 }, { s: "it's", n: 2 }]);
    // A failing queued statement fails the transaction at its COMMIT, and nothing of it stays.
    await expect(
      driver.transaction(async () => {
        await driver.exec('INSERT INTO q VALUES ($1, $2)', ['kept?', 3]);
        await driver.exec('INSERT INTO q VALUES ($1, $2)', ['bad', 'not a number']);
      }),
    ).rejects.toThrow();
    expect(await driver.query('SELECT COUNT(*) AS n FROM q')).toEqual([{ n: 2 }]);
    await driver.close();
  });

  it('run a serial batch on one thread, keep it for the next batch, and give reads every thread back', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    await conn.run('SET threads = 3');
    const driver = new DuckDriver(instance, conn, 3);
    const threads = async () => Number((await conn.runAndReadAll("SELECT current_setting('threads') AS n")).getRowObjectsJS()[0]?.n);
    const seen: string[] = [];
    const run = conn.run.bind(conn);
    conn.run = (sql, values) => {
      seen.push(...sql.split(';\n').filter((s) => s.startsWith('SET threads')));
      return run(sql, values);
    };
    const inside = () => driver.query("SELECT current_setting('threads') AS n").then((r) => Number(r[0]?.n));
    expect(await driver.transaction(inside, { serial: true })).toBe(1);
    expect(await driver.transaction(inside, { serial: true })).toBe(1);
    // One SET for both batches: the second finds one thread set already.
    expect(seen).toEqual(['SET threads = 1']);
    expect(await threads()).toBe(1);
    // A statement outside a serial transaction restores every thread first, as does a plain transaction.
    expect(await driver.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await threads()).toBe(3);
    expect(await driver.transaction(inside, { serial: true })).toBe(1);
    expect(await driver.transaction(inside)).toBe(3);
    // After a failed serial transaction the count is set again, whatever the failure left.
    await expect(driver.transaction(() => driver.query('SELECT * FROM missing'), { serial: true })).rejects.toThrow(/missing/);
    expect(await driver.transaction(inside)).toBe(3);
    await driver.close();
  });
});
