/**
 * The rebill guard through the commands (issue 17): a file with an active subscription due before the
 * import date fails validation, cannot be sampled or uploaded, and fix resolves it by the rule the
 * merchant chose, with the choice and every moved row in the change log.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transactionsCsv, validTransaction } from '../../importfile/testkit/test-rows.js';
import { runCli } from '../../../test/cli.js';

let dir: string;
const p = (n: string) => join(dir, n);
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-rebill-cli-'));
  await writeFile(p('t.csv'), transactionsCsv([
    validTransaction({ merchantTxnId: 'T1', isActiveRecurring: '1', nextBillDate: '2026-11-20' }),
    validTransaction({ merchantTxnId: 'T2', customerId: 'C2', emailAddress: 'c2@example.com', isActiveRecurring: '1', nextBillDate: '2026-12-09' }),
  ]));
  await writeFile(p('pw'), 'secret\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('the rebill guard, command by command', () => {
  it('validate: an error naming the way out', async () => {
    const r = await runCli(['import', 'validate', '--transactions', p('t.csv'), '--today', '2026-11-25', '--import-date', '2026-12-01']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('error next_bill_date_past: 1 issue');
    expect(r.out).toContain('nextBillDate 2026-11-20 of an active subscription is before the import date 2026-12-01');
    expect(r.out).toContain('--past-next-bill-date move:+N');
  });

  it('sample and upload refuse the file (exit 1), nothing written or sent', async () => {
    const s = await runCli(['import', 'sample', '--size', '1', '--out-sample', p('s'), '--out-rest', p('r'), '--import-date', '2026-12-01', p('t.csv')]);
    expect(s.code).toBe(1);
    expect(s.err).toContain('1 active subscription due before the import date 2026-12-01');
    expect(s.err).toContain('row 2: customer C1, nextBillDate 2026-11-20');
    const u = await runCli(['import', 'upload', '--host', '127.0.0.1', '--port', '9', '--user', 'u', '--password-file', p('pw'), '--remote-dir', '/in',
      '--known-host-key', 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', '--import-date', '2026-12-01', p('t.csv')]);
    expect(u.code).toBe(1);
    expect(u.err).toContain('not uploaded:');
    expect(u.err).toContain('hint: Resolve them first: konduit import fix');
  });

  it('fix without a rule says what to choose; with keep-day it resolves, logs the choice first, and the file validates', async () => {
    let r = await runCli(['import', 'fix', p('t.csv'), '--out', p('f.csv'), '--log', p('changes.csv'), '--today', '2026-11-25', '--import-date', '2026-12-01']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('rebill guard: 1 active subscription has a next bill date before the import date 2026-12-01 (row 2)');
    expect(r.out).toContain('choose: --past-next-bill-date move:+N | keep-day | cancel');
    r = await runCli(['import', 'fix', p('t.csv'), '--out', p('f.csv'), '--log', p('changes.csv'), '--today', '2026-11-25', '--import-date', '2026-12-01', '--past-next-bill-date', 'keep-day']);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('resolved by keep-day');
    const log = (await readFile(p('changes.csv'), 'utf8')).split('\r\n');
    expect(log[1]).toBe('"1","nextBillDate","active subscriptions due before the import date 2026-12-01","keep-day","rebill_guard_choice"');
    expect(log).toContain('"2","nextBillDate","2026-11-20","2026-12-20","next_bill_date_moved"');
    expect((await runCli(['import', 'sample', '--size', '1', '--out-sample', p('s'), '--out-rest', p('r'), '--import-date', '2026-12-01', p('f.csv')])).code).toBe(0);
  });

  it('an unknown rule is a usage error listing the rules', async () => {
    const r = await runCli(['import', 'fix', p('t.csv'), '--out', p('g.csv'), '--past-next-bill-date', 'later']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('hint: Use move:+N');
  });
});
