import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { transactionColumns } from './columns.js';
import { catalog } from './messages.js';
import { renderImportFilesDoc } from './docs.js';
import { transactionRules } from '../validate/rules/index.js';

describe('docs/import-files.md', () => {
  it('is what `npm run docs` generates from the column table (run it after changing the table)', () => {
    const committed = readFileSync(new URL('../../../docs/import-files.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderImportFilesDoc(transactionRules));
  });
  it('lists every column and every issue code', () => {
    const doc = renderImportFilesDoc(transactionRules);
    for (const c of transactionColumns) expect(doc).toContain(`| ${c.letter} | ${c.name} |`);
    for (const code of Object.keys(catalog)) expect(doc).toContain(`\`${code}\``);
  });
});
