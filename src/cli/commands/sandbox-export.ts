import { resolve } from 'node:path';
import { EXIT_OK, UsageError } from '../../core/errors.js';
import { isValidTimeZone } from '../../core/time.js';
import { DEFAULT_SEED, exportGroundTruth, generateMerchant } from '../../sandbox/index.js';
import { intFlag, parseFlags } from '../args.js';
import { PROFILE_FLAGS, PROFILE_HELP, profileOptions } from './sandbox.js';

export const help = `Usage: konduit sandbox export --out DIR [--seed S] [--customers N] [--start DATE] [--now DATETIME] [--timezone TZ] [--profile P ...]

Generates the sandbox merchant (the same one \`konduit sandbox\` serves for the same options) and writes it
as CSV ground truth, one file per table: customers.csv, orders.csv, transactions.csv, purchases.csv,
campaigns.csv, products.csv, coupons.csv, as served (the profile's shape, odd values and all); and under
truth/ the customers, orders, transactions and purchases in the rich shape, without odd values (every id,
the ISO currency code, the names; transactions with the oddity they are served with). Columns are the
API's field names and cells the API's formats (nested values as JSON; orders as with
includeCustomFields=1). Each file is written atomically.

Options:
  --out DIR         directory to write (required; created if missing)
  --seed S          merchant seed (default ${DEFAULT_SEED})
  --customers N     new customers over the history (default 2000)
  --start DATE      first day of history, YYYY-MM-DD (default 24 months before today)
  --now DATETIME    account-local "now", 'YYYY-MM-DD HH:MM:SS' (default the real clock; pass it to get
                    the same files on every run)
  --timezone TZ     the account's IANA time zone (default America/New_York)
${PROFILE_HELP}
  -h, --help        show this help

Exit codes: 0 written; 2 usage error or the directory is not writable.

Example:
  konduit sandbox export --seed demo --customers 5000 --now '2026-06-30 12:00:00' --out ./truth
`;

/** Runs `konduit sandbox export`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    out: { type: 'string' },
    seed: { type: 'string' },
    customers: { type: 'string' },
    start: { type: 'string' },
    now: { type: 'string' },
    timezone: { type: 'string' },
    ...PROFILE_FLAGS,
  });
  if (!values.out) throw new UsageError('--out DIR is required', 'Run `konduit sandbox export --help`.');
  const timezone = values.timezone ?? 'America/New_York';
  if (!isValidTimeZone(timezone)) throw new UsageError(`--timezone must be an IANA time zone, got "${timezone}"`);
  if (values.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.start)) throw new UsageError(`--start must be YYYY-MM-DD, got "${values.start}"`);
  let merchant;
  try {
    merchant = generateMerchant({
      ...profileOptions(values),
      seed: values.seed ?? DEFAULT_SEED,
      customers: intFlag('customers', values.customers, 2000, 1),
      start: values.start,
      now: values.now,
      timezone,
    });
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  }
  const dir = resolve(values.out);
  await exportGroundTruth(merchant, dir);
  process.stdout.write(
    `Wrote ${dir}: ${merchant.customers.length} customers, ${merchant.orders.length} orders, ${merchant.txns.length} transactions, ${merchant.purchases.length} purchases\n`,
  );
  return EXIT_OK;
}
