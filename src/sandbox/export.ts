/**
 * Ground truth: the merchant written as one CSV file per table, whose columns are the API's own field
 * names and whose cells are the API's own formats (records.ts renders both). Nested values (items,
 * notes, paySources, products) are JSON in their cell. Each file is written atomically.
 */
import { join } from 'node:path';
import { openAtomicStream } from '../core/atomic.js';
import type { Merchant } from './model.js';
import { campaignRecord, customerRecord, orderRecord, productRecord, purchaseRecord, txnRecord, type ApiRecord } from './records.js';

/** The exported tables, file names, and how each row is rendered (orders with includeCustomFields=1). */
export const EXPORT_TABLES: Array<{ file: string; rows: (m: Merchant) => Iterable<ApiRecord> }> = [
  { file: 'customers.csv', rows: (m) => map(m.customers, (c) => customerRecord(m, c)) },
  { file: 'orders.csv', rows: (m) => map(m.orders, (o) => orderRecord(m, o, true)) },
  { file: 'transactions.csv', rows: (m) => map(m.txns, (x) => txnRecord(m, x)) },
  { file: 'purchases.csv', rows: (m) => map(m.purchases, (p) => purchaseRecord(m, p)) },
  { file: 'campaigns.csv', rows: (m) => map(m.campaigns, (c) => campaignRecord(m, c)) },
  { file: 'products.csv', rows: (m) => map(m.products, (p) => productRecord(m, p)) },
];

function* map<T>(rows: readonly T[], f: (r: T) => ApiRecord): Iterable<ApiRecord> {
  for (const r of rows) yield f(r);
}

/** One CSV cell of an API value: null is empty, objects and arrays are JSON, numbers and flags as text. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line (without the newline) of a record, in the given column order. */
export function csvLine(columns: readonly string[], rec: ApiRecord): string {
  return columns.map((c) => csvCell(rec[c])).join(',');
}

/** Writes the merchant's tables to `dir` as CSV (one file per table). */
export async function exportGroundTruth(merchant: Merchant, dir: string): Promise<void> {
  for (const table of EXPORT_TABLES) {
    const out = await openAtomicStream(join(dir, table.file));
    try {
      let columns: string[] | null = null;
      let buf = '';
      for (const rec of table.rows(merchant)) {
        if (!columns) {
          columns = Object.keys(rec);
          buf += `${columns.join(',')}\n`;
        }
        buf += `${csvLine(columns, rec)}\n`;
        if (buf.length > 1 << 20) {
          if (!out.stream.write(buf)) await new Promise<void>((r) => out.stream.once('drain', () => r()));
          buf = '';
        }
      }
      out.stream.write(buf);
      await out.commit();
    } catch (err) {
      await out.abort();
      throw err;
    }
  }
}
