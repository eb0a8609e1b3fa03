import { UsageError } from '../../core/errors.js';

export const help = `Usage: konduit import upload (coming)\n`;

/** Runs `konduit import upload`. */
export async function run(_argv: string[]): Promise<number> {
  throw new UsageError('import upload is not built yet');
}
