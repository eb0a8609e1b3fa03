/**
 * Finding 18 of the hardening review: `import build` crashed on a source value named like a member of
 * Object.prototype ("constructor", "__proto__") in a mapped column: a plain-object lookup found it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_MAPPING, legacyExport, sandboxReadyRows } from '../../importfile/testkit/build-fixtures.js';
import { runCli } from '../../../test/cli.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-build-proto-'));
  await writeFile(join(dir, 'mapping.yaml'), LEGACY_MAPPING);
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('import build with source values named like Object.prototype members', () => {
  it.each(['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty'])('"%s" in mapped columns is an unmapped value, not a crash', async (name) => {
    // Status (isActiveRecurring, a bit column) and Payment Method (an enum) hold the name.
    const text = legacyExport(sandboxReadyRows(6, '2026-11-20', 4)).replace(/"(active|inactive)"/g, `"${name}"`).replace(/"Visa"/g, `"${name}"`);
    await writeFile(join(dir, `${name}.csv`), text);
    const r = await runCli(['import', 'build', '--mapping', join(dir, 'mapping.yaml'), '--out', join(dir, name), '--today', '2026-11-21', join(dir, `${name}.csv`)]);
    expect(r.err).not.toMatch(/unexpected error/);
    expect(r.code).toBe(1);
    expect(r.out).toContain('unmapped_value');
  });
});
