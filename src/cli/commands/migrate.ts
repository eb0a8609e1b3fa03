/**
 * `konduit migrate`: the guided, resumable run through seed 001's steps, in order:
 * decrypt -> build -> fix -> validate -> tokenize -> sample -> upload sample -> (the CRM team imports
 * it) -> verify sample -> upload rest. Each step calls the command's own function; where it is, is
 * recorded in a state file (migration.json) after every step, so a run stopped anywhere resumes there.
 * Steps that need the merchant (review the mapping, wait for the CRM team) pause with instructions.
 */
import { access, open as openFile, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { EXIT_INVALID, EXIT_OK, EnvironmentError, KonduitError, UsageError, errorMessage } from '../../core/errors.js';
import { decryptFile, sniffFormat } from '../../importfile/deliver/pgp.js';
import { OUTPUT_NAMES } from '../../importfile/transform/build.js';
import { renderText } from '../../importfile/validate/render-text.js';
import { splitSample, type FileSet } from '../../importfile/transform/take-sample.js';
import { runValidation, type ImportInput } from '../../importfile/validate/validate.js';
import { renderVerifyText } from '../../importfile/deliver/verify.js';
import { dateFlag, intFlag, parseFlags } from '../args.js';
import { buildWithMapping, initMapping } from './import-build.js';
import { fixAndValidate } from './import-fix.js';
import { describeSample } from './import-sample.js';
import { tokenizeWith, vaultPassphrase } from './import-tokenize.js';
import { verifyWithConnection } from './import-verify.js';

export const help = `Usage: konduit migrate init --export FILE --mapping mapping.yaml [options]   start a migration
       konduit migrate [--state FILE]                       run the next steps (resumes where it stopped)
       konduit migrate status [--state FILE]                where it is, and what to do next
       konduit migrate confirm STEP [--state FILE]          tell it a step you did yourself is done
       konduit migrate redo STEP [--state FILE]             run STEP and everything after it again

The steps, in seed 001's order (each is also a konduit import command):
  decrypt         the processor's OpenPGP export with your key (skipped for a plain CSV export)
  build           the import files by mapping.yaml; without one, a template is written for review first
  fix             the safe normalisations, with change logs
  validate        the import files against the spec; stops with the report if anything is wrong
  tokenize        card numbers to tokens (gateway token map or the card vault); then every file that
                  still holds card numbers in clear (decrypted export, built and fixed files) is deleted
  sample          a sample of whole customers and the rest (files sample-*.csv and rest-*.csv)
  upload-sample   the sample to the CRM's SFTP server (or confirm you uploaded it)
  sample-imported wait for the CRM team to import the sample; confirm when they say it is done
  verify-sample   the imported sample through the API (needs --connection)
  upload-rest     the rest (after the sample verified), for the CRM team to import

init options:
  --export FILE                 the processor's export (.pgp/.gpg/.asc encrypted, or a CSV)
  --key FILE                    your OpenPGP private key (for an encrypted export)
  --passphrase-file FILE        its passphrase (default KONDUIT_PGP_PASSPHRASE)
  --mapping FILE                mapping.yaml (written as a template by the build step if missing)
  --source FILE                 another source for the mapping (e.g. a notes export), repeatable
  --date-order mdy|dmy          for the fix step's slash dates
  --token-map FILE | --vault FILE [--vault-passphrase-file FILE]   the tokenize step's source
  --sample-size N               customers in the sample (default 25); --seed S
  --connection NAME [--db PATH] the CRM connection verify reads (konduit connect)
  --sftp-host H --sftp-user U --sftp-key FILE (--sftp-known-host-key "TYPE KEY" | --sftp-known-hosts FILE)
  --sftp-port N --sftp-remote-dir DIR     where upload steps deliver (else you upload and confirm)
  --work DIR                    where the step outputs go (default migration-work beside the state file)
  --today YYYY-MM-DD            the validator's and verify's "today" (default: the real date)
  --state FILE                  the state file (default ./migration.json); --force replaces one

Secrets are never stored in the state file: only paths, and passphrases come from files or the
environment (KONDUIT_PGP_PASSPHRASE, KONDUIT_VAULT_PASSPHRASE, KONDUIT_SSH_KEY_PASSPHRASE).

Exit codes: 0 done or waiting for you (the next step is printed), 1 a step failed (what to do is printed),
2 usage or environment error.

Example:
  konduit migrate init --export export.csv.pgp --key merchant.asc --passphrase-file pass.txt \\
      --mapping mapping.yaml --vault cards.vault --sample-size 25 --connection shop \\
      --sftp-host sftp.example.com --sftp-user acme --sftp-key ~/.ssh/upload --sftp-known-hosts known_hosts \\
      --sftp-remote-dir /incoming
  konduit migrate          # repeat after each instruction it prints
`;

/** The steps, in order. */
export const STEPS = ['decrypt', 'build', 'fix', 'validate', 'tokenize', 'sample', 'upload-sample', 'sample-imported', 'verify-sample', 'upload-rest'] as const;
/** One step's name. */
export type StepName = (typeof STEPS)[number];

/** What migrate init records (paths and settings, never secrets). */
export interface MigrationConfig {
  export: string;
  key?: string;
  passphraseFile?: string;
  mapping: string;
  sources?: string[];
  dateOrder?: 'mdy' | 'dmy';
  tokenMap?: string;
  vault?: string;
  vaultPassphraseFile?: string;
  sampleSize: number;
  seed: string;
  connection?: string;
  db?: string;
  sftp?: { host: string; port: number; user: string; key: string; knownHostKey?: string; knownHosts?: string; remoteDir: string };
  work: string;
  today?: string;
}

/** A step's recorded state. */
export interface StepState {
  status: 'done' | 'waiting' | 'failed';
  at: string;
  summary: string;
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
    decrypted: join(w, 'export.csv'),
    built: join(w, 'build'),
    fixed: join(w, 'fixed'),
    tokenized: join(w, 'tokenized', OUTPUT_NAMES.transactions),
    sample: join(w, 'sample'),
    rest: join(w, 'rest'),
  };
}

async function isEncrypted(path: string): Promise<boolean> {
  const fh = await openFile(path, 'r').catch((err: unknown) => {
    throw new EnvironmentError(`cannot read the export ${path}: ${errorMessage(err)}`);
  });
  try {
    const head = Buffer.alloc(64);
    const { bytesRead } = await fh.read(head, 0, 64, 0);
    return sniffFormat(head.subarray(0, bytesRead)) !== 'unknown';
  } finally {
    await fh.close();
  }
}

/** The source the build reads: the decrypted export, or the export itself when it was plain. */
async function buildSource(c: MigrationConfig): Promise<string> {
  return (await isEncrypted(c.export)) ? workPaths(c).decrypted : c.export;
}

async function fileSet(dir: string, prefix = ''): Promise<FileSet> {
  const set: FileSet = { transactions: join(dir, `${prefix}${OUTPUT_NAMES.transactions}`) };
  for (const k of ['notes', 'details'] as const) {
    const p = join(dir, `${prefix}${OUTPUT_NAMES[k]}`);
    if (await exists(p)) set[k] = p;
  }
  return set;
}

const filesOf = (s: FileSet) => [s.transactions, s.notes, s.details].filter((x): x is string => !!x);

async function upload(c: MigrationConfig, files: string[]): Promise<Outcome | null> {
  if (!c.sftp) return null;
  const t = c.sftp;
  const argv = ['--host', t.host, '--port', String(t.port), '--user', t.user, '--key', t.key, '--remote-dir', t.remoteDir, ...(c.today ? ['--import-date', c.today] : [])];
  if (t.knownHostKey) argv.push('--known-host-key', t.knownHostKey);
  if (t.knownHosts) argv.push('--known-hosts', t.knownHosts);
  const { run } = await import('./import-upload.js');
  await run([...argv, ...files]);
  return { status: 'done', summary: `uploaded ${files.map((f) => basename(f)).join(', ')} to ${t.host}:${t.remoteDir}` };
}

/** Runs one step (each calls the command's function). */
async function runStep(name: StepName, c: MigrationConfig): Promise<Outcome> {
  const p = workPaths(c);
  const today = c.today ? { today: c.today } : {};
  switch (name) {
    case 'decrypt': {
      if (!(await isEncrypted(c.export))) return { status: 'done', summary: `${c.export} is not OpenPGP-encrypted: used as it is` };
      if (!c.key) return { status: 'failed', summary: 'the export is encrypted but no --key was given', next: 'konduit migrate init --force ... --key YOUR_PRIVATE_KEY.asc' };
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
      const r = await decryptFile({ input: c.export, output: p.decrypted, privateKey: keyBytes, passphrase });
      return { status: 'done', summary: `decrypted ${c.export}: ${r.bytes} bytes, integrity check passed` };
    }
    case 'build': {
      const source = await buildSource(c);
      if (!(await exists(c.mapping))) {
        const text = await initMapping(source, c.mapping);
        return { status: 'waiting', summary: text.trim(), next: `review ${c.mapping} (every "# REVIEW" line; fill in campaignId, productId, merchantId from the CRM), then run: konduit migrate` };
      }
      const r = await buildWithMapping({ mapping: c.mapping, sources: [source, ...(c.sources ?? [])], outDir: p.built, ...today });
      if (r.result.issueCount > 0) return { status: 'failed', summary: r.text, next: `correct ${c.mapping} for the cells listed, then run: konduit migrate` };
      return { status: 'done', summary: Object.entries(r.result.rows).map(([k, n]) => `${k}: ${n} rows`).join(', ') };
    }
    case 'fix': {
      const built = await fileSet(p.built);
      const lines: string[] = [];
      for (const kind of ['transactions', 'notes', 'details'] as const) {
        const input = built[kind];
        if (!input) continue;
        const r = await fixAndValidate({ input, out: join(p.fixed, basename(input)), kind, log: join(p.fixed, `changes-${kind}.csv`), ...(c.dateOrder ? { dateOrder: c.dateOrder } : {}), ...today });
        lines.push(`${kind}: ${r.result.changes.length} changes (log ${join(p.fixed, `changes-${kind}.csv`)})`);
      }
      return { status: 'done', summary: lines.join('; ') };
    }
    case 'validate': {
      const set = await fileSet(p.fixed);
      const { report, codes } = await runValidation(set as ImportInput, { maxIssues: 50, ...today });
      if (!report.valid) return { status: 'failed', summary: renderText(report, codes, 30).trim(), next: `correct ${c.mapping} (or the export), then run: konduit migrate redo build` };
      return { status: 'done', summary: `valid: ${report.files.map((f) => `${f.kind} ${f.rows} rows, ${f.warnings} warnings`).join('; ')}` };
    }
    case 'tokenize': {
      const fixed = await fileSet(p.fixed);
      const passphrase = c.vault ? await vaultPassphrase(c.vaultPassphraseFile) : undefined;
      if (!c.tokenMap && !c.vault) return { status: 'failed', summary: 'no token source', next: 'konduit migrate init --force ... with --token-map FILE or --vault FILE' };
      const r = await tokenizeWith({ input: fixed.transactions, out: p.tokenized, ...(c.tokenMap ? { tokenMap: c.tokenMap } : {}), ...(c.vault ? { vault: c.vault } : {}), ...(passphrase !== undefined ? { passphrase } : {}) });
      if (!r.ok) return { status: 'failed', summary: r.text.trim(), next: 'resolve what is listed (each line says how), then run: konduit migrate redo build' };
      // Card numbers in clear now exist only in the encrypted export: remove every plaintext copy.
      if (await isEncrypted(c.export)) await rm(p.decrypted, { force: true });
      await rm(p.built, { recursive: true, force: true });
      await rm(fixed.transactions, { force: true });
      return { status: 'done', summary: `${r.text.trim()}; plaintext copies with card numbers deleted` };
    }
    case 'sample': {
      const fixed = await fileSet(p.fixed);
      const set: FileSet = { ...fixed, transactions: p.tokenized };
      const r = await splitSample(set, { size: c.sampleSize, seed: c.seed, sampleDir: p.sample, restDir: p.rest, samplePrefix: 'sample-', restPrefix: 'rest-', ...(c.today ? { importDate: c.today } : {}) });
      const text = describeSample(r).trim();
      if (r.selection.uncovered.length > 0) return { status: 'failed', summary: text, next: 'raise the sample size: konduit migrate init --force ... --sample-size N (or accept by confirming: konduit migrate confirm sample)' };
      return { status: 'done', summary: text };
    }
    case 'upload-sample': {
      const files = filesOf(await fileSet(p.sample, 'sample-'));
      return (await upload(c, files)) ?? { status: 'waiting', summary: `upload ${files.join(' ')}`, next: `upload them (konduit import upload ... ${files.join(' ')}), tell the CRM team, then run: konduit migrate confirm upload-sample` };
    }
    case 'sample-imported':
      return { status: 'waiting', summary: 'the CRM team imports the sample (seed 001 step 6)', next: 'when they say the sample is imported, run: konduit migrate confirm sample-imported' };
    case 'verify-sample': {
      const files = filesOf(await fileSet(p.sample, 'sample-'));
      if (!c.connection) return { status: 'waiting', summary: 'no CRM connection to verify through', next: `run konduit import verify --connection NAME ${files.join(' ')}; when it passes: konduit migrate confirm verify-sample` };
      const report = await verifyWithConnection({ connection: c.connection, ...(c.db ? { db: c.db } : {}), files, ...today });
      const text = renderVerifyText(report).trim();
      if (!report.pass) return { status: 'failed', summary: text, next: 'send these differences to the CRM team (seed 001 step 7: "If there are any issues let us know"); after they corrected the import, run: konduit migrate' };
      return { status: 'done', summary: text };
    }
    case 'upload-rest': {
      const files = filesOf(await fileSet(p.rest, 'rest-'));
      const done = (await upload(c, files)) ?? { status: 'waiting' as const, summary: `upload ${files.join(' ')}`, next: `upload them (konduit import upload ... ${files.join(' ')}), then run: konduit migrate confirm upload-rest` };
      return done.status === 'done' ? { ...done, next: 'tell the CRM team the sample passed and the rest is uploaded (seed 001 step 8); after their import, check it with konduit import verify' } : done;
    }
  }
}

/** Runs steps from the first not done until one waits or fails; returns the exit code and the text. */
export async function runMigration(statePath: string): Promise<{ code: number; text: string }> {
  const s = await loadState(statePath);
  const out: string[] = [];
  for (let name = nextStep(s); name; name = nextStep(s)) {
    let o: Outcome;
    try {
      o = await runStep(name, s.config);
    } catch (err) {
      // An invalid input or failed check is this step's failure; an environment error stops the run.
      const msg = errorMessage(err);
      s.steps[name] = { status: 'failed', at: new Date().toISOString(), summary: msg };
      await saveState(statePath, s);
      if (err instanceof KonduitError && err.exitCode === EXIT_INVALID) {
        out.push(`[${name}] FAILED: ${msg}`, `next: correct it, then run: konduit migrate`);
        return { code: EXIT_INVALID, text: `${out.join('\n')}\n` };
      }
      throw err;
    }
    s.steps[name] = { status: o.status, at: new Date().toISOString(), summary: o.summary };
    await saveState(statePath, s);
    out.push(`[${name}] ${o.status === 'done' ? 'done' : o.status === 'waiting' ? 'WAITING FOR YOU' : 'FAILED'}: ${o.summary}`);
    if (o.status !== 'done') {
      if (o.next) out.push(`next: ${o.next}`);
      return { code: o.status === 'failed' ? EXIT_INVALID : EXIT_OK, text: `${out.join('\n')}\n` };
    }
    if (o.next && !nextStep(s)) out.push(`next: ${o.next}`);
  }
  out.push('migration complete: every step is done.');
  return { code: EXIT_OK, text: `${out.join('\n')}\n` };
}

/** The status text (pure). */
export function renderStatus(s: MigrationState): string {
  const lines = STEPS.map((n) => {
    const st = s.steps[n];
    return `  ${(st ? st.status : 'pending').padEnd(8)} ${n}${st ? ` (${st.at})` : ''}${st && st.status !== 'done' ? `\n           ${st.summary.split('\n')[0]}` : ''}`;
  });
  const next = nextStep(s);
  lines.push('', next ? `next step: ${next} (run: konduit migrate${s.steps[next]?.status === 'waiting' ? `, or konduit migrate confirm ${next} once you did it` : ''})` : 'migration complete.');
  return `${lines.join('\n')}\n`;
}

async function init(argv: string[], statePath: string): Promise<string> {
  const { values } = parseFlags(argv, {
    state: { type: 'string' }, force: { type: 'boolean' }, export: { type: 'string' }, key: { type: 'string' }, 'passphrase-file': { type: 'string' },
    mapping: { type: 'string' }, source: { type: 'string', multiple: true }, 'date-order': { type: 'string' }, 'token-map': { type: 'string' },
    vault: { type: 'string' }, 'vault-passphrase-file': { type: 'string' }, 'sample-size': { type: 'string' }, seed: { type: 'string' },
    connection: { type: 'string' }, db: { type: 'string' }, 'sftp-host': { type: 'string' }, 'sftp-port': { type: 'string' }, 'sftp-user': { type: 'string' },
    'sftp-key': { type: 'string' }, 'sftp-known-host-key': { type: 'string' }, 'sftp-known-hosts': { type: 'string' }, 'sftp-remote-dir': { type: 'string' },
    work: { type: 'string' }, today: { type: 'string' },
  });
  if (!values.export || !values.mapping) throw new UsageError('--export FILE and --mapping FILE are required', 'Run konduit migrate --help.');
  if (!values.force && (await exists(statePath))) throw new UsageError(`${statePath} exists: a migration is under way`, 'konduit migrate status shows it; --force starts over.');
  if (values['token-map'] && values.vault) throw new UsageError('give --token-map or --vault, not both');
  if (values['date-order'] && !['mdy', 'dmy'].includes(values['date-order'])) throw new UsageError('--date-order must be mdy or dmy');
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
  if (values['token-map']) c.tokenMap = abs(values['token-map']);
  if (values.vault) c.vault = abs(values.vault);
  if (values['vault-passphrase-file']) c.vaultPassphraseFile = abs(values['vault-passphrase-file']);
  if (values.connection) c.connection = values.connection;
  if (values.db) c.db = values.db;
  if (dateFlag('today', values.today)) c.today = values.today;
  if (values['sftp-host']) {
    if (!values['sftp-user'] || !values['sftp-key'] || !values['sftp-remote-dir'] || !(values['sftp-known-host-key'] || values['sftp-known-hosts'])) {
      throw new UsageError('--sftp-host needs --sftp-user, --sftp-key, --sftp-remote-dir and --sftp-known-host-key or --sftp-known-hosts');
    }
    c.sftp = { host: values['sftp-host'], port: intFlag('sftp-port', values['sftp-port'], 22, 1), user: values['sftp-user'], key: abs(values['sftp-key']), remoteDir: values['sftp-remote-dir'] };
    if (values['sftp-known-host-key']) c.sftp.knownHostKey = values['sftp-known-host-key'];
    if (values['sftp-known-hosts']) c.sftp.knownHosts = abs(values['sftp-known-hosts']);
  }
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
  if (sub === 'run') {
    const r = await runMigration(statePath);
    process.stdout.write(r.text);
    return r.code;
  }
  const s = await loadState(statePath);
  if (sub === 'status') {
    process.stdout.write(renderStatus(s));
    return EXIT_OK;
  }
  if (sub === 'confirm' || sub === 'redo') {
    const step = positionals[0] as StepName | undefined;
    if (!step || !STEPS.includes(step)) throw new UsageError(`${sub} needs a step: ${STEPS.join(', ')}`);
    if (sub === 'confirm') {
      const first = nextStep(s);
      if (first !== step) throw new UsageError(`the step under way is ${first ?? '(none: complete)'}, not ${step}`);
      s.steps[step] = { status: 'done', at: new Date().toISOString(), summary: 'confirmed by you' };
    } else {
      // The plaintext export is deleted after tokenize: redoing an earlier step decrypts it again.
      const from = STEPS.indexOf(step) <= STEPS.indexOf('tokenize') ? 0 : STEPS.indexOf(step);
      for (const n of STEPS.slice(from)) delete s.steps[n];
    }
    await saveState(statePath, s);
    process.stdout.write(`${sub === 'confirm' ? `confirmed ${step}` : `${step} and the steps after it will run again`}\nnext: konduit migrate\n`);
    return EXIT_OK;
  }
  throw new UsageError(`unknown migrate subcommand "${sub}"`, 'Run konduit migrate --help.');
}
