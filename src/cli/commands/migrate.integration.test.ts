/**
 * The migration end to end (issue 7 "Done when"): a GnuPG-encrypted legacy export -> konduit migrate:
 * decrypt, build (template first, then the reviewed mapping), fix, validate, tokenize (card vault),
 * sample, upload to a real OpenSSH sshd, the "CRM team" imports the uploaded sample into the sandbox,
 * verify passes, the rest is uploaded. Then a damaged import of the sample (a missing customer, a wrong
 * next bill date, a lost refund) makes verify fail naming each difference. Finally every file Konduit
 * wrote and everything it printed is scanned for card numbers in clear.
 */
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY_MAPPING, legacyExport, sandboxReadyRows } from '../../importfile/testkit/build-fixtures.js';
import { transactionColumns } from '../../importfile/spec/columns.js';
import { csvLine } from '../../importfile/transform/writer.js';
import { cellOf, readTable } from '../../importfile/read/table.js';
import type { Sandbox } from '../../sandbox/index.js';
import { runCli } from '../../../test/cli.js';
import { clearCards as clearIn, crmTeamImports, encryptToMerchant, filesUnder, merchantKey, sandboxWithConnection, setEnv, startSshd, stopAgent, type Sshd } from '../../../test/migration-env.js';

const PASS = 'merchant pgp passphrase';
let dir: string;
let sshd: Sshd;
const sandboxes: Sandbox[] = [];
const printed: string[] = [];
const cards = new Set<string>();
let restoreEnv: (() => void) | undefined;

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const { code, all } = await runCli(argv);
  printed.push(all);
  return { code, out: all };
}

async function newSandbox(name: string): Promise<Sandbox> {
  const sb = await sandboxWithConnection(join(dir, 'konduit.duckdb'), name);
  sandboxes.push(sb);
  return sb;
}

const clearCards = (text: string) => clearIn(text, cards);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-migrate-'));
  for (const d of ['in', 'keys', 'remote', 'home']) mkdirSync(join(dir, d), { mode: 0o700 });
  restoreEnv = setEnv({ KONDUIT_SECRET: 'migration test secret', KONDUIT_HOME: join(dir, 'home'), KONDUIT_VAULT_PASSPHRASE: 'vault passphrase for the test', KONDUIT_PGP_PASSPHRASE: undefined });

  // The processor's export: legacy columns, encrypted by GnuPG to the merchant's key.
  const rows = sandboxReadyRows(160, '2026-11-20', 21, '2026-11-21 00:00:00');
  for (const r of rows) if (/^\d{12,19}$/.test(r.cardNumber ?? '')) cards.add(r.cardNumber as string);
  await writeFile(join(dir, 'in', 'export.csv'), legacyExport(rows));
  const home = join(dir, 'gnupg');
  await merchantKey(home, PASS, join(dir, 'keys', 'merchant.asc'), join(dir, 'keys', 'pgp-pass'));
  encryptToMerchant(home, join(dir, 'in', 'export.csv'), join(dir, 'in', 'export.csv.gpg'));
  stopAgent(home);
  // The CRM's SFTP server: a real sshd on 127.0.0.1.
  sshd = await startSshd(join(dir, 'sshd'));
}, 120_000);

afterAll(async () => {
  for (const sb of sandboxes) await sb.close();
  await sshd?.stop();
  restoreEnv?.();
  await rm(dir, { recursive: true, force: true });
});

describe('konduit migrate, end to end', () => {
  it('runs from a GnuPG-encrypted export to a verified sample; a damaged import fails verify naming each difference; no card in clear anywhere', async () => {
    const work = join(dir, 'work');
    const state = join(work, 'migration.json');
    const mapping = join(work, 'mapping.yaml');
    const sb = await newSandbox('crm');
    const init = await cli('migrate', 'init', '--state', state, '--export', join(dir, 'in', 'export.csv.gpg'), '--key', join(dir, 'keys', 'merchant.asc'),
      '--passphrase-file', join(dir, 'keys', 'pgp-pass'), '--mapping', mapping, '--vault', join(work, 'cards.vault'), '--sample-size', '12',
      '--connection', 'crm', '--db', join(dir, 'konduit.duckdb'), '--sftp-host', '127.0.0.1', '--sftp-port', String(sshd.port), '--sftp-user', userInfo().username,
      '--sftp-key', sshd.userKey, '--sftp-known-host-key', sshd.hostKey,
      '--sftp-remote-dir', join(dir, 'remote'), '--today', '2026-11-21');
    expect(init.code).toBe(0);

    // 1st run: decrypts, then writes a mapping template and waits for the merchant's review.
    let r = await cli('migrate', '--state', state);
    expect(r.out).toContain('[decrypt] done');
    expect(r.out).toContain('[build] WAITING FOR YOU');
    expect(r.code).toBe(0);
    expect(await readFile(mapping, 'utf8')).toContain('# REVIEW');
    const status = await cli('migrate', 'status', '--state', state);
    expect(status.out).toMatch(/waiting  build .*\n[^]*next: review .*mapping.yaml/);

    // The merchant reviewed it (here: the fixture's finished mapping); the run continues to the CRM team's import.
    await writeFile(mapping, LEGACY_MAPPING);
    r = await cli('migrate', '--state', state);
    for (const step of ['build', 'fix', 'tokenize', 'validate', 'sample', 'upload-sample']) expect(r.out).toContain(`[${step}] done`);
    expect(r.out).toContain('[sample-imported] WAITING FOR YOU');
    const remote = readdirSync(join(dir, 'remote')).sort();
    expect(remote).toEqual(['sample-transactions.csv']);

    // The CRM team imports the uploaded sample; the merchant confirms; verify passes; the rest goes up.
    await crmTeamImports(sb, { transactions: join(dir, 'remote', 'sample-transactions.csv') });
    expect((await cli('migrate', 'confirm', 'sample-imported', '--state', state)).code).toBe(0);
    r = await cli('migrate', '--state', state);
    expect(r.out).toContain('[verify-sample] done');
    expect(r.out).toContain('PASS');
    expect(r.out).toContain('[upload-rest] done');
    expect(r.out).toContain('[rest-imported] WAITING FOR YOU');
    expect(r.out).not.toContain('migration complete');
    expect(r.code).toBe(0);
    expect(readdirSync(join(dir, 'remote')).sort()).toEqual(['rest-transactions.csv', 'sample-transactions.csv']);
    // The CRM team imports the rest; only the full verification through the API completes the migration.
    await crmTeamImports(sb, { transactions: join(dir, 'remote', 'rest-transactions.csv') });
    expect((await cli('migrate', 'confirm', 'rest-imported', '--state', state)).code).toBe(0);
    r = await cli('migrate', '--state', state);
    expect(r.out).toMatch(/\[verify-all\] done: 88 customers verified through the API/);
    expect(r.out).toContain('migration complete');
    expect(r.code).toBe(0);

    // Nothing lost: the sample and the rest hold every transaction of the export, once.
    const ids: string[] = [];
    for (const f of ['sample-transactions.csv', 'rest-transactions.csv']) for await (const rec of readTable(join(dir, 'remote', f))) ids.push(cellOf(rec, 'merchantTxnId'));
    expect(ids.length).toBe(160);
    expect(new Set(ids).size).toBe(160);

    // A damaged import of the same sample: one customer left out, a next bill date wrong, a refund lost.
    const sampleRows: Record<string, string>[] = [];
    for await (const rec of readTable(join(dir, 'remote', 'sample-transactions.csv'))) {
      const row: Record<string, string> = {};
      rec.header.names.forEach((n, i) => (row[n] = rec.cells[i] ?? ''));
      sampleRows.push(row);
    }
    // A customer's only active row: the subscription's next bill date comes from it.
    const active = sampleRows.find((x) => x.isActiveRecurring === '1' && sampleRows.filter((y) => y.customerId === x.customerId && y.isActiveRecurring === '1').length === 1) as Record<string, string>;
    const refund = sampleRows.find((x) => x.txnType === 'REFUND' && x.customerId !== active.customerId) as Record<string, string>;
    const missing = sampleRows.find((x) => ![active.customerId, refund.customerId].includes(x.customerId))?.customerId as string;
    expect(active && refund && missing).toBeTruthy();
    const damaged = sampleRows.filter((x) => x.customerId !== missing && x !== refund).map((x) => (x === active ? { ...x, nextBillDate: '2027-02-28' } : x));
    const damagedPath = join(dir, 'damaged-transactions.csv');
    await writeFile(damagedPath, csvLine(transactionColumns.map((c) => c.name)) + damaged.map((x) => csvLine(transactionColumns.map((c) => x[c.name] ?? ''))).join(''));
    const bad = await newSandbox('damaged');
    await crmTeamImports(bad, { transactions: damagedPath });
    const v = await cli('import', 'verify', '--connection', 'damaged', '--db', join(dir, 'konduit.duckdb'), '--today', '2026-11-21', join(dir, 'remote', 'sample-transactions.csv'));
    expect(v.code).toBe(1);
    expect(v.out).toContain(`customer ${missing} `);
    expect(v.out).toMatch(/customer not found in the CRM by email \[customer_missing\]/);
    expect(v.out).toContain(`next bill date differs [next_bill_date_differs] (product 15202, nextBillDate, file row`);
    expect(v.out).toContain(`expected ${active.nextBillDate}, CRM has 2027-02-28`);
    expect(v.out).toContain(`transaction not found [transaction_missing] (merchantTxnId ${refund.merchantTxnId}`);
    expect(v.out).toMatch(/FAIL: 3 differences/);

    // No card number in clear in any file Konduit wrote (work dir, server, state, logs) or printed.
    const written = [...filesUnder(work), ...filesUnder(join(dir, 'remote')), ...filesUnder(join(dir, 'home'))];
    expect(written.length).toBeGreaterThan(8);
    expect(written.some((f) => f.endsWith('changes-transactions.csv'))).toBe(true);
    for (const f of written) expect({ f, cards: clearCards(readFileSync(f).toString('latin1')) }).toEqual({ f, cards: [] });
    expect(clearCards(printed.join('\n'))).toEqual([]);
    // ...while the export really had them (the scan would have found them).
    expect(clearCards(readFileSync(join(dir, 'in', 'export.csv'), 'utf8')).length).toBeGreaterThan(50);
  }, 180_000);
});
