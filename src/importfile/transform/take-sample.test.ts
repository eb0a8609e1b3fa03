import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticTransactions, syntheticDetailsCsv, syntheticNotesCsv } from '../testkit/synthetic-files.js';
import { SAMPLE_FEATURES, customerFacts, selectSample, splitSample, type CustomerFacts, type SampleFeature } from './take-sample.js';
import { validateImportFiles } from '../validate/validate.js';
import { readTable, cellOf } from '../read/table.js';

const facts = (id: string, ...f: SampleFeature[]): CustomerFacts => ({ customerId: id, rows: 1, features: new Set(f) });

describe('selectSample (pure)', () => {
  const pool = [
    ...Array.from({ length: 50 }, (_, i) => facts(`plain${i}`)),
    facts('sub', 'activeSubscription'),
    facts('once', 'oneTimeBuyer'),
    facts('ref', 'refund', 'oneTimeBuyer'),
    facts('cb', 'chargeback'),
    facts('chk', 'check', 'separateShipping'),
  ];

  it('covers every feature present when the size allows, and has exactly the chosen size', () => {
    const s = selectSample(pool, 6, 'a');
    expect(s.selected.size).toBe(6);
    expect(s.uncovered).toEqual([]);
    for (const f of SAMPLE_FEATURES) expect(s.covered[f]).toBeGreaterThan(0);
    for (const id of ['sub', 'cb', 'chk']) expect(s.selected.has(id)).toBe(true);
  });

  it('prefers customers covering several features; names what a too-small sample misses', () => {
    const s = selectSample(pool, 2, 'a');
    expect(s.selected.size).toBe(2);
    expect(s.uncovered.length).toBe(6 - [...s.selected].reduce((n, id) => n + (pool.find((c) => c.customerId === id)?.features.size ?? 0), 0));
    expect(s.selected.has('chk') || s.selected.has('ref')).toBe(true);
  });

  it('is reproducible from its seed, differs between seeds, and caps at the number of customers', () => {
    expect([...selectSample(pool, 20, 'x').selected]).toEqual([...selectSample(pool, 20, 'x').selected]);
    expect([...selectSample(pool, 20, 'x').selected].sort()).not.toEqual([...selectSample(pool, 20, 'y').selected].sort());
    expect(selectSample(pool, 1000).selected.size).toBe(pool.length);
    expect(selectSample(pool, 0).selected.size).toBe(0);
  });

  it('reports features absent from the data', () => {
    expect(selectSample([facts('a'), facts('b')], 1).absent).toEqual([...SAMPLE_FEATURES]);
  });

  it('derives facts from rows: one-time buyer, active subscription, refund, chargeback, CHECK, billShipSame=0', () => {
    const row = (o: Record<string, string>) => (n: string) => o[n] ?? '';
    const f = customerFacts([
      row({ customerId: 'A', txnType: 'SALE', responseType: 'SUCCESS' }),
      row({ customerId: 'B', txnType: 'SALE', responseType: 'SUCCESS', isActiveRecurring: '1', nextBillDate: '2027-01-01' }),
      row({ customerId: 'B', txnType: 'REFUND', responseType: 'SUCCESS', paySource: 'CHECK', billShipSame: '0', isChargedback: '1' }),
    ]);
    expect([...(f.find((c) => c.customerId === 'A')?.features ?? [])]).toEqual(['oneTimeBuyer']);
    expect([...(f.find((c) => c.customerId === 'B')?.features ?? [])].sort()).toEqual(['activeSubscription', 'chargeback', 'check', 'refund', 'separateShipping']);
  });
});

describe('splitSample (files)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'konduit-sample-'));
    const g = new SyntheticTransactions({ rows: 2000, today: '2026-11-01', seed: 3 });
    await writeFile(join(dir, 'transactions.csv'), [...g.chunks()].join(''));
    await writeFile(join(dir, 'notes.csv'), syntheticNotesCsv(g.customers, 300));
    await writeFile(join(dir, 'details.csv'), syntheticDetailsCsv(g.customers, 200));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('splits whole customers: nothing lost or duplicated, notes and details follow, both sides valid', async () => {
    const files = { transactions: join(dir, 'transactions.csv'), notes: join(dir, 'notes.csv'), details: join(dir, 'details.csv') };
    const r = await splitSample(files, { size: 25, seed: 's', sampleDir: join(dir, 'sample'), restDir: join(dir, 'rest'), importDate: '2026-11-01' });
    expect(r.customers.sample).toBe(25);
    expect(r.selection.uncovered).toEqual([]);
    const rowsOf = async (p: string) => {
      const out: string[] = [];
      for await (const rec of readTable(p)) out.push(rec.cells.join('\u0001'));
      return out;
    };
    for (const kind of ['transactions', 'notes', 'details'] as const) {
      const all = await rowsOf(files[kind]);
      const s = await rowsOf(r.sample[kind] as string);
      const rest = await rowsOf(r.rest[kind] as string);
      expect([...s, ...rest].sort()).toEqual([...all].sort());
    }
    const sampleIds = new Set<string>();
    for await (const rec of readTable(r.sample.transactions)) sampleIds.add(cellOf(rec, 'customerId'));
    expect(sampleIds).toEqual(r.selection.selected);
    for await (const rec of readTable(r.rest.transactions)) expect(sampleIds.has(cellOf(rec, 'customerId'))).toBe(false);
    for await (const rec of readTable(r.sample.notes as string)) expect(sampleIds.has(cellOf(rec, 'customerId'))).toBe(true);
    const sv = await validateImportFiles(r.sample, { today: '2026-11-01' });
    const rv = await validateImportFiles(r.rest, { today: '2026-11-01' });
    expect(sv.valid).toBe(true);
    expect(rv.valid).toBe(true);
    expect((await readFile(r.sample.transactions, 'utf8')).startsWith('"customerId","orderId"')).toBe(true);
  });

  it('refuses a file with an active subscription due before the import date (the rebill guard): the sample never holds one', async () => {
    const files = { transactions: join(dir, 'transactions.csv') };
    const err = await splitSample(files, { size: 25, sampleDir: join(dir, 's2'), restDir: join(dir, 'r2'), importDate: '2027-06-01' }).then(() => null, (e: unknown) => e as { message: string; exitCode: number; hint: string });
    if (!err) throw new Error('expected a refusal');
    expect(err).toMatchObject({ exitCode: 1 });
    expect(err.message).toMatch(/has \d+ active subscriptions? due before the import date 2027-06-01/);
    expect(err.message).toMatch(/row \d+: customer \S+, nextBillDate 20\d\d-/);
    expect(err.hint).toContain('--past-next-bill-date');
    expect(existsSync(join(dir, 's2'))).toBe(false);
  });
});
