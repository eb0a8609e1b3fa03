/**
 * The card programs' parameters from a settings file (docs/metrics.md, "MID health"): YAML or JSON, any
 * part replacing the published default. The CLI and the server pass the path they were given
 * (`KONDUIT_PROGRAMS`); without one the defaults apply.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { UsageError } from '../core/errors.js';
import { DEFAULT_PROGRAMS, parsePrograms, type Programs } from '../analytics/index.js';

/** The programs of the file at `path` (null or empty: the defaults); a UsageError naming the file and what to fix otherwise. */
export async function loadPrograms(path: string | null | undefined): Promise<Programs> {
  if (!path) return DEFAULT_PROGRAMS;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`the card programs file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, 'Check the path in KONDUIT_PROGRAMS, or unset it to use the published programs.');
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new UsageError(`the card programs file ${path} is not YAML or JSON: ${(err as Error).message.split('\n')[0]}`, 'Fix the file (docs/metrics.md, "MID health", shows one).');
  }
  return parsePrograms(raw, path);
}
