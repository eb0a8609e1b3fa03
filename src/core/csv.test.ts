import { describe, expect, it } from 'vitest';
import { csvCell, csvText } from './csv.js';

// Finding 9 of the hardening review: affiliates choose affId and sourceValue1, which reports print as cells.
describe('CSV cells', () => {
  it('neutralises text a spreadsheet would run as a formula', () => {
    expect(csvCell('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csvCell('+1+cmd|\' /C calc\'!A0')).toBe(`'+1+cmd|' /C calc'!A0`);
    expect(csvCell('-2+3')).toBe(`'-2+3`);
    expect(csvCell('@SUM(A1:A9)')).toBe(`'@SUM(A1:A9)`);
    expect(csvCell('\t=1')).toBe(`'\t=1`);
    expect(csvCell('\r=1')).toBe(`"'\r=1"`);
    expect(csvCell('-')).toBe(`'-`);
  });
  it('keeps plain numbers, negative ones included, and ordinary text as they are', () => {
    for (const v of ['-12.50', '+3', '0.015', '1234', 'AFF-1', 'shop', '']) expect(csvCell(v)).toBe(v);
    expect(csvText([['a', 'b'], ['x,y', 'say "hi"']])).toBe('a,b\r\n"x,y","say ""hi"""\r\n');
  });
});
