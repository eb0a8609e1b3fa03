/**
 * Cost files and rows as a change of a connection's costs (docs/economics.md, "Entering costs"): a CSV
 * whose header names its layout (ad spend exported by Meta Ads, Google Ads or TikTok Ads; Konduit's own
 * layouts of spend, product costs, processing rates and payouts; any other spend export through a
 * mapping), a YAML file holding any of them, or rows as the web's tables and the HTTP API send them.
 * Every problem is collected with its file, row and column and what was expected; one problem and
 * nothing is imported (the caller writes the change in one transaction only when there is none).
 * Spend rows of the same day, source, platform and currency are added up, so an export by ad set or by
 * ad imports as its campaigns' totals, and importing it again changes nothing.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { InvalidInputError, UsageError } from '../core/errors.js';
import { SOURCE_KINDS, type PayoutRate, type ProcessingRate, type ProductRate, type SourceKind, type SpendRow } from '../ledger/costs.js';
import type { CostChangeSet, CostKind } from '../store/costs.js';
import { decodeText, delimiterOf, normalHeader, records, type TextRecord } from './text.js';
import { Expected, readAmount, readCurrency, readCycle, readDay, readId, readPercent, readSource, readText, type Read } from './values.js';

/** One problem: where (row: the file's line, or a list index), which column, what. */
export interface CostIssue {
  row: number | null;
  column: string | null;
  message: string;
}

/** Problems with a cost file or rows: nothing was imported. Its message lists the first few. */
export class CostFileError extends InvalidInputError {
  constructor(
    readonly file: string,
    readonly issues: CostIssue[],
  ) {
    const shown = issues.slice(0, 10).map((i) => `${file}${i.row !== null ? `, row ${i.row}` : ''}${i.column !== null ? `, column "${i.column}"` : ''}: ${i.message}`);
    const more = issues.length > shown.length ? `\n(${issues.length - shown.length} more)` : '';
    super(`${shown.join('\n')}${more}`, 'Nothing was imported. Fix the rows named and import the file again.');
  }
}

export interface ReadOptions {
  /** The file's name, for messages. */
  file: string;
  /** The currency of rows that name none: the connection's base currency. */
  currency: string;
  /**
   * For an ad platform's export: which source of customers its rows are. KIND reads each row's campaign
   * (or ad set, ad) name as the value (subaffiliate, utm, affiliate, campaign); KIND:VALUE gives every row
   * that one value (utm:facebook).
   */
  as?: string;
  /** The platform's name to record (default the layout's: meta, google, tiktok, manual). */
  platform?: string;
  /** Another layout of spend: the columns of day, spend, currency (optional) and source (optional with `as`). */
  map?: Partial<Record<'day' | 'spend' | 'currency' | 'source', string>>;
  /** The ids of the connection's campaigns of a name (ignoring case), for a campaign given by name. */
  campaignIds?: (name: string) => number[];
}

/** What a file held. */
export interface ReadResult {
  change: CostChangeSet;
  /** meta, google, tiktok, mapped, spend, products, processing, payouts, yaml. */
  layout: string;
  /** Data rows read, and rows left out as totals. */
  rows: number;
  skipped: number;
}

/** A record's cells by normalised header. */
type Cells = { line: number; get(field: string): string | undefined; column(field: string): string | null };

/** How an ad platform's export (or a mapped one) names its columns. */
interface SpendLayout {
  name: string;
  platform: string;
  day: string[];
  /** Meta's "Reporting ends": a row covering more than one day is refused. */
  end?: string;
  spend: string[];
  /** The spend header may name the currency: "Amount spent (USD)". */
  spendPattern?: RegExp;
  currency: string[];
  source: string[];
}

const META: SpendLayout = {
  name: 'meta', platform: 'meta', day: ['day', 'reporting starts'], end: 'reporting ends', spend: ['amount spent'], spendPattern: /^amount spent(?: \(([a-z]{3})\))?$/, currency: ['currency'],
  source: ['campaign name', 'ad set name', 'ad name'],
};
const GOOGLE: SpendLayout = { name: 'google', platform: 'google', day: ['day', 'date'], spend: ['cost'], currency: ['currency code', 'currency'], source: ['campaign'] };
const TIKTOK: SpendLayout = { name: 'tiktok', platform: 'tiktok', day: ['by day', 'date', 'stat time day', 'day'], spend: ['cost', 'spend', 'total cost'], currency: ['currency'], source: ['campaign name'] };

/** Konduit's own CSV layouts: the fields each takes (normalised headers) and the ones it needs. */
const OWN = {
  spend: { needs: [['day', 'date'], ['spend', 'amount'], ['source']], fields: ['day', 'date', 'spend', 'amount', 'source', 'source kind', 'currency', 'platform'] },
  products: { needs: [['product'], ['cost']], fields: ['product', 'campaign', 'currency', 'from', 'cost', 'fulfilment', 'fulfillment'] },
  processing: { needs: [['mid'], ['rate']], fields: ['mid', 'currency', 'from', 'rate', 'fixed', 'chargeback', 'refund'] },
  payouts: { needs: [['affiliate'], ['cpa']], fields: ['affiliate', 'subaffiliate', 'sub affiliate', 'cycle', 'currency', 'from', 'cpa'] },
} as const;
type OwnKind = keyof typeof OWN;

/** The date a rate without one applies from: the beginning. */
export const ALWAYS = '1970-01-01';

/** Collects issues and reads values, naming their row and column. */
class Reader {
  readonly issues: CostIssue[] = [];
  constructor(readonly o: ReadOptions) {}

  issue(row: number | null, column: string | null, message: string): void {
    this.issues.push({ row, column, message });
  }

  /** A value of a row's field read by `read`; undefined (with an issue) when absent or wrong. */
  value<T>(c: Cells, field: string, read: (text: string) => Read<T>, opts: { optional?: T } = {}): T | undefined {
    const text = c.get(field);
    if (text === undefined || text.trim() === '') {
      if ('optional' in opts) return opts.optional;
      this.issue(c.line, c.column(field) ?? field, `is empty: ${describe(read)}`);
      return undefined;
    }
    const v = read(text);
    if (v instanceof Expected) {
      this.issue(c.line, c.column(field) ?? field, `"${text.trim().slice(0, 60)}" is not valid: expected ${v.text}`);
      return undefined;
    }
    return v;
  }
}

/** What a reader expects, from the message it gives for an empty value. */
function describe<T>(read: (text: string) => Read<T>): string {
  const v = read('');
  return v instanceof Expected ? `expected ${v.text}` : 'a value is needed';
}

/** A record as Cells under a header (first of several names that is present). */
function cellsOf(header: string[], raw: string[], r: TextRecord): Cells {
  const norm = header.map(normalHeader);
  const index = (field: string) => norm.indexOf(field);
  return {
    line: r.line,
    get: (field) => {
      const i = index(field);
      return i < 0 ? undefined : (r.cells[i] ?? '');
    },
    column: (field) => {
      const i = index(field);
      return i < 0 ? null : (raw[i] ?? field);
    },
  };
}

const first = (norm: string[], names: readonly string[]) => names.find((n) => norm.includes(n));

/** The layout a header names, if any. */
function layoutOf(norm: string[], o: ReadOptions): { kind: 'platform'; layout: SpendLayout } | { kind: 'own'; own: OwnKind } | null {
  if (o.map) {
    const col = (v: string | undefined) => (v === undefined ? [] : [normalHeader(v)]);
    const mapped: SpendLayout = { name: 'mapped', platform: 'other', day: col(o.map.day), spend: col(o.map.spend), currency: col(o.map.currency), source: col(o.map.source) };
    return mapped.day.every((d) => norm.includes(d)) && mapped.spend.every((d) => norm.includes(d)) && mapped.day.length > 0 && mapped.spend.length > 0 ? { kind: 'platform', layout: mapped } : null;
  }
  if (norm.some((h) => META.spendPattern?.test(h))) return { kind: 'platform', layout: META };
  for (const own of Object.keys(OWN) as OwnKind[]) if (OWN[own].needs.every((alts) => alts.some((a) => norm.includes(a)))) return { kind: 'own', own };
  if (norm.includes('campaign') && norm.includes('cost')) return { kind: 'platform', layout: GOOGLE };
  if (norm.includes('campaign name') && TIKTOK.spend.some((s) => norm.includes(s))) return { kind: 'platform', layout: TIKTOK };
  return null;
}

/** A source option: KIND (the row's name is the value) or KIND:VALUE (one value for every row). */
function sourceOption(as: string | undefined, layout: SpendLayout, file: string): { kind: SourceKind; fixed: string | null } {
  const platform = { meta: 'a Meta Ads export', google: 'a Google Ads export', tiktok: 'a TikTok Ads export', mapped: 'a spend file read through --map' }[layout.name] ?? layout.name;
  const hint = `Say which source of customers its rows are: --as subaffiliate (each ${layout.source[0] ?? 'source'} is a sub-affiliate value), --as utm:facebook (every row is UTM source facebook), or --as affiliate, --as campaign (a CRM campaign id or name).`;
  if (!as) throw new UsageError(`${file} is ${platform}: its rows name no source of customers Konduit knows`, hint);
  const i = as.indexOf(':');
  const kind = (i < 0 ? as : as.slice(0, i)).trim().toLowerCase().replace(/[-_ ]/g, '') as SourceKind;
  if (!SOURCE_KINDS.includes(kind)) throw new UsageError(`--as "${as}" is not valid: expected KIND or KIND:VALUE with KIND one of ${SOURCE_KINDS.join(', ')}`, hint);
  const fixed = i < 0 ? null : as.slice(i + 1).trim();
  if (fixed === '') throw new UsageError(`--as "${as}" gives no value after the colon`, hint);
  if (fixed === null && layout.source.length === 0) throw new UsageError(`--as ${kind} reads each row's source from a column, but the --map names none: map source=COLUMN, or give --as ${kind}:VALUE`);
  return { kind, fixed };
}

/** A campaign source's value: its id (digits), or the id of the one campaign of that name. */
function campaignValue(r: Reader, c: Cells, column: string, text: string): string | undefined {
  if (/^\d{1,15}$/.test(text)) return text;
  const ids = r.o.campaignIds?.(text) ?? [];
  if (ids.length === 1) return String(ids[0]);
  r.issue(c.line, column, ids.length === 0 ? `"${text.slice(0, 60)}" is not valid: expected a CRM campaign id, or the name of one of the connection's campaigns` : `"${text.slice(0, 60)}" names ${ids.length} campaigns (${ids.join(', ')}): give the id`);
  return undefined;
}

/** Adds spend rows of one key up, keeping the first row of each key for messages. */
function addUp(rows: SpendRow[]): SpendRow[] {
  const byKey = new Map<string, SpendRow>();
  for (const s of rows) {
    const k = JSON.stringify([s.day, s.sourceKind, s.source, s.platform, s.currency]);
    const had = byKey.get(k);
    if (had) had.spendCents += s.spendCents;
    else byKey.set(k, { ...s });
  }
  return [...byKey.values()];
}

/** Spend rows of a platform's (or mapped) export; totals rows (no source name, or "Total...") are skipped. */
function platformSpend(r: Reader, layout: SpendLayout, header: string[], body: TextRecord[]): { spend: SpendRow[]; skipped: number } {
  const norm = header.map(normalHeader);
  const src = sourceOption(r.o.as, layout, r.o.file);
  const dayField = first(norm, layout.day);
  const spendField = norm.find((h) => layout.spend.includes(h) || layout.spendPattern?.test(h));
  const currencyField = first(norm, layout.currency);
  const sourceField = first(norm, layout.source);
  const headerCurrency = spendField ? layout.spendPattern?.exec(spendField)?.[1]?.toUpperCase() : undefined;
  if (!dayField) throw new CostFileError(r.o.file, [{ row: null, column: null, message: `no column of days: expected one of ${layout.day.map((d) => `"${d}"`).join(', ')} (export with a breakdown by day)` }]);
  if (!spendField) throw new CostFileError(r.o.file, [{ row: null, column: null, message: `no column of spend: expected ${layout.spend.map((d) => `"${d}"`).join(' or ')}` }]);
  const out: SpendRow[] = [];
  let skipped = 0;
  for (const rec of body) {
    const c = cellsOf(header, header, rec);
    const name = sourceField ? (c.get(sourceField) ?? '').trim() : '';
    const firstCell = (rec.cells.find((x) => x.trim() !== '') ?? '').trim();
    // The platforms add totals rows: without a campaign name, or "Total: ..." / "Total of N results".
    if (/^total\b/i.test(firstCell) || (sourceField !== undefined && name === '')) {
      skipped++;
      continue;
    }
    const day = r.value(c, dayField, readDay);
    if (layout.end && c.get(layout.end) !== undefined && day !== undefined) {
      const end = r.value(c, layout.end, readDay);
      if (end !== undefined && end !== day) r.issue(rec.line, c.column(layout.end), `the row covers ${day} to ${end}: expected one day per row (export with the breakdown by day)`);
    }
    const spend = r.value(c, spendField, (t) => readAmount(t, { blankIsZero: true }));
    const currency = headerCurrency ?? (currencyField ? r.value(c, currencyField, readCurrency, { optional: r.o.currency }) : r.o.currency);
    let value: string | undefined = src.fixed ?? name;
    if (src.fixed === null && src.kind === 'campaign') value = campaignValue(r, c, c.column(sourceField as string) ?? '', name);
    if (day === undefined || spend === undefined || currency === undefined || value === undefined) continue;
    out.push({ day, sourceKind: src.kind, source: value, platform: r.o.platform ?? layout.platform, currency, spendCents: spend });
  }
  return { spend: out, skipped };
}

/** Rows of one of Konduit's own layouts (a CSV, a YAML list, or the web's and the API's rows). */
function ownRows(r: Reader, kind: OwnKind, rows: Cells[], change: CostChangeSet): void {
  const seen = new Map<string, number>();
  const once = (c: Cells, key: unknown[], what: string) => {
    const k = JSON.stringify(key);
    const at = seen.get(k);
    if (at !== undefined) r.issue(c.line, null, `${what} is given twice (rows ${at} and ${c.line}): keep one`);
    else seen.set(k, c.line);
    return at === undefined;
  };
  const currency = (c: Cells) => r.value(c, 'currency', readCurrency, { optional: r.o.currency });
  const from = (c: Cells) => r.value(c, 'from', readDay, { optional: ALWAYS });
  for (const c of rows) {
    if (kind === 'products') {
      const productId = r.value(c, 'product', (t) => readId(t, 'a product id'));
      const campaignId = r.value<number | null>(c, 'campaign', (t) => readId(t, 'a campaign id (empty: every campaign)'), { optional: null });
      const fulfilField = c.get('fulfilment') !== undefined ? 'fulfilment' : 'fulfillment';
      const v = { cur: currency(c), from: from(c), cost: r.value(c, 'cost', (t) => readAmount(t)), fulfil: r.value(c, fulfilField, (t) => readAmount(t), { optional: 0 }) };
      if (productId === undefined || campaignId === undefined || v.cur === undefined || v.from === undefined || v.cost === undefined || v.fulfil === undefined) continue;
      if (!once(c, [productId, campaignId, v.cur, v.from], `product ${productId}${campaignId ? ` in campaign ${campaignId}` : ''} from ${v.from} in ${v.cur}`)) continue;
      (change.products ??= []).push({ productId, campaignId, currency: v.cur, from: v.from, costCents: v.cost, fulfilmentCents: v.fulfil } satisfies ProductRate);
    } else if (kind === 'processing') {
      const mid = c.get('mid')?.trim();
      const merchantId = mid === '*' || mid === '' || mid === undefined ? null : r.value(c, 'mid', (t) => readId(t, 'a MID id (empty or *: every MID)'));
      const amount = (f: string) => r.value(c, f, (t) => readAmount(t), { optional: 0 });
      const v = { cur: currency(c), from: from(c), rate: r.value(c, 'rate', readPercent), fixed: amount('fixed'), cb: amount('chargeback'), refund: amount('refund') };
      if (merchantId === undefined || v.cur === undefined || v.from === undefined || v.rate === undefined || v.fixed === undefined || v.cb === undefined || v.refund === undefined) continue;
      if (!once(c, [merchantId, v.cur, v.from], `${merchantId === null ? 'every MID' : `MID ${merchantId}`} from ${v.from} in ${v.cur}`)) continue;
      (change.processing ??= []).push({ merchantId, currency: v.cur, from: v.from, ratePpm: v.rate, fixedCents: v.fixed, chargebackCents: v.cb, refundCents: v.refund } satisfies ProcessingRate);
    } else if (kind === 'payouts') {
      const affId = r.value(c, 'affiliate', (t) => readText(t, 'an affiliate id (the CRM\'s affId)'));
      const subField = c.get('subaffiliate') !== undefined ? 'subaffiliate' : 'sub affiliate';
      const subAffId = r.value<string | null>(c, subField, (t) => readText(t, 'a sub-affiliate (empty: every one)'), { optional: null });
      const v = { cycle: r.value(c, 'cycle', readCycle, { optional: 1 }), cur: currency(c), from: from(c), cpa: r.value(c, 'cpa', (t) => readAmount(t)) };
      if (affId === undefined || subAffId === undefined || v.cycle === undefined || v.cur === undefined || v.from === undefined || v.cpa === undefined) continue;
      if (!once(c, [affId, subAffId, v.cycle, v.cur, v.from], `the payout of ${affId}${subAffId ? `/${subAffId}` : ''} for cycle ${v.cycle} from ${v.from} in ${v.cur}`)) continue;
      (change.payouts ??= []).push({ affId, subAffId, cycle: v.cycle, currency: v.cur, from: v.from, cpaCents: v.cpa } satisfies PayoutRate);
    } else {
      const dayField = c.get('day') !== undefined ? 'day' : 'date';
      const spendField = c.get('spend') !== undefined ? 'spend' : 'amount';
      const day = r.value(c, dayField, readDay);
      const spend = r.value(c, spendField, (t) => readAmount(t));
      const cur = currency(c);
      const platform = r.value(c, 'platform', (t) => readText(t, 'a platform name'), { optional: r.o.platform ?? 'manual' });
      // KIND:VALUE in one column, or the kind in its own ("source kind") and the value in "source".
      const kindText = c.get('source kind')?.trim();
      const source = kindText
        ? r.value(c, 'source', (t) => readSource(`${kindText}:${t}`))
        : r.value(c, 'source', readSource);
      let value = source?.value;
      if (source && source.kind === 'campaign') value = campaignValue(r, c, c.column('source') ?? 'source', source.value);
      if (day === undefined || spend === undefined || cur === undefined || platform === undefined || source === undefined || value === undefined) continue;
      (change.spend ??= []).push({ day, sourceKind: source.kind, source: value, platform, currency: cur, spendCents: spend });
    }
  }
}

/** The header line of a CSV: the first of its first ten lines that names a layout (Google's export opens with a title and a date range). */
function findHeader(text: string, o: ReadOptions): { header: string[]; body: TextRecord[]; layout: NonNullable<ReturnType<typeof layoutOf>> } {
  const lines = text.split(/\r?\n/).slice(0, 10);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const delimiter = delimiterOf(line);
    const header = records(line, delimiter)[0]?.cells ?? [];
    const layout = layoutOf(header.map(normalHeader), o);
    if (!layout) continue;
    const all = records(text, delimiter);
    const at = all.findIndex((r) => r.line === i + 1);
    return { header: header.map((h) => h.trim()), body: all.slice(at + 1), layout };
  }
  const seen = lines.find((l) => l.trim() !== '') ?? '';
  throw new CostFileError(o.file, [{
    row: null, column: null,
    message: `its header (${JSON.stringify(seen.slice(0, 120))}) names no layout Konduit knows: expected a Meta Ads, Google Ads or TikTok Ads export of spend by day, or Konduit's own columns (spend: day,source,spend[,currency,platform]; products: product,cost[,campaign,fulfilment,currency,from]; processing: mid,rate[,fixed,chargeback,refund,currency,from]; payouts: affiliate,cpa[,subaffiliate,cycle,currency,from]); for another export give --map day=COLUMN,spend=COLUMN[,currency=COLUMN,source=COLUMN]`,
  }]);
}

/** A YAML file: any of products, processing, payouts and spend, each a list of rows with the CSV layouts' fields. */
function readYaml(r: Reader, text: string): ReadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter: lc, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new CostFileError(r.o.file, [{ row: e?.linePos?.[0]?.line ?? null, column: null, message: `is not valid YAML: ${e?.message.split('\n')[0] ?? 'unreadable'}` }]);
  }
  const root = doc.contents;
  const kinds = Object.keys(OWN) as OwnKind[];
  if (!isMap(root)) throw new CostFileError(r.o.file, [{ row: null, column: null, message: `expected a mapping of ${kinds.join(', ')}, each a list of rows` }]);
  const change: CostChangeSet = {};
  let count = 0;
  for (const pair of root.items) {
    const key = String((pair.key as Node & { value?: unknown })?.toJSON?.() ?? pair.key);
    const line = (n: Node | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : null);
    if (!kinds.includes(key as OwnKind)) {
      r.issue(line(pair.key as Node), key, `is not a kind of cost: expected ${kinds.join(', ')}`);
      continue;
    }
    if (!isSeq(pair.value)) {
      r.issue(line(pair.key as Node), key, 'expected a list of rows');
      continue;
    }
    const rows: Cells[] = [];
    for (const item of pair.value.items) {
      if (!isMap(item)) {
        r.issue(line(item as Node), key, 'expected a row of fields (field: value)');
        continue;
      }
      const fields = new Map<string, string>();
      for (const f of item.items) fields.set(normalHeader(String((f.key as Node)?.toJSON?.() ?? f.key)), String((f.value as Node | null)?.toJSON?.() ?? ''));
      const at = line(item);
      for (const f of fields.keys()) if (!(OWN[key as OwnKind].fields as readonly string[]).includes(f)) r.issue(at, f, `is not a field of ${key}: expected ${OWN[key as OwnKind].fields.join(', ')}`);
      rows.push({ line: at ?? 0, get: (f) => fields.get(f), column: (f) => (fields.has(f) ? f : null) });
    }
    count += rows.length;
    ownRows(r, key as OwnKind, rows, change);
  }
  if (r.issues.length > 0) throw new CostFileError(r.o.file, r.issues);
  if (change.spend) change.spend = addUp(change.spend);
  return { change, layout: 'yaml', rows: count, skipped: 0 };
}

/** Reads a cost file (CSV or YAML, by its name or its first character); throws CostFileError (nothing to import) or UsageError. */
export function readCostFile(bytes: Uint8Array, o: ReadOptions): ReadResult {
  const text = decodeText(bytes);
  const r = new Reader(o);
  if (/\.ya?ml$/i.test(o.file)) return readYaml(r, text);
  if (text.trim() === '') throw new CostFileError(o.file, [{ row: null, column: null, message: 'is empty: expected a header line and rows' }]);
  const { header, body, layout } = findHeader(text, o);
  if (layout.kind === 'platform') {
    const { spend, skipped } = platformSpend(r, layout.layout, header, body);
    if (r.issues.length > 0) throw new CostFileError(o.file, r.issues);
    return { change: { spend: addUp(spend) }, layout: layout.layout.name, rows: body.length - skipped, skipped };
  }
  const norm = header.map(normalHeader);
  for (const [i, h] of norm.entries()) {
    if (h !== '' && !(OWN[layout.own].fields as readonly string[]).includes(h)) r.issue(1, header[i] ?? h, `is not a column of the ${layout.own} layout: expected ${OWN[layout.own].fields.join(', ')}`);
  }
  const change: CostChangeSet = {};
  ownRows(r, layout.own, body.map((rec) => cellsOf(header, header, rec)), change);
  if (r.issues.length > 0) throw new CostFileError(o.file, r.issues);
  if (change.spend) change.spend = addUp(change.spend);
  return { change, layout: layout.own, rows: body.length, skipped: 0 };
}

/**
 * Rows of one kind as the web's tables and the HTTP API send them: objects whose keys are the CSV
 * layout's fields (product, cost, ...; day, source, spend, ...). Row numbers in messages count from 1.
 */
export function readCostRows(kind: CostKind, rows: readonly Record<string, unknown>[], o: ReadOptions): CostChangeSet {
  const r = new Reader(o);
  const cells: Cells[] = rows.map((row, i) => {
    const fields = new Map(Object.entries(row).map(([k, v]) => [normalHeader(k), v === null || v === undefined ? '' : String(v)]));
    for (const f of fields.keys()) if (!(OWN[kind].fields as readonly string[]).includes(f)) r.issue(i + 1, f, `is not a field of ${kind}: expected ${OWN[kind].fields.join(', ')}`);
    return { line: i + 1, get: (f) => fields.get(f), column: (f) => (fields.has(f) ? f : null) };
  });
  const change: CostChangeSet = {};
  ownRows(r, kind, cells, change);
  if (r.issues.length > 0) throw new CostFileError(o.file, r.issues);
  if (change.spend) change.spend = addUp(change.spend);
  return change;
}
