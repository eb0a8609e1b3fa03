import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headerCheck } from '../read/header.js';
import { catalog, type Check, type IssueCode } from '../spec/messages.js';
import { crossRowCheck } from './cross-row.js';
import { fieldChecks } from './field-checks.js';
import { fileShapeCheck } from './file-validator.js';
import { transactionRules } from './rules/index.js';

/** Every check of a validation run, in the order a record meets them. */
const checks: readonly Check[] = [fileShapeCheck, headerCheck, fieldChecks, ...transactionRules, crossRowCheck];

const importfile = join(import.meta.dirname, '..');
/** Source files of the shipped stages by name (the test kit holds no checks). */
const sources = new Map(
  readdirSync(importfile, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.startsWith('testkit'))
    .map((f) => [basename(f, '.ts'), join(importfile, f)]),
);

describe('the issue catalog and the checks (docs/architecture.md: each check lists the codes it raises, its cases beside it)', () => {
  it('has every code raised by some check', () => {
    const raised = new Set<IssueCode>(checks.flatMap((c) => c.raises));
    expect((Object.keys(catalog) as IssueCode[]).filter((code) => !raised.has(code))).toEqual([]);
  });

  it('gives each check its own file, with its cases in the test beside it', () => {
    expect(new Set(checks.map((c) => c.name)).size).toBe(checks.length);
    for (const c of checks) {
      const source = sources.get(c.name);
      expect(source, `${c.name}.ts`).toBeDefined();
      const test = source!.replace(/\.ts$/, '.test.ts');
      expect(existsSync(test), test).toBe(true);
      expect(readFileSync(test, 'utf8'), test).toContain('describeCases(');
    }
  });
});
