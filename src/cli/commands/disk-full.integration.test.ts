/**
 * Issue 16, finding 12: a full disk while fix, build or tokenize writes. Run for real, as separate
 * processes (a crash or an unhandled rejection would show as such): a 64 KiB tmpfs for ENOSPC (the test
 * runs as root, as CI does on Debian), and a file size limit (prlimit --fsize) for EFBIG. Each run exits
 * 2 with one line naming the output, no Node trace, and leaves no temp file (which would hold card
 * numbers) and no vault without its output.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentError } from '../../core/errors.js';
import { writeFailure } from '../../core/atomic.js';
import { LEGACY_MAPPING, legacyExport, sandboxReadyRows } from '../../importfile/testkit/build-fixtures.js';
import { transactionsCsv, validTransaction } from '../../importfile/testkit/test-rows.js';
import { withCheckDigit } from '../../importfile/testkit/test-cards.js';

const runner = new URL('../../../test/run-cli.ts', import.meta.url).pathname;
let dir: string;
let full: string;

/** A Luhn-valid 16-digit Visa-like number from a counter (distinct cards make a vault that fills the disk). */
const card = (i: number) => withCheckDigit(`4000${String(i).padStart(11, '0')}`);

/** Runs konduit in a child process (optionally under a file size limit); resolves to its exit code and output. */
function konduit(args: string[], fsize?: number): Promise<{ code: number; out: string }> {
  const argv = [process.execPath, '--import', 'tsx', runner, ...args];
  const [cmd, ...rest] = fsize ? ['prlimit', `--fsize=${fsize}`, ...argv] : argv;
  return new Promise((resolve) => {
    execFile(cmd as string, rest, { env: { ...process.env, KONDUIT_VAULT_PASSPHRASE: 'vault passphrase, long enough' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: `${stdout}${stderr}` });
    });
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-full-'));
  full = join(dir, 'full');
  mkdirSync(full);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
  // ~700 KB of rows with card numbers: far more than the 64 KiB the disk holds.
  await writeFile(join(dir, 'in.csv'), transactionsCsv(Array.from({ length: 2500 }, (_, i) => validTransaction({ merchantTxnId: `T${i}`, customerId: `C${i % 700}`, cardNumber: card(i) }))));
  await writeFile(join(dir, 'export.csv'), legacyExport(sandboxReadyRows(1500, '2026-11-20', 5)));
  await writeFile(join(dir, 'mapping.yaml'), LEGACY_MAPPING);
}, 60_000);

afterAll(async () => {
  execFileSync('umount', [full]);
  await rm(dir, { recursive: true, force: true });
});

function expectClean(r: { code: number; out: string }, output: string): void {
  expect(r.code, r.out).toBe(2);
  expect(r.out).toContain(`cannot write ${output}`);
  expect(r.out).not.toMatch(/node:internal|unexpected error|\n\s+at /);
}

describe('a full disk is a clean error that removes its temp file', () => {
  it('import fix', async () => {
    const r = await konduit(['import', 'fix', join(dir, 'in.csv'), '--out', join(full, 'fixed.csv'), '--today', '2026-01-15']);
    expectClean(r, join(full, 'fixed.csv'));
    expect(r.out).toContain('no space left on the device (ENOSPC)');
    expect(await readdir(full)).toEqual([]);
  }, 60_000);

  it('import fix: the change log on a full disk leaves no fixed file without its log', async () => {
    const r = await konduit(['import', 'fix', join(dir, 'in.csv'), '--out', join(dir, 'fixed.csv'), '--log', join(full, 'changes.csv')]);
    expectClean(r, join(full, 'changes.csv'));
    expect(await readdir(full)).toEqual([]);
    expect(await readdir(dir)).not.toContain('fixed.csv');
  }, 60_000);

  it('import build', async () => {
    const r = await konduit(['import', 'build', '--mapping', join(dir, 'mapping.yaml'), '--out', join(full, 'built'), '--today', '2026-11-21', join(dir, 'export.csv')]);
    expectClean(r, join(full, 'built', 'transactions.csv'));
    expect(await readdir(join(full, 'built'))).toEqual([]);
    await rm(join(full, 'built'), { recursive: true });
  }, 60_000);

  it('import tokenize: output on the full disk, and the vault on the full disk', async () => {
    let r = await konduit(['import', 'tokenize', join(dir, 'in.csv'), '--out', join(full, 'tok.csv'), '--vault', join(dir, 'cards.vault')]);
    expectClean(r, join(full, 'tok.csv'));
    expect(await readdir(full)).toEqual([]);
    // The vault is saved before the output appears: a vault that cannot be saved leaves no output whose tokens are lost.
    r = await konduit(['import', 'tokenize', join(dir, 'in.csv'), '--out', join(dir, 'tok.csv'), '--vault', join(full, 'cards.vault')]);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toContain(join(full, 'cards.vault'));
    expect(await readdir(full)).toEqual([]);
    expect(await readdir(dir)).not.toContain('tok.csv');
  }, 60_000);

  it('EFBIG (a file size limit) the same way', async () => {
    const r = await konduit(['import', 'fix', join(dir, 'in.csv'), '--out', join(dir, 'big.csv')], 65536);
    expectClean(r, join(dir, 'big.csv'));
    expect(r.out).toContain('(EFBIG)');
    expect((await readdir(dir)).filter((f) => f.includes('big.csv'))).toEqual([]);
  }, 60_000);

  it('EDQUOT is named as an exhausted quota', () => {
    const e = writeFailure(Object.assign(new Error('quota'), { code: 'EDQUOT' }), '/x/out.csv');
    expect(e).toBeInstanceOf(EnvironmentError);
    expect((e as EnvironmentError).message).toBe('cannot write /x/out.csv: the disk quota is exhausted (EDQUOT); it was not written, and no partial file is left');
  });
});
