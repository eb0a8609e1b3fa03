/**
 * `konduit import tokenize` / `detokenize`: card numbers in the transactions file replaced by tokens
 * (externalToken) with cardNumber masked as the CRM's legacy import spec allows ("if provided, cardNumber column may be
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
import { cardsInCell, classifyCard, countDigits, maskCardForFile, maskRuns, type CardCell, type CardScan } from '../spec/card-numbers.js';
import { columnsByKind } from '../spec/columns.js';
import { renderMessage, type IssueCode } from '../spec/messages.js';
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

export { maskCardForFile };

/** What happened to one row's card (pure). */
export type RowOutcome = 'tokenized' | 'already_masked' | 'no_card' | 'no_token' | 'damaged';

/** What a damaged card number is shown as: as written when it holds at most 10 digits, else first 6 and last 4. */
function shownCard(raw: string): string {
  return countDigits(raw) <= 10 ? raw : maskNumber(raw);
}

/**
 * Tokenizes one row's cardNumber (pure but for the source lookup): when the card is a full, valid number
 * and the source has a token, writes the token to externalToken and masks cardNumber. A damaged number
 * (scientific notation, cut to 15 digits, failing Luhn, not digits) is 'damaged': it cannot be tokenized
 * and must not reach the CRM. Spaces and dashes between digits are dropped first.
 */
export function tokenizeCells(cells: string[], idx: { card: number; token: number }, source: TokenSource): { outcome: RowOutcome; problem?: CardCell } {
  const raw = (cells[idx.card] ?? '').trim();
  if (raw === '') return { outcome: 'no_card' };
  const digits = /^\d[\d -]*\d$/.test(raw) ? raw.replace(/[ -]/g, '') : raw;
  const kind = classifyCard(Buffer.from(digits), 0, Buffer.byteLength(digits));
  if (kind === 'masked') return { outcome: 'already_masked' };
  if (kind !== 'full') return { outcome: 'damaged', problem: kind };
  const token = source.tokenFor(digits);
  if (!token) return { outcome: 'no_token' };
  cells[idx.card] = maskCardForFile(digits);
  cells[idx.token] = token;
  return { outcome: 'tokenized' };
}

/** A card number found where it must not be, or one that cannot be tokenized: shown masked. */
export interface CardProblem {
  row: number;
  column: string;
  /** Masked (first 6 and last 4 digits at most). */
  card: string;
  /** What is wrong, as the validator words it. */
  problem: string;
}

/** What tokenizeFile did. */
export interface TokenizeResult {
  rows: number;
  tokenized: number;
  alreadyMasked: number;
  /** Rows whose card has no token (masked card shown, first 6 + last 4). Non-empty = nothing written. */
  missing: { row: number; card: string }[];
  /** Card numbers that are damaged or fail Luhn (they cannot be tokenized). Non-empty = nothing written. */
  damaged: CardProblem[];
  /** Card numbers in other columns, left in clear (without maskStrayCards). Non-empty = nothing written. */
  stray: CardProblem[];
  /** Card numbers in other columns masked in place (with maskStrayCards). */
  strayMasked: CardProblem[];
  /** How many of each there were (the lists keep the first 1000). */
  counts: { missing: number; damaged: number; stray: number; strayMasked: number };
}

/** Options of tokenizeFile. */
export interface TokenizeOptions {
  /** Mask card numbers found in columns other than cardNumber in place, instead of refusing the file. */
  maskStrayCards?: boolean;
  /** Runs before the output is renamed into place (the vault holding its tokens is saved there). */
  beforeCommit?: () => Promise<void>;
}

/** Most problems of each kind kept for the report (all are counted by the caller through the lists' length). */
const MAX_LISTED = 1000;

/**
 * Tokenizes an import file into `out`: every full card number of cardNumber becomes a token, and every
 * other column is searched for card numbers (spec/card-numbers.ts). Writes nothing, and says why per row,
 * when a card number would remain in clear: a card without a token, a damaged card, or a card number in
 * another column (unless maskStrayCards masks those in place). A file without a cardNumber column (notes,
 * details) is only searched for card numbers in its text.
 */
export async function tokenizeFile(input: string, out: string, source: TokenSource, o: TokenizeOptions = {}): Promise<TokenizeResult> {
  let w: CsvFileWriter | null = null;
  const res: TokenizeResult = { rows: 0, tokenized: 0, alreadyMasked: 0, missing: [], damaged: [], stray: [], strayMasked: [], counts: { missing: 0, damaged: 0, stray: 0, strayMasked: 0 } };
  const keep = <K extends keyof TokenizeResult['counts']>(kind: K, x: TokenizeResult[K][number]) => {
    res.counts[kind]++;
    if (res[kind].length < MAX_LISTED) (res[kind] as (typeof x)[]).push(x);
  };
  let scans: CardScan[] = [];
  let idx: { card: number; token: number } | null = null;
  try {
    for await (const rec of readTable(input)) {
      if (!w) {
        const names = [...rec.header.names];
        const specs = new Map(Object.values(columnsByKind).flat().map((c) => [c.name, c] as const));
        // Columns the spec does not know are free text to Konduit: searched everywhere.
        scans = names.map((n) => specs.get(n)?.cardScan ?? 'anywhere');
        const card = rec.header.index.get('cardNumber');
        if (card !== undefined) {
          if (!rec.header.index.has('externalToken')) names.push('externalToken');
          idx = { card, token: rec.header.index.get('externalToken') ?? rec.header.names.length };
        }
        w = await CsvFileWriter.open(out, names);
      }
      res.rows++;
      const cells = [...rec.cells];
      if (idx) {
        while (cells.length <= idx.token) cells.push('');
        const r = tokenizeCells(cells, idx, source);
        if (r.outcome === 'tokenized') res.tokenized++;
        else if (r.outcome === 'already_masked') res.alreadyMasked++;
        else if (r.outcome === 'no_token') keep('missing', { row: rec.row, card: maskNumber((rec.cells[idx.card] ?? '').replace(/[\s-]/g, '')) });
        else if (r.outcome === 'damaged') {
          const raw = (rec.cells[idx.card] ?? '').trim();
          keep('damaged', { row: rec.row, column: 'cardNumber', card: shownCard(raw), problem: renderMessage(r.problem as CardCell & IssueCode, 'cardNumber', { length: raw.length }) });
        }
      }
      for (let c = 0; c < rec.cells.length; c++) {
        if (idx && c === idx.card) continue;
        const runs = cardsInCell(cells[c] ?? '', scans[c] ?? 'anywhere');
        if (runs.length === 0) continue;
        const found = { row: rec.row, column: rec.header.names[c] ?? `column ${c + 1}`, card: maskNumber(runs[0]!.digits), problem: 'a card number in a column other than cardNumber' };
        if (o.maskStrayCards) {
          cells[c] = maskRuns(cells[c] ?? '', runs);
          keep('strayMasked', found);
        } else keep('stray', found);
      }
      await w.write(cells);
    }
    if (!w) throw new InvalidInputError(`${input} is empty`);
    if (res.counts.missing > 0 || res.counts.damaged > 0 || res.counts.stray > 0) {
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
