/**
 * Interop with a real PGP tool: Debian's GnuPG generates the keys and encrypts the exports, Konduit decrypts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError, UsageError } from '../../core/errors.js';
import { decryptFile, sniffFormat } from './pgp.js';

const PASS = 'correct horse battery staple';
let dir: string;
let home: string;
let plain: Buffer;

function gpg(args: string[], homedir = home): Buffer {
  return execFileSync('gpg', ['--batch', '--quiet', '--homedir', homedir, '--pinentry-mode', 'loopback', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function genKey(homedir: string, uid: string, algo: string, passphrase: string, usage = 'default'): void {
  gpg(['--passphrase', passphrase, '--quick-gen-key', uid, algo, usage, 'never'], homedir);
}

function encrypt(name: string, recipient: string, extra: string[] = []): string {
  const out = join(dir, name);
  gpg(['--trust-model', 'always', '--yes', ...extra, '--recipient', recipient, '-o', out, '--encrypt', join(dir, 'export.csv')]);
  return out;
}

/** Files in the output directory other than the fixtures: proves no plaintext or temp file was left. */
function leftovers(outDir: string): string[] {
  return existsSync(outDir) ? readdirSync(outDir) : [];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'konduit-pgp-'));
  home = join(dir, 'gnupg');
  execFileSync('mkdir', ['-m', '700', home]);
  // gpg-agent otherwise calibrates the key-protection S2K to its slowest setting: seconds per key on a busy
  // machine. Keys exported with the default count decrypt too (see docs/migration.md, measured by hand).
  writeFileSync(join(home, 'gpg-agent.conf'), 's2k-count 65536\n');
  // ed25519/cv25519 keys generate instantly; one RSA key too, the kind processors most often ask for.
  genKey(home, 'Merchant <merchant@example.com>', 'future-default', PASS);
  genKey(home, 'Merchant RSA <rsa@example.com>', 'rsa2048', PASS, 'sign,cert,encr');
  writeFileSync(join(dir, 'merchant.asc'), gpg(['--passphrase', PASS, '--armor', '--export-secret-keys', 'merchant@example.com']));
  writeFileSync(join(dir, 'merchant.gpg'), gpg(['--passphrase', PASS, '--export-secret-keys', 'merchant@example.com']));
  writeFileSync(join(dir, 'rsa.asc'), gpg(['--passphrase', PASS, '--armor', '--export-secret-keys', 'rsa@example.com']));
  const otherHome = join(dir, 'other');
  execFileSync('mkdir', ['-m', '700', otherHome]);
  writeFileSync(join(otherHome, 'gpg-agent.conf'), 's2k-count 65536\n');
  genKey(otherHome, 'Someone Else <else@example.com>', 'future-default', 'other');
  writeFileSync(
    join(dir, 'other.asc'),
    gpg(['--passphrase', 'other', '--armor', '--export-secret-keys', 'else@example.com'], otherHome),
  );
  execFileSync('gpgconf', ['--homedir', otherHome, '--kill', 'gpg-agent']);

  // ~2 MB of export rows: several openpgp.js chunks, so streaming and late integrity errors are exercised.
  const rows = ['"customerId","orderId","cardNumber","totalAmount"'];
  for (let i = 0; i < 40_000; i++) rows.push(`"C${i}","O${i}","4111111111111111","${(i % 100) + 0.99}"`);
  plain = Buffer.from(`${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'export.csv'), plain);
  encrypt('export.csv.gpg', 'merchant@example.com');
  encrypt('export.csv.asc', 'merchant@example.com', ['--armor']);
  encrypt('export-z0.csv.gpg', 'merchant@example.com', ['-z', '0']);
  encrypt('export-rsa.csv.pgp', 'rsa@example.com');
  // Processors often sign as well as encrypt; the signature is not verified but must not get in the way.
  encrypt('export-signed.csv.gpg', 'merchant@example.com', ['--passphrase', PASS, '--sign']);
}, 120_000);

afterAll(() => {
  try {
    execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);
  } catch {
    // The agent may not be running; nothing to stop.
  }
  rmSync(dir, { recursive: true, force: true });
});

function outDir(name: string): string {
  return join(dir, 'out', name);
}

describe('decryptFile with GnuPG-encrypted exports', () => {
  it('decrypts a binary export with an armored private key', async () => {
    const out = join(outDir('binary'), 'export.csv');
    const r = await decryptFile({ input: join(dir, 'export.csv.gpg'), output: out, privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS });
    expect(r.armored).toBe(false);
    expect(r.bytes).toBe(plain.length);
    expect(readFileSync(out).equals(plain)).toBe(true);
    expect(leftovers(outDir('binary'))).toEqual(['export.csv']);
  });

  it('decrypts an armored export with a binary private key', async () => {
    const out = join(outDir('armored'), 'export.csv');
    const r = await decryptFile({ input: join(dir, 'export.csv.asc'), output: out, privateKey: readFileSync(join(dir, 'merchant.gpg')), passphrase: PASS });
    expect(r.armored).toBe(true);
    expect(readFileSync(out).equals(plain)).toBe(true);
  });

  it('decrypts an export encrypted to an RSA key', async () => {
    const out = join(outDir('rsa'), 'export.csv');
    await decryptFile({ input: join(dir, 'export-rsa.csv.pgp'), output: out, privateKey: readFileSync(join(dir, 'rsa.asc')), passphrase: PASS });
    expect(readFileSync(out).equals(plain)).toBe(true);
  });

  it('decrypts a signed and encrypted export', async () => {
    const out = join(outDir('signed'), 'export.csv');
    await decryptFile({ input: join(dir, 'export-signed.csv.gpg'), output: out, privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS });
    expect(readFileSync(out).equals(plain)).toBe(true);
  });

  it('reports an unreadable input as an environment error (exit 2)', async () => {
    const err = await decryptFile({ input: dir, output: join(outDir('dirinput'), 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS }).catch((e: unknown) => e);
    expect((err as { exitCode?: number }).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/cannot read input/);
  });

  it('refuses a wrong passphrase and writes nothing', async () => {
    const o = outDir('wrongpass');
    const err = await decryptFile({ input: join(dir, 'export.csv.gpg'), output: join(o, 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: 'nope' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/passphrase does not unlock/);
    expect((err as Error).message).not.toContain('nope');
    expect(leftovers(o)).toEqual([]);
  });

  it('asks for a passphrase when the key has one and none was given', async () => {
    const err = await decryptFile({ input: join(dir, 'export.csv.gpg'), output: join(outDir('nopass'), 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/protected by a passphrase/);
  });

  it('names the key ids when the file is encrypted to another key', async () => {
    const o = outDir('wrongkey');
    const err = await decryptFile({ input: join(dir, 'export.csv.gpg'), output: join(o, 'x.csv'), privateKey: readFileSync(join(dir, 'other.asc')), passphrase: 'other' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/not encrypted to the given private key \(file is for [0-9A-F]{16}/);
    expect(leftovers(o)).toEqual([]);
  });

  it('removes the plaintext already streamed when the MDC check fails at the end', async () => {
    const bytes = readFileSync(join(dir, 'export-z0.csv.gpg'));
    // Flip one bit near the end of the uncompressed literal data: decryption succeeds chunk by chunk and
    // only the final MDC comparison detects it, after plaintext has gone to the temp file.
    const pos = bytes.length - 200;
    bytes[pos] = (bytes[pos] ?? 0) ^ 0x01;
    const tampered = join(dir, 'tampered-late.gpg');
    writeFileSync(tampered, bytes);
    const o = outDir('tampered-late');
    let streamed = 0;
    const err = await decryptFile({
      input: tampered, output: join(o, 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS,
      onProgress: (n) => { streamed = n; },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/integrity check: it is corrupt or has been tampered with/);
    expect(streamed).toBeGreaterThan(0);
    expect(leftovers(o)).toEqual([]);
  });

  it('refuses a tampered compressed export and writes nothing', async () => {
    const bytes = readFileSync(join(dir, 'export.csv.gpg'));
    const pos = Math.floor(bytes.length / 2);
    bytes[pos] = (bytes[pos] ?? 0) ^ 0xff;
    const tampered = join(dir, 'tampered.gpg');
    writeFileSync(tampered, bytes);
    const o = outDir('tampered');
    const err = await decryptFile({ input: tampered, output: join(o, 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(leftovers(o)).toEqual([]);
  });

  it('refuses a truncated armored export and writes nothing', async () => {
    const text = readFileSync(join(dir, 'export.csv.asc'), 'utf8');
    const lines = text.split('\n');
    const cut = [...lines.slice(0, Math.floor(lines.length / 2)), ...lines.slice(-2)].join('\n');
    const truncated = join(dir, 'truncated.asc');
    writeFileSync(truncated, cut);
    const o = outDir('truncated');
    const err = await decryptFile({ input: truncated, output: join(o, 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(leftovers(o)).toEqual([]);
  });

  it('refuses a file that is not an OpenPGP message', async () => {
    const err = await decryptFile({ input: join(dir, 'export.csv'), output: join(outDir('plain'), 'x.csv'), privateKey: readFileSync(join(dir, 'merchant.asc')), passphrase: PASS }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/not an OpenPGP message/);
  });
});

describe('sniffFormat', () => {
  it('tells armored, binary and other content apart', () => {
    expect(sniffFormat(Buffer.from('\n-----BEGIN PGP MESSAGE-----\n'))).toBe('armored');
    expect(sniffFormat(Uint8Array.of(0x85, 0x01))).toBe('binary');
    expect(sniffFormat(Buffer.from('customerId,orderId'))).toBe('unknown');
    // A CSV saved with a byte order mark (Excel's "CSV UTF-8") is text, not a binary message.
    expect(sniffFormat(Buffer.from('\ufeffOrder ID,Transaction ID'))).toBe('unknown');
    expect(sniffFormat(Uint8Array.of(0xff, 0xfe, 0x4f, 0x00))).toBe('unknown');
    expect(sniffFormat(Uint8Array.of(0xc1, 0x01))).toBe('binary');
  });
});

describe('konduit import decrypt (CLI)', () => {
  it('decrypts with the passphrase from a file, exits 1 on a wrong one and 2 on an unreadable key', async () => {
    const { main } = await import('../../cli/main.js');
    const passFile = join(dir, 'pass.txt');
    writeFileSync(passFile, `${PASS}\n`);
    const out = join(outDir('cli'), 'export.csv');
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    const errs: string[] = [];
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => { errs.push(String(s)); return true; }) as typeof process.stderr.write;
    try {
      const key = join(dir, 'merchant.asc');
      expect(await main(['import', 'decrypt', '--key', key, '--passphrase-file', passFile, '--out', out, join(dir, 'export.csv.asc')])).toBe(0);
      expect(readFileSync(out).equals(plain)).toBe(true);
      writeFileSync(passFile, 'wrong\n');
      const out2 = join(outDir('cli2'), 'export.csv');
      expect(await main(['import', 'decrypt', '--key', key, '--passphrase-file', passFile, '--out', out2, join(dir, 'export.csv.asc')])).toBe(1);
      expect(leftovers(outDir('cli2'))).toEqual([]);
      expect(await main(['import', 'decrypt', '--key', join(dir, 'missing.asc'), '--out', out2, join(dir, 'export.csv.asc')])).toBe(2);
      expect(await main(['import', 'decrypt', '--key', key, join(dir, 'export.csv.asc')])).toBe(2);
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    expect(errs.join('')).not.toContain('4111111111111111');
  });
});
