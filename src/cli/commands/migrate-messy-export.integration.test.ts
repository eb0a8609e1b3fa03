/**
 * Issue 17, "Done when": a realistic messy export (testkit/messy-export.ts: a subscription platform's
 * export with a BOM, CRLF, 12-hour Los Angeles dates, dashed phones, spreadsheet-damaged card numbers and
 * ZIP codes, a combined expiry, no billShipSame, the subscription status on every row, past next bill
 * dates, dispute rows; its notes export; the processor's card export encrypted with GnuPG) goes from the
 * raw files to a validated, tokenized, sampled, uploaded (real sshd) and verified (sandbox CRM) import
 * with `konduit migrate` and the mapping the test writes, with no edit of the data. Every derived value
 * is asserted against what the generator says it must be; the rebill guard stops the sample and the
 * upload until the merchant chose a rule, and that choice is in the change log; confirmations are
 * refused before their step ran; redo runs; no card number is ever written or printed in clear.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messyExport, type MessyExport } from '../../importfile/testkit/messy-export.js';
import { maskCardForFile } from '../../importfile/spec/card-numbers.js';
import { readTable } from '../../importfile/read/table.js';
import type { Sandbox } from '../../sandbox/index.js';
import { runCli } from '../../../test/cli.js';
import { clearCards, crmTeamImports, encryptToMerchant, filesUnder, merchantKey, sandboxWithConnection, setEnv, startSshd, stopAgent, type Sshd } from '../../../test/migration-env.js';
import { plural } from '../../core/text.js';

const PASS = 'merchant pgp passphrase';
const IMPORT_DATE = '2026-11-21';
let dir: string;
let sshd: Sshd;
let sb: Sandbox;
let m: MessyExport;
const printed: string[] = [];
const cards = new Set<string>();
let restoreEnv: (() => void) | undefined;
const p = (...names: string[]) => join(dir, ...names);

async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const { code, all } = await runCli(argv);
  printed.push(all);
  return { code, out: all };
}
const migrate = (...argv: string[]) => cli('migrate', ...argv, '--state', p('work', 'migration.json'));

async function rowsOf(file: string): Promise<Record<string, string>[]> {
  const out: Record<string, string>[] = [];
  for await (const rec of readTable(file)) out.push(Object.fromEntries(rec.header.names.map((n, i) => [n, rec.cells[i] ?? ''])));
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'konduit-messy-'));
  for (const d of ['in', 'keys', 'remote', 'home', 'work']) mkdirSync(p(d), { mode: 0o700 });
  restoreEnv = setEnv({ KONDUIT_SECRET: 'messy migration secret', KONDUIT_HOME: p('home'), KONDUIT_VAULT_PASSPHRASE: undefined, KONDUIT_PGP_PASSPHRASE: undefined });
  await writeFile(p('keys', 'vault-pass'), 'the vault passphrase of the merchant\n');

  m = messyExport({ customers: 40, latest: '2026-11-19', importDate: IMPORT_DATE });
  for (const e of m.expected) if (e.card) cards.add(e.card);
  await writeFile(p('in', 'platform-export.csv'), m.platformCsv);
  await writeFile(p('in', 'notes-export.csv'), m.notesCsv);
  // The processor sends its card export encrypted to the merchant's key; only the encrypted copy stays.
  const home = p('gnupg');
  await merchantKey(home, PASS, p('keys', 'merchant.asc'), p('keys', 'pgp-pass'));
  await writeFile(p('in', 'cards.csv'), m.cardsCsv);
  encryptToMerchant(home, p('in', 'cards.csv'), p('in', 'processor-cards.csv.gpg'));
  await rm(p('in', 'cards.csv'));
  stopAgent(home);

  sshd = await startSshd(p('sshd'));
  sb = await sandboxWithConnection(p('konduit.duckdb'), 'crm', 'messy');
}, 120_000);

afterAll(async () => {
  await sb?.close();
  await sshd?.stop();
  restoreEnv?.();
  await rm(dir, { recursive: true, force: true });
});

describe('a messy subscription platform export, raw file to verified import, with konduit migrate', () => {
  it('has every damage the issue lists', () => {
    expect(m.platformCsv.startsWith('\ufeff')).toBe(true);
    expect(m.platformCsv).toContain('\r\n');
    expect(m.platformCsv).toMatch(/,\d{2}\/\d{2}\/2026 \d{2}:\d{2} [AP]M,/);
    expect(m.platformCsv).toMatch(/,512-555-\d{4},/);
    expect(m.platformCsv).toMatch(/,\d\.\d{5}E\+15,/);
    expect(m.damage).toMatchObject({ damagedCards: 20, disputes: 4, achCustomers: 4 });
    for (const [k, n] of Object.entries(m.damage)) expect(n, k).toBeGreaterThan(0);
  });

  it('runs the whole migration; every derived value is what it must be; no card in clear anywhere', async () => {
    const init = ['init', '--export', p('in', 'platform-export.csv'), '--source', p('in', 'notes-export.csv'), '--source', p('in', 'processor-cards.csv.gpg'),
      '--key', p('keys', 'merchant.asc'), '--passphrase-file', p('keys', 'pgp-pass'), '--mapping', p('work', 'mapping.yaml'), '--vault', p('work', 'cards.vault'),
      '--sample-size', '12', '--connection', 'crm', '--db', p('konduit.duckdb'), '--sftp-host', '127.0.0.1', '--sftp-port', String(sshd.port),
      '--sftp-user', userInfo().username, '--sftp-key', sshd.userKey, '--sftp-known-host-key', sshd.hostKey, '--sftp-remote-dir', p('remote'),
      '--today', IMPORT_DATE, '--import-date', IMPORT_DATE];
    // A vault without its passphrase is refused at init, not discovered at the tokenize step.
    let r = await migrate(...init);
    expect(r.code).toBe(2);
    expect(r.out).toContain('the vault needs a passphrase');
    r = await migrate(...init, '--vault-passphrase-file', p('keys', 'vault-pass'));
    expect(r.code, r.out).toBe(0);
    // Nothing can be confirmed before its step ran.
    r = await migrate('confirm', 'verify-sample');
    expect(r.code).toBe(2);
    expect(r.out).toContain('verify-sample cannot be confirmed: it has not run yet');

    // 1st run: the card export is decrypted, and a first mapping is written from the three sources.
    r = await migrate();
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('processor-cards.csv.gpg: decrypted');
    expect(r.out).toContain('[build] WAITING FOR YOU');
    const template = await readFile(p('work', 'mapping.yaml'), 'utf8');
    for (const line of ['subTotal: "Amount"', 'responseType: "Status"', 'parentTxnId: "Refunded Transaction"', 'achRoutingNumber: "Bank Routing"', 'isActiveRecurring: "Subscription Status"',
      'dateTimeFormat: "M/D/YYYY h:mm A"', 'timeZone: "?"', 'billShipSame: sameAddress', 'cardExpiry: { from: "Card Expiry" }', 'subscription: { by: "Subscription ID" }',
      'disputes: { when: { column: "Type", values: ["dispute"] }, parent: "Refunded Transaction" }', 'noteText: "Note"', 'on: { "Gateway Customer ID": "customer_vault_id" }', 'columns: { cardNumber: "cc_number" }',
      '#     productId 15202: Glow Serum 30ml (RECURRING)', '"Glow Monthly": { campaignId: "", productId: "" }']) expect(template).toContain(line);
    expect(template).not.toMatch(/isActiveRecurring: "Status"/);

    // The merchant's reviewed mapping. The next run stops at the rebill guard: nothing is sampled or uploaded.
    await writeFile(p('work', 'mapping.yaml'), m.mapping);
    r = await migrate();
    expect(r.code, r.out).toBe(1);
    for (const step of ['build', 'fix', 'tokenize']) expect(r.out).toContain(`[${step}] done`);
    expect(r.out).toContain(`${plural(m.damage.disputes, 'dispute row')} folded into their parents' chargeback columns`);
    expect(r.out).toContain(`rebill guard: ${plural(m.moved.length, 'active subscription')} ${m.moved.length === 1 ? 'has' : 'have'} a next bill date before the import date ${IMPORT_DATE}`);
    expect(r.out).toContain('[validate] FAILED');
    expect(r.out).toContain(`error next_bill_date_past: ${m.moved.length} issue`);
    expect(r.out).toContain('next: choose how to resolve the active subscriptions due before the import date 2026-11-21: konduit migrate rebills move:+N | keep-day | cancel');
    expect(existsSync(p('work', 'migration-work', 'sample'))).toBe(false);
    const tokenized = p('work', 'migration-work', 'tokenized', 'transactions.csv');
    const sample = await cli('import', 'sample', '--size', '5', '--out-sample', p('s'), '--out-rest', p('r'), '--import-date', IMPORT_DATE, tokenized);
    expect(sample.code).toBe(1);
    const upload = await cli('import', 'upload', '--host', '127.0.0.1', '--port', String(sshd.port), '--user', userInfo().username, '--key', sshd.userKey, '--known-host-key', sshd.hostKey, '--remote-dir', p('remote'), '--import-date', IMPORT_DATE, tokenized);
    expect(upload.code).toBe(1);
    expect(upload.out).toContain(`not uploaded: ${tokenized} has ${m.moved.length} active subscription${m.moved.length === 1 ? '' : 's'} due before the import date`);
    expect(existsSync(p('remote', 'transactions.csv'))).toBe(false);
    // What the earlier steps said is shown again; the status names the way on.
    const status = await migrate('status');
    expect(status.out).toContain('next: choose how to resolve');

    // The merchant chooses: keep each subscription's day of the month. The run goes on to the CRM team.
    r = await migrate('rebills', 'keep-day');
    expect(r.code, r.out).toBe(0);
    for (const step of ['decrypt', 'build', 'fix', 'tokenize', 'validate', 'sample', 'upload-sample']) expect(r.out).toContain(`[${step}] done`);
    expect(r.out).toContain(`resolved by keep-day`);
    expect(r.out).toContain('[sample-imported] WAITING FOR YOU');
    const log = (await readFile(p('work', 'migration-work', 'fixed', 'changes-transactions.csv'), 'utf8')).split('\r\n');
    expect(log[1]).toBe(`"1","nextBillDate","active subscriptions due before the import date ${IMPORT_DATE}","keep-day","rebill_guard_choice"`);
    const movedInLog = log.filter((l) => l.endsWith('"next_bill_date_moved"')).map((l) => l.split('","').slice(2, 4));
    expect(movedInLog.sort()).toEqual(m.moved.map(([, before, after]) => [before, after]).sort());
    expect(log.filter((l) => l.endsWith('"zip_leading_zeros"')).length).toBeGreaterThan(0);
    expect(log.some((l) => l.includes('"m5v2t6","M5V 2T6","postal_code_format"'))).toBe(true);

    // The CRM team imports the sample; verify passes; the rest goes up; they import it; the whole import verifies.
    expect((await migrate('confirm', 'verify-sample')).code).toBe(2);
    await crmTeamImports(sb, { transactions: p('remote', 'sample-transactions.csv'), notes: p('remote', 'sample-customer-notes.csv') });
    expect((await migrate('confirm', 'sample-imported')).code).toBe(0);
    r = await migrate();
    expect(r.out).toContain('[verify-sample] done');
    expect(r.out).toContain('[upload-rest] done');
    expect(r.out).toContain('[rest-imported] WAITING FOR YOU');
    await crmTeamImports(sb, { transactions: p('remote', 'rest-transactions.csv'), notes: p('remote', 'rest-customer-notes.csv') });
    expect((await migrate('confirm', 'rest-imported')).code).toBe(0);
    r = await migrate();
    expect(r.out).toMatch(/\[verify-all\] done: 40 customers verified through the API/);
    expect(r.out).toContain('migration complete');
    expect(r.code).toBe(0);
    // redo runs the step again, now.
    r = await migrate('redo', 'verify-all');
    expect(r.out).toMatch(/\[verify-all\] done: 40 customers verified/);

    // Every derived value, row by row, in what was uploaded (sample and rest).
    const sent = [...(await rowsOf(p('remote', 'sample-transactions.csv'))), ...(await rowsOf(p('remote', 'rest-transactions.csv')))];
    expect(sent.length).toBe(m.expected.length);
    const byId = new Map(sent.map((x) => [x.merchantTxnId, x]));
    for (const e of m.expected) {
      const got = byId.get(e.merchantTxnId) as Record<string, string>;
      const { card, ...fields } = e;
      expect(Object.fromEntries(Object.keys(fields).map((k) => [k, got[k]])), e.merchantTxnId).toEqual(fields);
      expect(got.cardNumber, e.merchantTxnId).toBe(card ? maskCardForFile(card) : '');
      expect((got.externalToken ?? '').startsWith('kdt_'), e.merchantTxnId).toBe(card !== '');
    }
    const notes = [...(await rowsOf(p('remote', 'sample-customer-notes.csv'))), ...(await rowsOf(p('remote', 'rest-customer-notes.csv')))];
    expect(notes.map((n) => [n.customerId, n.dateCreated, n.agentName, n.noteText]).sort()).toEqual([...m.expectedNotes].sort());

    // No card number in clear in any file Konduit wrote or in anything it printed; the raw inputs had them.
    const written = [...filesUnder(p('work')), ...filesUnder(p('remote')), ...filesUnder(p('home'))];
    for (const f of written) expect({ f, cards: clearCards(readFileSync(f).toString('latin1'), cards) }).toEqual({ f, cards: [] });
    expect(clearCards(printed.join('\n'), cards)).toEqual([]);
    expect(clearCards(m.cardsCsv + m.platformCsv, cards).length).toBeGreaterThan(30);
  }, 300_000);
});
