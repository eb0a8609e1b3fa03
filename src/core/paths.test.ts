import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertDistinctPaths, filesIn, realPathOf } from './paths.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-paths-'));
  await mkdir(join(dir, 'd'));
  await writeFile(join(dir, 'in.csv'), 'x');
  await symlink(join(dir, 'in.csv'), join(dir, 'alias.csv'));
  await symlink(join(dir, 'd'), join(dir, 'dlink'));
  await link(join(dir, 'in.csv'), join(dir, 'hard.csv'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const input = () => [{ role: 'the input file', path: join(dir, 'in.csv') }];

describe('assertDistinctPaths', () => {
  it('resolves a path that does not exist yet through its existing, symlinked parent', async () => {
    expect(await realPathOf(join(dir, 'dlink', 'new', 'x.csv'))).toBe(join(await realPathOf(join(dir, 'd')), 'new', 'x.csv'));
  });

  it('accepts distinct files', async () => {
    await expect(assertDistinctPaths(input(), [{ role: '--out', path: join(dir, 'out.csv') }, { role: '--log', path: join(dir, 'log.csv') }])).resolves.toBeUndefined();
  });

  it.each([
    ['the same path', 'in.csv'],
    ['a relative spelling', 'd/../in.csv'],
    ['a symbolic link to it', 'alias.csv'],
    ['a hard link to it', 'hard.csv'],
  ])('refuses an output that is the input by %s, naming both (exit 2)', async (_what, out) => {
    const err = await assertDistinctPaths(input(), [{ role: '--log', path: join(dir, out) }]).catch((e: unknown) => e as { message: string; exitCode: number });
    expect(err).toMatchObject({ exitCode: 2 });
    expect(err?.message).toContain(`--log ${join(dir, out)}`);
    expect(err?.message).toContain(`the input file ${join(dir, 'in.csv')}`);
  });

  it('refuses two outputs that are one file', async () => {
    await expect(assertDistinctPaths(input(), [{ role: '--out', path: join(dir, 'o.csv') }, { role: '--log', path: join(dir, 'd', '..', 'o.csv') }])).rejects.toThrow(/--out .*o\.csv and --log .*o\.csv are the same file/);
  });

  it('refuses an input that a command would write inside its output directory, through a linked directory too', async () => {
    await writeFile(join(dir, 'd', 'transactions.csv'), 'x');
    const outs = filesIn('--out', join(dir, 'dlink'), ['transactions.csv', 'customer-notes.csv']);
    await expect(assertDistinctPaths([{ role: 'SOURCE 1', path: join(dir, 'd', 'transactions.csv') }], outs)).rejects.toThrow(/--out \(transactions\.csv\)/);
    await expect(assertDistinctPaths([{ role: 'work', path: join(dir, 'd', 'sub', 'x') }], [{ role: '--work', path: join(dir, 'dlink'), tree: true }])).rejects.toThrow(/--work/);
  });
});
