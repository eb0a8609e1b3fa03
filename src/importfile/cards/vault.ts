/**
 * The card vault: Konduit's own token store for `konduit import tokenize` / `detokenize` (issue 7 step 4).
 *
 * Crypto (documented for merchants in docs/migration.md, "Card vault"):
 * - master key = scrypt(passphrase NFC, salt 16 random bytes, N=2^17, r=8, p=1, 32 bytes) — OWASP's
 *   scrypt minimum; ~128 MiB and a fraction of a second, paid once per run. N/r/p and salt live in the
 *   header, so vaults made with other parameters (tests use a small N) still open.
 * - three independent 32-byte keys from the master key with HKDF-SHA256 (info "konduit-vault/v1/enc",
 *   ".../fp", ".../check"), so the fingerprint key never doubles as the encryption key.
 * - each card number: AES-256-GCM, a fresh random 96-bit IV, a 128-bit tag, additional data = token and
 *   fingerprint (an entry's ciphertext cannot be moved to another token without failing authentication).
 * - fingerprint = HMAC-SHA256(fp key, digits): finds duplicates without decrypting; keyed so that the
 *   small card-number space cannot be brute-forced from the vault file alone.
 * - key check = HMAC-SHA256(check key, header parameters): tells a wrong passphrase (or an edited header)
 *   apart from a damaged entry before any entry is touched.
 *
 * File format (UTF-8, one JSON object per line, written atomically with mode 0600):
 *   line 1: {"format":"konduit-card-vault","version":1,"kdf":{"alg":"scrypt","N":..,"r":..,"p":..,
 *            "salt":"<base64>"},"keyCheck":"<base64>"}
 *   then one line per card: {"t":"kdt_<32 hex>","f":"<64 hex>","iv":"<base64>","c":"<base64 ciphertext+tag>"}
 *
 * Card numbers are never logged and never appear in error messages (only lengths, tokens and line numbers).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { openAtomicStream } from '../../core/atomic.js';
import { EnvironmentError, InvalidInputError, UsageError, errorMessage } from '../../core/errors.js';

const FORMAT = 'konduit-card-vault';
const VERSION = 1;
const TOKEN_PREFIX = 'kdt_';
const TOKEN_RE = /^kdt_[0-9a-f]{32}$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const MIN_PASSPHRASE = 8;

/** scrypt cost parameters (stored in the vault header). */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** Default scrypt cost: N=2^17, r=8, p=1 (128 MiB, OWASP's recommended minimum for scrypt). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };

interface Header {
  format: typeof FORMAT;
  version: number;
  kdf: { alg: 'scrypt'; N: number; r: number; p: number; salt: string };
  keyCheck: string;
}

/** Kept as the base64 strings of the file: far smaller in memory than Buffer objects (~300 B/card). */
interface Entry {
  fingerprint: string;
  iv: string;
  /** Ciphertext followed by the 16-byte GCM tag, base64. */
  sealed: string;
}

interface Keys {
  enc: Buffer;
  fp: Buffer;
  check: Buffer;
}

/** What `tokenize` returns: the token, and whether this call added the card (false: reused). */
export interface TokenizeResult {
  token: string;
  created: boolean;
}

/** Normalises a card number to its digits (spaces and dashes dropped); throws without echoing it. */
export function normalizeCardNumber(raw: string): string {
  const digits = raw.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(digits)) {
    throw new InvalidInputError(
      `a card number must be 12 to 19 digits (got ${digits.length} characters${/^\d*$/.test(digits) ? '' : ', not all digits'})`,
    );
  }
  return digits;
}

/** Tells whether a string has the shape of a vault token. */
export function isVaultToken(value: string): boolean {
  return TOKEN_RE.test(value);
}

function scryptAsync(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  // maxmem must exceed 128 * N * r * p; Node's default (32 MiB) is below the default parameters' need.
  const maxmem = 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

function subkey(master: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `konduit-vault/v1/${purpose}`, 32));
}

async function deriveKeys(passphrase: string, salt: Buffer, params: ScryptParams): Promise<Keys> {
  const master = await scryptAsync(passphrase, salt, params);
  const keys = { enc: subkey(master, 'enc'), fp: subkey(master, 'fp'), check: subkey(master, 'check') };
  master.fill(0);
  return keys;
}

/** The header fields the key check covers, in a fixed order (JSON key order is not to be relied on). */
function checkInput(kdf: Header['kdf']): string {
  return `${FORMAT}|${VERSION}|scrypt|${kdf.N}|${kdf.r}|${kdf.p}|${kdf.salt}`;
}

function keyCheck(keys: Keys, kdf: Header['kdf']): Buffer {
  return createHmac('sha256', keys.check).update(checkInput(kdf)).digest();
}

function aad(token: string, fingerprint: string): Buffer {
  return Buffer.from(`${token}|${fingerprint}`);
}

function validParams(p: ScryptParams): boolean {
  const pow2 = Number.isInteger(p.N) && p.N >= 2 && (p.N & (p.N - 1)) === 0;
  return pow2 && Number.isInteger(p.r) && p.r >= 1 && Number.isInteger(p.p) && p.p >= 1 && p.N <= 2 ** 22;
}

function damaged(path: string, line: number, why: string): InvalidInputError {
  return new InvalidInputError(
    `the card vault ${path} is damaged at line ${line}: ${why}`,
    'Restore the vault from its backup; never edit a vault file by hand.',
  );
}

/** An open card vault: maps card numbers to `kdt_` tokens and back, encrypted at rest. */
export class CardVault {
  private readonly byToken = new Map<string, Entry>();
  private readonly byFingerprint = new Map<string, string>();
  private dirty = false;

  private constructor(
    /** Path of the vault file. */
    readonly path: string,
    private readonly header: Header,
    private readonly keys: Keys,
  ) {}

  /** Creates a new, empty vault in memory (saved on `save()`); refuses if the file already exists. */
  static async create(path: string, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<CardVault> {
    if (passphrase.length < MIN_PASSPHRASE) {
      throw new UsageError(`the vault passphrase must be at least ${MIN_PASSPHRASE} characters`);
    }
    if (!validParams(params)) throw new UsageError('scrypt N must be a power of two up to 2^22, r and p at least 1');
    if (await exists(path)) {
      throw new UsageError(`a vault already exists at ${path}`, 'Open it with its passphrase, or choose another path.');
    }
    const salt = randomBytes(16);
    const kdf: Header['kdf'] = { alg: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64') };
    const keys = await deriveKeys(passphrase, salt, params);
    const header: Header = { format: FORMAT, version: VERSION, kdf, keyCheck: keyCheck(keys, kdf).toString('base64') };
    const vault = new CardVault(path, header, keys);
    vault.dirty = true;
    return vault;
  }

  /** Opens an existing vault; a wrong passphrase is reported before any entry is read. */
  static async open(path: string, passphrase: string): Promise<CardVault> {
    let input;
    try {
      await access(path);
      input = createReadStream(path, { encoding: 'utf8' });
    } catch (err) {
      throw new EnvironmentError(`cannot read the card vault ${path}: ${errorMessage(err)}`);
    }
    const lines = createInterface({ input, crlfDelay: Infinity });
    let vault: CardVault | undefined;
    let lineNo = 0;
    try {
      for await (const line of lines) {
        lineNo++;
        if (lineNo === 1) {
          vault = await CardVault.fromHeader(path, line, passphrase);
          continue;
        }
        if (line.trim() === '') continue;
        (vault as CardVault).loadEntry(line, lineNo);
      }
    } finally {
      input.destroy();
    }
    if (!vault) throw damaged(path, 1, 'the file is empty');
    return vault;
  }

  /** Opens the vault at `path`, or creates it when there is none. */
  static async openOrCreate(path: string, passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<CardVault> {
    return (await exists(path)) ? CardVault.open(path, passphrase) : CardVault.create(path, passphrase, params);
  }

  private static async fromHeader(path: string, line: string, passphrase: string): Promise<CardVault> {
    let h: Header;
    try {
      h = JSON.parse(line) as Header;
    } catch {
      throw damaged(path, 1, 'the header is not JSON (is this a Konduit card vault?)');
    }
    if (h?.format !== FORMAT) throw damaged(path, 1, 'this is not a Konduit card vault');
    if (h.version !== VERSION) {
      throw new InvalidInputError(`the card vault ${path} has format version ${String(h.version)}; this Konduit reads version ${VERSION}`);
    }
    const kdf = h.kdf;
    if (kdf?.alg !== 'scrypt' || typeof kdf.salt !== 'string' || !validParams(kdf) || typeof h.keyCheck !== 'string') {
      throw damaged(path, 1, 'the key-derivation parameters are missing or invalid');
    }
    const keys = await deriveKeys(passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
    const expected = keyCheck(keys, kdf);
    const stored = Buffer.from(h.keyCheck, 'base64');
    if (stored.length !== expected.length || !timingSafeEqual(stored, expected)) {
      throw new InvalidInputError(
        `wrong passphrase for the card vault ${path} (or its header was altered)`,
        'Use the passphrase the vault was created with (KONDUIT_VAULT_PASSPHRASE or the passphrase file).',
      );
    }
    return new CardVault(path, h, keys);
  }

  private loadEntry(line: string, lineNo: number): void {
    let raw: { t?: unknown; f?: unknown; iv?: unknown; c?: unknown };
    try {
      raw = JSON.parse(line) as typeof raw;
    } catch {
      throw damaged(this.path, lineNo, 'not JSON');
    }
    const { t, f, iv, c } = raw;
    if (typeof t !== 'string' || !isVaultToken(t) || typeof f !== 'string' || !/^[0-9a-f]{64}$/.test(f)) {
      throw damaged(this.path, lineNo, 'bad token or fingerprint');
    }
    if (typeof iv !== 'string' || typeof c !== 'string') throw damaged(this.path, lineNo, 'missing iv or ciphertext');
    if (Buffer.byteLength(iv, 'base64') !== IV_BYTES || Buffer.byteLength(c, 'base64') <= TAG_BYTES) {
      throw damaged(this.path, lineNo, 'bad iv or ciphertext length');
    }
    const entry: Entry = { fingerprint: f, iv, sealed: c };
    if (this.byToken.has(t) || this.byFingerprint.has(f)) throw damaged(this.path, lineNo, `duplicate token ${t}`);
    this.byToken.set(t, entry);
    this.byFingerprint.set(f, t);
  }

  /** Number of cards in the vault. */
  get size(): number {
    return this.byToken.size;
  }

  /** Whether there are changes not yet saved. */
  get unsaved(): boolean {
    return this.dirty;
  }

  /** The keyed HMAC-SHA256 fingerprint (hex) of a card number; the same card gives the same value. */
  fingerprint(cardNumber: string): string {
    return createHmac('sha256', this.keys.fp).update(normalizeCardNumber(cardNumber)).digest('hex');
  }

  /** The token of a card already in the vault, or undefined. */
  lookup(cardNumber: string): string | undefined {
    return this.byFingerprint.get(this.fingerprint(cardNumber));
  }

  /** Whether a token belongs to this vault. */
  has(token: string): boolean {
    return this.byToken.has(token);
  }

  /** Returns the card's token, adding the card (encrypted) when it is new; the same card reuses its token. */
  tokenize(cardNumber: string): TokenizeResult {
    const digits = normalizeCardNumber(cardNumber);
    const fingerprint = this.fingerprint(digits);
    const existing = this.byFingerprint.get(fingerprint);
    if (existing) return { token: existing, created: false };
    let token: string;
    do token = TOKEN_PREFIX + randomBytes(16).toString('hex');
    while (this.byToken.has(token));
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.enc, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(token, fingerprint));
    const sealed = Buffer.concat([cipher.update(digits, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
    this.byToken.set(token, { fingerprint, iv: iv.toString('base64'), sealed });
    this.byFingerprint.set(fingerprint, token);
    this.dirty = true;
    return { token, created: true };
  }

  /** Returns the card number of a token; fails if the token is unknown or its entry fails authentication. */
  detokenize(token: string): string {
    const entry = this.byToken.get(token);
    if (!entry) {
      throw new InvalidInputError(`token ${isVaultToken(token) ? token : '(not a vault token)'} is not in the card vault ${this.path}`);
    }
    let digits: string;
    try {
      const sealed = Buffer.from(entry.sealed, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.keys.enc, Buffer.from(entry.iv, 'base64'), { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(token, entry.fingerprint));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      digits = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new InvalidInputError(
        `the card vault entry for ${token} failed authentication: the vault file is damaged or was tampered with`,
        'Restore the vault from its backup; never edit a vault file by hand.',
      );
    }
    // The fingerprint is covered by the GCM additional data, but checking it also catches a vault whose
    // entries were encrypted under a different fingerprint key (a bug, or a spliced file).
    if (this.fingerprint(digits) !== entry.fingerprint) {
      throw new InvalidInputError(`the card vault entry for ${token} does not match its fingerprint: the vault is damaged`);
    }
    return digits;
  }

  /** Decrypts and checks every entry (authentication and fingerprint); returns the number checked. */
  verifyAll(): number {
    for (const token of this.byToken.keys()) this.detokenize(token);
    return this.byToken.size;
  }

  /** Writes the vault atomically (temp file + rename, mode 0600); entries keep their insertion order. */
  async save(): Promise<void> {
    const out = await openAtomicStream(this.path, 0o600);
    try {
      await out.write(`${JSON.stringify(this.header)}\n`);
      for (const [t, e] of this.byToken) {
        await out.write(`${JSON.stringify({ t, f: e.fingerprint, iv: e.iv, c: e.sealed })}\n`);
      }
      await out.commit();
    } catch (err) {
      await out.abort();
      throw err instanceof EnvironmentError ? err : new EnvironmentError(`cannot write the card vault ${this.path}: ${errorMessage(err)}`);
    }
    this.dirty = false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
