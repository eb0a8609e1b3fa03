/**
 * `npm run bench -- migration`: the migration pipeline's throughput on a 1,000,000-row legacy export
 * (KONDUIT_BENCH_ROWS overrides), step by step, next to the validator alone on the same rows in the
 * same run: build (mapping, zones, formats + validation), fix, tokenize (card vault, fresh), sample
 * (two passes) and validate. Rows per second and peak RSS are printed; files go to bench/out/.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LEGACY_MAPPING, legacyExportChunks } from '../src/importfile/testkit/build-fixtures.js';
import { buildImportFiles } from '../src/importfile/transform/build.js';
import { fixFile } from '../src/importfile/transform/fix.js';
import { parseMapping } from '../src/importfile/transform/mapping.js';
import { splitSample } from '../src/importfile/transform/take-sample.js';
import { VaultSource, tokenizeFile } from '../src/importfile/cards/tokenize.js';
import { validateImportFiles } from '../src/importfile/validate/validate.js';
import { CardVault } from '../src/importfile/cards/vault.js';

const ROWS = Number(process.env.KONDUIT_BENCH_ROWS ?? 1_000_000);
const out = join(dirname(fileURLToPath(import.meta.url)), 'out', 'migration');

async function timed<T>(label: string, rows: number, f: () => Promise<T>): Promise<{ r: T; s: number }> {
  const t0 = performance.now();
  const r = await f();
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(34)} ${s.toFixed(1).padStart(6)} s  ${Math.round(rows / s).toLocaleString('en-US').padStart(9)} rows/s  rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB`);
  return { r, s };
}

export default async function bench(): Promise<void> {
  const today = '2026-11-20';
  const exportPath = join(dirname(out), `legacy-export-${ROWS}.csv`);
  const meta = `${exportPath}.json`;
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  if (existsSync(meta) && JSON.parse(readFileSync(meta, 'utf8')).size === (existsSync(exportPath) ? statSync(exportPath).size : -1)) {
    console.log(`reusing ${exportPath}`);
  } else {
    const t0 = performance.now();
    const w = createWriteStream(exportPath);
    for (const chunk of legacyExportChunks(ROWS, today)) if (!w.write(chunk)) await once(w, 'drain');
    w.end();
    await once(w, 'close');
    writeFileSync(meta, JSON.stringify({ rows: ROWS, size: statSync(exportPath).size }));
    console.log(`generated ${exportPath}: ${ROWS} rows, ${(statSync(exportPath).size / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }

  const opts = { today: '2026-11-21' };
  const build = await timed('build (incl. its validation)', ROWS, () => buildImportFiles(parseMapping(LEGACY_MAPPING), [exportPath], join(out, 'build'), opts));
  if (!build.r.report.valid || build.r.issueCount > 0) throw new Error(`bench: build output not valid (${build.r.issueCount} issues)`);
  const fixed = join(out, 'fixed.csv');
  const fix = await timed('fix', ROWS, () => fixFile('transactions', build.r.files.transactions, fixed));
  const vault = await CardVault.create(join(out, 'cards.vault'), 'bench vault passphrase', { N: 2 ** 14, r: 8, p: 1 });
  const tokenized = join(out, 'tokenized.csv');
  const tok = await timed('tokenize (new vault)', ROWS, async () => {
    const r = await tokenizeFile(fixed, tokenized, new VaultSource(vault));
    await vault.save();
    return r;
  });
  const sample = await timed('sample (50 customers)', ROWS, () => splitSample({ transactions: tokenized }, { size: 50, sampleDir: join(out, 'sample'), restDir: join(out, 'rest') }));
  const val = await timed('validate (tokenized file)', ROWS, () => validateImportFiles({ transactions: tokenized }, opts));
  const total = build.s + fix.s + tok.s + sample.s + val.s;
  const alone = await timed('validator alone (same rows, again)', ROWS, () => validateImportFiles({ transactions: fixed }, opts));
  console.log(`pipeline total ${total.toFixed(1)} s = ${Math.round(ROWS / total).toLocaleString('en-US')} rows/s; validator alone ${Math.round(ROWS / alone.s).toLocaleString('en-US')} rows/s (pipeline / validator time: ${(total / alone.s).toFixed(1)}x)`);
  console.log(`fix: ${fix.r.changes.length} changes; tokenize: ${tok.r.tokenized} cards, ${vault.size} in the vault; sample: ${sample.r.customers.sample} of ${sample.r.customers.total} customers; valid: ${val.r.valid}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await bench();
