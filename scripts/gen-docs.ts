/** `npm run docs`: regenerates docs/import-files.md from the import column table and rules (src/importfile). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderImportFilesDoc } from '../src/importfile/spec/docs.js';
import { transactionRules } from '../src/importfile/validate/rules/index.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'import-files.md');
writeFileSync(target, renderImportFilesDoc(transactionRules));
console.log(`wrote ${target}`);
