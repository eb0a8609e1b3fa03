/**
 * Ground truth: the merchant written as one CSV file per table, whose columns are the API's own field
 * names and whose cells are the API's own formats (records.ts renders both). Nested values (items,
 * notes, paySources, products) are JSON in their cell. Each file is written atomically.
 * The served tables are what the API answers (odd values and all); `truth/` holds the same rows in the
 * rich shape without odd values (every id, the ISO currency code, the names), and for each transaction
 * the oddity it is served with, so a test can compute any oracle from files alone.
 */
import { join } from 'node:path';
import { openAtomicStream } from '../core/atomic.js';
import type { Merchant } from './model.js';
import { oddityOf } from './oddities.js';
import { campaignRecord, couponRecord, customerRecord, orderRecord, productRecord, purchaseRecord, txnRecord, type ApiRecord } from './records.js';

/** An exported table: its file (relative to the export directory) and how each row is rendered. */
export interface ExportTable {
  file: string;
  rows: (m: Merchant) => Iterable<ApiRecord>;
}

/** The served tables, file names, and how each row is rendered (orders with includeCustomFields=1). */
export const EXPORT_TABLES: ExportTable[] = [
  { file: 'customers.csv', rows: (m) => map(m.customers, (c) => customerRecord(m, c)) },
  { file: 'orders.csv', rows: (m) => map(m.orders, (o) => orderRecord(m, o, true)) },
  { file: 'transactions.csv', rows: (m) => map(m.txns, (x) => txnRecord(m, x)) },
  { file: 'purchases.csv', rows: (m) => map(m.purchases, (p) => purchaseRecord(m, p)) },
  { file: 'campaigns.csv', rows: (m) => map(m.campaigns, (c) => campaignRecord(m, c)) },
  { file: 'products.csv', rows: (m) => map(m.products, (p) => productRecord(m, p)) },
  { file: 'coupons.csv', rows: (m) => map(m.coupons, (k) => couponRecord(m, k)) },
];

/** The truth tables: the rows in the rich shape, clean; transactions with the oddity they are served with. */
export const TRUTH_TABLES: ExportTable[] = [
  { file: 'truth/customers.csv', rows: (m) => map(m.customers, (c) => customerRecord(m, c, 'truth')) },
  { file: 'truth/orders.csv', rows: (m) => map(m.orders, (o) => orderRecord(m, o, true, 'truth')) },
  {
    file: 'truth/transactions.csv',
    rows: (m) =>
      map(m.txns, (x) => {
        const rec = txnRecord(m, x, 'truth');
        rec.servedOddity = oddityOf(m, x);
        return rec;
      }),
  },
  { file: 'truth/purchases.csv', rows: (m) => map(m.purchases, (p) => purchaseRecord(m, p, 'truth')) },
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

/** The columns of a record: its fields, without those its shape leaves out (undefined, see records.ts). */
export function columnsOf(rec: ApiRecord): string[] {
  return Object.keys(rec).filter((k) => rec[k] !== undefined);
}

/** Writes the merchant's tables to `dir` as CSV (one file per table, the truth tables under truth/). */
export async function exportGroundTruth(merchant: Merchant, dir: string): Promise<void> {
  for (const table of [...EXPORT_TABLES, ...TRUTH_TABLES]) {
    const out = await openAtomicStream(join(dir, table.file));
    try {
      let columns: string[] | null = null;
      let buf = '';
      for (const rec of table.rows(merchant)) {
        if (!columns) {
          columns = columnsOf(rec);
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
