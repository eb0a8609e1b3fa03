/** The dashboard's HTTP client: JSON in and out, the CSRF header on every state change (docs/api.md). */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly hint?: string,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Called when the server says the session is gone, so the app can show the sign-in page. */
let onUnauthorized: () => void = () => undefined;
/** Registers what to do when the session is gone. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

function csrfToken(): string {
  const m = /(?:^|;\s*)konduit_csrf=([^;]+)/.exec(document.cookie);
  return m?.[1] ? decodeURIComponent(m[1]) : '';
}

/** Sends a request to the API; throws ApiError with the server's message and hint on failure. */
export async function api<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken();
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  if (res.status === 204) return undefined as T;
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    if (res.status === 401 && !opts.quiet401) onUnauthorized();
    throw new ApiError(res.status, typeof json.error === 'string' ? json.error : `HTTP ${res.status}`, typeof json.hint === 'string' ? json.hint : undefined, json);
  }
  return json as T;
}

/** A query string from a record; arrays repeat the name. */
export function qs(p: Record<string, string | number | undefined | null | (string | number)[]>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const x of v) u.append(k, String(x));
    else u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export interface Connection {
  connectionId: string;
  name: string;
  brand: 'konnektive' | 'checkoutchamp';
  baseUrl: string;
  loginId: string;
  accountName: string;
  accountUsername: string;
  timezone: string;
  frequency: 'hourly' | '6h' | '12h' | 'daily';
  historyFrom: string | null;
  historyTo: string | null;
  createdAt: number;
  /** Set when the base URL sends the password unencrypted (http:// to another machine). */
  warning?: string | null;
}

export interface Progress {
  phase: 'running' | 'done';
  records: number;
  pages: number;
  pagesPlanned: number;
  retries: number;
  elapsedMs: number;
  recordsPerSec: number;
  etaMs: number | null;
  streams: Record<string, number>;
}

export interface SyncJob {
  connectionId: string;
  mode: 'backfill' | 'incremental';
  from: string | null;
  to: string | null;
  status: 'running' | 'ok' | 'failed' | 'cancelled';
  startedAt: number;
  finishedAt: number | null;
  progress: Progress;
  error: string | null;
}

export interface SyncRun {
  runId: string;
  mode: string;
  scope: string;
  status: string;
  startedAt: number | null;
  finishedAt: number | null;
  records: number;
  pages: number;
  retries: number;
  error: string | null;
}
