/**
 * `konduit connect`: saves a CRM API user after proving it with one query.
 */
import { InvalidInputError, UsageError } from '../../core/errors.js';
import { isCurrencyCode } from '../../core/currency.js';
import { isValidTimeZone, localDate } from '../../core/time.js';
import { BRAND_BASE_URLS, CrmClient, insecureBaseUrlWarning } from '../../crm/client.js';
import { apiPasswordProblem } from '../../crm/credentials.js';
import type { Brand, Frequency } from '../../store/store.js';
import { enumFlag, parseFlags } from '../args.js';
import { openStore } from './connections-store.js';

export const help = `Usage: konduit connect --name NAME --brand konnektive|checkoutchamp --login-id ID [--password -]
                       --account-name A --account-username U [--base-url URL] [--timezone TZ]
                       [--currency CODE] [--frequency hourly|6h|12h|daily] [--db PATH|postgres://...]

Tests the API user's credentials with one query, then saves the connection. The password is stored
encrypted (AES-256-GCM; key from KONDUIT_SECRET or ~/.konduit/secret.key) and never printed.

The password: without --password, konduit asks for it on the terminal (nothing is echoed);
"--password -" reads it from standard input (a pipe or a secrets manager). A password written on the
command line (--password PW) still works, with a warning: other users of the machine see it in ps
while the credential test runs, and the shell may keep it in its history.

Options:
  --name NAME              a name for this connection (used by konduit sync --connection)
  --brand BRAND            konnektive (https://api.konnektive.com) or checkoutchamp (https://api.checkoutchamp.com)
  --base-url URL           another API host, e.g. a sandbox (default: the brand's); http:// to another
                           machine sends the password unencrypted and is warned about
  --login-id ID            the API user's username (Admin > Users, Access Level "Api User")
  --password -             read the password from standard input (default: ask on the terminal).
                           Must not contain '&'.
  --account-name A         the CRM account's name
  --account-username U     the username you sign in to the CRM with
  --timezone TZ            the account's time zone (default America/New_York, the CRM's default)
  --currency CODE          the account's base currency, ISO 4217 (default USD): the currency of amounts
                           the CRM writes with a bare "$" or with no symbol, and the reports' default
  --frequency F            how often konduit sync --watch refreshes it (default daily)
  --db PATH|URL            the store (default KONDUIT_DB, else ./konduit.duckdb); created if it does not
                           exist: connect is the command that makes a store

To change a saved connection later (a new password, its frequency, time zone or base currency) and keep
its synced data: konduit connections update NAME.

Exit codes: 0 connected; 1 the CRM refused the credentials (its reason and what to change), a password
with '&', or the name taken; 2 usage (a missing or bad option), the CRM or the store unreachable.

Examples:
  konduit connect --name shop --brand konnektive --login-id ltv_api \\
    --account-name "My Shop" --account-username owner --frequency hourly        (asks for the password)
  pass show crm/ltv_api | konduit connect --name shop --brand konnektive --login-id ltv_api \\
    --password - --account-name "My Shop" --account-username owner
`;

/** The first line of standard input (a piped password). */
export async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

/** Asks for a secret on the terminal with echo off (raw mode); Enter ends it, Ctrl-C or Ctrl-D cancels. */
export function promptHidden(question: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WritableStream = process.stderr): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) return finish(new UsageError('no password entered'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
    output.write(question);
  });
}

/** The password: a prompt on a terminal, standard input for "-", else the literal with a warning. */
async function passwordOf(flag: string | undefined): Promise<string> {
  if (flag === '-') return readStdinLine();
  if (flag !== undefined) {
    process.stderr.write(
      'konduit: warning: a password on the command line is visible to other users of this machine (ps) while konduit runs, ' +
        'and your shell may keep it in its history; leave out --password to be asked for it, or use --password - to pipe it in\n',
    );
    return flag;
  }
  if (process.stdin.isTTY) return promptHidden('API password (not shown): ');
  throw new UsageError('--password is required when standard input is not a terminal', 'Use --password - and pipe the password in, or run konduit connect on a terminal to be asked for it.');
}

/** Rejects what the CRM cannot accept (crm/credentials.ts): an empty password is a usage error, '&' invalid input. */
export function checkPassword(password: string): void {
  if (password.length === 0) throw new UsageError('--password is empty');
  const problem = apiPasswordProblem(password);
  if (problem) throw new InvalidInputError(problem.message, problem.hint);
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    name: { type: 'string' },
    brand: { type: 'string' },
    'base-url': { type: 'string' },
    'login-id': { type: 'string' },
    password: { type: 'string' },
    'account-name': { type: 'string' },
    'account-username': { type: 'string' },
    timezone: { type: 'string' },
    currency: { type: 'string' },
    frequency: { type: 'string' },
    db: { type: 'string' },
  });
  for (const f of ['name', 'brand', 'login-id', 'account-name', 'account-username'] as const) {
    if (!values[f]) throw new UsageError(`--${f} is required`, 'Run konduit connect --help for the options.');
  }
  const brand = enumFlag<Brand>('brand', values.brand, ['konnektive', 'checkoutchamp'], 'konnektive');
  const frequency = enumFlag<Frequency>('frequency', values.frequency, ['hourly', '6h', '12h', 'daily'], 'daily');
  const timezone = values.timezone ?? 'America/New_York';
  if (!isValidTimeZone(timezone)) throw new UsageError(`--timezone "${timezone}" is not an IANA time zone name`, 'For example America/New_York or Europe/London.');
  const baseCurrency = (values.currency ?? 'USD').toUpperCase();
  if (!isCurrencyCode(baseCurrency)) throw new UsageError(`--currency "${values.currency}" is not an ISO 4217 code`, 'For example USD, CAD, MXN or EUR.');
  const baseUrl = values['base-url'] ?? BRAND_BASE_URLS[brand];
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--base-url must start with http:// or https://, got "${baseUrl}"`);
  const insecure = insecureBaseUrlWarning(baseUrl);
  if (insecure) process.stderr.write(`konduit: warning: ${insecure}\n`);
  const password = await passwordOf(values.password);
  checkPassword(password);

  const client = new CrmClient({ baseUrl, loginId: values['login-id'] as string, password, maxAttempts: 3 });
  await client.testCredentials(localDate(Date.now(), timezone));

  // connect is the command that creates a store.
  const store = await openStore(values.db, { create: true });
  try {
    await store.saveConnection({
      name: values.name as string,
      brand,
      baseUrl,
      loginId: values['login-id'] as string,
      password,
      accountName: values['account-name'] as string,
      accountUsername: values['account-username'] as string,
      timezone,
      frequency,
      baseCurrency,
    });
  } finally {
    await store.close();
  }
  process.stdout.write(
    `Connected "${values.name}" (${brand}, ${baseUrl}); credentials verified.\n` +
      `Next: konduit sync --connection ${values.name} --from YYYY-MM-DD --to YYYY-MM-DD   (import history)\n` +
      `      konduit sync --watch                                                (keep it fresh, ${frequency})\n`,
  );
  return 0;
}

