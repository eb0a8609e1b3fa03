/**
 * Child process of the validate benchmark: runs ONE contender on a file and prints a JSON line with its
 * wall time and this process's peak RSS, so each contender's memory is measured on its own.
 *   node --import tsx bench/validate-child.ts validator|papaparse FILE [TODAY]
 */
import { createReadStream } from 'node:fs';
import Papa from 'papaparse';
import { validateImportFiles } from '../src/importfile/validate/validate.js';

const [mode, file, today] = process.argv.slice(2);
if (!file || (mode !== 'validator' && mode !== 'papaparse')) {
  console.error('usage: validate-child.ts validator|papaparse FILE [TODAY]');
  process.exit(2);
}

const t0 = performance.now();
const cpu0 = process.cpuUsage();
let detail: Record<string, unknown>;
if (mode === 'validator') {
  const report = await validateImportFiles({ transactions: file }, { maxIssues: 20, ...(today ? { today } : {}) });
  detail = { valid: report.valid, rows: report.files[0]?.rows, errors: report.files[0]?.errors, warnings: report.files[0]?.warnings, firstIssues: report.issues.slice(0, 5) };
} else {
  // papaparse's streaming mode on a Node stream, rows delivered in chunks (its cheapest callback).
  let rows = 0;
  await new Promise<void>((resolve, reject) => {
    Papa.parse(createReadStream(file, { encoding: 'utf8', highWaterMark: 4 * 1024 * 1024 }) as unknown as File, {
      chunk: (res: Papa.ParseResult<unknown>) => {
        rows += res.data.length;
      },
      complete: () => resolve(),
      error: (err: Error) => reject(err),
    });
  });
  detail = { rows };
}
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
// CPU time (user + system) is what the contender itself spent; wall time also counts waiting for a
// busy machine. maxRSS is in kilobytes.
console.log(JSON.stringify({ mode, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024, ...detail }));
