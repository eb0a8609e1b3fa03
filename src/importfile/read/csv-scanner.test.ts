import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanCsvBuffer, scanCsvFile } from './csv-file.js';
import { FLAG_BAD_QUOTE, FLAG_INVALID_UTF8, FLAG_NUL, FLAG_UNCLOSED_QUOTE, type RawRecord } from './csv-scanner.js';
import { readCsvRecords } from './read-records.js';
import { SyntheticTransactions } from '../testkit/synthetic-files.js';

type Rec = { row: number; line: number; flags: number; cells: string[] };
const collect = (out: Rec[]) => (r: RawRecord) => {
  const cells: string[] = [];
  for (let i = 0; i < r.count; i++) cells.push(r.buf.toString('utf8', r.starts[i], r.ends[i]));
  out.push({ row: r.row, line: r.line, flags: r.flags, cells });
};
const scan = (data: string | Buffer): Rec[] => {
  const out: Rec[] = [];
  scanCsvBuffer(Buffer.from(data), collect(out));
  return out;
};

describe('CSV scanner', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks in cells; BOM; CRLF and LF', () => {
    const recs = scan('\ufeffa,b\r\n"1,2","say ""hi"""\r\n"two\r\nlines",x\nplain,"" \n');
    expect(recs.map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['1,2', 'say "hi"'],
      ['two\r\nlines', 'x'],
      ['plain', '" '],
    ]);
    // The record after the two-line cell starts on line 5.
    expect(recs.map((r) => [r.row, r.line])).toEqual([[1, 1], [2, 2], [3, 3], [4, 5]]);
    expect(recs[3]!.flags & FLAG_BAD_QUOTE).toBeTruthy();
  });

  it('counts a blank line as a row without reporting it, and reads a last line without a line end', () => {
    const recs = scan('h1,h2\n\n1,2');
    expect(recs.map((r) => [r.row, r.line, r.cells])).toEqual([[1, 1, ['h1', 'h2']], [3, 3, ['1', '2']]]);
  });

  it('keeps empty cells, including a trailing comma', () => {
    expect(scan('a,,\n').map((r) => r.cells)).toEqual([['a', '', '']]);
  });

  it('cuts an unclosed quote at the end of its line and carries on', () => {
    const recs = scan('h1,h2\n"open,1\n2,3\n4,5\n');
    expect(recs[1]).toMatchObject({ row: 2, line: 2, cells: ['open,1'] });
    expect(recs[1]!.flags & FLAG_UNCLOSED_QUOTE).toBeTruthy();
    expect(recs.slice(2).map((r) => [r.row, r.line, r.flags, r.cells])).toEqual([[3, 3, 0, ['2', '3']], [4, 4, 0, ['4', '5']]]);
  });

  it('flags text after a closing quote and quotes inside unquoted cells', () => {
    const recs = scan('"a"b,c\nd"e,f\nok,ok\n');
    expect(recs.map((r) => r.flags & FLAG_BAD_QUOTE ? 1 : 0)).toEqual([1, 1, 0]);
    expect(recs[0]!.cells).toEqual(['a"b', 'c']);
  });

  it('flags NUL bytes and invalid UTF-8 on their own record only', () => {
    const data = Buffer.concat([Buffer.from('a,b\nx\u0000y,1\n'), Buffer.from([0xff, 0xfe, 0x2c, 0x31, 0x0a]), Buffer.from('é,ok\n')]);
    const recs = scan(data);
    expect(recs.map((r) => r.flags)).toEqual([0, FLAG_NUL, FLAG_INVALID_UTF8, 0]);
  });

  it('gives the same records whatever the chunk size (records cut across chunk boundaries)', async () => {
    const g = new SyntheticTransactions({ rows: 200, today: '2026-01-15' });
    const text = `${[...g.chunks()].join('')}"x","multi\nline ""q""",\n`;
    const dir = mkdtempSync(join(tmpdir(), 'konduit-csv-'));
    const file = join(dir, 't.csv');
    writeFileSync(file, text);
    const whole = scan(text);
    for (const size of [16, 61, 1000, 4096]) {
      const out: Rec[] = [];
      const rows = await scanCsvFile(file, collect(out), size);
      expect(rows).toBe(whole.length);
      expect(out).toEqual(whole);
    }
  });

  it('readCsvRecords yields string records with their locations and problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'konduit-csv-'));
    const file = join(dir, 'r.csv');
    writeFileSync(file, 'a,b\n"x\ny",2\n"bad"q,3\n');
    const recs = [];
    for await (const r of readCsvRecords(file, 8)) recs.push(r);
    expect(recs).toEqual([
      { row: 1, line: 1, cells: ['a', 'b'], problems: [] },
      { row: 2, line: 2, cells: ['x\ny', '2'], problems: [] },
      { row: 3, line: 4, cells: ['bad"q', '3'], problems: ['bad_quote'] },
    ]);
  });
});
