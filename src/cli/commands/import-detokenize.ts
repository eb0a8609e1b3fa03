/** `konduit import detokenize`: full card numbers back from the vault, only into an OpenPGP-encrypted file. */
import { readFile } from 'node:fs/promises';
import { assertDistinctPaths } from '../../core/paths.js';
import { EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { detokenizeFile, readRecipientKey } from '../../importfile/cards/tokenize.js';
import { CardVault } from '../../importfile/cards/vault.js';
import { parseFlags } from '../args.js';
import { vaultPassphrase } from './import-tokenize.js';

export const help = `Usage: konduit import detokenize IN.csv --vault FILE --recipient-key PUBLIC_KEY.asc --out OUT.csv.pgp
                                 [--vault-passphrase-file FILE] [--armor]

For when the CRM needs full card numbers: restores each vault token (kdt_...) of a tokenized
transactions file to its card number and writes the result ONLY encrypted with OpenPGP to the
recipient's public key (e.g. the CRM migration team's key). The plaintext never touches the disk: it is
streamed into the encryption. Vault tokens are cleared from externalToken in the output (the gateway does
not know them); other tokens are kept.

Options:
  --vault FILE                the card vault that tokenized the file (required)
  --vault-passphrase-file F   its passphrase (default: KONDUIT_VAULT_PASSPHRASE)
  --recipient-key FILE        the recipient's OpenPGP public key, armored or binary (required)
  --out FILE                  the encrypted output (required; mode 0600, atomic)
  --armor                     ASCII-armored output instead of binary
  -h, --help                  this help

Exit codes: 0 written; 1 a token not in the vault, a file without the card columns, a key that is not
an OpenPGP public key; 2 usage, or a file that cannot be read or written.

Example:
  konduit import detokenize transactions.tok.csv --vault cards.vault --recipient-key crm-team.asc \\
      --out transactions.full.csv.pgp
`;

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { vault: { type: 'string' }, 'vault-passphrase-file': { type: 'string' }, 'recipient-key': { type: 'string' }, out: { type: 'string' }, armor: { type: 'boolean' } }, true);
  if (!values.vault || !values['recipient-key'] || !values.out) throw new UsageError('--vault, --recipient-key and --out are required', 'Run konduit import detokenize --help.');
  if (positionals.length !== 1) throw new UsageError(`expected one input file, got ${positionals.length}`);
  await assertDistinctPaths(
    [{ role: 'the input file', path: positionals[0] as string }, { role: '--vault', path: values.vault }, { role: '--recipient-key', path: values['recipient-key'] }, ...(values['vault-passphrase-file'] ? [{ role: '--vault-passphrase-file', path: values['vault-passphrase-file'] }] : [])],
    [{ role: '--out', path: values.out }],
  );
  let keyBytes: Uint8Array;
  try {
    keyBytes = await readFile(values['recipient-key']);
  } catch (err) {
    throw new EnvironmentError(`cannot read --recipient-key ${values['recipient-key']}: ${errorMessage(err)}`);
  }
  const key = await readRecipientKey(keyBytes);
  const vault = await CardVault.open(values.vault, await vaultPassphrase(values['vault-passphrase-file']));
  const r = await detokenizeFile(positionals[0] as string, values.out, vault, key, { armor: !!values.armor });
  process.stdout.write(`detokenized ${r.restored} of ${r.rows} rows -> ${values.out} (OpenPGP, to key ${key.getKeyID().toHex()})\n`);
  return EXIT_OK;
}
