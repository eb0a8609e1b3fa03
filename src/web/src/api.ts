/** The dashboard's HTTP client: JSON in and out, the CSRF header on every state change (docs/api.md). */
import type { ReportJson } from '../../report/json';
import type { ReportName, ReportParams } from '../../report/query';
import type { ApiErrorBody, ErrorCode } from '../../server/errors';
import type { SyncStatus } from '../../server/syncs';

/** A connection's sync status as the server reads it from the store (docs/api.md, "Status"). */
export type { SyncStatus };


/** An error answer: the server's code, message and hint (`{"error": {code, message, hint}}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'unreadable_answer',
    message: string,
    readonly hint?: string,
    readonly body?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The error of an answer's body, when it has the API's error shape. */
function errorOf(json: Record<string, unknown>): ApiErrorBody['error'] | null {
  const e = (json as Partial<ApiErrorBody>).error;
  return e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string' ? e : null;
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
    const e = errorOf(json);
    throw e ? new ApiError(res.status, e.code, e.message, e.hint, json) : new ApiError(res.status, 'unreadable_answer', `HTTP ${res.status}`, undefined, json);
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

/** A report's JSON body: the type the server's renderer (src/report/json.ts) produces. */
export type ReportBody<N extends ReportName> = ReportJson[N];

/** GET /api/reports/:name, its parameters and its answer typed by the report. */
export function getReport<N extends ReportName>(name: N, params: ReportParams<N>): Promise<ReportBody<N>> {
  return api<ReportBody<N>>('GET', `/api/reports/${name}${qs(params)}`);
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
  /** ISO 4217: amounts that name no currency are in it; the reports' default. */
  baseCurrency?: string;
  /** CRM records that could not be read, set aside; the first reasons. */
  quarantined?: number;
  quarantineReasons?: { stream: string; record: string; reason: string; attempts: number }[];
  /** Sales, and those a report cannot place yet (no product; rebills without their subscription). */
  attribution?: { sales: number; withoutProduct: number; rebillsWithoutPurchase: number };
  /** The sync status from the store, whoever ran the sync (this server, `konduit sync`, `konduit demo`). */
  status?: SyncStatus;
  /** 'undecryptable': the stored CRM password cannot be opened with this server's key (another key home). */
  credentials?: 'ok' | 'undecryptable';
}

/** GET /api/status: what every report page shows and polls. */
export interface StatusEntry {
  name: string;
  accountName: string;
  timezone: string;
  baseCurrency: string;
  status: SyncStatus;
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

/** A stored sync run, as the server sends it (the server's own type: src/sync/runs.ts). */
export type SyncRun = NonNullable<SyncStatus['lastRun']>;
