/**
 * The HTTP server, on node:http directly: raw socket control is what lets the sandbox reset a
 * connection or cut a body short. API calls answer HTTP 200 with the CRM's envelope (except injected
 * faults); `/_sandbox/*` are the admin endpoints (admin.ts).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { handleAdmin } from './admin.js';
import { authorise } from './auth.js';
import { sendJson, sendJsonBytes, type ServerState } from './context.js';
import { apiError, MESSAGES, type ApiResponse } from './envelope.js';
import { QUERY_ENDPOINTS } from './endpoints.js';
import { errorPage, faultFor, type FaultKind } from './faults.js';
import { customerHistory } from './history.js';
import { transactionsSummary } from './summary.js';
import { wireBytes } from './wire.js';
import type { Params } from './query.js';
import { runQuery } from './query.js';

const MAX_BODY = 256 * 1024 * 1024;

/** Every API path the sandbox answers (without slashes). */
export const API_PATHS = [...Object.keys(QUERY_ENDPOINTS), 'customer/history', 'transactions/summary'];

/** Creates the HTTP server (not yet listening). */
export function createSandboxServer(state: ServerState): Server {
  const server = createServer((req, res) => {
    handle(state, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { result: 'ERROR', message: `Internal sandbox error: ${err instanceof Error ? err.message : String(err)}` });
      else res.destroy();
    });
  });
  // Clients keep connections alive between pages; close() must not wait for them.
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(state: ServerState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrived = performance.now();
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const path = url.pathname.replace(/^\/+|\/+$/g, '');
  const body = await readBody(req);
  if (path === '_sandbox' || path.startsWith('_sandbox/')) {
    await handleAdmin(state, path.slice('_sandbox'.length).replace(/^\//, ''), req, url, body, res);
    return;
  }
  const n = state.requests++;
  const params = requestParams(url, req, body);
  const held = state.holds.check({ path, n, params });
  const fault = faultFor(state.merchant.config.seed, state.faultRate, n);
  const bytes = wireBytes(answerApi(state, path, params, normaliseAddress(req)));
  // The latency is the time a call takes, from its arrival to its answer, and the sandbox's own work
  // happens within it, as a CRM's servers work on concurrent calls side by side: answering first and
  // then waiting out the rest keeps concurrent calls from queueing behind each other's work on this
  // one event loop (docs/sandbox.md, "Fault injection").
  const wait = state.latencyMs - (performance.now() - arrived);
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  // A held answer is the one worked out at arrival, like a delayed one.
  if (held) await held;
  if (fault) {
    state.faults[fault.kind]++;
    injectFault(res, fault.kind, fault.status, bytes);
    return;
  }
  sendJsonBytes(res, 200, bytes);
}

function normaliseAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? '';
}

/** Answers one API call: credentials, IP whitelist, permission, then the endpoint (records bound for the wire). */
export function answerApi(state: ServerState, path: string, params: Params, ip: string): ApiResponse {
  const known = API_PATHS.includes(path);
  if (!known) return apiError(MESSAGES.unknownEndpoint);
  const denied = authorise(state.users, params.loginId, params.password, ip, path);
  if (denied) return apiError(denied);
  if (path === 'customer/history') return customerHistory(state.merchant, params);
  if (path === 'transactions/summary') return transactionsSummary(state.merchant, params, 'wire');
  const spec = QUERY_ENDPOINTS[path];
  if (!spec) return apiError(MESSAGES.unknownEndpoint);
  return runQuery(state.merchant, spec, params, true, 'wire');
}

/** Query-string parameters merged with a form-encoded body (the body wins). JSON bodies are ignored. */
export function requestParams(url: URL, req: IncomingMessage, body: Buffer): Params {
  const params: Params = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (body.length > 0 && !type.includes('application/json') && !type.includes('multipart/')) {
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params[k] = v;
  }
  return params;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function injectFault(res: ServerResponse, kind: FaultKind, status: number, bytes: Buffer): void {
  switch (kind) {
    case 'BUSY_ERROR':
      sendJson(res, 200, apiError(MESSAGES.busy));
      return;
    case 'HTTP_5XX': {
      const page = errorPage(status);
      res.writeHead(status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(page) });
      res.end(page);
      return;
    }
    case 'HTTP_429':
      res.writeHead(429, { 'Content-Type': 'text/plain', 'Retry-After': '1', 'Content-Length': 17 });
      res.end('Too Many Requests');
      return;
    case 'RESET':
      // Destroying the socket before any byte is written: the client sees ECONNRESET / socket hang up.
      res.socket?.resetAndDestroy?.();
      res.destroy();
      return;
    case 'TRUNCATED': {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
      res.write(bytes.subarray(0, Math.max(1, Math.floor(bytes.length / 2))), () => res.destroy());
      return;
    }
  }
}
