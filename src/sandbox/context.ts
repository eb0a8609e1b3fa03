/**
 * The state the API and admin handlers share, and the JSON responder both use (kept apart from
 * server.ts so admin.ts does not import the server that imports it).
 */
import type { ServerResponse } from 'node:http';
import type { ApiUser } from './auth.js';
import type { FaultKind } from './faults.js';
import type { Holds } from './holds.js';
import type { Merchant } from './model.js';

/** Mutable state shared by the API and admin handlers. */
export interface ServerState {
  merchant: Merchant;
  users: Map<string, ApiUser>;
  adminToken: string;
  faultRate: number;
  latencyMs: number;
  /** API requests seen so far: the fault sequence is keyed on this counter. */
  requests: number;
  faults: Record<FaultKind, number>;
  /** Answers held by tests until they release them (holds.ts). */
  holds: Holds;
  advance(days: number): Promise<void>;
}

/** Sends a JSON body with an exact Content-Length. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  sendJsonText(res, status, JSON.stringify(value), headers);
}

/** Sends JSON already serialised to bytes. */
export function sendJsonBytes(res: ServerResponse, status: number, bytes: Buffer): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.end(bytes);
}

/** Sends JSON already serialised. */
export function sendJsonText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
