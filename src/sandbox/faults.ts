/**
 * Fault injection, deterministic by seed: request number n (counted from the sandbox's start, API calls
 * only) fails when hash(seed, n) falls under the configured rate, and the same hash picks the kind.
 * Same seed and rate, same sequence of requests: the same requests fail in the same ways.
 */
import { hash32, mix32 } from './prng.js';

export type FaultKind = 'BUSY_ERROR' | 'HTTP_5XX' | 'HTTP_429' | 'RESET' | 'TRUNCATED';
export const FAULT_KINDS: readonly FaultKind[] = ['BUSY_ERROR', 'HTTP_5XX', 'HTTP_429', 'RESET', 'TRUNCATED'];

/** The fault (if any) of request number n, and for 5xx which status. */
export function faultFor(seed: string, rate: number, n: number): { kind: FaultKind; status: number } | null {
  if (!(rate > 0)) return null;
  const key = hash32(`faults:${seed}`);
  const roll = mix32(key, n) / 4294967296;
  if (roll >= rate) return null;
  const pick = mix32(key ^ 0x5bd1e995, n);
  const kind = FAULT_KINDS[pick % FAULT_KINDS.length] as FaultKind;
  const status = [500, 502, 503][Math.floor(pick / 8) % 3] as number;
  return { kind, status };
}

/** Body of an injected 5xx: an HTML page, as a proxy in front of the CRM would send. */
export function errorPage(status: number): string {
  const title = status === 500 ? 'Internal Server Error' : status === 502 ? 'Bad Gateway' : 'Service Unavailable';
  return `<html><head><title>${status} ${title}</title></head><body><h1>${status} ${title}</h1></body></html>`;
}
