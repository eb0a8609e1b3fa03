/**
 * `konduit import build --init`: a first mapping.yaml from an export's header and first rows (and from the
 * other sources given: a notes export, a processor's card export). The plan (pure, `planInitMapping`)
 * holds every guess with its reason and confidence (guess-columns.ts), the date format and zone read
 * from the data (guess-dates.ts), the derivations the export needs, value maps for the values seen, and a
 * lookup to fill with the CRM's ids; `renderTemplate` writes it as YAML for the merchant to review.
 * High-confidence guesses are filled in, medium ones filled in and marked "# REVIEW", low ones left
 * commented out. The CRM's ids are never guessed: they are listed (konduit crm ids) for the merchant.
 */
import { columnsByKind } from '../spec/columns.js';
import type { CrmIdLists } from '../../core/crm-ids.js';
import { CRM_IDS, guessColumns, profileValues, type ColumnGuess } from './guess-columns.js';
import { guessDateFormat, headerSaysUtc, type DateGuess } from './guess-dates.js';
import { COMBINED_EXPIRY, PRODUCT_KEYS, SUBSCRIPTION_KEYS } from './synonyms.js';


/** A source file as --init sees it: its header and first rows. */
export interface InitSource {
  name: string;
  header: readonly string[];
  samples: readonly (readonly string[])[];
}

/** Everything the template says, decided (pure). */
export interface InitPlan {
  source: InitSource;
  transactions: ColumnGuess[];
  dates: { dateTime: DateGuess | null; date: DateGuess | null; zone: string; zoneReason: string };
  derive: {
    billShipSame?: string;
    cardExpiry?: { from: string; reason: string };
    subscription?: { by: string; reason: string };
    disputes?: { column: string; values: string[]; parent: string | null; reason: string };
  };
  values: { column: string; map: [string, string][]; unknown: string[] }[];
  product: { column: string; values: string[] } | null;
  notes: { source: number; name: string; guesses: ColumnGuess[] } | null;
  joins: { source: number; name: string; on: [string, string] | null; columns: [string, string][] }[];
  crmIds: CrmIdLists | null;
  unused: string[];
}

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');
const inList = (h: string, list: readonly string[]) => list.some((x) => norm(x) === norm(h));
const column = (src: InitSource, h: string) => src.samples.map((r) => r[src.header.indexOf(h)] ?? '');

/** Known source values of the enum and bit columns (words compared without case, spaces or punctuation). */
const VALUE_WORDS: Record<string, Record<string, string>> = {
  paySource: Object.fromEntries([
    ...['visa', 'mastercard', 'amex', 'americanexpress', 'discover', 'jcb', 'dinersclub', 'card', 'creditcard', 'cc', 'debitcard', 'shopifypayments', 'credit'].map((w) => [w, 'CREDITCARD']),
    ...['ach', 'echeck', 'check', 'ck', 'bank', 'bankaccount', 'directdebit'].map((w) => [w, 'CHECK']),
    ['prepaid', 'PREPAID'],
  ]),
  txnType: Object.fromEntries([
    ...['sale', 'charge', 'payment', 'purchase', 'checkout', 'recurring', 'rebill', 'authcapture', 'authorizationwautocapture', 'authorizationandcapture', 'subscription'].map((w) => [w, 'SALE']),
    ...['refund', 'credit', 'refunded'].map((w) => [w, 'REFUND']),
    ...['auth', 'authorize', 'authorization', 'authonly', 'authorizationonly'].map((w) => [w, 'AUTHORIZE']),
    ...['capture', 'priorauthcapture', 'priorauthorizationcapture'].map((w) => [w, 'CAPTURE']),
  ]),
  responseType: Object.fromEntries([
    ...['success', 'succeeded', 'successful', 'approved', 'paid', 'settled', 'settledsuccessfully', 'refundsettledsuccessfully', 'complete', 'completed', 'captured', 'capturedpendingsettlement', 'pendingsettlement', 'refunded', 'partiallyrefunded', '1'].map((w) => [w, 'SUCCESS']),
    ...['declined', 'decline', 'failed', 'failure', 'error', 'denied', 'generalerror', '0'].map((w) => [w, 'DECLINE']),
  ]),
  isActiveRecurring: Object.fromEntries([
    ...['active', 'live', 'trial', 'intrial', 'onhold'].map((w) => [w, '1']),
    ...['cancelled', 'canceled', 'expired', 'paused', 'inactive', 'churned', 'nonrenewing'].map((w) => [w, '0']),
  ]),
  achAccountType: { checking: 'CHECKING', savings: 'SAVINGS', personalchecking: 'CHECKING', businesschecking: 'CHECKING', personalsavings: 'SAVINGS' },
};
VALUE_WORDS.responseText = VALUE_WORDS.responseType!;
const DISPUTE_WORDS = new Set(['dispute', 'chargeback', 'disputed', 'chargedback']);
const VOID_WORDS = new Set(['void', 'voided']);

/** Plans the first mapping from the main source and the others (pure). */
export function planInitMapping(main: InitSource, others: readonly InitSource[] = [], crmIds: CrmIdLists | null = null): InitPlan {
  const guesses = guessColumns(main.header, main.samples);
  const g = new Map(guesses.map((x) => [x.column, x]));
  const filled = (c: string) => {
    const x = g.get(c);
    return x && x.source && x.confidence !== 'low' ? x.source : null;
  };
  const derive: InitPlan['derive'] = {};

  // A combined expiry column is split, never mapped to a month or a year.
  const expiry = main.header.find((h) => inList(h, COMBINED_EXPIRY) && (profileValues(column(main, h)).share.expiry ?? 1) >= 0.5);
  if (expiry && !filled('cardExpiryMonth')) {
    derive.cardExpiry = { from: expiry, reason: `"${expiry}" holds month and year in one cell` };
    for (const c of ['cardExpiryMonth', 'cardExpiryYear']) g.set(c, { column: c, source: null, score: 0, confidence: 'low', reasons: [] });
  }
  if (!filled('billShipSame') && ['shipAddress1', 'shipCity', 'shipPostalCode'].some(filled)) {
    derive.billShipSame = 'no column says whether shipping is billing: compare the address blocks';
  }
  const subKey = main.header.find((h) => inList(h, SUBSCRIPTION_KEYS));
  if (subKey && (filled('isActiveRecurring') || filled('nextBillDate'))) {
    derive.subscription = { by: subKey, reason: `the subscription's status is on every row: keep it on each "${subKey}"'s latest sale only` };
  }
  const typeSource = filled('txnType');
  if (typeSource) {
    const disputes = profileValues(column(main, typeSource)).distinct.filter((v) => DISPUTE_WORDS.has(norm(v)));
    if (disputes.length > 0) derive.disputes = { column: typeSource, values: disputes, parent: filled('parentTxnId'), reason: `"${typeSource}" has dispute rows: they become chargeback columns of their parent` };
  }

  const values: InitPlan['values'] = [];
  for (const [col, words] of Object.entries(VALUE_WORDS)) {
    const src = filled(col);
    if (!src) continue;
    const seen = profileValues(column(main, src)).distinct;
    const spec = columnsByKind.transactions.find((c) => c.name === col);
    const map: [string, string][] = [];
    const unknown: string[] = [];
    for (const v of seen) {
      if (spec?.values?.includes(v) || (col === 'isActiveRecurring' && /^[01]$/.test(v))) continue;
      const to = words[norm(v)];
      if (to) map.push([v, to]);
      else if (!(col === 'txnType' && (DISPUTE_WORDS.has(norm(v)) || VOID_WORDS.has(norm(v))))) unknown.push(v);
    }
    if (map.length > 0 || unknown.length > 0) values.push({ column: col, map, unknown });
  }

  const dateSource = filled('dateCreated');
  const dateTime = dateSource ? guessDateFormat(column(main, dateSource)) : null;
  const dateOnlySource = ['nextBillDate', 'shipDate', 'chargebackDate'].map(filled).find((s) => s && guessDateFormat(column(main, s)));
  const date = dateOnlySource ? guessDateFormat(column(main, dateOnlySource)) : null;
  let zone = '?';
  let zoneReason = 'the date-times carry no UTC offset: say which zone the export writes them in';
  if (dateTime?.offset) [zone, zoneReason] = ['UTC', 'the date-times carry their own UTC offset (so this zone is not used)'];
  else if (dateSource && headerSaysUtc(dateSource)) [zone, zoneReason] = ['UTC', `"${dateSource}" says UTC`];

  const productColumn = main.header.find((h) => inList(h, PRODUCT_KEYS));
  const product = productColumn ? { column: productColumn, values: profileValues(column(main, productColumn)).distinct } : null;

  const plan: InitPlan = {
    source: main,
    transactions: [...g.values()],
    dates: { dateTime, date, zone, zoneReason },
    derive,
    values,
    product,
    notes: null,
    joins: [],
    crmIds,
    unused: [],
  };
  others.forEach((o, i) => planOther(plan, o, i + 2));
  const used = new Set<string>([...plan.transactions.flatMap((x) => (x.source && x.confidence !== 'low' ? [x.source] : [])), ...(expiry && derive.cardExpiry ? [expiry] : []), ...(subKey && derive.subscription ? [subKey] : []), ...(productColumn ? [productColumn] : [])]);
  plan.unused = main.header.filter((h) => !used.has(h));
  return plan;
}

/** The pair of columns (this file's, the other file's) whose sample values overlap most, when at least half of the other's do. */
function joinKey(main: InitSource, other: InitSource, skip: ReadonlySet<string>): [string, string] | null {
  let best: { pair: [string, string]; share: number } | null = null;
  other.header.forEach((oh, j) => {
    if (skip.has(oh)) return;
    const theirs = new Set(other.samples.map((r) => (r[j] ?? '').trim()).filter((v) => v !== ''));
    if (theirs.size === 0) return;
    main.header.forEach((mh, i) => {
      const mine = new Set(main.samples.map((r) => (r[i] ?? '').trim()));
      let hits = 0;
      for (const v of theirs) if (mine.has(v)) hits++;
      const share = hits / theirs.size;
      if (share >= 0.5 && (!best || share > best.share)) best = { pair: [mh, oh], share };
    });
  });
  return (best as { pair: [string, string] } | null)?.pair ?? null;
}

/** Another source: a notes export (a note text column) or a card export to join (a column of card numbers). */
function planOther(plan: InitPlan, o: InitSource, n: number): void {
  const notes = guessColumns(o.header, o.samples, 'notes');
  const sure = (c: string) => notes.find((x) => x.column === c && x.source && x.confidence !== 'low');
  if (sure('noteText') && sure('customerId')) {
    plan.notes = { source: n, name: o.name, guesses: notes };
    return;
  }
  const cards = guessColumns(o.header, o.samples).filter((x) => x.source && x.confidence !== 'low' && ['cardNumber', 'cardExpiryMonth', 'cardExpiryYear', 'externalToken'].includes(x.column));
  if (!cards.some((x) => x.column === 'cardNumber')) return;
  // The key: the other file's column whose values this file holds most of (a customer or vault id).
  const key = joinKey(plan.source, o, new Set(cards.filter((x) => x.column === 'cardNumber').map((x) => x.source as string)));
  const on: [string, string] | null = key;
  const columns = cards.filter((x) => !key || x.source !== key[1]).map((x) => [x.column, x.source as string] as [string, string]);
  plan.joins.push({ source: n, name: o.name, on, columns });
  // Joined columns come from the other file: the main file's guesses for them are dropped.
  for (const [c] of plan.joins.at(-1)!.columns) {
    const t = plan.transactions.find((x) => x.column === c);
    if (t) Object.assign(t, { source: null, score: 0, confidence: 'low', reasons: [] });
    if (c === 'cardExpiryMonth') delete plan.derive.cardExpiry;
  }
}

const yq = (s: string) => JSON.stringify(s);

function guessLine(x: ColumnGuess, sample: (h: string) => string): string {
  const why = x.reasons.join('; ');
  const ex = x.source ? sample(x.source) : '';
  const eg = ex ? `; e.g. ${ex}` : '';
  if (!x.source) return `    # ${x.column}:`;
  if (x.confidence === 'high') return `    ${x.column}: ${yq(x.source)}  # ${why}${eg}`;
  if (x.confidence === 'medium') return `    ${x.column}: ${yq(x.source)}  # REVIEW (medium confidence): ${why}${eg}`;
  return `    # ${x.column}: ${yq(x.source)}  # LOW confidence, left for you: ${why}${eg}`;
}

/** The mapping.yaml text of a plan (pure). */
export function renderTemplate(plan: InitPlan): string {
  const src = plan.source;
  const sample = (h: string) => {
    const vals = profileValues(column(src, h)).distinct.slice(0, 3);
    return vals.map((v) => (/\d{12,}/.test(v.replace(/[\s-]/g, '')) ? '(number hidden)' : v.length > 30 ? `${v.slice(0, 29)}…` : v)).join(' | ');
  };
  const { dateTime, date, zone, zoneReason } = plan.dates;
  const fmt = (d: DateGuess | null, fallback: string) => (d ? d.format : fallback);
  const fmtNote = (d: DateGuess | null) =>
    d === null ? 'REVIEW: not read from the data' : d.format.includes('|') ? `REVIEW: choose one: no value of ${d.seen} has a part above 12, e.g. "${d.example}"` : `read from ${d.seen} values, e.g. "${d.example}"`;
  const lines: string[] = [
    `# konduit import build mapping, made by \`konduit import build --init\` from ${src.name}.`,
    '# Every guess says why. High confidence: filled in. "# REVIEW": a guess to check (then remove the mark).',
    '# Commented out: a low-confidence guess or no source column: map one, give a constant, or leave it out if optional.',
    '# Reference: docs/migration.md ("Build", "Derivations") and docs/import-files.md (every column).',
    'version: 1',
    'source:',
    `  timeZone: ${yq(zone)}  # ${zone === '?' ? 'REVIEW: ' : ''}${zoneReason}`,
    `  dateTimeFormat: ${yq(fmt(dateTime, 'YYYY-MM-DD HH:mm:ss'))}  # ${fmtNote(dateTime)}; tokens YYYY YY MM M DD D HH H hh h mm ss SSS A Z`,
    `  dateFormat: ${yq(fmt(date, dateTime ? dateTime.format.split(/[ T]/)[0]! : 'YYYY-MM-DD'))}  # ${date ? fmtNote(date) : 'dates (next bill, ship, chargeback); a date-time there is read with dateTimeFormat'}`,
    'target:',
    '  timeZone: America/New_York  # REVIEW: the CRM account\'s time zone',
    'transactions:',
    '  source: 1',
    '  columns:                          # import column: source column',
  ];
  for (const x of plan.transactions) if (!CRM_IDS.has(x.column)) lines.push(guessLine(x, sample));
  lines.push('  constants:                        # the same value on every row: ids from the CRM (step 4 of the CRM\'s migration guide)');
  if (!plan.product) {
    lines.push('    campaignId: ""                  # REVIEW: konduit crm ids (or CRM > Campaigns, ID column)');
    lines.push('    productId: ""                   # REVIEW: the CAMPAIGN product id, not the base product id (konduit crm ids)');
  }
  lines.push('    merchantId: ""                  # REVIEW: the MID future rebills run on (konduit crm ids, or CRM > Merchants)');
  const has = (c: string) => plan.transactions.some((x) => x.column === c && x.source && x.confidence !== 'low') || plan.joins.some((j) => j.columns.some(([k]) => k === c));
  if (!has('shipTotal')) lines.push('    shipTotal: "0.00"               # REVIEW: the export has no shipping column');
  if (!has('salesTax')) lines.push('    salesTax: "0.00"                # REVIEW: the export has no tax column');
  if (!has('paySource') && has('cardNumber')) lines.push('    paySource: CREDITCARD           # REVIEW: every row is a card payment');
  if (plan.crmIds) {
    lines.push('  # The CRM\'s ids (konduit crm ids): campaigns, their campaign products (the id the import wants), MIDs.');
    for (const c of plan.crmIds.campaigns) {
      lines.push(`  #   campaign ${c.campaignId} ${yq(c.name)}:`);
      for (const p of c.products) lines.push(`  #     productId ${p.campaignProductId}: ${p.name} (${p.billing === 'UNKNOWN' ? 'one-time or recurring: check the CRM' : p.billing})`);
    }
    for (const m of plan.crmIds.mids) lines.push(`  #   merchantId ${m.merchantId}: ${m.name}${m.descriptor ? ` (${m.descriptor})` : ''}`);
  }
  if (plan.product) {
    lines.push('  lookups:                          # ids per legacy product or plan: the CAMPAIGN product id (one-time or recurring as sold)');
    lines.push(`    - by: ${yq(plan.product.column)}`);
    lines.push('      values:');
    for (const v of plan.product.values) lines.push(`        ${yq(v)}: { campaignId: "", productId: "" }  # REVIEW`);
  }
  lines.push('  values:                           # value maps: source value -> import value ("" maps an empty cell)');
  for (const v of plan.values) {
    const pairs = v.map.map(([a, b]) => `${yq(a)}: ${yq(b)}`);
    lines.push(`    ${v.column}: { ${pairs.join(', ')} }${v.unknown.length ? `  # REVIEW: also seen, map them: ${v.unknown.map(yq).join(', ')}` : ''}`);
  }
  const j = plan.joins;
  if (j.length > 0) {
    lines.push('  joins:                            # columns from another SOURCE file, matched by a key');
    for (const x of j) {
      lines.push(`    - source: ${x.source}                    # ${x.name}`);
      lines.push(x.on ? `      on: { ${yq(x.on[0])}: ${yq(x.on[1])} }  # REVIEW: this file's column: that file's column` : '      on: { "?": "?" }  # REVIEW: the key both files share (a customer or vault id)');
      lines.push(`      columns: { ${x.columns.map(([a, b]) => `${a}: ${yq(b)}`).join(', ')} }`);
    }
  }
  const d = plan.derive;
  if (Object.keys(d).length > 0) {
    lines.push('  derive:                           # values no single column holds (docs/migration.md, "Derivations")');
    if (d.billShipSame) lines.push(`    billShipSame: sameAddress        # ${d.billShipSame}`);
    if (d.cardExpiry) lines.push(`    cardExpiry: { from: ${yq(d.cardExpiry.from)} }  # ${d.cardExpiry.reason}`);
    if (d.subscription) lines.push(`    subscription: { by: ${yq(d.subscription.by)} }  # REVIEW: ${d.subscription.reason}`);
    if (d.disputes) {
      lines.push(`    disputes: { when: { column: ${yq(d.disputes.column)}, values: [${d.disputes.values.map(yq).join(', ')}] }, parent: ${d.disputes.parent ? yq(d.disputes.parent) : '"?"'} }  # REVIEW: ${d.disputes.reason}${d.disputes.parent ? '' : '; name the column holding the parent transaction id'}`);
    }
  }
  if (plan.notes) {
    lines.push('notes:');
    lines.push(`  source: ${plan.notes.source}                         # ${plan.notes.name}`);
    lines.push('  columns:');
    const notesSample = (h: string) => h;
    for (const x of plan.notes.guesses) lines.push(guessLine(x, notesSample).replace(/; e\.g\. .*$/, ''));
  } else {
    lines.push('# notes:                            # Customer Notes, e.g. from a second SOURCE file');
    lines.push('#   source: 2');
    lines.push('#   columns: { customerId: "...", dateCreated: "...", agentName: "...", noteText: "..." }');
  }
  lines.push('# details:                          # Additional Customer Details (one row per customer)');
  lines.push('#   source: 1');
  lines.push('#   columns: { customerId: "...", loginId: "...", custom1: "..." }');
  if (plan.unused.length > 0) lines.push(`# Source columns not used: ${plan.unused.map(yq).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/** The mapping.yaml template for a source (pure): planInitMapping, then renderTemplate. */
export function mappingTemplate(header: readonly string[], sourceName: string, samples: readonly (readonly string[])[] = [], others: readonly InitSource[] = [], crmIds: CrmIdLists | null = null): string {
  return renderTemplate(planInitMapping({ name: sourceName, header, samples }, others, crmIds));
}
