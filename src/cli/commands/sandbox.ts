import { EXIT_OK, UsageError } from '../../core/errors.js';
import { isValidTimeZone } from '../../core/time.js';
import { CURRENCIES, DEFAULT_ADMIN_TOKEN, DEFAULT_LOGIN_ID, DEFAULT_PASSWORD, DEFAULT_SEED, startSandbox, type GenerateOptions } from '../../sandbox/index.js';
import { enumFlag, intFlag, parseFlags } from '../args.js';

/** The merchant's profile options, shared by `konduit sandbox` and `konduit sandbox export`. */
export const PROFILE_HELP = `  --profile P       record shapes: real (as the real CRM's rows: no product or purchase ids on
                    transactions, NEW_SALE rebills, several currencies by symbol, odd values) or rich
                    (every id on every row, USD only); default real. See docs/sandbox.md, "Profiles"
  --currencies L    ISO codes the account sells in, comma-separated, campaigns 1-3 in the first
                    (default under real: ${CURRENCIES.map((c) => c.code).join(',')}; under rich: USD)
  --no-coupons      no coupons (the default under rich)
  --txn-items       transaction records carry items (their order line)
  --odd-rate R      share 0..1 of transactions served with an odd but readable value (real: 0.01)
  --unreadable-rate R  share 0..1 of transactions served unreadable (real: 0.001)
  --repeat-buyers   customers of one-time products buy again, as the BG/NBD model says (off by default;
                    docs/sandbox.md)
  --click-ids       two affiliates pass a click id per customer as the sub-affiliate (off by default;
                    docs/sandbox.md)`;

/** parseFlags options of the profile flags. */
export const PROFILE_FLAGS = {
  profile: { type: 'string' },
  currencies: { type: 'string' },
  'no-coupons': { type: 'boolean' },
  'txn-items': { type: 'boolean' },
  'odd-rate': { type: 'string' },
  'unreadable-rate': { type: 'string' },
  'repeat-buyers': { type: 'boolean' },
  'click-ids': { type: 'boolean' },
} as const;

/** The generator's profile options from the profile flags (absent flags keep the profile's defaults). */
export function profileOptions(values: { profile?: string; currencies?: string; 'no-coupons'?: boolean; 'txn-items'?: boolean; 'odd-rate'?: string; 'unreadable-rate'?: string; 'repeat-buyers'?: boolean; 'click-ids'?: boolean }): GenerateOptions {
  const opts: GenerateOptions = { profile: enumFlag('profile', values.profile, ['real', 'rich'] as const, 'real') };
  if (values.currencies !== undefined) opts.currencies = values.currencies.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (values['no-coupons']) opts.coupons = false;
  if (values['txn-items']) opts.txnItems = true;
  if (values['odd-rate'] !== undefined) opts.oddRate = rateFlag('odd-rate', values['odd-rate']);
  if (values['unreadable-rate'] !== undefined) opts.unreadableRate = rateFlag('unreadable-rate', values['unreadable-rate']);
  if (values['repeat-buyers']) opts.repeatBuyers = true;
  if (values['click-ids']) opts.clickIds = true;
  return opts;
}

export const help = `Usage: konduit sandbox [options]

Serves a local CRM that speaks the Konnektive / Checkout Champ query API (order/query, transactions/query,
customer/query, purchase/query, campaign/query, product/query, coupon/query, customer/history,
transactions/summary) over a deterministic synthetic merchant, until stopped with Ctrl-C (SIGINT) or
SIGTERM. Prints the base URL and the API user's credentials. See docs/sandbox.md.

Options:
  --port N          port to listen on (default 8787; 0 picks a free port)
  --host HOST       address to bind (default 127.0.0.1)
  --seed S          merchant seed: the same seed gives the same merchant (default ${DEFAULT_SEED})
  --customers N     new customers over the history (default 2000)
${PROFILE_HELP}
  --login-id ID     the API user's loginId (default ${DEFAULT_LOGIN_ID})
  --password PW     the API user's password, no '&' (default ${DEFAULT_PASSWORD})
  --timezone TZ     the account's IANA time zone (default America/New_York)
  --start DATE      first day of history, YYYY-MM-DD (default 24 months before today)
  --now DATETIME    account-local "now", 'YYYY-MM-DD HH:MM:SS' (default the real clock)
  --latency-ms L    delay every API response by L milliseconds (default 0)
  --fault-rate R    fraction 0..1 of API calls that fail transiently (default 0)
  --admin-token T   token for the /_sandbox/ admin endpoints (default ${DEFAULT_ADMIN_TOKEN})
  -h, --help        show this help

Exit codes: 0 stopped by a signal; 2 usage error or the port is taken.

Example:
  konduit sandbox --port 8787 --seed demo --customers 5000 --latency-ms 50 --fault-rate 0.02
  konduit sandbox --profile rich --seed demo
  curl 'http://127.0.0.1:8787/order/query/?loginId=${DEFAULT_LOGIN_ID}&password=${DEFAULT_PASSWORD}&startDate=01/01/2026&endDate=01/31/2026'
`;

/** Parses a fraction flag in [0, 1]. */
export function rateFlag(name: string, value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d*\.?\d+$/.test(value) || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1, got "${value}"`);
  return n;
}

/** Runs `konduit sandbox`. */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    customers: { type: 'string' },
    'login-id': { type: 'string' },
    password: { type: 'string' },
    timezone: { type: 'string' },
    start: { type: 'string' },
    now: { type: 'string' },
    'latency-ms': { type: 'string' },
    'fault-rate': { type: 'string' },
    'admin-token': { type: 'string' },
    ...PROFILE_FLAGS,
  });
  const timezone = values.timezone ?? 'America/New_York';
  if (!isValidTimeZone(timezone)) throw new UsageError(`--timezone must be an IANA time zone, got "${timezone}"`);
  if (values.start !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(values.start)) throw new UsageError(`--start must be YYYY-MM-DD, got "${values.start}"`);
  if (values.password?.includes('&')) throw new UsageError("--password must not contain '&' (the CRM forbids it)");
  const sandbox = await startSandbox({
    ...profileOptions(values),
    port: intFlag('port', values.port, 8787),
    host: values.host ?? '127.0.0.1',
    seed: values.seed ?? DEFAULT_SEED,
    customers: intFlag('customers', values.customers, 2000, 1),
    loginId: values['login-id'],
    password: values.password,
    timezone,
    start: values.start,
    now: values.now,
    latencyMs: intFlag('latency-ms', values['latency-ms'], 0),
    faultRate: rateFlag('fault-rate', values['fault-rate']),
    adminToken: values['admin-token'],
  }).catch((err: unknown) => {
    if (err instanceof RangeError) throw new UsageError(err.message);
    throw err;
  });
  const m = sandbox.merchant;
  process.stdout.write(
    [
      `Sandbox CRM listening on ${sandbox.baseUrl}`,
      `  loginId:      ${sandbox.loginId}`,
      `  password:     ${sandbox.password}`,
      `  admin token:  ${sandbox.adminToken}  (header X-Sandbox-Admin-Token, endpoints under /_sandbox/)`,
      `  time zone:    ${sandbox.timezone}; history from ${m.config.start}`,
      `  profile:      ${m.config.profile}; currencies ${m.config.currencies.join(', ')}`,
      `  merchant:     ${m.customers.length} customers, ${m.orders.length} orders, ${m.txns.length} transactions, ${m.purchases.length} purchases`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.close();
  return EXIT_OK;
}
