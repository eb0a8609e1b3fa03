import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { fingerprintOf, knownHostsKeys, parseHostKey, remotePathOf } from './sftp.js';

let dir: string;
let pubA: string;
let pubB: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'konduit-knownhosts-'));
  for (const k of ['a', 'b']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, k)]);
  pubA = readFileSync(join(dir, 'a.pub'), 'utf8').trim();
  pubB = readFileSync(join(dir, 'b.pub'), 'utf8').trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keyPart = (pub: string) => pub.split(' ').slice(0, 2).join(' ');

describe('host keys', () => {
  it('parses a public key line and fingerprints it like ssh-keygen -l', () => {
    const k = parseHostKey(pubA);
    expect(k.type).toBe('ssh-ed25519');
    const sshKeygen = execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'a.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(k.blob)).toBe(sshKeygen);
  });

  it('rejects garbage and a key labelled with the wrong type', () => {
    expect(() => parseHostKey('not a key')).toThrow(UsageError);
    expect(() => parseHostKey(pubA.replace('ssh-ed25519', 'ssh-rsa'))).toThrow(/not a valid ssh-rsa key/);
  });

  it('finds keys for a host in known_hosts: plain, [host]:port, wildcard, negation and @revoked', () => {
    const text = [
      '# comment',
      `sftp.example.com,10.0.0.5 ${keyPart(pubA)}`,
      `[sftp.example.com]:2222 ${keyPart(pubB)}`,
      `*.example.org,!bad.example.org ${keyPart(pubB)}`,
      `@revoked * ${keyPart(pubB)}`,
      `@cert-authority *.example.com ${keyPart(pubB)}`,
    ].join('\n');
    const a = parseHostKey(pubA);
    const b = parseHostKey(pubB);
    expect(knownHostsKeys(text, 'sftp.example.com', 22).keys.map((k) => k.blob)).toEqual([a.blob]);
    expect(knownHostsKeys(text, '10.0.0.5', 22).keys).toHaveLength(1);
    expect(knownHostsKeys(text, 'sftp.example.com', 2222).keys.map((k) => k.blob)).toEqual([b.blob]);
    expect(knownHostsKeys(text, 'x.example.org', 22).keys).toHaveLength(1);
    expect(knownHostsKeys(text, 'bad.example.org', 22).keys).toHaveLength(0);
    expect(knownHostsKeys(text, 'x.example.org', 22).revoked.map((k) => k.blob)).toEqual([b.blob]);
    expect(knownHostsKeys(text, 'other.net', 22).keys).toHaveLength(0);
  });

  it('matches names hashed by ssh-keygen -H', () => {
    const file = join(dir, 'known_hosts');
    writeFileSync(file, `sftp.example.com ${keyPart(pubA)}\n[127.0.0.1]:2022 ${keyPart(pubB)}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sftp.example.com');
    expect(knownHostsKeys(text, 'sftp.example.com', 22).keys.map((k) => k.blob)).toEqual([parseHostKey(pubA).blob]);
    expect(knownHostsKeys(text, '127.0.0.1', 2022).keys.map((k) => k.blob)).toEqual([parseHostKey(pubB).blob]);
    expect(knownHostsKeys(text, '127.0.0.1', 22).keys).toHaveLength(0);
  });
});

describe('remotePathOf', () => {
  it('joins POSIX remote paths with or without trailing slashes', () => {
    expect(remotePathOf('/incoming', 'a.csv')).toBe('/incoming/a.csv');
    expect(remotePathOf('/incoming/', 'a.csv')).toBe('/incoming/a.csv');
    expect(remotePathOf('/', 'a.csv')).toBe('/a.csv');
    expect(remotePathOf('upload', 'a.csv')).toBe('upload/a.csv');
  });
});
