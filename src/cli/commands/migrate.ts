/**
 * `konduit migrate`: the guided, resumable run through the steps of the CRM's migration guide, in order:
 * decrypt -> build -> fix -> tokenize -> validate -> sample -> upload sample -> (the CRM team imports it)
 * -> verify sample -> upload rest -> (the CRM team imports it) -> verify all. Each step calls the
 * command's own function; where it is, and what every step said, is recorded in a state file
 * (migration.json) and a log per step, so a run stopped anywhere resumes there and shows again what the
 * earlier steps said. Steps that need the merchant (review the mapping, wait for the CRM team) pause
 * with instructions, and are confirmed only once they ran and asked for it.
 */
import { access, mkdir, open as openFile, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE, EnvironmentError, KonduitError, UsageError, errorMessage } from '../../core/errors.js';
import { assertDistinctPaths, type NamedPath } from '../../core/paths.js';
import { decryptFile, sniffFormat } from '../../importfile/deliver/pgp.js';
import { renderVerifyText, type VerifyReport } from '../../importfile/deliver/verify.js';
import { OUTPUT_NAMES } from '../../importfile/transform/build.js';
import { rebillRuleText } from '../../importfile/transform/rebill-guard.js';
import { splitSample, type FileSet } from '../../importfile/transform/take-sample.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { runValidation, type ImportInput } from '../../importfile/validate/validate.js';
import { dateFlag, intFlag, parseFlags } from '../args.js';
import { buildWithMapping, initMapping } from './import-build.js';
import { fixAndValidate, rebillFlag } from './import-fix.js';
import { describeSample } from './import-sample.js';
import { tokenizeWith, vaultPassphrase } from './import-tokenize.js';
import { verifyWithConnection } from './import-verify.js';
import { plural } from '../../core/text.js';

export const help = `Usage: konduit migrate init --export FILE --mapping mapping.yaml [options]   start a migration
       konduit migrate [--state FILE]                       run the next steps (resumes where it stopped)
       konduit migrate status [--state FILE]                where it is, what each step said, what to do next
       konduit migrate confirm STEP [--state FILE]          a step that waits for you: you did it
       konduit migrate redo STEP [--state FILE]             run STEP and everything after it again, now
       konduit migrate rebills RULE [--state FILE]          resolve past next bill dates (move:+N, keep-day, cancel)

The steps, in the order of the CRM's migration guide (each is also a konduit import command):
  decrypt         the OpenPGP-encrypted inputs (export, --source files) with your key; plain CSV is used as is
  build           the import files by mapping.yaml; without one, a first mapping is written for review
  fix             the safe normalisations and the rebill guard's rule, with change logs
  tokenize        card numbers to tokens (gateway token map or the card vault); refused while a card
                  number is damaged or stands in another column; then every file that still holds card
                  numbers in clear (decrypted inputs, built and fixed files) is deleted
  validate        the files to be sent, against the spec (and the CRM's ids with --connection)
  sample          a sample of whole customers and the rest (sample-*.csv, rest-*.csv)
  upload-sample   the sample to the CRM's SFTP server (or you upload it and confirm)
  sample-imported waits for the CRM team to import the sample; confirm when they say so
  verify-sample   the imported sample through the API (--connection), or you verify and confirm
  upload-rest     the rest, once the sample verified
  rest-imported   waits for the CRM team to import the rest; confirm when they say so
  verify-all      every customer, transaction, refund, chargeback, subscription and next bill date of
                  the whole import through the API; only then is the migration complete

init options:
  --export FILE                 the export (.pgp/.gpg/.asc encrypted, or a CSV)
  --key FILE                    your OpenPGP private key (for encrypted inputs)
  --passphrase-file FILE        its passphrase (default KONDUIT_PGP_PASSPHRASE)
  --mapping FILE                mapping.yaml (written as a first mapping by the build step if missing)
  --source FILE                 another source for the mapping (a notes export, the processor's card
                                export, encrypted or not), repeatable: SOURCE 2, 3, ... of the mapping
  --date-order mdy|dmy          for the fix step's slash dates
  --import-date YYYY-MM-DD      the planned import date (default --today): the rebill guard's date
  --past-next-bill-date RULE    move:+N | keep-day | cancel, for active subscriptions due before it
  --token-map FILE | --vault FILE [--vault-passphrase-file FILE]   the tokenize step's source
  --mask-stray-cards            mask card numbers found in other columns (and notes, details) in place
  --sample-size N               customers in the sample (default 25); --seed S
  --connection NAME [--db PATH] the CRM connection (konduit connect): its ids for the first mapping and
                                validation, and the verify steps
  --sftp-host H --sftp-user U --sftp-key FILE (--sftp-known-host-key "TYPE KEY" | --sftp-known-hosts FILE)
  --sftp-port N --sftp-remote-dir DIR     where upload steps deliver (else you upload and confirm)
  --work DIR                    where the step outputs go (default migration-work beside the state file)
  --today YYYY-MM-DD            the validator's and verify's "today" (default: the real date)
  --state FILE                  the state file (default ./migration.json); --force replaces one

Secrets are never stored in the state file: only paths; passphrases come from files or the environment
(KONDUIT_PGP_PASSPHRASE, KONDUIT_VAULT_PASSPHRASE, KONDUIT_SSH_KEY_PASSPHRASE).

Exit codes: 0 done or waiting for you (the next step is printed), 1 a step failed (what to do is printed),
2 usage or environment error.

Example:
  konduit migrate init --export export.csv.pgp --key merchant.asc --passphrase-file pass.txt \\
      --mapping mapping.yaml --vault cards.vault --vault-passphrase-file vault-pass --sample-size 25 \\
      --connection shop --import-date 2026-12-01 --past-next-bill-date keep-day \\
      --sftp-host sftp.example.com --sftp-user acme --sftp-key ~/.ssh/upload --sftp-known-hosts known_hosts \\
      --sftp-remote-dir /incoming
  konduit migrate          # repeat after each instruction it prints
`;

/** The steps, in order. */
export const STEPS = ['decrypt', 'build', 'fix', 'tokenize', 'validate', 'sample', 'upload-sample', 'sample-imported', 'verify-sample', 'upload-rest', 'rest-imported', 'verify-all'] as const;
/** One step's name. */
export type StepName = (typeof STEPS)[number];

/** A failed step the merchant may accept (the sample's coverage: the data may not have every feature). */
const ACCEPTABLE_WHEN_FAILED: readonly StepName[] = ['sample'];

/** What migrate init records (paths and settings, never secrets). */
export interface MigrationConfig {
  export: string;
  key?: string;
  passphraseFile?: string;
  mapping: string;
  sources?: string[];
  dateOrder?: 'mdy' | 'dmy';
  importDate?: string;
  pastNextBillDate?: string;
  tokenMap?: string;
  vault?: string;
  vaultPassphraseFile?: string;
  maskStrayCards?: boolean;
  sampleSize: number;
  seed: string;
  connection?: string;
  db?: string;
  sftp?: { host: string; port: number; user: string; key: string; knownHostKey?: string; knownHosts?: string; remoteDir: string };
  work: string;
  today?: string;
}

/** A step's recorded state: what it said, in full (shown again on resume), and what to do next. */
export interface StepState {
  status: 'done' | 'waiting' | 'failed';
  at: string;
  summary: string;
  next?: string;
}

/** The state file's content. */
export interface MigrationState {
  format: 'konduit-migration';
  version: 1;
  config: MigrationConfig;
  steps: Partial<Record<StepName, StepState>>;
}

/** What a step tells the runner. */
type Outcome = { status: 'done' | 'waiting' | 'failed'; summary: string; next?: string };

const exists = (p: string) => access(p).then(() => true, () => false);

async function loadState(path: string): Promise<MigrationState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`no migration state at ${path}`, 'Start one with: konduit migrate init --help');
  }
  const s = JSON.parse(text) as MigrationState;
  if (s.format !== 'konduit-migration' || s.version !== 1) throw new EnvironmentError(`${path} is not a konduit migration state file`);
  return s;
}

async function saveState(path: string, s: MigrationState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(s, null, 2)}\n`, 0o600);
}

/** The first step not done, or null when every step is done (pure). */
export function nextStep(s: MigrationState): StepName | null {
  return STEPS.find((n) => s.steps[n]?.status !== 'done') ?? null;
}

/** Paths of the work files (pure). */
export function workPaths(c: MigrationConfig) {
  const w = c.work;
  return {
    inputs: join(w, 'inputs'),
    built: join(w, 'build'),
    fixed: join(w, 'fixed'),
    tokenized: join(w, 'tokenized'),
    sample: join(w, 'sample'),
    rest: join(w, 'rest'),
    logs: join(w, 'logs'),
  };
}

async function isEncrypted(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r').catch((err: unknown) => {
    throw new EnvironmentError(`cannot read the input ${path}: ${errorMessage(err)}`);
  });
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await fh.read(head, 0, 64, 0);
    return sniffFormat(head.subarray(0, bytesRead)) !== 'unknown';
  } finally {
    await fh.close();
  }
}

/** The inputs in mapping order (SOURCE 1 = the export), and where the plaintext of each is read from. */
async function plaintexts(c: MigrationConfig): Promise<{ input: string; plain: string; encrypted: boolean }[]> {
  const p = workPaths(c);
  const all = [c.export, ...(c.sources ?? [])];
  return Promise.all(
    all.map(async (input, i) => {
      const encrypted = await isEncrypted(input);
      return { input, encrypted, plain: encrypted ? join(p.inputs, `${i + 1}-${basename(input).replace(/\.(pgp|gpg|asc)$/i, '')}`) : input };
    }),
  );
}

async function fileSet(dir: string, prefix = ''): Promise<FileSet> {
  const set: FileSet = { transactions: join(dir, `${prefix}${OUTPUT_NAMES.transactions}`) };
  for (const k of ['notes', 'details'] as const) {
    const f = join(dir, `${prefix}${OUTPUT_NAMES[k]}`);
    if (await exists(f)) set[k] = f;
  }
  return set;
}

const filesOf = (s: FileSet) => [s.transactions, s.notes, s.details].filter((x): x is string => !!x);
const importDateOf = (c: MigrationConfig) => c.importDate ?? c.today;

async function upload(c: MigrationConfig, files: string[]): Promise<Outcome | null> {
  if (!c.sftp) return null;
  const t = c.sftp;
  const importDate = importDateOf(c);
  const argv = ['--host', t.host, '--port', String(t.port), '--user', t.user, '--key', t.key, '--remote-dir', t.remoteDir, ...(importDate ? ['--import-date', importDate] : [])];
  if (t.knownHostKey) argv.push('--known-host-key', t.knownHostKey);
  if (t.knownHosts) argv.push('--known-hosts', t.knownHosts);
  const { run } = await import('./import-upload.js');
  const code = await run([...argv, ...files]);
  if (code !== EXIT_OK) return { status: 'failed', summary: `the upload of ${files.map((f) => basename(f)).join(', ')} failed (exit ${code})` };
  return { status: 'done', summary: `uploaded ${files.map((f) => basename(f)).join(', ')} to ${t.host}:${t.remoteDir}, each verified by size and SHA-256` };
}

/** The CRM's ids for the mapping and validation, when there is a connection. */
async function crmIds(c: MigrationConfig) {
  if (!c.connection) return null;
  const { crmIdsOf } = await import('./crm-ids.js');
  return crmIdsOf(c.connection, c.db);
}

async function verify(c: MigrationConfig, sets: FileSet[]): Promise<{ pass: boolean; text: string; reports: VerifyReport[] }> {
  const reports: VerifyReport[] = [];
  const parts: string[] = [];
  for (const set of sets) {
    const r = await verifyWithConnection({ connection: c.connection as string, ...(c.db ? { db: c.db } : {}), files: filesOf(set), ...(c.today ? { today: c.today } : {}) });
    reports.push(r);
    parts.push(`${basename(set.transactions)}:\n${renderVerifyText(r).trim()}`);
  }
  return { pass: reports.every((r) => r.pass), text: parts.join('\n\n'), reports };
}

/** Runs one step (each calls the command's function). */
async function runStep(name: StepName, c: MigrationConfig): Promise<Outcome> {
  const p = workPaths(c);
  const today = c.today ? { today: c.today } : {};
  const importDate = importDateOf(c);
  switch (name) {
    case 'decrypt': {
      const inputs = await plaintexts(c);
      const lines: string[] = [];
      for (const x of inputs) {
        if (!x.encrypted) {
          lines.push(`${x.input}: not OpenPGP-encrypted, used as it is`);
          continue;
        }
        if (!c.key) return { status: 'failed', summary: `${x.input} is encrypted but no --key was given`, next: 'konduit migrate init --force ... --key YOUR_PRIVATE_KEY.asc' };
        const keyBytes = await readFile(c.key).catch((err: unknown) => {
          throw new EnvironmentError(`cannot read the key ${c.key}: ${errorMessage(err)}`);
        });
        const passphrase = c.passphraseFile
          ? (
              await readFile(c.passphraseFile, 'utf8').catch((err: unknown) => {
                throw new EnvironmentError(`cannot read the passphrase file ${c.passphraseFile}: ${errorMessage(err)}`);
              })
            ).replace(/\r?\n$/, '')
          : process.env.KONDUIT_PGP_PASSPHRASE;
        const r = await decryptFile({ input: x.input, output: x.plain, privateKey: keyBytes, passphrase });
        lines.push(`${x.input}: decrypted, ${r.bytes} bytes, integrity check passed`);
      }
      return { status: 'done', summary: lines.join('\n') };
    }
    case 'build': {
      const [main, ...others] = (await plaintexts(c)).map((x) => x.plain);
      if (!(await exists(c.mapping))) {
        const ids = await crmIds(c);
        const text = await initMapping(main as string, c.mapping, false, others, ids);
        return {
          status: 'waiting',
          summary: `${text.trim()}${ids ? '\nThe CRM\'s campaigns, campaign products and MIDs are listed in it (konduit crm ids).' : ''}`,
          next: `review ${c.mapping} (every "# REVIEW" line and question; fill in campaignId, productId, merchantId from the CRM), then run: konduit migrate`,
        };
      }
      const r = await buildWithMapping({ mapping: c.mapping, sources: [main as string, ...others], outDir: p.built, ...today, ...(importDate ? { importDate } : {}) });
      if (r.result.issueCount > 0) return { status: 'failed', summary: r.text, next: `correct ${c.mapping} for the cells listed, then run: konduit migrate` };
      const rows = Object.entries(r.result.rows).map(([k, n]) => `${k}: ${n} rows`).join(', ');
      return { status: 'done', summary: `${rows}${r.result.disputesFolded ? `; ${plural(r.result.disputesFolded, 'dispute row')} folded into their parents' chargeback columns` : ''} (checked after fix and tokenize)` };
    }
    case 'fix': {
      const built = await fileSet(p.built);
      const lines: string[] = [];
      const rule = c.pastNextBillDate ? rebillFlag(c.pastNextBillDate) : undefined;
      for (const kind of ['transactions', 'notes', 'details'] as const) {
        const input = built[kind];
        if (!input) continue;
        const log = join(p.fixed, `changes-${kind}.csv`);
        const r = await fixAndValidate({ input, out: join(p.fixed, basename(input)), kind, log, ...(c.dateOrder ? { dateOrder: c.dateOrder } : {}), ...today, ...(importDate ? { importDate } : {}), ...(rule ? { pastNextBill: rule } : {}) });
        lines.push(`${kind}: ${r.result.changes.length} changes (log ${log})`);
        // What fix said about the rebill guard and ambiguous dates is the merchant's to read here, not later.
        lines.push(...r.text.split('\n').filter((l) => /^rebill guard|^ {2}choose|only --date-order/.test(l)));
      }
      return { status: 'done', summary: lines.join('\n') };
    }
    case 'tokenize': {
      const fixed = await fileSet(p.fixed);
      if (!c.tokenMap && !c.vault) return { status: 'failed', summary: 'no token source', next: 'konduit migrate init --force ... with --token-map FILE or --vault FILE' };
      const passphrase = c.vault ? await vaultPassphrase(c.vaultPassphraseFile) : undefined;
      const source = { ...(c.tokenMap ? { tokenMap: c.tokenMap } : {}), ...(c.vault ? { vault: c.vault } : {}), ...(passphrase !== undefined ? { passphrase } : {}) };
      const lines: string[] = [];
      // Notes and details are searched for card numbers too when the merchant chose to mask them.
      const kinds = c.maskStrayCards ? (['transactions', 'notes', 'details'] as const) : (['transactions'] as const);
      for (const kind of kinds) {
        const input = fixed[kind];
        if (!input) continue;
        const r = await tokenizeWith({ input, out: join(p.tokenized, basename(input)), ...source, maskStrayCards: !!c.maskStrayCards });
        if (!r.ok) return { status: 'failed', summary: r.text.trim(), next: `resolve what is listed (each part says how; a change to ${c.mapping} or the export), then run: konduit migrate redo build` };
        lines.push(r.text.trim());
      }
      // Card numbers in clear now exist only in the encrypted inputs: remove every plaintext copy.
      for (const x of await plaintexts(c)) if (x.encrypted) await rm(x.plain, { force: true });
      await rm(p.built, { recursive: true, force: true });
      for (const kind of kinds) if (fixed[kind]) await rm(fixed[kind] as string, { force: true });
      return { status: 'done', summary: `${lines.join('\n')}\nplaintext copies with card numbers deleted` };
    }
    case 'validate': {
      const set = await sendable(c);
      const ids = await crmIds(c);
      const { report, codes } = await runValidation(set as ImportInput, { maxIssues: 50, ...today, ...(importDate ? { importDate } : {}), ...(ids ? { crmIds: ids } : {}) });
      if (!report.valid) {
        const rebill = codes.some((x) => x.code === 'next_bill_date_past' && x.count > 0);
        const next = rebill
          ? `choose how to resolve the active subscriptions due before the import date ${importDate ?? '(today)'}: konduit migrate rebills move:+N | keep-day | cancel`
          : `correct ${c.mapping} (or the export), then run: konduit migrate redo build`;
        return { status: 'failed', summary: renderText(report, codes, 30).trim(), next };
      }
      return { status: 'done', summary: `valid${ids ? ' (ids checked against the CRM)' : ''}: ${report.files.map((f) => `${f.kind} ${f.rows} rows, ${f.warnings} warnings`).join('; ')}` };
    }
    case 'sample': {
      const r = await splitSample(await sendable(c), { size: c.sampleSize, seed: c.seed, sampleDir: p.sample, restDir: p.rest, samplePrefix: 'sample-', restPrefix: 'rest-', ...(importDate ? { importDate } : {}) });
      const text = describeSample(r).trim();
      if (r.selection.uncovered.length > 0) return { status: 'failed', summary: text, next: 'raise --sample-size (konduit migrate init --force ...), or accept this sample: konduit migrate confirm sample' };
      return { status: 'done', summary: text };
    }
    case 'upload-sample': {
      const files = filesOf(await fileSet(p.sample, 'sample-'));
      return (await upload(c, files)) ?? { status: 'waiting', summary: `upload ${files.join(' ')}`, next: `upload them (konduit import upload ... ${files.join(' ')}), tell the CRM team, then run: konduit migrate confirm upload-sample` };
    }
    case 'sample-imported':
      return { status: 'waiting', summary: 'the CRM team imports the sample (step 6 of the CRM\'s migration guide)', next: 'when they say the sample is imported, run: konduit migrate confirm sample-imported' };
    case 'verify-sample': {
      const set = await fileSet(p.sample, 'sample-');
      if (!c.connection) return { status: 'waiting', summary: 'no CRM connection to verify through', next: `run konduit import verify --connection NAME ${filesOf(set).join(' ')}; when it passes: konduit migrate confirm verify-sample` };
      const v = await verify(c, [set]);
      if (!v.pass) return { status: 'failed', summary: v.text, next: 'send these differences to the CRM team (step 7 of the CRM\'s migration guide: "If there are any issues let us know"); after they corrected the import, run: konduit migrate redo verify-sample' };
      return { status: 'done', summary: v.text };
    }
    case 'upload-rest': {
      const files = filesOf(await fileSet(p.rest, 'rest-'));
      return (await upload(c, files)) ?? { status: 'waiting', summary: `upload ${files.join(' ')}`, next: `upload them (konduit import upload ... ${files.join(' ')}), then run: konduit migrate confirm upload-rest` };
    }
    case 'rest-imported':
      return { status: 'waiting', summary: 'tell the CRM team the sample passed and the rest is uploaded (step 8 of the CRM\'s migration guide); they import it', next: 'when they say the rest is imported, run: konduit migrate confirm rest-imported' };
    case 'verify-all': {
      const sets = [await fileSet(p.sample, 'sample-'), await fileSet(p.rest, 'rest-')];
      if (!c.connection) return { status: 'waiting', summary: 'no CRM connection to verify through', next: `run konduit import verify --connection NAME on ${sets.map((s) => s.transactions).join(' and ')}; when both pass: konduit migrate confirm verify-all` };
      const v = await verify(c, sets);
      const customers = v.reports.reduce((n, r) => n + r.customers.total, 0);
      await writeFileAtomic(join(c.work, 'verify-all.json'), `${JSON.stringify(v.reports, null, 2)}\n`, 0o600);
      await writeFileAtomic(join(c.work, 'verify-all.txt'), `${v.text}\n`, 0o600);
      if (!v.pass) return { status: 'failed', summary: `${v.text}\nreport: ${join(c.work, 'verify-all.txt')}`, next: 'send the report to the CRM team; after they corrected the import, run: konduit migrate redo verify-all' };
      return { status: 'done', summary: `${customers} customers verified through the API: every transaction, refund, chargeback, subscription and next bill date matches (report ${join(c.work, 'verify-all.txt')})` };
    }
  }
}

/** The files to send: tokenized transactions (and notes, details when masked), else the fixed ones. */
async function sendable(c: MigrationConfig): Promise<FileSet> {
  const p = workPaths(c);
  const fixed = await fileSet(p.fixed);
  const tokenized = await fileSet(p.tokenized);
  return { transactions: tokenized.transactions, ...(tokenized.notes ?? fixed.notes ? { notes: (tokenized.notes ?? fixed.notes) as string } : {}), ...(tokenized.details ?? fixed.details ? { details: (tokenized.details ?? fixed.details) as string } : {}) };
}

const label = (st: StepState) => (st.status === 'done' ? 'done' : st.status === 'waiting' ? 'WAITING FOR YOU' : 'FAILED');
const indent = (text: string) => text.split('\n').join('\n    ');

/** A step's log file (the full text of what it said). */
const logOf = (c: MigrationConfig, name: StepName) => join(workPaths(c).logs, `${String(STEPS.indexOf(name) + 1).padStart(2, '0')}-${name}.txt`);

/** What a step said, shown again: in full up to 4 lines, else its first 3 and where the rest is. */
function brief(c: MigrationConfig, name: StepName, summary: string): string {
  const lines = summary.split('\n');
  if (lines.length <= 4) return indent(summary);
  return indent([...lines.slice(0, 3), `... ${plural(lines.length - 3, 'more line', 'more lines')}: ${logOf(c, name)}`].join('\n'));
}

/** What the steps done before this run said (the state and the logs keep all of it). */
function recap(s: MigrationState): string[] {
  const out: string[] = [];
  for (const n of STEPS) {
    const st = s.steps[n];
    if (st?.status === 'done') out.push(`[${n}] done (${st.at}): ${brief(s.config, n, st.summary)}`);
  }
  return out;
}

/** Runs steps from the first not done until one waits or fails; returns the exit code and the text. */
export async function runMigration(statePath: string): Promise<{ code: number; text: string }> {
  const s = await loadState(statePath);
  const out = recap(s);
  if (out.length > 0) out.unshift('earlier:');
  const finish = (code: number) => ({ code, text: `${out.join('\n')}\n` });
  for (let name = nextStep(s); name; name = nextStep(s)) {
    let o: Outcome;
    try {
      o = await runStep(name, s.config);
    } catch (err) {
      // A failure of any kind is recorded and printed after what the earlier steps said, never instead of it.
      const msg = errorMessage(err);
      const code = err instanceof KonduitError ? err.exitCode : EXIT_USAGE;
      const hint = err instanceof KonduitError && err.hint ? err.hint : 'correct it, then run: konduit migrate';
      o = { status: 'failed', summary: msg, next: hint };
      await record(statePath, s, name, o);
      out.push(`[${name}] FAILED: ${indent(msg)}`, `next: ${hint}`);
      return finish(code === EXIT_INVALID ? EXIT_INVALID : EXIT_USAGE);
    }
    await record(statePath, s, name, o);
    const st = s.steps[name] as StepState;
    out.push(`[${name}] ${label(st)}: ${indent(o.summary)}`);
    if (o.status !== 'done') {
      if (o.next) out.push(`next: ${o.next}`);
      return finish(o.status === 'failed' ? EXIT_INVALID : EXIT_OK);
    }
  }
  out.push('migration complete: every step is done, and the whole import verified through the API.');
  return finish(EXIT_OK);
}

/** Records a step's outcome in the state file and its log (the full text, kept for status and resumes). */
async function record(statePath: string, s: MigrationState, name: StepName, o: Outcome): Promise<void> {
  s.steps[name] = { status: o.status, at: new Date().toISOString(), summary: o.summary, ...(o.next ? { next: o.next } : {}) };
  await saveState(statePath, s);
  const logs = workPaths(s.config).logs;
  await mkdir(logs, { recursive: true, mode: 0o700 });
  await writeFileAtomic(logOf(s.config, name), `[${name}] ${o.status} ${s.steps[name]!.at}\n${o.summary}\n${o.next ? `next: ${o.next}\n` : ''}`, 0o600);
}

/** The status text: every step, the full text of the one under way, what to do next (pure). */
export function renderStatus(s: MigrationState): string {
  const lines = STEPS.map((n) => {
    const st = s.steps[n];
    if (!st) return `  pending  ${n}`;
    const head = `  ${st.status.padEnd(8)} ${n} (${st.at})`;
    return st.status === 'done' ? `${head}: ${brief(s.config, n, st.summary)}` : `${head}:\n      ${st.summary.split('\n').join('\n      ')}`;
  });
  const next = nextStep(s);
  const st = next ? s.steps[next] : undefined;
  if (!next) lines.push('', 'migration complete.');
  else if (st?.next) lines.push('', `next: ${st.next}`);
  else lines.push('', `next step: ${next} (run: konduit migrate)`);
  if (next && st?.status === 'waiting') lines.push(`(once done: konduit migrate confirm ${next})`);
  return `${lines.join('\n')}\n`;
}

/** Resets a step and every step after it (and from decrypt for a step before the plaintext was deleted). */
function reset(s: MigrationState, step: StepName): void {
  // The plaintext inputs are deleted after tokenize: redoing a step up to it decrypts them again.
  const from = STEPS.indexOf(step) <= STEPS.indexOf('tokenize') && s.steps.tokenize?.status === 'done' ? 0 : STEPS.indexOf(step);
  for (const n of STEPS.slice(from)) delete s.steps[n];
}

async function init(argv: string[], statePath: string): Promise<string> {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, force: { type: 'boolean' }, export: { type: 'string' }, key: { type: 'string' }, 'passphrase-file': { type: 'string' },
    mapping: { type: 'string' }, source: { type: 'string', multiple: true }, 'date-order': { type: 'string' }, 'token-map': { type: 'string' },
    vault: { type: 'string' }, 'vault-passphrase-file': { type: 'string' }, 'mask-stray-cards': { type: 'boolean' }, 'sample-size': { type: 'string' }, seed: { type: 'string' },
    connection: { type: 'string' }, db: { type: 'string' }, 'sftp-host': { type: 'string' }, 'sftp-port': { type: 'string' }, 'sftp-user': { type: 'string' },
    'sftp-key': { type: 'string' }, 'sftp-known-host-key': { type: 'string' }, 'sftp-known-hosts': { type: 'string' }, 'sftp-remote-dir': { type: 'string' },
    work: { type: 'string' }, today: { type: 'string' }, 'import-date': { type: 'string' }, 'past-next-bill-date': { type: 'string' },
  });
  if (!values.export || !values.mapping) throw new UsageError('--export FILE and --mapping FILE are required', 'Run konduit migrate --help.');
  if (!values.force && (await exists(statePath))) throw new UsageError(`${statePath} exists: a migration is under way`, 'konduit migrate status shows it; --force starts over.');
  if (values['token-map'] && values.vault) throw new UsageError('give --token-map or --vault, not both');
  if (values['date-order'] && !['mdy', 'dmy'].includes(values['date-order'])) throw new UsageError('--date-order must be mdy or dmy');
  if (values['past-next-bill-date']) rebillFlag(values['past-next-bill-date']);
  const abs = (x: string) => resolve(x);
  const c: MigrationConfig = {
    export: abs(values.export),
    mapping: abs(values.mapping),
    sampleSize: intFlag('sample-size', values['sample-size'], 25, 1),
    seed: values.seed ?? 'konduit',
    work: abs(values.work ?? join(dirname(statePath), 'migration-work')),
  };
  if (values.key) c.key = abs(values.key);
  if (values['passphrase-file']) c.passphraseFile = abs(values['passphrase-file']);
  if (values.source) c.sources = values.source.map(abs);
  if (values['date-order']) c.dateOrder = values['date-order'] as 'mdy' | 'dmy';
  if (dateFlag('import-date', values['import-date'])) c.importDate = values['import-date'] as string;
  if (values['past-next-bill-date']) c.pastNextBillDate = values['past-next-bill-date'];
  if (values['token-map']) c.tokenMap = abs(values['token-map']);
  if (values.vault) c.vault = abs(values.vault);
  if (values['vault-passphrase-file']) c.vaultPassphraseFile = abs(values['vault-passphrase-file']);
  if (values['mask-stray-cards']) c.maskStrayCards = true;
  if (values.connection) c.connection = values.connection;
  if (values.db) c.db = values.db;
  if (dateFlag('today', values.today)) c.today = values.today as string;
  if (values['sftp-host']) {
    if (!values['sftp-user'] || !values['sftp-key'] || !values['sftp-remote-dir'] || !(values['sftp-known-host-key'] || values['sftp-known-hosts'])) {
      throw new UsageError('--sftp-host needs --sftp-user, --sftp-key, --sftp-remote-dir and --sftp-known-host-key or --sftp-known-hosts');
    }
    c.sftp = { host: values['sftp-host'], port: intFlag('sftp-port', values['sftp-port'], 22, 1), user: values['sftp-user'], key: abs(values['sftp-key']), remoteDir: values['sftp-remote-dir'] };
    if (values['sftp-known-host-key']) c.sftp.knownHostKey = values['sftp-known-host-key'];
    if (values['sftp-known-hosts']) c.sftp.knownHosts = abs(values['sftp-known-hosts']);
  }
  // A vault without its passphrase would only fail at the tokenize step, after the export was decrypted.
  if (c.vault) await vaultPassphrase(c.vaultPassphraseFile);
  // The work directory is written and partly deleted: no input may live there, nor the state, vault or mapping.
  const inputs: NamedPath[] = [
    { role: '--export', path: c.export },
    ...(c.sources ?? []).map((s) => ({ role: '--source', path: s })),
    ...(c.key ? [{ role: '--key', path: c.key }] : []),
    ...(c.passphraseFile ? [{ role: '--passphrase-file', path: c.passphraseFile }] : []),
    ...(c.tokenMap ? [{ role: '--token-map', path: c.tokenMap }] : []),
    ...(c.vaultPassphraseFile ? [{ role: '--vault-passphrase-file', path: c.vaultPassphraseFile }] : []),
    ...(c.sftp ? [{ role: '--sftp-key', path: c.sftp.key }] : []),
  ];
  await assertDistinctPaths(inputs, [{ role: '--work', path: c.work, tree: true }, { role: '--state', path: statePath }, { role: '--mapping', path: c.mapping }, ...(c.vault ? [{ role: '--vault', path: c.vault }] : [])]);
  await saveState(statePath, { format: 'konduit-migration', version: 1, config: c, steps: {} });
  return `started a migration in ${statePath} (work files in ${c.work})\nnext: konduit migrate\n`;
}

/** Runs the command; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const sub = argv[0] && !argv[0].startsWith('-') ? argv[0] : 'run';
  const rest = sub === 'run' && argv[0] !== 'run' ? argv : argv.slice(1);
  const stateIdx = rest.indexOf('--state');
  const statePath = resolve(stateIdx >= 0 ? (rest[stateIdx + 1] ?? 'migration.json') : 'migration.json');
  if (sub === 'init') {
    process.stdout.write(await init(rest, statePath));
    return EXIT_OK;
  }
  const { positionals } = parseFlags(rest, { state: { type: 'string' } }, true);
  const runAndPrint = async (before = '') => {
    const r = await runMigration(statePath);
    process.stdout.write(`${before}${r.text}`);
    return r.code;
  };
  if (sub === 'run') return runAndPrint();
  const s = await loadState(statePath);
  if (sub === 'status') {
    process.stdout.write(renderStatus(s));
    return EXIT_OK;
  }
  if (sub === 'rebills') {
    const rule = rebillFlag(positionals[0] ?? '');
    s.config.pastNextBillDate = rebillRuleText(rule);
    reset(s, 'fix');
    await saveState(statePath, s);
    return runAndPrint(`rule for active subscriptions due before the import date: ${s.config.pastNextBillDate} (every moved row goes to the change log)\n`);
  }
  if (sub === 'confirm' || sub === 'redo') {
    const step = positionals[0] as StepName | undefined;
    if (!step || !STEPS.includes(step)) throw new UsageError(`${sub} needs a step: ${STEPS.join(', ')}`);
    if (sub === 'confirm') {
      // Only a step that ran and asked for the merchant (or a failed one that may be accepted) is confirmed.
      const st = s.steps[step];
      const waiting = st?.status === 'waiting' || (st?.status === 'failed' && ACCEPTABLE_WHEN_FAILED.includes(step));
      if (!waiting) {
        const why = !st ? 'it has not run yet' : st.status === 'done' ? 'it is done already' : 'it failed: it must pass, not be confirmed';
        throw new UsageError(`${step} cannot be confirmed: ${why}`, `konduit migrate status shows where the migration is${st?.next ? `; ${st.next}` : ''}`);
      }
      s.steps[step] = { status: 'done', at: new Date().toISOString(), summary: `confirmed by you${st?.summary ? ` (${st.summary.split('\n')[0]})` : ''}` };
      await saveState(statePath, s);
      process.stdout.write(`confirmed ${step}\nnext: konduit migrate\n`);
      return EXIT_OK;
    }
    reset(s, step);
    await saveState(statePath, s);
    return runAndPrint(`redoing ${step} and the steps after it\n`);
  }
  throw new UsageError(`unknown migrate subcommand "${sub}"`, 'Run konduit migrate --help.');
}
