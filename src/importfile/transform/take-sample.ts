/**
 * `konduit import sample`: a sample of WHOLE customers for the CRM's trial import (steps 6-7 of the CRM's migration guide)
 * and the rest as a second file set. The selection is a pure function of per-customer facts and a seed;
 * the split streams every file twice at most and checks that nothing was lost or duplicated.
 */
import { basename, join } from 'node:path';
import { InvalidInputError } from '../../core/errors.js';
import { type FileKind } from '../spec/columns.js';
import { CsvFileWriter } from './writer.js';
import { cellOf, readHeader, readTable } from '../read/table.js';
import { fnv1a32, mulberry32 } from '../../core/prng.js';
import { localDate, systemTimeZone } from '../../core/time.js';
import { PAST_NEXT_BILL_HINT, describePastNextBillDates, findPastNextBillDates } from '../validate/past-next-bill-dates.js';

/** What the merchant must be able to check in the sample (issue 7 step 5). */
export const SAMPLE_FEATURES = ['activeSubscription', 'oneTimeBuyer', 'refund', 'chargeback', 'check', 'separateShipping'] as const;
/** One feature a customer can show. */
export type SampleFeature = (typeof SAMPLE_FEATURES)[number];

/** What the selection knows of one customer (from the transactions file). */
export interface CustomerFacts {
  customerId: string;
  /** Transaction rows of this customer. */
  rows: number;
  features: ReadonlySet<SampleFeature>;
}

/** The selection: chosen customer ids, how many chosen customers show each feature, what no customer shows. */
export interface SampleSelection {
  selected: Set<string>;
  covered: Record<SampleFeature, number>;
  /** Features present in the data that the sample could not include (size too small). */
  uncovered: SampleFeature[];
  /** Features no customer in the data has (nothing to sample). */
  absent: SampleFeature[];
}

/** mulberry32 seeded from the seed text: the same seed always picks the same sample. */
const prng = (seed: string): (() => number) => mulberry32(fnv1a32(seed));

/**
 * Chooses `size` whole customers (pure): first, greedily, customers that cover the most features not yet
 * covered (so every feature present in the data is in the sample when size allows), then random others.
 * Order among equals is a seeded shuffle, so the choice is reproducible and not biased to file order.
 */
export function selectSample(customers: readonly CustomerFacts[], size: number, seed = 'konduit'): SampleSelection {
  const rnd = prng(seed);
  const order = customers.map((c, i) => ({ c, k: rnd(), i }));
  order.sort((a, b) => a.k - b.k || a.i - b.i);
  const shuffled = order.map((o) => o.c);
  const selected = new Set<string>();
  const present = new Set<SampleFeature>();
  for (const c of customers) for (const f of c.features) present.add(f);
  const need = new Set(present);
  const target = Math.min(size, customers.length);
  while (need.size > 0 && selected.size < target) {
    let best: CustomerFacts | null = null;
    let bestGain = 0;
    for (const c of shuffled) {
      if (selected.has(c.customerId)) continue;
      let gain = 0;
      for (const f of c.features) if (need.has(f)) gain++;
      if (gain > bestGain) {
        best = c;
        bestGain = gain;
        if (gain === need.size) break;
      }
    }
    if (!best) break;
    selected.add(best.customerId);
    for (const f of best.features) need.delete(f);
  }
  for (const c of shuffled) {
    if (selected.size >= target) break;
    selected.add(c.customerId);
  }
  const covered = Object.fromEntries(SAMPLE_FEATURES.map((f) => [f, 0])) as Record<SampleFeature, number>;
  for (const c of customers) if (selected.has(c.customerId)) for (const f of c.features) covered[f]++;
  return {
    selected,
    covered,
    uncovered: SAMPLE_FEATURES.filter((f) => present.has(f) && covered[f] === 0),
    absent: SAMPLE_FEATURES.filter((f) => !present.has(f)),
  };
}

/** A customer's accumulated facts: a few numbers (the files hold hundreds of thousands of customers). */
interface Acc {
  rows: number;
  sales: number;
  /** Bits of ACTIVE, REFUND, ... below. */
  flags: number;
}
const ACTIVE = 1;
const REFUND = 2;
const CHARGEBACK = 4;
const CHECK = 8;
const SEPARATE = 16;

/** The columns the facts are read from. */
const FACT_COLUMNS = ['customerId', 'txnType', 'responseType', 'isActiveRecurring', 'nextBillDate', 'isChargedback', 'paySource', 'billShipSame'];

/** Folds one transaction row (cells by name) into a customer's facts accumulator. */
function fold(acc: Acc, get: (name: string) => string): void {
  acc.rows++;
  const type = get('txnType').trim().toUpperCase();
  const ok = get('responseType').trim().toUpperCase() === 'SUCCESS';
  if (get('isActiveRecurring').trim() === '1' && get('nextBillDate').trim() !== '') acc.flags |= ACTIVE;
  if (ok && (type === 'SALE' || type === 'CAPTURE')) acc.sales++;
  if (type === 'REFUND') acc.flags |= REFUND;
  if (get('isChargedback').trim() === '1') acc.flags |= CHARGEBACK;
  if (get('paySource').trim().toUpperCase() === 'CHECK') acc.flags |= CHECK;
  if (get('billShipSame').trim() === '0') acc.flags |= SEPARATE;
}

// One shared, frozen-in-practice Set per combination of features (at most 64), not one per customer.
const featureSets = new Map<number, ReadonlySet<SampleFeature>>();

function factsOf(customerId: string, a: Acc): CustomerFacts {
  const active = (a.flags & ACTIVE) !== 0;
  // A one-time buyer: exactly one successful sale and no active subscription.
  const bits = a.flags | (!active && a.sales === 1 ? 32 : 0);
  let f = featureSets.get(bits);
  if (!f) {
    const set = new Set<SampleFeature>();
    if (bits & ACTIVE) set.add('activeSubscription');
    if (bits & 32) set.add('oneTimeBuyer');
    if (bits & REFUND) set.add('refund');
    if (bits & CHARGEBACK) set.add('chargeback');
    if (bits & CHECK) set.add('check');
    if (bits & SEPARATE) set.add('separateShipping');
    featureSets.set(bits, set);
    f = set;
  }
  return { customerId, rows: a.rows, features: f };
}

/** Per-customer facts from rows given as name -> value getters (pure; used by the file reader and tests). */
export function customerFacts(rows: Iterable<(name: string) => string>): CustomerFacts[] {
  const by = new Map<string, Acc>();
  for (const get of rows) {
    const id = get('customerId').trim();
    let a = by.get(id);
    if (!a) {
      a = { rows: 0, sales: 0, flags: 0 };
      by.set(id, a);
    }
    fold(a, get);
  }
  return [...by].map(([id, a]) => factsOf(id, a));
}

/** The import files of one set. */
export interface FileSet {
  transactions: string;
  notes?: string;
  details?: string;
}

/** Rows of one file: read, written to the sample, written to the rest. */
export interface SplitCount {
  kind: FileKind;
  input: string;
  rows: number;
  sample: number;
  rest: number;
}

/** What `splitSample` did. */
export interface SampleResult {
  selection: SampleSelection;
  customers: { total: number; sample: number; rest: number };
  files: SplitCount[];
  sample: FileSet;
  rest: FileSet;
}

/** Options of splitSample. */
export interface SampleOptions {
  size: number;
  seed?: string;
  sampleDir: string;
  restDir: string;
  /** Prefixes of the output names (e.g. "sample-", "rest-"), so both sets can share a server directory. */
  samplePrefix?: string;
  restPrefix?: string;
  /**
   * The planned import date (YYYY-MM-DD): a file with an active subscription due before it is refused (the
   * rebill guard: the sample never holds one). Default: today's date on this machine.
   */
  importDate?: string;
}

/**
 * Splits a file set into a sample of whole customers and the rest (two streamed passes over the
 * transactions file, one over notes and details). Output files keep the input names; every row goes to
 * exactly one side (notes and details follow their customer; ones of unknown customers go to the rest).
 */
export async function splitSample(files: FileSet, o: SampleOptions): Promise<SampleResult> {
  if (o.sampleDir === o.restDir) throw new InvalidInputError('the sample and the rest need different directories');
  const importDate = o.importDate ?? localDate(Date.now(), systemTimeZone());
  const past = await findPastNextBillDates(files.transactions, importDate);
  if (past.count > 0) throw new InvalidInputError(describePastNextBillDates(files.transactions, importDate, past), PAST_NEXT_BILL_HINT);
  const by = new Map<string, Acc>();
  for await (const rec of readTable(files.transactions, FACT_COLUMNS)) {
    const get = (n: string) => cellOf(rec, n);
    const id = get('customerId').trim();
    let a = by.get(id);
    if (!a) {
      a = { rows: 0, sales: 0, flags: 0 };
      by.set(id, a);
    }
    fold(a, get);
  }
  const facts = [...by].map(([id, a]) => factsOf(id, a));
  const selection = selectSample(facts, o.size, o.seed);
  const counts: SplitCount[] = [];
  const sample: Partial<FileSet> = {};
  const rest: Partial<FileSet> = {};
  for (const kind of ['transactions', 'notes', 'details'] as const) {
    const input = files[kind];
    if (!input) continue;
    const name = basename(input);
    sample[kind] = join(o.sampleDir, `${o.samplePrefix ?? ''}${name}`);
    rest[kind] = join(o.restDir, `${o.restPrefix ?? ''}${name}`);
    counts.push(await splitFile(kind, input, sample[kind] as string, rest[kind] as string, selection.selected));
  }
  for (const c of counts) {
    if (c.sample + c.rest !== c.rows) throw new Error(`internal: ${c.input} split ${c.sample}+${c.rest} of ${c.rows} rows`);
  }
  return {
    selection,
    customers: { total: facts.length, sample: selection.selected.size, rest: facts.length - selection.selected.size },
    files: counts,
    sample: sample as FileSet,
    rest: rest as FileSet,
  };
}

async function splitFile(kind: FileKind, input: string, samplePath: string, restPath: string, selected: ReadonlySet<string>): Promise<SplitCount> {
  let header: string[] | null = null;
  let s: CsvFileWriter | null = null;
  let r: CsvFileWriter | null = null;
  let rows = 0;
  try {
    for await (const rec of readTable(input)) {
      if (!header) {
        header = rec.header.names;
        s = await CsvFileWriter.open(samplePath, header);
        r = await CsvFileWriter.open(restPath, header);
      }
      rows++;
      const id = cellOf(rec, 'customerId').trim();
      await (selected.has(id) ? s : r)!.write(rec.cells);
    }
    if (!header) {
      // A header-only file: both sides get the same header.
      const h = (await readHeader(input)).names;
      s = await CsvFileWriter.open(samplePath, h);
      r = await CsvFileWriter.open(restPath, h);
    }
    await s!.commit();
    await r!.commit();
    return { kind, input, rows, sample: s!.rows, rest: r!.rows };
  } catch (err) {
    await s?.abort();
    await r?.abort();
    throw err;
  }
}
