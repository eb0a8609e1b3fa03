import { describe, expect, it } from 'vitest';
import { cardNumbersIn, cardsInCell, classifyCard, isCardLike, maskRuns } from './card-numbers.js';

const cards = (text: string) => cardNumbersIn(text).map((r) => [r.digits, text.slice(r.start, r.end)]);
const classify = (s: string) => classifyCard(Buffer.from(s), 0, Buffer.byteLength(s));

describe('card-like numbers in text', () => {
  it('finds them plain, spaced, dashed and glued to letters', () => {
    expect(cards('new card 4012888888881881 exp 03/29')).toEqual([['4012888888881881', '4012888888881881']]);
    expect(cards('cc4111111111111111')).toEqual([['4111111111111111', '4111111111111111']]);
    expect(cards('card:6011111111111117_exp')).toEqual([['6011111111111117', '6011111111111117']]);
    expect(cards('4111 1111 1111 1111')).toEqual([['4111111111111111', '4111 1111 1111 1111']]);
    expect(cards('amex 3782-822463-10005.')).toEqual([['378282246310005', '3782-822463-10005']]);
  });

  it('finds a card followed or preceded by other digit groups (a CVV, a reference)', () => {
    expect(cards('4111 1111 1111 1111 123')).toEqual([['4111111111111111', '4111 1111 1111 1111']]);
    expect(cards('ref 12 5555 5555 5555 4444')).toEqual([['5555555555554444', '5555 5555 5555 4444']]);
    expect(cards('two: 4111111111111111 and 5555555555554444')).toHaveLength(2);
  });

  it('leaves what is not a card: failing Luhn, outside the networks, too long, dates, phones', () => {
    expect(cards('4111111111111112')).toEqual([]);
    expect(cards('8535296650153317')).toEqual([]); // an Adyen-like reference: starts with 8
    expect(cards('9400111899223197428490')).toEqual([]); // a 22-digit tracking number
    expect(cards('2025-03-10 14:05:00, 2025-04-01')).toEqual([]);
    expect(cards('+1 512 555 0100')).toEqual([]);
    expect(isCardLike('4111111111111111')).toBe(true);
    expect(isCardLike('411111111111')).toBe(false); // 12 digits
  });

  it('in id columns, only a whole cell', () => {
    expect(cardsInCell('kdt_4111111111111111ab', 'whole')).toEqual([]);
    expect(cardsInCell(' 4111-1111-1111-1111 ', 'whole').map((r) => r.digits)).toEqual(['4111111111111111']);
    expect(cardsInCell('4111111111111111', 'never')).toEqual([]);
  });

  it('masks in place, first 6 and last 4 kept', () => {
    const text = 'new card 4012 8888 8888 1881 exp 03/29';
    expect(maskRuns(text, cardNumbersIn(text))).toBe('new card 401288xxxxxx1881 exp 03/29');
  });
});

describe('classifyCard (the cardNumber column)', () => {
  it('names full, masked and each damage', () => {
    expect(classify('4111111111111111')).toBe('full');
    expect(classify('411111xxxxxx1111')).toBe('masked');
    expect(classify('4.11111E+15')).toBe('card_scientific_notation');
    expect(classify('4111111111111110')).toBe('card_truncated_to_15_digits');
    expect(classify('4111111111111112')).toBe('card_luhn');
    expect(classify('41111')).toBe('card_too_short');
    expect(classify('4111 1111')).toBe('card_not_digits');
  });
});
