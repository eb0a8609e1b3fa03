import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticTransactions } from '../testkit/synthetic-files.js';
import { notesCsv, transactionsCsv, validTransaction } from '../testkit/test-rows.js';
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
  it('masks as the CRM\'s legacy import spec allows', () => {
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

describe('card numbers outside cardNumber, and damaged card numbers (issue 16 finding 11, issue 17)', () => {
  const STRAY = '4012888888881881';
  const rows = [
    validTransaction({ merchantTxnId: 'T1' }),
    validTransaction({ merchantTxnId: 'T2', address2: `card ${STRAY.replace(/(\d{4})(?=\d)/g, '$1 ')} 3/29` }),
    validTransaction({ merchantTxnId: 'T3', shipMethod: `cc${STRAY}` }),
  ];
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };

  it('the review\'s attack: a card in free text is refused, row and column named, nothing written; the validator flags it too', async () => {
    const input = await write('stray.csv', transactionsCsv(rows));
    const out = join(dir, 'stray.tok.csv');
    const r = await tokenizeFile(input, out, new TokenMap());
    expect(r.stray.map((s) => [s.row, s.column, s.card])).toEqual([[3, 'address2', '401288******1881'], [4, 'shipMethod', '401288******1881']]);
    expect((await readdir(dir)).filter((f) => f.startsWith('stray.tok'))).toEqual([]);
    const report = await validateImportFiles({ transactions: input }, { today: '2026-01-15' });
    expect(report.valid).toBe(false);
    expect(report.issues.filter((i) => i.code === 'card_in_other_column').map((i) => [i.row, i.column, i.value])).toEqual([[3, 'address2', '401288******1881'], [4, 'shipMethod', '401288******1881']]);
    expect(JSON.stringify(report)).not.toContain(STRAY);
  });

  it('with maskStrayCards they are masked in place; the output holds no card in clear and validates', async () => {
    const input = await write('stray2.csv', transactionsCsv(rows));
    const out = join(dir, 'stray2.tok.csv');
    const map = new TokenMap();
    map.addCard('4111111111111111', 'gw_1');
    const r = await tokenizeFile(input, out, map, { maskStrayCards: true });
    expect(r.counts).toEqual({ missing: 0, damaged: 0, stray: 0, strayMasked: 2 });
    const text = await readFile(out, 'utf8');
    expect(text).toContain('"card 401288xxxxxx1881 3/29"');
    expect(text).toContain('"cc401288xxxxxx1881"');
    expect(fullCards(text)).toEqual([]);
    expect((await validateImportFiles({ transactions: out }, { today: '2026-01-15' })).valid).toBe(true);
  });

  it('a notes file (no cardNumber column) is searched the same way', async () => {
    const input = await write('notes.csv', notesCsv([{ customerId: 'C1', dateCreated: '2025-03-10 14:05:00', agentName: 'Kim', noteText: `customer read out 5555-5555-5555-4444 on the phone` }]));
    const r = await tokenizeFile(input, join(dir, 'notes.tok.csv'), new TokenMap());
    expect(r.stray.map((s) => [s.row, s.column])).toEqual([[2, 'noteText']]);
  });

  it('refuses damaged cards, naming each row and what damaged it; nothing written', async () => {
    const damaged = [
      validTransaction({ merchantTxnId: 'D1', cardNumber: '4.11111E+15' }),
      validTransaction({ merchantTxnId: 'D2', cardNumber: '4111111111111110' }),
      validTransaction({ merchantTxnId: 'D3', cardNumber: '4111111111111112' }),
      validTransaction({ merchantTxnId: 'OK' }),
    ];
    const input = await write('damaged.csv', transactionsCsv(damaged));
    const map = new TokenMap();
    map.addCard('4111111111111111', 'gw_1');
    const r = await tokenizeFile(input, join(dir, 'damaged.tok.csv'), map);
    expect(r.damaged.map((d) => [d.row, d.card, d.problem])).toEqual([
      [2, '4.11111E+15', 'cardNumber was damaged by a spreadsheet: it is in scientific notation'],
      [3, '411111******1110', 'cardNumber was damaged by a spreadsheet: cut to 15 significant digits and padded with zeros'],
      [4, '411111******1112', 'cardNumber fails the Luhn check'],
    ]);
    expect((await readdir(dir)).filter((f) => f.startsWith('damaged.tok'))).toEqual([]);
  });
});
