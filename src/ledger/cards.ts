/**
 * What the ledger keeps of a transaction's card and of why it failed or was disputed (docs/metrics.md,
 * "The ledger"): the card's network (brand), its BIN (the first 6 digits, never more: docs/security.md),
 * a decline's response text and a chargeback's reason code, and the retry number of a recycle attempt.
 * Pure.
 */
import { maskDigitsInText } from '../core/mask.js';

/** The networks the reports tell apart; any other card type the CRM names is kept as it says it. */
export const CARD_BRANDS = ['VISA', 'MASTERCARD', 'AMEX', 'DISCOVER'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

/** The CRM's spellings of each network (upper case, spaces and punctuation removed). */
const SPELLINGS: Record<string, CardBrand> = {
  VISA: 'VISA', VISAELECTRON: 'VISA', ELECTRON: 'VISA', VI: 'VISA',
  MASTERCARD: 'MASTERCARD', MASTER: 'MASTERCARD', MC: 'MASTERCARD', MAESTRO: 'MASTERCARD',
  AMEX: 'AMEX', AMERICANEXPRESS: 'AMEX', AX: 'AMEX',
  DISCOVER: 'DISCOVER', DISC: 'DISCOVER', DI: 'DISCOVER',
};

/** The first 6 digits of a BIN (or of any card text): the most the store keeps. */
export function binOf(v: string | null | undefined): string | null {
  if (!v) return null;
  const digits = v.replace(/\D/g, '').slice(0, 6);
  return digits.length === 6 ? digits : null;
}

/**
 * The network of a BIN by its leading digits (ISO/IEC 7812 ranges the networks publish): 4 Visa;
 * 51-55 and 2221-2720 Mastercard; 34, 37 Amex; 6011, 644-649, 65 Discover. Null otherwise.
 */
export function brandOfBin(bin: string | null): CardBrand | null {
  if (!bin || bin.length < 4) return null;
  const two = Number(bin.slice(0, 2));
  const three = Number(bin.slice(0, 3));
  const four = Number(bin.slice(0, 4));
  if (bin[0] === '4') return 'VISA';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'MASTERCARD';
  if (two === 34 || two === 37) return 'AMEX';
  if (four === 6011 || two === 65 || (three >= 644 && three <= 649)) return 'DISCOVER';
  return null;
}

/**
 * A transaction's card network: the CRM's `cardType` read as one of CARD_BRANDS when it names one
 * ("Visa", "MC", "American Express"), else its BIN's network, else the card type as the CRM wrote it
 * (upper case, e.g. "TESTCARD"); null when neither says anything.
 */
export function cardBrandOf(cardType: string | null | undefined, cardBin: string | null | undefined): string | null {
  const t = (cardType ?? '').toUpperCase().replace(/[^A-Z]/g, '');
  const known = SPELLINGS[t];
  if (known) return known;
  const fromBin = brandOfBin(binOf(cardBin));
  if (fromBin) return fromBin;
  const raw = (cardType ?? '').trim().toUpperCase();
  return raw === '' ? null : raw.slice(0, 40);
}

/** Longest reason the ledger keeps (a processor's response text, a reason code). */
export const MAX_REASON_LENGTH = 120;

/**
 * A decline's response text or a chargeback's reason code as the ledger keeps it: trimmed, inner space
 * collapsed, digit runs that could be a card masked (core/mask.ts), at most MAX_REASON_LENGTH characters;
 * null when blank.
 */
export function reasonOf(v: string | null | undefined): string | null {
  if (!v) return null;
  const s = maskDigitsInText(v.replace(/\s+/g, ' ').trim());
  return s === '' ? null : s.slice(0, MAX_REASON_LENGTH);
}
