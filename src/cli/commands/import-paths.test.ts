/**
 * Issue 16, finding 10: the commands never overwrite what they read. Each attack of the review, run as
 * the merchant would type it: the command exits 2 naming both paths, and every input is byte for byte
 * what it was.
 */
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_MAPPING, legacyExport, sandboxReadyRows } from '../../importfile/testkit/build-fixtures.js';
import { transactionsCsv, validTransaction } from '../../importfile/testkit/test-rows.js';
import { runCli } from '../../../test/cli.js';

let dir: string;
const p = (...names: string[]) => join(dir, ...names);
const before = new Map<string, string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-paths-cli-'));
  await mkdir(p('d'));
  await writeFile(p('in.csv'), transactionsCsv([validTransaction()]));
  await writeFile(p('d', 'transactions.csv'), legacyExport(sandboxReadyRows(5, '2026-11-20', 3)));
  await writeFile(p('mapping.yaml'), LEGACY_MAPPING);
  await writeFile(p('pass'), 'the vault passphrase\n');
  for (const f of ['in.csv', 'd/transactions.csv', 'mapping.yaml', 'pass']) before.set(f, await readFile(p(f), 'utf8'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function expectRefused(argv: string[], named: string[]): Promise<void> {
  const r = await runCli(argv);
  expect(r.code, r.all).toBe(2);
  for (const n of named) expect(r.err).toContain(n);
  expect(r.err).not.toMatch(/unexpected error/);
  for (const [f, text] of before) expect(await readFile(p(f), 'utf8'), f).toBe(text);
}

describe('outputs never overwrite inputs (exit 2, both paths named)', () => {
  it('import fix IN --out O --log IN', async () => {
    await expectRefused(['import', 'fix', p('in.csv'), '--out', p('o.csv'), '--log', p('in.csv')], [`--log ${p('in.csv')}`, `the input file ${p('in.csv')}`]);
    expect(await readdir(dir)).not.toContain('o.csv');
  });

  it('import fix IN --log O --out O', async () => {
    await expectRefused(['import', 'fix', p('in.csv'), '--log', p('o.csv'), '--out', p('o.csv')], [`--out ${p('o.csv')}`, `--log ${p('o.csv')}`]);
  });

  it('import build --out d d/transactions.csv', async () => {
    await expectRefused(['import', 'build', '--mapping', p('mapping.yaml'), '--out', p('d'), p('d', 'transactions.csv')], [`--out (transactions.csv) ${p('d', 'transactions.csv')}`, `SOURCE 1 ${p('d', 'transactions.csv')}`]);
  });

  it('import build --init SOURCE --out SOURCE', async () => {
    await expectRefused(['import', 'build', '--init', p('mapping.yaml'), '--out', p('mapping.yaml'), '--force'], ['--out', 'SOURCE']);
  });

  it('import tokenize --out PASSFILE --vault-passphrase-file PASSFILE', async () => {
    await expectRefused(['import', 'tokenize', p('in.csv'), '--vault', p('cards.vault'), '--vault-passphrase-file', p('pass'), '--out', p('pass')], [`--out ${p('pass')}`, `--vault-passphrase-file ${p('pass')}`]);
    expect(await readdir(dir)).not.toContain('cards.vault');
  });

  it('import tokenize --vault IN (the vault is written: never an input)', async () => {
    await expectRefused(['import', 'tokenize', p('in.csv'), '--vault', p('in.csv'), '--vault-passphrase-file', p('pass'), '--out', p('t.csv')], [`--vault ${p('in.csv')}`]);
  });

  it('import sample with an input inside an output directory', async () => {
    await expectRefused(['import', 'sample', '--size', '1', '--out-sample', p('d'), '--out-rest', p('rest'), '--transactions', p('d', 'transactions.csv')], ['--out-sample (transactions.csv)']);
  });
});
