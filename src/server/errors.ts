/**
 * The API's one error shape (docs/api.md, "Errors"): every 4xx and 5xx JSON answer is
 * `{"error": {"code", "message", "param"?, "hint"?}}`. The code is stable, for programs; the message
 * says what was wrong and how to fix it, for people. The dashboard imports these types only.
 */
import type { ReportIssueCode } from '../report/query.js';

/** Every code the API answers with, by status. */
export type ErrorCode =
  // 400: a query parameter or body field (`param` names it)
  | ReportIssueCode
  // 401
  | 'not_signed_in' | 'invalid_token' | 'wrong_login'
  // 403
  | 'cross_site_request' | 'csrf_mismatch'
  // 404 (unknown_connection also answers 404 on /api/connections/:name)
  | 'unknown_report' | 'unknown_token' | 'unknown_route'
  // 413
  | 'body_too_large'
  // 409
  | 'already_set_up' | 'name_taken' | 'sync_running' | 'no_sync_running'
  // 421
  | 'wrong_host'
  // 422
  | 'invalid_api_password' | 'credential_test_failed' | 'invalid_input'
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
  };
}

/** An error answered with a status and the one error shape. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 421 | 422 | 429 | 500,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { param?: string; hint?: string } = {},
  ) {
    super(message);
  }

  /** The answer's body. */
  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extra } };
  }
}
