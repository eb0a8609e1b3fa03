/**
 * Every input mistake of issue 18, through the CLI: each exits 2 (usage) with one line that names the
 * field or the store, and one hint that says what to run; none is an "unexpected error". And a user's
 * Ctrl-C is a cancel (exit 130), not an error. Real components: DuckDB stores, the sandbox CRM, child
 * processes for what needs a real process (a signal, a port).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../../../test/cli.js';
import { startSandbox, type Sandbox } from '../../sandbox/index.js';
import { openDuckDbStore } from '../../store/engines/duckdb/duckdb-store.js';
import { keyFromPassphrase } from '../../store/secrets.js';
import { readRuns } from '../../sync/runs.js';
import { commands } from '../commands.js';

const SECRET = 'input-mistakes-secret';
const runner = new URL('../../../test/run-cli.ts', import.meta.url).pathname;
const env = { ...process.env };
let dir: string;
let db: string;
let empty: string;
let sb: Sandbox;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-mistakes-'));
  process.env.KONDUIT_HOME = join(dir, 'home');
  process.env.KONDUIT_SECRET = SECRET;
  delete process.env.KONDUIT_DB;
  sb = await startSandbox({ seed: 'mistakes', customers: 60, start: '2026-01-01', now: '2026-03-31 12:00:00' });
  db = join(dir, 'k.duckdb');
  const store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
  await store.migrate();
  await store.saveConnection({ name: 'shop', brand: 'konnektive', baseUrl: sb.baseUrl, loginId: sb.loginId, password: sb.password, accountName: 'Shop', accountUsername: 'owner', timezone: 'America/New_York', frequency: 'daily' });
  await store.close();
  // A store that exists and holds no connection.
  empty = join(dir, 'empty.duckdb');
  const e = await openDuckDbStore(empty, { secretKey: keyFromPassphrase(SECRET) });
  await e.migrate();
  await e.close();
});

afterAll(async () => {
  process.env = env;
  await sb.close();
  await rm(dir, { recursive: true, force: true });
});

/** The refusal's one line (after "konduit: ") and its hint; fails unless stderr is exactly those two lines. */
function refusal(r: CliResult): { code: number; line: string; hint: string } {
  expect(r.err, r.err).toMatch(/^konduit: [^\n]+\nhint: [^\n]+\n$/);
  expect(r.err).not.toMatch(/unexpected error/);
  const [line = '', hint = ''] = r.err.split('\n');
  return { code: r.code, line: line.replace(/^konduit: /, ''), hint: hint.replace(/^hint: /, '') };
}

describe('a store that is not there, or holds no connection', () => {
  it('a report without a store exits 2 with the path and `konduit connect`, and creates nothing', async () => {
    const missing = join(dir, 'nowhere', 'none.duckdb');
    for (const argv of [['report', 'summary', '--db', missing], ['report', 'mids', '--db', missing], ['connections', '--db', missing], ['sync', '--watch', '--db', missing]]) {
      expect(refusal(await runCli(argv))).toEqual({ code: 2, line: `no Konduit store at ${missing}`, hint: `Connect a CRM to create it: konduit connect --db ${missing} --name NAME --brand konnektive ... (konduit connect --help); or point --db or KONDUIT_DB at your store.` });
    }
    expect(existsSync(missing)).toBe(false);
    // The issue's own example; nothing is created at the root either.
    const before = existsSync('/nonexistent.duckdb');
    expect(refusal(await runCli(['report', 'summary', '--db', '/nonexistent.duckdb']))).toMatchObject({ code: 2, line: 'no Konduit store at /nonexistent.duckdb' });
    expect(existsSync('/nonexistent.duckdb')).toBe(before);
    // KONDUIT_DB names the store when --db does not.
    process.env.KONDUIT_DB = missing;
    try {
      expect(refusal(await runCli(['report', 'summary']))).toMatchObject({ code: 2, line: `no Konduit store at ${missing}`, hint: expect.stringMatching(/^Connect a CRM to create it: konduit connect --name NAME/) });
    } finally {
      delete process.env.KONDUIT_DB;
    }
  });

  it('a store with no connection: a report, the list and --watch exit 2 with the store and `konduit connect`', async () => {
    for (const argv of [['report', 'summary'], ['report', 'cohorts'], ['connections'], ['sync', '--watch']]) {
      const r = await runCli([...argv, '--db', empty]);
      expect(refusal(r)).toEqual({ code: 2, line: `the store ${empty} has no connection yet`, hint: `Connect a CRM first: konduit connect --db ${empty} --name NAME --brand konnektive ... (konduit connect --help).` });
      expect(r.out).toBe('');
    }
  });
});

describe('input mistakes: exit 2, one line naming the field, one hint', () => {
  it('sync --from after --to names both dates and says to swap them', async () => {
    expect(refusal(await runCli(['sync', '--connection', 'shop', '--from', '2026-01-01', '--to', '2025-01-01', '--db', db]))).toEqual({
      code: 2, line: '--from "2026-01-01" is not valid: expected a date on or before --to (2025-01-01)', hint: 'Swap them: --from 2025-01-01 --to 2026-01-01.',
    });
    expect(refusal(await runCli(['sync', '--connection', 'shop', '--from', '2026-01-01', '--db', db]))).toEqual({
      code: 2, line: '--to is missing: expected a date YYYY-MM-DD, e.g. 2026-01-31, with --from (a history import takes both; an incremental sync neither)', hint: 'See konduit sync --help.',
    });
    expect(refusal(await runCli(['sync', '--connection', 'shop', '--from', '2026-02-30', '--to', '2026-03-01', '--db', db]))).toMatchObject({ code: 2, line: '--from "2026-02-30" is not valid: expected a date YYYY-MM-DD, e.g. 2026-01-31' });
  });

  it('report retention --group-by cycle, and MID health\'s --alerts or a breakdown', async () => {
    expect(refusal(await runCli(['report', 'retention', '--group-by', 'cycle', '--db', db]))).toEqual({
      code: 2, line: '--group-by "cycle" is not valid: expected one of connection, campaign, product, affiliate, subaffiliate, mid, coupon (retention is already by billing cycle)', hint: 'See konduit report retention --help.',
    });
    // MID health is per MID by the programs' thresholds: no breakdown, and --alerts belongs to it alone.
    expect(refusal(await runCli(['report', 'mids', '--group-by', 'campaign', '--db', db]))).toEqual({
      code: 2, line: '--group-by does not apply to konduit report mids: expected one of --from, --to, --tz, --filter, --connection, --currency, --range, --alerts', hint: 'See konduit report mids --help.',
    });
    expect(refusal(await runCli(['report', 'summary', '--alerts', '--db', db]))).toEqual({ code: 2, line: '--alerts applies to konduit report mids only', hint: 'See konduit report summary --help.' });
  });

  it('an unknown connection exits 2 from every command that takes one', async () => {
    const unknown = { code: 2, line: 'no connection named "nope"', hint: 'List them with: konduit connections' };
    expect(refusal(await runCli(['sync', '--connection', 'nope', '--db', db]))).toEqual(unknown);
    expect(refusal(await runCli(['sync', '--connection', 'nope', '--from', '2026-01-01', '--to', '2026-01-31', '--db', db]))).toEqual(unknown);
    expect(refusal(await runCli(['connections', 'update', 'nope', '--frequency', 'hourly', '--db', db]))).toEqual(unknown);
    expect(refusal(await runCli(['connections', 'remove', 'nope', '--db', db]))).toEqual(unknown);
    expect(refusal(await runCli(['crm', 'ids', '--connection', 'nope', '--db', db]))).toEqual(unknown);
    const watch = await runCli(['sync', '--watch', '--connection', 'nope', '--db', db]);
    expect(refusal(watch)).toEqual(unknown);
    expect(watch.out).not.toContain('Watching');
    expect(refusal(await runCli(['report', 'summary', '--connection', 'nope', '--db', db]))).toEqual({
      code: 2, line: '--connection "nope" names no connection of this store: expected one of shop', hint: 'List them with: konduit connections',
    });
  });

  it('`konduit report` alone lists every report', async () => {
    const r = await runCli(['report']);
    expect(r.code).toBe(2);
    const [first, ...rest] = r.err.trimEnd().split('\n');
    expect(first).toBe('konduit: "konduit report" needs one of: summary, series, cohorts, retention, mids, declines, chargebacks, rebills, economics or forecast');
    expect(rest.filter((l) => l.startsWith('  konduit report ')).map((l) => l.split(/\s+/)[3])).toEqual(['summary', 'series', 'cohorts', 'retention', 'mids', 'declines', 'chargebacks', 'rebills', 'economics', 'forecast']);
    expect(rest.at(-1)).toBe('hint: konduit report summary --help shows its options.');
    expect(r.err).not.toContain('unknown command');
    const other = await runCli(['report', 'ltv']);
    expect([other.code, other.err.split('\n')[0]]).toEqual([2, 'konduit: "konduit report" has no "ltv": expected summary, series, cohorts, retention, mids, declines, chargebacks, rebills, economics or forecast']);
  });

  it('connections update: nothing to change, a bad value, a password on the command line', async () => {
    expect(refusal(await runCli(['connections', 'update', 'shop', '--db', db]))).toEqual({
      code: 2, line: 'nothing to change for "shop": give --password -, --frequency, --timezone or --base-currency', hint: 'See konduit connections update --help.',
    });
    expect(refusal(await runCli(['connections', 'update', 'shop', '--frequency', 'weekly', '--db', db]))).toEqual({
      code: 2, line: '--frequency "weekly" is not valid: expected one of hourly, 6h, 12h, daily', hint: 'See konduit connections update --help.',
    });
    expect(refusal(await runCli(['connections', 'update', 'shop', '--timezone', 'Mars/Base', '--db', db]))).toMatchObject({ code: 2, line: '--timezone "Mars/Base" is not valid: expected an IANA time zone name such as America/New_York or Europe/Berlin' });
    expect(refusal(await runCli(['connections', 'update', 'shop', '--base-currency', 'dollars', '--db', db]))).toMatchObject({ code: 2, line: '--base-currency "dollars" is not valid: expected an ISO 4217 currency code such as USD, CAD or MXN' });
    const literal = await runCli(['connections', 'update', 'shop', '--password', 'hunter2-secret', '--db', db]);
    expect(refusal(literal)).toMatchObject({ code: 2, line: '--password takes "-" only: the new password comes from standard input, never from the command line' });
    expect(literal.err).not.toContain('hunter2-secret');
  });
});

describe('processes: a cancel, a port', () => {
  /** konduit in a child process; `onStart` gets it to signal. */
  function konduit(args: string[], onStart?: (child: ReturnType<typeof spawn>) => void): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', runner, ...args], { env: { ...process.env, KONDUIT_HOME: join(dir, 'home'), KONDUIT_SECRET: SECRET }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('exit', (code) => resolve({ code, out, err }));
      onStart?.(child);
    });
  }

  it('Ctrl-C during a sync is a cancel (exit 130, how to resume), stored as cancelled with no error', async () => {
    // The sandbox holds an answer mid-sync; the process gets SIGINT while it waits for it.
    const first = sb.requestsServed();
    const hold = sb.hold(({ n }) => n >= first + 3);
    const r = await konduit(['sync', '--connection', 'shop', '--from', '2026-01-01', '--to', '2026-03-31', '--rate', '0', '--db', db], (child) => {
      void hold.arrived.then(() => {
        child.kill('SIGINT');
        hold.release();
      });
    });
    expect(r.code, r.err).toBe(130);
    expect(r.err).toMatch(/^konduit: shop backfill 2026-01-01\.\.2026-03-31: cancelled after [\d,]+ records?$/m);
    expect(r.err).toContain('hint: Run the same command again to resume where it stopped.');
    expect(r.err).not.toMatch(/was cancelled|unexpected error|order\/query|transactions\/query/);
    const store = await openDuckDbStore(db, { secretKey: keyFromPassphrase(SECRET) });
    try {
      const conn = await store.connectionInfo('shop');
      expect((await readRuns(store, conn!.connectionId))[0]).toMatchObject({ status: 'cancelled', error: null });
    } finally {
      await store.close();
    }
    // Run again, it resumes and ends.
    const again = await konduit(['sync', '--connection', 'shop', '--from', '2026-01-01', '--to', '2026-03-31', '--rate', '0', '--db', db]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/done in/);
  });

  it('konduit demo finds its port taken before it generates or imports anything', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = await konduit(['demo', '--port', String(port), '--customers', '5000']);
      expect(r.code).toBe(2);
      expect(r.err).toBe(`konduit: port ${port} on 127.0.0.1 is taken\nhint: Pick another with --port (0 = any free port).\n`);
      expect(r.out).toBe('');
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('--help', () => {
  it('every command documents its exit codes', async () => {
    for (const c of commands) {
      const r = await runCli([...c.path, '--help']);
      expect(r.code, c.path.join(' ')).toBe(0);
      expect(r.out, c.path.join(' ')).toMatch(/\nExit codes: 0 /);
    }
  });
});
