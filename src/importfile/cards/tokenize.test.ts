import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticTransactions } from '../testkit/synthetic-files.js';
import { TokenMap, cardFingerprint, detokenizeFile, maskCardForFile, readRecipientKey, tokenizeFile, VaultSource } from './tokenize.js';
import { validateImportFiles } from '../validate/validate.js';
import { CardVault } from './vault.js';
import { cellOf, readTable } from '../read/table.js';

const FAST = { N: 2 ** 10, r: 8, p: 1 };
const fullCards = (text: string) => [...text.matchAll(/(?<![\dA-Za-z])\d{13,19}(?!\d)/g)].map((m) => m[0]);

let dir: string;
let input: string;
const cards = new Set<string>();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-tok-'));
  input = join(dir, 'transactions.csv');
  await writeFile(input, [...new SyntheticTransactions({ rows: 500, today: '2026-11-01', seed: 9 }).chunks()].join(''));
  for await (const rec of readTable(input)) {
    const c = cellOf(rec, 'cardNumber');
    if (/^\d+$/.test(c)) cards.add(c);
  }
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('tokenize', () => {
  it('masks as seed 002 allows', () => {
    expect(maskCardForFile('4111111111111111')).toBe('411111xxxxxx1111');
  });

  it('with a gateway token map (card numbers or fingerprints): tokens in externalToken, cards masked, file valid', async () => {
    const list = [...cards];
    const half = Math.floor(list.length / 2);
    const mapCsv = ['"cardNumber","fingerprint","token"', ...list.map((c, i) => (i < half ? `"${c}","","gw_${i}"` : `"","${cardFingerprint(c)}","gw_${i}"`))].join('\n');
    await writeFile(join(dir, 'map.csv'), mapCsv);
    const map = await TokenMap.read(join(dir, 'map.csv'));
    expect(map.size).toBe(list.length);
    const out = join(dir, 'tok-map.csv');
    const r = await tokenizeFile(input, out, map);
    expect(r.missing).toEqual([]);
    expect(r.tokenized).toBeGreaterThan(100);
    const text = await readFile(out, 'utf8');
    expect(fullCards(text).filter((c) => cards.has(c))).toEqual([]);
    const first = list[0] as string;
    for await (const rec of readTable(out)) {
      if (cellOf(rec, 'externalToken') === 'gw_0') expect(cellOf(rec, 'cardNumber')).toBe(maskCardForFile(first));
    }
    expect((await validateImportFiles({ transactions: out }, { today: '2026-11-01' })).valid).toBe(true);
  });

  it('writes nothing when a card has no token, naming the rows with masked numbers only', async () => {
    const map = new TokenMap();
    const out = join(dir, 'tok-missing.csv');
    const r = await tokenizeFile(input, out, map);
    expect(r.missing.length).toBeGreaterThan(0);
    expect(JSON.stringify(r.missing)).toMatch(/^\[\{"row":\d+,"card":"\d{6}\*+\d{4}"/);
    expect(fullCards(JSON.stringify(r.missing))).toEqual([]);
    expect((await readdir(dir)).filter((f) => f.includes('tok-missing'))).toEqual([]);
  });

  it('with the vault, then detokenize into an OpenPGP file only the recipient can read, restoring every number', async () => {
    const vault = await CardVault.create(join(dir, 'cards.vault'), 'correct horse battery', FAST);
    const out = join(dir, 'tok-vault.csv');
    const r = await tokenizeFile(input, out, new VaultSource(vault));
    await vault.save();
    expect(r.missing).toEqual([]);
    expect(vault.size).toBe(cards.size);
    const tokenized = await readFile(out, 'utf8');
    expect(fullCards(tokenized).filter((c) => cards.has(c))).toEqual([]);
    expect(fullCards(await readFile(join(dir, 'cards.vault'), 'utf8')).filter((c) => cards.has(c))).toEqual([]);
    expect((await validateImportFiles({ transactions: out }, { today: '2026-11-01' })).valid).toBe(true);

    const { privateKey, publicKey } = await openpgp.generateKey({ type: 'curve25519', userIDs: [{ email: 'crm@example.com' }], format: 'armored' });
    const reopened = await CardVault.open(join(dir, 'cards.vault'), 'correct horse battery');
    const enc = join(dir, 'detok.csv.pgp');
    const d = await detokenizeFile(out, enc, reopened, await readRecipientKey(Buffer.from(publicKey)));
    expect(d.rows).toBe(500);
    const encrypted = await readFile(enc);
    expect(fullCards(encrypted.toString('latin1')).filter((c) => cards.has(c))).toEqual([]);
    const msg = await openpgp.readMessage({ binaryMessage: encrypted });
    const { data } = await openpgp.decrypt({ message: msg, decryptionKeys: await openpgp.readPrivateKey({ armoredKey: privateKey }), format: 'binary' });
    const plain = Buffer.from(data as Uint8Array).toString('utf8');
    const orig = await readFile(input, 'utf8');
    // Every full number of the original is back, in the same rows; vault tokens are cleared.
    expect(new Set(fullCards(plain).filter((c) => cards.has(c)))).toEqual(cards);
    expect(plain).not.toMatch(/kdt_/);
    expect(plain.split('\r\n').length).toBe(orig.split('\r\n').length);
  });
});
