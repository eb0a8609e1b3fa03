import { describe, expect, it } from 'vitest';
import { apiPasswordProblem } from './credentials.js';

describe('apiPasswordProblem', () => {
  it("refuses a password with '&' and says why (seed 000)", () => {
    const p = apiPasswordProblem('abc&def');
    expect(p?.message).toContain("contains '&'");
    expect(p?.hint).toContain('without');
    expect(p?.hint).toContain('seed 000');
    expect(p?.message).not.toContain('abc&def');
  });
  it('refuses an empty password', () => {
    expect(apiPasswordProblem('')?.message).toContain('empty');
  });
  it('accepts other punctuation', () => {
    expect(apiPasswordProblem('S3cure!#%$*()=+?')).toBeNull();
  });
});
