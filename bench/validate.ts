/**
 * `npm run bench -- validate`: generates a valid 1,000,000-row transactions file (every cell quoted, as
 * the CRM's legacy import spec recommends) into bench/out/, then times, each in its own child process, the validator with
 * every rule on and papaparse's bare streaming parse of the same file. Prints both times, the ratio and
 * the validator's peak RSS. Target (docs/metrics.md, "Performance"): ratio >= 2, peak RSS < 300 MB.
 *
 * Each contender runs RUNS times, alternating, and its best run counts (the least disturbed by other
 * load on the machine). Wall and CPU (user + system) times are both shown: on a busy machine the CPU
 * ratio is the steadier one. KONDUIT_BENCH_ROWS and KONDUIT_BENCH_RUNS override the defaults.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { SyntheticTransactions } from '../src/importfile/testkit/synthetic-files.js';

const ROWS = Number(process.env.KONDUIT_BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.KONDUIT_BENCH_RUNS ?? 3);
const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'out');
const file = join(outDir, `transactions-${ROWS}.csv`);
const metaFile = `${file}.json`;

async function ensureFile(): Promise<string> {
  await mkdir(outDir, { recursive: true });
  if (existsSync(file) && existsSync(metaFile)) {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { rows: number; today: string; size: number };
    if (meta.rows === ROWS && meta.size === statSync(file).size) {
      console.log(`reusing ${file} (${(meta.size / 1e6).toFixed(0)} MB, generated for today=${meta.today})`);
      return meta.today;
    }
  }
  const today = new Date().toISOString().slice(0, 10);
  const t0 = performance.now();
  const out = createWriteStream(file);
  for (const chunk of new SyntheticTransactions({ rows: ROWS, today, chunkRows: 5000 }).chunks()) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'close');
  const size = statSync(file).size;
  writeFileSync(metaFile, JSON.stringify({ rows: ROWS, today, size }));
  console.log(`generated ${file}: ${ROWS} rows, ${(size / 1e6).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return today;
}

interface ChildResult {
  mode: string;
  ms: number;
  cpuMs: number;
  maxRssMB: number;
  rows: number;
  valid?: boolean;
  errors?: number;
  warnings?: number;
  firstIssues?: unknown[];
}

function child(mode: 'validator' | 'papaparse', today: string): ChildResult {
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, 'validate-child.ts'), mode, file, today], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as ChildResult;
}

const best = (rs: ChildResult[]) => rs.reduce((a, b) => (b.ms < a.ms ? b : a));

/** Runs the benchmark and prints the comparison. */
export default async function run(): Promise<void> {
  const today = await ensureFile();
  const mb = statSync(file).size / 1e6;
  console.log(`load average before: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 cores: above 2 the machine is shared)`);
  const papas: ChildResult[] = [];
  const vals: ChildResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    papas.push(child('papaparse', today));
    vals.push(child('validator', today));
  }
  const papa = best(papas);
  const val = best(vals);
  const fmt = (r: ChildResult) =>
    `${(r.ms / 1000).toFixed(2)} s wall (${(mb / (r.ms / 1000)).toFixed(0)} MB/s), ${(r.cpuMs / 1000).toFixed(2)} s CPU, peak RSS ${r.maxRssMB.toFixed(0)} MB`;
  const runs = (rs: ChildResult[]) => rs.map((r) => `${(r.ms / 1000).toFixed(2)}`).join(', ');
  console.log(`file:       ${ROWS} rows, ${mb.toFixed(0)} MB, every cell quoted`);
  console.log(`papaparse:  ${fmt(papa)}  [bare streaming parse, ${papa.rows} records; runs: ${runs(papas)} s]`);
  console.log(`validator:  ${fmt(val)}  [every rule on: ${val.rows} rows, ${val.errors} errors, ${val.warnings} warnings; runs: ${runs(vals)} s]`);
  const ratio = papa.ms / val.ms;
  const cpuRatio = papa.cpuMs / val.cpuMs;
  console.log(`ratio:      validator is ${ratio.toFixed(2)}x faster than papaparse by wall time, ${cpuRatio.toFixed(2)}x by CPU time (target >= 2.00x)`);
  console.log(`peak RSS:   validator ${val.maxRssMB.toFixed(0)} MB (target < 300 MB)`);
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  if (val.valid !== true) console.log(`the generated file did not validate: ${JSON.stringify(val.firstIssues)}`);
  const ok = ratio >= 2 && val.maxRssMB < 300 && val.valid === true;
  console.log(ok ? 'PASS' : 'MISS: target not met');
}
