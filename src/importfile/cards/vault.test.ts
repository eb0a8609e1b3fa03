import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, UsageError } from '../../core/errors.js';
import { CardVault, DEFAULT_SCRYPT, isVaultToken, normalizeCardNumber, type ScryptParams } from './vault.js';

// A small scrypt cost keeps the suite fast; the parameters are stored in the header, so open() uses them.
const FAST: ScryptParams = { N: 2 ** 12, r: 8, p: 1 };
const PASS = 'vault passphrase 1';
const VISA = '4111111111111111';
const MC = '5555555555554444';
const AMEX = '378282246310005';
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'konduit-vault-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function seeded(name: string): Promise<{ path: string; tokens: string[] }> {
  const path = join(dir, name);
  const v = await CardVault.create(path, PASS, FAST);
  const tokens = [VISA, MC, AMEX].map((c) => v.tokenize(c).token);
  await v.save();
  return { path, tokens };
}

describe('CardVault', () => {
  it('round-trips card numbers through a saved vault file', async () => {
    const { path, tokens } = await seeded('roundtrip.vault');
    for (const t of tokens) expect(isVaultToken(t)).toBe(true);
    const v = await CardVault.open(path, PASS);
    expect(v.size).toBe(3);
    expect(tokens.map((t) => v.detokenize(t))).toEqual([VISA, MC, AMEX]);
    expect(v.verifyAll()).toBe(3);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('never writes a card number in clear', async () => {
    const { path } = await seeded('noclear.vault');
    const text = readFileSync(path, 'utf8');
    for (const c of [VISA, MC, AMEX]) expect(text).not.toContain(c);
  });

  it('gives the same card the same fingerprint and reuses its token, also after reopening', async () => {
    const { path, tokens } = await seeded('dupes.vault');
    const v = await CardVault.open(path, PASS);
    expect(v.fingerprint(VISA)).toBe(v.fingerprint('4111 1111-1111 1111'));
    expect(v.fingerprint(VISA)).not.toBe(v.fingerprint(MC));
    expect(v.tokenize('4111-1111-1111-1111')).toEqual({ token: tokens[0], created: false });
    expect(v.lookup(MC)).toBe(tokens[1]);
    expect(v.lookup('4000056655665556')).toBeUndefined();
    expect(v.size).toBe(3);
    const added = v.tokenize('4000056655665556');
    expect(added.created).toBe(true);
    expect(v.unsaved).toBe(true);
  });

  it('keys fingerprints per vault: the same card differs between two vaults', async () => {
    const a = await CardVault.create(join(dir, 'a.vault'), PASS, FAST);
    const b = await CardVault.create(join(dir, 'b.vault'), PASS, FAST);
    expect(a.fingerprint(VISA)).not.toBe(b.fingerprint(VISA));
  });

  it('rejects a wrong passphrase with a clear error', async () => {
    const { path } = await seeded('wrongpass.vault');
    const err = await CardVault.open(path, 'not the passphrase').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/wrong passphrase for the card vault/);
  });

  it('detects a tampered entry as failed authentication', async () => {
    const { path, tokens } = await seeded('tampered.vault');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const entry = JSON.parse(lines[2] ?? '') as { c: string };
    const c = Buffer.from(entry.c, 'base64');
    c[0] = (c[0] ?? 0) ^ 0x01;
    lines[2] = JSON.stringify({ ...entry, c: c.toString('base64') });
    writeFileSync(path, `${lines.join('\n')}\n`);
    const v = await CardVault.open(path, PASS);
    expect(v.detokenize(tokens[0] ?? '')).toBe(VISA);
    const err = (() => { try { v.detokenize(tokens[1] ?? ''); return null; } catch (e) { return e; } })();
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/failed authentication/);
    expect((err as Error).message).not.toContain(MC);
    expect(() => v.verifyAll()).toThrow(/failed authentication/);
  });

  it('detects an entry moved to another token (the token is authenticated data)', async () => {
    const { path, tokens } = await seeded('swapped.vault');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    const e1 = JSON.parse(lines[1] ?? '') as Record<string, string>;
    const e2 = JSON.parse(lines[2] ?? '') as Record<string, string>;
    lines[1] = JSON.stringify({ ...e1, iv: e2.iv, c: e2.c });
    writeFileSync(path, `${lines.join('\n')}\n`);
    const v = await CardVault.open(path, PASS);
    expect(() => v.detokenize(tokens[0] ?? '')).toThrow(/failed authentication/);
  });

  it('detects an edited header (weakened scrypt cost) as a failed key check', async () => {
    const { path } = await seeded('header.vault');
    const lines = readFileSync(path, 'utf8').split('\n');
    const h = JSON.parse(lines[0] ?? '') as { kdf: { N: number } };
    h.kdf.N = 2 ** 10;
    lines[0] = JSON.stringify(h);
    writeFileSync(path, lines.join('\n'));
    await expect(CardVault.open(path, PASS)).rejects.toThrow(/wrong passphrase .* \(or its header was altered\)/);
  });

  it('reports unknown tokens, malformed card numbers and misuse without echoing card data', async () => {
    const v = await CardVault.create(join(dir, 'misuse.vault'), PASS, FAST);
    expect(() => v.detokenize('kdt_00000000000000000000000000000000')).toThrow(/is not in the card vault/);
    expect(() => v.tokenize('4111x11111111111')).toThrow(/12 to 19 digits \(got 16 characters, not all digits\)/);
    expect(() => normalizeCardNumber('123')).toThrow(InvalidInputError);
    await expect(CardVault.create(join(dir, 'short.vault'), 'short', FAST)).rejects.toBeInstanceOf(UsageError);
    const { path } = await seeded('exists.vault');
    await expect(CardVault.create(path, PASS, FAST)).rejects.toThrow(/already exists/);
    writeFileSync(join(dir, 'notavault'), 'customerId,cardNumber\n');
    await expect(CardVault.open(join(dir, 'notavault'), PASS)).rejects.toThrow(/damaged at line 1/);
  });

  it('uses OWASP scrypt parameters by default and opens a default-cost vault', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
    const path = join(dir, 'default.vault');
    const v = await CardVault.openOrCreate(path, PASS);
    const { token } = v.tokenize(VISA);
    await v.save();
    const again = await CardVault.openOrCreate(path, PASS);
    expect(again.detokenize(token)).toBe(VISA);
  });
});
