/** `npm run docs`: regenerates docs/import-files.md from the import column table (src/importfile). */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderImportFilesDoc } from '../src/importfile/docs.js';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'import-files.md');
writeFileSync(target, renderImportFilesDoc());
console.log(`wrote ${target}`);
