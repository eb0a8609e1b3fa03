/**
 * The command table. Each command module is imported only when it runs, so `konduit --help` and every
 * command start without loading the others (start-up well under a second).
 */
export interface CommandModule {
  /** Full help text: usage, every option, at least one example. */
  help: string;
  /** Runs the command; returns the exit code (0 ok, 1 invalid input or failed check, 2 usage/env). */
  run(argv: string[]): Promise<number>;
}

export interface CommandEntry {
  /** Words that select the command, e.g. ['import', 'validate']. */
  path: string[];
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: CommandEntry[] = [
  // Each issue's commands are added here, one entry each.
  {
    path: ['import', 'validate'],
    summary: 'check legacy import files (transactions, notes, details) against the import spec',
    load: () => import('./commands/import-validate.js'),
  },
  {
    path: ['import', 'decrypt'],
    summary: 'decrypt an OpenPGP-encrypted export to disk, streamed, only if its integrity check passes',
    load: () => import('./commands/import-decrypt.js'),
  },
  {
    path: ['import', 'upload'],
    summary: 'upload import files over SFTP, resumable, verified by size and SHA-256 after upload',
    load: () => import('./commands/import-upload.js'),
  },
  {
    path: ['import', 'build'],
    summary: 'build the import files from a legacy export by a mapping.yaml (--init writes a template)',
    load: () => import('./commands/import-build.js'),
  },
  {
    path: ['import', 'fix'],
    summary: 'apply only safe normalisations to an import file, each in a change log, then validate',
    load: () => import('./commands/import-fix.js'),
  },
  {
    path: ['import', 'tokenize'],
    summary: 'replace card numbers with tokens (gateway token map or the card vault), cards masked',
    load: () => import('./commands/import-tokenize.js'),
  },
  {
    path: ['import', 'detokenize'],
    summary: 'restore card numbers from the vault into an OpenPGP-encrypted file only',
    load: () => import('./commands/import-detokenize.js'),
  },
  {
    path: ['import', 'sample'],
    summary: 'split import files into a sample of whole customers (covering what to check) and the rest',
    load: () => import('./commands/import-sample.js'),
  },
  {
    path: ['import', 'verify'],
    summary: 'after an import, check each customer, transaction, refund and subscription through the API',
    load: () => import('./commands/import-verify.js'),
  },
  {
    path: ['crm', 'ids'],
    summary: 'list the CRM\'s campaigns with their campaign products (one-time or recurring) and MIDs, for the import',
    load: () => import('./commands/crm-ids.js'),
  },
  {
    path: ['migrate'],
    summary: 'guided, resumable migration: decrypt, build, fix, validate, tokenize, sample, upload, verify',
    load: () => import('./commands/migrate.js'),
  },
  {
    path: ['sandbox'],
    summary: 'serve a local Konnektive-compatible CRM API over a deterministic synthetic merchant',
    load: () => import('./commands/sandbox.js'),
  },
  {
    path: ['sandbox', 'export'],
    summary: 'write the sandbox merchant as CSV ground truth (API field names and formats)',
    load: () => import('./commands/sandbox-export.js'),
  },
  {
    path: ['connect'],
    summary: 'save a CRM API user (Konnektive / Checkout Champ) after testing its credentials',
    load: () => import('./commands/connect.js'),
  },
  {
    path: ['connections'],
    summary: 'list saved CRM connections, or remove one (konduit connections remove NAME)',
    load: () => import('./commands/connections.js'),
  },
  {
    path: ['connections', 'update'],
    summary: 'change a saved connection: a new password (--password -), frequency, time zone, base currency',
    load: () => import('./commands/connections-update.js'),
  },
  {
    path: ['sync'],
    summary: 'backfill a date range, sync incrementally, or --watch to keep connections fresh',
    load: () => import('./commands/sync.js'),
  },
  {
    path: ['report', 'summary'],
    summary: 'revenue, refunds & chargebacks, orders, new customers and rates for a range vs the previous one',
    load: async () => (await import('./commands/report.js')).reportCommand('summary'),
  },
  {
    path: ['report', 'series'],
    summary: 'the summary figures per day, ISO week or month in the viewer\'s time zone',
    load: async () => (await import('./commands/report.js')).reportCommand('series'),
  },
  {
    path: ['report', 'cohorts'],
    summary: 'cohort LTV by first-sale day, week or month at horizons in days (or --triangle by month)',
    load: async () => (await import('./commands/report.js')).reportCommand('cohorts'),
  },
  {
    path: ['report', 'retention'],
    summary: 'subscription retention and rebill rates by billing cycle, with cancellations',
    load: async () => (await import('./commands/report.js')).reportCommand('retention'),
  },
  {
    path: ['report', 'mids'],
    summary: 'MID health by the card networks\' programs (Visa VAMP, Mastercard ECM), per month; --alerts for cron',
    load: async () => (await import('./commands/report.js')).reportCommand('mids'),
  },
  {
    path: ['report', 'declines'],
    summary: 'decline rate and top reasons by MID, BIN, card network or cycle; recycling saves by retry',
    load: async () => (await import('./commands/report.js')).reportCommand('declines'),
  },
  {
    path: ['report', 'chargebacks'],
    summary: 'chargebacks by reason code (fraud or not), MID, days from sale and cohort, with refunds beside',
    load: async () => (await import('./commands/report.js')).reportCommand('chargebacks'),
  },
  {
    path: ['mids', 'alerts'],
    summary: 'list, set or remove MID alert rules (a threshold per MID) that report mids --alerts checks',
    load: () => import('./commands/mids-alerts.js'),
  },
  {
    path: ['report', 'rebills'],
    summary: 'subscriptions due in the next 7/30/60/90 days, list price and expected revenue at the observed approval',
    load: async () => (await import('./commands/report.js')).reportCommand('rebills'),
  },
  {
    path: ['report', 'economics'],
    summary: 'per source and cohort: new customers, spend, CAC, margin LTV, LTV:CAC, payback day, ROAS',
    load: async () => (await import('./commands/report.js')).reportCommand('economics'),
  },
  {
    path: ['costs', 'import'],
    summary: 'import costs (product, processing, payouts) or ad spend from a CSV (Meta, Google, TikTok exports) or YAML file',
    load: () => import('./commands/costs.js').then((m) => m.costsCommand('import')),
  },
  {
    path: ['costs', 'list'],
    summary: 'list a connection\'s costs, or its ad spend by day and source',
    load: () => import('./commands/costs.js').then((m) => m.costsCommand('list')),
  },
  {
    path: ['costs', 'log'],
    summary: 'every change to a connection\'s costs: who, when, through what, before and after',
    load: () => import('./commands/costs.js').then((m) => m.costsCommand('log')),
  },
  {
    path: ['customer'],
    summary: 'one customer: orders, transactions, subscriptions, refunds, chargebacks, running LTV and cohort',
    load: () => import('./commands/customer.js'),
  },
  {
    path: ['reconcile'],
    summary: "the CRM's own transaction summary beside Konduit's figures, per day and campaign, every difference explained",
    load: () => import('./commands/reconcile.js'),
  },
  {
    path: ['report', 'forecast'],
    summary: 'retention and LTV projected per cohort (sBG fit, with its interval), or --backtest DATE against what came after',
    load: async () => (await import('./commands/report.js')).reportCommand('forecast'),
  },
  {
    path: ['forecast', 'sbg'],
    summary: 'fit the sBG retention model on survivor counts N0,N1,... and project survival, with its interval',
    load: () => import('./commands/forecast-sbg.js'),
  },
  {
    path: ['serve'],
    summary: 'serve the web dashboard and its HTTP API (127.0.0.1:3000 by default)',
    load: () => import('./commands/serve.js'),
  },
  {
    path: ['demo'],
    summary: 'start a sandbox merchant, connect and sync it, and serve the dashboard (prints the login)',
    load: () => import('./commands/demo.js'),
  },
];
