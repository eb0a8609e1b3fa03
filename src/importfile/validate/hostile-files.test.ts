/**
 * Issue 16, finding 21: what a hostile review fed the validator, and a corpus of malformed files that
 * must never crash it. Every report of the corpus is checked for bounded messages and values.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/prng.js';
import { transactionColumns } from '../spec/columns.js';
import { toCsv, transactionsCsv, validTransaction } from '../testkit/test-rows.js';
import { validateImportFiles } from './validate.js';
import { runCli } from '../../../test/cli.js';

const TODAY = '2026-01-15';
const names = transactionColumns.map((c) => c.name);
const one = transactionsCsv([validTransaction()]);
const check = (content: string | Uint8Array) => validateImportFiles({ transactions: { name: 't.csv', content } }, { today: TODAY, maxIssues: 1000 });

describe('the review\'s attacks on the validator', () => {
  it('a 1 MB header cell gives a short message, not a 1 MB one', async () => {
    const huge = 'x'.repeat(1_000_000);
    const r = await check(toCsv([...names, huge], [validTransaction()]));
    const unknown = r.issues.filter((i) => i.code === 'header_unknown_column');
    expect(unknown).toHaveLength(1);
    expect(unknown[0]!.message.length).toBeLessThan(200);
    expect(unknown[0]!.value!.length).toBeLessThanOrEqual(80);
    expect(JSON.stringify(r).length).toBeLessThan(2000);
  });

  it('a header-only transactions file is INVALID (no_transactions), not VALID', async () => {
    const r = await check(transactionsCsv([]));
    expect(r.valid).toBe(false);
    expect(r.issues.map((i) => [i.code, i.row])).toEqual([['no_transactions', null]]);
  });

  it.each([
    ['UTF-16 LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(one, 'utf16le')]), 'UTF-16 text (little-endian, with a byte order mark)'],
    ['UTF-16 LE without a BOM', Buffer.from(one, 'utf16le'), 'UTF-16 text (little-endian)'],
    ['UTF-16 BE with a BOM', Buffer.from(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(one, 'utf16le')]).swap16()), 'UTF-16 text (big-endian, with a byte order mark)'],
    ['UTF-16 BE without a BOM', Buffer.from(Buffer.from(one, 'utf16le')).swap16(), 'UTF-16 text (big-endian)'],
    ['UTF-32 LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), Buffer.from([...one].flatMap((c) => [c.charCodeAt(0), 0, 0, 0]))]), 'UTF-32 text (little-endian, with a byte order mark)'],
    ['an Excel workbook', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(300, 7)]), 'a ZIP archive'],
    ['an encrypted export', `-----BEGIN PGP MESSAGE-----\n\nhQEMA...\n-----END PGP MESSAGE-----\n`, 'an OpenPGP-encrypted file'],
  ])('%s is one encoding error naming what it is, not 58 unknown columns', async (_what, content, what) => {
    const r = await check(content);
    expect(r.valid).toBe(false);
    expect(r.issues.map((i) => i.code)).toEqual(['file_encoding']);
    expect(r.issues[0]!.message).toContain(what);
  });

  it('--today 9999-99-99 (or 2026-02-30) is a usage error, exit 2', async () => {
    for (const today of ['9999-99-99', '2026-02-30', 'tomorrow']) {
      const r = await runCli(['import', 'validate', '--transactions', 'whatever.csv', '--today', today]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--today must be a real date written YYYY-MM-DD, got "${today}"`);
    }
    await expect(validateImportFiles({ transactions: { name: 't.csv', content: one } }, { today: '9999-99-99' })).rejects.toMatchObject({ exitCode: 2 });
  });
});

/** Malformed variants of a valid file: each mutation kind applied with a seeded generator. */
function corpus(): { name: string; content: Buffer }[] {
  const rnd = mulberry32(16021);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const base = Buffer.from(transactionsCsv(Array.from({ length: 8 }, (_, i) => validTransaction({ merchantTxnId: `T${i}`, address1: `${i} Main St`, cardNumber: '4111111111111111' }))));
  const specials = [0x22, 0x2c, 0x0a, 0x0d, 0x00, 0xff, 0xfe, 0xef, 0xbb, 0xbf, 0xc3, 0x28, 0x80, 0xe2];
  const mutations: [string, (b: Buffer) => Buffer][] = [
    ['flip bytes', (b) => Buffer.from(b.map((x) => (rnd() < 0.02 ? Math.floor(rnd() * 256) : x)))],
    ['insert specials', (b) => Buffer.from([...b].flatMap((x) => (rnd() < 0.03 ? [pick(specials), x] : [x])))],
    ['truncate', (b) => b.subarray(0, Math.floor(rnd() * b.length))],
    ['drop a line', (b) => Buffer.from(b.toString('latin1').split('\r\n').filter(() => rnd() > 0.2).join('\r\n'), 'latin1')],
    ['UTF-16', (b) => (rnd() < 0.5 ? Buffer.from(b.toString('latin1'), 'utf16le') : Buffer.from(Buffer.from(b.toString('latin1'), 'utf16le')).swap16())],
    ['BOMs', (b) => Buffer.concat([Buffer.from(pick([[0xef, 0xbb, 0xbf], [0xff, 0xfe], [0xfe, 0xff], [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]])), b])],
    ['a huge cell', (b) => Buffer.concat([b, Buffer.from(`"${'9'.repeat(Math.floor(rnd() * 2_200_000))}`)])],
    ['many cells', (b) => Buffer.concat([b, Buffer.from(`${','.repeat(Math.floor(rnd() * 70_000))}\r\n`)])],
    ['header only', (b) => b.subarray(0, b.indexOf('\r\n') + (rnd() < 0.5 ? 2 : 0))],
    ['quotes everywhere', (b) => Buffer.from(b.toString('latin1').replace(/,/g, () => (rnd() < 0.1 ? '",' : ',')), 'latin1')],
    ['CR only', (b) => Buffer.from(b.toString('latin1').replace(/\r\n/g, '\r'), 'latin1')],
    ['random bytes', () => Buffer.from(Array.from({ length: Math.floor(rnd() * 4000) }, () => Math.floor(rnd() * 256)))],
  ];
  const out: { name: string; content: Buffer }[] = [];
  for (let n = 0; n < 312; n++) {
    const [name, mutate] = mutations[n % mutations.length]!;
    out.push({ name: `${name} #${n}`, content: mutate(base) });
  }
  return out;
}

describe('a corpus of 312 malformed files', () => {
  it('never crashes the validator, and every report stays bounded and masked', async () => {
    for (const f of corpus()) {
      const r = await check(f.content).catch((err: unknown) => ({ crashed: `${f.name}: ${String(err)}` }));
      expect(r, f.name).not.toHaveProperty('crashed');
      if ('crashed' in r) continue;
      for (const i of r.issues) {
        expect(i.message.length, `${f.name} ${i.code}`).toBeLessThan(400);
        expect((i.value ?? '').length, `${f.name} ${i.code}`).toBeLessThanOrEqual(80);
        expect(`${i.message} ${i.value ?? ''}`, f.name).not.toContain('4111111111111111');
      }
    }
  }, 120_000);
});
