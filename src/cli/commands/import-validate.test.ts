import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { notesCsv, transactionsCsv, validTransaction } from '../../importfile/testkit/test-rows.js';
import { runCli } from '../../../test/cli.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'konduit-cli-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** Runs the CLI in-process and captures what it prints. */
const cli = (...argv: string[]) => runCli(argv);


const CARDS = ['4111111111111121', '5555555555554444', '378282246310005', '4012888888881881'];
const ACCOUNT = '998877665544';

describe('konduit import validate', () => {
  const valid = file('valid.csv', transactionsCsv([validTransaction(), validTransaction({ merchantTxnId: 'T2', quantity: '0' })]));
  const invalid = file(
    'invalid.csv',
    transactionsCsv([
      validTransaction({ cardNumber: CARDS[0]! }), // fails Luhn: shown masked
      validTransaction({ merchantTxnId: 'T2', cardNumber: CARDS[1]!, campaignId: 'x' }),
      validTransaction({ merchantTxnId: 'T3', cardNumber: CARDS[2]!, address1: `card ${CARDS[3]}` }), // a card in the wrong column
      validTransaction({ merchantTxnId: 'T4', paySource: 'CHECK', cardNumber: '', achRoutingNumber: '021000022', achAccountNumber: `${ACCOUNT}-1`, achAccountType: 'CHECKING' }),
    ]),
  );

  it('exits 0 on a file with warnings only, and says VALID', async () => {
    const r = await cli('import', 'validate', '--transactions', valid);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/VALID: 0 errors, 1 warning/);
    expect(r.out).toContain('warning quantity_not_positive');
  });

  it('exits 1 on errors; text groups by code with rows and a fix hint', async () => {
    const r = await cli('import', 'validate', '--transactions', invalid);
    expect(r.code).toBe(1);
    expect(r.out).toContain('error card_luhn: 1 issue');
    expect(r.out).toMatch(/error not_integer: 1 issue\n  - .*invalid\.csv row 3 campaignId \(D\): "x": campaignId must be a whole number.*\n  fix: /);
    expect(r.out).toMatch(/INVALID: \d+ errors/);
  });

  it('prints exactly the JSON shape', async () => {
    const r = await cli('import', 'validate', '--transactions', invalid, '--format', 'json');
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(['valid', 'files', 'issues']);
    expect(report.valid).toBe(false);
    expect(report.files).toEqual([{ file: invalid, kind: 'transactions', rows: 4, errors: report.issues.length, warnings: 0 }]);
    for (const i of report.issues) {
      expect(Object.keys(i)).toEqual(['file', 'kind', 'row', 'line', 'column', 'columnLetter', 'code', 'severity', 'message', 'value']);
    }
    expect(report.issues.find((i: { code: string }) => i.code === 'routing_checksum')).toMatchObject({
      row: 5, line: 5, column: 'achRoutingNumber', columnLetter: 'L', severity: 'error', value: '*****0022',
    });
  });

  it('never prints a card or bank number in clear, in text or JSON', async () => {
    for (const format of ['text', 'json']) {
      const r = await cli('import', 'validate', '--transactions', invalid, '--format', format);
      const all = r.out + r.err;
      for (const secret of [...CARDS, ACCOUNT, '021000022']) expect(all, `${format} ${secret}`).not.toContain(secret);
      expect(all).toContain('411111******1121');
    }
    // Even a card number pasted into the header is masked, in the message as in the value.
    const header = file('header.csv', transactionsCsv([validTransaction()]).replace('"variantDetailId"', `"${CARDS[1]}"`));
    const r = await cli('import', 'validate', '--transactions', header, '--format', 'json');
    expect(r.out).toContain('header_unknown_column');
    expect(r.out).not.toContain(CARDS[1]!);
  });

  it('--max-issues caps the list but not the counts', async () => {
    const r = await cli('import', 'validate', '--transactions', invalid, '--format', 'json', '--max-issues', '1');
    const report = JSON.parse(r.out);
    expect(report.issues).toHaveLength(1);
    expect(report.files[0].errors).toBeGreaterThan(3);
    const t = await cli('import', 'validate', '--transactions', invalid, '--max-issues', '1');
    expect(t.out).toMatch(/\(1 of \d+ issues shown/);
  });

  it('checks notes against the transactions file', async () => {
    const notes = file('notes.csv', notesCsv([{ customerId: 'NOPE', dateCreated: '2025-01-01 00:00:00', noteText: 'x' }]));
    const r = await cli('import', 'validate', '--transactions', valid, '--notes', notes, '--format', 'json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).issues.map((i: { code: string }) => i.code)).toEqual(['quantity_not_positive', 'customer_not_in_transactions']);
  });

  it('exits 2 with a clear message on a missing file or a usage error', async () => {
    const missing = await cli('import', 'validate', '--transactions', join(dir, 'nope.csv'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`cannot read the transactions file ${join(dir, 'nope.csv')}`);
    const notes = await cli('import', 'validate', '--transactions', valid, '--notes', join(dir, 'gone.csv'));
    expect(notes.code).toBe(2);
    expect(notes.err).toContain('notes file');
    const directory = await cli('import', 'validate', '--transactions', dir);
    expect(directory.code).toBe(2);
    expect(directory.err).toContain('is not a regular file');
    expect((await cli('import', 'validate')).code).toBe(2);
    expect((await cli('import', 'validate', '--transactions', valid, '--format', 'xml')).code).toBe(2);
    expect((await cli('import', 'validate', '--transactions', valid, '--max-issues', '-1')).code).toBe(2);
    expect((await cli('import', 'validate', '--transactions', valid, '--bogus')).code).toBe(2);
  });

  it('--help documents every option with an example', async () => {
    const r = await cli('import', 'validate', '--help');
    expect(r.code).toBe(0);
    for (const opt of ['--transactions', '--notes', '--details', '--format', '--max-issues', '--today', 'Example']) expect(r.out).toContain(opt);
  });

  it('runs as the built binary (bin/konduit.js) with the same exit codes', async () => {
    const bin = new URL('../../../bin/konduit.js', import.meta.url).pathname;
    const ok = await run(process.execPath, [bin, 'import', 'validate', '--transactions', valid, '--format', 'json']);
    expect(JSON.parse(ok.stdout).valid).toBe(true);
    const bad = await run(process.execPath, [bin, 'import', 'validate', '--transactions', invalid]).catch((e: { code: number; stdout: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    const gone = await run(process.execPath, [bin, 'import', 'validate', '--transactions', join(dir, 'x.csv')]).catch((e: { code: number }) => e);
    expect((gone as { code: number }).code).toBe(2);
  });
});
