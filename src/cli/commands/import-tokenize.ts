/** `konduit import tokenize`: card numbers replaced by tokens (externalToken), cardNumber masked. */
import { readFile } from 'node:fs/promises';
import { EXIT_INVALID, EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { assertDistinctPaths, type NamedPath } from '../../core/paths.js';
import { TokenMap, VaultSource, tokenizeFile, type TokenSource, type TokenizeResult } from '../../importfile/cards/tokenize.js';
import { CardVault } from '../../importfile/cards/vault.js';
import { parseFlags } from '../args.js';

export const help = `Usage: konduit import tokenize IN.csv --out OUT.csv (--token-map MAP.csv | --vault FILE)
                               [--vault-passphrase-file FILE]

Replaces every full card number of a transactions file with a token written to externalToken, and masks
cardNumber to its first 6 and last 4 digits with x's in between (seed 002: "if [externalToken is]
provided, cardNumber column may be masked with either x's or asterisks").

Token sources:
  --token-map MAP.csv  the gateway's token map: a "token" column and either "cardNumber" (full number)
                       or "fingerprint" (lowercase hex SHA-256 of the card's digits)
  --vault FILE         Konduit's card vault (created if missing): tokens kdt_<32 hex>, the numbers
                       encrypted with AES-256-GCM under a key derived from the passphrase (scrypt);
                       restore them with konduit import detokenize. The passphrase comes from
                       --vault-passphrase-file or KONDUIT_VAULT_PASSPHRASE (never a flag value).

If any card has no token in the map, nothing is written and the rows are listed with masked numbers.

Exit codes: 0 tokenized, 1 cards without a token (nothing written), 2 usage or I/O error.

Examples:
  konduit import tokenize transactions.csv --out transactions.tok.csv --token-map gateway-tokens.csv
  konduit import tokenize transactions.csv --out transactions.tok.csv --vault cards.vault \\
      --vault-passphrase-file ~/.konduit/vault-pass
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

/** Tokenizes with a map or a vault; shared with konduit migrate. Returns the result and its text. */
export async function tokenizeWith(o: { input: string; out: string; tokenMap?: string; vault?: string; passphrase?: string }): Promise<{ result: TokenizeResult; text: string }> {
  let source: TokenSource;
  let vault: CardVault | null = null;
  if (o.tokenMap) source = await TokenMap.read(o.tokenMap);
  else if (o.vault && o.passphrase !== undefined) {
    vault = await CardVault.openOrCreate(o.vault, o.passphrase);
    source = new VaultSource(vault);
  } else throw new UsageError('give --token-map MAP.csv or --vault FILE');
  const result = await tokenizeFile(o.input, o.out, source, vault ? { beforeCommit: () => vault.save() } : {});
  let text: string;
  if (result.missing.length > 0) {
    text = `${result.missing.length} card(s) have no token; nothing written:\n${result.missing.slice(0, 20).map((m) => `  row ${m.row}: ${m.card}`).join('\n')}\n`;
  } else {
    text = `tokenized ${o.input} -> ${o.out}: ${result.rows} rows, ${result.tokenized} cards tokenized, ${result.alreadyMasked} already masked\n`;
  }
  return { result, text };
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { out: { type: 'string' }, 'token-map': { type: 'string' }, vault: { type: 'string' }, 'vault-passphrase-file': { type: 'string' } }, true);
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
  const { result, text } = await tokenizeWith({ input, out: values.out, ...(values['token-map'] ? { tokenMap: values['token-map'] } : {}), ...(values.vault ? { vault: values.vault } : {}), ...(passphrase !== undefined ? { passphrase } : {}) });
  process.stdout.write(text);
  return result.missing.length > 0 ? EXIT_INVALID : EXIT_OK;
}
