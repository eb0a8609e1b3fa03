/**
 * The API's one error shape (docs/api.md, "Errors"): every 4xx and 5xx JSON answer is
 * `{"error": {"code", "message", "param"?, "hint"?}}`. The code is stable, for programs; the message
 * says what was wrong and how to fix it, for people. The dashboard imports these types only.
 */
import type { InputErrorCode, KonduitError } from '../core/errors.js';

/** Every code the API answers with, by status. */
export type ErrorCode =
  // The codes shared with the CLI (core/errors.ts); their status is statusOf's. 400: a query parameter or
  // body field (`param` names it), the reports' unknown_connection included
  | InputErrorCode
  // 502 on /api/reconcile: the CRM did not answer
  | 'crm_unreachable'
  // 401
  | 'not_signed_in' | 'invalid_token' | 'wrong_login'
  // 403
  | 'cross_site_request' | 'csrf_mismatch'
  // 404 (unknown_connection and unknown_customer too)
  | 'unknown_report' | 'unknown_token' | 'unknown_route' | 'unknown_alert_rule'
  // 413
  | 'body_too_large'
  // 409 (credentials_undecryptable too)
  | 'already_set_up' | 'name_taken' | 'sync_running' | 'no_sync_running'
  // 421
  | 'wrong_host'
  // 422 (invalid_api_password and credential_test_failed too)
  | 'invalid_input' | 'invalid_costs'
  // 429
  | 'too_many_sign_ins'
  // 500
  | 'internal_error';

/** The body of every error answer. */
export interface ApiErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** The query parameter or body field at fault. */
    param?: string;
    /** What to do, when the message alone does not say. */
    hint?: string;
    /** invalid_costs: each row and field at fault (row: the file's line, or the index of `rows` from 1). */
    issues?: { row: number | null; column: string | null; message: string }[];
  };
}

/** An error answered with a status and the one error shape. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 421 | 422 | 429 | 500 | 502,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { param?: string; hint?: string; issues?: { row: number | null; column: string | null; message: string }[] } = {},
  ) {
    super(message);
  }

  /** The answer's body. */
  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}

type Status = HttpError['status'];

/** The status of a coded error of the CLI's and the API's shared layer (core/errors.ts). */
const STATUS_OF: Record<InputErrorCode, Status> = {
  invalid_parameter: 400,
  unknown_parameter: 400,
  ambiguous_currency: 400,
  outside_coverage: 400,
  unknown_value: 400,
  nothing_to_change: 400,
  unknown_connection: 404,
  ambiguous_customer: 400,
  unknown_customer: 404,
  credentials_undecryptable: 409,
  invalid_api_password: 422,
  credential_test_failed: 422,
  // Not raised by a request (the CLI's store and ports), but answered like the environment errors they are.
  no_store: 500,
  no_connections: 409,
  port_taken: 500,
};

/** A coded error of the shared layer as the API's answer; `status` overrides the code's own. */
export function httpErrorOf(err: KonduitError & { code: InputErrorCode }, status: Status = STATUS_OF[err.code]): HttpError {
  return new HttpError(status, err.code, err.message, { ...(err.param ? { param: err.param } : {}), ...(err.hint ? { hint: err.hint } : {}) });
}
