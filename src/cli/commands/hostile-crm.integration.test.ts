/**
 * `konduit connect` and `konduit sync` against a hostile CRM on 127.0.0.1 (test/hostile-crm.ts),
 * findings 13 to 16 of the hardening review: the password on the command line and at a prompt, a CRM
 * that echoes the password in its errors, a record without an id.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/cli.js';
import { EMPTY, pageOf, startHostileCrm, type HostileCrm } from '../../../test/hostile-crm.js';
import { openStore } from './connections-store.js';

const BIN = resolve('bin/konduit.js');
const PASSWORD = 'Hunter2-pw+long';
let dir: string;
let crm: HostileCrm;
const env = { ...process.env };
/** What the hostile CRM answers per endpoint (order/query: the credential test). */
let answers: Record<string, (form: URLSearchParams) => unknown> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-hostile-cli-'));
  process.env.KONDUIT_HOME = join(dir, 'home');
  delete process.env.KONDUIT_SECRET;
  crm = await startHostileCrm((req, form) => {
    const endpoint = req.path.replace(/^\/|\/$/g, '');
    return { body: answers[endpoint]?.(form) ?? EMPTY };
  });
});
afterAll(async () => {
  process.env = env;
  await crm?.close();
  await rm(dir, { recursive: true, force: true });
});

const connectArgs = (name: string, db: string) => ['connect', '--name', name, '--brand', 'konnektive', '--base-url', crm.baseUrl, '--login-id', 'api', '--account-name', 'A', '--account-username', 'U', '--db', db];

/** Runs the built CLI as a child process with `input` on its standard input. */
async function runBin(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolveRun) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env } }, (err, out, errText) => {
      resolveRun({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out, err: errText });
    });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
  });
}

describe('konduit connect: the password (finding 15) and the base URL (finding 13)', () => {
  it('a literal --password works, with a warning that ps shows it', async () => {
    const r = await runCli([...connectArgs('literal', join(dir, 'a.duckdb')), '--password', PASSWORD]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: a password on the command line is visible to other users of this machine \(ps\)/);
    expect(r.all).not.toContain(PASSWORD);
  });

  it('--password - reads it from standard input, without a warning', async () => {
    const r = await runBin([...connectArgs('piped', join(dir, 'b.duckdb')), '--password', '-'], `${PASSWORD}\n`);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(new URLSearchParams(crm.seen.at(-1)?.body).get('password')).toBe(PASSWORD);
  });

  it('without --password and without a terminal: exit 2, saying how to give it', async () => {
    const r = await runBin(connectArgs('none', join(dir, 'c.duckdb')), '');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--password is required when standard input is not a terminal\nhint: Use --password -/);
  });

  it('without --password on a terminal: asks for it, shows nothing of it, and connects', async () => {
    // script(1) gives the child a pseudo-terminal; the password is typed once the prompt is shown.
    const cmd = [process.execPath, BIN, ...connectArgs('prompted', join(dir, 'd.duckdb'))].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const child = spawn('script', ['-qfec', cmd, '/dev/null'], { env: { ...process.env } });
    let out = '';
    let typed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (!typed && out.includes('API password (not shown): ')) {
        typed = true;
        child.stdin.write(`${PASSWORD}\r`);
      }
    });
    const code = await new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    expect(out).toContain('Connected "prompted"');
    expect(code).toBe(0);
    expect(out).not.toContain(PASSWORD);
    expect(new URLSearchParams(crm.seen.at(-1)?.body).get('password')).toBe(PASSWORD);
  });

  it('warns when http:// would send the password to another machine unencrypted', async () => {
    const r = await runBin([...connectArgs('plain', join(dir, 'e.duckdb')).map((a) => (a === crm.baseUrl ? 'http://crm.example.invalid' : a))], '');
    expect(r.err).toMatch(/warning: the base URL http:\/\/crm\.example\.invalid is http:\/\/: the API password will cross the network unencrypted/);
    const local = await runBin(connectArgs('local', join(dir, 'f.duckdb')), '');
    expect(local.err).not.toContain('unencrypted');
  });
});

describe('konduit sync against the hostile CRM', () => {
  it('finding 14: a CRM error echoing the request keeps the password out of the output and of sync_runs', async () => {
    const db = join(dir, 'echo.duckdb');
    expect((await runCli([...connectArgs('echo', db), '--password', PASSWORD])).code).toBe(0);
    answers = { 'transactions/query': (form) => ({ result: 'ERROR', message: `Invalid request ${form.toString()} (password ${PASSWORD})` }) };
    try {
      const r = await runCli(['sync', '--connection', 'echo', '--from', '2026-03-01', '--to', '2026-03-01', '--db', db]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/the CRM rejected the (request|API credentials) \(?Invalid request .*password=\*{8}/);
      expect(r.all).not.toContain(PASSWORD);
      expect(r.all).not.toContain(encodeURIComponent(PASSWORD));
      const store = await openStore(db);
      try {
        const conn = await store.getConnection('echo');
        const runs = await store.readRows('sync_runs', conn!.connectionId);
        expect(runs[0]?.status).toBe('failed');
        expect(String(runs[0]?.error)).toContain('********');
        expect(JSON.stringify(runs)).not.toContain(PASSWORD.slice(0, 8));
      } finally {
        await store.close();
      }
    } finally {
      answers = {};
    }
  });

  it('finding 16: a record without an id is set aside with a reason naming the endpoint and record; the rest is stored', async () => {
    const db = join(dir, 'noid.duckdb');
    expect((await runCli([...connectArgs('noid', db), '--password', PASSWORD])).code).toBe(0);
    answers = { 'customer/query': () => pageOf([{ customerId: 1, dateCreated: '2026-03-01 10:00:00' }, { dateCreated: '2026-03-01 11:00:00', emailAddress: 'x@example.com' }]) };
    try {
      const r = await runCli(['sync', '--connection', 'noid', '--from', '2026-03-01', '--to', '2026-03-01', '--db', db]);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/1 record could not be read and was set aside/);
      const list = await runCli(['connections', '--db', db]);
      expect(list.out).toMatch(/noid: customers #[0-9a-f]{16}: customer\/query record 2 of its page: has no customerId; a record without its id cannot be stored/);
      expect(r.err).not.toContain('unexpected');
    } finally {
      answers = {};
    }
  });
});
