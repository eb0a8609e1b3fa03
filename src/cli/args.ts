import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../core/errors.js';
import { isCalendarDate } from '../core/time.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** util.parseArgs with usage errors that the top-level catch turns into exit code 2. */
export function parseFlags<O extends Options>(argv: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new UsageError(msg.replace(/^TypeError \[[A-Z_]+\]: /, ''), 'Run the command with --help to see its options.');
  }
}

/** Parses a positive integer flag value, or throws a usage error naming the flag. */
export function intFlag(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min}, got "${value}"`);
  }
  return Number(value);
}

/** Reads one of a fixed set of values for a flag, or throws a usage error listing them. */
export function enumFlag<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}

/** Reads a calendar date flag (YYYY-MM-DD that exists: not 2026-02-30, not 9999-99-99), or throws a usage error. */
export function dateFlag(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new UsageError(`--${name} must be a real date written YYYY-MM-DD, got "${value.slice(0, 40)}"`, 'For example 2026-03-31.');
  }
  return value;
}
