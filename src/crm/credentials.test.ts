import { describe, expect, it } from 'vitest';
import { apiPasswordProblem } from './credentials.js';

describe('apiPasswordProblem', () => {
  it("refuses a password with '&' and says why", () => {
    const p = apiPasswordProblem('abc&def');
    expect(p?.message).toContain("contains '&'");
    expect(p?.hint).toContain('without');
    expect(p?.hint).toContain("API-user setup guide says: do not use an ampersand");
    expect(p?.message).not.toContain('abc&def');
  });
  it('refuses an empty password', () => {
    expect(apiPasswordProblem('')?.message).toContain('empty');
  });
  it('accepts other punctuation', () => {
    expect(apiPasswordProblem('S3cure!#%$*()=+?')).toBeNull();
  });
});
