/**
 * API users: loginId/password on every call, a per-user IP whitelist (addresses, CIDR ranges and the
 * provider keywords AWS, GOOGLE, AZURE, CLOUDFLARE, DIGITAL_OCEAN), and per-endpoint permissions.
 * Checked in that order, as the reference's simulator guidance says.
 */
import { MESSAGES } from './envelope.js';

export interface ApiUser {
  loginId: string;
  password: string;
  /** Addresses, CIDRs or provider keywords; the default user allows loopback only. */
  ipWhitelist: string[];
  /** Endpoint paths this user may call ("order/query", ...), or ['*'] for all. */
  endpoints: string[];
}

/**
 * The sandbox cannot know the providers' live ranges; each keyword stands for a few well-known blocks of
 * that provider (enough for tests and demos; docs/sandbox.md lists them).
 */
export const PROVIDER_RANGES: Record<string, string[]> = {
  AWS: ['3.0.0.0/9', '13.32.0.0/15', '52.0.0.0/10', '54.64.0.0/11'],
  GOOGLE: ['34.64.0.0/10', '35.184.0.0/13', '104.196.0.0/14'],
  AZURE: ['20.0.0.0/11', '40.64.0.0/10', '52.224.0.0/11'],
  CLOUDFLARE: ['104.16.0.0/13', '172.64.0.0/13', '162.158.0.0/15'],
  DIGITAL_OCEAN: ['159.89.0.0/16', '167.99.0.0/16', '138.197.0.0/16'],
};

/** The caller's address without the IPv4-mapped IPv6 prefix. */
export function normaliseIp(ip: string | undefined): string {
  if (!ip) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function ipv4ToInt(ip: string): number | null {
  const parts = ip.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/');
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base ?? '');
  if (a === null || b === null) return false;
  const bits = Number(bitsText ?? 32);
  const size = 2 ** (32 - bits);
  return Math.floor(a / size) === Math.floor(b / size);
}

/** True when `ip` matches one whitelist entry (address, CIDR or provider keyword). */
export function ipAllowed(ip: string, whitelist: readonly string[]): boolean {
  const addr = normaliseIp(ip);
  for (const raw of whitelist) {
    const entry = raw.trim();
    const ranges = PROVIDER_RANGES[entry.toUpperCase()];
    if (ranges) {
      if (ranges.some((r) => inCidr(addr, r))) return true;
    } else if (entry.includes('/')) {
      if (inCidr(addr, entry)) return true;
    } else if (normaliseIp(entry) === addr) {
      return true;
    }
  }
  return false;
}

/** Checks a call; returns the CRM's error message, or null when the call may proceed. */
export function authorise(users: ReadonlyMap<string, ApiUser>, loginId: string | undefined, password: string | undefined, ip: string, endpoint: string): string | null {
  const user = loginId ? users.get(loginId) : undefined;
  if (!user || password === undefined || user.password !== password) return MESSAGES.invalidLogin;
  if (!ipAllowed(ip, user.ipWhitelist)) return MESSAGES.ipNotWhitelisted(normaliseIp(ip));
  if (!user.endpoints.includes('*') && !user.endpoints.includes(endpoint)) return MESSAGES.noAccess;
  return null;
}
