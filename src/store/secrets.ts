/**
 * Credentials at rest: AES-256-GCM with a 32-byte key the caller supplies (cli derives it from
 * KONDUIT_SECRET or a 0600 key file; docs/store.md). A sealed value is "v1:<iv>:<tag>:<ciphertext>" in
 * base64url; tampering or a wrong key fails the GCM tag check instead of yielding garbage.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { EnvironmentError } from '../core/errors.js';

/**
 * A sealed CRM password that this store's key cannot open: it was saved under another key (another
 * KONDUIT_SECRET or key file, e.g. a server started with another KONDUIT_HOME). The two ways out: enter
 * the password again (it is sealed with the current key), or remove the connection.
 */
export class CredentialsUndecryptableError extends EnvironmentError {
  constructor(readonly connectionName?: string) {
    super(
      `cannot decrypt the stored CRM password${connectionName ? ` of "${connectionName}"` : ''}: the secret key differs from the one it was saved with`,
      `Enter the password again (konduit connections update ${connectionName ?? 'NAME'} --password -, or Settings in the dashboard), ` +
        'or set KONDUIT_SECRET (or restore the key file) used when it was saved; removing the connection also works.',
      { code: 'credentials_undecryptable', param: 'password' },
    );
  }
}

/** Derives a 32-byte key from a passphrase (KONDUIT_SECRET) by SHA-256 of a labelled input. */
export function keyFromPassphrase(passphrase: string): Uint8Array {
  return createHash('sha256').update(`konduit-secret-v1\0${passphrase}`).digest();
}

/** A fresh random 32-byte key (what a generated key file holds, hex-encoded). */
export function generateKey(): Uint8Array {
  return randomBytes(32);
}

/** Seals a secret with AES-256-GCM. */
export function seal(plain: string, key: Uint8Array): string {
  if (key.length !== 32) throw new RangeError('secret key must be 32 bytes');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return ['v1', iv.toString('base64url'), tag.toString('base64url'), body.toString('base64url')].join(':');
}

/** Opens a sealed secret; throws CredentialsUndecryptableError when the key is wrong or the value was altered. */
export function open(sealed: string, key: Uint8Array, connectionName?: string): string {
  const [v, iv, tag, body] = sealed.split(':');
  if (v !== 'v1' || iv === undefined || tag === undefined || body === undefined) {
    throw new EnvironmentError('stored credentials are not in a known sealed format');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new CredentialsUndecryptableError(connectionName);
  }
}
