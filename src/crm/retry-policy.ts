/**
 * What happened on one CRM request, and the pure decision of whether to try again (Nango's retry
 * policy shape). The loop that sleeps lives in client.ts; everything here is data in, data out.
 */

/** The outcome of one attempt, already interpreted from the HTTP exchange. */
export type Outcome =
  | { kind: 'success'; message: unknown }
  /** "No <things> matching those parameters could be found": an empty page, not a failure. */
  | { kind: 'empty' }
  | { kind: 'crm-error'; message: string }
  | { kind: 'http'; status: number; retryAfter?: string | null }
  /** A body that is not the JSON envelope: a proxy's HTML page, a truncated response. */
  | { kind: 'bad-body'; detail: string }
  | { kind: 'network'; code?: string; message: string }
  /** The client refused the answer itself (a redirect to another origin, a body over the size cap). */
  | { kind: 'refused'; message: string; hint: string }
  | { kind: 'timeout' }
  | { kind: 'aborted' };

/** Why a CRM error is final, so the message can say what to change in the CRM. */
export type FatalKind = 'ip-whitelist' | 'endpoint-permission' | 'endpoint-unknown' | 'credentials' | 'request' | 'cancelled';

export interface RetryDecision {
  retry: boolean;
  reason: string;
  waitMs: number;
  /** Set when the failure is final and the user must act. */
  fatal?: { kind: FatalKind; message: string; hint?: string };
}

export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A number in [0, 1) for jitter; passed in so the policy stays pure. */
  random: number;
  /** Epoch ms "now", for Retry-After given as an HTTP date. */
  now?: number;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'random'> = { maxAttempts: 8, baseDelayMs: 250, maxDelayMs: 30_000 };

const EMPTY_RE = /^no .+ matching those parameters could be found\.?$/i;

/** True for the CRM's "No ... matching those parameters could be found" family. */
export function isEmptyResultMessage(message: string): boolean {
  return EMPTY_RE.test(message.trim());
}

/** Classifies a result=ERROR message: final (and why) or transient. */
export function classifyCrmError(message: string): { transient: true } | { transient: false; kind: FatalKind; message: string; hint: string } {
  const text = message.trim();
  const ip = /IP must be whitelisted\s*-?\s*(\S*)/i.exec(text);
  if (ip) {
    const addr = ip[1] || 'this machine\'s address';
    return {
      transient: false,
      kind: 'ip-whitelist',
      message: `the CRM refused this machine's IP address (${addr})`,
      hint: `In the CRM, open Admin > Users, edit the API user and add ${addr} to its IP Whitelist.`,
    };
  }
  if (/does not have access to this endpoint/i.test(text)) {
    return {
      transient: false,
      kind: 'endpoint-permission',
      message: 'the CRM API user is not allowed to call this endpoint',
      hint: 'In the CRM, edit the API user and tick every "Query" permission (and "Coupon") under Allowed API Endpoints.',
    };
  }
  if (/invalid api endpoint/i.test(text)) {
    return {
      transient: false,
      kind: 'endpoint-unknown',
      message: 'the CRM does not offer this endpoint',
      hint: 'The account may run an older version of the CRM; the data this endpoint holds is left out.',
    };
  }
  if (/(invalid|incorrect|wrong|bad|unknown).{0,20}(login|credential|password|user)|(login|auth).{0,20}(fail|invalid|denied)|not authori[sz]ed|unauthori[sz]ed|access denied/i.test(text)) {
    return {
      transient: false,
      kind: 'credentials',
      message: `the CRM rejected the API credentials (${text})`,
      hint: 'Check the loginId and password of the API user (Admin > Users in the CRM); its Access Level must be "Api User".',
    };
  }
  // A bare ERROR, or the load and database hiccups reported under load, are worth another try.
  if (text === '' || /^error\.?$/i.test(text) || /try again|timeout|timed out|temporar|busy|overload|server error|database|unavailable/i.test(text)) {
    return { transient: true };
  }
  return { transient: false, kind: 'request', message: `the CRM rejected the request: ${text}`, hint: 'This is likely a bug in Konduit\'s request; please report it with this message.' };
}

/** Exponential backoff with full jitter, capped. */
export function backoffMs(attempt: number, o: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  // Half fixed, half random: spreads retries without ever retrying immediately.
  return Math.round(ceiling / 2 + (ceiling / 2) * o.random);
}

/** Parses Retry-After (seconds or an HTTP date) into milliseconds, or null. */
export function retryAfterMs(value: string | null | undefined, now: number): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** Decides whether attempt number `attempt` (1-based) should be followed by another, and after how long. */
export function retryDecision(outcome: Outcome, attempt: number, o: RetryOptions): RetryDecision {
  const again = (reason: string, waitMs = backoffMs(attempt, o)): RetryDecision =>
    attempt >= o.maxAttempts
      ? { retry: false, reason: `${reason}; gave up after ${attempt} attempts`, waitMs: 0 }
      : { retry: true, reason, waitMs: Math.min(waitMs, o.maxDelayMs * 4) };
  switch (outcome.kind) {
    case 'success':
    case 'empty':
      return { retry: false, reason: 'ok', waitMs: 0 };
    case 'aborted':
      return { retry: false, reason: 'cancelled', waitMs: 0, fatal: { kind: 'cancelled', message: 'the sync was cancelled' } };
    case 'timeout':
      return again('request timed out');
    case 'network':
      return again(`network error${outcome.code ? ` ${outcome.code}` : ''}: ${outcome.message}`);
    case 'bad-body':
      return again(`unreadable response (${outcome.detail})`);
    case 'refused':
      return { retry: false, reason: outcome.message, waitMs: 0, fatal: { kind: 'request', message: outcome.message, hint: outcome.hint } };
    case 'http': {
      const s = outcome.status;
      if (s === 429) {
        const wait = retryAfterMs(outcome.retryAfter, o.now ?? 0) ?? backoffMs(attempt, o);
        return again('rate limited (HTTP 429)', wait);
      }
      if (s >= 500 || s === 408) return again(`HTTP ${s}`);
      if (s === 401 || s === 403) {
        const c = classifyCrmError('not authorized');
        return { retry: false, reason: `HTTP ${s}`, waitMs: 0, fatal: c.transient ? undefined : { kind: c.kind, message: `${c.message.replace(/ \(.*\)$/, '')} (HTTP ${s})`, hint: c.hint } };
      }
      return { retry: false, reason: `HTTP ${s}`, waitMs: 0, fatal: { kind: 'request', message: `the CRM answered HTTP ${s}` } };
    }
    case 'crm-error': {
      const c = classifyCrmError(outcome.message);
      if (c.transient) return again(`CRM error "${outcome.message || 'ERROR'}"`);
      return { retry: false, reason: c.kind, waitMs: 0, fatal: { kind: c.kind, message: c.message, hint: c.hint } };
    }
  }
}
