/**
 * Errors that cross module boundaries carry an exit code, so the CLI's single top-level catch can map
 * them (0 ok, 1 invalid input or failed check, 2 usage or environment error).
 */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** Base class: a message meant for a person, safe to print (never holds card numbers or passwords). */
export class KonduitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Wrong flags, missing arguments, unknown commands. */
export class UsageError extends KonduitError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
  }
}

/** The environment is not usable: unreadable file, unreachable database, missing tool. */
export class EnvironmentError extends KonduitError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_USAGE, hint);
  }
}

/** The input is invalid or a check failed (a validation report, a failed verification). */
export class InvalidInputError extends KonduitError {
  constructor(message: string, hint?: string) {
    super(message, EXIT_INVALID, hint);
  }
}

/** Returns a printable message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
