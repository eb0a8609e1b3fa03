/** Test helper: runs the CLI in-process (src/cli/main.ts) and captures what it prints. */
import { main } from '../src/cli/main.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  /** stdout and stderr interleaved in the order they were written. */
  all: string;
}

/** Runs `konduit ...argv` in this process; stdout and stderr are captured, not printed. */
export async function runCli(argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  let all = '';
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => ((out += String(s)), (all += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((err += String(s)), (all += String(s)), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out, err, all };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}
