/**
 * Runs a real OpenSSH sshd on 127.0.0.1 (temp config, host key and user key; test/sshd.ts) and uploads to it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { RESUME_WINDOW, parseHostKey, uploadFiles, type SftpTarget } from './sftp.js';
import { freePort, startSshd, type RunningSshd } from '../../../test/sshd.js';

let dir: string;
let remote: string;
let port: number;
let sshd: RunningSshd;
let target: SftpTarget;

function keygen(path: string, passphrase = ''): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'konduit-test', '-f', path]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'konduit-sftp-'));
  remote = join(dir, 'remote');
  mkdirSync(remote);
  keygen(join(dir, 'host_ed25519'));
  keygen(join(dir, 'user_ed25519'));
  keygen(join(dir, 'stranger_ed25519'));
  keygen(join(dir, 'other_host_ed25519'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_ed25519.pub')));
  sshd = await startSshd(join(dir, 'sshd_config'), [
    `HostKey ${join(dir, 'host_ed25519')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'Subsystem sftp internal-sftp',
    'LogLevel INFO',
  ]);
  port = sshd.port;
  target = {
    host: '127.0.0.1',
    port,
    username: userInfo().username,
    privateKey: readFileSync(join(dir, 'user_ed25519')),
    knownKeys: [parseHostKey(readFileSync(join(dir, 'host_ed25519.pub'), 'utf8'))],
  };
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function localFile(name: string, bytes: number): string {
  const path = join(dir, 'local', name);
  mkdirSync(join(dir, 'local'), { recursive: true });
  writeFileSync(path, randomBytes(bytes));
  return path;
}

function remoteDir(name: string): string {
  const d = join(remote, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('uploadFiles against OpenSSH sshd', () => {
  it('uploads, verifies by size and SHA-256, renames from .part, and recognises a finished upload', async () => {
    const a = localFile('transactions.csv', 3 * 1024 * 1024 + 17);
    const b = localFile('notes.csv', 10);
    const d = remoteDir('plain');
    const phases = new Set<string>();
    const res = await uploadFiles(target, d, [a, b], { onProgress: (pr) => phases.add(pr.phase) });
    expect(res.map((r) => [r.bytes, r.resumedFrom, r.alreadyThere])).toEqual([[3 * 1024 * 1024 + 17, 0, false], [10, 0, false]]);
    expect(readFileSync(join(d, 'transactions.csv')).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(join(d, 'notes.csv')).equals(readFileSync(b))).toBe(true);
    expect(readdirSync(d).sort()).toEqual(['notes.csv', 'transactions.csv']);
    expect([...phases].sort()).toEqual(['upload', 'verify']);
    const again = await uploadFiles(target, d, [a]);
    expect(again[0]?.alreadyThere).toBe(true);
  });

  it('resumes an interrupted upload from the verified prefix of NAME.part', async () => {
    const size = 12 * 1024 * 1024;
    const f = localFile('big.csv', size);
    const d = remoteDir('resume');
    const ac = new AbortController();
    const err = await uploadFiles(target, d, [f], {
      signal: ac.signal,
      onProgress: (pr) => { if (pr.phase === 'upload' && pr.done > 6 * 1024 * 1024) ac.abort(); },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/interrupted/);
    expect(existsSync(join(d, 'big.csv'))).toBe(false);
    const partial = statSync(join(d, 'big.csv.part')).size;
    expect(partial).toBeGreaterThan(6 * 1024 * 1024);
    expect(partial).toBeLessThan(size);

    const res = await uploadFiles(target, d, [f]);
    expect(res[0]?.resumedFrom).toBe(partial - RESUME_WINDOW);
    expect(readFileSync(join(d, 'big.csv')).equals(readFileSync(f))).toBe(true);
    expect(readdirSync(d)).toEqual(['big.csv']);
  });

  it('starts over when NAME.part does not match the local file', async () => {
    const f = localFile('mismatch.csv', 5 * 1024 * 1024);
    const d = remoteDir('badpart');
    writeFileSync(join(d, 'mismatch.csv.part'), randomBytes(4 * 1024 * 1024));
    const res = await uploadFiles(target, d, [f]);
    expect(res[0]?.resumedFrom).toBe(0);
    expect(readFileSync(join(d, 'mismatch.csv')).equals(readFileSync(f))).toBe(true);
  });

  it('refuses to replace a different remote file unless told to overwrite', async () => {
    const f = localFile('existing.csv', 1000);
    const d = remoteDir('existing');
    writeFileSync(join(d, 'existing.csv'), 'old content');
    await expect(uploadFiles(target, d, [f])).rejects.toThrow(/already exists on the server with different content/);
    await uploadFiles(target, d, [f], { overwrite: true });
    expect(readFileSync(join(d, 'existing.csv')).equals(readFileSync(f))).toBe(true);
  });

  it('refuses a server whose host key differs from the known key, and names both fingerprints', async () => {
    const f = localFile('secret.csv', 100);
    const d = remoteDir('mitm');
    const wrong = { ...target, knownKeys: [parseHostKey(readFileSync(join(dir, 'other_host_ed25519.pub'), 'utf8'))] };
    const err = await uploadFiles(wrong, d, [f]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/host key mismatch for 127\.0\.0\.1:\d+: the server presented SHA256:\S+, expected ssh-ed25519 SHA256:/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('reports rejected credentials (unknown key, wrong password) as such', async () => {
    const f = localFile('creds.csv', 100);
    const d = remoteDir('creds');
    const stranger = { ...target, privateKey: readFileSync(join(dir, 'stranger_ed25519')) };
    await expect(uploadFiles(stranger, d, [f])).rejects.toThrow(/rejected the credentials of user "\w+" \(private key\)/);
    const password = { ...target, privateKey: undefined, password: 'not-the-password' };
    await expect(uploadFiles(password, d, [f])).rejects.toThrow(/rejected the credentials of user "\w+" \(password\)/);
    expect(readdirSync(d)).toEqual([]);
  });

  it('reports an unreachable server as an environment error', async () => {
    const closed = await freePort();
    await expect(uploadFiles({ ...target, port: closed }, remote, [])).rejects.toThrow(/cannot connect to 127\.0\.0\.1/);
  });
});

describe('konduit import upload (CLI) against sshd', () => {
  it('uploads with a passphrase-protected key and a known_hosts file; exits 1 on a mismatching key', async () => {
    const { main } = await import('../../cli/main.js');
    keygen(join(dir, 'locked_ed25519'), 'key pass 123');
    writeFileSync(join(dir, 'authorized_keys'), `${readFileSync(join(dir, 'user_ed25519.pub'), 'utf8')}${readFileSync(join(dir, 'locked_ed25519.pub'), 'utf8')}`);
    writeFileSync(join(dir, 'keypass'), 'key pass 123\n');
    const hostPub = readFileSync(join(dir, 'host_ed25519.pub'), 'utf8').trim().split(' ');
    writeFileSync(join(dir, 'known_hosts'), `# test\n[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`);
    const f = localFile('cli.csv', 200_000);
    const d = remoteDir('cli');
    const out: string[] = [];
    const stdout = process.stdout.write;
    const stderr = process.stderr.write;
    const capture = ((s: string) => { out.push(String(s)); return true; }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      const base = ['import', 'upload', '--host', '127.0.0.1', '--port', String(port), '--user', userInfo().username,
        '--key', join(dir, 'locked_ed25519'), '--key-passphrase-file', join(dir, 'keypass'), '--remote-dir', d];
      expect(await main([...base, '--known-hosts', join(dir, 'known_hosts'), f])).toBe(0);
      expect(readFileSync(join(d, 'cli.csv')).equals(readFileSync(f))).toBe(true);
      const otherKey = readFileSync(join(dir, 'other_host_ed25519.pub'), 'utf8').trim();
      expect(await main([...base, '--known-host-key', otherKey, f])).toBe(1);
      expect(await main([...base, f])).toBe(2);
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }
    const text = out.join('');
    expect(text).toMatch(/cli\.csv: 200000 bytes, sha256 [0-9a-f]{64}/);
    expect(text).toMatch(/host key mismatch/);
    expect(text).not.toContain('key pass 123');
  });
});
