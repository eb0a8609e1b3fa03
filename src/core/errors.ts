/**
 * Errors that cross module boundaries carry an exit code, so the CLI's single top-level catch can map
 * them (0 ok, 1 invalid input or failed check, 2 usage or environment error). An error about one input
 * also carries a stable `code` and the field at fault (`param`): the HTTP API answers them as
 * `{"error": {"code", "message", "param", "hint"}}` (src/server/errors.ts), the CLI prints the message
 * and the hint.
 */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
/** A run stopped by the user (Ctrl-C, SIGINT): 128 + the signal's number, as shells report it. */
export const EXIT_CANCELLED = 130;

/**
 * The codes of errors about a request's input, shared by the CLI and the API (docs/api.md, "Errors"):
 * - invalid_parameter: a value a field cannot take (what it must be is in the message)
 * - unknown_parameter: a field the request does not take
 * - unknown_connection: no connection has that name
 * - ambiguous_currency, unknown_value, outside_coverage: a report's currency, filter by name, or a range the data does not cover (src/report/query.ts)
 * - nothing_to_change: an update that changes nothing
 * - ambiguous_customer, unknown_customer: a customer id several connections have (name the connection), or none (src/report/customer.ts)
 * - credentials_undecryptable: the stored CRM password cannot be opened with this key
 * - invalid_api_password, credential_test_failed: a CRM password the CRM cannot take ('&'), or refused
 * - no_store, no_connections: the store does not exist, or holds no connection yet
 * - port_taken: the port to listen on is in use
 */
export type InputErrorCode =
  | 'invalid_parameter'
  | 'unknown_parameter'
  | 'unknown_connection'
  | 'ambiguous_currency'
  | 'outside_coverage'
  | 'unknown_value'
  | 'nothing_to_change'
  | 'ambiguous_customer'
  | 'unknown_customer'
  | 'credentials_undecryptable'
  | 'invalid_api_password'
  | 'credential_test_failed'
  | 'no_store'
  | 'no_connections'
  | 'port_taken';

/** The code and the field of an error about one input. */
export interface ErrorDetail {
  code?: InputErrorCode;
  /** The field at fault, as the API spells it (`timeZone`, `groupBy`). */
  param?: string;
}

/** Base class: a message meant for a person, safe to print (never holds card numbers or passwords). */
export class KonduitError extends Error {
  readonly code?: InputErrorCode;
  readonly param?: string;
  constructor(
    message: string,
    readonly exitCode: number,
    readonly hint?: string,
    detail: ErrorDetail = {},
  ) {
    super(message);
    this.name = new.target.name;
    if (detail.code) this.code = detail.code;
    if (detail.param) this.param = detail.param;
  }
}

/** Wrong flags, missing arguments, unknown commands, unknown names. */
export class UsageError extends KonduitError {
  constructor(message: string, hint?: string, detail?: ErrorDetail) {
    super(message, EXIT_USAGE, hint, detail);
  }
}

/** The environment is not usable: unreadable file, unreachable database, missing tool. */
export class EnvironmentError extends KonduitError {
  constructor(message: string, hint?: string, detail?: ErrorDetail) {
    super(message, EXIT_USAGE, hint, detail);
  }
}

/** The input is invalid or a check failed (a validation report, a failed verification). */
export class InvalidInputError extends KonduitError {
  constructor(message: string, hint?: string, detail?: ErrorDetail) {
    super(message, EXIT_INVALID, hint, detail);
  }
}

/** No stored connection has that name (exit code 2, the API's 404 on /api/connections/:name). */
export class UnknownConnectionError extends UsageError {
  constructor(
    readonly connectionName: string,
    param = 'connection',
  ) {
    super(`no connection named "${connectionName}"`, 'List them with: konduit connections', { code: 'unknown_connection', param });
  }
}

/** Returns a printable message for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
