/** The migration commands' CLI contract: help with an example, usage errors exit 2, atomic outputs. */
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_MAPPING, legacyExport, sandboxReadyRows } from '../../importfile/testkit/build-fixtures.js';
import { nextStep, renderStatus, STEPS, type MigrationState } from './migrate.js';
import { runCli } from '../../../test/cli.js';

const cli = (...argv: string[]) => runCli(argv);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-cli-build-'));
  await writeFile(join(dir, 'export.csv'), legacyExport(sandboxReadyRows(40, '2026-11-20', 3)));
  await writeFile(join(dir, 'mapping.yaml'), LEGACY_MAPPING);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('migration commands', () => {
  it.each([['import', 'build'], ['import', 'fix'], ['import', 'tokenize'], ['import', 'detokenize'], ['import', 'sample'], ['import', 'verify'], ['import', 'validate'], ['import', 'upload'], ['crm', 'ids'], ['migrate']])('%s %s --help has usage and an example', async (...path) => {
    const r = await cli(...path.filter(Boolean), '--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: konduit /);
    expect(r.out).toMatch(/Examples?:\n  konduit /);
  });

  it('usage errors exit 2', async () => {
    expect((await cli('import', 'build', join(dir, 'export.csv'))).code).toBe(2);
    expect((await cli('import', 'fix', join(dir, 'export.csv'))).code).toBe(2);
    expect((await cli('import', 'tokenize', join(dir, 'export.csv'), '--out', join(dir, 'x.csv'))).code).toBe(2);
    expect((await cli('import', 'sample', '--size', '0', '--transactions', 'a', '--out-sample', 'b', '--out-rest', 'c')).code).toBe(2);
    expect((await cli('migrate', 'status', '--state', join(dir, 'none.json'))).code).toBe(2);
  });

  it('build --init writes a template, refuses to overwrite it, and build makes valid files (exit 0)', async () => {
    const init = await cli('import', 'build', '--init', join(dir, 'export.csv'), '--out', join(dir, 'template.yaml'));
    expect(init.code).toBe(0);
    expect((await cli('import', 'build', '--init', join(dir, 'export.csv'), '--out', join(dir, 'template.yaml'))).code).toBe(2);
    const b = await cli('import', 'build', '--mapping', join(dir, 'mapping.yaml'), '--out', join(dir, 'built'), '--today', '2026-11-21', join(dir, 'export.csv'));
    expect(b.out).toContain('VALID');
    expect(b.code).toBe(0);
    expect(await readdir(join(dir, 'built'))).toEqual(['transactions.csv']);
    const f = await cli('import', 'fix', join(dir, 'built', 'transactions.csv'), '--out', join(dir, 'fixed.csv'), '--log', join(dir, 'changes.json'), '--today', '2026-11-21');
    expect(f.code).toBe(0);
    expect(f.out).toMatch(/fixed .* 40 rows/);
  });

  it('migrate state: the next step is the first not done; status says what to run', () => {
    const s: MigrationState = { format: 'konduit-migration', version: 1, config: { export: 'e', mapping: 'm', sampleSize: 5, seed: 's', work: 'w' }, steps: {} };
    expect(nextStep(s)).toBe('decrypt');
    for (const n of STEPS.slice(0, 7)) s.steps[n] = { status: 'done', at: 't', summary: '' };
    s.steps['sample-imported'] = { status: 'waiting', at: 't', summary: 'the CRM team imports the sample' };
    expect(nextStep(s)).toBe('sample-imported');
    expect(renderStatus(s)).toContain('konduit migrate confirm sample-imported');
  });

  it('migrate tells the truth: a failing step is printed after what the earlier steps said; confirm needs a step that asked; redo runs', async () => {
    const work = join(dir, 'mig');
    const state = join(work, 'migration.json');
    await mkdir(work, { recursive: true });
    await writeFile(join(dir, 'vault-pass'), 'a vault passphrase for this test\n');
    const init = await cli('migrate', 'init', '--state', state, '--export', join(dir, 'export.csv'), '--mapping', join(dir, 'mapping.yaml'), '--vault', join(work, 'v.vault'),
      '--vault-passphrase-file', join(dir, 'vault-pass'), '--sample-size', '3', '--today', '2026-11-21');
    expect(init.code, init.out).toBe(0);
    // The passphrase file disappears before the tokenize step: it fails, after the earlier steps are printed.
    await rm(join(dir, 'vault-pass'));
    let r = await cli('migrate', '--state', state);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/\[decrypt\] done[^]*\[build\] done[^]*\[fix\] done[^]*\[tokenize\] FAILED: cannot read --vault-passphrase-file/);
    expect((await cli('migrate', 'status', '--state', state)).out).toMatch(/failed {3}tokenize/);
    expect((await cli('migrate', 'confirm', 'tokenize', '--state', state)).code).toBe(2);
    await writeFile(join(dir, 'vault-pass'), 'a vault passphrase for this test\n');
    r = await cli('migrate', '--state', state);
    expect(r.out).toMatch(/^earlier:\n\[decrypt\] done/);
    expect(r.out).toContain('[upload-sample] WAITING FOR YOU');
    expect((await cli('migrate', 'confirm', 'sample-imported', '--state', state)).all).toContain('sample-imported cannot be confirmed: it has not run yet');
    expect((await cli('migrate', 'confirm', 'upload-sample', '--state', state)).code).toBe(0);
    r = await cli('migrate', 'redo', 'sample', '--state', state);
    expect(r.out).toContain('redoing sample and the steps after it');
    expect(r.out).toContain('[sample] done');
    expect(r.out).toContain('[upload-sample] WAITING FOR YOU');
  });
});
