/**
 * The sandbox CRM: a local server that speaks the Konnektive / Checkout Champ query API and serves a
 * deterministic synthetic merchant (docs/sandbox.md). Tests start it in-process with startSandbox.
 */
import type { AddressInfo } from 'node:net';
import type { ApiUser } from './auth.js';
import type { ServerState } from './context.js';
import { exportGroundTruth } from './export.js';
import { advanceMerchant, generateMerchant as generate, type GenerateOptions } from './generator.js';
import type { Merchant } from './model.js';
import { createSandboxServer } from './server.js';
import { Holds, type ApiCall, type RequestHold } from './holds.js';

export type { Merchant, Profile, Currency, Coupon } from './model.js';
export type { ApiUser } from './auth.js';
export type { ApiCall, RequestHold } from './holds.js';
export type { GenerateOptions } from './generator.js';
export { exportGroundTruth };
export { ADMIN_HEADER } from './admin.js';
export { MESSAGES } from './envelope.js';
export { applyLegacyImport, type IntakeResult, type IntakeRefusal } from './intake.js';
export { customerById, txnById, merchantTxnIdOf, lineCharge, REBILL_RESPONSE_WEIGHTS, RECYCLE_DAYS } from './generator.js';
export { customerRecord, orderRecord, txnRecord, purchaseRecord, campaignRecord, productRecord, couponRecord, type ApiRecord, type View } from './records.js';
export { EXPORT_TABLES, TRUTH_TABLES, csvLine, columnsOf } from './export.js';
export { CURRENCIES, currencyOf } from './currency.js';
export { oddityOf, ODD_KINDS, UNREADABLE_KINDS, type OddKind, type UnreadableKind } from './oddities.js';

/** startSandbox's options: the merchant's (GenerateOptions: seed, size, clock, profile...) and the server's. */
export interface SandboxOptions extends GenerateOptions {
  /** 0 = ephemeral; the CLI defaults to 8787, startSandbox to 0. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  loginId?: string;
  password?: string;
  latencyMs?: number;
  faultRate?: number;
  adminToken?: string;
}

export interface Sandbox {
  baseUrl: string;
  loginId: string;
  password: string;
  adminToken: string;
  timezone: string;
  /** The in-memory state, for oracles. */
  merchant: Merchant;
  /** Moves the merchant's clock forward n days (new sales, rebills, refunds, chargebacks). */
  advanceDays(days: number): Promise<void>;
  /** How many API requests the server has received so far (tests use it to act at a known point of a sync). */
  requestsServed(): number;
  /**
   * Holds the answers of the API calls `match` selects (from now on) until the hold is released: a test
   * waits for `arrived` to act while those calls are in flight (docs/sandbox.md, "Holding answers").
   */
  hold(match: (call: ApiCall) => boolean): RequestHold;
  close(): Promise<void>;
}

export const DEFAULT_LOGIN_ID = 'sandbox_api';
export const DEFAULT_PASSWORD = 'sandbox-pass-1';
export const DEFAULT_ADMIN_TOKEN = 'sandbox-admin-token';
export const DEFAULT_SEED = 'konduit';

/** Generates a merchant, deterministic from its seed (see GenerateOptions). */
export function generateMerchant(opts: GenerateOptions = {}): Merchant {
  return generate(opts);
}

/** Starts a sandbox CRM on 127.0.0.1 (port 0 = ephemeral unless given). */
export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const timezone = opts.timezone ?? 'America/New_York';
  const merchant = generate({ ...opts, seed: opts.seed ?? DEFAULT_SEED, timezone });
  const loginId = opts.loginId ?? DEFAULT_LOGIN_ID;
  const password = opts.password ?? DEFAULT_PASSWORD;
  if (password.includes('&')) throw new RangeError("the API user's password must not contain '&'");
  const adminToken = opts.adminToken ?? DEFAULT_ADMIN_TOKEN;
  const user: ApiUser = { loginId, password, ipWhitelist: ['127.0.0.1', '::1'], endpoints: ['*'] };
  const advance = async (days: number) => {
    advanceMerchant(merchant, days);
  };
  const state: ServerState = {
    merchant,
    users: new Map([[loginId, user]]),
    adminToken,
    faultRate: opts.faultRate ?? 0,
    latencyMs: opts.latencyMs ?? 0,
    requests: 0,
    faults: { BUSY_ERROR: 0, HTTP_5XX: 0, HTTP_429: 0, RESET: 0, TRUNCATED: 0 },
    holds: new Holds(),
    advance,
  };
  const server = createSandboxServer(state);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    baseUrl: `http://${urlHost}:${port}`,
    loginId,
    password,
    adminToken,
    timezone,
    merchant,
    advanceDays: advance,
    requestsServed: () => state.requests,
    hold: (match) => state.holds.add(match),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Held calls are answered (to whoever still listens) so that no handler waits forever.
        state.holds.releaseAll();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
