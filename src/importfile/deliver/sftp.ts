/**
 * SFTP delivery of the import files (the CRM's migration guide: "post the files to the sftp site"), with ssh2.
 *
 * Decisions (documented for merchants in docs/migration.md, "Upload"):
 * - Host key: always checked against a key the merchant got through a trusted channel (a
 *   "ssh-ed25519 AAAA..." line or a known_hosts file). No trust-on-first-use: an unknown or different key
 *   refuses the connection and prints both fingerprints. Host-key algorithms are restricted to the known
 *   keys' types, so the server presents the key we can check.
 * - Each file goes to NAME.part, is verified, then renamed to NAME: a half-uploaded NAME never exists.
 * - Resume: if NAME.part exists, its first (size - WINDOW) bytes are read back and their SHA-256 compared
 *   with the same prefix of the local file; equal -> continue from there, different -> start over. WINDOW
 *   (the pipelined writes still in flight when a transfer stops) is dropped because those writes may have
 *   landed out of order and left a hole.
 * - Verification: SFTP v3 has no standard remote hash and OpenSSH does not implement the `check-file`
 *   extension, so the remote NAME.part is read back and SHA-256-hashed; size and hash must both match the
 *   local file before the rename. A mismatch removes NAME.part and fails.
 * - Writes and read-backs are pipelined (up to 64 requests of 32 KiB in flight), otherwise every 32 KiB
 *   costs a network round trip.
 */
import { createHash, createHmac, timingSafeEqual, type Hash } from 'node:crypto';
import { open as openLocal, stat as statLocal } from 'node:fs/promises';
import { basename } from 'node:path';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { EnvironmentError, InvalidInputError, UsageError, errorMessage } from '../../core/errors.js';

const CHUNK = 32 * 1024;
const IN_FLIGHT = 64;
/** Bytes at the end of a `.part` that are not trusted on resume (see the file comment). */
export const RESUME_WINDOW = CHUNK * IN_FLIGHT;

/** A host public key: its SSH type name and wire-format blob. */
export interface HostKey {
  type: string;
  blob: Buffer;
}

/** Where and how to connect. */
export interface SftpTarget {
  host: string;
  port: number;
  username: string;
  /** OpenSSH/PEM private key; or `password`. */
  privateKey?: Buffer | undefined;
  passphrase?: string | undefined;
  password?: string | undefined;
  /** Keys the server may present; anything else is refused. */
  knownKeys: HostKey[];
  readyTimeoutMs?: number;
}

/** A progress report: `phase` says whether bytes are being checked, sent or verified. */
export interface UploadProgress {
  file: string;
  phase: 'resume-check' | 'upload' | 'verify';
  done: number;
  total: number;
}

/** Options of `uploadFiles`. */
export interface UploadOptions {
  onProgress?: (p: UploadProgress) => void;
  /** Replace a remote NAME that exists with different content (otherwise refused). */
  overwrite?: boolean;
  /** Stops the transfer (the `.part` stays on the server for a later resume). */
  signal?: AbortSignal;
}

/** What happened to one file. */
export interface UploadResult {
  local: string;
  remote: string;
  bytes: number;
  sha256: string;
  /** Offset the upload continued from (0: from the start). */
  resumedFrom: number;
  /** True when the remote file already existed with the same size and SHA-256. */
  alreadyThere: boolean;
}

/** OpenSSH-style fingerprint of a key blob: "SHA256:" + unpadded base64. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parses "ssh-ed25519 AAAA... [comment]" (an authorized_keys / .pub style line) into a host key. */
export function parseHostKey(line: string): HostKey {
  const parts = line.trim().split(/\s+/);
  const [type, b64] = parts;
  if (!type || !b64 || !/^[A-Za-z0-9+/]+=*$/.test(b64)) {
    throw new UsageError('a known host key looks like "ssh-ed25519 AAAAC3Nza..." (type, then base64)');
  }
  const blob = Buffer.from(b64, 'base64');
  // The blob starts with its own type name; checking it catches a key pasted with the wrong type label.
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  const inner = len > 0 && blob.length >= 4 + len ? blob.subarray(4, 4 + len).toString('latin1') : '';
  if (inner !== type) throw new UsageError(`the known host key is not a valid ${type} key`);
  return { type, blob };
}

function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(value);
}

function hostFieldMatches(field: string, host: string, port: number): boolean {
  const name = port === 22 ? host : `[${host}]:${port}`;
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat.startsWith('|1|')) {
      const [, , salt, hash] = pat.split('|');
      if (!salt || !hash) continue;
      const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
      const want = Buffer.from(hash, 'base64');
      if (want.length === mac.length && timingSafeEqual(want, mac)) matched = true;
    } else if (pat.startsWith('!')) {
      if (globMatch(pat.slice(1), name)) return false;
    } else if (globMatch(pat, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Keys of a known_hosts file that apply to host:port (plain, wildcard and hashed names; @revoked honoured). */
export function knownHostsKeys(text: string, host: string, port: number): { keys: HostKey[]; revoked: HostKey[] } {
  const keys: HostKey[] = [];
  const revoked: HostKey[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    let fields = line.split(/\s+/);
    let marker = '';
    if (fields[0]?.startsWith('@')) {
      marker = fields[0];
      fields = fields.slice(1);
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64 || marker === '@cert-authority') continue;
    if (!hostFieldMatches(hosts, host, port)) continue;
    let key: HostKey;
    try {
      key = parseHostKey(`${type} ${b64}`);
    } catch {
      continue;
    }
    (marker === '@revoked' ? revoked : keys).push(key);
  }
  return { keys, revoked };
}

/** Host-key algorithm names ssh2 may negotiate for a key type (RSA keys sign with SHA-2 variants). */
function algorithmsFor(type: string): string[] {
  return type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type];
}

/** An open SFTP session. */
export interface SftpSession {
  sftp: SFTPWrapper;
  end(): void;
}

/** Connects, verifying the host key; errors say which of host key, credentials or network failed. */
export async function connectSftp(t: SftpTarget): Promise<SftpSession> {
  if (t.knownKeys.length === 0) {
    throw new UsageError('no known host key for this server', 'Pass --known-host-key "ssh-ed25519 AAAA..." or --known-hosts FILE with a line for this host.');
  }
  const client = new Client();
  let presented: Buffer | undefined;
  const config: ConnectConfig = {
    host: t.host,
    port: t.port,
    username: t.username,
    readyTimeout: t.readyTimeoutMs ?? 20_000,
    algorithms: { serverHostKey: [...new Set(t.knownKeys.flatMap((k) => algorithmsFor(k.type)))] as never },
    hostVerifier: (key: Buffer) => {
      presented = key;
      return t.knownKeys.some((k) => k.blob.equals(key));
    },
  };
  if (t.privateKey) {
    config.privateKey = t.privateKey;
    if (t.passphrase !== undefined) config.passphrase = t.passphrase;
  } else if (t.password !== undefined) {
    config.password = t.password;
  }
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
      try {
        client.connect(config);
      } catch (err) {
        reject(err);
      }
    });
  } catch (err) {
    client.end();
    throw explainConnectError(err, t, presented);
  }
  try {
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, s) => (err ? reject(err) : resolve(s))));
    return { sftp, end: () => client.end() };
  } catch (err) {
    client.end();
    throw new EnvironmentError(`connected to ${t.host}:${t.port} but it offers no SFTP subsystem: ${errorMessage(err)}`);
  }
}

function explainConnectError(err: unknown, t: SftpTarget, presented: Buffer | undefined): Error {
  const msg = errorMessage(err);
  const level = (err as { level?: string }).level;
  const where = `${t.host}:${t.port}`;
  if (presented && !t.knownKeys.some((k) => k.blob.equals(presented))) {
    return new InvalidInputError(
      `host key mismatch for ${where}: the server presented ${fingerprintOf(presented)}, expected ${t.knownKeys
        .map((k) => `${k.type} ${fingerprintOf(k.blob)}`)
        .join(' or ')}; refusing to connect`,
      'If the SFTP provider really changed its key, get the new one from them through a trusted channel and pass it with --known-host-key; otherwise someone may be intercepting the connection.',
    );
  }
  if (level === 'client-authentication') {
    return new InvalidInputError(
      `${where} rejected the credentials of user "${t.username}" (${t.privateKey ? 'private key' : 'password'})`,
      'Check --user and the key or password file the SFTP provider gave you.',
    );
  }
  if (/passphrase|encrypted|Cannot parse privateKey/i.test(msg)) {
    return new InvalidInputError(
      `the SSH private key could not be read: ${msg}`,
      'If the key is protected, pass --key-passphrase-file FILE (or KONDUIT_SSH_KEY_PASSPHRASE).',
    );
  }
  if (/Unable to negotiate|no matching|handshake/i.test(msg) && !presented) {
    return new InvalidInputError(
      `${where} offers none of the host key types of the known key (${t.knownKeys.map((k) => k.type).join(', ')}): ${msg}`,
      'Get the server\'s host key of a type it uses from the SFTP provider.',
    );
  }
  return new EnvironmentError(`cannot connect to ${where}: ${msg}`, 'Check --host and --port and that the server is reachable.');
}

// Promise wrappers over ssh2's callback API.
type Handle = Buffer;
const p = {
  stat: (s: SFTPWrapper, path: string) =>
    new Promise<{ size: number; isDirectory: boolean } | null>((resolve, reject) =>
      s.stat(path, (err, st) => {
        if (err) return (err as { code?: number }).code === 2 ? resolve(null) : reject(err);
        resolve({ size: Number(st.size), isDirectory: st.isDirectory() });
      }),
    ),
  open: (s: SFTPWrapper, path: string, flags: 'r' | 'r+' | 'w') =>
    new Promise<Handle>((resolve, reject) => s.open(path, flags, (err, h) => (err ? reject(err) : resolve(h)))),
  close: (s: SFTPWrapper, h: Handle) => new Promise<void>((resolve, reject) => s.close(h, (err) => (err ? reject(err) : resolve()))),
  write: (s: SFTPWrapper, h: Handle, buf: Buffer, pos: number) =>
    new Promise<void>((resolve, reject) => s.write(h, buf, 0, buf.length, pos, (err) => (err ? reject(err) : resolve()))),
  read: (s: SFTPWrapper, h: Handle, buf: Buffer, off: number, len: number, pos: number) =>
    new Promise<number>((resolve, reject) =>
      s.read(h, buf, off, len, pos, (err, n) => {
        // ssh2 reports EOF as an error with code 1 (SSH_FX_EOF).
        if (err) return (err as { code?: number }).code === 1 ? resolve(0) : reject(err);
        resolve(n);
      }),
    ),
  unlink: (s: SFTPWrapper, path: string) => new Promise<void>((resolve, reject) => s.unlink(path, (err) => (err ? reject(err) : resolve()))),
  rename: (s: SFTPWrapper, from: string, to: string) =>
    new Promise<void>((resolve, reject) => s.rename(from, to, (err) => (err ? reject(err) : resolve()))),
  /** Atomic replace with OpenSSH's posix-rename (SFTP v3 rename refuses an existing target). */
  posixRename: (s: SFTPWrapper, from: string, to: string) =>
    new Promise<void>((resolve, reject) => s.ext_openssh_rename(from, to, (err) => (err ? reject(err) : resolve()))),
};

async function readFull(s: SFTPWrapper, h: Handle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = await p.read(s, h, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

/** SHA-256 of the first `length` bytes of a remote file, read back with pipelined requests. */
async function remoteSha256(s: SFTPWrapper, path: string, length: number, onBytes: (n: number) => void): Promise<{ hex: string; bytes: number }> {
  const h = await p.open(s, path, 'r');
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    let next = 0;
    const queue: Promise<Buffer>[] = [];
    const issue = () => {
      const len = Math.min(CHUNK, length - next);
      queue.push(readFull(s, h, next, len));
      next += len;
    };
    while (next < length && queue.length < IN_FLIGHT) issue();
    while (queue.length > 0) {
      const buf = await (queue.shift() as Promise<Buffer>);
      hash.update(buf);
      bytes += buf.length;
      onBytes(bytes);
      if (next < length) issue();
    }
  } finally {
    await p.close(s, h).catch(() => undefined);
  }
  return { hex: hash.digest('hex'), bytes };
}

/** Local SHA-256 of the whole file, and of its first `prefix` bytes (one pass, with Hash.copy()). */
async function localHashes(path: string, prefix: number): Promise<{ full: string; prefix: string }> {
  const fh = await openLocal(path, 'r');
  const hash = createHash('sha256');
  let prefixHex = prefix === 0 ? createHash('sha256').digest('hex') : '';
  try {
    const buf = Buffer.allocUnsafe(1024 * 1024);
    let pos = 0;
    for (;;) {
      const want = prefix > pos ? Math.min(buf.length, prefix - pos) : buf.length;
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
      if (pos === prefix) prefixHex = (hash.copy() as Hash).digest('hex');
    }
  } finally {
    await fh.close();
  }
  return { full: hash.digest('hex'), prefix: prefixHex };
}

/** Writes local[from..size) to the remote handle with up to IN_FLIGHT writes outstanding. */
async function pipelinedWrite(
  s: SFTPWrapper,
  h: Handle,
  local: string,
  from: number,
  size: number,
  onBytes: (done: number) => void,
  signal: AbortSignal | undefined,
): Promise<void> {
  const fh = await openLocal(local, 'r');
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let acked = from;
  try {
    let pos = from;
    while (pos < size) {
      if (failure) break;
      if (signal?.aborted) throw new InvalidInputError('upload interrupted; run the same command again to resume');
      const len = Math.min(CHUNK, size - pos);
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, pos);
      if (bytesRead !== len) throw new EnvironmentError(`${local} changed while it was being uploaded`);
      const w: Promise<void> = p.write(s, h, buf, pos).then(
        () => {
          acked += len;
          onBytes(acked);
        },
        (err: unknown) => {
          failure ??= err;
        },
      );
      inflight.add(w);
      void w.finally(() => inflight.delete(w));
      if (inflight.size >= IN_FLIGHT) await Promise.race(inflight);
      pos += len;
    }
  } finally {
    // Always drain what is in flight, so no write callback lands after the handle is closed.
    await Promise.all(inflight);
    await fh.close();
  }
  if (failure) throw failure;
}

/** Remote paths are POSIX whatever the local OS; "/" and trailing slashes are handled. */
export function remotePathOf(dir: string, name: string): string {
  const base = dir.replace(/\/+$/, '');
  return base === '' ? `/${name}` : `${base}/${name}`;
}

/** Uploads one file into `remoteDir` (NAME.part, resume, verify, rename); see the file comment. */
export async function uploadFile(s: SFTPWrapper, local: string, remoteDir: string, opts: UploadOptions = {}): Promise<UploadResult> {
  let size: number;
  try {
    const st = await statLocal(local);
    if (!st.isFile()) throw new Error('not a regular file');
    size = st.size;
  } catch (err) {
    throw new EnvironmentError(`cannot read ${local}: ${errorMessage(err)}`);
  }
  const name = basename(local);
  const remote = remotePathOf(remoteDir, name);
  const part = `${remote}.part`;
  const report = (phase: UploadProgress['phase'], done: number, total: number) => opts.onProgress?.({ file: name, phase, done, total });

  const existing = await p.stat(s, remote);
  const partSt = await p.stat(s, part);
  const resumeAt = partSt && partSt.size <= size ? Math.max(0, partSt.size - RESUME_WINDOW) : 0;
  const hashes = await localHashes(local, resumeAt);

  if (existing) {
    if (existing.size === size) {
      const back = await remoteSha256(s, remote, size, (n) => report('verify', n, size));
      if (back.hex === hashes.full) {
        return { local, remote, bytes: size, sha256: hashes.full, resumedFrom: 0, alreadyThere: true };
      }
    }
    if (!opts.overwrite) {
      throw new InvalidInputError(
        `${remote} already exists on the server with different content`,
        'Pass --overwrite to replace it, or upload under another name.',
      );
    }
  }

  let from = 0;
  if (partSt && resumeAt > 0) {
    const back = await remoteSha256(s, part, resumeAt, (n) => report('resume-check', n, resumeAt));
    if (back.bytes === resumeAt && back.hex === hashes.prefix) from = resumeAt;
  }

  const h = await p.open(s, part, from > 0 ? 'r+' : 'w');
  try {
    await pipelinedWrite(s, h, local, from, size, (n) => report('upload', n, size), opts.signal);
  } finally {
    await p.close(s, h).catch(() => undefined);
  }

  // Resume only happens when .part is not longer than the file and everything from `from` to the end is
  // rewritten, so no stale tail can survive; the size check below proves it anyway.
  const after = await p.stat(s, part);
  const back = await remoteSha256(s, part, size, (n) => report('verify', n, size));
  if (!after || after.size !== size || back.hex !== hashes.full) {
    await p.unlink(s, part).catch(() => undefined);
    throw new InvalidInputError(
      `verification failed for ${remote}: remote ${after?.size ?? 0} bytes sha256 ${back.hex.slice(0, 16)}…, local ${size} bytes sha256 ${hashes.full.slice(0, 16)}…; the partial upload was removed`,
      'Run the command again; if it keeps failing the server or the connection is corrupting data.',
    );
  }
  if (existing) {
    try {
      await p.posixRename(s, part, remote);
    } catch {
      // ssh2 throws when the server lacks posix-rename@openssh.com: remove the target, then plain rename.
      await p.unlink(s, remote);
      await p.rename(s, part, remote);
    }
  } else {
    await p.rename(s, part, remote);
  }
  return { local, remote, bytes: size, sha256: hashes.full, resumedFrom: from, alreadyThere: false };
}

/** Connects once and uploads each file in turn; stops at the first failure. */
export async function uploadFiles(t: SftpTarget, remoteDir: string, files: string[], opts: UploadOptions = {}): Promise<UploadResult[]> {
  const session = await connectSftp(t);
  try {
    const dir = await p.stat(session.sftp, remoteDir).catch((err: unknown) => {
      throw new EnvironmentError(`cannot read the remote directory ${remoteDir}: ${errorMessage(err)}`);
    });
    if (!dir || !dir.isDirectory) {
      throw new InvalidInputError(`the remote directory ${remoteDir} does not exist on ${t.host}`, 'Check --remote-dir with the SFTP provider.');
    }
    const results: UploadResult[] = [];
    for (const f of files) results.push(await uploadFile(session.sftp, f, remoteDir, opts));
    return results;
  } finally {
    session.end();
  }
}
