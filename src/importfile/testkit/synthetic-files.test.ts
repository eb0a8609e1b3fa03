import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../read/read-records.js';
import { SyntheticTransactions, syntheticDetailsCsv, syntheticNotesCsv } from './synthetic-files.js';
import { validateImportFiles } from '../validate/validate.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('a generated 10,000-row import', () => {
  it('uses every branch and validates with zero errors and zero warnings', async () => {
    const today = '2026-01-15';
    const g = new SyntheticTransactions({ rows: 10_000, today, seed: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'konduit-sample-'));
    const t = join(dir, 'transactions.csv');
    writeFileSync(t, [...g.chunks()].join(''));
    writeFileSync(join(dir, 'notes.csv'), syntheticNotesCsv(g.customers, 300));
    writeFileSync(join(dir, 'details.csv'), syntheticDetailsCsv(g.customers, 300));

    // Count the branches the file exercises, reading it back as strings.
    const seen = new Map<string, number>();
    const bump = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1);
    let header: string[] = [];
    for await (const r of readCsvRecords(t)) {
      if (r.row === 1) {
        header = r.cells;
        continue;
      }
      const c = Object.fromEntries(header.map((h, i) => [h, r.cells[i] ?? '']));
      bump(`paySource=${c.paySource}`);
      bump(`txnType=${c.txnType}`);
      bump(`country=${c.country === 'US' || c.country === 'CA' ? c.country : 'other'}`);
      if (/[x*]/.test(c.cardNumber!) && c.externalToken) bump('masked card with token');
      if (c.isActiveRecurring === '1') bump('active subscription');
      if (c.isChargedback === '1') bump('chargeback');
      if (c.billShipSame === '0') bump('billShipSame=0');
      if (c.responseType === 'DECLINE') bump('decline');
      if (c.address2!.includes(',') && c.address2!.includes('"')) bump('comma and quote in a cell');
    }
    for (const k of [
      'paySource=CREDITCARD', 'paySource=CHECK', 'paySource=PREPAID', 'txnType=SALE', 'txnType=AUTHORIZE', 'txnType=CAPTURE',
      'txnType=REFUND', 'country=US', 'country=CA', 'country=other', 'masked card with token', 'active subscription',
      'chargeback', 'billShipSame=0', 'decline', 'comma and quote in a cell',
    ]) {
      expect(seen.get(k) ?? 0, k).toBeGreaterThan(10);
    }

    const report = await validateImportFiles(
      { transactions: t, notes: join(dir, 'notes.csv'), details: join(dir, 'details.csv') },
      { today },
    );
    expect(report.issues).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.files.map((f) => [f.kind, f.rows, f.errors, f.warnings])).toEqual([
      ['transactions', 10_000, 0, 0],
      ['notes', 300, 0, 0],
      ['details', 300, 0, 0],
    ]);
  });
});
