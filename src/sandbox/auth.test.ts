import { describe, expect, it } from 'vitest';
import { authorise, ipAllowed, type ApiUser } from './auth.js';
import { MESSAGES } from './envelope.js';

describe('ipAllowed', () => {
  it('matches addresses, IPv4-mapped IPv6, CIDR ranges and provider keywords', () => {
    expect(ipAllowed('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(ipAllowed('::ffff:127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(ipAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipAllowed('34.70.1.2', ['GOOGLE'])).toBe(true);
    expect(ipAllowed('34.70.1.2', ['google'])).toBe(true);
    expect(ipAllowed('52.1.2.3', ['AWS'])).toBe(true);
    expect(ipAllowed('104.17.0.1', ['CLOUDFLARE'])).toBe(true);
    expect(ipAllowed('159.89.4.4', ['DIGITAL_OCEAN'])).toBe(true);
    expect(ipAllowed('40.70.0.1', ['AZURE'])).toBe(true);
    expect(ipAllowed('127.0.0.1', ['GOOGLE', 'AWS'])).toBe(false);
  });
});

describe('authorise', () => {
  const users = new Map<string, ApiUser>([
    ['api', { loginId: 'api', password: 'pw', ipWhitelist: ['127.0.0.1'], endpoints: ['order/query'] }],
  ]);
  it('checks credentials, then the IP, then the endpoint permission', () => {
    expect(authorise(users, 'api', 'pw', '127.0.0.1', 'order/query')).toBeNull();
    expect(authorise(users, 'api', 'nope', '203.0.113.7', 'x/query')).toBe(MESSAGES.invalidLogin);
    expect(authorise(users, undefined, undefined, '127.0.0.1', 'order/query')).toBe(MESSAGES.invalidLogin);
    expect(authorise(users, 'api', 'pw', '203.0.113.7', 'transactions/query')).toBe('IP must be whitelisted - 203.0.113.7');
    expect(authorise(users, 'api', 'pw', '::ffff:127.0.0.1', 'transactions/query')).toBe(MESSAGES.noAccess);
  });
});
