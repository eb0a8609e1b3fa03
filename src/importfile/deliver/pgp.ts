/**
 * OpenPGP decryption of a processor's export (step 3 of the CRM's migration guide), streamed from disk to disk.
 *
 * The plaintext holds card numbers, so two rules shape this file:
 * - it is never held whole in memory: openpgp.js decrypts a web stream chunk by chunk and we pipe it
 *   straight into a temp file;
 * - it only appears under its final name once the integrity check has passed. For SEIPDv1 (MDC, what
 *   GnuPG 2.2 writes) openpgp.js can only stream if it is allowed to release plaintext before the MDC at the
 *   end is checked (`allowUnauthenticatedStream`); the error then surfaces at the end of the stream. That is
 *   safe here because nothing reads the temp file until the stream has been consumed to its end without
 *   error, and on any error the temp file is removed. AEAD (SEIPDv2) checks every chunk itself.
 */
import { open } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import * as openpgp from 'openpgp';
import { openAtomicStream } from '../../core/atomic.js';
import { EnvironmentError, InvalidInputError, UsageError, errorMessage } from '../../core/errors.js';

/** What `decryptFile` reports on success. */
export interface DecryptResult {
  /** Plaintext bytes written. */
  bytes: number;
  /** Whether the input was ASCII-armored (`.asc`) rather than binary (`.pgp`/`.gpg`). */
  armored: boolean;
  /** The key id (hex) of the private (sub)key the message was encrypted to, when known. */
  keyIds: string[];
}

/** Options of `decryptFile`. */
export interface DecryptOptions {
  /** Path of the encrypted export (armored or binary). */
  input: string;
  /** Path of the plaintext output; appears only after the integrity check passed. */
  output: string;
  /** The merchant's private key, armored or binary. */
  privateKey: Uint8Array;
  /** Passphrase of the private key; undefined when the key is not protected. */
  passphrase?: string | undefined;
  /** Called as plaintext bytes are written (for progress). */
  onProgress?: (bytes: number) => void;
}

const ARMOR_PREFIX = '-----BEGIN PGP ';

/** Classifies the first bytes of a file as armored OpenPGP, binary OpenPGP or neither. */
export function sniffFormat(head: Uint8Array): 'armored' | 'binary' | 'unknown' {
  const text = Buffer.from(head).toString('latin1').replace(/^\uFEFF/, '').trimStart();
  if (text.startsWith(ARMOR_PREFIX)) return 'armored';
  // An OpenPGP packet header always has bit 7 set (RFC 9580 §4.2), and a message starts with one of a few
  // packets. A byte order mark (EF BB BF, FF FE, FE FF) or another UTF-8 lead byte has bit 7 set too, but
  // names no such packet: text exported with a BOM is not mistaken for an encrypted file.
  const first = head[0];
  if (first === undefined || (first & 0x80) === 0) return 'unknown';
  const tag = (first & 0x40) !== 0 ? first & 0x3f : (first >> 2) & 0x0f;
  return MESSAGE_START_TAGS.has(tag) ? 'binary' : 'unknown';
}

/** Packets a binary OpenPGP message can start with: session keys (1, 3), signatures (2, 4), compressed (8), marker (10), literal (11), encrypted (9, 18, 20). */
const MESSAGE_START_TAGS = new Set([1, 2, 3, 4, 8, 9, 10, 11, 18, 20]);

async function readHead(path: string, what: string): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new EnvironmentError(`cannot read ${what} ${path}: ${errorMessage(err)}`);
  }
  try {
    const buf = Buffer.alloc(256);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead);
  } catch (err) {
    throw new EnvironmentError(`cannot read ${what} ${path}: ${errorMessage(err)}`);
  } finally {
    await fh.close();
  }
}

/** Reads and unlocks a private key; errors say whether the key or the passphrase is the problem. */
export async function loadPrivateKey(keyBytes: Uint8Array, passphrase: string | undefined): Promise<openpgp.PrivateKey> {
  let key: openpgp.PrivateKey;
  try {
    const format = sniffFormat(keyBytes.subarray(0, 256));
    key =
      format === 'armored'
        ? await openpgp.readPrivateKey({ armoredKey: Buffer.from(keyBytes).toString('utf8') })
        : await openpgp.readPrivateKey({ binaryKey: keyBytes });
  } catch (err) {
    const msg = errorMessage(err);
    if (/not of type private key|secret key/i.test(msg)) {
      throw new InvalidInputError(
        'the --key file holds a public key, not a private key',
        'Export the private key, e.g. `gpg --armor --export-secret-keys KEYID > private.asc`.',
      );
    }
    throw new InvalidInputError(
      `the --key file is not a readable OpenPGP private key (${msg})`,
      'Pass the merchant\'s private key as exported by `gpg --armor --export-secret-keys KEYID`.',
    );
  }
  if (key.isDecrypted()) return key;
  if (passphrase === undefined) {
    throw new UsageError(
      'the private key is protected by a passphrase and none was given',
      'Pass --passphrase-file FILE or set KONDUIT_PGP_PASSPHRASE.',
    );
  }
  try {
    return await openpgp.decryptKey({ privateKey: key, passphrase });
  } catch (err) {
    if (/Incorrect key passphrase/i.test(errorMessage(err))) {
      throw new InvalidInputError(
        'the passphrase does not unlock the private key',
        'Check the passphrase file (a trailing newline is ignored) or KONDUIT_PGP_PASSPHRASE.',
      );
    }
    throw new InvalidInputError(`the private key could not be unlocked (${errorMessage(err)})`);
  }
}

function keyIdsOf(key: openpgp.PrivateKey): string[] {
  return key.getKeys().map((k) => k.getKeyID().toHex().toUpperCase());
}

/** Maps openpgp.js errors to messages that say what is wrong and how to fix it (exit code 1). */
function explain(err: unknown, messageKeyIds: string[], ourKeyIds: string[]): Error {
  if (err instanceof InvalidInputError || err instanceof UsageError || err instanceof EnvironmentError) return err;
  const msg = errorMessage(err);
  if (/Session key decryption failed|No decryption key packets found|decryption key/i.test(msg)) {
    const to = messageKeyIds.length > 0 ? messageKeyIds.join(', ') : 'an unknown key';
    return new InvalidInputError(
      `this file is not encrypted to the given private key (file is for ${to}; --key holds ${ourKeyIds.join(', ')})`,
      'Use the private key whose public half was given to the processor, or ask the processor which key they used.',
    );
  }
  if (/Modification detected|Authentication tag mismatch|integrity|CRC/i.test(msg)) {
    return new InvalidInputError(
      'the file failed its integrity check: it is corrupt or has been tampered with; no output was written',
      'Download the export again (binary mode for .pgp/.gpg) and retry; if it fails again ask the processor to resend it.',
    );
  }
  return new InvalidInputError(
    `the file could not be decrypted: it is damaged or not an OpenPGP message (${msg}); no output was written`,
    'Check that the file is the encrypted export itself and was transferred completely (binary mode).',
  );
}

/** Decrypts an OpenPGP file to disk, streamed, atomically: the output appears only if integrity passed. */
export async function decryptFile(opts: DecryptOptions): Promise<DecryptResult> {
  const head = await readHead(opts.input, 'input');
  const format = sniffFormat(head);
  if (format === 'unknown') {
    throw new InvalidInputError(
      `${opts.input} is not an OpenPGP message (neither armored "-----BEGIN PGP MESSAGE-----" nor binary)`,
      'Pass the encrypted export (.pgp, .gpg or .asc), not an already decrypted file.',
    );
  }
  const key = await loadPrivateKey(opts.privateKey, opts.passphrase);
  const ourKeyIds = keyIdsOf(key);

  // Node stream -> web stream: openpgp.js pulls from it, so reading follows decryption's pace.
  const nodeIn = createReadStream(opts.input);
  const webIn = Readable.toWeb(nodeIn) as unknown as ReadableStream<Uint8Array>;
  let messageKeyIds: string[] = [];
  const out = await openAtomicStream(opts.output, 0o600);
  let bytes = 0;
  try {
    const message =
      format === 'armored'
        ? await openpgp.readMessage({ armoredMessage: webIn.pipeThrough(new TextDecoderStream()) })
        : await openpgp.readMessage({ binaryMessage: webIn });
    messageKeyIds = message.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase());
    const { data } = await openpgp.decrypt({
      message,
      decryptionKeys: key,
      format: 'binary',
      // See the file comment: plaintext goes to a temp file that is renamed only after the stream ended cleanly.
      config: { allowUnauthenticatedStream: true },
    });
    // A plain loop rather than pipeline(): pipeline would destroy the output stream with the decryption
    // error, and the temp file must be removed by abort() instead (it awaits the close, then deletes).
    const reader = data.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
      await out.write(value);
      opts.onProgress?.(bytes);
    }
    await out.commit();
  } catch (err) {
    await out.abort();
    nodeIn.destroy();
    throw explain(err, messageKeyIds, ourKeyIds);
  }
  return { bytes, armored: format === 'armored', keyIds: messageKeyIds };
}
