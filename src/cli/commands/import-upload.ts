import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { EXIT_OK, EnvironmentError, InvalidInputError, UsageError, errorMessage } from '../../core/errors.js';
import { localDate, systemTimeZone } from '../../core/time.js';
import { readHeader } from '../../importfile/read/table.js';
import { PAST_NEXT_BILL_HINT, describePastNextBillDates, findPastNextBillDates } from '../../importfile/validate/past-next-bill-dates.js';
import { knownHostsKeys, parseHostKey, uploadFiles, type HostKey, type UploadProgress } from '../../importfile/deliver/sftp.js';
import { dateFlag, intFlag, parseFlags } from '../args.js';

export const help = `Usage: konduit import upload --host HOST [--port 22] --user USER
         (--key KEY_FILE [--key-passphrase-file FILE] | --password-file FILE)
         --remote-dir DIR (--known-host-key "ssh-ed25519 AAAA..." | --known-hosts FILE) FILES...

Delivers import files to the SFTP server the CRM's import team gave you (the CRM's legacy import spec: card data is never
emailed). Each file is written as NAME.part, read back and checked by size and SHA-256, then renamed to
NAME. An interrupted upload resumes: run the same command again; the part already on the server is checked
(SHA-256 of its prefix, read back) and the upload continues from there.

The server's host key is always checked against the key you pass; there is no trust-on-first-use. A
different key refuses the connection and prints both fingerprints.

Options:
  --host HOST                  SFTP server name or address (required)
  --port N                     SSH port (default 22)
  --user USER                  SFTP user name (required)
  --key FILE                   SSH private key (OpenSSH or PEM format)
  --key-passphrase-file FILE   file holding the key's passphrase (default: KONDUIT_SSH_KEY_PASSPHRASE)
  --password-file FILE         file holding the password, instead of --key (default: KONDUIT_SFTP_PASSWORD)
                               (secrets are never taken as flag values: those are visible in \`ps\`)
  --remote-dir DIR             existing directory on the server to upload into (required)
  --known-host-key "TYPE KEY"  the server's public host key, as the provider gave it to you
  --known-hosts FILE           or an OpenSSH known_hosts file with a line for HOST (or [HOST]:PORT)
  --overwrite                  replace a remote file of the same name that has different content
  --import-date YYYY-MM-DD     the planned import date (default today): a transactions file with an
                               active subscription due before it is not uploaded (the rebill guard)
  -h, --help                   show this help

Progress: a bar on a terminal, plain lines otherwise. One trailing newline in secret files is ignored.

Exit codes: 0 uploaded and verified (or already there, identical); 1 host key mismatch, credentials
rejected, verification failed, a different remote file exists, or a next bill date before the import
date (nothing uploaded); 2 usage error, unreadable local file or
unreachable server.

Example:
  konduit import upload --host sftp.example.com --user acme --key ~/.ssh/konduit_upload \\
      --known-host-key "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI..." --remote-dir /incoming \\
      transactions.csv customer-notes.csv
`;

async function readSecret(path: string, flag: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new EnvironmentError(`cannot read ${flag} ${path}: ${errorMessage(err)}`);
  }
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}

const PHASE: Record<UploadProgress['phase'], string> = { 'resume-check': 'checking part', upload: 'uploading', verify: 'verifying' };

/** Progress as a redrawn bar on a terminal, or a line per quarter otherwise (logs stay short). */
function progressPrinter(tty: boolean): (p: UploadProgress) => void {
  let lastKey = '';
  let lastDraw = 0;
  let lastQuarter = -1;
  return (p) => {
    const key = `${p.file}/${p.phase}`;
    const frac = p.total === 0 ? 1 : p.done / p.total;
    if (tty) {
      const now = Date.now();
      if (key === lastKey && now - lastDraw < 100 && frac < 1) return;
      lastKey = key;
      lastDraw = now;
      const width = 30;
      const filled = Math.round(frac * width);
      process.stderr.write(
        `\r${PHASE[p.phase].padEnd(13)} ${p.file} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${human(p.done)}/${human(p.total)}\x1b[K`,
      );
      if (frac >= 1) process.stderr.write('\n');
      return;
    }
    const quarter = Math.floor(frac * 4);
    if (key !== lastKey) {
      lastKey = key;
      lastQuarter = -1;
    }
    if (quarter === lastQuarter) return;
    lastQuarter = quarter;
    process.stderr.write(`${PHASE[p.phase]} ${p.file}: ${quarter * 25}% (${human(p.done)} of ${human(p.total)})\n`);
  };
}

/** Runs `konduit import upload`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      host: { type: 'string' },
      port: { type: 'string' },
      user: { type: 'string' },
      key: { type: 'string' },
      'key-passphrase-file': { type: 'string' },
      'password-file': { type: 'string' },
      'remote-dir': { type: 'string' },
      'known-host-key': { type: 'string' },
      'known-hosts': { type: 'string' },
      overwrite: { type: 'boolean' },
      'import-date': { type: 'string' },
    },
    true,
  );
  const hint = 'Run `konduit import upload --help`.';
  if (!values.host) throw new UsageError('--host is required', hint);
  if (!values.user) throw new UsageError('--user is required', hint);
  if (!values['remote-dir']) throw new UsageError('--remote-dir is required', hint);
  if (positionals.length === 0) throw new UsageError('no files to upload', hint);
  const port = intFlag('port', values.port, 22, 1);
  if (port > 65535) throw new UsageError(`--port must be at most 65535, got ${port}`);
  const envPassword = process.env.KONDUIT_SFTP_PASSWORD;
  if (values.key && values['password-file']) throw new UsageError('pass either --key or --password-file, not both', hint);
  if (!values.key && !values['password-file'] && envPassword === undefined) {
    throw new UsageError('no credentials: pass --key KEY_FILE or --password-file FILE', hint);
  }
  if (values['known-host-key'] && values['known-hosts']) {
    throw new UsageError('pass either --known-host-key or --known-hosts, not both', hint);
  }
  // The rebill guard at the last gate: nothing that would bill a customer the moment it is imported leaves.
  const importDate = dateFlag('import-date', values['import-date']) ?? localDate(Date.now(), systemTimeZone());
  for (const f of positionals) {
    if (!(await readHeader(f)).index.has('nextBillDate')) continue;
    const past = await findPastNextBillDates(f, importDate);
    if (past.count > 0) throw new InvalidInputError(`not uploaded: ${describePastNextBillDates(f, importDate, past)}`, PAST_NEXT_BILL_HINT);
  }
  const names = positionals.map((f) => basename(f));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new UsageError(`two files have the same name "${dup}"; they would overwrite each other on the server`);

  let knownKeys: HostKey[];
  if (values['known-host-key']) {
    knownKeys = [parseHostKey(values['known-host-key'])];
  } else if (values['known-hosts']) {
    let text: string;
    try {
      text = await readFile(values['known-hosts'], 'utf8');
    } catch (err) {
      throw new EnvironmentError(`cannot read --known-hosts ${values['known-hosts']}: ${errorMessage(err)}`);
    }
    const found = knownHostsKeys(text, values.host, port);
    knownKeys = found.keys.filter((k) => !found.revoked.some((r) => r.blob.equals(k.blob)));
    if (knownKeys.length === 0) {
      throw new UsageError(
        `${values['known-hosts']} has no (unrevoked) key for ${port === 22 ? values.host : `[${values.host}]:${port}`}`,
        'Add the host key the SFTP provider gave you, or pass it with --known-host-key.',
      );
    }
  } else {
    throw new UsageError(
      'the server\'s host key is required: pass --known-host-key "ssh-ed25519 AAAA..." or --known-hosts FILE',
      'Ask the SFTP provider for the host key; Konduit never trusts a server on first use.',
    );
  }

  let privateKey: Buffer | undefined;
  let passphrase: string | undefined;
  let password: string | undefined;
  if (values.key) {
    try {
      privateKey = await readFile(values.key);
    } catch (err) {
      throw new EnvironmentError(`cannot read --key ${values.key}: ${errorMessage(err)}`);
    }
    passphrase = values['key-passphrase-file']
      ? await readSecret(values['key-passphrase-file'], '--key-passphrase-file')
      : process.env.KONDUIT_SSH_KEY_PASSPHRASE;
  } else {
    password = values['password-file'] ? await readSecret(values['password-file'], '--password-file') : envPassword;
  }

  // Ctrl-C stops the transfer cleanly: the .part stays on the server and the next run resumes it.
  const ac = new AbortController();
  const onSigint = () => ac.abort();
  process.once('SIGINT', onSigint);
  try {
    const results = await uploadFiles(
      { host: values.host, port, username: values.user, privateKey, passphrase, password, knownKeys },
      values['remote-dir'],
      positionals,
      { overwrite: values.overwrite === true, signal: ac.signal, onProgress: progressPrinter(Boolean(process.stderr.isTTY)) },
    );
    for (const r of results) {
      const how = r.alreadyThere ? 'already on the server, identical' : r.resumedFrom > 0 ? `resumed at ${r.resumedFrom}, verified` : 'verified';
      process.stdout.write(`${r.remote}: ${r.bytes} bytes, sha256 ${r.sha256} (${how})\n`);
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  return EXIT_OK;
}
