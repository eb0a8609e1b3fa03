/**
 * Card and bank numbers never reach logs, reports, errors or the database in clear: at most the first 6
 * and last 4 digits are shown.
 */

/** Masks a card or bank number: keeps the first 6 and last 4 digits of long numbers, less of short ones. */
export function maskNumber(value: string): string {
  const s = value.trim();
  if (s.length <= 4) return '*'.repeat(s.length);
  if (s.length < 12) {
    // Too short to show 6+4 without revealing most of it (bank accounts): last 4 only.
    return '*'.repeat(s.length - 4) + s.slice(-4);
  }
  return s.slice(0, 6) + '*'.repeat(s.length - 10) + s.slice(-4);
}

/** Replaces runs of 12 to 19 digits (optionally spaced or dashed) in free text with their masked form. */
export function maskDigitsInText(text: string): string {
  return text.replace(/\b\d(?:[ -]?\d){11,18}\b/g, (run) => maskNumber(run.replace(/[ -]/g, '')));
}

/** Masks a secret completely (passwords, API keys). */
export function redact(value: string | undefined | null): string {
  return value ? '********' : '';
}
