/**
 * The CRM query-API client for both brands. Every request is a POST with a form-encoded body, so the
 * password never appears in a URL, a log line or an error. Retries follow retry-policy.ts; requests
 * pass a per-connection concurrency limit and rate limit; every request has a timeout and honours the
 * caller's AbortSignal.
 *
 * What a broken or hostile CRM cannot do (docs/security.md): redirect the request (and its password) to
 * another origin (redirects are followed only within the base URL's origin), answer with an unbounded
 * body (read up to maxResponseBytes, then refused), or get the password into an error (every text the
 * CRM or the network gives is passed through redactPasswords before it becomes a message).
 */
import { KonduitError, EXIT_INVALID, EXIT_USAGE } from '../core/errors.js';
import { redactPasswords } from '../core/mask.js';
import { DEFAULT_RETRY, isEmptyResultMessage, retryDecision, type FatalKind, type Outcome } from './retry-policy.js';
import { RateLimiter, Semaphore } from './rate-limit.js';
import { Envelope, PageMessage } from './schemas.js';

export const BRAND_BASE_URLS = {
  konnektive: 'https://api.konnektive.com',
  checkoutchamp: 'https://api.checkoutchamp.com',
} as const;

/** Query endpoints the sync reads. */
export type Endpoint = 'campaign/query' | 'product/query' | 'coupon/query' | 'customer/query' | 'order/query' | 'transactions/query' | 'purchase/query' | 'transactions/summary';

export interface CrmClientOptions {
  baseUrl: string;
  loginId: string;
  password: string;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Request starts per second (default 20; 0 = unlimited). */
  requestsPerSecond?: number;
  /** Per-attempt timeout (default 120 s, as clients of the live API use). */
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Called before each retry wait: what failed and how long until the next try. */
  onRetry?: (info: { endpoint: Endpoint; attempt: number; reason: string; waitMs: number }) => void;
  /** Largest answer read, decoded (default 64 MiB: a page of 200 records is well under 2 MiB). */
  maxResponseBytes?: number;
}

const MAX_REDIRECTS = 5;
const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Whether a URL's host is this machine (127.0.0.0/8, ::1, localhost). */
function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * A warning for a base URL that would send the API password unencrypted: http:// to a host other than
 * this machine. Null for https:// and for loopback (the sandbox, a local tunnel).
 */
export function insecureBaseUrlWarning(baseUrl: string): string | null {
  let u: URL;
  try {
    u = new URL(baseUrl);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' || isLoopbackHost(u.hostname)) return null;
  return `the base URL ${u.origin} is http://: the API password will cross the network unencrypted; use https:// unless this is a test CRM on a network you trust`;
}

/** Reads a body up to `max` bytes; null when it is larger (the rest is not read). */
async function readCapped(res: Response, max: number): Promise<string | null> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel().catch(() => undefined);
    return null;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A CRM failure that retrying cannot fix; says what to change. Never carries the password. */
export class CrmError extends KonduitError {
  constructor(
    readonly kind: FatalKind | 'exhausted',
    message: string,
    hint?: string,
  ) {
    super(message, kind === 'exhausted' || kind === 'cancelled' ? EXIT_USAGE : EXIT_INVALID, hint);
  }
}

/** One page of a paginated query. */
export interface Page {
  page: number;
  resultsPerPage: number;
  totalResults: number;
  records: unknown[];
}

/** "YYYY-MM-DD" -> "MM/DD/YYYY", the documented date format (docs/crm-api.md). */
export function crmDate(date: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new RangeError(`not a date: ${date}`);
  return `${m[2]}/${m[3]}/${m[1]}`;
}

/** Interprets an HTTP exchange as an Outcome (pure). */
export function interpretResponse(status: number, body: string, retryAfter: string | null = null): Outcome {
  if (status !== 200) return { kind: 'http', status, retryAfter };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'bad-body', detail: body.length === 0 ? 'empty body' : `not JSON: ${body.slice(0, 40).replace(/\s+/g, ' ')}` };
  }
  const env = Envelope.safeParse(json);
  if (!env.success) return { kind: 'bad-body', detail: 'no result field' };
  if (env.data.result === 'SUCCESS') return { kind: 'success', message: env.data.message };
  const msg = env.data.message;
  const text = typeof msg === 'string' ? msg : msg === null || msg === undefined ? '' : JSON.stringify(msg);
  if (isEmptyResultMessage(text)) return { kind: 'empty' };
  return { kind: 'crm-error', message: text };
}

/** Reads a page from a success message (pure); `data` as array or keyed object. */
export function parsePage(message: unknown, page: number, perPage: number): Page {
  const parsed = PageMessage.safeParse(message);
  if (!parsed.success) {
    // Some endpoints answer with a bare list (non-paginated reports).
    if (Array.isArray(message)) return { page, resultsPerPage: perPage, totalResults: message.length, records: message };
    throw new CrmError('request', 'the CRM answered with a page this client cannot read');
  }
  const records = parsed.data.data;
  return {
    page: parsed.data.page ?? page,
    resultsPerPage: parsed.data.resultsPerPage ?? perPage,
    totalResults: parsed.data.totalResults ?? records.length,
    records,
  };
}

/** Whether a paginated walk continues after this page (stops at the total or at a short page). */
export function hasNextPage(p: Page, requestedPerPage: number): boolean {
  if (p.records.length === 0) return false;
  if (p.records.length < requestedPerPage) return false;
  return p.page * requestedPerPage < p.totalResults;
}

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** A client for one CRM connection. */
export class CrmClient {
  private readonly sem: Semaphore;
  private readonly limiter: RateLimiter;
  private readonly fetchImpl: typeof fetch;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  readonly baseUrl: string;
  /** Retries made so far (all endpoints). */
  retries = 0;
  /** Requests sent so far, retries included. */
  requests = 0;

  constructor(private readonly o: CrmClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.sem = new Semaphore(o.concurrency ?? 4);
    this.limiter = new RateLimiter(o.requestsPerSecond ?? 20);
    this.fetchImpl = o.fetch ?? fetch;
    this.sleep = o.sleep ?? defaultSleep;
    this.random = o.random ?? Math.random;
  }

  /** One attempt: HTTP exchange -> Outcome, every text in it with the password redacted. */
  private async attempt(endpoint: Endpoint, params: Record<string, string>, signal?: AbortSignal): Promise<Outcome> {
    const o = await this.exchange(endpoint, params, signal);
    const clean = (text: string) => redactPasswords(text, [this.o.password]);
    if (o.kind === 'crm-error') return { ...o, message: clean(o.message) };
    if (o.kind === 'bad-body') return { ...o, detail: clean(o.detail) };
    if (o.kind === 'network') return { ...o, message: clean(o.message) };
    return o;
  }

  private async exchange(endpoint: Endpoint, params: Record<string, string>, signal?: AbortSignal): Promise<Outcome> {
    if (signal?.aborted) return { kind: 'aborted' };
    const body = new URLSearchParams({ loginId: this.o.loginId, password: this.o.password, ...params });
    const timeout = AbortSignal.timeout(this.o.timeoutMs ?? 120_000);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    this.requests++;
    try {
      let url = new URL(`${this.baseUrl}/${endpoint}/`);
      for (let hop = 0; ; hop++) {
        // Redirects by hand: the body carries the password, so it is re-sent only within the base URL's origin.
        const res = await this.fetchImpl(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: body.toString(),
          signal: combined,
          redirect: 'manual',
        });
        const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
        if (location !== null) {
          await res.body?.cancel().catch(() => undefined);
          const next = new URL(location, url);
          if (next.origin !== url.origin) {
            return { kind: 'refused', message: `${endpoint}: the CRM redirected the request to another origin (${next.origin}); not followed, since the request carries the API password`, hint: `Check the base URL (${this.baseUrl}); if the CRM moved, connect again with its new address.` };
          }
          if (hop >= MAX_REDIRECTS) return { kind: 'refused', message: `${endpoint}: more than ${MAX_REDIRECTS} redirects`, hint: `Check the base URL (${this.baseUrl}).` };
          url = next;
          continue;
        }
        const max = this.o.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
        const text = await readCapped(res, max);
        if (text === null) {
          return { kind: 'refused', message: `${endpoint}: the CRM's answer is larger than ${Math.round(max / 1024 / 1024)} MiB; not read`, hint: 'A page of 200 records is far smaller; check the base URL points at the CRM\'s API.' };
        }
        return interpretResponse(res.status, text, res.headers.get('retry-after'));
      }
    } catch (err) {
      if (signal?.aborted) return { kind: 'aborted' };
      if (timeout.aborted) return { kind: 'timeout' };
      const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string }; message?: string };
      // Never echo the request (it holds the password): keep only the error code and a short text.
      return { kind: 'network', code: e.cause?.code ?? e.code, message: (e.cause?.message ?? e.message ?? 'failed').slice(0, 120) };
    }
  }

  /** Sends a request with retries; returns the success message, or null for an empty result. */
  async request(endpoint: Endpoint, params: Record<string, string>, signal?: AbortSignal): Promise<{ message: unknown } | null> {
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new CrmError('cancelled', 'the sync was cancelled');
      await this.limiter.take();
      const release = await this.sem.acquire();
      let outcome: Outcome;
      try {
        outcome = await this.attempt(endpoint, params, signal);
      } finally {
        release();
      }
      if (outcome.kind === 'success') return { message: outcome.message };
      if (outcome.kind === 'empty') return null;
      const d = retryDecision(outcome, attempt, {
        maxAttempts: this.o.maxAttempts ?? DEFAULT_RETRY.maxAttempts,
        baseDelayMs: this.o.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
        maxDelayMs: this.o.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
        random: this.random(),
        now: Date.now(),
      });
      if (d.fatal) throw new CrmError(d.fatal.kind, `${endpoint}: ${d.fatal.message}`, d.fatal.hint);
      if (!d.retry) {
        throw new CrmError('exhausted', `${endpoint}: ${d.reason}`, 'The CRM kept failing; try again later (the sync resumes where it stopped).');
      }
      this.retries++;
      this.o.onRetry?.({ endpoint, attempt, reason: d.reason, waitMs: d.waitMs });
      try {
        await this.sleep(d.waitMs, signal);
      } catch {
        throw new CrmError('cancelled', 'the sync was cancelled');
      }
    }
  }

  /** Fetches one page of a query (page is 1-based). */
  async fetchPage(endpoint: Endpoint, params: Record<string, string>, page: number, perPage = 200, signal?: AbortSignal): Promise<Page> {
    const res = await this.request(endpoint, { ...params, page: String(page), resultsPerPage: String(perPage) }, signal);
    if (res === null) return { page, resultsPerPage: perPage, totalResults: 0, records: [] };
    return parsePage(res.message, page, perPage);
  }

  /** Walks a query's pages in order from `firstPage`. */
  async *pages(endpoint: Endpoint, params: Record<string, string>, opts: { perPage?: number; firstPage?: number; signal?: AbortSignal } = {}): AsyncGenerator<Page> {
    const perPage = opts.perPage ?? 200;
    for (let page = opts.firstPage ?? 1; ; page++) {
      const p = await this.fetchPage(endpoint, params, page, perPage, opts.signal);
      yield p;
      if (!hasNextPage(p, perPage)) return;
    }
  }

  /** One cheap call that proves the credentials, whitelist and a query permission (used by connect). */
  async testCredentials(today: string, signal?: AbortSignal): Promise<void> {
    await this.fetchPage('order/query', { startDate: crmDate(today), endDate: crmDate(today) }, 1, 1, signal);
  }
}
