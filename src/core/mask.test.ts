import { describe, expect, it } from 'vitest';
import { cardCorpus, luhnNumber, shownNumbers } from '../../test/card-corpus.js';
import { escapeControls, holdsDigitRun, maskDeep, maskDigitsInText, maskNumber, redactPasswords, safeText } from './mask.js';
import { mulberry32 } from './prng.js';

describe('masking', () => {
  it('shows at most the first 6 and last 4 digits of a card', () => {
    expect(maskNumber('4111111111111111')).toBe('411111******1111');
    expect(maskNumber('378282246310005')).toBe('378282*****0005');
  });
  it('shows only the last 4 of short bank numbers, and of 12 to 14 digits', () => {
    expect(maskNumber('123456789')).toBe('*****6789');
    expect(maskNumber('1234')).toBe('****');
    expect(maskNumber('000123456789')).toBe('********6789');
    expect(maskNumber('4222222222222')).toBe('*********2222');
  });
  it('masks card-like digit runs inside text', () => {
    expect(maskDigitsInText('card 4111 1111 1111 1111 declined')).toBe('card 411111******1111 declined');
    expect(maskDigitsInText('order 12345 ok')).toBe('order 12345 ok');
  });

  // Finding 2 of the hardening review: each of these printed a full number.
  it('masks numbers glued to letters or underscores, with dot or no-break-space separators, in any digit set, of any length', () => {
    expect(maskDigitsInText('cc4111111111111111')).toBe('cc411111******1111');
    expect(maskDigitsInText('card:6011111111111117_exp')).toBe('card:601111******1117_exp');
    expect(maskDigitsInText('4111111111111111x')).toBe('411111******1111x');
    expect(maskDigitsInText('4111.1111.1111.1111')).toBe('411111******1111');
    expect(maskDigitsInText('4111\u00a01111\u00a01111\u00a01111')).toBe('411111******1111');
    expect(maskDigitsInText('４１１１１１１１１１１１１１１１')).toBe('411111******1111');
    expect(maskDigitsInText('٤١١١١١١١١١١١١١١١')).toBe('411111******1111');
    expect(maskDigitsInText('𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏')).toBe('411111******1111');
    expect(maskDigitsInText('41111111111111115555555555554444')).toBe('411111**********************4444');
    expect(maskDigitsInText('4111 - 1111 - 1111 - 1111')).toBe('411111******1111');
    // Up to three separators join two digits; four part them.
    expect(maskDigitsInText('1234 .-5678 9012')).toBe('********9012');
    expect(maskDigitsInText('123456    789012')).toBe('123456    789012');
  });

  it('leaves dates, times, amounts and short ids alone', () => {
    const kept = ['2026-01-15 10:30:00', 'order 7B83FF8095', '$1,234.50', '+1 (555) 123-4567', 'row 12 (line 13)', 'ZIP 90210-1234', 'backfill 2026-03-01..2026-03-31', '2025-01 - 2025-12', 'IP address (192.168.100.200)'];
    for (const s of kept) {
      expect(safeText(s)).toBe(s);
      expect(maskDigitsInText(s)).toBe(s);
    }
    expect(holdsDigitRun('2026-01-15 10:30:00')).toBe(false);
    // Not a date or an address: masked.
    expect(maskDigitsInText('4111-11-11 4111-11-11')).toBe('411111******1111');
    expect(maskDigitsInText('1192.168.100.200')).toBe('*********0200');
  });

  it('masks every string, key and number of a JSON value', () => {
    const v = { note: 'new card 4012888888881881 exp 03/29', '4111111111111111': 1, n: 5555555555554444, ok: 12.5, __proto__x: ['bank acct 987654321012345'] };
    expect(JSON.stringify(maskDeep(v))).toBe(
      '{"note":"new card 401288******1881 exp 03/29","411111******1111":1,"n":"555555******4444","ok":12.5,"__proto__x":["bank acct 987654*****2345"]}',
    );
    const proto = maskDeep(JSON.parse('{"__proto__": {"x": "4111111111111111"}}')) as Record<string, unknown>;
    expect(JSON.stringify(proto)).toBe('{"__proto__":{"x":"411111******1111"}}');
  });

  it('masks a corpus of 300 generated hiding places', () => {
    const corpus = cardCorpus(20260101, 300);
    const leaks = corpus.filter((c) => shownNumbers(maskDigitsInText(c.text), c.numbers).length > 0);
    expect(leaks.map((c) => c.text)).toEqual([]);
    // The check itself sees every number before masking.
    expect(corpus.filter((c) => shownNumbers(c.text, c.numbers).length !== c.numbers.length)).toEqual([]);
  });

  it('property: random text with Luhn-valid runs embedded anywhere never shows 13 consecutive digits of one', () => {
    const rand = mulberry32(0x5eed);
    const alphabet = 'ab _-.:/#\u00a0x1234567890\u3000é';
    for (let k = 0; k < 500; k++) {
      const numbers: string[] = [];
      let text = '';
      const parts = 1 + Math.floor(rand() * 4);
      for (let p = 0; p < parts; p++) {
        for (let i = Math.floor(rand() * 12); i > 0; i--) text += alphabet[Math.floor(rand() * alphabet.length)];
        const n = luhnNumber(rand, 13 + Math.floor(rand() * 7));
        numbers.push(n);
        text += n;
      }
      for (const out of [maskDigitsInText(text), safeText(text), JSON.stringify(maskDeep({ [text]: text }))]) {
        expect(shownNumbers(out, numbers), `${text} -> ${out}`).toEqual([]);
      }
    }
  });
});

describe('redaction and escaping', () => {
  it('redacts password form fields, JSON members and the given secrets', () => {
    expect(redactPasswords('loginId=api&password=s3cr3t!x&page=1')).toBe('loginId=api&password=********&page=1');
    expect(redactPasswords('{"loginId":"api","password":"s3cr3t"}')).toBe('{"loginId":"api","password":"********"}');
    expect(redactPasswords('echo: p@ss w0rd+&x and p%40ss%20w0rd%2B', ['p@ss w0rd+'])).toBe('echo: ********&x and ********');
  });
  it('escapes control characters, keeping newlines when asked', () => {
    expect(escapeControls('a\r\nb\u001b[31mc\u202e')).toBe('a\\r\\nb\\u001b[31mc\\u202e');
    expect(escapeControls('a\nb\u0007', { keepNewlines: true })).toBe('a\nb\\u0007');
  });
  it('safeText: control characters inside a number do not print it between escapes', () => {
    const out = safeText('card 4111\u00001111\u001b1111\r1111 pw password=hunter2');
    expect(out).toBe('card 411111******1111 pw password=********');
  });
});
