import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

/** Runs the project's dependency-cruiser config over a scratch tree; returns its exit code and output. */
async function cruise(dir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(depcruise, ['src', '--config', join(dir, '.dependency-cruiser.cjs')], { cwd: dir });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

describe('import-direction rules (docs/architecture.md)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'konduit-rules-'));
    await copyFile(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
    await writeFile(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    for (const m of ['core', 'crm', 'ledger', 'store/engines/duckdb', 'sync', 'analytics', 'importfile', 'sandbox', 'forecast', 'cli']) {
      await mkdir(join(dir, 'src', m), { recursive: true });
    }
    for (const stage of ['spec', 'read', 'validate', 'transform', 'cards', 'deliver', 'testkit']) {
      await mkdir(join(dir, 'src/importfile', stage), { recursive: true });
      await writeFile(join(dir, 'src/importfile', stage, 'm.ts'), 'export const m = 1;\n');
    }
    await writeFile(join(dir, 'src/core/money.ts'), 'export const x = 1;\n');
    await writeFile(join(dir, 'src/store/engines/duckdb/engine.ts'), "import { x } from '../../../core/money.js';\nexport const y = x;\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('passes a tree that follows the rules', async () => {
    await writeFile(join(dir, 'src/cli/main.ts'), "import { y } from '../store/engines/duckdb/engine.js';\nexport const z = y;\n");
    const { code, out } = await cruise(dir);
    expect(out).toContain('no dependency violations');
    expect(code).toBe(0);
  });

  it.each([
    ['src/core/bad.ts', "import { x } from '../crm/c.js';\nexport const b = x;\n", 'core-is-a-leaf'],
    ['src/sync/bad.ts', "import { y } from '../store/engines/duckdb/engine.js';\nexport const b = y;\n", 'sync-sees-store-interface'],
    ['src/analytics/bad.ts', "import { x } from '../crm/c.js';\nexport const b = x;\n", 'analytics-deps'],
    ['src/importfile/bad.ts', "import { x } from '../crm/c.js';\nexport const b = x;\n", 'importfile-deps'],
    ['src/ledger/bad.ts', "import { y } from '../store/engines/duckdb/engine.js';\nexport const b = y;\n", 'ledger-is-pure'],
    ['src/forecast/bad.ts', "import { x } from '../crm/c.js';\nexport const b = x;\n", 'forecast-is-pure'],
    ['src/sync/kit.ts', "import { k } from '../../test/kit.js';\nexport const b = k;\n", 'shipped-code-not-tests'],
  ])('rejects %s', async (file, source, rule) => {
    await writeFile(join(dir, 'src/crm/c.ts'), 'export const x = 2;\n');
    await mkdir(join(dir, 'test'), { recursive: true });
    await writeFile(join(dir, 'test/kit.ts'), 'export const k = 3;\n');
    await writeFile(join(dir, file), source);
    try {
      const { code, out } = await cruise(dir);
      expect(code).not.toBe(0);
      expect(out).toContain(rule);
    } finally {
      await rm(join(dir, file));
    }
  });

  it('rejects an import-file stage that imports a later one, and shipped code that imports a test kit', async () => {
    // One cruise for all of them (each takes seconds): every rule must be named in the output.
    const bad: [string, string, string][] = [
      ['src/importfile/spec/bad.ts', '../validate/m.js', 'importfile-spec-deps'],
      ['src/importfile/read/bad.ts', '../transform/m.js', 'importfile-read-deps'],
      ['src/importfile/validate/bad.ts', '../cards/m.js', 'importfile-validate-deps'],
      ['src/importfile/transform/bad.ts', '../deliver/m.js', 'importfile-transform-deps'],
      ['src/importfile/cards/bad.ts', '../transform/m.js', 'importfile-cards-deps'],
      ['src/importfile/deliver/bad.ts', '../transform/m.js', 'importfile-deliver-deps'],
      ['src/sandbox/bad.ts', '../importfile/testkit/m.js', 'importfile-testkit-not-shipped'],
    ];
    for (const [file, target] of bad) await writeFile(join(dir, file), `import { m } from '${target}';\nexport const b = m;\n`);
    try {
      const { code, out } = await cruise(dir);
      expect(code).not.toBe(0);
      for (const [, , rule] of bad) expect(out).toContain(rule);
    } finally {
      for (const [file] of bad) await rm(join(dir, file));
    }
  });
});
