/** konduit import tokenize refuses to leave a card number in clear: damaged ones, and ones in other columns. */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionsCsv, validTransaction } from '../../importfile/testkit/test-rows.js';
import { runCli } from '../../../test/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-tok-cli-'));
  process.env.KONDUIT_VAULT_PASSPHRASE = 'a passphrase for the vault';
});
afterAll(async () => {
  delete process.env.KONDUIT_VAULT_PASSPHRASE;
  await rm(dir, { recursive: true, force: true });
});

const tokenize = (input: string, ...more: string[]) => runCli(['import', 'tokenize', input, '--out', join(dir, 'out.csv'), '--vault', join(dir, 'v.vault'), ...more]);

describe('konduit import tokenize', () => {
  it('exits 1 on damaged card numbers, naming each row and its damage; nothing written', async () => {
    const input = join(dir, 'damaged.csv');
    await writeFile(input, transactionsCsv([validTransaction(), ...['4.11111E+15', '5.55556E+15', '4111111111111110'].map((c, i) => validTransaction({ merchantTxnId: `D${i}`, cardNumber: c }))]));
    const r = await tokenize(input);
    expect(r.code).toBe(1);
    expect(r.out).toContain('3 card numbers are damaged and cannot be tokenized');
    expect(r.out).toContain('row 3: 4.11111E+15: cardNumber was damaged by a spreadsheet: it is in scientific notation');
    expect(r.out).toContain('row 4: 5.55556E+15');
    expect(r.out).toContain('row 5: 411111******1110');
    expect(r.out).not.toMatch(/ tokenized .* -> /);
    expect(await readdir(dir)).not.toContain('out.csv');
  });

  it('exits 1 on a card number in another column, naming the way out; --mask-stray-cards masks it and exits 0', async () => {
    const input = join(dir, 'stray.csv');
    await writeFile(input, transactionsCsv([validTransaction({ address2: 'cc 5555555555554444' })]));
    let r = await tokenize(input);
    expect(r.code).toBe(1);
    expect(r.out).toContain('row 2 address2: 555555******4444');
    expect(r.out).toContain('--mask-stray-cards');
    expect(r.out).not.toContain('5555555555554444');
    r = await tokenize(input, '--mask-stray-cards');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('masked 1 card number found in other columns');
  });
});
