/**
 * `konduit import tokenize` / `detokenize`: card numbers in the transactions file replaced by tokens
 * (externalToken) with cardNumber masked as seed 002 allows ("if provided, cardNumber column may be
 * masked with either x's or asterisks"), and back.
 *
 * Token sources: a gateway's token map (CSV: `token` and `cardNumber`, or `token` and `fingerprint` =
 * lowercase hex SHA-256 of the card's digits), or Konduit's card vault (vault.ts). Detokenized output
 * is only ever written OpenPGP-encrypted to a recipient's public key (docs/migration.md, "Detokenize").
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as openpgp from 'openpgp';
import { openAtomicStream, writeFailure } from '../../core/atomic.js';
import { EnvironmentError, InvalidInputError, errorMessage } from '../../core/errors.js';
import { maskNumber } from '../../core/mask.js';
import { CardVault, isVaultToken } from './vault.js';
import { CsvFileWriter, csvLine } from '../transform/writer.js';
import { cellOf, readTable } from '../read/table.js';

/** Something that turns a card number (digits) into a token, or undefined when it has none. */
export interface TokenSource {
  tokenFor(digits: string): string | undefined;
}

/** SHA-256 hex of a card's digits: the `fingerprint` key of a token map. */
export function cardFingerprint(digits: string): string {
  return createHash('sha256').update(digits).digest('hex');
}

/** A gateway token map held as fingerprints (never the numbers themselves, even in memory). */
export class TokenMap implements TokenSource {
  private readonly byFingerprint = new Map<string, string>();

  /** Adds a card-number -> token pair. */
  addCard(digits: string, token: string): void {
    this.byFingerprint.set(cardFingerprint(digits), token);
  }

  /** Adds a fingerprint -> token pair. */
  addFingerprint(fp: string, token: string): void {
    this.byFingerprint.set(fp.toLowerCase(), token);
  }

  get size(): number {
    return this.byFingerprint.size;
  }

  tokenFor(digits: string): string | undefined {
    return this.byFingerprint.get(cardFingerprint(digits));
  }

  /** Reads a token map CSV (`token` + `cardNumber` or `fingerprint` columns). */
  static async read(path: string): Promise<TokenMap> {
    const map = new TokenMap();
    for await (const rec of readTable(path)) {
      const h = rec.header.index;
      if (!h.has('token') || (!h.has('cardNumber') && !h.has('fingerprint'))) {
        throw new InvalidInputError(`the token map ${path} needs a "token" column and a "cardNumber" or "fingerprint" column`);
      }
      const token = cellOf(rec, 'token').trim();
      if (!token) continue;
      if (token.length > 50) throw new InvalidInputError(`token map row ${rec.row}: a token longer than 50 characters does not fit externalToken`);
      const card = cellOf(rec, 'cardNumber').replace(/[\s-]/g, '');
      if (/^\d{12,19}$/.test(card)) map.addCard(card, token);
      else {
        const fp = cellOf(rec, 'fingerprint').trim();
        if (/^[0-9a-fA-F]{64}$/.test(fp)) map.addFingerprint(fp, token);
        else throw new InvalidInputError(`token map row ${rec.row}: neither a 12-19 digit cardNumber nor a 64-hex fingerprint`);
      }
    }
    return map;
  }
}

/** The vault as a token source (every card gets a token; new cards are added). */
export class VaultSource implements TokenSource {
  constructor(readonly vault: CardVault) {}
  tokenFor(digits: string): string {
    return this.vault.tokenize(digits).token;
  }
}

/** Masks a card number for the file: first 6 and last 4 kept, the middle as x (seed 002's x's). */
export function maskCardForFile(digits: string): string {
  return digits.slice(0, 6) + 'x'.repeat(Math.max(0, digits.length - 10)) + digits.slice(-4);
}

/** What happened to one row's card (pure). */
export type RowOutcome = 'tokenized' | 'already_masked' | 'no_card' | 'no_token';

/**
 * Tokenizes one row (pure but for the source lookup): when the card is a full number and the source
 * has a token, writes the token to externalToken and masks cardNumber. Returns the outcome.
 */
export function tokenizeCells(cells: string[], idx: { card: number; token: number }, source: TokenSource): RowOutcome {
  const raw = (cells[idx.card] ?? '').trim();
  const digits = raw.replace(/[\s-]/g, '');
  if (raw === '') return 'no_card';
  if (!/^\d{12,19}$/.test(digits)) return /[xX*]/.test(raw) ? 'already_masked' : 'no_card';
  const token = source.tokenFor(digits);
  if (!token) return 'no_token';
  cells[idx.card] = maskCardForFile(digits);
  cells[idx.token] = token;
  return 'tokenized';
}

/** What tokenizeFile did. */
export interface TokenizeResult {
  rows: number;
  tokenized: number;
  alreadyMasked: number;
  /** Rows whose card has no token (masked card shown, first 6 + last 4). Non-empty = nothing written. */
  missing: { row: number; card: string }[];
}

/**
 * Tokenizes a transactions file into `out`. Writes nothing when a full card number would remain in
 * clear (a card with no token), unless `keepUntokenized` (then the number stays, for a later pass).
 */
export async function tokenizeFile(input: string, out: string, source: TokenSource, o: { keepUntokenized?: boolean; beforeCommit?: () => Promise<void> } = {}): Promise<TokenizeResult> {
  let w: CsvFileWriter | null = null;
  const res: TokenizeResult = { rows: 0, tokenized: 0, alreadyMasked: 0, missing: [] };
  try {
    for await (const rec of readTable(input)) {
      if (!w) {
        const names = [...rec.header.names];
        if (!rec.header.index.has('cardNumber')) throw new InvalidInputError(`${input} has no cardNumber column: is it a transactions file?`);
        if (!rec.header.index.has('externalToken')) names.push('externalToken');
        w = await CsvFileWriter.open(out, names);
      }
      res.rows++;
      const cells = [...rec.cells];
      const idx = {
        card: rec.header.index.get('cardNumber') as number,
        token: rec.header.index.get('externalToken') ?? rec.header.names.length,
      };
      while (cells.length <= idx.token) cells.push('');
      const outcome = tokenizeCells(cells, idx, source);
      if (outcome === 'tokenized') res.tokenized++;
      else if (outcome === 'already_masked') res.alreadyMasked++;
      else if (outcome === 'no_token') res.missing.push({ row: rec.row, card: maskNumber((rec.cells[idx.card] ?? '').replace(/[\s-]/g, '')) });
      await w.write(cells);
    }
    if (!w) throw new InvalidInputError(`${input} is empty`);
    if (res.missing.length > 0 && !o.keepUntokenized) {
      await w.abort();
      return res;
    }
    // The vault holding the new tokens is saved first: an output whose tokens are lost would lose the cards.
    await o.beforeCommit?.();
    await w.commit();
  } catch (err) {
    await w?.abort();
    throw err;
  }
  return res;
}

/** Reads an armored or binary OpenPGP public key. */
export async function readRecipientKey(bytes: Uint8Array): Promise<openpgp.PublicKey> {
  try {
    const text = Buffer.from(bytes).toString('utf8');
    if (text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) return await openpgp.readKey({ armoredKey: text });
    return await openpgp.readKey({ binaryKey: bytes });
  } catch (err) {
    throw new InvalidInputError(`not an OpenPGP public key: ${errorMessage(err)}`, 'Export it with `gpg --armor --export KEYID > recipient.asc`.');
  }
}

/**
 * Restores full card numbers from the vault and writes the file ONLY OpenPGP-encrypted to `recipient`
 * (streamed: plaintext never touches the disk). Vault tokens are cleared from externalToken in the
 * output, since the gateway does not know them; other tokens are kept.
 */
export async function detokenizeFile(input: string, out: string, vault: CardVault, recipient: openpgp.PublicKey, o: { armor?: boolean } = {}): Promise<{ rows: number; restored: number }> {
  const counts = { rows: 0, restored: 0 };
  async function* lines(): AsyncGenerator<string> {
    let card = -1;
    let token = -1;
    let first = true;
    for await (const rec of readTable(input)) {
      if (first) {
        first = false;
        card = rec.header.index.get('cardNumber') ?? -1;
        token = rec.header.index.get('externalToken') ?? -1;
        if (card < 0 || token < 0) throw new InvalidInputError(`${input} needs cardNumber and externalToken columns`);
        yield csvLine(rec.header.names);
      }
      counts.rows++;
      const cells = [...rec.cells];
      const t = (cells[token] ?? '').trim();
      if (isVaultToken(t)) {
        if (!vault.has(t)) throw new InvalidInputError(`row ${rec.row}: token ${t} is not in the vault ${vault.path}`);
        cells[card] = vault.detokenize(t);
        cells[token] = '';
        counts.restored++;
      }
      yield csvLine(cells);
    }
  }
  async function* chunks(): AsyncGenerator<Uint8Array> {
    // openpgp.js wants Uint8Array chunks; ~64 KiB batches keep its per-chunk overhead small.
    let batch = '';
    for await (const line of lines()) {
      batch += line;
      if (batch.length > 65536) {
        yield new Uint8Array(Buffer.from(batch, 'utf8'));
        batch = '';
      }
    }
    if (batch) yield new Uint8Array(Buffer.from(batch, 'utf8'));
  }
  const plain = Readable.from(chunks(), { objectMode: false });
  const message = await openpgp.createMessage({ binary: Readable.toWeb(plain) as unknown as ReadableStream<Uint8Array> });
  const encrypted = (
    o.armor
      ? await openpgp.encrypt({ message, encryptionKeys: recipient, format: 'armored' })
      : await openpgp.encrypt({ message, encryptionKeys: recipient, format: 'binary' })
  ) as unknown as ReadableStream<Uint8Array | string>;
  let sink;
  try {
    sink = await openAtomicStream(out, 0o600);
  } catch (err) {
    throw new EnvironmentError(`cannot write ${out}: ${errorMessage(err)}`);
  }
  try {
    await pipeline(Readable.fromWeb(encrypted as never), sink.stream, { end: false });
    await sink.commit();
  } catch (err) {
    await sink.abort();
    throw writeFailure(err, out);
  }
  return counts;
}
