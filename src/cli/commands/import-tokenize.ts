/** `konduit import tokenize`: card numbers replaced by tokens (externalToken), cardNumber masked. */
import { readFile } from 'node:fs/promises';
import { EXIT_INVALID, EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { assertDistinctPaths, type NamedPath } from '../../core/paths.js';
import { TokenMap, VaultSource, tokenizeFile, type TokenSource, type TokenizeResult } from '../../importfile/cards/tokenize.js';
import { CardVault } from '../../importfile/cards/vault.js';
import { parseFlags } from '../args.js';
import { plural, verb } from '../../core/text.js';

export const help = `Usage: konduit import tokenize IN.csv --out OUT.csv (--token-map MAP.csv | --vault FILE)
                               [--vault-passphrase-file FILE] [--mask-stray-cards]

Replaces every full card number of a transactions file with a token written to externalToken, and masks
cardNumber to its first 6 and last 4 digits with x's in between (the CRM's legacy import spec: "if [externalToken is]
provided, cardNumber column may be masked with either x's or asterisks").

Every other column is searched for card numbers too (13 to 19 digits, spaced, dashed or glued to
letters, starting 2-6, Luhn-valid; in id columns only a whole cell): the CRM must never receive one in
clear. By default the file is refused, naming each row and column; --mask-stray-cards masks them in
place instead. A notes or details file (no cardNumber column) is only searched.

Token sources:
  --token-map MAP.csv  the gateway's token map: a "token" column and either "cardNumber" (full number)
                       or "fingerprint" (lowercase hex SHA-256 of the card's digits)
  --vault FILE         Konduit's card vault (created if missing): tokens kdt_<32 hex>, the numbers
                       encrypted with AES-256-GCM under a key derived from the passphrase (scrypt);
                       restore them with konduit import detokenize. The passphrase comes from
                       --vault-passphrase-file or KONDUIT_VAULT_PASSPHRASE (never a flag value).

Nothing is written, and each row is listed with its card masked, when any card number would remain in
clear: a card without a token in the map, a damaged card number (a spreadsheet's 4.11111E+15, a number
cut to 15 digits, one that fails the Luhn check), or a card number in another column.

Options:
  --out FILE               the tokenized file (required; written atomically)
  --mask-stray-cards       mask card numbers found outside cardNumber in place (first 6, last 4 kept)

Exit codes: 0 tokenized, 1 a card left in clear (nothing written; the rows are named), 2 usage or I/O error.

Examples:
  konduit import tokenize transactions.csv --out transactions.tok.csv --token-map gateway-tokens.csv
  konduit import tokenize transactions.csv --out transactions.tok.csv --vault cards.vault \\
      --vault-passphrase-file ~/.konduit/vault-pass
  konduit import tokenize customer-notes.csv --out notes.masked.csv --token-map gateway-tokens.csv --mask-stray-cards
`;

/** Reads the vault passphrase from a file (one trailing newline dropped) or KONDUIT_VAULT_PASSPHRASE. */
export async function vaultPassphrase(file: string | undefined): Promise<string> {
  if (file) {
    try {
      return (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
    } catch (err) {
      throw new EnvironmentError(`cannot read --vault-passphrase-file ${file}: ${errorMessage(err)}`);
    }
  }
  const env = process.env.KONDUIT_VAULT_PASSPHRASE;
  if (!env) throw new UsageError('the vault needs a passphrase: --vault-passphrase-file FILE or KONDUIT_VAULT_PASSPHRASE');
  return env;
}

/** Whether a tokenize run wrote its output (no card left in clear). */
export function tokenizeSucceeded(r: TokenizeResult): boolean {
  return r.counts.missing === 0 && r.counts.damaged === 0 && r.counts.stray === 0;
}

/** The text of a tokenize run: what was done, or every reason nothing was written, row by row. */
export function renderTokenize(input: string, out: string, r: TokenizeResult): string {
  const lines: string[] = [];
  const list = <T>(items: T[], total: number, line: (x: T) => string) => {
    for (const x of items.slice(0, 20)) lines.push(`  ${line(x)}`);
    if (total > 20) lines.push(`  ... ${total - 20} more`);
  };
  if (r.counts.damaged > 0) {
    lines.push(`${plural(r.counts.damaged, 'card number')} ${verb(r.counts.damaged, 'is', 'are')} damaged and cannot be tokenized:`);
    list(r.damaged, r.counts.damaged, (d) => `row ${d.row}: ${d.card}: ${d.problem}`);
    lines.push('  fix: take the card numbers from the processor\'s own export (never through a spreadsheet), e.g. joined in the mapping (docs/migration.md, "Join the processor\'s card export"), or give these customers\' gateway tokens in externalToken with the card masked.');
  }
  if (r.counts.stray > 0) {
    lines.push(`${plural(r.counts.stray, 'card number')} ${verb(r.counts.stray, 'stands', 'stand')} in columns other than cardNumber:`);
    list(r.stray, r.counts.stray, (d) => `row ${d.row} ${d.column}: ${d.card}`);
    lines.push('  fix: remove them from the export, or run again with --mask-stray-cards to mask them in place (first 6 and last 4 digits kept).');
  }
  if (r.counts.missing > 0) {
    lines.push(`${plural(r.counts.missing, 'card')} ${verb(r.counts.missing, 'has', 'have')} no token:`);
    list(r.missing, r.counts.missing, (m) => `row ${m.row}: ${m.card}`);
    lines.push('  fix: get tokens for these cards from the gateway, or use --vault.');
  }
  if (!tokenizeSucceeded(r)) return `nothing written: card numbers would remain in clear.\n${lines.join('\n')}\n`;
  let text = `tokenized ${input} -> ${out}: ${plural(r.rows, 'row')}, ${plural(r.tokenized, 'card')} tokenized, ${r.alreadyMasked} already masked\n`;
  if (r.counts.strayMasked > 0) {
    text += `masked ${plural(r.counts.strayMasked, 'card number')} found in other columns:\n`;
    text += `${r.strayMasked.slice(0, 20).map((d) => `  row ${d.row} ${d.column}: ${d.card}`).join('\n')}\n`;
  }
  return text;
}

/** Tokenizes with a map or a vault; shared with konduit migrate. Returns the result and its text. */
export async function tokenizeWith(o: { input: string; out: string; tokenMap?: string; vault?: string; passphrase?: string; maskStrayCards?: boolean }): Promise<{ result: TokenizeResult; text: string; ok: boolean }> {
  let source: TokenSource;
  let vault: CardVault | null = null;
  if (o.tokenMap) source = await TokenMap.read(o.tokenMap);
  else if (o.vault && o.passphrase !== undefined) {
    vault = await CardVault.openOrCreate(o.vault, o.passphrase);
    source = new VaultSource(vault);
  } else throw new UsageError('give --token-map MAP.csv or --vault FILE');
  const v = vault;
  const result = await tokenizeFile(o.input, o.out, source, { maskStrayCards: !!o.maskStrayCards, ...(v ? { beforeCommit: () => v.save() } : {}) });
  return { result, text: renderTokenize(o.input, o.out, result), ok: tokenizeSucceeded(result) };
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { out: { type: 'string' }, 'token-map': { type: 'string' }, vault: { type: 'string' }, 'vault-passphrase-file': { type: 'string' }, 'mask-stray-cards': { type: 'boolean' } }, true);
  if (!values.out) throw new UsageError('--out FILE is required', 'Run konduit import tokenize --help.');
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  const input = positionals[0] as string;
  if (!!values['token-map'] === !!values.vault) throw new UsageError('give exactly one of --token-map MAP.csv or --vault FILE');
  const reads: NamedPath[] = [{ role: 'the input file', path: input }];
  if (values['token-map']) reads.push({ role: '--token-map', path: values['token-map'] });
  if (values['vault-passphrase-file']) reads.push({ role: '--vault-passphrase-file', path: values['vault-passphrase-file'] });
  // The vault is read and written: it must be neither an input nor the output.
  await assertDistinctPaths(reads, [{ role: '--out', path: values.out }, ...(values.vault ? [{ role: '--vault', path: values.vault }] : [])]);
  const passphrase = values.vault ? await vaultPassphrase(values['vault-passphrase-file']) : undefined;
  const { text, ok } = await tokenizeWith({ input, out: values.out, maskStrayCards: !!values['mask-stray-cards'], ...(values['token-map'] ? { tokenMap: values['token-map'] } : {}), ...(values.vault ? { vault: values.vault } : {}), ...(passphrase !== undefined ? { passphrase } : {}) });
  process.stdout.write(text);
  return ok ? EXIT_OK : EXIT_INVALID;
}
