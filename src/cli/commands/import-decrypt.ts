import { readFile } from 'node:fs/promises';
import { assertDistinctPaths } from '../../core/paths.js';
import { EXIT_OK, EnvironmentError, UsageError, errorMessage } from '../../core/errors.js';
import { decryptFile } from '../../importfile/deliver/pgp.js';
import { parseFlags } from '../args.js';

export const help = `Usage: konduit import decrypt --key PRIVATE_KEY.asc --out OUT.csv [--passphrase-file FILE] IN.pgp|IN.asc

Decrypts the processor's OpenPGP-encrypted export (step 3 of the CRM's migration guide) with the merchant's private key.
The plaintext is streamed to disk (never held whole in memory) into a temp file beside OUT, which is renamed
to OUT only after the integrity check (MDC or AEAD) passed. On a wrong key, wrong passphrase, corrupt or
tampered file nothing is left behind.

Options:
  --key FILE              the merchant's private key, armored (.asc) or binary (required)
  --passphrase-file FILE  file holding the key's passphrase (one trailing newline is ignored)
                          default: the KONDUIT_PGP_PASSPHRASE environment variable; neither is needed
                          for a key without a passphrase. There is deliberately no --passphrase flag:
                          command-line values are visible to every user through \`ps\`.
  --out FILE              where to write the decrypted export (required; replaced atomically if it exists,
                          created with mode 0600)
  -h, --help              show this help

Input: armored ("-----BEGIN PGP MESSAGE-----", usually .asc) or binary (.pgp, .gpg); detected from content.

Exit codes: 0 decrypted; 1 wrong key or passphrase, corrupt or tampered file; 2 usage or unreadable file.

Example:
  konduit import decrypt --key merchant-private.asc --passphrase-file ~/.konduit/pgp-pass \\
      --out export.csv export.csv.pgp
`;

/** Reads a secret from a file, dropping one trailing newline (editors and `echo` add one). */
async function readSecretFile(path: string, flag: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new EnvironmentError(`cannot read ${flag} ${path}: ${errorMessage(err)}`);
  }
}

/** Runs `konduit import decrypt`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      key: { type: 'string' },
      'passphrase-file': { type: 'string' },
      out: { type: 'string' },
    },
    true,
  );
  if (!values.key) throw new UsageError('--key PRIVATE_KEY is required', 'Run `konduit import decrypt --help`.');
  if (!values.out) throw new UsageError('--out FILE is required', 'Run `konduit import decrypt --help`.');
  if (positionals.length !== 1) {
    throw new UsageError(
      `expected exactly one encrypted input file, got ${positionals.length}`,
      'Run `konduit import decrypt --help`.',
    );
  }
  const input = positionals[0] as string;
  await assertDistinctPaths(
    [{ role: 'the input file', path: input }, { role: '--key', path: values.key }, ...(values['passphrase-file'] ? [{ role: '--passphrase-file', path: values['passphrase-file'] }] : [])],
    [{ role: '--out', path: values.out }],
  );
  let keyBytes: Uint8Array;
  try {
    keyBytes = await readFile(values.key);
  } catch (err) {
    throw new EnvironmentError(`cannot read --key ${values.key}: ${errorMessage(err)}`);
  }
  const passphrase = values['passphrase-file']
    ? await readSecretFile(values['passphrase-file'], '--passphrase-file')
    : process.env.KONDUIT_PGP_PASSPHRASE;

  const result = await decryptFile({ input, output: values.out, privateKey: keyBytes, passphrase });
  process.stdout.write(
    `decrypted ${input} (${result.armored ? 'armored' : 'binary'}) -> ${values.out}: ${result.bytes} bytes, integrity check passed\n`,
  );
  return EXIT_OK;
}
