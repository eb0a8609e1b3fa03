import { describe, expect, it } from 'vitest';
import { backoffMs, classifyCrmError, isEmptyResultMessage, retryAfterMs, retryDecision, type RetryOptions } from './retry-policy.js';

const o: RetryOptions = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 10_000, random: 0.5, now: 0 };

describe('retryDecision', () => {
  it('retries transient faults with growing, jittered waits', () => {
    for (const outcome of [
      { kind: 'crm-error', message: 'ERROR' },
      { kind: 'crm-error', message: '' },
      { kind: 'http', status: 502 },
      { kind: 'http', status: 503 },
      { kind: 'bad-body', detail: 'not JSON' },
      { kind: 'network', code: 'ECONNRESET', message: 'socket hang up' },
      { kind: 'timeout' },
    ] as const) {
      const d = retryDecision(outcome, 1, o);
      expect(d.retry, JSON.stringify(outcome)).toBe(true);
      expect(d.fatal).toBeUndefined();
    }
    expect(retryDecision({ kind: 'timeout' }, 1, o).waitMs).toBe(75);
    expect(retryDecision({ kind: 'timeout' }, 3, o).waitMs).toBe(300);
    expect(retryDecision({ kind: 'timeout' }, 3, { ...o, random: 0 }).waitMs).toBe(200);
  });

  it('honours Retry-After on 429, in seconds or as a date', () => {
    expect(retryDecision({ kind: 'http', status: 429, retryAfter: '3' }, 1, o)).toMatchObject({ retry: true, waitMs: 3000 });
    expect(retryDecision({ kind: 'http', status: 429, retryAfter: new Date(2000).toUTCString() }, 1, { ...o, now: 0 }).waitMs).toBe(2000);
    expect(retryDecision({ kind: 'http', status: 429 }, 1, o).waitMs).toBe(75);
  });

  it('gives up after maxAttempts', () => {
    const d = retryDecision({ kind: 'http', status: 500 }, 5, o);
    expect(d.retry).toBe(false);
    expect(d.reason).toMatch(/gave up after 5 attempts/);
  });

  it('fails at once on a non-whitelisted IP, naming the IP to whitelist', () => {
    const d = retryDecision({ kind: 'crm-error', message: 'IP must be whitelisted - 203.0.113.7' }, 1, o);
    expect(d.retry).toBe(false);
    expect(d.fatal?.kind).toBe('ip-whitelist');
    expect(d.fatal?.hint).toContain('203.0.113.7');
    expect(d.fatal?.hint).toMatch(/IP Whitelist/);
  });

  it('fails at once on a missing endpoint permission, saying which boxes to tick', () => {
    const d = retryDecision({ kind: 'crm-error', message: 'API user does not have access to this endpoint' }, 1, o);
    expect(d.fatal?.kind).toBe('endpoint-permission');
    expect(d.fatal?.hint).toMatch(/Query/);
  });

  it('fails at once on bad credentials (message or HTTP 401/403)', () => {
    expect(retryDecision({ kind: 'crm-error', message: 'Invalid login credentials' }, 1, o).fatal?.kind).toBe('credentials');
    expect(retryDecision({ kind: 'http', status: 401 }, 1, o).fatal?.kind).toBe('credentials');
    expect(retryDecision({ kind: 'http', status: 403 }, 1, o).fatal?.hint).toMatch(/loginId and password/);
  });

  it('does not retry success, empty, cancellation or a rejected request', () => {
    expect(retryDecision({ kind: 'success', message: {} }, 1, o).retry).toBe(false);
    expect(retryDecision({ kind: 'empty' }, 1, o).retry).toBe(false);
    expect(retryDecision({ kind: 'aborted' }, 1, o).fatal?.kind).toBe('cancelled');
    expect(retryDecision({ kind: 'crm-error', message: 'startDate is a required field' }, 1, o).fatal?.kind).toBe('request');
    expect(retryDecision({ kind: 'http', status: 404 }, 1, o).fatal?.kind).toBe('request');
  });
});

describe('helpers', () => {
  it('recognises every "No ... matching those parameters could be found" message as empty', () => {
    for (const t of ['orders', 'transactions', 'customers', 'purchases', 'records']) {
      expect(isEmptyResultMessage(`No ${t} matching those parameters could be found`)).toBe(true);
    }
    expect(isEmptyResultMessage('IP must be whitelisted - 1.2.3.4')).toBe(false);
  });
  it('caps the backoff', () => {
    expect(backoffMs(30, { baseDelayMs: 100, maxDelayMs: 1000, random: 0.999 })).toBeLessThanOrEqual(1000);
  });
  it('parses Retry-After', () => {
    expect(retryAfterMs('1.5', 0)).toBe(1500);
    expect(retryAfterMs('soon', 0)).toBeNull();
    expect(retryAfterMs(null, 0)).toBeNull();
  });
  it('classifies bare ERROR as transient', () => {
    expect(classifyCrmError('ERROR')).toEqual({ transient: true });
  });
});
