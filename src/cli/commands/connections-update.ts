/**
 * `konduit connections update NAME`: changes a saved connection (a new password, the sync frequency, the
 * account's time zone or base currency), keeping its synced data, through the use case the dashboard's
 * PATCH /api/connections/:name calls (src/sync/update-connection.ts).
 */
import { EXIT_OK, UnknownConnectionError, UsageError } from '../../core/errors.js';
import { checkInput, InputError } from '../../core/input.js';
import { CONNECTION_CHANGES_EXPECTED, ConnectionChangesInput, changesOf, FREQUENCIES } from '../../sync/inputs.js';
import { updateConnection } from '../../sync/update-connection.js';
import { parseFlags } from '../args.js';
import { promptHidden, readStdinLine } from './connect.js';
import { dbArg, openStore } from './connections-store.js';

export const help = `Usage: konduit connections update NAME [--password -] [--frequency ${FREQUENCIES.join('|')}]
                                  [--timezone ZONE] [--base-currency CODE] [--db PATH|postgres://...]

Changes a saved connection; everything synced for it is kept. Give at least one option.

A new password is tested with the CRM (one query) before it is saved, and sealed with the current key
(KONDUIT_SECRET, or the key file in KONDUIT_HOME). That is also the way out when the stored password
cannot be decrypted because it was saved under another key: enter it again here.

A new time zone or base currency applies to what is synced from now on. The history already synced was
read with the old one (its times placed in the old zone, or amounts without a currency code in the old
currency): konduit prints the sync command that reads that range again.

Options:
  --password -          the new API password, read from standard input (a pipe), or asked for on the
                        terminal (not shown). It is never taken from the command line.
  --frequency F         how often konduit sync --watch and the dashboard refresh it: ${FREQUENCIES.join(', ')}
  --timezone ZONE       the CRM account's time zone, an IANA name (e.g. Europe/Berlin)
  --base-currency CODE  the currency of amounts the CRM writes without a currency code, ISO 4217 (e.g. EUR)
  --db PATH|URL         the store (default KONDUIT_DB, else ./konduit.duckdb)

Exit codes: 0 updated; 1 the CRM refused the new password (or it holds '&'); 2 usage: an unknown
connection, a value an option cannot take, no option given, no store.

Examples:
  pass show crm/ltv_api | konduit connections update shop --password -
  konduit connections update shop --frequency hourly --timezone America/Chicago
`;

/** The checks' wording for this command (core/input.ts). */
const SPEC = {
  surface: 'cli' as const,
  label: 'konduit connections update',
  expected: (p: string) => CONNECTION_CHANGES_EXPECTED[p] ?? 'a valid value',
  flags: { timeZone: '--timezone', timezone: '--timezone' },
  hint: 'See konduit connections update --help.',
  secret: ['password'],
};

/** The new password from standard input (asked for on a terminal); the flag takes "-" only, never a literal. */
async function readPassword(): Promise<string> {
  return process.stdin.isTTY ? promptHidden('New API password (not shown): ') : readStdinLine();
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    password: { type: 'string' },
    frequency: { type: 'string' },
    timezone: { type: 'string' },
    'base-currency': { type: 'string' },
    db: { type: 'string' },
  }, true);
  const [name, ...extra] = positionals;
  if (!name) throw new UsageError('konduit connections update needs the NAME of a connection', 'List them with: konduit connections', { code: 'invalid_parameter', param: 'name' });
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`, SPEC.hint);
  if (values.password !== undefined && values.password !== '-') {
    throw new UsageError('--password takes "-" only: the new password comes from standard input, never from the command line', `Pipe it in (… | konduit connections update ${name} --password -), or run on a terminal to be asked for it.`, { code: 'invalid_parameter', param: 'password' });
  }
  const given = { frequency: values.frequency, timeZone: values.timezone, baseCurrency: values['base-currency'] };
  // Every value is checked before the store is opened or a password asked for.
  const checked = changesOf(checkInput(ConnectionChangesInput, given, SPEC));
  if (Object.keys(checked).length === 0 && values.password === undefined) {
    throw new InputError('nothing_to_change', 'name', `nothing to change for "${name}": give --password -, --frequency, --timezone or --base-currency`, SPEC.hint);
  }
  // A new password is sealed with the current key, made now if it is missing; other changes need no key.
  const store = await openStore(values.db, values.password === undefined ? { keyless: true } : { newKey: true });
  try {
    // An unknown name is said before a password is asked for.
    const before = await store.connectionInfo(name);
    if (!before) throw new UnknownConnectionError(name, 'name');
    const password = values.password === undefined ? undefined : await readPassword();
    const changes = password === undefined ? checked : changesOf(checkInput(ConnectionChangesInput, { ...given, password }, SPEC));
    const r = await updateConnection({ store, name, changes });
    const said = r.changed.map((k) =>
      k === 'password' ? 'password (tested with the CRM, sealed with the current key)' : k === 'timezone' ? `time zone ${r.connection.timezone}` : k === 'baseCurrency' ? `base currency ${r.connection.baseCurrency}` : `frequency ${r.connection.frequency}`,
    );
    process.stdout.write(said.length > 0 ? `Updated "${name}": ${said.join(', ')}.\n` : `"${name}" already has these settings; nothing changed.\n`);
    if (r.reimport) {
      const what = [
        r.changed.includes('timezone') ? `in ${before.timezone}` : '',
        r.changed.includes('baseCurrency') ? `with ${before.baseCurrency} for amounts without a currency code` : '',
      ].filter(Boolean).join(' and ');
      process.stdout.write(
        `The history synced so far (${r.reimport.from}..${r.reimport.to}) was read ${what}; to read it again with the new settings:\n` +
          `  konduit sync --connection ${name} --from ${r.reimport.from} --to ${r.reimport.to}${dbArg(values.db)}\n`,
      );
    }
    return EXIT_OK;
  } finally {
    await store.close();
  }
}
