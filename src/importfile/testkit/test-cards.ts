/** Card numbers for tests: Luhn-valid, made from a counter, never a real card. */

/** Appends the Luhn check digit to a 15-digit body. */
export function withCheckDigit(body: string): string {
  let sum = 0;
  for (let k = 0; k < body.length; k++) {
    let d = Number(body[body.length - 1 - k]);
    if (k % 2 === 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}
