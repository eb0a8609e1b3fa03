/**
 * A bare client of a sandbox for the sandbox's own HTTP tests: one call (POST, form-encoded, with the
 * API user's credentials unless told otherwise) and a walk over every page of a query. Deliberately
 * not src/crm's client: these tests check what goes over the wire, envelope and all.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { csvLine, EXPORT_TABLES, type ApiRecord, type Sandbox } from '../src/sandbox/index.js';

export type Json = { result: string; message: any };

export interface CallOptions {
  method?: 'GET' | 'POST';
  creds?: boolean;
  body?: string;
  type?: string;
}

/** Calls and walks against one sandbox. */
export function sandboxApi(sb: () => Sandbox) {
  async function call(path: string, params: Record<string, string>, opts: CallOptions = {}): Promise<Json> {
    const s = sb();
    const all = opts.creds === false ? params : { loginId: s.loginId, password: s.password, ...params };
    const method = opts.method ?? 'POST';
    const qs = new URLSearchParams(all).toString();
    const res =
      method === 'GET'
        ? await fetch(`${s.baseUrl}/${path}/?${qs}`)
        : await fetch(`${s.baseUrl}/${path}/`, { method: 'POST', headers: { 'content-type': opts.type ?? 'application/x-www-form-urlencoded' }, body: opts.body ?? qs });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    return (await res.json()) as Json;
  }

  /** Every record of a query, walking pages of 200. */
  async function walk(path: string, params: Record<string, string>): Promise<ApiRecord[]> {
    const out: ApiRecord[] = [];
    for (let page = 1; ; page++) {
      const r = await call(path, { ...params, resultsPerPage: '200', page: String(page) });
      if (r.result === 'ERROR') {
        expect(r.message).toMatch(/matching those parameters could be found/);
        return out;
      }
      const data = Array.isArray(r.message.data) ? r.message.data : Object.values(r.message.data);
      out.push(...data);
      if (page * 200 >= r.message.totalResults) return out;
    }
  }

  /** Every record of a table, walking month windows over the years given (campaigns, products and coupons in one walk). */
  async function walkMonths(path: string, years: [number, number], extra: Record<string, string> = {}): Promise<ApiRecord[]> {
    if (path === 'campaign/query' || path === 'product/query' || path === 'coupon/query') return walk(path, extra);
    const out: ApiRecord[] = [];
    for (let y = years[0]; y <= years[1]; y++) {
      for (let mo = 1; mo <= 12; mo++) {
        const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
        out.push(...(await walk(path, { startDate: `${mo}/1/${y}`, endDate: `${mo}/${last}/${y}`, ...extra })));
      }
    }
    return out;
  }

  /**
   * Checks that every table the export wrote to `dir` holds exactly what the API serves, walking month
   * windows over the years given: no row lost, none twice, each rendered the same.
   */
  async function expectServedEqualsExport(dir: string, years: [number, number]): Promise<void> {
    for (const table of EXPORT_TABLES) {
      const [header, ...lines] = (await readFile(join(dir, table.file), 'utf8')).trimEnd().split('\n').filter((l, i) => i === 0 || l !== '');
      const columns = (header ?? '').split(',');
      const path = PATH_OF_EXPORT[table.file] as string;
      const served = (await walkMonths(path, years, path === 'order/query' ? { includeCustomFields: '1' } : {})).map((r) => csvLine(columns, r));
      expect(served.length, table.file).toBe(lines.length);
      expect([...served].sort(), table.file).toEqual([...lines].sort());
    }
  }

  return { call, walk, walkMonths, expectServedEqualsExport };
}

/** The API path serving each exported table. */
export const PATH_OF_EXPORT: Record<string, string> = {
  'customers.csv': 'customer/query',
  'orders.csv': 'order/query',
  'transactions.csv': 'transactions/query',
  'purchases.csv': 'purchase/query',
  'campaigns.csv': 'campaign/query',
  'products.csv': 'product/query',
  'coupons.csv': 'coupon/query',
};
