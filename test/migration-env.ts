/**
 * The real components a migration test runs against (docs/development.md): an OpenSSH sshd on 127.0.0.1 as the
 * CRM's SFTP server, GnuPG for the merchant's key and the processor's encryption, the sandbox as the CRM
 * (with a saved connection to it), and what the CRM's migration team does (import uploaded files). Also
 * the scans for card numbers in clear that every migration test ends with.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ADMIN_HEADER, startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { openStore } from '../src/cli/commands/connections-store.js';
import { startSshd as startListeningSshd } from './sshd.js';

/** A running sshd: its port, host public key line, the user's private key, and how to stop it. */
export interface Sshd {
  port: number;
  hostKey: string;
  userKey: string;
  stop(): Promise<void>;
}

/** Starts OpenSSH's sshd on 127.0.0.1 on a free port with keys and config under `dir` (test/sshd.ts: ready when its log says it listens). */
export async function startSshd(dir: string): Promise<Sshd> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const k of ['host', 'user']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'konduit-test', '-f', join(dir, k)]);
  await writeFile(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user.pub')));
  const sshd = await startListeningSshd(join(dir, 'sshd_config'), [
    `HostKey ${join(dir, 'host')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'StrictModes no',
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'Subsystem sftp internal-sftp',
  ]);
  return { port: sshd.port, hostKey: readFileSync(join(dir, 'host.pub'), 'utf8').trim(), userKey: join(dir, 'user'), stop: () => sshd.stop() };
}

/** Runs gpg in batch mode with its own home. */
export const gpg = (home: string, args: string[]) => execFileSync('gpg', ['--batch', '--quiet', '--homedir', home, '--pinentry-mode', 'loopback', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });

/** Creates the merchant's key in `home`, exports it armored to `keyFile`; the passphrase goes to `passFile`. */
export async function merchantKey(home: string, passphrase: string, keyFile: string, passFile: string): Promise<void> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // A low S2K count: unlocking the key stays fast (the default costs tens of MB of hashing per run).
  await writeFile(join(home, 'gpg-agent.conf'), 's2k-count 65536\n');
  gpg(home, ['--passphrase', passphrase, '--quick-gen-key', 'Merchant <merchant@example.com>', 'future-default', 'default', 'never']);
  await writeFile(keyFile, gpg(home, ['--passphrase', passphrase, '--armor', '--export-secret-keys', 'merchant@example.com']));
  await writeFile(passFile, `${passphrase}\n`);
}

/** Encrypts a file to the merchant's key, as the processor does. */
export function encryptToMerchant(home: string, input: string, output: string): void {
  gpg(home, ['--trust-model', 'always', '--yes', '--recipient', 'merchant@example.com', '-o', output, '--encrypt', input]);
}

/** Stops the gpg-agent of a home (left running, it would outlive the test). */
export const stopAgent = (home: string) => execFileSync('gpgconf', ['--homedir', home, '--kill', 'gpg-agent']);

/** Starts a sandbox CRM (now: 2026-11-21 12:00 New York) and saves a connection to it under `name` in `db`. */
export async function sandboxWithConnection(db: string, name: string, seed = 'migrate'): Promise<Sandbox> {
  const sb = await startSandbox({ seed, customers: 20, start: '2026-09-01', now: '2026-11-21 12:00:00', profile: 'rich' });
  // Connecting creates the store, as konduit connect does.
  const store = await openStore(db, { create: true });
  try {
    await store.saveConnection({ name, brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Test', accountUsername: 'owner', timezone: 'America/New_York', frequency: 'daily' });
  } finally {
    await store.close();
  }
  return sb;
}

/** What the CRM's migration team does with an uploaded file set: import it (it must be accepted). */
export async function crmTeamImports(sb: Sandbox, files: { transactions: string; notes?: string }): Promise<void> {
  const res = await fetch(`${sb.baseUrl}/_sandbox/intake`, { method: 'POST', headers: { [ADMIN_HEADER]: sb.adminToken, 'content-type': 'application/json' }, body: JSON.stringify({ files }) });
  const body = (await res.json()) as { accepted: boolean; problems?: string[] };
  expect(body.accepted, JSON.stringify(body).slice(0, 600)).toBe(true);
}

/** Every file below a directory. */
export function filesUnder(d: string): string[] {
  if (!existsSync(d)) return [];
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** The card numbers of `cards` a text holds in clear (runs of 12 to 19 digits, spaced or not). */
export const clearCards = (text: string, cards: ReadonlySet<string>) =>
  [...text.matchAll(/\d(?:[ -]?\d){11,18}/g)].map((m) => m[0].replace(/[ -]/g, '')).filter((c) => cards.has(c));

/** Sets (or, for undefined, removes) environment variables; returns what puts them back as they were. */
export function setEnv(vars: Record<string, string | undefined>): () => void {
  const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k];
      else process.env[k] = x;
    }
  };
  apply(vars);
  return () => apply(before);
}
