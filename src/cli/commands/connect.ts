/**
 * `konduit connect`: saves a CRM API user after proving it with one query.
 */
import { InvalidInputError, UsageError } from '../../core/errors.js';
import { isValidTimeZone, localDate } from '../../core/time.js';
import { BRAND_BASE_URLS, CrmClient } from '../../crm/client.js';
import { apiPasswordProblem } from '../../crm/credentials.js';
import type { Brand, Frequency } from '../../store/store.js';
import { enumFlag, parseFlags } from '../args.js';
import { openStore } from './connections-store.js';

export const help = `Usage: konduit connect --name NAME --brand konnektive|checkoutchamp --login-id ID --password PW
                       --account-name A --account-username U [--base-url URL] [--timezone TZ]
                       [--frequency hourly|6h|12h|daily] [--db PATH|postgres://...]

Tests the API user's credentials with one query, then saves the connection. The password is stored
encrypted (AES-256-GCM; key from KONDUIT_SECRET or ~/.konduit/secret.key) and never printed.

Options:
  --name NAME              a name for this connection (used by konduit sync --connection)
  --brand BRAND            konnektive (https://api.konnektive.com) or checkoutchamp (https://api.checkoutchamp.com)
  --base-url URL           another API host, e.g. a sandbox (default: the brand's)
  --login-id ID            the API user's username (Admin > Users, Access Level "Api User")
  --password PW            its password; "-" reads it from standard input. Must not contain '&'.
  --account-name A         the CRM account's name
  --account-username U     the username you sign in to the CRM with
  --timezone TZ            the account's time zone (default America/New_York, the CRM's default)
  --frequency F            how often konduit sync --watch refreshes it (default daily)
  --db PATH|URL            the store (default KONDUIT_DB, else ./konduit.duckdb)

Example:
  konduit connect --name shop --brand konnektive --login-id ltv_api --password - \\
    --account-name "My Shop" --account-username owner --frequency hourly
`;

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
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
    frequency: { type: 'string' },
    db: { type: 'string' },
  });
  for (const f of ['name', 'brand', 'login-id', 'password', 'account-name', 'account-username'] as const) {
    if (!values[f]) throw new UsageError(`--${f} is required`, 'Run konduit connect --help for the options.');
  }
  const brand = enumFlag<Brand>('brand', values.brand, ['konnektive', 'checkoutchamp'], 'konnektive');
  const frequency = enumFlag<Frequency>('frequency', values.frequency, ['hourly', '6h', '12h', 'daily'], 'daily');
  const timezone = values.timezone ?? 'America/New_York';
  if (!isValidTimeZone(timezone)) throw new UsageError(`--timezone "${timezone}" is not an IANA time zone name`, 'For example America/New_York or Europe/London.');
  const password = values.password === '-' ? await readStdinLine() : (values.password as string);
  checkPassword(password);
  const baseUrl = values['base-url'] ?? BRAND_BASE_URLS[brand];
  if (!/^https?:\/\//.test(baseUrl)) throw new UsageError(`--base-url must start with http:// or https://, got "${baseUrl}"`);

  const client = new CrmClient({ baseUrl, loginId: values['login-id'] as string, password, maxAttempts: 3 });
  await client.testCredentials(localDate(Date.now(), timezone));

  const store = await openStore(values.db);
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

