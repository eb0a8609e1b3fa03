/**
 * `import build --init`'s first mapping (issue 17, item 3): each source column is scored against each
 * import column by its name (the import column's own name, then the platforms' synonyms of
 * synonyms.ts) and by its content (a column of Luhn-valid numbers is a card number, of date-times a
 * date, of SUCCESS/DECLINE-like words a response type, ...). Every guess carries its reasons and a
 * confidence; the template fills in high and medium ones (medium marked for review) and leaves low ones
 * commented out for the merchant. The CRM's ids are never guessed. Pure.
 */
import { isCardLike } from '../spec/card-numbers.js';
import { columnsByKind, type FileKind } from '../spec/columns.js';
import { caProvinceCodes, countryCodes, usStateCodes } from '../spec/regions.js';
import { DETAIL_SYNONYMS, NOTE_SYNONYMS, TRANSACTION_SYNONYMS } from './synonyms.js';

/** What a value can be. */
export type ContentKind =
  | 'card' | 'damagedCard' | 'maskedCard' | 'email' | 'datetime' | 'date' | 'money' | 'int' | 'phone' | 'country' | 'region' | 'postal'
  | 'responseWord' | 'txnTypeWord' | 'activeWord' | 'payWord' | 'bitWord' | 'expiry' | 'month' | 'year' | 'routing' | 'name' | 'id' | 'text';

/** The share of a column's non-empty sample values of each kind. */
export interface ContentProfile {
  filled: number;
  share: Partial<Record<ContentKind, number>>;
  /** Distinct values (the first 12), for value maps. */
  distinct: string[];
}

const word = (v: string) => v.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
const RESPONSE = new Set(['success', 'succeeded', 'successful', 'approved', 'paid', 'settled', 'settledsuccessfully', 'complete', 'completed', 'captured', 'declined', 'decline', 'failed', 'failure', 'error', 'denied', 'generalerror', 'pendingsettlement', 'capturedpendingsettlement']);
const TXN_TYPE = new Set(['sale', 'charge', 'refund', 'credit', 'auth', 'authorize', 'authorization', 'authonly', 'authcapture', 'capture', 'priorauthcapture', 'priorauthcapturetransaction', 'authorizationandcapture', 'authorizationwautocapture', 'authorizationonly', 'priorauthorizationcapture', 'void', 'dispute', 'chargeback', 'payment', 'purchase', 'checkout', 'recurring', 'rebill']);
const ACTIVE = new Set(['active', 'cancelled', 'canceled', 'expired', 'paused', 'inactive', 'live', 'trial', 'intrial', 'onhold', 'nonrenewing', 'churned']);
const PAY = new Set(['ck', 'visa', 'mastercard', 'amex', 'americanexpress', 'discover', 'card', 'creditcard', 'cc', 'debitcard', 'ach', 'echeck', 'check', 'bankaccount', 'bank', 'prepaid', 'jcb', 'dinersclub', 'shopifypayments']);
const BIT = new Set(['yes', 'no', 'true', 'false', 'y', 'n', '0', '1']);
const STATE_NAMES = new Set(['alabama', 'alaska', 'arizona', 'california', 'colorado', 'florida', 'georgia', 'illinois', 'massachusetts', 'newyork', 'texas', 'ontario', 'quebec', 'britishcolumbia', 'washington', 'oregon', 'nevada', 'ohio', 'michigan', 'virginia']);


/** The kinds one value can be. */
export function kindsOf(raw: string): ContentKind[] {
  const v = raw.trim();
  const out: ContentKind[] = [];
  const digits = v.replace(/[\s-]/g, '');
  const w = word(v);
  if (/^\d{13,19}$/.test(digits) && isCardLike(digits)) out.push('card');
  if (/^\d(\.\d+)?E\+\d+$/i.test(v)) out.push('damagedCard');
  if (/^[\dXx*]{12,19}$/.test(digits) && /[Xx*]{4,}/.test(digits) && /\d{4}$/.test(digits)) out.push('maskedCard');
  if (/^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$/.test(v)) out.push('email');
  if (/^(\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}[ T]\d{1,2}:\d{2}|\d{14}$)/.test(v)) out.push('datetime');
  else if (/^(\d{4}-\d{2}-\d{2}|\d{1,2}[/.-]\d{1,2}[/.-](\d{4}|\d{2}))$/.test(v)) out.push('date');
  if (/^-?\$?(\d{1,3}(,\d{3})+|\d+)\.\d{2}$/.test(v) || /^-?\$\d+$/.test(v)) out.push('money');
  if (/^-?\d{1,6}$/.test(v)) out.push('int');
  const phoneDigits = v.replace(/[\s().+-]/g, '');
  if (/^\+?[\d\s().-]{7,20}$/.test(v) && /^\d{10,15}$/.test(phoneDigits) && (/[\s().+-]/.test(v) || phoneDigits.length === 10 || phoneDigits.length === 11)) out.push('phone');
  const up = v.toUpperCase();
  if ((v.length === 2 && countryCodes.has(up)) || ['unitedstates', 'usa', 'canada', 'unitedkingdom'].includes(w)) out.push('country');
  if ((v.length === 2 && (usStateCodes.has(up) || caProvinceCodes.has(up))) || STATE_NAMES.has(w)) out.push('region');
  if (/^\d{3,5}(-\d{4})?$/.test(v) || /^[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d$/.test(v)) out.push('postal');
  if (RESPONSE.has(w)) out.push('responseWord');
  if (TXN_TYPE.has(w)) out.push('txnTypeWord');
  if (ACTIVE.has(w)) out.push('activeWord');
  if (PAY.has(w)) out.push('payWord');
  if (BIT.has(w)) out.push('bitWord');
  if (/^(0?[1-9]|1[0-2])\s*[/-]\s*(\d{2}|\d{4})$/.test(v) || /^(0[1-9]|1[0-2])\d{2}$/.test(v)) out.push('expiry');
  if (/^(0?[1-9]|1[0-2])$/.test(v)) out.push('month');
  if (/^(20\d{2}|\d{2})$/.test(v)) out.push('year');
  if (/^\d{9}$/.test(v) && routingValid(v)) out.push('routing');
  if (/^[\p{L}][\p{L}' .-]{0,40}$/u.test(v) && !/\d/.test(v)) out.push('name');
  if (/^[#A-Za-z0-9_:.-]{1,40}$/.test(v) && /\d/.test(v)) out.push('id');
  out.push('text');
  return out;
}

function routingValid(v: string): boolean {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (i % 3 === 0 ? 3 : i % 3 === 1 ? 7 : 1) * Number(v[i]);
  return sum % 10 === 0;
}

/** Profiles a column's sample values (pure). */
export function profileValues(values: readonly string[]): ContentProfile {
  const filled = values.filter((v) => v.trim() !== '');
  const counts: Partial<Record<ContentKind, number>> = {};
  for (const v of filled) for (const k of kindsOf(v)) counts[k] = (counts[k] ?? 0) + 1;
  const share: Partial<Record<ContentKind, number>> = {};
  for (const [k, n] of Object.entries(counts)) share[k as ContentKind] = n / filled.length;
  return { filled: filled.length, share, distinct: [...new Set(filled.map((v) => v.trim()))].slice(0, 12) };
}

/** What content each import column expects (any of these kinds). */
const EXPECTS: Record<string, readonly ContentKind[]> = {
  customerId: ['id', 'email'], orderId: ['id'], merchantTxnId: ['id'], parentTxnId: ['id'], authCode: ['id'], externalToken: ['id'],
  dateCreated: ['datetime'], nextBillDate: ['date', 'datetime'], shipDate: ['date', 'datetime'], chargebackDate: ['date', 'datetime'],
  isActiveRecurring: ['activeWord', 'bitWord'], paySource: ['payWord'], cardNumber: ['card', 'damagedCard', 'maskedCard'],
  cardExpiryMonth: ['month'], cardExpiryYear: ['year'], achRoutingNumber: ['routing'], achAccountNumber: ['int', 'id'], achAccountType: ['text'],
  txnType: ['txnTypeWord'], subTotal: ['money', 'int'], shipTotal: ['money', 'int'], salesTax: ['money', 'int'], totalAmount: ['money', 'int'], chargebackTotal: ['money', 'int'],
  responseType: ['responseWord'], responseText: ['responseWord', 'text'], firstName: ['name'], lastName: ['name'], city: ['name'], state: ['region', 'name'],
  shipState: ['region', 'name'], country: ['country'], shipCountry: ['country'], postalCode: ['postal'], shipPostalCode: ['postal'],
  phoneNumber: ['phone'], homePhone: ['phone'], cellPhone: ['phone'], workPhone: ['phone'], emailAddress: ['email'], billShipSame: ['bitWord'],
  isChargedback: ['bitWord'], quantity: ['int'],
};

/**
 * Content alone is evidence enough for these (the kind, the share of values it needs, the score): a
 * column of Luhn-valid numbers is a card number wherever it stands.
 */
const BY_CONTENT: [ContentKind, string, number][] = [
  ['card', 'cardNumber', 80],
  ['email', 'emailAddress', 75],
  ['routing', 'achRoutingNumber', 70],
  ['responseWord', 'responseType', 72],
  ['activeWord', 'isActiveRecurring', 72],
  ['txnTypeWord', 'txnType', 70],
  ['payWord', 'paySource', 70],
  ['datetime', 'dateCreated', 55],
];

const WORDS = new Set<ContentKind>(['responseWord', 'activeWord', 'txnTypeWord', 'payWord']);

/** The CRM's own ids: they come from the CRM (konduit crm ids), never from an export. */
export const CRM_IDS = new Set(['campaignId', 'productId', 'merchantId', 'variantDetailId']);

/** How sure a guess is: high is filled in, medium is filled in for review, low is left for the merchant. */
export type Confidence = 'high' | 'medium' | 'low';

/** A guess for one import column. */
export interface ColumnGuess {
  column: string;
  source: string | null;
  score: number;
  confidence: Confidence;
  /** Why, for the template's comment: "synonym \"Billing Zip\"", "content: 5-digit ZIP codes". */
  reasons: string[];
}

/** The confidence of a score: 85 and up high, 65 to 84 medium, below low. */
export const confidenceOf = (score: number): Confidence => (score >= 85 ? 'high' : score >= 65 ? 'medium' : 'low');

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const tokens = (s: string) => s.toLowerCase().replace(/([a-z])([A-Z])/g, '$1 $2').split(/[^a-z0-9]+/).filter(Boolean);

const SYNONYMS_OF: Record<FileKind, Record<string, readonly string[]>> = { transactions: TRANSACTION_SYNONYMS, notes: NOTE_SYNONYMS, details: DETAIL_SYNONYMS };

/** The name score of a header for an import column, and why (pure). */
function nameScore(header: string, column: string, synonyms: readonly string[]): { score: number; reason: string } | null {
  const h = norm(header);
  if (h === norm(column)) return { score: 100, reason: 'same name' };
  const hit = synonyms.find((s) => norm(s) === h);
  if (hit) return { score: 90, reason: `synonym "${hit}"` };
  // Every word of a two-word-or-longer synonym in the header ("Billing Address Zip Code" has "billing zip").
  const ht = new Set(tokens(header));
  const partial = synonyms.find((s) => tokens(s).length >= 2 && tokens(s).every((t) => ht.has(t)));
  if (partial) return { score: 70, reason: `like "${partial}"` };
  return null;
}

/** Scores one source column for one import column from name and content (pure). */
function scoreOne(header: string, column: string, synonyms: readonly string[], p: ContentProfile): { score: number; reasons: string[] } | null {
  const byName = nameScore(header, column, synonyms);
  const expects = EXPECTS[column] ?? [];
  const agree = Math.max(0, ...expects.map((k) => p.share[k] ?? 0));
  // A column of words is evidence only when it varies: one value ("credit" on every row) says little.
  const content = BY_CONTENT.find(([k, c]) => c === column && (p.share[k] ?? 0) >= 0.8 && (!WORDS.has(k) || p.distinct.length >= 2));
  let score = byName?.score ?? 0;
  const reasons = byName ? [byName.reason] : [];
  if (content && !byName) {
    score = content[2];
    reasons.push(`content: ${describe(content[0])}`);
  } else if (byName && p.filled >= 3 && expects.length > 0) {
    if (agree >= 0.8) {
      score = Math.min(100, score + 5);
      if (content) score = Math.max(score, 95);
      reasons.push(`content agrees (${Math.round(agree * 100)}%)`);
    } else if (agree < 0.3) {
      score -= 35;
      reasons.push(`content does not look like ${column} (${Math.round(agree * 100)}% of values)`);
    } else {
      score -= 10;
      reasons.push(`content partly agrees (${Math.round(agree * 100)}%)`);
    }
  }
  return score > 0 ? { score, reasons } : null;
}

function describe(k: ContentKind): string {
  const text: Partial<Record<ContentKind, string>> = {
    card: 'Luhn-valid card numbers', email: 'email addresses', routing: 'ABA routing numbers', responseWord: 'approved/declined-like words',
    activeWord: 'active/cancelled-like words', txnTypeWord: 'sale/refund-like words', payWord: 'card brands or payment methods', datetime: 'date-times',
  };
  return text[k] ?? k;
}

/**
 * Guesses the source column of each import column of a file kind from a header and sample rows (pure).
 * Pairs are taken best first, each source column once, except that responseText follows responseType,
 * and subTotal and totalAmount share the one amount column when there is only one.
 */
export function guessColumns(header: readonly string[], samples: readonly (readonly string[])[] = [], kind: FileKind = 'transactions'): ColumnGuess[] {
  const specs = columnsByKind[kind].filter((c) => !CRM_IDS.has(c.name));
  const synonyms = SYNONYMS_OF[kind];
  const profiles = header.map((_, i) => profileValues(samples.map((r) => r[i] ?? '')));
  const pairs: { column: string; source: string; score: number; reasons: string[] }[] = [];
  header.forEach((h, i) => {
    for (const spec of specs) {
      const s = scoreOne(h, spec.name, synonyms[spec.name] ?? [], profiles[i]!);
      if (s && s.score >= 40) pairs.push({ column: spec.name, source: h, ...s });
    }
  });
  // Best first; on a tie the synonym listed earlier for the column (more specific) wins.
  pairs.sort((a, b) => b.score - a.score || rank(a) - rank(b));
  const byColumn = new Map<string, ColumnGuess>();
  const used = new Set<string>();
  for (const p of pairs) {
    if (byColumn.has(p.column) || used.has(p.source)) continue;
    byColumn.set(p.column, { column: p.column, source: p.source, score: p.score, confidence: confidenceOf(p.score), reasons: p.reasons });
    used.add(p.source);
  }
  const share = (to: string, from: string, why: string, penalty: number) => {
    const g = byColumn.get(from);
    if (byColumn.has(to) || !g) return;
    const score = g.score - penalty;
    byColumn.set(to, { column: to, source: g.source, score, confidence: confidenceOf(score), reasons: [why] });
  };
  if (kind === 'transactions') {
    // "Amount" is the subtotal beside a total column, and the total where it is the only amount.
    const sub = byColumn.get('subTotal');
    if (sub?.source && norm(sub.source) === 'amount' && !byColumn.has('totalAmount')) {
      byColumn.set('totalAmount', { ...sub, column: 'totalAmount', reasons: [...sub.reasons, 'the only amount column, so the total'] });
      byColumn.delete('subTotal');
    }
    share('responseText', 'responseType', 'the same column as responseType (the import wants SUCCESS or DECLINE in both)', 0);
    if (!byColumn.has('shipTotal') && !byColumn.has('salesTax')) {
      share('subTotal', 'totalAmount', 'the only amount column: no shipping or tax is charged separately', 15);
      share('totalAmount', 'subTotal', 'the only amount column: no shipping or tax is charged separately', 15);
    }
    share('customerId', 'emailAddress', 'no customer id column: the email identifies the customer', 25);
  }
  function rank(p: { column: string; source: string }): number {
    const list = synonyms[p.column] ?? [];
    const i = list.findIndex((s) => norm(s) === norm(p.source));
    return i < 0 ? list.length : i;
  }
  return specs.map((s) => byColumn.get(s.name) ?? { column: s.name, source: null, score: 0, confidence: 'low', reasons: [] });
}
