/**
 * Admin endpoints under /_sandbox/, guarded by the admin token in the `X-Sandbox-Admin-Token` header:
 * read the state, advance the clock, manage API users, change faults, and the legacy import intake.
 * JSON in, JSON out; never faulted, never delayed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { instantToCrmWall } from '../core/time.js';
import type { ApiUser } from './auth.js';
import { applyIntakeRequest } from './intake.js';
import { sendJson, type ServerState } from './context.js';

export const ADMIN_HEADER = 'x-sandbox-admin-token';

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  const v: unknown = JSON.parse(body.toString('utf8'));
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A summary of the sandbox: clock, row counts, requests and faults so far. */
export function stateSummary(state: ServerState): Record<string, unknown> {
  const m = state.merchant;
  return {
    now: instantToCrmWall(m.now, m.config.timezone),
    timezone: m.config.timezone,
    seed: m.config.seed,
    start: m.config.start,
    profile: m.config.profile,
    currencies: m.config.currencies,
    counts: { customers: m.customers.length, orders: m.orders.length, transactions: m.txns.length, purchases: m.purchases.length, campaigns: m.campaigns.length, products: m.products.length, coupons: m.coupons.length },
    requests: state.requests,
    faultRate: state.faultRate,
    latencyMs: state.latencyMs,
    faults: state.faults,
    users: [...state.users.values()].map((u) => ({ loginId: u.loginId, ipWhitelist: u.ipWhitelist, endpoints: u.endpoints })),
  };
}

/** Handles /_sandbox/<route>. */
export async function handleAdmin(state: ServerState, route: string, req: IncomingMessage, url: URL, body: Buffer, res: ServerResponse): Promise<void> {
  if (req.headers[ADMIN_HEADER] !== state.adminToken) {
    sendJson(res, 401, { error: `missing or wrong ${ADMIN_HEADER} header` });
    return;
  }
  let input: Record<string, unknown>;
  try {
    input = parseJson(body);
  } catch (err) {
    sendJson(res, 400, { error: err instanceof Error ? err.message : String(err) });
    return;
  }
  const method = req.method ?? 'GET';
  if (route === 'state' && method === 'GET') {
    sendJson(res, 200, stateSummary(state));
  } else if (route === 'advance' && method === 'POST') {
    const days = Number(input.days ?? url.searchParams.get('days') ?? NaN);
    if (!Number.isFinite(days) || days < 0 || days > 3650) {
      sendJson(res, 400, { error: 'days must be a number from 0 to 3650' });
      return;
    }
    await state.advance(days);
    sendJson(res, 200, stateSummary(state));
  } else if (route === 'users' && method === 'POST') {
    const user = toUser(input);
    if (typeof user === 'string') {
      sendJson(res, 400, { error: user });
      return;
    }
    state.users.set(user.loginId, user);
    sendJson(res, 200, { loginId: user.loginId, ipWhitelist: user.ipWhitelist, endpoints: user.endpoints });
  } else if (route === 'faults' && method === 'POST') {
    if (input.faultRate !== undefined) state.faultRate = Math.min(1, Math.max(0, Number(input.faultRate) || 0));
    if (input.latencyMs !== undefined) state.latencyMs = Math.max(0, Number(input.latencyMs) || 0);
    if (input.resetCounter === true) state.requests = 0;
    sendJson(res, 200, stateSummary(state));
  } else if (route === 'intake' && method === 'POST') {
    const { status, body: answer } = await applyIntakeRequest(state.merchant, input);
    sendJson(res, status, answer);
  } else {
    sendJson(res, 404, { error: `no admin route ${method} /_sandbox/${route}` });
  }
}

function toUser(input: Record<string, unknown>): ApiUser | string {
  const { loginId, password, ipWhitelist, endpoints } = input;
  if (typeof loginId !== 'string' || loginId === '' || loginId.length > 32) return 'loginId must be a string of 1 to 32 characters';
  if (typeof password !== 'string' || password === '' || password.length > 32) return 'password must be a string of 1 to 32 characters';
  if (password.includes('&')) return "password must not contain '&' (the CRM forbids it)";
  const list = (v: unknown, fallback: string[]) => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((s) => s.trim()) : fallback);
  return { loginId, password, ipWhitelist: list(ipWhitelist, ['127.0.0.1', '::1']), endpoints: list(endpoints, ['*']) };
}
