/**
 * Chargeback reason codes (docs/metrics.md, "Chargebacks"): the network a code belongs to, read from its
 * form, and whether that network files it as fraud. Visa's codes are "NN.N" in four categories (10
 * Fraud, 11 Authorization, 12 Processing Errors, 13 Consumer Disputes); Mastercard's are 48xx (fraud:
 * 4837, 4840, 4849, 4863, 4870, 4871); American Express files fraud under F codes (F10, F14, F24, F29,
 * FR2, FR4, FR6); Discover under UA codes. A code of no recognisable form has no network and no label.
 * Pure.
 */

export type CodeNetwork = 'visa' | 'mastercard' | 'amex' | 'discover';

export interface ReasonCode {
  network: CodeNetwork | null;
  /** The network files the code as fraud; null when the network is unknown. */
  fraud: boolean | null;
  /** What the code means, when it is one of the common ones. */
  description: string | null;
}

const VISA: Record<string, string> = {
  '10.1': 'EMV liability shift counterfeit fraud', '10.2': 'EMV liability shift non-counterfeit fraud', '10.3': 'Other fraud, card present', '10.4': 'Other fraud, card absent', '10.5': 'Visa fraud monitoring program',
  '11.1': 'Card recovery bulletin', '11.2': 'Declined authorization', '11.3': 'No authorization',
  '12.1': 'Late presentment', '12.2': 'Incorrect transaction code', '12.3': 'Incorrect currency', '12.4': 'Incorrect account number', '12.5': 'Incorrect amount', '12.6': 'Duplicate processing or paid by other means', '12.7': 'Invalid data',
  '13.1': 'Merchandise or services not received', '13.2': 'Cancelled recurring transaction', '13.3': 'Not as described or defective', '13.4': 'Counterfeit merchandise', '13.5': 'Misrepresentation', '13.6': 'Credit not processed', '13.7': 'Cancelled merchandise or services', '13.8': 'Original credit transaction not accepted', '13.9': 'Non-receipt of cash',
};
const MASTERCARD: Record<string, string> = {
  '4808': 'Authorization-related', '4812': 'Account number not on file', '4831': 'Incorrect transaction amount', '4834': 'Point-of-interaction error', '4837': 'No cardholder authorization',
  '4840': 'Fraudulent processing of transactions', '4841': 'Cancelled recurring or digital goods', '4842': 'Late presentment', '4846': 'Currency error', '4849': 'Questionable merchant activity',
  '4853': 'Cardholder dispute', '4855': 'Goods or services not provided', '4859': 'Addendum, no-show or ATM dispute', '4860': 'Credit not processed', '4863': 'Cardholder does not recognize, potential fraud',
  '4870': 'Chip liability shift', '4871': 'Chip/PIN liability shift, lost, stolen or never received fraud',
};
const MASTERCARD_FRAUD = new Set(['4837', '4840', '4849', '4863', '4870', '4871']);
const AMEX: Record<string, string> = {
  F10: 'Missing imprint', F14: 'Missing signature', F24: 'No card member authorization', F29: 'Card not present', FR2: 'Fraud full recourse program', FR4: 'Immediate chargeback program', FR6: 'Partial immediate chargeback program',
  C02: 'Credit not processed', C04: 'Goods or services returned or refused', C05: 'Goods or services cancelled', C08: 'Goods or services not received', C28: 'Cancelled recurring billing', C31: 'Goods or services not as described', C32: 'Goods or services damaged or defective',
  P01: 'Unassigned card number', P03: 'Credit processed as charge', P04: 'Charge processed as credit', P05: 'Incorrect charge amount', P07: 'Late submission', P08: 'Duplicate charge', P22: 'Non-matching card number', P23: 'Currency discrepancy',
  A01: 'Charge amount exceeds authorization amount', A02: 'No valid authorization', A08: 'Authorization approval expired', M01: 'Chargeback authorization',
};
const DISCOVER: Record<string, string> = {
  UA01: 'Fraud, card present', UA02: 'Fraud, card not present', UA05: 'Fraud, chip counterfeit', UA06: 'Fraud, chip and PIN',
  AA: 'Does not recognize', AP: 'Recurring payments', AT: 'Authorization noncompliance', AW: 'Altered amount', CD: 'Credit/debit posted incorrectly', DA: 'Declined authorization', DP: 'Duplicate processing',
  EX: 'Expired card', IN: 'Invalid card number', LP: 'Late presentment', NA: 'No authorization', PM: 'Paid by other means', RG: 'Non-receipt of goods or services', RM: 'Quality of goods or services', RN2: 'Credit not processed',
};

/** A reason code's network, fraud label and meaning (a code is compared upper case, trimmed). */
export function reasonCode(code: string | null): ReasonCode {
  const c = (code ?? '').trim().toUpperCase();
  if (/^1[0-3]\.\d{1,2}$/.test(c)) return { network: 'visa', fraud: c.startsWith('10.'), description: VISA[c] ?? null };
  if (/^48\d\d$/.test(c)) return { network: 'mastercard', fraud: MASTERCARD_FRAUD.has(c), description: MASTERCARD[c] ?? null };
  if (/^(F\d{2}|FR\d|C\d{2}|P\d{2}|A\d{2}|M\d{2}|R\d{2})$/.test(c)) return { network: 'amex', fraud: c.startsWith('F'), description: AMEX[c] ?? null };
  if (/^(UA\d{2}|RN2|[A-Z]{2})$/.test(c)) return { network: 'discover', fraud: c.startsWith('UA'), description: DISCOVER[c] ?? null };
  return { network: null, fraud: null, description: null };
}
