/**
 * Authentication and request protection for the dashboard (docs/dashboard.md, "Security"):
 * - one admin account, created on the first visit or from KONDUIT_ADMIN_PASSWORD, hashed with scrypt;
 * - sessions: a random id in an httpOnly, SameSite=Strict cookie (Secure behind TLS), kept in memory;
 * - CSRF: every state change with a session cookie must come from our own origin (Origin, else
 *   Sec-Fetch-Site/Referer) AND carry the session's token in X-CSRF-Token (double submit: the token is
 *   also readable in the konduit_csrf cookie). A cross-site form can do neither;
 * - API tokens for scripts (Authorization: Bearer), stored as SHA-256 hashes, shown once;
 * - login attempts limited per client address.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashPassword, verifyPassword } from './passwords.js';
import type { ServerState, TokenRecord } from './state.js';

export const SESSION_COOKIE = 'konduit_session';
export const CSRF_COOKIE = 'konduit_csrf';
export const CSRF_HEADER = 'x-csrf-token';
export const MIN_PASSWORD_LENGTH = 10;

const SESSION_IDLE_MS = 12 * 60 * 60 * 1000;
const TOKEN_PREFIX = 'kdt_';
const LAST_USED_EVERY_MS = 60_000;

export interface Session {
  id: string;
  csrf: string;
  username: string;
  expiresAt: number;
}

/** Who made a request: a browser session or a script's API token. */
export type Principal = { kind: 'session'; session: Session } | { kind: 'token'; token: Readonly<TokenRecord> };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A sliding-window limit of failed logins per key (client address): `max` failures per `windowMs`.
 * An attempt is reserved before its password is checked (the slow scrypt hash) and counts against the
 * limit while it is in flight, so parallel attempts cannot all pass the check before any has failed.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60 * 1000,
  ) {}

  /**
   * Reserves an attempt for `key`: 0 when it may try now (end it with fail() or succeed()), else the
   * milliseconds until it may (the oldest failure's expiry; a second while attempts are in flight).
   */
  begin(key: string, now = Date.now()): number {
    const recent = (this.failures.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (recent.length > 0) this.failures.set(key, recent);
    else this.failures.delete(key);
    const pending = this.inFlight.get(key) ?? 0;
    if (recent.length >= this.max) return (recent[0] ?? now) + this.windowMs - now;
    if (recent.length + pending >= this.max) return 1000;
    this.inFlight.set(key, pending + 1);
    return 0;
  }

  /** Ends a reserved attempt that failed. */
  fail(key: string, now = Date.now()): void {
    this.end(key);
    // Bound the memory a flood of addresses can take: forget those whose failures have all expired.
    if (this.failures.size > 10_000) {
      for (const [k, times] of this.failures) if (times.every((t) => now - t >= this.windowMs)) this.failures.delete(k);
    }
    const list = this.failures.get(key) ?? [];
    list.push(now);
    this.failures.set(key, list);
  }

  /** Ends a reserved attempt that succeeded: the key's failures are forgotten. */
  succeed(key: string): void {
    this.end(key);
    this.failures.delete(key);
  }

  private end(key: string): void {
    const pending = (this.inFlight.get(key) ?? 0) - 1;
    if (pending > 0) this.inFlight.set(key, pending);
    else this.inFlight.delete(key);
  }
}

/** The admin account, sessions and API tokens. */
export class Auth {
  private readonly sessions = new Map<string, Session>();
  readonly limiter = new LoginLimiter();

  constructor(private readonly state: ServerState) {}

  /** True until the admin account exists (the first visit shows the "create account" form). */
  needsSetup(): boolean {
    return this.state.data.admin === null;
  }

  adminName(): string | null {
    return this.state.data.admin?.username ?? null;
  }

  /** Sets the admin account (first visit, or KONDUIT_ADMIN_PASSWORD at start-up). */
  async setAdmin(username: string, password: string): Promise<void> {
    const admin = { username, hash: await hashPassword(password), createdAt: Date.now() };
    await this.state.update((d) => void (d.admin = admin));
    this.sessions.clear();
  }

  /** True when the admin's password is this one (used to keep a KONDUIT_ADMIN_PASSWORD in force without re-hashing). */
  async adminPasswordIs(password: string): Promise<boolean> {
    const a = this.state.data.admin;
    return a !== null && (await verifyPassword(password, a.hash));
  }

  /** Checks a login; a new session on success, null on a wrong username or password. */
  async login(username: string, password: string): Promise<Session | null> {
    const a = this.state.data.admin;
    // Hash even when the account does not exist, so timing does not tell which part was wrong.
    const ok = a ? await verifyPassword(password, a.hash) : (await hashPassword(password), false);
    if (!a || !ok || !sameString(username, a.username)) return null;
    return this.newSession(a.username);
  }

  /** Starts a session for `username`. */
  newSession(username: string): Session {
    const s: Session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(24).toString('base64url'), username, expiresAt: Date.now() + SESSION_IDLE_MS };
    this.sessions.set(s.id, s);
    return s;
  }

  /** The live session with this id (its idle timer restarts), or null. */
  session(id: string | undefined): Session | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    if (s.expiresAt < Date.now()) {
      this.sessions.delete(id);
      return null;
    }
    s.expiresAt = Date.now() + SESSION_IDLE_MS;
    return s;
  }

  logout(id: string): void {
    this.sessions.delete(id);
  }

  /** The token record for a bearer token, or null. */
  async tokenFor(bearer: string): Promise<Readonly<TokenRecord> | null> {
    if (!bearer.startsWith(TOKEN_PREFIX)) return null;
    const h = sha256(bearer);
    const t = this.state.data.tokens.find((x) => sameString(x.sha256, h)) ?? null;
    const now = Date.now();
    // Recorded at most once a minute (a write per request would queue behind busy scripts), and best
    // effort: a failed write must not fail the request. A token revoked meanwhile stays revoked: the
    // update finds it gone in the file.
    if (t && (t.lastUsedAt === null || now - t.lastUsedAt > LAST_USED_EVERY_MS)) {
      void this.state
        .update((d) => {
          const live = d.tokens.find((x) => x.id === t.id);
          if (live) live.lastUsedAt = now;
        })
        .catch(() => undefined);
    }
    return t;
  }

  /** Creates an API token; its secret is returned here only. */
  async createToken(name: string): Promise<{ token: string; record: TokenRecord }> {
    const token = `${TOKEN_PREFIX}${randomBytes(30).toString('base64url')}`;
    const record: TokenRecord = { id: randomBytes(6).toString('hex'), name, sha256: sha256(token), createdAt: Date.now(), lastUsedAt: null };
    await this.state.update((d) => void d.tokens.push(record));
    return { token, record };
  }

  listTokens(): Omit<Readonly<TokenRecord>, 'sha256'>[] {
    return this.state.data.tokens.map(({ sha256: _h, ...rest }) => rest);
  }

  /** Revokes a token by id; false when unknown. */
  async revokeToken(id: string): Promise<boolean> {
    return this.state.update((d) => {
      const before = d.tokens.length;
      d.tokens = d.tokens.filter((t) => t.id !== id);
      return d.tokens.length !== before;
    });
  }

  /** True when the request's CSRF token matches the session's. */
  csrfMatches(session: Session, header: string | undefined): boolean {
    return header !== undefined && sameString(header, session.csrf);
  }
}

/**
 * Whether a request comes from our own origin. Browsers send Origin on every cross-origin request and on
 * same-origin POSTs; when it is absent we fall back to Sec-Fetch-Site, then Referer. A request with none
 * of them (curl, scripts) counts as same-origin: it cannot carry a victim's cookies by accident, and it
 * still needs the CSRF header to use a session.
 */
export function sameOrigin(headers: { origin?: string; host?: string; forwardedHost?: string; fetchSite?: string; referer?: string }): boolean {
  const host = headers.forwardedHost ?? headers.host;
  if (!host) return false;
  const hostOf = (u: string) => {
    try {
      return new URL(u).host;
    } catch {
      return null;
    }
  };
  if (headers.origin !== undefined) return headers.origin !== 'null' && hostOf(headers.origin) === host;
  if (headers.fetchSite !== undefined) return headers.fetchSite === 'same-origin' || headers.fetchSite === 'none';
  if (headers.referer !== undefined) return hostOf(headers.referer) === host;
  return true;
}
